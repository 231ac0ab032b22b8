/**
 * Beyond both papers: gradient noise (GN Eq. 1) vs hidden-state noise
 * (NOISIN) vs both vs neither on one LSTM language model at equal budget.
 * Notebook: 07-noisin.ipynb.
 */
import { lmComparisonTable, lmCurvesFigure, lmDifferenceFigure, lmPaperFigure, lmRowsTable } from "../../families/lm/report";
import { lmKernels } from "../../models/lm-ops";
import { defineExperiment } from "../../experiments/define";
import { lmCost, LM_MEASURES } from "../../families/lm/record";
import { opt } from "../../experiments/options";
import { NOISE_COMPARISON_CONFIGS, NOISE_SETTINGS, NoiseComparisonConfig, NoiseComparisonRecord, NoiseComparisonSpec, planNoiseComparison, runNoiseComparison } from "./run";
import { NoiseComparisonSummary, summarizeNoiseComparison } from "./summary";
import { formatP } from "../../stats";
import { claimsOf } from "../../experiments/paper-claims";

export * from "./run";
export * from "./summary";

export const experiment = defineExperiment<NoiseComparisonConfig, NoiseComparisonSpec, NoiseComparisonRecord, NoiseComparisonSummary>({
  id: "noise-comparison",
  section: "X, beyond both papers",
  title: "Gradient noise vs hidden-state noise vs both vs neither on one LSTM language model",
  notebook: "07-noisin.ipynb",
  claims: claimsOf("gn-4.6-ptb-lstm-no-dropout", "noisin-4-table3-wikitext2"),
  configs: NOISE_COMPARISON_CONFIGS,
  requiredKernels: lmKernels("scatter"),
  options: [
    opt.number("eta", { help: "gradient noise eta (default 0.001)", apply: (c, eta) => ({ ...c, eta }) }),
    opt.number("gamma", { help: "hidden-state noise gamma (default 0.1)", apply: (c, hiddenGamma) => ({ ...c, hiddenGamma }) }),
    opt.strings("settings", NOISE_SETTINGS, { help: "rows (default all four)", apply: (c, settings) => ({ ...c, settings }), tag: (v) => v.join("+") }),
    opt.seeds("seeds per row (cpu: 3)"),
    opt.epochs("epochs per run (cpu: 4)"),
  ],
  plan: planNoiseComparison,
  run: runNoiseComparison,
  measures: LM_MEASURES,
  cost: lmCost,
  summarize: summarizeNoiseComparison,
  report: {
    tables: (s, c) => [
      { name: "rows", caption: `Mean over ${c.seeds} seed(s) [95% t interval over seeds]; neither paper reports this comparison.`, diverged: "", rows: lmRowsTable(s.rows).map(({ ["paper valid"]: _v, ["paper test"]: _t, ...r }) => r) },
      {
        name: "comparisons",
        caption: "Differences in test perplexity, paired by seed (paired t test); the interaction is (both - hidden) - (gradient - neither), 0 when the two effects add:",
        rows: [
          ...lmComparisonTable(s.comparisons),
          ...(s.interaction ? [{ comparison: "interaction", measure: "test ppl", pairs: s.interaction.pairs, difference: s.interaction.difference.toFixed(2), "95% CI": `[${s.interaction.low.toFixed(2)}, ${s.interaction.high.toFixed(2)}]`, "p (paired t)": formatP(s.interaction.p, 3) }] : []),
        ],
      },
    ],
    verdicts: "Each paper's claim carried to this model (test perplexity as a ratio minus 1, margin 1%; GN 4.6 read as \"does not help\", which allows a penalty; rule: docs/verdicts.md; significance at p < 0.05):",
    async figures(records, s, c) {
      return [
        { name: "noise-comparison-curves", title: "Noise comparison: validation perplexity per epoch", fig: lmCurvesFigure(records, c.settings), height: 480 },
        { name: "noise-comparison-perplexity", title: "Noise comparison: test perplexity per setting", fig: lmPaperFigure(records, s.rows, "testPerplexity", "Test perplexity per setting (no paper numbers exist for this comparison)"), height: 460 },
        { name: "noise-comparison-effect", title: "Noise comparison: each noise against neither, relative", fig: lmDifferenceFigure(records, c.settings.includes("neither") ? c.settings.filter((x) => x !== "neither").map((x) => ({ a: x, b: "neither", label: `${x} vs neither` })) : [], "testPerplexity", "Each noise's effect: test perplexity relative to neither, same seed", "test perplexity, % above neither (same seed)"), height: 460 },
      ];
    },
    provenance: (c) =>
      `PTB, ${c.base.layers}x${c.base.hidden} LSTM without dropout (Zaremba small), SGD lr ${c.base.lr}, clip ${c.base.clip}, batch ${c.base.batch} x ${c.base.steps} steps, ` +
      `${c.base.epochs} epochs over ${c.base.trainFraction === 1 ? "all of PTB" : `the first ${(100 * c.base.trainFraction).toPrecision(2)}% of the training windows`}; gradient noise eta ${c.eta} gamma ${c.gradientGamma}; hidden-state noise gamma ${c.hiddenGamma} (additive, on h); seeds 1-${c.seeds}; ` +
      `curve on ${c.base.curveValidTokens ?? "all"} validation tokens, final on ${c.base.evalTokens ?? "all"} tokens of each split.`,
  },
});
