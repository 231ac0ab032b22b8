/**
 * Success counts: how often runs reach a goal (100% test accuracy, error 0,
 * error under 1%), the measure of Sections 4.3-4.5 ("9 of 216 runs with noise,
 * 1 of 216 without"). Each arm's rate gets an exact (Clopper-Pearson)
 * interval; two arms trained on the same seeds and grid points are compared
 * pairwise, by the exact McNemar test: only the pairs where exactly one arm
 * succeeded carry information, and under "noise makes no difference" each of
 * them is equally likely to be either arm's.
 *
 * The interval of the difference comes from the same test (docs/verdicts.md:
 * one test per comparison). rateA - rateB = q (2 pi - 1), where q is the share
 * of discordant pairs and pi the share of those that favour A. The 95%
 * Clopper-Pearson interval of pi is exactly the set of pi the test's p does
 * not reject, so the difference's interval excludes 0 exactly when p < 0.05;
 * q, a nuisance the conditional test leaves free, ranges over its own 97.5%
 * interval (coverage at least 92.5% by Bonferroni; measured 97.8-100% at
 * five settings, 4,000 seeded draws each, so it is conservative; the test
 * checks 95% on three). With no discordant pair the interval
 * is wide, not [0, 0]: three runs a side that all fail say little.
 */
import { logGamma, regularizedBeta } from "./ttest";

