/**
 * Table 1 from records: best and average per row with a bootstrap interval,
 * with-noise vs without tests per experiment, and the verdicts.
 */
import { bootstrapCI, fisherExact, leftPlateau, mannWhitneyU, mean } from "../../stats";
import { permutationDifference } from "../../stats/inversion";
import { judge, Verdict } from "../../experiments/verdict";
import type { Unjudged } from "../../experiments/contract";
import { MNIST_PLATEAU, Table1Setting, TABLE1 } from "./paper";
import { runDiverged } from "../../train/divergence";

/** MNIST's digits: the softmax's classes, for the divergence rule. */
const MNIST_CLASSES = 10;
import type { RunRecord, RunSpec } from "./run";

export interface Table1RowSummary {
  experiment: string;
  title: string;
  setting: Table1Setting;
  runs: number;
  /** Runs the plan has for this row (undefined when the summary was made without a plan). */
  planned?: number;
  /** Runs that diverged (train/divergence.ts); they stay in best and average with the accuracy they ended with. */
  diverged: number;
  best: number;
  avg: number;
  /** 95% percentile-bootstrap interval of the average. */
  avgLow: number;
  avgHigh: number;
  paperBest: number;
  paperAvg: number;
  /** Runs that left the plateau (stats.leftPlateau with MNIST_PLATEAU). */
  escaped: number;
}

export interface Table1Comparison {
  experiment: string;
  title: string;
  runs: number;
  /** Average with noise minus average without. */
  difference: number;
  /** 95% interval of `difference`: the permutation test below, inverted (the shifts of the with-noise runs it does not reject). */
  low: number;
  high: number;
  /** Two-sided permutation test of the difference of means (10,000 relabellings). */
  pPermutation: number;
  /** The smallest p that test can reach with these runs (0.1 with 3 a side), and its name. */
  minP: number;
  test: string;
  /** Learning rates behind ours (the paper's averages span 0.1 and 0.01). */
  learningRates: number[];
  /** Two-sided Mann-Whitney U (normal approximation with tie correction). */
  pMannWhitney: number;
  /** Runs that left the plateau with and without noise, out of each setting's runs, and Fisher's exact test of the two proportions. */
  escapedWith: number;
  escapedWithout: number;
  runsWith: number;
  runsWithout: number;
  pEscaped: number;
  paperDifference: number;
}

/** Runs whose final accuracy left the one-class plateau. */
const escapedCount = (accuracies: readonly number[]) => accuracies.filter((x) => leftPlateau(x, MNIST_PLATEAU)).length;

/** How many runs left the plateau in each setting, and whether the proportions differ (the rescue question). */
function escapes(withNoise: number[], without: number[]): Pick<Table1Comparison, "escapedWith" | "escapedWithout" | "runsWith" | "runsWithout" | "pEscaped"> {
  const escapedWith = escapedCount(withNoise);
  const escapedWithout = escapedCount(without);
  return { escapedWith, escapedWithout, runsWith: withNoise.length, runsWithout: without.length, pEscaped: fisherExact(escapedWith, withNoise.length, escapedWithout, without.length) };
}

/** The equivalence margin on the average accuracy (absolute points), and why. */
export const MARGIN = 0.01;
export const MARGIN_REASON = "1 point of test accuracy (100 of 10,000 MNIST digits); the paper's Good Init gaps (0.1, 0.0) read as none";

/** The paper's claim per experiment where its text says more than its numbers: Good Inits, "adding gradient noise does not help" (Section 4.1). */
const DIRECTION: Partial<Record<string, "does not help">> = { exp4: "does not help", exp5: "does not help" };

/** The paper's learning rates: each Table 1 average spans runs at both. */
const PAPER_LRS = [0.01, 0.1];

