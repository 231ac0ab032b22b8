/**
 * Two-sample tests for "with noise" vs "no noise" final accuracies: a
 * Monte Carlo permutation test on the difference of means, and the
 * Mann-Whitney U test (normal approximation with tie and continuity
 * corrections), plus the normal CDF they rest on.
 *
 * Both tests are non-parametric: accuracies over seeds are bounded, skewed
 * and often bimodal (runs that train vs runs stuck at chance, e.g. 0.1135),
 * so a t-test's normality assumption is a poor fit.
 */
import { SeedPart, uniformStream } from "../random/rng";
import { checkSample, checkSeed } from "./summary";

export type Alternative = "two-sided" | "greater" | "less";

const ALTERNATIVES: readonly Alternative[] = ["two-sided", "greater", "less"];

function checkAlternative(alt: unknown): Alternative {
  if (alt === undefined) return "two-sided";
  if (!ALTERNATIVES.includes(alt as Alternative)) {
    throw new RangeError(`alternative must be one of ${ALTERNATIVES.map((a) => `"${a}"`).join(", ")}; got ${JSON.stringify(alt)}`);
  }
  return alt as Alternative;
}

// W. J. Cody (1969), "Rational Chebyshev approximations for the error
// function", Math. Comp. 23:631-637, as coded in his SPECFUN routine CALERF.
// Three rational approximations (|x| <= 0.46875, <= 4, > 4) with maximal
// relative error below 1e-16 in exact arithmetic, so in doubles the result is
// good to a few ulps (checked against 40-digit mpmath: erfc relative error
// < 8e-16 on [-6, 26.5]; normalCdf absolute error < 2e-16 everywhere and
// relative error < 1.3e-14 for x >= -10, < 2e-13 down to -37, from rounding
// x / sqrt 2). Abramowitz-Stegun 7.1.26 (abs error 1.5e-7) would be too
// coarse for small p-values.
const ERF_A = [3.1611237438705656, 113.864154151050156, 377.485237685302021, 3209.37758913846947, 0.185777706184603153];
const ERF_B = [23.6012909523441209, 244.024637934444173, 1282.61652607737228, 2844.23683343917062];
const ERF_C = [
  0.564188496988670089, 8.88314979438837594, 66.1191906371416295, 298.635138197400131, 881.95222124176909,
  1712.04761263407058, 2051.07837782607147, 1230.33935479799725, 2.15311535474403846e-8,
];
const ERF_D = [
  15.7449261107098347, 117.693950891312499, 537.181101862009858, 1621.38957456669019, 3290.79923573345963,
  4362.61909014324716, 3439.36767414372164, 1230.33935480374942,
];
const ERF_P = [
  0.305326634961232344, 0.360344899949804439, 0.125781726111229246, 0.0160837851487422766, 0.000658749161529837803,
  0.0163153871373020978,
];
const ERF_Q = [2.56852019228982242, 1.87295284992346725, 0.527905102951428412, 0.0605183413124413191, 0.00233520497626869185];
const INV_SQRT_PI = 0.56418958354775628695;

/** exp(-y^2) split as exp(-ys^2) exp(-(y - ys)(y + ys)) with ys = y rounded down to 1/16, to avoid cancellation (Cody). */
function expNegSquare(y: number): number {
  const ys = Math.trunc(y * 16) / 16;
  return Math.exp(-ys * ys) * Math.exp(-(y - ys) * (y + ys));
}

