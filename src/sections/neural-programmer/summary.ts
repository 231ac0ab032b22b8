/**
 * Section 4.3's numbers from records: perfect-run counts per arm with exact
 * intervals, paired comparisons (exact McNemar on runs that share grid point
 * and seed) with the power the sample has, Table 3's best and mean accuracy
 * per setting with paired sign-flip tests, the 4.6 ablations, and verdicts.
 */
import { clopperPearson, detectableRate, pairedPower, pairedProportions, PairedProportions } from "../../stats/proportions";
import { signFlipDifference } from "../../stats/inversion";
import { judge, Verdict } from "../../experiments/verdict";
import type { TaskKind } from "../../families/neural-programmer";
import { Arm, ARMS_OF, PERFECT_OF_216, TABLE3, WEIGHT_NOISE_BEST_ERROR } from "./paper";
import type { NPRunRecord, NPRunSpec } from "./run";

export interface ArmRow {
  task: TaskKind;
  arm: Arm;
  runs: number;
  planned?: number;
  perfect: number;
  rate: number;
  interval: [number, number];
  bestAccuracy: number;
  meanAccuracy: number;
  diverged: number;
}

export interface Comparison {
  task: TaskKind;
  a: Arm;
  b: Arm;
  /** Perfect runs, paired by grid point and seed. */
  counts: PairedProportions;
  /** Mean over pairs of accuracy(a) - accuracy(b), sign-flip test inverted. */
  accuracy: { difference: number; low: number; high: number; p: number; minP: number; test: string; n: number };
  /** Power to detect the paper's rates (out of 216) at our number of pairs, and the smallest rate of `a` detectable (80%) against b's paper rate. */
  powerAtPaperRates?: number;
  detectable?: number;
}

export interface NPSummary {
  verdicts: Verdict[];
  arms: ArmRow[];
  comparisons: Comparison[];
}

const pairKey = (r: { task: string; grid: number; seedIndex: number }) => `${r.task}/g${r.grid}/s${r.seedIndex}`;

/** Arm rows: runs, perfect count with its Clopper-Pearson interval, best and mean test accuracy. */
function armRows(records: NPRunRecord[], planned?: NPRunSpec[]): ArmRow[] {
  const rows: ArmRow[] = [];
  for (const task of ["single", "five", "text"] as TaskKind[]) {
    for (const arm of ARMS_OF[task]) {
      const rs = records.filter((r) => r.task === task && r.arm === arm);
      const plannedN = planned?.filter((p) => p.task === task && p.arm === arm).length;
      if (!rs.length && !plannedN) continue;
      const perfect = rs.filter((r) => r.perfect).length;
      const acc = rs.map((r) => r.finalAccuracy);
      rows.push({
        task, arm, runs: rs.length, planned: plannedN, perfect, rate: rs.length ? perfect / rs.length : NaN,
        interval: rs.length ? clopperPearson(perfect, rs.length) : [NaN, NaN],
        bestAccuracy: acc.length ? Math.max(...acc) : NaN,
        meanAccuracy: acc.length ? acc.reduce((s, x) => s + x, 0) / acc.length : NaN,
        diverged: rs.filter((r) => r.diverged).length,
      });
    }
  }
  return rows;
}

/** Arm a against arm b on the runs both have (same task, grid point, seed). */
export function compareArms(records: NPRunRecord[], task: TaskKind, a: Arm, b: Arm): Comparison | undefined {
  const of = (arm: Arm) => new Map(records.filter((r) => r.task === task && r.arm === arm).map((r) => [pairKey(r), r]));
  const [ma, mb] = [of(a), of(b)];
  const keys = [...ma.keys()].filter((k) => mb.has(k)).sort();
  if (!keys.length) return undefined;
  const ra = keys.map((k) => ma.get(k)!);
  const rb = keys.map((k) => mb.get(k)!);
  const counts = pairedProportions(ra.map((r) => r.perfect), rb.map((r) => r.perfect));
  const t = signFlipDifference(ra.map((r) => r.finalAccuracy), rb.map((r) => r.finalAccuracy), { seed: `np-${task}-${a}-${b}` });
  const pa = PERFECT_OF_216[a];
  const pb = PERFECT_OF_216[b];
  return {
    task, a, b, counts,
    accuracy: { difference: t.difference, low: t.low, high: t.high, p: t.p, minP: t.minP, test: t.test, n: t.n },
    ...(task === "single" && pa !== undefined && pb !== undefined ? { powerAtPaperRates: pairedPower(pa / 216, pb / 216, keys.length), detectable: detectableRate(pb / 216, keys.length) } : {}),
  };
}

