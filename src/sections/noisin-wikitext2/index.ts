/**
 * NOISIN (shared/papers/002, Section 4) Table 3: a 2x200 LSTM on WikiText-2
 * with and without NOISIN (learned std + 0.1). Notebook: 07-noisin.ipynb.
 */
import { lmCompare, LMComparison, lmComparisonTable, LMConditionRow, lmConditionRows, lmCurvesFigure, lmDifferenceFigure, lmPaperFigure, lmRowsTable } from "../../families/lm/report";
import { lmKernels } from "../../models/lm-ops";
import type { Summary } from "../../experiments/contract";
import { defineExperiment } from "../../experiments/define";
import { lmCost, LM_MEASURES } from "../../families/lm/record";
import { opt } from "../../experiments/options";
import { lmVerdict } from "../../families/lm/verdict";
import { NOISIN_TABLE3, planWt2, runWt2, Wt2Config, WT2_CONFIGS, Wt2Record, WT2_SETTINGS, Wt2Spec } from "./run";
import { claimsOf } from "../../experiments/paper-claims";

export * from "./run";

export interface Wt2Summary extends Summary {
  rows: LMConditionRow[];
  comparisons: LMComparison[];
  /** Learned std per layer after the last epoch, mean over NOISIN runs. */
  learnedGamma: number[];
}

export function summarizeWt2(records: Wt2Record[], c: Wt2Config, planned?: readonly Wt2Spec[]): Wt2Summary {
  const rows = lmConditionRows(records, c.settings.map((s) => ({ condition: s, paper: { test: NOISIN_TABLE3[s] } })), planned);
  const cmp = lmCompare(records, "NOISIN", "none");
  const g = records.filter((r) => r.condition === "NOISIN" && r.learnedGamma.length).map((r) => r.learnedGamma[r.learnedGamma.length - 1]);
  const learnedGamma = g.length ? g[0].map((_, l) => g.reduce((s, x) => s + x[l], 0) / g.length) : [];
  return {
    rows, comparisons: cmp ? [cmp] : [], learnedGamma,
    verdicts: cmp ? [lmVerdict("WikiText-2 2x200 LSTM: test perplexity, NOISIN over none", { a: NOISIN_TABLE3.NOISIN, b: NOISIN_TABLE3.none }, cmp, "noisin-4-table3-wikitext2")] : [],
  };
}

export const experiment = defineExperiment<Wt2Config, Wt2Spec, Wt2Record, Wt2Summary>({
  id: "noisin-wikitext2",
  section: "NOISIN 4, Table 3",
  title: "NOISIN Table 3: a 2x200 LSTM on WikiText-2 with and without NOISIN",
  notebook: "07-noisin.ipynb",
  claims: claimsOf("noisin-4-table3-wikitext2"),
  configs: WT2_CONFIGS,
  requiredKernels: lmKernels("scatter"),
  options: [
    opt.seeds("seeds per row (cpu: 3)"),
    opt.epochs("epochs per run (cpu: 4; paper: 13)"),
    opt.strings("settings", WT2_SETTINGS, { help: "rows (default NOISIN,none)", apply: (c, settings) => ({ ...c, settings }), tag: (v) => v.join("+") }),
  ],
  plan: planWt2,
  run: runWt2,
  measures: LM_MEASURES,
  cost: lmCost,
  summarize: summarizeWt2,
  report: {
    tables: (s, c) => [
      { name: "rows", caption: `Ours: mean over ${c.seeds} seed(s) [95% t interval over seeds]${c.base.evalTokens ? `, final perplexities on the first ${c.base.evalTokens} tokens of each split` : ""}; paper: test perplexity. Learned std after the last epoch (mean over NOISIN runs, per layer): ${s.learnedGamma.map((x) => x.toFixed(3)).join(", ") || "-"}.`, diverged: "", rows: lmRowsTable(s.rows) },
      { name: "comparisons", caption: "NOISIN minus none, paired by seed (paired t test):", rows: lmComparisonTable(s.comparisons) },
    ],
    verdicts: "Verdict (test perplexity as a ratio, NOISIN over none, minus 1, margin 1%; the paper's is 104.7 / 105.8 - 1 = -1.0%; rule: docs/verdicts.md):",
    async figures(records, s, c) {
      return [
        { name: "noisin-wikitext2-curves", title: "NOISIN Table 3: validation perplexity per epoch", fig: lmCurvesFigure(records, c.settings), height: 460 },
        { name: "noisin-wikitext2-perplexity", title: "NOISIN Table 3: test perplexity beside the paper's", fig: lmPaperFigure(records, s.rows), height: 460 },
        { name: "noisin-wikitext2-effect", title: "NOISIN Table 3: NOISIN against none, relative, beside the paper's", fig: lmDifferenceFigure(records, [{ a: "NOISIN", b: "none", label: "NOISIN vs none", paper: { a: NOISIN_TABLE3.NOISIN, b: NOISIN_TABLE3.none } }], "testPerplexity", "NOISIN's effect: test perplexity relative to none of the same seed (paper: -1.0%)", "test perplexity, % above none (same seed)"), height: 460 },
      ];
    },
    provenance: (c) =>
      `WikiText-2 (33,278 words), ${c.base.layers}x${c.base.hidden} LSTM, init +-${c.base.initScale}, SGD lr ${c.base.lr} (x${c.base.lrDecay} per epoch after epoch ${c.base.decayAfter}), clip ${c.base.clip}, batch ${c.base.batch} x ${c.base.steps} steps, ` +
      `${c.base.epochs} epochs over ${c.base.trainFraction === 1 ? "all of WikiText-2" : `the first ${(100 * c.base.trainFraction).toPrecision(2)}% of the training windows`}; NOISIN std learned from ${c.gammaStart}, floor ${c.gammaFloor}; seeds 1-${c.seeds}; ` +
      `curve on ${c.base.curveValidTokens ?? "all"} validation tokens, final on ${c.base.evalTokens ?? "all"} tokens of each split.`,
  },
});
