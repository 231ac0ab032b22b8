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
import { judge, Verdict } from "../../experiments/verdict";
import { LM_MARGIN, LM_MARGIN_REASON } from "../../families/lm/verdict";
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

/**
 * Overfitting at matched training perplexity (issue 24): noise slows fitting,
 * so at the best or last epoch a noisy run has fitted less and overfits less
 * for that reason alone. Per seed, each gamma > 0 against gamma 0 at the
 * lowest training perplexity both runs reach (their curves as recorded, the
 * noisy one with its noise on, as Figure 2's right panel): the validation
 * perplexity each had there (interpolated linearly in log perplexity
 * between epochs), as a ratio noisy / deterministic - 1 with a 95% t interval
 * of the log ratios over seeds. Above 0: at the same fit, noise generalises worse.
 */
export interface MatchedRow {
  gamma: number;
  seeds: number;
  /** Mean of the matched training perplexities. */
  train: number;
  /** Mean validation perplexity at it: deterministic, then noisy. */
  validDeterministic: number;
  validNoisy: number;
  /** exp(mean log ratio) - 1, its 95% t interval, two-sided p. */
  ratio: number;
  low: number;
  high: number;
  p: number;
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
  matched: MatchedRow[];
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
  const matched = c.gammas.filter((g) => g > 0).map((g) => matchedRow(records, g)).filter((m): m is MatchedRow => m !== undefined);
  const m = matched.find((x) => x.gamma === bestGamma);
  const verdicts = m && m.seeds >= 2
    ? [judge({
        claimId: FIGURE2_CLAIM,
        claim: `Figure 2 at matched training perplexity: validation perplexity, NOISIN (best gamma ${m.gamma}) over deterministic where both reach the same training perplexity`,
        paper: 0, direction: "helps", better: "lower", ours: m.ratio, interval: [m.low, m.high], p: m.p, minP: 0, test: `paired t test on log ratios (${m.seeds} seeds)`, n: m.seeds,
        margin: LM_MARGIN, marginReason: LM_MARGIN_REASON, unit: "relative",
      })]
    : [];
  const unjudged: Unjudged[] = records.length && !verdicts.length
    ? [{ claimId: FIGURE2_CLAIM, claim: "Figure 2: validation perplexity at matched training perplexity, NOISIN against the deterministic RNN", reason: "no gamma > 0 with 2 seeds whose curves reach a training perplexity the deterministic run also reaches" }]
    : [];
  return { rows, overfit, bestGamma, comparisons, riseComparison, trends, matched, verdicts, unjudged };
}

/** A run's validation perplexity where its training curve first comes down to `target` (log-linear between epochs); undefined if it never does. */
export function validAtTrain(r: Pick<NoiseLevelRecord, "trainCurve" | "validCurve">, target: number): number | undefined {
  const tr = r.trainCurve ?? [], va = r.validCurve;
  for (let i = 0; i < tr.length; i++) {
    const [t1, v1] = [tr[i], va[i]];
    if (typeof t1 !== "number" || typeof v1 !== "number") return undefined;
    if (t1 > target) continue;
    if (i === 0) return t1 === target ? v1 : undefined;
    const [t0, v0] = [tr[i - 1] as number, va[i - 1] as number];
    const w = (Math.log(t0) - Math.log(target)) / (Math.log(t0) - Math.log(t1));
    return Math.exp(Math.log(v0) + w * (Math.log(v1) - Math.log(v0)));
  }
  return undefined;
}

/** The MatchedRow of gamma `g` against gamma 0 (see MatchedRow); undefined without a seed both finished without diverging. */
function matchedRow(records: readonly NoiseLevelRecord[], g: number): MatchedRow | undefined {
  const of = (gamma: number) => new Map(records.filter((r) => r.gamma === gamma && !r.diverged).map((r) => [r.seed, r]));
  const [noisy, det] = [of(g), of(0)];
  const lowest = (r: NoiseLevelRecord) => Math.min(...(r.trainCurve ?? []).filter((x): x is number => typeof x === "number" && Number.isFinite(x)));
  const pairs = [...noisy.keys()].filter((s) => det.has(s)).sort((a, b) => a - b).flatMap((s) => {
    const [a, b] = [noisy.get(s)!, det.get(s)!];
    const target = Math.max(lowest(a), lowest(b));
    const [va, vb] = [validAtTrain(a, target), validAtTrain(b, target)];
    return Number.isFinite(target) && va !== undefined && vb !== undefined ? [{ target, va, vb }] : [];
  });
  if (!pairs.length) return undefined;
  const logs = pairs.map((x) => Math.log(x.va / x.vb));
  const t = pairs.length >= 2 ? pairedTTest(logs, logs.map(() => 0)) : { difference: logs[0], low: -Infinity, high: Infinity, p: 1 };
  return {
    gamma: g, seeds: pairs.length, train: mean(pairs.map((x) => x.target)), validDeterministic: mean(pairs.map((x) => x.vb)), validNoisy: mean(pairs.map((x) => x.va)),
    ratio: Math.expm1(t.difference), low: Math.expm1(t.low), high: Math.expm1(t.high), p: t.p,
  };
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
