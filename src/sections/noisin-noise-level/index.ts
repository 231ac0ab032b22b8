/**
 * NOISIN Figure 2 (1-layer sigmoid RNN, 256 units, PTB: validation and
 * training perplexity per epoch, deterministic vs NOISIN) and the noise
 * level sweep (perplexity vs gamma). Notebook: 07-noisin.ipynb.
 */
import type { Figure } from "../../report/plotly";
import { lmComparisonTable, lmCurvesFigure, lmRowsTable } from "../../families/lm/report";
import { lmKernels } from "../../models/lm-ops";
import { defineExperiment } from "../../experiments/define";
import { lmCost, LM_MEASURES } from "../../families/lm/record";
import { opt } from "../../experiments/options";
import { gammaCondition, NOISE_LEVEL_CONFIGS, NoiseLevelConfig, NoiseLevelRecord, NoiseLevelSpec, planNoiseLevel, runNoiseLevel } from "./run";
import { NoiseLevelSummary, summarizeNoiseLevel } from "./summary";
import { formatP } from "../../stats";
import { claimsOf } from "../../experiments/paper-claims";

export * from "./run";
export * from "./summary";

/** Final validation and test perplexity against gamma: mean and 95% t interval over seeds, runs as dots. */
export function noiseLevelFigure(records: readonly NoiseLevelRecord[], s: NoiseLevelSummary, c: NoiseLevelConfig): Figure {
  const data: Record<string, unknown>[] = [];
  const gs = c.gammas.filter((g) => s.rows.some((r) => r.condition === gammaCondition(g)));
  const row = (g: number) => s.rows.find((r) => r.condition === gammaCondition(g))!;
  (["valid", "test"] as const).forEach((k, i) => {
    const color = i === 0 ? "#1f77b4" : "#d62728";
    const m = `${k}Perplexity` as const;
    const ok = records.filter((r) => !r.diverged && r[m] !== null);
    data.push({ x: ok.map((r) => r.gamma), y: ok.map((r) => r[m]), mode: "markers", marker: { color, size: 5, opacity: 0.4 }, name: `${k} (runs)`, showlegend: false });
    data.push({
      x: gs, y: gs.map((g) => row(g)[k]), mode: "lines+markers", name: `${k === "valid" ? "validation" : "test"}: mean, 95% t interval`, line: { color, width: 2.5 },
      error_y: { type: "data", symmetric: false, array: gs.map((g) => row(g)[`${k}High`] - row(g)[k]), arrayminus: gs.map((g) => row(g)[k] - row(g)[`${k}Low`]) },
    });
  });
  return { data, layout: { title: { text: "Perplexity vs NOISIN's noise level gamma (1-layer sigmoid RNN)" }, xaxis: { title: { text: "gamma (additive Gaussian std on the hidden state)" } }, yaxis: { title: { text: "perplexity" } }, legend: { orientation: "h", y: -0.25 } } };
}

