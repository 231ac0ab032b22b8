/**
 * Section 4.5's extension (not in the paper), as a registered experiment:
 * DNGPU (Freivalds & Liepins 2017) on binary multiplication, trained short
 * and tested long, with and without Eq. 1 noise, measured as Table 5. GN
 * tested only the original Neural GPU (the neural-gpu experiment); this asks
 * whether annealed noise still helps an architecture that trains reliably.
 * A second folder because the registry holds one experiment per folder; it
 * shares notebook 05 with Table 5, as the NOISIN experiments share 07.
 */
import { testedDifferenceRow } from "../../report/tested-difference";
import { defineExperiment } from "../../experiments/define";
import { opt } from "../../experiments/options";
import { DNGPU_ARMS, DNGPU_CONFIGS, DNGPURunRecord, DNGPURunSpec, DNGPUSectionConfig, planDNGPURuns, trainDNGPURun, trainOperandBits } from "./run";
import { DNGPUSummary, dngpuLengthFigure, dngpuRows, dngpuThresholdFigure, summarizeDNGPU } from "./summary";
import { carriedClaims } from "../../experiments/paper-claims";

export * from "./run";
export * from "./summary";
export { DNGPU_MODEL, DNGPU_TRAINING } from "../../families/neural-gpu";

export const experiment = defineExperiment<DNGPUSectionConfig, DNGPURunSpec, DNGPURunRecord, DNGPUSummary>({
  id: "neural-gpu-dngpu",
  section: "4.5",
  title: "DNGPU extension, not in the paper: binary multiplication with and without annealed noise, measured as Table 5",
  notebook: "05-neural-gpu.ipynb",
  configs: DNGPU_CONFIGS,
  options: [
    opt.int("steps", { help: "training steps per trial (cpu: 1000; paper: 20000)", apply: (c, steps) => ({ ...c, steps }) }),
    opt.seeds("trials per arm (cpu: 18; paper: 30)"),
    opt.strings("arms", DNGPU_ARMS, { help: "only these arms (default both)", apply: (c, arms) => ({ ...c, arms }), tag: (v) => v.join("+") }),
  ],
  // A step's work: every bin, batch x length (positions) x length (steps) x maps^2 (the convolutions); tests left out.
  cost: (c) => c.steps * c.batchSize * c.model.maps ** 2 * c.bins.reduce((a, L) => a + L * L, 0),
  measures: {
    testError: { type: "number", min: 0, max: 1 },
    trainError: { type: "number", min: 0, max: 1 },
  },
  plan: planDNGPURuns,
  run: (spec, config, ctx) => trainDNGPURun(spec, config, ctx),
  summarize: (records, _c, planned) => summarizeDNGPU(records, planned),
  report: {
    tables: (s, c) => [
      {
        name: "dngpu",
        caption: `DNGPU (not tested by the paper, which used the original Neural GPU): trials with test error (digit error on ${c.testBits[c.testBits.length - 1]}-bit operands, ${c.testExamples} test products) under each threshold, per arm: ${s.pairs} of ${s.planned} planned pairs (same seed in both arms). Trained on operands of 1..${trainOperandBits(c)} bits, ${c.steps} steps; mean final training digit error: no noise ${Number.isFinite(s.trainError.none) ? (100 * s.trainError.none).toFixed(1) + "%" : "-"}, with noise ${Number.isFinite(s.trainError.noise) ? (100 * s.trainError.noise).toFixed(1) + "%" : "-"}. Intervals: Clopper-Pearson per arm; the difference's interval and p: the exact McNemar test on the pairs, inverted. The last column is the paper's original-Neural-GPU Table 5, for reference only.`,
        rows: dngpuRows(s),
      },
      {
        name: "dngpuError",
        caption: `Not the paper's measure, and no verdict: DNGPU's digit error itself on ${c.testBits[c.testBits.length - 1]}-bit operands and on ${c.testBits[0]}-bit ones (within the trained lengths), noise minus none on the paired seeds (one sign-flip permutation test, inverted for the interval); negative: noise lowered the error. It speaks where the threshold counts read 0 against 0.`,
        rows: [
          ...(s.errorDifference ? [testedDifferenceRow(`${c.testBits[c.testBits.length - 1]}-bit test`, s.errorDifference, { measure: "noise - none (points of digit error)", scale: 100 })] : []),
          ...(s.shortErrorDifference ? [testedDifferenceRow(`${c.testBits[0]}-bit test (within the trained lengths)`, s.shortErrorDifference, { measure: "noise - none (points of digit error)", scale: 100 })] : []),
        ],
      },
    ],
    verdicts: "Table 5's claims carried to DNGPU (docs/verdicts.md; significance at p < 0.05; another architecture at another size, so judged on sign only):",
    async figures(records, s) {
      return [
        { name: "dngpu-thresholds", title: "DNGPU (extension, not in the paper): fraction of trials at or below each test error, with and without noise", fig: dngpuThresholdFigure(s), height: 460 },
        { name: "dngpu-length", title: "DNGPU (extension, not in the paper): digit error against test length (operand bits)", fig: dngpuLengthFigure(records) },
      ];
    },
    provenance: (c) =>
      `DNGPU (Freivalds & Liepins 2017; not tested by GN) ${c.model.maps} maps, width-3 diagonal gated unit, hard sigmoid/tanh, saturation limit ${c.model.saturationLimit}; ` +
      `${c.seeds} seeds per arm; ${c.steps} steps, every step all bins ${c.bins.join(", ")} at ${c.batchSize} examples each, no curriculum; ` +
      `AdaMax (the code's: per-element clip, annealed beta2), lr ${c.learningRate.toPrecision(3)} cut x0.7 on stalls, dropout keep ${c.keep}; ` +
      `global-norm clip ${c.clip ?? "none"} then noise eta ${c.eta}, gamma ${c.gamma} (noise arm); tests at ${c.testBits.join(", ")} bits (${c.testExamples} products each)`,
  },
  claims: carriedClaims("to DNGPU, an architecture the paper did not test", "gn-4.5-table5-1pct", "gn-4.5-table5-thresholds"),
});
