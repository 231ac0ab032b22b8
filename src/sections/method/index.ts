/**
 * Section 3, the method, as a registered experiment: Eq. 1's schedule and a
 * small live demonstration that annealed noise lets a zero-initialised deep
 * ReLU network leave its plateau. Notebook: 00-method.ipynb.
 */
import { MLP_TRAINING_KERNELS } from "../../models/mlp";
import { defineExperiment } from "../../experiments/define";
import { opt } from "../../experiments/options";
import { plateauFigures, plateauRows, scheduleFigure } from "./figures";
import { PLATEAU_SETTINGS, PLATEAU_CONFIGS, PlateauConfig, plateauData, planPlateau, PlateauRecord, PlateauSpec, trainPlateauRun } from "./run";
import { PlateauSummary, summarizePlateau } from "./summary";
import { protocolRows } from "./protocol";
import { claimsOf } from "../../experiments/paper-claims";

export * from "./run";
export * from "./summary";
export * from "./figures";
export * from "./protocol";

export const experiment = defineExperiment<PlateauConfig, PlateauSpec, PlateauRecord, PlateauSummary>({
  id: "method",
  section: "3",
  title: "The method: annealed Gaussian gradient noise, and a zero-init demonstration",
  notebook: "00-method.ipynb",
  claims: claimsOf("gn-4.1-zero-init-rescue"),
  configs: PLATEAU_CONFIGS,
  requiredKernels: MLP_TRAINING_KERNELS,
  options: [
    opt.int("steps", { help: "SGD updates per run (cpu: 2000)", apply: (c, steps) => ({ ...c, steps }) }),
    opt.int("depth", { help: "hidden layers (cpu: 5; the paper's network: 20)", apply: (c, depth) => ({ ...c, depth }) }),
    opt.ints("seeds", { help: "run seeds (cpu: 1,2,3)", apply: (c, seeds) => ({ ...c, seeds }) }),
  ],
  plan: planPlateau,
  cost: (c) => c.steps,
  measures: { testAccuracy: { type: "number", min: 0, max: 1 } },
  async run(spec, config, ctx) {
    let data = ctx.cache.get("clusters") as ReturnType<typeof plateauData> | undefined;
    if (!data) ctx.cache.set("clusters", (data = plateauData(config)));
    return trainPlateauRun(spec, config, { onStep: ctx.onStep, data });
  },
  summarize: summarizePlateau,
  report: {
    tables: (s) => [
      {
        name: "runs",
        caption:
          `Final test accuracy per run; the plateau (majority class) is ${s.majorityRate.toFixed(3)}. ` +
          `Runs held of planned: ${PLATEAU_SETTINGS.map((x) => `${x} ${s.held[x]} of ${s.planned[x]}`).join(", ")}.`,
        diverged: `${PLATEAU_SETTINGS.map((x) => `${x} ${s.diverged[x]}`).join(", ")}; diverged runs count in the averages the verdict compares, with the accuracy they ended with`,
        rows: plateauRows(s),
      },
    ],
    verdicts: "Verdict (interval and p from one permutation test; with 3 runs a side its p cannot go below 0.1; rule: docs/verdicts.md; significance at p < 0.05):",
    async figures(_records, s) {
      const figs = plateauFigures(s);
      return [
        { name: "schedule-sigma", title: "Eq. 1: sigma_t for eta in {0.01, 0.3, 1.0}, gamma 0.55", fig: scheduleFigure([0.01, 0.3, 1.0], 100000), runs: 0, source: "closed form, no randomness" },
        { name: "plateau-loss", title: "Zero-init plateau: training loss with and without gradient noise", fig: figs.loss },
        { name: "plateau-accuracy", title: "Zero-init plateau: test accuracy with and without gradient noise", fig: figs.accuracy },
      ];
    },
    protocol: protocolRows,
    provenance: (c) =>
      `zero-init ${c.depth}x${c.width} ReLU MLP, SGD lr ${c.learningRate}, clip ${c.clipGlobalNorm}, eta ${c.eta}, gamma ${c.gamma}; ` +
      `${c.steps} steps of batch ${c.batchSize}; synthetic clusters (${c.data.train} train / ${c.data.test} test, seed ${c.data.seed}); run seeds ${c.seeds.join(",")}`,
  },
});