function checkCount(k: number, n: number, who: string): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${who}: trials must be a positive integer, got ${n}`);
  if (!Number.isInteger(k) || k < 0 || k > n) throw new RangeError(`${who}: successes must be an integer in [0, ${n}], got ${k}`);
}

function checkLevel(level: number, who: string): void {
  if (!(level > 0 && level < 1)) throw new RangeError(`${who}: level must be in (0, 1), got ${level}`);
}

function checkRate(r: number, name: string, who: string): void {
  if (!(r >= 0 && r <= 1)) throw new RangeError(`${who}: ${name} must be a rate in [0, 1], got ${r}`);
}

const logChoose = (n: number, k: number) => logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);

/** P(X <= k) for X ~ Binomial(n, p). */
export function binomialCdf(k: number, n: number, p: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  if (p <= 0) return 1;
  if (p >= 1) return 0;
  return regularizedBeta(1 - p, n - k, k + 1);
}

/** P(X = k) for X ~ Binomial(n, p). */
function binomialPmf(k: number, n: number, p: number): number {
  if (p <= 0) return k === 0 ? 1 : 0;
  if (p >= 1) return k === n ? 1 : 0;
  return Math.exp(logChoose(n, k) + k * Math.log(p) + (n - k) * Math.log1p(-p));
}

/** The q-quantile of Beta(a, b), by bisection on the regularised incomplete beta function. */
function betaQuantile(q: number, a: number, b: number): number {
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 80; i++) {
    const mid = (lo + hi) / 2;
    if (regularizedBeta(mid, a, b) < q) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** The exact (Clopper-Pearson) interval of a rate from k successes in n trials. */
export function clopperPearson(k: number, n: number, level = 0.95): [number, number] {
  checkCount(k, n, "clopperPearson");
  checkLevel(level, "clopperPearson");
  const a = (1 - level) / 2;
  return [k === 0 ? 0 : betaQuantile(a, k, n - k + 1), k === n ? 1 : betaQuantile(1 - a, k + 1, n - k)];
}

/**
 * The exact binomial test of k successes in n trials against rate p0,
 * two-sided by doubling the smaller tail (the convention whose acceptance
 * region is the Clopper-Pearson interval; at p0 = 0.5 it equals the usual
 * point-probability p-value).
 */
export function binomialTwoSided(k: number, n: number, p0 = 0.5): number {
  checkCount(k, n, "binomialTwoSided");
  checkRate(p0, "p0", "binomialTwoSided");
  const lower = binomialCdf(k, n, p0);
  const upper = 1 - binomialCdf(k - 1, n, p0);
  return Math.min(1, 2 * Math.min(lower, upper));
}

export interface ArmCount {
  /** Successes. */
  k: number;
  rate: number;
  /** Clopper-Pearson interval of the rate. */
  interval: [number, number];
}

export interface PairedProportions {
  /** Pairs: seeds or grid points trained in both arms. */
  n: number;
  a: ArmCount;
  b: ArmCount;
  /** Pairs where only A succeeded, and only B. */
  onlyA: number;
  onlyB: number;
  /** rateA - rateB. */
  diff: number;
  /** The interval of diff from the exact McNemar test (see the module comment). */
  interval: [number, number];
  /** Two-sided exact McNemar p. */
  p: number;
  /** The smallest p this design can reach (every pair discordant, all one way). */
  minP: number;
  test: string;
}

/**
 * Compares two arms trained on the same seeds (a[i] and b[i] are one pair's
 * outcomes): rates with exact intervals, their difference with an interval and
 * the exact McNemar p.
 */
export function pairedProportions(a: readonly boolean[], b: readonly boolean[], level = 0.95): PairedProportions {
  checkLevel(level, "pairedProportions");
  if (a.length !== b.length) throw new RangeError(`pairedProportions: the arms must pair up, got ${a.length} and ${b.length} outcomes`);
  const n = a.length;
  if (n < 1) throw new RangeError("pairedProportions: no pairs");
  for (const [name, xs] of [["a", a], ["b", b]] as const) {
    const bad = xs.findIndex((x) => typeof x !== "boolean");
    if (bad >= 0) throw new TypeError(`pairedProportions: ${name}[${bad}] must be a boolean, got ${String(xs[bad])}`);
  }
  let ka = 0, kb = 0, onlyA = 0, onlyB = 0;
  for (let i = 0; i < n; i++) {
    if (a[i]) ka++;
    if (b[i]) kb++;
    if (a[i] && !b[i]) onlyA++;
    if (b[i] && !a[i]) onlyB++;
  }
  const m = onlyA + onlyB;
  const p = m === 0 ? 1 : binomialTwoSided(onlyA, m);
  // pi: share of discordant pairs favouring A, at the test's own level; q: share of discordant pairs, at a Bonferroni-split level.
  const [piLo, piHi] = m === 0 ? [0, 1] : clopperPearson(onlyA, m, level);
  const [qLo, qHi] = clopperPearson(m, n, 1 - (1 - level) / 2);
  const corners = [qLo * (2 * piLo - 1), qLo * (2 * piHi - 1), qHi * (2 * piLo - 1), qHi * (2 * piHi - 1)];
  const interval: [number, number] = [Math.min(...corners), Math.max(...corners)];
  return {
    n,
    a: { k: ka, rate: ka / n, interval: clopperPearson(ka, n, level) },
    b: { k: kb, rate: kb / n, interval: clopperPearson(kb, n, level) },
    onlyA, onlyB,
    diff: (ka - kb) / n,
    interval,
    p,
    minP: Math.min(1, 2 * 0.5 ** n),
    test: `exact McNemar on ${n} paired runs (${m} discordant), interval by inverting it`,
  };
}

/** The largest c with 2 P(X <= c) < alpha for X ~ Binomial(m, 1/2), or -1: the test rejects when onlyA <= c or onlyA >= m - c. */
function rejectionBound(m: number, alpha: number): number {
  let cdf = 0;
  for (let c = 0; c <= m; c++) {
    cdf += binomialPmf(c, m, 0.5);
    if (2 * cdf >= alpha) return c - 1;
  }
  return m;
}

/**
 * The exact power of pairedProportions' test at level alpha with n pairs, when
 * arm A succeeds at rateA and B at rateB, independently within a pair.
 */
export function pairedPower(rateA: number, rateB: number, n: number, alpha = 0.05): number {
  checkRate(rateA, "rateA", "pairedPower");
  checkRate(rateB, "rateB", "pairedPower");
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`pairedPower: n must be a positive integer, got ${n}`);
  checkLevel(alpha, "pairedPower (alpha)");
  const pA = rateA * (1 - rateB);
  const pB = rateB * (1 - rateA);
  const pd = pA + pB;
  if (pd === 0) return 0;
  const pi = pA / pd;
  let power = 0;
  for (let m = 1; m <= n; m++) {
    const weight = binomialPmf(m, n, pd);
    if (weight < 1e-300) continue;
    const c = rejectionBound(m, alpha);
    if (c < 0) continue;
    // onlyA ~ Binomial(m, pi) given m discordant pairs.
    power += weight * (binomialCdf(c, m, pi) + 1 - binomialCdf(m - c - 1, m, pi));
  }
  return Math.min(1, power);
}

/**
 * The smallest rateA above rateB that pairedProportions' test detects with the
 * given power at n pairs; NaN when even rateA = 1 falls short. (An exact
 * test's power is not quite monotone in the rate; bisection finds a crossing.)
 */
export function detectableRate(rateB: number, n: number, power = 0.8, alpha = 0.05): number {
  checkRate(rateB, "rateB", "detectableRate");
  checkLevel(power, "detectableRate (power)");
  if (pairedPower(1, rateB, n, alpha) < power) return NaN;
  let lo = rateB;
  let hi = 1;
  for (let i = 0; i < 40; i++) {
    const mid = (lo + hi) / 2;
    if (pairedPower(mid, rateB, n, alpha) >= power) hi = mid;
    else lo = mid;
  }
  return hi;
}
