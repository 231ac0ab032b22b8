/**
 * NOISIN (shared/papers/002, Section 4) Table 2: hidden-state noise on PTB
 * RNN language models, against learned noise, variational dropout and no
 * regulariser. Notebook: 07-noisin.ipynb.
 */
import { lmComparisonTable, lmCurvesFigure, lmDifferenceFigure, lmPaperFigure, lmRowsTable } from "../../families/lm/report";
import { lmKernels } from "../../models/lm-ops";
import { defineExperiment } from "../../experiments/define";
import { lmCost, LM_MEASURES } from "../../families/lm/record";
import { opt } from "../../experiments/options";
import { ACTIVATIONS, REGULARISERS } from "./paper";
import { noisinCondition, NOISIN_PTB_CONFIGS, NoisinPtbConfig, NoisinPtbRecord, NoisinPtbSpec, planNoisinPtb, runNoisinPtb } from "./run";
import { bestRegulariserCounts, noisinPtbConditions, noisinPtbDifferences, NoisinPtbSummary, summarizeNoisinPtb } from "./summary";
import { claimsOf } from "../../experiments/paper-claims";

export * from "./paper";
export * from "./run";
export * from "./summary";

/** Table 2's curves: one colour per regulariser, one dash per activation. */
const REGULARISER_COLORS = ["#1f77b4", "#2ca02c", "#ff7f0e", "#d62728"];
const ACTIVATION_DASHES = ["solid", "dash", "dot"];

export const experiment = defineExperiment<NoisinPtbConfig, NoisinPtbSpec, NoisinPtbRecord, NoisinPtbSummary>({
  id: "noisin-ptb",
  section: "NOISIN 4, Table 2",
  title: "NOISIN Table 2: RNN language models on PTB with hidden-state noise, learned noise, dropout or none",
  notebook: "07-noisin.ipynb",
  claims: claimsOf("noisin-4-table2-fixed-noise", "noisin-4-table2-learned-noise", "noisin-4-table2-dropout"),
  configs: NOISIN_PTB_CONFIGS,
  requiredKernels: lmKernels("scatter"),
  options: [
    opt.ints("layers", { max: 2, help: "layer counts (default 1,2)", apply: (c, layers) => ({ ...c, layers }), tag: (v) => `L${v.join("+")}` }),
    opt.strings("activations", ACTIVATIONS, { help: "activations (default tanh,sigmoid,relu)", apply: (c, activations) => ({ ...c, activations }), tag: (v) => v.join("+") }),
    opt.strings("regularisers", REGULARISERS, { help: "regularisers (default all four)", apply: (c, regularisers) => ({ ...c, regularisers }), tag: (v) => v.join("+").replace("*", "learned") }),
    opt.number("gamma", { help: "NOISIN's fixed (and NOISIN*'s initial) gamma (default 0.1)", apply: (c, gamma) => ({ ...c, gamma }) }),
    opt.seeds("seeds per row (cpu: 3)"),
    opt.epochs("epochs per run (cpu: 3)"),
  ],
  plan: planNoisinPtb,
  run: runNoisinPtb,
  measures: LM_MEASURES,
  cost: lmCost,
  summarize: summarizeNoisinPtb,
  report: {
    tables: (s, c) => [
      {
        name: "rows",
        caption: `Ours: mean over ${c.seeds} seed(s) per row [95% t interval over seeds], hidden ${c.base.hidden}, batch ${c.base.batch} x ${c.base.steps}, ${c.base.epochs} epochs over ${(100 * c.base.trainFraction).toPrecision(2)}% of PTB's training windows; paper: test perplexity, one number per row (its hidden size and budget are not stated).`,
        diverged: "left out of the means",
        rows: lmRowsTable(s.rows, (cond) => {
          const [arch, reg] = cond.split(", ");
          return { model: arch, regulariser: reg };
        }),
      },
      { name: "wins", caption: "Rows won by each regulariser (lowest mean test perplexity within a layers x activation block):", rows: bestRegulariserCounts(s, c) },
      { name: "comparisons", caption: "Each regulariser minus none, same architecture, paired by seed (paired t test over seeds):", rows: lmComparisonTable(s.comparisons) },
    ],
    verdicts: "Verdicts (test perplexity as a ratio, regulariser over none, minus 1, margin 1%: our perplexities at this budget are not the paper's; rule: docs/verdicts.md; significance at p < 0.05):",
    async figures(records, s, c) {
      // 12 curves a figure: colour says the regulariser, dash the activation, so no two look alike.
      const style = (l: number) => {
        const keys = c.activations.flatMap((a, ai) => c.regularisers.map((r, ri) => ({ cond: noisinCondition(l, a, r), color: REGULARISER_COLORS[ri % REGULARISER_COLORS.length], dash: ACTIVATION_DASHES[ai % ACTIVATION_DASHES.length] })));
        return (cond: string) => keys.find((k) => k.cond === cond) ?? { color: "#000" };
      };
      const figs = c.layers.map((l) => ({
        name: `noisin-ptb-curves-L${l}`,
        title: `NOISIN Table 2: validation perplexity per epoch, ${l}-layer RNNs`,
        fig: lmCurvesFigure(records, c.activations.flatMap((a) => c.regularisers.map((r) => noisinCondition(l, a, r))), `Validation perplexity per epoch, ${l}-layer RNNs (thin: runs; thick: mean)`, "valid", style(l)),
        height: 560,
      }));
      return [
        ...figs,
        { name: "noisin-ptb-perplexity", title: "NOISIN Table 2: test perplexity beside the paper's", fig: lmPaperFigure(records, s.rows.filter((r) => noisinPtbConditions(c).some((x) => x.condition === r.condition))), height: 620 },
        { name: "noisin-ptb-effect", title: "NOISIN Table 2: each regulariser against none, relative, beside the paper's", fig: lmDifferenceFigure(records, noisinPtbDifferences(c), "testPerplexity", "Each regulariser's effect: test perplexity relative to none of the same architecture and seed", "test perplexity, % above none (same seed)"), height: 620 },
      ];
    },
    provenance: (c) =>
      `PTB (10k vocabulary), ${c.layers.join("- and ")}-layer RNNs of ${c.base.hidden} units (${c.activations.join(", ")}), init +-${c.base.initScale}, Adam lr ${c.base.lr}, clip ${c.base.clip}, batch ${c.base.batch} x ${c.base.steps} steps, ` +
      `${c.base.epochs} epochs over ${c.base.trainFraction === 1 ? "all of PTB" : `the first ${(100 * c.base.trainFraction).toPrecision(2)}% of the training windows`}; NOISIN additive Gaussian gamma ${c.gamma} (NOISIN*: learned from ${c.gamma}, no floor), variational dropout ${c.dropoutRate}; seeds 1-${c.seeds}; ` +
      `curve on ${c.base.curveValidTokens ?? "all"} validation tokens, final on ${c.base.evalTokens ?? "all"} tokens of each split.`,
  },
});