export const experiment = defineExperiment<NoiseLevelConfig, NoiseLevelSpec, NoiseLevelRecord, NoiseLevelSummary>({
  id: "noisin-noise-level",
  section: "NOISIN 4, Figure 2",
  title: "NOISIN Figure 2 and the noise level: a 1-layer sigmoid RNN on PTB, deterministic vs NOISIN over gamma",
  notebook: "07-noisin.ipynb",
  claims: claimsOf("noisin-4-figure2-overfitting"),
  configs: NOISE_LEVEL_CONFIGS,
  requiredKernels: lmKernels("scatter"),
  options: [
    opt.numbers("gammas", { min: 0, help: "noise levels (cpu: 0,0.05,0.1,0.2,0.4,0.8)", apply: (c, gammas) => ({ ...c, gammas }), tag: (v) => `gamma${v.join("+")}` }),
    opt.seeds("seeds per gamma (cpu: 3)"),
    opt.epochs("epochs per run (cpu: 8)"),
  ],
  plan: planNoiseLevel,
  run: runNoiseLevel,
  measures: LM_MEASURES,
  cost: lmCost,
  summarize: summarizeNoiseLevel,
  report: {
    tables: (s, c) => [
      { name: "rows", caption: `Perplexity per noise level: mean over ${c.seeds} seed(s) [95% t interval]. The paper gives Figure 2 as curves, without numbers or its gamma.`, diverged: "", rows: lmRowsTable(s.rows).map(({ ["paper valid"]: _v, ["paper test"]: _t, ...r }) => r) },
      { name: "overfitting", caption: "Overfitting per gamma: mean epoch of the lowest validation perplexity, mean rise of the last epoch above it, and runs ending more than 1% above their best (the paper: the deterministic RNN overfits after about five epochs, NOISIN does not).", rows: s.overfit.map((o) => ({ gamma: String(o.gamma), runs: o.runs, "best epoch": o.bestEpoch.toFixed(1), "rise (ppl)": o.rise.toFixed(2), "overfit runs": o.overfit })) },
      {
        name: "comparisons",
        caption: `Best gamma by mean validation perplexity (${s.bestGamma ?? "none"}) minus gamma 0, paired by seed:`,
        rows: [
          ...lmComparisonTable(s.comparisons),
          ...(s.riseComparison ? [{ comparison: `rise above best, gamma ${s.bestGamma} minus gamma 0`, measure: "valid ppl", pairs: s.riseComparison.pairs, difference: s.riseComparison.difference.toFixed(2), "95% CI": `[${s.riseComparison.low.toFixed(2)}, ${s.riseComparison.high.toFixed(2)}]`, "p (paired t)": formatP(s.riseComparison.p, 3) }] : []),
        ],
      },
      {
        name: "matched",
        caption: "Overfitting at matched training perplexity (the rise above the best epoch is confounded by slower fitting: noisy runs fit less in the same epochs). Per seed, each gamma against gamma 0 at the lowest training perplexity both reach (curves as recorded, the noisy one with its noise on, as Figure 2's right panel), validation perplexity interpolated in log perplexity between epochs; ratio noisy / deterministic - 1 from a paired t test on log ratios over seeds. Above 0: at the same fit, the noisy run generalises worse.",
        rows: s.matched.map((m) => ({ gamma: String(m.gamma), seeds: m.seeds, "matched train ppl": m.train.toFixed(1), "valid ppl, gamma 0": m.validDeterministic.toFixed(1), "valid ppl, noisy": m.validNoisy.toFixed(1), "noisy / gamma 0 - 1": `${(100 * m.ratio).toFixed(1)}%`, "95% CI": `[${(100 * m.low).toFixed(1)}%, ${(100 * m.high).toFixed(1)}%]`, "p (paired t)": formatP(m.p, 3) })),
      },
      {
        name: "trends",
        caption: "Trend over the whole gamma grid: per seed, the least-squares slope of each measure on gamma (per +0.1); mean over seeds [95% t interval], one-sample t test against 0, and the seeds on which the measure moves one way only as gamma grows.",
        rows: s.trends.map((t) => ({ measure: t.measure, seeds: t.seeds, "slope per +0.1 gamma": t.slope.toFixed(2), "95% CI": `[${t.low.toFixed(2)}, ${t.high.toFixed(2)}]`, "p (t)": formatP(t.p, 3), "monotone seeds": `${t.monotone} of ${t.seeds}` })),
      },
    ],
    async figures(records, s, c) {
      const pair = [0, s.bestGamma ?? c.gammas.find((g) => g > 0)!].filter((g, i, a) => g !== undefined && a.indexOf(g) === i).map(gammaCondition);
      const shown = records.filter((r) => pair.includes(r.condition)).length;
      return [
        { name: "noisin-figure2-valid", title: "NOISIN Figure 2, left: validation perplexity per epoch", fig: lmCurvesFigure(records, pair, `Validation perplexity per epoch: deterministic vs NOISIN (best gamma ${s.bestGamma ?? "-"})`), height: 480, runs: shown },
        { name: "noisin-figure2-train", title: "NOISIN Figure 2, right: training perplexity per epoch", fig: lmCurvesFigure(records, pair, "Training perplexity per epoch (noise on, as trained)", "train"), height: 480, runs: shown },
        { name: "noisin-noise-level", title: "Perplexity vs noise level", fig: noiseLevelFigure(records, s, c), height: 480 },
        { name: "noisin-noise-level-curves", title: "Validation perplexity per epoch, every gamma", fig: lmCurvesFigure(records, c.gammas.map(gammaCondition)), height: 520 },
      ];
    },
    provenance: (c) =>
      `PTB, ${c.base.layers}x${c.base.hidden} ${c.base.cell} RNN, init +-${c.base.initScale}, Adam lr ${c.base.lr}, clip ${c.base.clip}, batch ${c.base.batch} x ${c.base.steps} steps, ` +
      `${c.base.epochs} epochs over ${c.base.trainFraction === 1 ? "all of PTB" : `the first ${(100 * c.base.trainFraction).toPrecision(2)}% of the training windows`}; additive Gaussian NOISIN, gamma ${c.gammas.join(", ")}; seeds 1-${c.seeds}; ` +
      `curve on ${c.base.curveValidTokens ?? "all"} validation tokens, final on ${c.base.evalTokens ?? "all"} tokens of each split.`,
  },
});