/** The complementary error function erfc(x) = 1 - erf(x), by Cody's rational approximations (relative error ~1e-15). */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const y = Math.abs(x);
  let r: number;
  if (y <= 0.46875) {
    const ysq = y > 1.11e-16 ? y * y : 0;
    let num = ERF_A[4] * ysq;
    let den = ysq;
    for (let i = 0; i < 3; i++) {
      num = (num + ERF_A[i]) * ysq;
      den = (den + ERF_B[i]) * ysq;
    }
    return 1 - (x * (num + ERF_A[3])) / (den + ERF_B[3]);
  } else if (y <= 4) {
    let num = ERF_C[8] * y;
    let den = y;
    for (let i = 0; i < 7; i++) {
      num = (num + ERF_C[i]) * y;
      den = (den + ERF_D[i]) * y;
    }
    r = expNegSquare(y) * ((num + ERF_C[7]) / (den + ERF_D[7]));
  } else if (y >= 26.543) {
    r = 0; // erfc(26.543) < 1e-308: underflows
  } else {
    const ysq = 1 / (y * y);
    let num = ERF_P[5] * ysq;
    let den = ysq;
    for (let i = 0; i < 4; i++) {
      num = (num + ERF_P[i]) * ysq;
      den = (den + ERF_Q[i]) * ysq;
    }
    r = (ysq * (num + ERF_P[4])) / (den + ERF_Q[4]);
    r = (expNegSquare(y) * (INV_SQRT_PI - r)) / y;
  }
  return x < 0 ? 2 - r : r;
}

/**
 * Standard normal CDF, Phi(x) = erfc(-x / sqrt 2) / 2. Going through erfc
 * (not 1 + erf) keeps the relative accuracy (< 1.3e-14 for x >= -10) in the lower tail, so
 * tiny p-values such as Phi(-8) = 6.2e-16 are still meaningful.
 */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

export interface PermutationTestOptions {
  /** The test statistic; only the difference of means a - b is offered. */
  statistic?: "meanDifference";
  /** "greater": a's mean exceeds b's; "less": the reverse; default "two-sided". */
  alternative?: Alternative;
  /** Number of random relabellings, an integer >= 100; default 10000. */
  permutations?: number;
  /** Key of the uniform stream that draws the relabellings (see random/rng.ts). */
  seed: SeedPart;
}

export interface PermutationTestResult {
  /** mean(a) - mean(b) on the actual labelling. */
  observed: number;
  pValue: number;
  permutations: number;
  alternative: Alternative;
}

/**
 * Monte Carlo permutation test of the difference in means (Fisher 1935;
 * Efron & Tibshirani 1993, ch. 15). Under the null hypothesis that a and b
 * come from one distribution, the labels are exchangeable, so we pool the
 * values, relabel them at random `permutations` times, and count relabellings
 * whose difference is at least as extreme as the observed one.
 *
 * p = (count + 1) / (permutations + 1) (Phipson & Smyth 2010): the actual
 * labelling counts as one of the permutations, so p is never 0 and the test
 * stays exact (valid) at any number of permutations.
 *
 * Ties: differences within 1e-12 relative of the observed one count as "at
 * least as extreme", since the same split summed in another order can differ
 * in the last bits (common with runs tied at e.g. 0.1135).
 *
 * Reproducible: relabellings come from `uniformStream(seed, "stats/permutation")`.
 */
export function permutationTest(a: readonly number[], b: readonly number[], opts: PermutationTestOptions): PermutationTestResult {
  checkSample(a, "a");
  checkSample(b, "b");
  if (opts === null || typeof opts !== "object") throw new RangeError("opts must be an object with a seed");
  const { statistic = "meanDifference", permutations = 10000, seed } = opts;
  if (statistic !== "meanDifference") throw new RangeError(`statistic must be "meanDifference"; got ${JSON.stringify(statistic)}`);
  const alternative = checkAlternative(opts.alternative);
  if (!Number.isInteger(permutations) || permutations < 100) throw new RangeError(`permutations must be an integer >= 100; got ${String(permutations)}`);
  checkSeed(seed);

  const na = a.length;
  const nb = b.length;
  const pool = Float64Array.from([...a, ...b]);
  const n = pool.length;
  let total = 0;
  let maxAbs = 0;
  for (let i = 0; i < n; i++) {
    total += pool[i];
    maxAbs = Math.max(maxAbs, Math.abs(pool[i]));
  }
  // Same formula for the observed and the permuted differences, so equal splits give equal values up to summation order.
  const diff = (sumA: number) => sumA / na - (total - sumA) / nb;
  let sumA = 0;
  for (let i = 0; i < na; i++) sumA += pool[i];
  const observed = diff(sumA);
  const tol = 1e-12 * Math.max(Math.abs(observed), maxAbs);

  const next = uniformStream(seed, "stats/permutation");
  let count = 0;
  for (let p = 0; p < permutations; p++) {
    // Partial Fisher-Yates: positions 0..na-1 become a uniform random subset of size na.
    // It is uniform whatever order the pool was left in by the previous draw.
    let s = 0;
    for (let i = 0; i < na; i++) {
      const j = i + Math.floor(next() * (n - i));
      const t = pool[i];
      pool[i] = pool[j];
      pool[j] = t;
      s += pool[i];
    }
    const d = diff(s);
    if (alternative === "two-sided" ? Math.abs(d) >= Math.abs(observed) - tol : alternative === "greater" ? d >= observed - tol : d <= observed + tol) {
      count++;
    }
  }
  return { observed, pValue: (count + 1) / (permutations + 1), permutations, alternative };
}

