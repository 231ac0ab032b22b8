/**
 * Student's t tests for few seeds. With 3 seeds per condition a permutation
 * test cannot reach p < 0.05 (paired sign flips: p >= 0.25; 3 vs 3
 * relabellings: p >= 0.1), so the language-model sections test differences
 * of mean perplexity with the paired t test over seeds (a seed fixes the
 * initial weights and the data order in every condition, so runs pair by
 * seed), assuming normally distributed differences.
 */
import { checkFiniteValues } from "./summary";

/** ln Gamma(x), x > 0 (Lanczos, g = 7, 9 terms; |error| < 1e-13 for x >= 0.5). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  const z = x - 1;
  let a = c[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the incomplete beta function (modified Lentz). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d; if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c; if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d; h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d; if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c; if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** The regularised incomplete beta function I_x(a, b). */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (!(a > 0 && b > 0)) throw new RangeError(`regularizedBeta: a and b must be positive, got ${a}, ${b}`);
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaContinuedFraction(a, b, x)) / a : 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** P(|T| >= |t|) for Student's t with `df` degrees of freedom. */
export function studentTTwoSided(t: number, df: number): number {
  if (!(df > 0)) throw new RangeError(`studentTTwoSided: df must be positive, got ${df}`);
  if (Number.isNaN(t)) return NaN;
  if (!Number.isFinite(t)) return 0;
  return regularizedBeta(df / (df + t * t), df / 2, 0.5);
}

/** The t with P(|T| >= t) = p (two-sided quantile), by bisection. */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`studentTQuantile: p must be in (0, 1), got ${p}`);
  let lo = 0;
  let hi = 1;
  while (studentTTwoSided(hi, df) > p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (studentTTwoSided(mid, df) > p) lo = mid; else hi = mid;
  }
  return (lo + hi) / 2;
}

export interface TTestResult {
  /** Mean difference (a - b); for Welch's test, mean(a) - mean(b). */
  difference: number;
  t: number;
  df: number;
  /** Two-sided p-value. */
  p: number;
  /** Confidence interval of the difference at `level`. */
  low: number;
  high: number;
  /** Pairs (paired test) or the smaller sample's size (Welch). */
  n: number;
}

/**
 * Paired t test of mean(a - b) = 0 over pairs (a[i], b[i]), two-sided, with a
 * `level` (default 0.95) confidence interval. Needs 2 or more pairs; when
 * every difference is the same the interval is that value and p is 1 (all
 * zero) or 0.
 */
export function pairedTTest(a: readonly number[], b: readonly number[], level = 0.95): TTestResult {
  checkFiniteValues(a, "a", "pairedTTest");
  checkFiniteValues(b, "b", "pairedTTest");
  if (a.length !== b.length) throw new RangeError(`pairedTTest: ${a.length} vs ${b.length} values (pairs must match)`);
  const n = a.length;
  if (n < 2) throw new RangeError(`pairedTTest: needs at least 2 pairs, got ${n}`);
  const d = a.map((x, i) => x - b[i]);
  // Finite values can still differ by more than the largest double.
  if (d.some((x) => !Number.isFinite(x))) throw new RangeError("pairedTTest: a difference a[i] - b[i] overflows to infinity");
  const m = d.reduce((s, x) => s + x, 0) / n;
  const sd = Math.sqrt(d.reduce((s, x) => s + (x - m) ** 2, 0) / (n - 1));
  const df = n - 1;
  const se = sd / Math.sqrt(n);
  if (se === 0 || se < 1e-12 * Math.abs(m)) return { difference: m, t: m === 0 ? 0 : Math.sign(m) * Infinity, df, p: m === 0 ? 1 : 0, low: m, high: m, n };
  const t = m / se;
  const q = studentTQuantile(1 - level, df);
  return { difference: m, t, df, p: studentTTwoSided(t, df), low: m - q * se, high: m + q * se, n };
}

/** Mean of `xs` with a `level` t interval (a single value: the value itself as both ends). */
export function tInterval(xs: readonly number[], level = 0.95): { mean: number; low: number; high: number; n: number } {
  checkFiniteValues(xs, "xs", "tInterval");
  const n = xs.length;
  if (n === 0) throw new RangeError("tInterval: empty sample");
  const m = xs.reduce((s, x) => s + x, 0) / n;
  if (n === 1) return { mean: m, low: m, high: m, n };
  const se = Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (n - 1) / n);
  const q = studentTQuantile(1 - level, n - 1);
  return { mean: m, low: m - q * se, high: m + q * se, n };
}

/**
 * Welch's two-sample t test of mean(a) - mean(b) = 0 without assuming equal
 * variances (Welch 1947; df by the Welch-Satterthwaite approximation),
 * two-sided, with a `level` (default 0.95) confidence interval. Needs 2 or
 * more values in each sample; when both samples are constant the interval is
 * the difference itself and p is 1 (no difference) or 0.
 */
export function welchTTest(a: readonly number[], b: readonly number[], level = 0.95): TTestResult {
  checkFiniteValues(a, "a", "welchTTest");
  checkFiniteValues(b, "b", "welchTTest");
  if (a.length < 2 || b.length < 2) throw new RangeError(`welchTTest: needs at least 2 values in each sample, got ${a.length} and ${b.length}`);
  const moments = (xs: readonly number[]) => {
    const m = xs.reduce((s, x) => s + x, 0) / xs.length;
    return { m, v: xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1) / xs.length };
  };
  const [A, B] = [moments(a), moments(b)];
  const d = A.m - B.m;
  const n = Math.min(a.length, b.length);
  const se = Math.sqrt(A.v + B.v);
  if (se === 0 || se < 1e-12 * Math.abs(d)) return { difference: d, t: d === 0 ? 0 : Math.sign(d) * Infinity, df: a.length + b.length - 2, p: d === 0 ? 1 : 0, low: d, high: d, n };
  const df = (A.v + B.v) ** 2 / (A.v ** 2 / (a.length - 1) + B.v ** 2 / (b.length - 1));
  const t = d / se;
  const q = studentTQuantile(1 - level, df);
  return { difference: d, t, df, p: studentTTwoSided(t, df), low: d - q * se, high: d + q * se, n };
}

/**
 * Welch's `level` interval of mean(a) - mean(b) as [low, high]. With fewer
 * than 2 values on a side it bounds nothing, so the ends are infinite (the
 * verdict rule then reads it as too wide) instead of an error.
 */
export function welchInterval(a: readonly number[], b: readonly number[], level = 0.95): [number, number] {
  checkFiniteValues(a, "a", "welchInterval");
  checkFiniteValues(b, "b", "welchInterval");
  if (a.length < 2 || b.length < 2) return [-Infinity, Infinity];
  const t = welchTTest(a, b, level);
  return [t.low, t.high];
}