/** The claims ledger's id (paper-claims.ts) that each experiment's with-minus-without verdict tests. */
export const TABLE1_CLAIM: Readonly<Record<string, string>> = {
  exp1: "gn-4.1-simple-init-gains", exp2: "gn-4.1-clipping", exp3: "gn-4.1-clipping",
  exp4: "gn-4.1-good-inits-unaffected", exp5: "gn-4.1-good-inits-unaffected", exp6: "gn-4.1-zero-init-rescue",
};
export const DROPOUT_CLAIM = "gn-4.1-dropout-fails";

export interface Table1Summary {
  rows: Table1RowSummary[];
  comparisons: Table1Comparison[];
  verdicts: Verdict[];
  /** Claims these runs cannot judge, and why (dropout, when its no-dropout control fails too). */
  unjudged: Unjudged[];
}

/** Seeds the resampling tests (permutation p-values, bootstrap intervals) so a summary is reproducible. */
export const TABLE1_RESAMPLING_SEED = 2016;

/**
 * Table 1 from `unordered` records; with `planned` (the plan's specs) each
 * row also says how many runs the plan has for it.
 */
export function summarizeTable1(unordered: RunRecord[], seed: string | number = TABLE1_RESAMPLING_SEED, planned?: readonly RunSpec[]): Table1Summary {
  // Resampling tests depend on input order: fix it, so the file's order (shards, resumes) cannot.
  const records = [...unordered].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const rows: Table1RowSummary[] = [];
  const comparisons: Table1Comparison[] = [];
  for (const e of TABLE1) {
    const accs: Partial<Record<Table1Setting, number[]>> = {};
    for (const row of e.rows) {
      const rs = records.filter((r) => r.experiment === e.id && r.setting === row.setting);
      if (rs.length === 0) continue;
      const xs = rs.map((r) => r.testAccuracy);
      accs[row.setting] = xs;
      const ci = bootstrapCI(xs, { seed: `${seed}/${e.id}/${row.setting}`, resamples: 2000 });
      rows.push({
        experiment: e.id, title: e.title, setting: row.setting, runs: xs.length,
        planned: planned?.filter((s) => s.experiment === e.id && s.setting === row.setting).length,
        diverged: rs.filter((r) => runDiverged(r, r.curve?.loss ?? [], MNIST_CLASSES)).length,
        best: Math.max(...xs), avg: mean(xs), avgLow: ci.low, avgHigh: ci.high, paperBest: row.paper.best, paperAvg: row.paper.avg,
        escaped: escapedCount(xs),
      });
    }
    const a = accs["With Noise"];
    const b = accs["No Noise"];
    if (a && b && a.length > 0 && b.length > 0) {
      const paper = (s: Table1Setting) => e.rows.find((r) => r.setting === s)!.paper.avg;
      const t = permutationDifference(a, b, { seed: `${seed}/${e.id}/perm`, permutations: 10000 });
      const lrs = [...new Set(records.filter((r) => r.experiment === e.id).map((r) => r.lr))].sort((x, y) => x - y);
      comparisons.push({
        experiment: e.id, title: e.title, runs: Math.min(a.length, b.length),
        difference: mean(a) - mean(b), low: t.low, high: t.high,
        pPermutation: t.p, minP: t.minP, test: t.test, learningRates: lrs,
        pMannWhitney: mannWhitneyU(a, b).pValue,
        ...escapes(a, b),
        paperDifference: paper("With Noise") - paper("No Noise"),
      });
    }
  }
  const verdicts = comparisons.map((c) => {
    // Like with like: the paper's averages span both learning rates; an average at one of them has another size.
    const sameLrs = c.learningRates.length === PAPER_LRS.length && c.learningRates.every((x, i) => x === PAPER_LRS[i]);
    return judge({
      claimId: TABLE1_CLAIM[c.experiment],
      claim: `${c.title}: average accuracy, with noise minus without`, paper: c.paperDifference, ours: c.difference, interval: [c.low, c.high], p: c.pPermutation, minP: c.minP, test: c.test, n: c.runs,
      margin: MARGIN, marginReason: MARGIN_REASON, better: "higher",
      ...(DIRECTION[c.experiment] ? { direction: DIRECTION[c.experiment] } : {}),
      ...(sameLrs ? {} : { sizeNotComparable: `ours at lr ${c.learningRates.join(", ")} only; the paper's average spans lr 0.1 and 0.01` }),
    });
  });
  return { rows, comparisons, ...dropoutVerdict(records, seed, verdicts) };
}

