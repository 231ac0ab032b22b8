/**
 * The DNGPU extension's numbers, measured as Table 5's: per arm, how many
 * trials reach a test error under 1%, 2%, 3%, 5% (digit error on the longest
 * test length); each threshold compared on the paired trials (same seed in
 * both arms) with the exact McNemar test, the power the design has beside it.
 * The verdicts carry Table 5's claims to DNGPU: the paper tested the original
 * Neural GPU only, so its numbers are a direction here, not a size.
 */
import type { Summary } from "../../experiments/contract";
import { judge, Verdict } from "../../experiments/verdict";
import type { Figure } from "../../report/plotly";
import type { Cell } from "../../report/table";
import { formatP } from "../../stats";
import { detectableRate, pairedProportions, PairedProportions } from "../../stats/proportions";
import { signFlipDifference, TestedDifference } from "../../stats/inversion";
import type { DNGPURunRecord, DNGPURunSpec } from "./run";

/** GN Table 5 (original Neural GPU, out of 7290 trials per arm): the claims carried to DNGPU. */
const TABLE5 = { trials: 7290, thresholds: [0.01, 0.02, 0.03, 0.05], none: [28, 90, 172, 387], noise: [58, 159, 282, 570] } as const;

export interface DNGPUThresholdRow {
  threshold: number;
  comparison: PairedProportions | null;
  /** The smallest noise rate the design detects with 80% power, given our no-noise rate (NaN: none). */
  detectable: number;
}

export interface DNGPUSummary extends Summary {
  pairs: number;
  planned: number;
  rows: DNGPUThresholdRow[];
  /** Sorted test errors per arm. */
  errors: { none: number[]; noise: number[] };
  /** Mean final training digit error per arm (does DNGPU learn at this size?). */
  trainError: { none: number; noise: number };
  /** Not the paper's measure, no verdict: the long-test digit error, noise minus none on the paired seeds (sign-flip test); null without pairs. */
  errorDifference: TestedDifference | null;
  /** The same on the shortest test length (within the trained lengths): whether noise helped DNGPU learn at all. */
  shortErrorDifference: TestedDifference | null;
}

export function pairDNGPU(records: readonly DNGPURunRecord[]): { none: DNGPURunRecord; noise: DNGPURunRecord }[] {
  const by = new Map<number, { none?: DNGPURunRecord; noise?: DNGPURunRecord }>();
  for (const r of records) by.set(r.seed, { ...by.get(r.seed), [r.arm]: r });
  return [...by.values()].filter((e): e is { none: DNGPURunRecord; noise: DNGPURunRecord } => !!e.none && !!e.noise);
}

