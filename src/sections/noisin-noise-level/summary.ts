/**
 * Figure 2 and the noise-level sweep from records: rows per gamma with t
 * intervals over seeds; per gamma the overfitting of its runs (how far the
 * last epoch's validation perplexity sits above the run's best); and the
 * best gamma (lowest mean final validation perplexity) against gamma 0,
 * paired by seed, on test perplexity and on that rise; and the trend of each
 * measure over the whole gamma grid (a dose-response reading: the paper's
 * Figure 2 claims noise curbs overfitting, which should grow with gamma).
 */
import { pairedTTest } from "../../stats/ttest";
import { mean, slope } from "../../stats";
import { LMComparison, lmCompare, LMConditionRow, lmConditionRows, overfitting } from "../../families/lm/report";
import type { Verdict } from "../../experiments/verdict";
import type { Unjudged } from "../../experiments/contract";
import { gammaCondition, NoiseLevelConfig, NoiseLevelRecord, NoiseLevelSpec } from "./run";

export interface OverfitRow {
  gamma: number;
  runs: number;
  /** Mean epoch of the lowest validation perplexity, and mean rise of the last epoch above it. */
  bestEpoch: number;
  rise: number;
  /** Runs whose last epoch is more than 1% above their best. */
  overfit: number;
}

/**
 * One measure's trend over gamma: per seed, the least-squares slope over the
 * gammas that seed finished; the mean over seeds with a 95% t interval and a
 * one-sample t test against 0 (seeds are the independent units).
 */
export interface GammaTrend {
  measure: "valid ppl" | "test ppl" | "rise above best";
  seeds: number;
  /** Change per +0.1 of gamma. */
  slope: number;
  low: number;
  high: number;
  p: number;
  /** Seeds on which the measure never moves against the mean slope's sign as gamma grows. */
  monotone: number;
}

export interface NoiseLevelSummary {
  rows: LMConditionRow[];
  overfit: OverfitRow[];
  /** The gamma > 0 with the lowest mean final validation perplexity. */
  bestGamma?: number;
  comparisons: LMComparison[];
  /** Best gamma's rise minus gamma 0's, paired by seed. */
  riseComparison?: { pairs: number; difference: number; low: number; high: number; p: number };
  trends: GammaTrend[];
  /** Figure 2 gives curves without numbers: no claim is judged (see the notebook's qualitative reading). */
  verdicts: Verdict[];
  /** Figure 2's claim, with why it has no verdict (once there are records). */
  unjudged: Unjudged[];
}

/** The claims ledger's id (paper-claims.ts) of Figure 2's claim. */
export const FIGURE2_CLAIM = "noisin-4-figure2-overfitting";

export function summarizeNoiseLevel(records: NoiseLevelRecord[], c: NoiseLevelConfig, planned?: readonly NoiseLevelSpec[]): NoiseLevelSummary {
  const rows = lmConditionRows(records, c.gammas.map((g) => ({ condition: gammaCondition(g) })), planned);
  const overfit: OverfitRow[] = [];
  for (const g of c.gammas) {
    const o = records.filter((r) => r.gamma === g && !r.diverged).map(overfitting).filter((x): x is NonNullable<typeof x> => x !== undefined);
    if (!o.length) continue;
    overfit.push({ gamma: g, runs: o.length, bestEpoch: mean(o.map((x) => x.bestEpoch)), rise: mean(o.map((x) => x.rise)), overfit: o.filter((x) => x.last > 1.01 * x.best).length });
  }
  const noisy = rows.filter((r) => r.condition !== gammaCondition(0) && Number.isFinite(r.valid));
  const best = noisy.length ? noisy.reduce((a, b) => (b.valid < a.valid ? b : a)) : undefined;
  const bestGamma = best ? c.gammas.find((g) => gammaCondition(g) === best.condition) : undefined;
  const comparisons: LMComparison[] = [];
  let riseComparison: NoiseLevelSummary["riseComparison"];
  if (bestGamma !== undefined && c.gammas.includes(0)) {
    for (const m of ["validPerplexity", "testPerplexity"] as const) {
      const cmp = lmCompare(records, gammaCondition(bestGamma), gammaCondition(0), m);
      if (cmp) comparisons.push(cmp);
    }
    const rise = (g: number) => new Map(records.filter((r) => r.gamma === g && !r.diverged).map((r) => [r.seed, overfitting(r)?.rise]));
    const [a, b] = [rise(bestGamma), rise(0)];
    const seeds = [...a.keys()].filter((s) => a.get(s) !== undefined && b.get(s) !== undefined);
    if (seeds.length >= 2) {
      const t = pairedTTest(seeds.map((s) => a.get(s)!), seeds.map((s) => b.get(s)!));
      riseComparison = { pairs: seeds.length, difference: t.difference, low: t.low, high: t.high, p: t.p };
    }
  }
  const trends = (["valid ppl", "test ppl", "rise above best"] as const).map((m) => gammaTrend(records, m)).filter((t): t is GammaTrend => t !== undefined);
  const unjudged: Unjudged[] = records.length
    ? [{ claimId: FIGURE2_CLAIM, claim: "Figure 2: overfitting (validation perplexity's rise above its best) with NOISIN against the deterministic RNN", reason: "Figure 2 gives curves without numbers to judge against; the tables give the rise per gamma and its trend, read in the notebook" }]
    : [];
  return { rows, overfit, bestGamma, comparisons, riseComparison, trends, verdicts: [], unjudged };
}

const TREND_VALUE: Record<GammaTrend["measure"], (r: NoiseLevelRecord) => number | null | undefined> = {
  "valid ppl": (r) => r.validPerplexity,
  "test ppl": (r) => r.testPerplexity,
  "rise above best": (r) => overfitting(r)?.rise,
};

/** Undefined until 2 seeds each have 3 or more gammas (a slope through two points has no check on its shape). */
function gammaTrend(records: readonly NoiseLevelRecord[], measure: GammaTrend["measure"]): GammaTrend | undefined {
  const bySeed = new Map<number, { gamma: number; y: number }[]>();
  for (const r of records) {
    const y = TREND_VALUE[measure](r);
    if (r.diverged || typeof y !== "number" || !Number.isFinite(y)) continue;
    bySeed.set(r.seed, [...(bySeed.get(r.seed) ?? []), { gamma: r.gamma, y }]);
  }
  const series = [...bySeed.values()].filter((p) => new Set(p.map((x) => x.gamma)).size >= 3).map((p) => [...p].sort((a, b) => a.gamma - b.gamma));
  if (series.length < 2) return undefined;
  const slopes = series.map((p) => 0.1 * slope(p.map((x) => x.gamma), p.map((x) => x.y)));
  const t = pairedTTest(slopes, slopes.map(() => 0));
  const sign = Math.sign(t.difference);
  const monotone = series.filter((p) => p.every((x, i) => i === 0 || sign * (x.y - p[i - 1].y) >= 0)).length;
  return { measure, seeds: series.length, slope: t.difference, low: t.low, high: t.high, p: t.p, monotone };
}
