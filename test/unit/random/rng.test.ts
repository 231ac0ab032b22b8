/**
 * Seeded Gaussian streams and permutations. Statistical checks use fixed keys
 * and tolerances of 4 standard errors, so a correct generator fails a check
 * with probability well under 1e-4 (and, with fixed keys, never flakes).
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { fillGaussian, gaussian, permutation, streamKey, uniformStream } from "../../../src/random/rng";
import { gradientNoiseKey } from "../../../src/noise/gradient-noise";

before(async () => {
  await tf.setBackend("cpu");
});

const N = 200_000;

function mean(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s / a.length;
}

function variance(a: ArrayLike<number>): number {
  const m = mean(a);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - m) * (a[i] - m);
  return s / (a.length - 1);
}

function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  const ma = mean(a);
  const mb = mean(b);
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < a.length; i++) {
    const da = a[i] - ma;
    const db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return sab / Math.sqrt(saa * sbb);
}

function sameBits(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) return false;
  return true;
}

describe("gaussian()", () => {
  test("returns a Float32Array of the requested length, all finite", () => {
    for (const n of [0, 1, 2, 3, 7, 1000]) {
      const g = gaussian(n, 1, "len", n);
      assert.ok(g instanceof Float32Array);
      assert.equal(g.length, n);
      for (const x of g) assert.ok(Number.isFinite(x));
    }
  });

  test("mean and variance of 200k draws match N(0, std^2) within 4 standard errors", () => {
    for (const [std, key] of [
      [1, ["stats", 1]],
      [2.5, ["stats", 2]],
      [0.1, gradientNoiseKey(7, 3, 120)],
    ] as Array<[number, Array<string | number>]>) {
      const g = gaussian(N, std, ...key);
      const m = mean(g);
      const v = variance(g);
      // SE of the mean = std / sqrt(n); SE of the sample variance ~ std^2 * sqrt(2 / n).
      const seMean = std / Math.sqrt(N);
      const seVar = std * std * Math.sqrt(2 / N);
      assert.ok(Math.abs(m) < 4 * seMean, `std ${std}: mean ${m} beyond 4 SE (${4 * seMean})`);
      assert.ok(Math.abs(v - std * std) < 4 * seVar, `std ${std}: variance ${v} vs ${std * std} beyond 4 SE (${4 * seVar})`);
    }
  });

  test("tails look Gaussian: fraction beyond 1, 2 and 3 std within 4 standard errors", () => {
    const std = 1.7;
    const g = gaussian(N, std, "tails", 11);
    // Two-sided normal tail probabilities P(|Z| > k) = erfc(k / sqrt 2).
    const expected: Array<[number, number]> = [
      [1, 0.31731050786291415],
      [2, 0.04550026389635844],
      [3, 0.0026997960632601913],
    ];
    for (const [k, p] of expected) {
      let c = 0;
      for (const x of g) if (Math.abs(x) > k * std) c++;
      const frac = c / N;
      const se = Math.sqrt((p * (1 - p)) / N); // binomial SE
      assert.ok(Math.abs(frac - p) < 4 * se, `P(|x| > ${k} std) = ${frac}, expected ${p} +- ${4 * se}`);
    }
    // Excess kurtosis ~ 0 (SE ~ sqrt(24 / n)).
    let m4 = 0;
    let m2 = 0;
    for (const x of g) {
      m2 += x * x;
      m4 += x * x * x * x;
    }
    m2 /= N;
    m4 /= N;
    const excess = m4 / (m2 * m2) - 3;
    assert.ok(Math.abs(excess) < 4 * Math.sqrt(24 / N), `excess kurtosis ${excess}`);
  });

  test("same key gives bit-identical draws", () => {
    const a = gaussian(10_001, 0.3, ...gradientNoiseKey(42, 2, 17));
    const b = gaussian(10_001, 0.3, ...gradientNoiseKey(42, 2, 17));
    assert.ok(sameBits(a, b));
    const c = fillGaussian(new Float32Array(10_001), 0.3, 42, "grad-noise", 2, 17);
    assert.ok(sameBits(a, c));
  });

  test("keys differing in seed, parameter or step give different draws", () => {
    const n = 1000;
    const base = gaussian(n, 1, ...gradientNoiseKey(42, 2, 17));
    const variants = [
      gaussian(n, 1, ...gradientNoiseKey(43, 2, 17)),
      gaussian(n, 1, ...gradientNoiseKey("42a", 2, 17)),
      gaussian(n, 1, ...gradientNoiseKey(42, 3, 17)),
      gaussian(n, 1, ...gradientNoiseKey(42, 2, 18)),
      gaussian(n, 1, 42, "weight-noise", 2, 17),
    ];
    for (const v of variants) {
      let equal = 0;
      for (let i = 0; i < n; i++) if (v[i] === base[i]) equal++;
      assert.ok(equal === 0, `${equal} identical elements between streams that should be independent`);
    }
  });

  test("streams of different parameters and of different steps are uncorrelated (|r| < 4/sqrt(n))", () => {
    const p0 = gaussian(N, 1, ...gradientNoiseKey(9, 0, 5));
    const p1 = gaussian(N, 1, ...gradientNoiseKey(9, 1, 5));
    const t6 = gaussian(N, 1, ...gradientNoiseKey(9, 0, 6));
    const bound = 4 / Math.sqrt(N);
    const rParam = pearson(p0, p1);
    const rStep = pearson(p0, t6);
    assert.ok(Math.abs(rParam) < bound, `param streams correlate: r = ${rParam}`);
    assert.ok(Math.abs(rStep) < bound, `step streams correlate: r = ${rStep}`);
    // Lag-1 correlation within a stream (Box-Muller pairs share a radius but are uncorrelated).
    const lagA = p0.subarray(0, N - 1);
    const lagB = p0.subarray(1);
    const rLag = pearson(lagA, lagB);
    assert.ok(Math.abs(rLag) < bound, `lag-1 autocorrelation r = ${rLag}`);
  });

  test("std scales the draws linearly; std 0 gives zeros", () => {
    const unit = gaussian(500, 1, "scale");
    const three = gaussian(500, 3, "scale");
    for (let i = 0; i < unit.length; i++) {
      // both are rounded to float32 once, so they agree to float32 precision
      assert.ok(Math.abs(three[i] - 3 * unit[i]) <= 1e-6 * Math.max(1, Math.abs(three[i])));
    }
    assert.ok(gaussian(10, 0, "zero").every((x) => x === 0));
  });
});

describe("permutation()", () => {
  test("is a permutation of 0..n-1", () => {
    for (const n of [0, 1, 2, 10, 1000]) {
      const p = permutation(n, "perm", n);
      assert.ok(p instanceof Int32Array);
      assert.equal(p.length, n);
      const sorted = Array.from(p).sort((a, b) => a - b);
      assert.deepEqual(sorted, Array.from({ length: n }, (_, i) => i));
    }
  });

  test("is deterministic per key, differs between keys, and shuffles", () => {
    const a = permutation(100, 3, "data", 0);
    const b = permutation(100, 3, "data", 0);
    const c = permutation(100, 3, "data", 1);
    assert.deepEqual(Array.from(a), Array.from(b));
    assert.notDeepEqual(Array.from(a), Array.from(c));
    let fixed = 0;
    for (let i = 0; i < 100; i++) if (a[i] === i) fixed++;
    // A uniform permutation has Poisson(1) fixed points; 100 would mean no shuffle.
    assert.ok(fixed < 10, `${fixed} fixed points`);
  });

  test("first element is uniform over 0..9 across 2000 keys (each count within 4 SE of 200)", () => {
    const counts = new Array(10).fill(0);
    for (let k = 0; k < 2000; k++) counts[permutation(10, "uniform", k)[0]]++;
    const se = Math.sqrt(2000 * 0.1 * 0.9);
    for (const c of counts) assert.ok(Math.abs(c - 200) < 4 * se, `counts ${counts}`);
  });
});

describe("key helpers", () => {
  test("streamKey joins parts with '/'", () => {
    assert.equal(streamKey(7, "grad-noise", 3, 120), "7/grad-noise/3/120");
    // The example in rng.ts's header: gradient noise for seed 7, parameter 3, step 120.
    assert.equal(streamKey(...gradientNoiseKey(7, 3, 120)), "7/grad-noise/3/120");
  });

  test("uniformStream is in [0,1) and deterministic", () => {
    const u1 = uniformStream("u", 1);
    const u2 = uniformStream("u", 1);
    for (let i = 0; i < 1000; i++) {
      const x = u1();
      assert.ok(x >= 0 && x < 1);
      assert.equal(x, u2());
    }
  });
});
