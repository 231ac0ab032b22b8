/**
 * Intervals that come from the same test as the p-value beside them: a
 * permutation test inverted (the 95% interval is every shift delta that the
 * test, run on a - delta against b, does not reject at 0.05), and the
 * smallest p-value a design can reach. A verdict then never shows a t
 * interval beside a permutation p, and says when the design cannot reach
 * significance at all (3 runs a side: a two-sided permutation p >= 0.1).
 */
import { pairedPermutationTest, permutationTest } from "./tests";
import { pairedTTest, welchTTest } from "./ttest";
import type { SeedPart } from "../random/rng";

/** A difference with its 95% interval and two-sided p from one test, the smallest p that test can reach here, and its name. */
export interface TestedDifference {
  difference: number;
  low: number;
  high: number;
  p: number;
  minP: number;
  test: string;
  n: number;
}

function logChoose(n: number, k: number): number {
  let s = 0;
  for (let i = 1; i <= k; i++) s += Math.log(n - k + i) - Math.log(i);
  return s;
}

/**
 * The smallest two-sided p a two-sample permutation test of the mean can give
 * with na and nb runs: the observed split is the most extreme of C(na+nb, na)
 * (with its mirror image when na = nb), and a Monte Carlo p is never below
 * 1 / (permutations + 1).
 */
export function permutationMinP(na: number, nb: number, permutations = 10000): number {
  if (na < 1 || nb < 1) return 1;
  const exact = Math.min(1, (na === nb ? 2 : 1) * Math.exp(-logChoose(na + nb, na)));
  return Math.max(exact, 1 / (permutations + 1));
}

/** The smallest two-sided p a sign-flip test can give with `nonZero` pairs that differ (pairs that tie carry nothing): 2 / 2^n. */
export function signFlipMinP(nonZero: number, permutations = 10000): number {
  if (nonZero < 1) return 1;
  return Math.max(Math.min(1, 2 / 2 ** nonZero), 1 / (permutations + 1));
}

/**
 * The interval of shifts not rejected at `alpha` by `pAt(delta)`, found by
 * bisection on each side of `estimate` out to `reach` (beyond which the test's
 * p no longer changes: the samples are fully separated). An end is infinite
 * where even that far a shift is not rejected.
 */
export function invertTest(pAt: (delta: number) => number, estimate: number, reach: number, alpha = 0.05): [number, number] {
  const end = (sign: 1 | -1) => {
    const far = estimate + sign * reach;
    if (pAt(far) >= alpha) return sign * Infinity;
    let [inside, outside] = [estimate, far];
    for (let i = 0; i < 40; i++) {
      const mid = (inside + outside) / 2;
      if (pAt(mid) >= alpha) inside = mid;
      else outside = mid;
    }
    return inside;
  };
  return [end(-1), end(1)];
}

const spread = (xs: readonly number[]) => (xs.length ? Math.max(...xs) - Math.min(...xs) : 0);

/** mean(a) - mean(b) with a two-sample permutation p and the interval of shifts it does not reject. */
export function permutationDifference(a: readonly number[], b: readonly number[], opts: { seed: SeedPart; permutations?: number; alpha?: number }): TestedDifference {
  const permutations = opts.permutations ?? 10000;
  const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const difference = mean(a) - mean(b);
  const pAt = (d: number) => permutationTest(a.map((x) => x - d), b, { seed: opts.seed, permutations }).pValue;
  const p = pAt(0);
  const reach = 2 * (spread([...a, ...b]) + Math.abs(difference)) + 1e-9;
  const [low, high] = invertTest(pAt, difference, reach, opts.alpha);
  return { difference, low, high, p, minP: permutationMinP(a.length, b.length, permutations), test: `permutation test (${a.length} vs ${b.length} runs), inverted for the interval`, n: Math.min(a.length, b.length) };
}

/** mean(a[i] - b[i]) with a sign-flip permutation p and the interval of shifts it does not reject. */
export function signFlipDifference(a: readonly number[], b: readonly number[], opts: { seed: SeedPart; permutations?: number; alpha?: number; unit?: string }): TestedDifference {
  const permutations = opts.permutations ?? 10000;
  const d = a.map((x, i) => x - b[i]);
  const difference = d.reduce((s, x) => s + x, 0) / d.length;
  const zero = d.map(() => 0);
  const pAt = (delta: number) => pairedPermutationTest(d.map((x) => x - delta), zero, { seed: opts.seed, permutations }).pValue;
  const p = pAt(0);
  const reach = 2 * (Math.max(0, ...d.map(Math.abs)) + Math.abs(difference)) + 1e-9;
  const [low, high] = invertTest(pAt, difference, reach, opts.alpha);
  const nonZero = d.filter((x) => x !== 0).length;
  return { difference, low, high, p, minP: signFlipMinP(nonZero, permutations), test: `sign-flip permutation test (${d.length} ${opts.unit ?? "pairs"}, ${nonZero} differing), inverted for the interval`, n: d.length };
}

/** mean(a[i] - b[i]) with the paired t test's interval and p (any p is reachable with 2+ pairs). */
export function pairedTDifference(a: readonly number[], b: readonly number[], unit = "pairs"): TestedDifference {
  const t = pairedTTest(a, b);
  return { difference: t.difference, low: t.low, high: t.high, p: t.p, minP: a.length >= 2 ? 0 : 1, test: `paired t test (${a.length} ${unit})`, n: a.length };
}

/** mean(a) - mean(b) with Welch's t interval and p. */
export function welchDifference(a: readonly number[], b: readonly number[]): TestedDifference {
  const t = welchTTest(a, b);
  return { difference: t.difference, low: t.low, high: t.high, p: t.p, minP: a.length >= 2 && b.length >= 2 ? 0 : 1, test: `Welch t test (${a.length} vs ${b.length} runs)`, n: Math.min(a.length, b.length) };
}