export function summarizeDNGPU(records: readonly DNGPURunRecord[], planned: readonly DNGPURunSpec[]): DNGPUSummary {
  const pairs = pairDNGPU(records);
  const n = pairs.length;
  const rows: DNGPUThresholdRow[] = TABLE5.thresholds.map((threshold) => {
    const comparison = n ? pairedProportions(pairs.map((p) => p.noise.testError < threshold), pairs.map((p) => p.none.testError < threshold)) : null;
    return { threshold, comparison, detectable: comparison ? detectableRate(comparison.b.rate, n) : NaN };
  });
  const verdicts: Verdict[] = [];
  rows.forEach((r, i) => {
    if (!r.comparison) return;
    const c = r.comparison;
    const paperDiff = (TABLE5.noise[i] - TABLE5.none[i]) / TABLE5.trials;
    verdicts.push(judge({
      claimId: r.threshold === 0.01 ? "gn-4.5-table5-1pct" : "gn-4.5-table5-thresholds",
      claim: `Table 5 carried to DNGPU (the paper tested the original Neural GPU only): share of trials with test error < ${100 * r.threshold}%, with noise minus without`,
      paper: paperDiff, ours: c.diff, interval: c.interval, p: c.p, minP: c.minP, test: c.test, n: c.n,
      margin: Math.abs(paperDiff) / 2,
      marginReason: "half the paper's difference in success rate: smaller differences count as none",
      sizeNotComparable: "another architecture (DNGPU), shorter operands, fewer maps and steps: success rates are not on the paper's scale, judged on sign",
      direction: "effect",
      unit: "points",
    }));
  });
  const arm = (a: "none" | "noise") => records.filter((r) => r.arm === a);
  const errs = (a: "none" | "noise") => arm(a).map((r) => r.testError).sort((x, y) => x - y);
  const meanTrain = (a: "none" | "noise") => (arm(a).length ? arm(a).reduce((s, r) => s + r.trainError, 0) / arm(a).length : NaN);
  return {
    pairs: n, planned: new Set(planned.map((s) => s.seed)).size, rows,
    errors: { none: errs("none"), noise: errs("noise") }, trainError: { none: meanTrain("none"), noise: meanTrain("noise") },
    errorDifference: n ? signFlipDifference(pairs.map((p) => p.noise.testError), pairs.map((p) => p.none.testError), { seed: "dngpu-error", unit: "seed pairs" }) : null,
    // digitErrors[0]: the shortest test length (testBits is sorted shortest first in every config).
    shortErrorDifference: n ? signFlipDifference(pairs.map((p) => p.noise.digitErrors[0]), pairs.map((p) => p.none.digitErrors[0]), { seed: "dngpu-short-error", unit: "seed pairs" }) : null,
    verdicts,
  };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const COLORS = { none: "#d62728", noise: "#1f77b4" };

/** Counts under each threshold, ours per arm with intervals and the paired test; Table 5's original-Neural-GPU numbers beside, for reference only. */
export function dngpuRows(s: DNGPUSummary): Record<string, Cell>[] {
  return s.rows.map((r, i) => {
    const c = r.comparison;
    const arm = (a: PairedProportions["a"]) => `${a.k} of ${c!.n}, ${pct(a.rate)} [${pct(a.interval[0])}, ${pct(a.interval[1])}]`;
    return {
      "test error": `< ${100 * r.threshold}%`,
      "DNGPU, no noise [95% CI]": c ? arm(c.b) : "-",
      "DNGPU, with noise [95% CI]": c ? arm(c.a) : "-",
      "noise - none [95% CI]": c ? `${(100 * c.diff).toFixed(1)} [${(100 * c.interval[0]).toFixed(1)}, ${(100 * c.interval[1]).toFixed(1)}] points` : "-",
      "only noise / only none": c ? `${c.onlyA} / ${c.onlyB}` : "-",
      "p (exact McNemar)": c ? formatP(c.p, 4) : "-",
      "noise rate detectable (80% power)": c && Number.isFinite(r.detectable) ? pct(r.detectable) : "none",
      "original Neural GPU, paper (none / noise)": `${pct(TABLE5.none[i] / TABLE5.trials)} / ${pct(TABLE5.noise[i] / TABLE5.trials)}`,
    };
  });
}

/** Fraction of trials (each arm) with test error at or below x, x on a log axis. */
export function dngpuThresholdFigure(s: DNGPUSummary): Figure {
  const curve = (errs: number[]) => {
    const xs = [...new Set(errs.map((e) => Math.max(e, 1e-4)))].sort((a, b) => a - b);
    return { x: xs, y: xs.map((x) => errs.filter((e) => Math.max(e, 1e-4) <= x).length / Math.max(1, errs.length)) };
  };
  return {
    data: [
      { ...curve(s.errors.none), type: "scatter", mode: "lines", line: { shape: "hv", color: COLORS.none }, name: `DNGPU, no noise (${s.errors.none.length} trials)` },
      { ...curve(s.errors.noise), type: "scatter", mode: "lines", line: { shape: "hv", color: COLORS.noise }, name: `DNGPU, with noise (${s.errors.noise.length} trials)` },
    ],
    layout: {
      xaxis: { title: { text: "test error (digits wrong, longest test length)" }, type: "log" },
      yaxis: { title: { text: "fraction of trials at or below that error" }, range: [0, 1] },
      legend: { orientation: "h", y: -0.25 },
    },
  };
}

/** Mean and best digit error at each test length, per arm. */
export function dngpuLengthFigure(records: readonly DNGPURunRecord[]): Figure {
  const data: Record<string, unknown>[] = [];
  for (const arm of ["none", "noise"] as const) {
    const rs = records.filter((r) => r.arm === arm);
    if (!rs.length) continue;
    const bits = rs[0].testBits;
    const label = arm === "none" ? "no noise" : "with noise";
    data.push({ x: bits, y: bits.map((_, i) => rs.reduce((a, r) => a + r.digitErrors[i], 0) / rs.length), type: "scatter", mode: "lines+markers", line: { color: COLORS[arm] }, name: `${label}: mean over trials` });
    data.push({ x: bits, y: bits.map((_, i) => Math.min(...rs.map((r) => r.digitErrors[i]))), type: "scatter", mode: "lines+markers", line: { color: COLORS[arm], dash: "dot" }, name: `${label}: best trial` });
  }
  return { data, layout: { xaxis: { title: { text: "test operand length (bits)" }, type: "log" }, yaxis: { title: { text: "digit error" }, rangemode: "tozero" } } };
}
