/**
 * Table 5's numbers from the trials: per arm, how many trials reach a test
 * error under 1%, 2%, 3%, 5% (digit error on the longest test length); each
 * threshold compared on the paired trials (same grid point and seed in both
 * arms) with the exact McNemar test (stats/proportions), the power the design
 * has stated beside it; the whole distribution of test errors per arm.
 */
import { judge } from "../../experiments/verdict";
import type { Summary } from "../../experiments/contract";
import type { Verdict } from "../../experiments/verdict";
import { detectableRate, pairedPower, pairedProportions, PairedProportions } from "../../stats/proportions";
import { signFlipDifference, TestedDifference } from "../../stats/inversion";
import type { NeuralGPURunRecord, NeuralGPURunSpec } from "./run";

/** GN Table 5 (out of 7290 trials per arm). */
export const TABLE5 = {
  trials: 7290,
  thresholds: [0.01, 0.02, 0.03, 0.05],
  none: [28, 90, 172, 387],
  noise: [58, 159, 282, 570],
} as const;

export interface ThresholdRow {
  threshold: number;
  comparison: PairedProportions | null;
  paperNone: number;
  paperNoise: number;
  /** Power of our paired test to see the paper's two rates at our number of pairs. */
  powerAtPaperRates: number;
  /** The smallest noise rate our design detects with 80% power, given our no-noise rate (NaN: none). */
  detectable: number;
}

export interface NeuralGPUSummary extends Summary {
  pairs: number;
  planned: number;
  rows: ThresholdRow[];
  /** Sorted test errors per arm (all trials of that arm). */
  errors: { none: number[]; noise: number[] };
  /**
   * Not the paper's measure, no verdict: the long-test digit error itself, noise minus none on the paired trials
   * (sign-flip test). Where no trial reaches a threshold, the counts read 0 against 0; this still says whether
   * noise moved the error. Null without pairs.
   */
  errorDifference: TestedDifference | null;
  /** The same on the shortest test length (the training lengths at cpu scale): whether noise helped the model learn at all. */
  shortErrorDifference: TestedDifference | null;
}

/** Records of both arms matched by grid point and seed. */
export function pairUp(records: readonly NeuralGPURunRecord[]): { none: NeuralGPURunRecord; noise: NeuralGPURunRecord }[] {
  const by = new Map<string, { none?: NeuralGPURunRecord; noise?: NeuralGPURunRecord }>();
  for (const r of records) {
    const k = `${r.point}/${r.seed}`;
    const e = by.get(k) ?? {};
    e[r.arm] = r;
    by.set(k, e);
  }
  return [...by.values()].filter((e): e is { none: NeuralGPURunRecord; noise: NeuralGPURunRecord } => !!e.none && !!e.noise);
}

export function summarizeTable5(records: readonly NeuralGPURunRecord[], planned: readonly NeuralGPURunSpec[]): NeuralGPUSummary {
  const pairs = pairUp(records);
  const rows: ThresholdRow[] = TABLE5.thresholds.map((threshold, i) => {
    const paperNone = TABLE5.none[i], paperNoise = TABLE5.noise[i];
    const pa = paperNoise / TABLE5.trials, pb = paperNone / TABLE5.trials;
    const n = pairs.length;
    const comparison = n ? pairedProportions(pairs.map((p) => p.noise.testError < threshold), pairs.map((p) => p.none.testError < threshold)) : null;
    return {
      threshold, comparison, paperNone, paperNoise,
      powerAtPaperRates: n ? pairedPower(pa, pb, n) : 0,
      detectable: n && comparison ? detectableRate(comparison.b.rate, n) : NaN,
    };
  });
  const verdicts: Verdict[] = [];
  for (const r of rows) {
    if (!r.comparison) continue;
    const c = r.comparison;
    const paperDiff = (r.paperNoise - r.paperNone) / TABLE5.trials;
    verdicts.push(judge({
      claimId: r.threshold === 0.01 ? "gn-4.5-table5-1pct" : "gn-4.5-table5-thresholds",
      claim: `Table 5: share of trials with test error < ${100 * r.threshold}%, with noise minus without`,
      paper: paperDiff, ours: c.diff, interval: c.interval, p: c.p, minP: c.minP, test: c.test, n: c.n,
      margin: Math.abs(paperDiff) / 2,
      marginReason: "half the paper's difference in success rate: smaller differences count as none",
      sizeNotComparable: "our trials are far shorter and smaller (shorter operands, fewer maps, rows and steps), so success rates are not on the paper's scale: judged on sign",
      direction: "effect",
      unit: "points",
    }));
  }
  const errs = (arm: "none" | "noise") => records.filter((r) => r.arm === arm).map((r) => r.testError).sort((a, b) => a - b);
  const errorDifference = pairs.length ? signFlipDifference(pairs.map((p) => p.noise.testError), pairs.map((p) => p.none.testError), { seed: "neural-gpu-error", unit: "trial pairs" }) : null;
  // digitErrors[0]: the shortest test length (testBits is sorted shortest first in every config).
  const shortErrorDifference = pairs.length ? signFlipDifference(pairs.map((p) => p.noise.digitErrors[0]), pairs.map((p) => p.none.digitErrors[0]), { seed: "neural-gpu-short-error", unit: "trial pairs" }) : null;
  return { pairs: pairs.length, planned: new Set(planned.map((s) => `${s.point}/${s.seed}`)).size, rows, errors: { none: errs("none"), noise: errs("noise") }, errorDifference, shortErrorDifference, verdicts };
}
