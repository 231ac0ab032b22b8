/**
 * Success counts (src/stats/proportions.ts): exact intervals and tests against
 * scipy.stats 1.17 (beta.ppf, binomtest, and a brute-force enumeration of the
 * paired test's power), the interval agreeing with its own p, the interval's
 * coverage by seeded simulation, and the power and detectable-rate helpers.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { binomialTwoSided, clopperPearson, detectableRate, pairedPower, pairedProportions } from "../../../src/stats/proportions";
import { uniformStream } from "../../../src/random";

const close = (a: number, b: number, tol: number, what = "") => assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b} (tolerance ${tol})`);

describe("success counts (reference values from scipy.stats 1.17)", () => {
  test("Clopper-Pearson intervals", () => {
    const [lo, hi] = clopperPearson(5, 10);
    close(lo, 0.18708602844739855, 1e-9, "5/10 low");
    close(hi, 0.8129139715526015, 1e-9, "5/10 high");
    assert.deepEqual(clopperPearson(0, 10)[0], 0);
    close(clopperPearson(0, 10)[1], 0.3084971078187607, 1e-9, "0/10 high");
    assert.equal(clopperPearson(10, 10)[1], 1);
    const [l9, h9] = clopperPearson(9, 216);
    close(l9, 0.01922692856938415, 1e-9, "9/216 low");
    close(h9, 0.07762022663329901, 1e-9, "9/216 high");
  });

  test("the exact binomial test", () => {
    close(binomialTwoSided(9, 10), 0.021484375, 1e-12, "9/10");
    close(binomialTwoSided(2, 12), 0.03857421875, 1e-12, "2/12");
    close(binomialTwoSided(30, 100), 7.85013964559367e-5, 1e-12, "30/100");
    assert.equal(binomialTwoSided(5, 10), 1);
  });

  test("bad counts are named errors", () => {
    assert.throws(() => clopperPearson(3, 2), /successes must be an integer in \[0, 2\]/);
    assert.throws(() => clopperPearson(1, 0), /trials must be a positive integer/);
    assert.throws(() => clopperPearson(1, 4, 1.5), /level must be in/);
    assert.throws(() => pairedProportions([true], [true, false]), /must pair up/);
    assert.throws(() => pairedProportions([], []), /no pairs/);
    assert.throws(() => pairedProportions([1 as unknown as boolean], [true]), /a\[0\] must be a boolean/);
    assert.throws(() => pairedPower(1.2, 0, 10), /rateA must be a rate/);
  });
});

describe("paired comparison (exact McNemar)", () => {
  test("counts, rates, p and the smallest reachable p", () => {
    // 10 pairs: A alone succeeds in 6, B alone in 0, both in 1.
    const a = [true, true, true, true, true, true, true, false, false, false];
    const b = [false, false, false, false, false, false, true, false, false, false];
    const r = pairedProportions(a, b);
    assert.equal(r.a.k, 7);
    assert.equal(r.b.k, 1);
    assert.equal(r.onlyA, 6);
    assert.equal(r.onlyB, 0);
    close(r.diff, 0.6, 1e-12);
    close(r.p, 2 * 0.5 ** 6, 1e-12, "p");
    close(r.minP, 2 * 0.5 ** 10, 1e-15, "minP");
    assert.ok(r.interval[0] > 0 && r.interval[0] <= r.diff && r.diff <= r.interval[1], `interval ${r.interval}`);
    // Three pairs can never reach p < 0.05.
    assert.ok(pairedProportions([true, true, true], [false, false, false]).minP >= 0.05);
  });

  test("no discordant pair gives a wide interval, not a certain zero", () => {
    const r = pairedProportions([false, false, false], [false, false, false]);
    assert.equal(r.p, 1);
    assert.ok(r.interval[0] < -0.5 && r.interval[1] > 0.5, `interval ${r.interval}`);
  });

  test("the interval excludes 0 exactly when p < 0.05", () => {
    const rand = uniformStream("proportions-consistency");
    for (let trial = 0; trial < 400; trial++) {
      const n = 5 + Math.floor(rand() * 60);
      const ra = rand(), rb = rand();
      const a = Array.from({ length: n }, () => rand() < ra);
      const b = Array.from({ length: n }, () => rand() < rb);
      const r = pairedProportions(a, b);
      const excludes = r.interval[0] > 0 || r.interval[1] < 0;
      assert.equal(excludes, r.p < 0.05, `n ${n}, onlyA ${r.onlyA}, onlyB ${r.onlyB}: p ${r.p}, interval ${r.interval}`);
    }
  });

  test("the interval covers the true difference at least 95% of the time (seeded simulation, 1000 draws per case, tolerance 1.5 points)", () => {
    for (const [ra, rb, n] of [[0.05, 0.01, 100], [0.3, 0.1, 30], [0.5, 0.5, 20]] as const) {
      const rand = uniformStream("proportions-coverage", ra, rb, n);
      let covered = 0;
      const draws = 1000;
      for (let d = 0; d < draws; d++) {
        const a = Array.from({ length: n }, () => rand() < ra);
        const b = Array.from({ length: n }, () => rand() < rb);
        const r = pairedProportions(a, b);
        if (r.interval[0] <= ra - rb && ra - rb <= r.interval[1]) covered++;
      }
      assert.ok(covered / draws >= 0.935, `coverage ${covered / draws} at rates ${ra}, ${rb}, n ${n}`);
    }
  });

  test("power matches a brute-force enumeration (scipy) and detectable rates reach it", () => {
    close(pairedPower(0.5, 0.1, 20), 0.6937163348590019, 1e-9, "0.5 vs 0.1, n 20");
    close(pairedPower(0.3, 0.05, 50), 0.8966013751142868, 1e-9, "0.3 vs 0.05, n 50");
    close(pairedPower(0.11, 0.013, 100), 0.7919533689161614, 1e-9, "Table 4 rates, n 100");
    assert.equal(pairedPower(0.2, 0.2, 3), 0, "three pairs never reject");
    const r = detectableRate(0.01, 100);
    assert.ok(pairedPower(r, 0.01, 100) >= 0.8, `power at ${r}`);
    assert.ok(pairedPower(r - 0.01, 0.01, 100) < 0.8, `power just below ${r}`);
    assert.ok(Number.isNaN(detectableRate(0.5, 3)), "three pairs cannot detect anything");
  });
});
