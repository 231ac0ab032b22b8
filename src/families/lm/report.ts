/**
 * Tables, tests and figures shared by the language-model sections (GN
 * Section 4.6, NOISIN Tables 2-3 and Figure 2, the noise comparison): rows
 * of mean perplexity over seeds with t intervals, paired t tests between
 * conditions (runs pair by seed), per-epoch validation curves, and ours
 * beside the paper's numbers.
 *
 * Perplexity is averaged arithmetically over seeds. A diverged run
 * (train/divergence.ts) has no perplexity: it is counted in "diverged" and
 * left out of the mean, and out of every pair it belongs to.
 */
import type { LMFormulation } from "../../models/rnn-lm";
import type { Figure } from "../../report/figure";
import type { Cell } from "../../report/table";
import { pairedTTest, tInterval } from "../../stats/ttest";
import { formatP } from "../../stats";

export interface LMRecordLike {
  key: string;
  condition: string;
  seed: number;
  validPerplexity: number | null;
  testPerplexity: number | null;
  diverged: boolean;
  epoch: number[];
  validCurve: (number | null)[];
  trainCurve?: (number | null)[];
  /** The model's formulations (recipe.ts); absent in records written before it was recorded. */
  formulation?: LMFormulation;
}

export type LMMeasure = "validPerplexity" | "testPerplexity";

export interface LMConditionSpec {
  condition: string;
  /** The paper's numbers for this row, where it gives one. */
  paper?: { valid?: number; test?: number };
}

export interface LMConditionRow {
  condition: string;
  runs: number;
  planned?: number;
  diverged: number;
  /** Means over the runs that did not diverge, with 95% t intervals over seeds (NaN when none). */
  valid: number;
  validLow: number;
  validHigh: number;
  test: number;
  testLow: number;
  testHigh: number;
  /** Median test perplexity over the runs that did not diverge (robust to a run that blew up without crossing the rule). */
  testMedian: number;
  paperValid?: number;
  paperTest?: number;
}

const finite = (x: number | null | undefined): x is number => typeof x === "number" && Number.isFinite(x);