/** The pairs of arms the section compares: noise and each ablation against its reference arm. */
export const COMPARISONS: { task: TaskKind; a: Arm; b: Arm }[] = [
  { task: "single", a: "noise", b: "no noise" },
  { task: "single", a: "dropout", b: "no noise" },
  { task: "single", a: "fixed noise", b: "noise" },
  { task: "single", a: "batch 10", b: "noise" },
  { task: "single", a: "batch 25", b: "noise" },
  { task: "single", a: "weight noise", b: "noise" },
  ...(["five", "text"] as TaskKind[]).flatMap((task) => [
    { task, a: "noise" as Arm, b: "no noise" as Arm },
    { task, a: "dropout" as Arm, b: "no noise" as Arm },
    { task, a: "dropout + noise" as Arm, b: "dropout" as Arm },
  ]),
];

const COUNT_MARGIN = 0.01;
const COUNT_REASON = "1 point of the perfect-run rate: about 2 of the paper's 216 runs";
const ACC_MARGIN = 0.005;
const ACC_REASON = "half a point of test accuracy, below the smallest gap in Table 3 (1.1 points)";

function countVerdict(c: Comparison, claimId: string, claim: string, paper: number): Verdict {
  const k = c.counts;
  return judge({ claimId, claim, paper, ours: k.diff, interval: k.interval, p: k.p, minP: k.minP, test: k.test, n: k.n, margin: COUNT_MARGIN, marginReason: COUNT_REASON });
}

function accuracyVerdict(c: Comparison, claimId: string, claim: string, paper: number): Verdict {
  const t = c.accuracy;
  return judge({
    claimId, claim, paper, ours: t.difference, interval: [t.low, t.high], p: t.p, minP: t.minP, test: t.test, n: t.n, margin: ACC_MARGIN, marginReason: ACC_REASON,
    sizeNotComparable: "the paper's numbers are each setting's best run of 216; ours is the mean difference over paired runs",
  });
}

export function summarizeNP(records: NPRunRecord[], planned?: NPRunSpec[]): NPSummary {
  const arms = armRows(records, planned);
  const comparisons = COMPARISONS.map((x) => compareArms(records, x.task, x.a, x.b)).filter((c): c is Comparison => c !== undefined);
  const find = (task: TaskKind, a: Arm, b: Arm) => comparisons.find((c) => c.task === task && c.a === a && c.b === b);
  const verdicts: Verdict[] = [];
  const push = (c: Comparison | undefined, f: (c: Comparison) => Verdict) => c && verdicts.push(f(c));
  push(find("single", "noise", "no noise"), (c) => countVerdict(c, "gn-4.3-single-column-perfect", "single column: annealed noise raises the share of perfect runs (9/216 vs 1/216)", 8 / 216));
  push(find("single", "dropout", "no noise"), (c) => countVerdict(c, "gn-4.3-single-column-perfect", "single column: dropout does not raise the share of perfect runs (0/216 vs 1/216)", -1 / 216));
  for (const task of ["five", "text"] as const) {
    const id = task === "five" ? "gn-4.3-five-columns" : "gn-4.3-text-entries";
    const t3 = TABLE3[task];
    const name = task === "five" ? "five columns" : "text entries";
    push(find(task, "noise", "no noise"), (c) => accuracyVerdict(c, id, `${name}: noise raises test accuracy (Table 3: ${t3["no noise"]} -> ${t3.noise})`, (t3.noise - t3["no noise"]) / 100));
    push(find(task, "dropout", "no noise"), (c) => accuracyVerdict(c, id, `${name}: dropout raises test accuracy (Table 3: ${t3["no noise"]} -> ${t3.dropout})`, (t3.dropout - t3["no noise"]) / 100));
    push(find(task, "dropout + noise", "dropout"), (c) => accuracyVerdict(c, id, `${name}: noise on top of dropout (Table 3: ${t3.dropout} -> ${t3["dropout + noise"]})`, (t3["dropout + noise"] - t3.dropout) / 100));
  }
  push(find("single", "fixed noise", "noise"), (c) => countVerdict(c, "gn-4.6-np-fixed-noise", "fixed noise reaches the best error less often than annealed (5/216 vs 9/216)", -4 / 216));
  for (const b of ["batch 10", "batch 25"] as const) {
    push(find("single", b, "noise"), (c) => countVerdict(c, "gn-4.6-np-batch-size", `${b} without noise reaches the best error less often than annealed noise at 50 (0/216 vs 9/216)`, -9 / 216));
  }
  push(find("single", "weight noise", "noise"), (c) => judge({
    claimId: "gn-4.6-np-weight-noise", claim: "annealed weight noise (from 1e-6) fails to train: best error >= 68%", paper: -WEIGHT_NOISE_BEST_ERROR, // best accuracy <= 32% against the annealed arm's 100%
    ours: c.accuracy.difference, interval: [c.accuracy.low, c.accuracy.high], p: c.accuracy.p, minP: c.accuracy.minP, test: c.accuracy.test, n: c.accuracy.n,
    margin: 0.05, marginReason: "5 points of accuracy: the claim is a failure to train, not a fine difference",
    sizeNotComparable: "the paper gives weight noise's best error (>= 68%) without its gradient-noise counterpart; ours is the mean accuracy difference from annealed gradient noise over paired runs",
  }));
  return { verdicts, arms, comparisons };
}