/**
 * "Dropout fails" (Exp. 1) is a claim about dropout only where the same runs
 * without dropout succeed: the paper's No Noise rows reach 89.9% best, 43.1%
 * average. Where our no-dropout control stays on the plateau too, dropout's
 * failure says nothing about dropout: no verdict, the reason instead. Where
 * the control escapes, dropout minus no dropout is judged like the others.
 */
function dropoutVerdict(records: readonly RunRecord[], seed: string | number, verdicts: Verdict[]): { verdicts: Verdict[]; unjudged: Unjudged[] } {
  const acc = (setting: Table1Setting) => records.filter((r) => r.experiment === "exp1" && r.setting === setting).map((r) => r.testAccuracy);
  const [drop, control] = [acc("No Noise + Dropout"), acc("No Noise")];
  if (drop.length === 0 || control.length === 0) return { verdicts, unjudged: [] };
  const claim = "Simple Init, No Gradient Clip: average accuracy, dropout minus no dropout (no noise)";
  const escaped = escapedCount(control);
  if (escaped === 0) {
    return { verdicts, unjudged: [{ claimId: DROPOUT_CLAIM, claim, reason: `uninformative: the no-dropout control fails too at this budget (0 of ${control.length} runs leave the plateau), so dropout's failure says nothing about dropout` }] };
  }
  const paper = (s: Table1Setting) => TABLE1.find((e) => e.id === "exp1")!.rows.find((r) => r.setting === s)!.paper.avg;
  const t = permutationDifference(drop, control, { seed: `${seed}/exp1/dropout`, permutations: 10000 });
  return {
    verdicts: [...verdicts, judge({
      claimId: DROPOUT_CLAIM, claim, paper: paper("No Noise + Dropout") - paper("No Noise"), ours: t.difference, interval: [t.low, t.high], p: t.p, minP: t.minP, test: t.test, n: Math.min(drop.length, control.length),
      margin: MARGIN, marginReason: MARGIN_REASON, better: "higher",
    })],
    unjudged: [],
  };
}

/**
 * Per row of a set of runs (an extension study): how many left the plateau,
 * when (the first test evaluation above it, at `evalEvery` updates), and the
 * range of final accuracies. One line per row, so a 20-run study stays short.
 */
export function plateauExitRows(records: readonly RunRecord[]): Record<string, string>[] {
  const rows = new Map<string, RunRecord[]>();
  for (const r of records) {
    const k = `${r.title}: ${r.setting}${r.lr !== undefined ? `, lr ${r.lr}` : ""}`;
    rows.set(k, [...(rows.get(k) ?? []), r]);
  }
  const range = (xs: number[], f: (x: number) => string) => (xs.length === 0 ? "" : Math.min(...xs) === Math.max(...xs) ? f(xs[0]) : `${f(Math.min(...xs))} to ${f(Math.max(...xs))}`);
  return [...rows].map(([row, rs]) => {
    const at = rs.flatMap((x) => {
      const k = x.evalAccuracy.findIndex((a) => leftPlateau(a, MNIST_PLATEAU));
      return k < 0 ? [] : [x.evalStep[k]];
    });
    const steps = Math.max(...rs.map((x) => x.steps));
    return {
      row,
      runs: String(rs.length),
      "left the plateau": `${at.length} of ${rs.length}`,
      "first evaluation above it (update)": at.length ? range(at, (x) => x.toLocaleString("en-US")) : `none within ${steps.toLocaleString("en-US")}`,
      "final test accuracy": range(rs.map((x) => x.testAccuracy), (x) => `${(100 * x).toFixed(1)}%`),
    };
  });
}
