/**
 * Statistics for comparing runs. Expected values are computed by hand in the
 * comments, or are published values (normal table; SciPy's documented
 * mannwhitneyu example). Monte Carlo checks use fixed seeds and tolerances of
 * 4 standard errors, so they are deterministic and a correct implementation
 * would fail one with probability under 1e-4 over a change of seed.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { gaussian } from "../../../src/random/rng";
import { bootstrapCI, erfc, fisherExact, formatP, mannWhitneyU, mean, median, normalCdf, permutationTest, quantile, slope, std } from "../../../src/stats";

const close = (actual: number, expected: number, tol: number, what = "") =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what} ${actual} is not within ${tol} of ${expected}`);

describe("summary statistics", () => {
  // sorted: 1 1 2 3 4 5 6 9 (n = 8), sum 31
  const xs = [3, 1, 4, 1, 5, 9, 2, 6];

  test("mean and median by hand", () => {
    assert.equal(mean(xs), 31 / 8);
    assert.equal(median(xs), 3.5); // (3 + 4) / 2
    assert.equal(median([5, 1, 3]), 3);
    assert.equal(median([7]), 7);
  });

  test("type-7 quantiles by hand: h = (n - 1) q, interpolate x[floor h] .. x[floor h + 1]", () => {
    assert.equal(quantile(xs, 0), 1);
    assert.equal(quantile(xs, 1), 9);
    close(quantile(xs, 0.25), 1.75, 1e-12); // h = 1.75: 1 + 0.75 (2 - 1)
    close(quantile(xs, 0.9), 6.9, 1e-12); // h = 6.3: 6 + 0.3 (9 - 6)
    assert.equal(quantile(xs, 0.5), 3.5);
    assert.deepEqual(xs, [3, 1, 4, 1, 5, 9, 2, 6], "input must not be sorted in place");
  });

  test("sample standard deviation uses n - 1", () => {
    // mean 5; squared deviations 9 1 1 1 0 0 4 16 sum to 32; 32 / 7
    close(std([2, 4, 4, 4, 5, 5, 7, 9]), Math.sqrt(32 / 7), 1e-12);
    close(std([1, 2]), Math.SQRT1_2, 1e-15); // deviations +-0.5: (0.25 + 0.25) / 1
  });

  test("ties at a chance-level accuracy give that value back exactly", () => {
    const stuck = Array(10).fill(0.1135);
    assert.equal(mean(stuck), 0.1135);
    assert.equal(std(stuck), 0);
    assert.equal(median(stuck), 0.1135);
  });

  test("least-squares slope by hand, exact far from zero, and its errors", () => {
    // x mean 1.5, y = 2 + 3x exactly: slope 3.
    assert.equal(slope([0, 1, 2, 3], [2, 5, 8, 11]), 3);
    // x 0 1 2, y 1 3 2: sxy = (-1)(-1) + 0 + (1)(0) = 1, sxx = 2.
    assert.equal(slope([0, 1, 2], [1, 3, 2]), 0.5);
    // Centring first: values near 1e8 rising 0.5 per 0.1 still give 5 (sum(xy) - n mx my would lose ~1e-8 x 3e7).
    close(slope([0, 0.1, 0.2], [1e8, 1e8 + 0.5, 1e8 + 1]), 5, 1e-9);
    assert.throws(() => slope([1, 1], [2, 3]), /two distinct xs/);
    assert.throws(() => slope([1, 2], [2]), /2 xs vs 1 ys/);
    assert.throws(() => slope([1, 2], [2, NaN]), /ys\[1\] is NaN/);
  });

  test("errors name the argument", () => {
    assert.throws(() => mean([]), { name: "RangeError", message: /xs must be non-empty/ });
    assert.throws(() => mean([1, NaN]), { name: "RangeError", message: /xs\[1\] is NaN/ });
    assert.throws(() => std([1]), { name: "RangeError", message: /xs must hold at least 2/ });
    assert.throws(() => quantile([1, 2], 1.5), { name: "RangeError", message: /q must be/ });
    assert.throws(() => median([1, Infinity]), { name: "RangeError", message: /xs\[1\] is Infinity/ });
  });
});

describe("normal CDF", () => {
  test("published values to 1e-6 (and far tighter)", () => {
    assert.equal(normalCdf(0), 0.5);
    close(normalCdf(1.96), 0.9750021, 1e-6);
    close(normalCdf(-3), 0.0013499, 1e-6);
    // More digits (Abramowitz & Stegun table 26.1 / any 15-digit table):
    close(normalCdf(1.96), 0.9750021048517795, 1e-14);
    close(normalCdf(-3), 0.0013498980316300946, 1e-15);
    close(normalCdf(1), 0.8413447460685429, 1e-14);
    close(erfc(1), 0.1572992070502851, 1e-15);
    // One point in each of Cody's three ranges (|x| <= 0.46875, <= 4, > 4), 15-digit table values.
    close(erfc(0.3), 0.6713732405408726, 1e-15);
    close(erfc(2.5) / 4.069520174449590e-4, 1, 1e-13);
    close(erfc(5) / 1.537459794428035e-12, 1, 1e-13);
  });

  test("relative accuracy holds in the far tail, where 1 + erf would round to 0", () => {
    // Phi(-8) = 6.220960574271784e-16
    close(normalCdf(-8) / 6.220960574271784e-16, 1, 1e-12);
    close(normalCdf(8), 1, 1e-15);
    assert.equal(normalCdf(-40), 0);
  });

  test("symmetry: Phi(x) + Phi(-x) = 1", () => {
    for (const x of [0.1, 0.46875, 0.5, 1.3, 3.9, 4.2, 6.5]) close(normalCdf(x) + normalCdf(-x), 1, 2e-16, `x=${x}`);
  });
});

describe("Mann-Whitney U", () => {
  test("U counts pairs a_i > b_j plus half ties", () => {
    assert.equal(mannWhitneyU([1, 2, 3], [4, 5, 6]).u, 0);
    assert.equal(mannWhitneyU([4, 5, 6], [1, 2, 3]).u, 9);
    // 1 vs 2, 1 vs 3: 0; 2 vs 2: 1/2 (twice); 2 vs 3: 0 (twice)
    assert.equal(mannWhitneyU([1, 2, 2], [2, 3]).u, 1);
    // 0.1135 vs 0.1135: 1/2 (twice); 0.98 beats both b values: 2
    assert.equal(mannWhitneyU([0.1135, 0.1135, 0.98], [0.1135, 0.97]).u, 3);
  });

  test("normal approximation by hand, without ties", () => {
    // mu = 9/2; Var = 9/12 * 7 = 5.25; z = (0 - 4.5 + 0.5) / sqrt(5.25)
    const r = mannWhitneyU([1, 2, 3], [4, 5, 6]);
    close(r.z, -4 / Math.sqrt(5.25), 1e-14);
    close(r.pValue, 2 * normalCdf(-4 / Math.sqrt(5.25)), 1e-15);
    close(r.pValue, 0.0808556, 1e-6); // SciPy: mannwhitneyu([1, 2, 3], [4, 5, 6], method="asymptotic").pvalue = 0.0808556
    close(mannWhitneyU([1, 2, 3], [4, 5, 6], { alternative: "less" }).pValue, 0.0404278, 1e-6);
  });

  test("tie correction by hand", () => {
    // pooled 1 2 2 2 3: one tie group of 3, sum(t^3 - t) = 24, N = 5
    // Var = 6/12 * (6 - 24 / 20) = 2.4; mu = 3; z = (1 - 3 + 0.5) / sqrt(2.4)
    const r = mannWhitneyU([1, 2, 2], [2, 3]);
    close(r.z, -1.5 / Math.sqrt(2.4), 1e-14);
    close(r.pValue, 2 * normalCdf(-1.5 / Math.sqrt(2.4)), 1e-15);
    // One-sided: "greater" corrects by +0.5, z = (1 - 3 - 0.5) / sqrt(2.4)
    const g = mannWhitneyU([1, 2, 2], [2, 3], { alternative: "greater" });
    close(g.z, -2.5 / Math.sqrt(2.4), 1e-14);
    close(g.pValue, normalCdf(2.5 / Math.sqrt(2.4)), 1e-15);
  });

  test("SciPy's documented example (males vs females, method='asymptotic')", () => {
    const r = mannWhitneyU([19, 22, 16, 29, 24], [20, 11, 17, 12]);
    assert.equal(r.u, 17);
    close(r.pValue, 0.11134688653314041, 1e-9);
  });

  test("clear separation, 10 vs 10, is significant; alternatives point the right way", () => {
    const hi = Array.from({ length: 10 }, (_, i) => 0.9 + i / 100);
    const lo = Array.from({ length: 10 }, (_, i) => 0.5 + i / 100);
    const two = mannWhitneyU(hi, lo);
    assert.equal(two.u, 100);
    assert.ok(two.pValue < 0.001, `p = ${two.pValue}`);
    const greater = mannWhitneyU(hi, lo, { alternative: "greater" });
    close(greater.pValue, two.pValue / 2, 1e-15);
    assert.ok(mannWhitneyU(hi, lo, { alternative: "less" }).pValue > 0.999);
    assert.equal(mannWhitneyU(lo, hi).u, 0);
    close(mannWhitneyU(lo, hi).pValue, two.pValue, 1e-15);
  });

  test("identical groups give p = 1; all values tied gives p = 1 and z = 0", () => {
    const same = mannWhitneyU([1, 2, 3], [1, 2, 3]);
    assert.equal(same.u, 4.5);
    assert.equal(same.pValue, 1);
    assert.equal(same.z, 0);
    const stuck = mannWhitneyU(Array(5).fill(0.1135), Array(7).fill(0.1135));
    assert.deepEqual(stuck, { u: 17.5, z: 0, pValue: 1, alternative: "two-sided" });
    assert.equal(mannWhitneyU([0.1135], [0.1135], { alternative: "greater" }).pValue, 1);
  });

  test("errors name the argument", () => {
    assert.throws(() => mannWhitneyU([], [1]), { name: "RangeError", message: /a must be non-empty/ });
    assert.throws(() => mannWhitneyU([1], [NaN]), { name: "RangeError", message: /b\[0\] is NaN/ });
    assert.throws(() => mannWhitneyU([1], [2], { alternative: "bigger" as never }), { name: "RangeError", message: /alternative must be one of/ });
  });
});

describe("permutation test", () => {
  const N = 20000;
  const within4se = (p: number, exact: number, what: string) => close(p, exact, 4 * Math.sqrt((exact * (1 - exact)) / N) + 1 / (N + 1), what);

  test("a = [1, 2], b = [3, 4]: matches full enumeration of the 6 splits", () => {
    // a-side pairs and mean(a) - mean(b): {1,2} -2, {1,3} -1, {1,4} 0, {2,3} 0, {2,4} 1, {3,4} 2.
    // observed -2. two-sided |d| >= 2: 2/6; greater d >= -2: 6/6; less d <= -2: 1/6.
    const two = permutationTest([1, 2], [3, 4], { permutations: N, seed: "perm-1234" });
    assert.equal(two.observed, -2);
    assert.equal(two.alternative, "two-sided");
    assert.equal(two.permutations, N);
    within4se(two.pValue, 2 / 6, "two-sided");
    assert.equal(permutationTest([1, 2], [3, 4], { alternative: "greater", permutations: N, seed: 1 }).pValue, 1);
    within4se(permutationTest([1, 2], [3, 4], { alternative: "less", permutations: N, seed: 2 }).pValue, 1 / 6, "less");
  });

  test("float ties count as extreme: a = [0.2, 0.98], b = [0.2, 0.1135]", () => {
    // In 1e-4 units the pool is 2000 9800 2000 1135 (total 14935); observed (11800 - 3135) / 2 = 4332.5.
    // a-side index pairs: {0,1} +4332.5, {0,2} -3467.5, {0,3} -4332.5, {1,2} +4332.5, {1,3} +3467.5, {2,3} -4332.5.
    // two-sided: 4/6; greater: 2/6; less: 6/6. In doubles, the {0,3} split gives -0.43324999999999986
    // against the observed 0.43325, so without the tolerance the two-sided p would be about 2/6.
    const a = [0.2, 0.98];
    const b = [0.2, 0.1135];
    within4se(permutationTest(a, b, { permutations: N, seed: "ties" }).pValue, 4 / 6, "two-sided");
    within4se(permutationTest(a, b, { alternative: "greater", permutations: N, seed: "ties" }).pValue, 2 / 6, "greater");
    assert.equal(permutationTest(a, b, { alternative: "less", permutations: N, seed: "ties" }).pValue, 1);
  });

  test("deterministic by seed; another seed gives another estimate", () => {
    const a = [0.97, 0.98, 0.1135, 0.96, 0.975];
    const b = [0.1135, 0.95, 0.1135, 0.94, 0.96];
    const r1 = permutationTest(a, b, { seed: 42 });
    assert.deepEqual(permutationTest(a, b, { seed: 42 }), r1);
    assert.notEqual(permutationTest(a, b, { seed: 43 }).pValue, r1.pValue);
    assert.equal(r1.permutations, 10000);
  });

  test("p is never 0, even for complete separation", () => {
    const hi = Array.from({ length: 10 }, (_, i) => 0.9 + i / 100);
    const lo = Array.from({ length: 10 }, (_, i) => 0.5 + i / 100);
    const r = permutationTest(hi, lo, { permutations: 1000, seed: "sep" });
    close(r.observed, 0.4, 1e-12);
    assert.ok(r.pValue > 0);
    assert.ok(r.pValue < 0.01, `p = ${r.pValue}`); // exact two-sided p = 2 / C(20, 10) = 1.1e-5
    const count = r.pValue * 1001 - 1;
    assert.ok(Math.abs(count - Math.round(count)) < 1e-9 && Math.round(count) >= 0, "p = (count + 1) / (permutations + 1)");
  });

  test("errors name the argument", () => {
    assert.throws(() => permutationTest([], [1], { seed: 1 }), { name: "RangeError", message: /a must be non-empty/ });
    assert.throws(() => permutationTest([1], [Infinity], { seed: 1 }), { name: "RangeError", message: /b\[0\] is Infinity/ });
    assert.throws(() => permutationTest([1], [2], { seed: 1, permutations: 99 }), { name: "RangeError", message: /permutations must be an integer >= 100/ });
    assert.throws(() => permutationTest([1], [2], { seed: 1, alternative: "up" as never }), { name: "RangeError", message: /alternative must be one of/ });
    assert.throws(() => permutationTest([1], [2], { seed: 1, statistic: "median" as never }), { name: "RangeError", message: /statistic must be/ });
    assert.throws(() => permutationTest([1], [2], {} as never), { name: "RangeError", message: /seed must be/ });
  });
});

describe("percentile bootstrap", () => {
  const draws = Array.from(gaussian(200, 1, "stats-test", "bootstrap-200"));

  test("deterministic by seed; another seed moves the ends", () => {
    const r1 = bootstrapCI(draws, { seed: 7 });
    assert.deepEqual(bootstrapCI(draws, { seed: 7 }), r1);
    const r2 = bootstrapCI(draws, { seed: 8 });
    assert.notEqual(r2.low, r1.low);
    assert.equal(r2.estimate, r1.estimate);
    assert.equal(r1.level, 0.95);
    assert.equal(r1.resamples, 10000);
  });

  test("n = 200 from N(0, 1): the CI holds the sample mean and is about 2 * 1.96 * s / sqrt(n) wide", () => {
    const r = bootstrapCI(draws, { seed: "width" });
    const m = mean(draws);
    assert.equal(r.estimate, m);
    assert.ok(r.low < m && m < r.high, JSON.stringify(r));
    const normalWidth = (2 * 1.96 * std(draws)) / Math.sqrt(draws.length);
    const width = r.high - r.low;
    assert.ok(Math.abs(width / normalWidth - 1) < 0.2, `width ${width} vs normal-theory ${normalWidth}`);
    // Each end sits about 1.96 standard errors from the mean (a 90% end would be at 1.645, 16% short).
    for (const half of [m - r.low, r.high - m]) assert.ok(Math.abs(half / (normalWidth / 2) - 1) < 0.1, `half-width ${half}`);
  });

  test("resamples draw every value with probability 1/n", () => {
    // 2000 resamples of 5 values: 10000 draws, each value's share has SE sqrt(0.2 * 0.8 / 10000) = 0.004.
    const counts = [0, 0, 0, 0, 0];
    bootstrapCI([0, 1, 2, 3, 4], {
      statistic: (xs) => {
        for (const x of xs) counts[x]++;
        return 0;
      },
      resamples: 2000,
      seed: "uniform-indices",
    });
    const total = counts.reduce((x, y) => x + y, 0);
    assert.equal(total, 10000 + 5); // plus the estimate on the original sample
    for (let v = 0; v < 5; v++) close((counts[v] - 1) / 10000, 0.2, 4 * 0.004, `share of ${v}`);
    // With two values the resampled means are 0, 1/2, 1 with probabilities 1/4, 1/2, 1/4: a 90% CI spans [0, 1].
    const two = bootstrapCI([0, 1], { level: 0.9, seed: "two" });
    assert.deepEqual([two.low, two.estimate, two.high], [0, 0.5, 1]);
  });

  test("coverage of the true mean over 200 samples of n = 30 is near 95%", () => {
    // The percentile bootstrap slightly under-covers at n = 30: it uses the
    // plug-in variance (divisor n) and normal rather than t quantiles. A
    // 4000-sample run of this check gave 94.3%; these 200 samples give 93.5%.
    // The band [0.88, 0.99] is > 3 binomial SEs (0.017 at p = 0.94) each side.
    let covered = 0;
    const trials = 200;
    for (let t = 0; t < trials; t++) {
      const xs = Array.from(gaussian(30, 1, "stats-test", "coverage", t));
      const r = bootstrapCI(xs, { resamples: 1000, seed: `coverage/${t}` });
      if (r.low <= 0 && 0 <= r.high) covered++;
    }
    const frac = covered / trials;
    assert.ok(frac >= 0.88 && frac <= 0.99, `coverage ${frac}`);
  });

  test("other statistics and levels; a sample of ties gives a zero-width interval", () => {
    const r = bootstrapCI(draws, { statistic: median, level: 0.9, resamples: 2000, seed: 3 });
    assert.equal(r.estimate, median(draws));
    assert.ok(r.low <= r.estimate && r.estimate <= r.high);
    assert.equal(r.level, 0.9);
    const wide = bootstrapCI(draws, { statistic: median, level: 0.99, resamples: 2000, seed: 3 });
    assert.ok(wide.high - wide.low > r.high - r.low);
    assert.deepEqual(bootstrapCI(Array(12).fill(0.1135), { seed: 1, resamples: 500 }), {
      estimate: 0.1135,
      low: 0.1135,
      high: 0.1135,
      level: 0.95,
      resamples: 500,
    });
  });

  test("errors name the argument", () => {
    assert.throws(() => bootstrapCI([], { seed: 1 }), { name: "RangeError", message: /xs must be non-empty/ });
    assert.throws(() => bootstrapCI([0.5, NaN], { seed: 1 }), { name: "RangeError", message: /xs\[1\] is NaN/ });
    for (const level of [0, 1, 1.5, -0.1, NaN]) {
      assert.throws(() => bootstrapCI([1, 2], { seed: 1, level }), { name: "RangeError", message: /level must be a number in \(0, 1\)/ });
    }
    for (const resamples of [99, 0, 1000.5]) {
      assert.throws(() => bootstrapCI([1, 2], { seed: 1, resamples }), { name: "RangeError", message: /resamples must be an integer >= 100/ });
    }
    assert.throws(() => bootstrapCI([1, 2], {} as never), { name: "RangeError", message: /seed must be/ });
    assert.throws(() => bootstrapCI([1, 2], { seed: 1, statistic: () => NaN }), { name: "RangeError", message: /statistic returned NaN/ });
  });
});

describe("Fisher's exact test", () => {
  test("matches hand-computed hypergeometric sums and R's fisher.test", () => {
    // R: fisher.test(matrix(c(3, 1, 1, 3), 2))$p.value = 0.4857143 (the tea-tasting table).
    assert.ok(Math.abs(fisherExact(3, 4, 1, 4) - 0.4857143) < 1e-6);
    // All against none: only the two extreme tables are as unlikely, p = 2 / C(2n, n).
    assert.ok(Math.abs(fisherExact(4, 4, 0, 4) - 2 / 70) < 1e-12);
    assert.ok(Math.abs(fisherExact(10, 10, 0, 10) - 2 / 184756) < 1e-12);
    // 5 of 10 against 0 of 10: (2 * C(10,5)) / C(20,5) = 504 / 15504.
    assert.ok(Math.abs(fisherExact(5, 10, 0, 10) - 504 / 15504) < 1e-12);
  });

  test("symmetric in the groups and in success/failure; equal proportions give 1", () => {
    assert.ok(Math.abs(fisherExact(2, 7, 6, 9) - fisherExact(6, 9, 2, 7)) < 1e-12);
    assert.ok(Math.abs(fisherExact(2, 7, 6, 9) - fisherExact(5, 7, 3, 9)) < 1e-12);
    assert.ok(Math.abs(fisherExact(3, 6, 3, 6) - 1) < 1e-12);
  });

  test("bad counts are refused", () => {
    assert.throws(() => fisherExact(5, 4, 0, 4), /successes exceed trials/);
    assert.throws(() => fisherExact(1.5, 4, 0, 4), /a must be a non-negative integer/);
    assert.throws(() => fisherExact(0, 0, 0, 4), /at least one trial/);
  });
});

test("formatP never prints a p-value of zero", () => {
  assert.equal(formatP(0.0342), "0.034");
  assert.equal(formatP(0.0342, 4), "0.0342");
  assert.equal(formatP(1.1e-5), "< 0.001");
  assert.equal(formatP(1.1e-5, 4), "< 0.0001");
  assert.equal(formatP(0.0004), "< 0.001");
  assert.equal(formatP(0.0005), "0.001", "rounds up to the floor: printed as is");
  assert.equal(formatP(1), "1.000");
  assert.equal(formatP(NaN), "n/a");
});