export interface MannWhitneyOptions {
  /** "greater": a tends to exceed b (large U); "less": the reverse; default "two-sided". */
  alternative?: Alternative;
}

export interface MannWhitneyResult {
  /** Number of pairs (a_i, b_j) with a_i > b_j, plus half the tied pairs; in [0, a.length * b.length]. */
  u: number;
  /** The continuity-corrected normal deviate the p-value comes from (0 when all values tie). */
  z: number;
  pValue: number;
  alternative: Alternative;
}

/**
 * Mann-Whitney U test (Mann & Whitney 1947; Wilcoxon 1945 rank-sum), by the
 * normal approximation, as R's `wilcox.test(exact = FALSE, correct = TRUE)`
 * and SciPy's `mannwhitneyu(method="asymptotic")` do it:
 *
 *   U = R_a - n_a (n_a + 1) / 2          (R_a: sum of a's mid-ranks in the pooled sample)
 *   E[U] = n_a n_b / 2
 *   Var[U] = n_a n_b / 12 * ((N + 1) - sum_k (t_k^3 - t_k) / (N (N - 1)))
 *
 * where t_k are the sizes of the tie groups (the tie correction: ties shrink
 * the variance of the mid-rank sum). The 0.5 continuity correction moves U
 * toward E[U] (two-sided), or in the direction of the alternative.
 *
 * Why the normal approximation rather than the exact distribution: the exact
 * null distribution is wrong under ties, and accuracies tie a lot. It is
 * close enough for 10+ runs per group; for very small groups (< ~8) prefer
 * the permutation test. If every value ties (zero variance) the data carry no
 * evidence: p = 1, z = 0.
 */
export function mannWhitneyU(a: readonly number[], b: readonly number[], opts: MannWhitneyOptions = {}): MannWhitneyResult {
  checkSample(a, "a");
  checkSample(b, "b");
  if (opts === null || typeof opts !== "object") throw new RangeError("opts must be an object");
  const alternative = checkAlternative(opts.alternative);

  const na = a.length;
  const nb = b.length;
  const n = na + nb;
  const pooled = [...a.map((v) => ({ v, inA: true })), ...b.map((v) => ({ v, inA: false }))].sort((x, y) => x.v - y.v);

  // Mid-ranks: a tie group at sorted positions i..j-1 (0-based) shares rank (i + 1 + j) / 2.
  let rankSumA = 0;
  let tieTerm = 0;
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && pooled[j].v === pooled[i].v) j++;
    const rank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (pooled[k].inA) rankSumA += rank;
    const t = j - i;
    tieTerm += t * t * t - t;
    i = j;
  }
  const u = rankSumA - (na * (na + 1)) / 2;
  const mu = (na * nb) / 2;
  const variance = ((na * nb) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (!(variance > 0)) return { u, z: 0, pValue: 1, alternative };

  const sigma = Math.sqrt(variance);
  const correction = alternative === "two-sided" ? 0.5 * Math.sign(u - mu) : alternative === "greater" ? 0.5 : -0.5;
  const z = (u - mu - correction) / sigma;
  let pValue: number;
  if (alternative === "two-sided") pValue = 2 * normalCdf(-Math.abs(z));
  else if (alternative === "greater") pValue = normalCdf(-z);
  else pValue = normalCdf(z);
  return { u, z, pValue: Math.min(1, pValue), alternative };
}