function medianOf(xs: number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function interval(xs: number[]): { mean: number; low: number; high: number } {
  return xs.length ? tInterval(xs) : { mean: NaN, low: NaN, high: NaN };
}

/** One row per condition that has records, in `conditions`' order. */
/**
 * Throws when the records were trained with different model formulations (or
 * some name none): the fused and taped recurrences agree per step within
 * 1e-6 but drift ~1% in perplexity over a run, which is the size of the
 * effects these tables compare.
 */
export function assertOneFormulation(records: readonly LMRecordLike[]): void {
  const byForm = new Map<string, string[]>();
  for (const r of records) {
    const f = r.formulation ? `recurrence ${r.formulation.recurrence}, softmax ${r.formulation.softmax}, lookup ${r.formulation.lookup}` : "not recorded";
    byForm.set(f, [...(byForm.get(f) ?? []), r.key]);
  }
  if (byForm.size > 1) {
    const parts = [...byForm].map(([f, keys]) => `${f}: ${keys.length} run(s), e.g. ${keys.slice(0, 3).join(", ")}`);
    throw new Error(`language-model records mix model formulations, so their differences are not comparable; rerun one group. ${parts.join("; ")}`);
  }
}

export function lmConditionRows(records: readonly LMRecordLike[], conditions: readonly LMConditionSpec[], planned?: readonly { condition: string }[]): LMConditionRow[] {
  assertOneFormulation(records);
  const rows: LMConditionRow[] = [];
  for (const c of conditions) {
    const rs = records.filter((r) => r.condition === c.condition);
    if (rs.length === 0) continue;
    const ok = rs.filter((r) => !r.diverged);
    const v = interval(ok.map((r) => r.validPerplexity).filter(finite));
    const t = interval(ok.map((r) => r.testPerplexity).filter(finite));
    rows.push({
      condition: c.condition, runs: rs.length, planned: planned?.filter((p) => p.condition === c.condition).length,
      diverged: rs.length - ok.length,
      valid: v.mean, validLow: v.low, validHigh: v.high, test: t.mean, testLow: t.low, testHigh: t.high, testMedian: medianOf(ok.map((r) => r.testPerplexity).filter(finite)),
      paperValid: c.paper?.valid, paperTest: c.paper?.test,
    });
  }
  return rows;
}

export interface LMComparison {
  a: string;
  b: string;
  measure: LMMeasure;
  /** Seeds both conditions finished without diverging. */
  pairs: number;
  /** Mean over pairs of (a - b); negative: a has the lower perplexity. */
  difference: number;
  low: number;
  high: number;
  /** Paired t test over seeds, two-sided. */
  p: number;
  /**
   * The same pairs on a relative scale: a / b - 1 as exp(mean log ratio) - 1,
   * with the paired t test's interval and p on the log ratios (perplexities at
   * our budget are far from the paper's, so verdicts compare ratios); NaN
   * where a value is not positive.
   */
  relative: { difference: number; low: number; high: number; p: number };
}

/** a minus b on `measure`, paired by seed; undefined with fewer than 2 pairs. */
export function lmCompare(records: readonly LMRecordLike[], a: string, b: string, measure: LMMeasure = "testPerplexity"): LMComparison | undefined {
  const of = (c: string) => new Map(records.filter((r) => r.condition === c && !r.diverged && finite(r[measure])).map((r) => [r.seed, r[measure] as number]));
  const [ma, mb] = [of(a), of(b)];
  const seeds = [...ma.keys()].filter((s) => mb.has(s)).sort((x, y) => x - y);
  if (seeds.length < 2) return undefined;
  const r = pairedTTest(seeds.map((s) => ma.get(s)!), seeds.map((s) => mb.get(s)!));
  // Perplexities are positive; other measures (tests' toy values) may not be: then no ratio.
  const positive = seeds.every((s) => ma.get(s)! > 0 && mb.get(s)! > 0);
  const l = positive ? pairedTTest(seeds.map((s) => Math.log(ma.get(s)!)), seeds.map((s) => Math.log(mb.get(s)!))) : undefined;
  const relative = l ? { difference: Math.expm1(l.difference), low: Math.expm1(l.low), high: Math.expm1(l.high), p: l.p } : { difference: NaN, low: NaN, high: NaN, p: NaN };
  return { a, b, measure, pairs: seeds.length, difference: r.difference, low: r.low, high: r.high, p: r.p, relative };
}

const fmt = (x: number | undefined, lo?: number, hi?: number) => (x === undefined || !Number.isFinite(x) ? "" : lo !== undefined && hi !== undefined && Number.isFinite(lo) && hi > lo ? `${x.toFixed(1)} [${lo.toFixed(1)}, ${hi.toFixed(1)}]` : x.toFixed(1));

/** Table rows: ours (mean [95% t interval]) beside the paper's. */
export function lmRowsTable(rows: readonly LMConditionRow[], label: (condition: string) => Record<string, Cell> = (c) => ({ condition: c })): Record<string, Cell>[] {
  return rows.map((r) => ({
    ...label(r.condition),
    runs: r.planned !== undefined ? `${r.runs} of ${r.planned}` : r.runs,
    diverged: r.diverged,
    "valid ppl": fmt(r.valid, r.validLow, r.validHigh),
    "test ppl": fmt(r.test, r.testLow, r.testHigh),
    "test median": fmt(r.testMedian),
    "paper valid": fmt(r.paperValid),
    "paper test": fmt(r.paperTest),
  }));
}

export function lmComparisonTable(cs: readonly LMComparison[]): Record<string, Cell>[] {
  return cs.map((c) => ({ comparison: `${c.a} minus ${c.b}`, measure: c.measure === "testPerplexity" ? "test ppl" : "valid ppl", pairs: c.pairs, difference: c.difference.toFixed(2), "95% CI": `[${c.low.toFixed(2)}, ${c.high.toFixed(2)}]`, "p (paired t)": formatP(c.p, 3) }));
}

const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

/** A condition's line: its colour and dash (plotly's "solid", "dash", "dot", ...). */
export type CurveStyle = { color: string; dash?: string };

/**
 * Validation perplexity per epoch: each run thin, each condition's mean over
 * seeds thick. `style` gives each condition its colour and dash (default: a
 * palette colour each, solid); a table of 12 conditions reads best as colour
 * for one factor and dash for the other.
 */
export function lmCurvesFigure(records: readonly LMRecordLike[], conditions: readonly string[], title = "Validation perplexity per epoch", which: "valid" | "train" = "valid", style?: (condition: string, i: number) => CurveStyle): Figure {
  const curve = (r: LMRecordLike) => (which === "valid" ? r.validCurve : r.trainCurve ?? []);
  const data: Record<string, unknown>[] = [];
  conditions.forEach((c, i) => {
    const rs = records.filter((r) => r.condition === c);
    if (!rs.length) return;
    const { color, dash } = style ? style(c, i) : { color: PALETTE[i % PALETTE.length], dash: undefined };
    const n = rs.length, bad = rs.filter((r) => r.diverged).length;
    for (const r of rs) data.push({ x: r.epoch, y: curve(r), mode: "lines", line: { color, width: 1, ...(dash ? { dash } : {}) }, opacity: 0.35, showlegend: false, legendgroup: c, hoverinfo: "skip" });
    const epochs = [...new Set(rs.flatMap((r) => r.epoch))].sort((a, b) => a - b);
    const mean = epochs.map((e) => {
      const ys = rs.filter((r) => !r.diverged).map((r) => curve(r)[r.epoch.indexOf(e)]).filter(finite);
      return ys.length ? ys.reduce((s, y) => s + y, 0) / ys.length : null;
    });
    data.push({ x: epochs, y: mean, mode: "lines+markers", name: `${c} (${n} run${n === 1 ? "" : "s"}${bad ? `, ${bad} diverged` : ""})`, legendgroup: c, line: { color, width: 3, ...(dash ? { dash } : {}) } });
  });
  return { data, layout: { title: { text: title }, xaxis: { title: { text: "epoch" }, dtick: 1 }, yaxis: { title: { text: `${which === "valid" ? "validation" : "training"} perplexity` }, type: "log" }, legend: { orientation: "h", y: -0.2 } } };
}

/**
 * Ours beside the paper's number per condition, on a log axis: the runs as
 * dots and, per condition, the geometric mean with a 95% t interval of log
 * perplexity over seeds (an interval of perplexity itself reaches below zero
 * with 3 seeds and a spread of hundreds; on the log scale it cannot, and a
 * ratio reads the same at 100 as at 1000). Conditions with runs that
 * diverged are flagged above the plot with their count.
 */
export function lmPaperFigure(records: readonly LMRecordLike[], rows: readonly LMConditionRow[], measure: LMMeasure = "testPerplexity", title = "Test perplexity: ours beside the paper's"): Figure {
  const x = rows.map((r) => r.condition);
  const key = measure === "testPerplexity" ? "test" : "valid";
  const logs = rows.map((row) => records.filter((r) => r.condition === row.condition && !r.diverged && finite(r[measure]) && (r[measure] as number) > 0).map((r) => Math.log(r[measure] as number)));
  const t = logs.map((l) => (l.length ? tInterval(l) : undefined));
  const mean = t.map((v) => (v ? Math.exp(v.mean) : null));
  const lo = t.map((v) => (v ? Math.exp(v.mean) - Math.exp(v.low) : 0));
  const hi = t.map((v) => (v ? Math.exp(v.high) - Math.exp(v.mean) : 0));
  const paper = rows.map((r) => (key === "test" ? r.paperTest : r.paperValid) ?? null);
  const runs = records.filter((r) => !r.diverged && finite(r[measure]) && x.includes(r.condition));
  const flagged = rows.filter((r) => r.diverged > 0);
  return {
    data: [
      { x: runs.map((r) => r.condition), y: runs.map((r) => r[measure]), text: runs.map((r) => `seed ${r.seed}`), mode: "markers", name: "our runs", marker: { color: "#9ecae1", size: 6 } },
      { x, y: mean, mode: "markers", name: "ours: geometric mean, 95% t interval of log perplexity over seeds", marker: { color: "#1f77b4", size: 11, symbol: "diamond" }, error_y: { type: "data", symmetric: false, array: hi, arrayminus: lo } },
      ...(paper.some((v) => v !== null) ? [{ x, y: paper, mode: "markers", name: "paper", marker: { color: "#d62728", size: 12, symbol: "x" } }] : []),
    ],
    layout: {
      title: { text: title },
      yaxis: { title: { text: `${key === "test" ? "test" : "validation"} perplexity (log scale)` }, type: "log" },
      // The rows' order, whatever order the runs come in.
      xaxis: { automargin: true, categoryorder: "array", categoryarray: x, ...(flagged.length ? { title: { text: "red fraction above a column: how many of its runs diverged (no perplexity, not plotted)", standoff: 4 } } : {}) },
      legend: { orientation: "h", y: -0.3 },
      // Diverged runs have no perplexity to plot: say so where they are missing (a short fraction: neighbouring columns' labels must not run together).
      annotations: flagged.map((r) => ({ x: r.condition, y: 1, xref: "x", yref: "paper", yanchor: "bottom", showarrow: false, text: `${r.diverged}/${r.runs}`, hovertext: `${r.diverged} of ${r.runs} runs diverged`, font: { color: "#d62728", size: 11 } })),
    },
  };
}

/** One paired comparison for `lmDifferenceFigure`: a against b, with the paper's two numbers where it gives them. */
export interface LMDifferenceSpec {
  a: string;
  b: string;
  label?: string;
  paper?: { a: number; b: number };
}

/**
 * The paired comparisons as the verdicts read them, on a scale that carries
 * across budgets: per seed, a's perplexity relative to b's (%), the mean with
 * its 95% t interval over seeds, and the paper's relative difference. A
 * difference of 3 points means little at perplexity 400 and much at 95; the
 * ratio is comparable between our short runs and the paper's converged ones.
 */
export function lmDifferenceFigure(records: readonly LMRecordLike[], specs: readonly LMDifferenceSpec[], measure: LMMeasure = "testPerplexity", title = "Each comparison, paired by seed: relative difference in perplexity", yTitle?: string): Figure {
  const of = (c: string) => new Map(records.filter((r) => r.condition === c && !r.diverged && finite(r[measure])).map((r) => [r.seed, r[measure] as number]));
  const dots = { x: [] as string[], y: [] as number[], text: [] as string[] };
  const x: string[] = [], mean: (number | null)[] = [], lo: number[] = [], hi: number[] = [], paper: (number | null)[] = [];
  for (const sp of specs) {
    const [ma, mb] = [of(sp.a), of(sp.b)];
    const label = sp.label ?? `${sp.a} vs ${sp.b}`;
    const rel = [...ma.keys()].filter((k) => mb.has(k)).sort((u, v) => u - v).map((k) => ({ seed: k, d: 100 * (ma.get(k)! / mb.get(k)! - 1) }));
    for (const r of rel) {
      dots.x.push(label);
      dots.y.push(r.d);
      dots.text.push(`seed ${r.seed}`);
    }
    // The verdicts' interval (lmVerdict): a t interval over seeds of log(a / b), shown as exp(.) - 1 in %.
    const logs = [...ma.keys()].filter((k) => mb.has(k) && ma.get(k)! > 0 && mb.get(k)! > 0).map((k) => Math.log(ma.get(k)! / mb.get(k)!));
    const t = logs.length >= 2 ? tInterval(logs) : undefined;
    const pct = (v: number) => 100 * Math.expm1(v);
    x.push(label);
    mean.push(t ? pct(t.mean) : rel.length ? rel[0].d : null);
    lo.push(t ? pct(t.mean) - pct(t.low) : 0);
    hi.push(t ? pct(t.high) - pct(t.mean) : 0);
    paper.push(sp.paper ? 100 * (sp.paper.a / sp.paper.b - 1) : null);
  }
  const which = measure === "testPerplexity" ? "test" : "validation";
  return {
    data: [
      { x: dots.x, y: dots.y, text: dots.text, mode: "markers", name: "our seeds", marker: { color: "#9ecae1", size: 7 } },
      { x, y: mean, mode: "markers", name: "ours: geometric mean ratio - 1, 95% t interval of log ratios over seeds (as the verdicts)", marker: { color: "#1f77b4", size: 11, symbol: "diamond" }, error_y: { type: "data", symmetric: false, array: hi, arrayminus: lo } },
      ...(paper.some((v) => v !== null) ? [{ x, y: paper, mode: "markers", name: "paper", marker: { color: "#d62728", size: 12, symbol: "x" } }] : []),
    ],
    layout: {
      title: { text: title },
      yaxis: { title: { text: yTitle ?? `${which} perplexity, % above the baseline (same seed)` }, zeroline: true, zerolinewidth: 2 },
      xaxis: { automargin: true },
      legend: { orientation: "h", y: -0.3 },
    },
  };
}

/**
 * Overfitting of one run from its validation curve: the epoch with the
 * lowest validation perplexity and how far the last epoch's sits above it
 * (0 when the last epoch is the best). Undefined without a finite point.
 */
export function overfitting(r: Pick<LMRecordLike, "epoch" | "validCurve">): { bestEpoch: number; best: number; last: number; rise: number } | undefined {
  let bi = -1;
  r.validCurve.forEach((v, i) => {
    if (finite(v) && (bi < 0 || v < (r.validCurve[bi] as number))) bi = i;
  });
  if (bi < 0) return undefined;
  const last = r.validCurve[r.validCurve.length - 1];
  if (!finite(last)) return undefined;
  const best = r.validCurve[bi] as number;
  return { bestEpoch: r.epoch[bi], best, last, rise: last - best };
}
