/**
 * The t tests in gradnoise.stats (src/stats/ttest.ts) against reference values
 * from scipy.stats 1.17: the t distribution's tail and quantile, the
 * regularized incomplete beta function, the paired t test and t interval, and
 * Welch's two-sample test and interval. (Moved from the language-model
 * experiments' tests, which use these tests but do not own them.)
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { pairedTTest, regularizedBeta, studentTQuantile, studentTTwoSided, tInterval, welchInterval, welchTTest } from "../../../src/stats/ttest";

const close = (a: number, b: number, tol: number, what = "") => assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b} (tolerance ${tol})`);

describe("t tests (reference values from scipy.stats 1.17)", () => {
  test("the t distribution's two-sided tail and quantile", () => {
    close(studentTTwoSided(2.5, 7), 0.04099221858575289, 1e-10, "t 2.5, df 7");
    close(studentTTwoSided(0.3, 1), 0.8144528418445154, 1e-10, "t 0.3, df 1");
    close(studentTTwoSided(10, 30), 4.575251408229618e-11, 1e-15, "t 10, df 30");
    assert.equal(studentTTwoSided(0, 5), 1);
    assert.equal(studentTTwoSided(Infinity, 5), 0);
    close(studentTQuantile(0.05, 2), 4.302652729749462, 1e-8, "q 0.975, df 2");
    close(studentTQuantile(0.05, 10), 2.228138851986274, 1e-8, "q 0.975, df 10");
    close(regularizedBeta(0.3, 2.5, 0.5), 0.018927124071945658, 1e-12, "I_0.3(2.5, 0.5)");
  });

  test("paired t test and t interval", () => {
    const r = pairedTTest([1, 2, 3, 4.5], [0, 0.5, 0, 0]);
    close(r.t, 3.162277660168379, 1e-9, "t");
    close(r.p, 0.05078186628649378, 1e-9, "p");
    close(r.low, -0.015944713971017155, 1e-7, "low");
    close(r.high, 5.015944713971017, 1e-7, "high");
    assert.equal(r.df, 3);
    const iv = tInterval([100, 104, 109]);
    close(iv.low, 93.13173597064512, 1e-7, "interval low");
    close(iv.high, 115.53493069602153, 1e-7, "interval high");
    // Identical differences: no spread, the difference itself.
    assert.deepEqual([pairedTTest([2, 3], [1, 2]).p, pairedTTest([1, 2], [1, 2]).p], [0, 1]);
    assert.throws(() => pairedTTest([1], [2]), /at least 2 pairs/);
    assert.throws(() => pairedTTest([1, 2], [2]), /pairs must match/);
  });

  test("Welch's two-sample t test: unequal sizes and variances, fractional df", () => {
    // scipy.stats.ttest_ind(a, b, equal_var=False) and its confidence_interval(0.95).
    const r = welchTTest([1, 2, 3, 4], [0.5, 0.7]);
    close(r.difference, 1.9, 1e-12, "difference");
    close(r.t, 2.9087690695550243, 1e-9, "t");
    close(r.df, 3.14030155890621, 1e-9, "df");
    close(r.p, 0.05870413600545286, 1e-8, "p");
    close(r.low, -0.12719916829921107, 1e-7, "low");
    close(r.high, 3.927199168299211, 1e-7, "high");
    // Bimodal accuracies (runs stuck at 11% or trained to ~95%), as in Table 1.
    const s = welchTTest([0.93, 0.95, 0.11, 0.94, 0.96, 0.11], [0.11, 0.11, 0.12, 0.11, 0.5, 0.11]);
    close(s.p, 0.03811340590581024, 1e-8, "p");
    assert.deepEqual(welchInterval([1, 2, 3, 4], [0.5, 0.7]), [r.low, r.high], "welchInterval is the test's interval");
    assert.deepEqual(welchInterval([1], [0.5, 0.7]), [-Infinity, Infinity], "one value on a side bounds nothing");
    close(s.low, 0.036656012085005185, 1e-7, "low");
    close(s.high, 0.9433439879149947, 1e-7, "high");
    assert.deepEqual([welchTTest([3, 3], [1, 1, 1]).p, welchTTest([3, 3], [3, 3]).p], [0, 1]);
    assert.throws(() => welchTTest([1], [2, 3]), /at least 2 values in each sample, got 1 and 2/);
    assert.throws(() => welchTTest([1, NaN], [2, 3]), /finite/);
  });
});