export interface PairedPermutationOptions {
  seed: SeedPart;
  permutations?: number;
  alternative?: Alternative;
}

/**
 * Paired (sign-flip) permutation test of the mean difference a_i - b_i, for
 * matched measurements such as one error rate per bAbI task with and without
 * noise. Under the null hypothesis each pair's difference is as likely to be
 * negative as positive, so we flip signs at random `permutations` times and
 * count means at least as extreme as the observed one; p as in
 * permutationTest (Phipson & Smyth 2010), with the same tie tolerance.
 * Pairs that tie (difference 0) carry no information and change nothing.
 */
export function pairedPermutationTest(a: readonly number[], b: readonly number[], opts: PairedPermutationOptions): PermutationTestResult {
  checkSample(a, "a");
  checkSample(b, "b");
  if (a.length !== b.length) throw new RangeError(`paired samples must have equal lengths; got ${a.length} and ${b.length}`);
  if (opts === null || typeof opts !== "object") throw new RangeError("opts must be an object with a seed");
  const { permutations = 10000, seed } = opts;
  const alternative = checkAlternative(opts.alternative);
  if (!Number.isInteger(permutations) || permutations < 100) throw new RangeError(`permutations must be an integer >= 100; got ${String(permutations)}`);
  checkSeed(seed);
  const d = a.map((x, i) => x - b[i]);
  const n = d.length;
  const observed = d.reduce((s, x) => s + x, 0) / n;
  const tol = 1e-12 * Math.max(Math.abs(observed), ...d.map(Math.abs));
  const next = uniformStream(seed, "stats/paired-permutation");
  let count = 0;
  for (let p = 0; p < permutations; p++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += next() < 0.5 ? -d[i] : d[i];
    const m = s / n;
    if (alternative === "two-sided" ? Math.abs(m) >= Math.abs(observed) - tol : alternative === "greater" ? m >= observed - tol : m <= observed + tol) count++;
  }
  return { observed, pValue: (count + 1) / (permutations + 1), permutations, alternative };
}

/**
 * Fisher's exact test of two proportions, `a` of `n` against `b` of `m` (e.g.
 * runs that left the plateau with and without noise): the two-sided p-value
 * sums the hypergeometric probabilities of every table with the same margins
 * that is no more likely than the observed one (R's fisher.test convention,
 * with its relative tolerance 1e-7 for ties).
 */
export function fisherExact(a: number, n: number, b: number, m: number): number {
  for (const [k, v] of Object.entries({ a, n, b, m })) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`fisherExact: ${k} must be a non-negative integer, got ${v}`);
  }
  if (a > n || b > m) throw new RangeError(`fisherExact: successes exceed trials (${a} of ${n}, ${b} of ${m})`);
  if (n === 0 || m === 0) throw new RangeError(`fisherExact: both groups need at least one trial (got ${n} and ${m})`);
  const k = a + b;
  const logChoose = (x: number, y: number) => logFactorial(x) - logFactorial(y) - logFactorial(x - y);
  const logP = (x: number) => logChoose(n, x) + logChoose(m, k - x) - logChoose(n + m, k);
  const observed = logP(a);
  let p = 0;
  for (let x = Math.max(0, k - m); x <= Math.min(n, k); x++) {
    const lp = logP(x);
    if (lp <= observed + Math.log1p(1e-7)) p += Math.exp(lp);
  }
  return Math.min(1, p);
}

function logFactorial(x: number): number {
  let s = 0;
  for (let i = 2; i <= x; i++) s += Math.log(i);
  return s;
}

/**
 * A p-value for a table: `digits` decimals, and "< 0.001" (for 3 digits) where
 * rounding would print zero, since a test never gives p = 0.
 */
export function formatP(p: number, digits = 3): string {
  if (!Number.isFinite(p)) return "n/a";
  const floor = 10 ** -digits;
  return p < floor / 2 ? `< ${floor.toFixed(digits)}` : p.toFixed(digits);
}
