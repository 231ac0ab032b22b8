/**
 * Gradient transforms: clipping, chaining, and the gradient-noise transform's
 * semantics (Eq. 1 of Neelakantan et al.: g_t <- g_t + N(0, eta / (1+t)^gamma),
 * added after clipping, t = 0 on the first update, eta a variance).
 *
 * Expected values are computed in plain JS (doubles); the library computes in
 * float32, so comparisons use a stated float32-level tolerance.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { chain, GradientTransform, StepContext } from "../../../src/noise/transform";
import { clipByGlobalNorm, clipByNorm, clipByValue, globalNorm } from "../../../src/noise/clip";
import { addGradientNoise, gradientNoiseKey } from "../../../src/noise/gradient-noise";
import { addWeightNoise, weightNoiseKey } from "../../../src/noise/weight-noise";
import { withTransforms } from "../../../src/noise/optimizer";
import { gaussian } from "../../../src/random/rng";
import { constant } from "../../../src/noise/schedule";

before(async () => {
  await tf.setBackend("cpu");
});

let counter = 0;
/** Variable names must be unique in the tfjs engine; non-numeric names keep Object.keys order = insertion order. */
function uniq(base: string): string {
  return `transforms-${base}-${counter++}`;
}

function ctxFor(names: string[], step = 0, runs?: number): StepContext {
  return { step, names, paramIndex: (n) => names.indexOf(n), runs, skipUpdateUnless: () => undefined };
}

/** max |a_i - b_i| <= tol * max(1, |b_i|) */
function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what = ""): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    assert.ok(
      err <= tol * Math.max(1, Math.abs(expected[i])),
      `${what}[${i}]: got ${actual[i]}, expected ${expected[i]} (tol ${tol})`,
    );
  }
}

function l2(...arrays: number[][]): number {
  let s = 0;
  for (const a of arrays) for (const x of a) s += x * x;
  return Math.sqrt(s);
}

function sampleStd(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m += a[i];
  m /= a.length;
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - m) ** 2;
  return Math.sqrt(s / (a.length - 1));
}

/** Runs a transform on plain arrays and returns plain arrays. */
function runTransform(t: GradientTransform, grads: Record<string, { values: number[]; shape: number[] }>, step = 0, runs?: number): Record<string, number[]> {
  const names = Object.keys(grads);
  return tf.tidy(() => {
    const input: tf.NamedTensorMap = {};
    for (const n of names) input[n] = tf.tensor(grads[n].values, grads[n].shape);
    const out = t.transformGradients!(input, ctxFor(names, step, runs));
    const res: Record<string, number[]> = {};
    for (const n of names) {
      assert.deepEqual(out[n].shape, grads[n].shape, `${n} keeps its shape`);
      res[n] = Array.from(out[n].dataSync());
    }
    return res;
  });
}

describe("clipping", () => {
  // a has norm 5 (3-4-5), b has norm 12; global norm sqrt(25 + 144) = 13.
  const a = [3, 4];
  const b = [0, -12, 0, 0];
  const grads = { a: { values: a, shape: [2] }, b: { values: b, shape: [2, 2] } };

  test("globalNorm matches the hand-computed L2 norm", () => {
    const n = tf.tidy(() => globalNorm([tf.tensor(a), tf.tensor(b, [2, 2])]).dataSync()[0]);
    assert.ok(Math.abs(n - 13) < 1e-5);
  });

  test("clipByGlobalNorm rescales to exactly maxNorm when above", () => {
    const maxNorm = 6.5;
    const out = runTransform(clipByGlobalNorm(maxNorm), grads);
    const scale = maxNorm / l2(a, b); // = 0.5
    assertClose(out.a, a.map((x) => x * scale), 1e-6, "a");
    assertClose(out.b, b.map((x) => x * scale), 1e-6, "b");
    assert.ok(Math.abs(l2(out.a, out.b) - maxNorm) < 1e-5, `global norm after clip ${l2(out.a, out.b)}`);
    // Direction is preserved: the ratio a/b of the first nonzero entries is unchanged.
    assert.ok(Math.abs(out.a[1] / out.b[1] - a[1] / b[1]) < 1e-6);
  });

  test("clipByGlobalNorm leaves gradients below (or at) maxNorm unchanged", () => {
    for (const maxNorm of [13, 13.5, 100]) {
      const out = runTransform(clipByGlobalNorm(maxNorm), grads);
      assertClose(out.a, a, 1e-6, `a@${maxNorm}`);
      assertClose(out.b, b, 1e-6, `b@${maxNorm}`);
    }
  });

  test("clipByGlobalNorm with a huge gradient", () => {
    const g = [1e6, -2e6, 3e6, 0, 5e5, -4e6];
    const out = runTransform(clipByGlobalNorm(1), { g: { values: g, shape: [2, 3] } });
    const n = l2(g);
    assertClose(out.g, g.map((x) => x / n), 1e-6, "g");
    assert.ok(Math.abs(l2(out.g) - 1) < 1e-6);
  });

  test("gradients past float32's sum-of-squares range are rescaled, not zeroed", () => {
    // (2e19)^2 overflows float32 (max ~3.4e38): a naive sqrt(sum(g^2)) is Infinity and c / Infinity = 0.
    const g = [2e19, 0, -2e19, 1e19];
    const n = Math.sqrt(4e38 + 4e38 + 1e38); // 3e19, in float64
    for (const t of [clipByGlobalNorm(1), clipByNorm(1)]) {
      const out = runTransform(t, { g: { values: g, shape: [4] } });
      assertClose(out.g, g.map((x) => x / n), 1e-6, t.name);
    }
  });

  test("clipByNorm clips each tensor on its own", () => {
    const out = runTransform(clipByNorm(6), grads);
    // a: norm 5 <= 6, unchanged; b: norm 12 -> scaled by 6/12.
    assertClose(out.a, a, 1e-6, "a");
    assertClose(out.b, b.map((x) => x * 0.5), 1e-6, "b");
    assert.ok(Math.abs(l2(out.b) - 6) < 1e-5);
    // Global clip to 6 would have scaled a too: per-tensor differs from global.
    const glob = runTransform(clipByGlobalNorm(6), grads);
    assert.ok(Math.abs(glob.a[0] - 3) > 0.5);
  });

  test("clipByValue clips each element to [-limit, limit]", () => {
    const out = runTransform(clipByValue(3.5), grads);
    assertClose(out.a, [3, 3.5], 0, "a");
    assertClose(out.b, [0, -3.5, 0, 0], 0, "b");
  });

  test("empty gradient map passes through clipByGlobalNorm", () => {
    const t = clipByGlobalNorm(1);
    const out = t.transformGradients!({}, ctxFor([]));
    assert.deepEqual(Object.keys(out), []);
  });
});

describe("clipping with a run axis (ctx.runs)", () => {
  // Two runs on axis 0. Run 0: a = [3, 4], b = [0, -12, 0, 0] (norms 5 and 12, global 13);
  // run 1: a = [0.3, 0.4], b = [0, 0, 0, 0.1] (tiny: no clip may touch it).
  const grads = {
    a: { values: [3, 4, 0.3, 0.4], shape: [2, 2] },
    b: { values: [0, -12, 0, 0, 0, 0, 0, 0.1], shape: [2, 2, 2] },
  };

  test("clipByGlobalNorm clips each run by its own global norm", () => {
    const out = runTransform(clipByGlobalNorm(6.5), grads, 0, 2);
    assertClose(out.a, [1.5, 2, 0.3, 0.4], 1e-6, "a");
    assertClose(out.b, [0, -6, 0, 0, 0, 0, 0, 0.1], 1e-6, "b");
    // Without runs the population is one run: run 1 shrinks with run 0's norm (the review's bug).
    const n = l2(grads.a.values, grads.b.values);
    assertClose(runTransform(clipByGlobalNorm(6.5), grads).a, grads.a.values.map((x) => (x * 6.5) / n), 1e-6, "a, no runs");
  });

  test("clipByNorm clips each run of each tensor on its own", () => {
    const out = runTransform(clipByNorm(6), grads, 0, 2);
    assertClose(out.a, [3, 4, 0.3, 0.4], 1e-6, "a"); // norm 5 <= 6
    assertClose(out.b, [0, -6, 0, 0, 0, 0, 0, 0.1], 1e-6, "b"); // run 0: 12 -> 6; run 1 untouched
    assertClose(runTransform(clipByNorm(6), grads).b.slice(4), [0, 0, 0, 6 * 0.1 / Math.sqrt(144.01)], 1e-6, "b, no runs");
  });

  test("noise with a seed array needs a run axis; one seed with a run axis is refused", () => {
    const seeds = addGradientNoise({ generator: "xoshiro", eta: 1, seed: [1, 2] });
    assert.throws(() => runTransform(seeds, grads), /addGradientNoise\(\): a seed array \(one seed per run\) is for population training: pass \{ runs: 2 \}/);
    assert.throws(() => runTransform(addGradientNoise({ generator: "xoshiro", eta: 1, seed: 1 }), grads, 0, 2), /runs = 2 needs one seed per run/);
    assert.throws(() => addWeightNoise({ generator: "xoshiro", eta: 1, seed: [1, 2] }).checkRuns!(undefined), /addWeightNoise\(\): .*pass \{ runs: 2 \}/);
    // Run r's slice is exactly seed[r]'s stream for that parameter, as run r alone would draw it.
    const out = runTransform(seeds, { a: { values: [0, 0, 0, 0], shape: [2, 2] } }, 3, 2);
    const std = Math.sqrt(1 / Math.pow(4, 0.55));
    assertClose(out.a, [...gaussian(2, std, ...gradientNoiseKey(1, 0, 3)), ...gaussian(2, std, ...gradientNoiseKey(2, 0, 3))], 1e-7, "a");
  });

  test("the old { perRun } clip option is refused, not ignored", () => {
    const old = clipByGlobalNorm as unknown as (c: number, o: object) => GradientTransform;
    assert.throws(() => old(1, { perRun: true }), /pass \{ runs \} to withTransforms\(\) instead of \{ perRun: true \}/);
  });
});

describe("chain()", () => {
  const g = { g: { values: [3, -0.5], shape: [2] } };

  test("applies transforms left to right", () => {
    // clipByValue(1) then clipByGlobalNorm(1): [3,-0.5] -> [1,-0.5] -> /sqrt(1.25)
    const valueThenNorm = runTransform(chain(clipByValue(1), clipByGlobalNorm(1)), g).g;
    const n1 = Math.sqrt(1 + 0.25);
    assertClose(valueThenNorm, [1 / n1, -0.5 / n1], 1e-6, "value->norm");
    // clipByGlobalNorm(1) then clipByValue(1): [3,-0.5] -> /sqrt(9.25), already within [-1, 1]
    const normThenValue = runTransform(chain(clipByGlobalNorm(1), clipByValue(1)), g).g;
    const n2 = Math.sqrt(9 + 0.25);
    assertClose(normThenValue, [3 / n2, -0.5 / n2], 1e-6, "norm->value");
    assert.ok(Math.abs(valueThenNorm[1] - normThenValue[1]) > 0.2); // -0.447 vs -0.164
  });

  test("after-update hooks run left to right and get the step context", () => {
    const calls: string[] = [];
    const mk = (name: string): GradientTransform => ({
      name,
      afterUpdate: (_vars, ctx) => {
        calls.push(`${name}@${ctx.step}`);
      },
    });
    const c = chain(mk("first"), clipByValue(1), mk("second"));
    assert.equal(c.name, "chain(first, clipByValue(1), second)");
    c.afterUpdate!({}, ctxFor([], 4));
    assert.deepEqual(calls, ["first@4", "second@4"]);
    assert.equal(chain(mk("x")).transformGradients, undefined);
    assert.equal(chain(clipByValue(1)).afterUpdate, undefined);
  });

  test("forwards dispose() and checkRuns() to every member, nested chains included", () => {
    const calls: string[] = [];
    const mk = (name: string): GradientTransform => ({
      name,
      dispose: () => calls.push(`dispose ${name}`),
      checkRuns: (runs) => calls.push(`runs ${name} ${runs}`),
    });
    const c = chain(mk("a"), chain(mk("b"), clipByValue(1)), mk("c"));
    assert.equal(c.name, "chain(a, b, clipByValue(1), c)");
    c.checkRuns!(3);
    c.dispose!();
    assert.deepEqual(calls, ["runs a 3", "runs b 3", "runs c 3", "dispose a", "dispose b", "dispose c"]);
  });

  test("rejects a non-transform argument", () => {
    assert.throws(() => chain(clipByValue(1), null as unknown as GradientTransform), /chain\(\): argument 1 is not a GradientTransform/);
    assert.throws(() => chain({} as GradientTransform), /argument 0/);
  });
});

describe("gradient noise through the optimizer wrapper", () => {
  const GAMMA = 0.55;
  const varianceAt = (eta: number, t: number) => eta / Math.pow(1 + t, GAMMA);

  test("clip-then-noise: update is -(clip(g) + noise) and the noise is not clipped away", () => {
    const eta = 0.01;
    const seed = 11;
    const g = [1e6, -2e6, 3e6, 0, 5e5, -4e6];
    const x0 = [0.5, -0.25, 1, 2, -1, 0];
    const name = uniq("clipnoise");
    const x = tf.variable(tf.tensor(x0, [2, 3]), true, name);
    const opt = withTransforms(tf.train.sgd(1), [clipByGlobalNorm(1), addGradientNoise({ generator: "xoshiro", eta, seed })]);
    const grad = tf.tensor(g, [2, 3]);
    const gn = l2(g);
    let expected = x0.slice();
    for (let t = 0; t < 2; t++) {
      opt.applyGradients({ [name]: grad });
      const noise = gaussian(6, Math.sqrt(eta / Math.pow(1 + t, 0.55)), ...gradientNoiseKey(seed, 0, t));
      expected = expected.map((v, i) => v - (g[i] / gn + noise[i]));
      assertClose(x.dataSync(), expected, 1e-5, `step ${t}`);
    }

    // Reverse order: the noise is added to the huge raw gradient, then clipping
    // shrinks it by ~1/gn: the result is (almost) the noiseless clipped step.
    const name2 = uniq("noiseclip");
    const y = tf.variable(tf.tensor(x0, [2, 3]), true, name2);
    const rev = withTransforms(tf.train.sgd(1), [addGradientNoise({ generator: "xoshiro", eta, seed }), clipByGlobalNorm(1)]);
    rev.applyGradients({ [name2]: grad });
    const noise0 = gaussian(6, Math.sqrt(eta), ...gradientNoiseKey(seed, 0, 0));
    const noisy = g.map((v, i) => v + noise0[i]);
    const nn = l2(noisy);
    const revExpected = x0.map((v, i) => v - noisy[i] / nn);
    assertClose(y.dataSync(), revExpected, 1e-5, "reverse order");
    // The two orders differ by the noise itself (std 0.1), far above float32 error.
    const fwd = x0.map((v, i) => v - (g[i] / gn + noise0[i]));
    let maxDiff = 0;
    const yv = y.dataSync();
    for (let i = 0; i < 6; i++) maxDiff = Math.max(maxDiff, Math.abs(yv[i] - fwd[i]));
    assert.ok(maxDiff > 0.05, `orders give nearly the same update (max diff ${maxDiff})`);
    tf.dispose([x, y, grad]);
    opt.dispose();
    rev.dispose();
  });

  test("noise differs between consecutive steps and between same-shaped parameters", () => {
    const n = 256;
    const a = uniq("a");
    const b = uniq("b");
    const va = tf.variable(tf.zeros([n]), true, a);
    const vb = tf.variable(tf.zeros([n]), true, b);
    const zero = tf.zeros([n]);
    const opt = withTransforms(tf.train.sgd(1), [addGradientNoise({ generator: "xoshiro", eta: 1, seed: 5 })]);
    const deltas: Float32Array[][] = [];
    let prevA = new Float32Array(n);
    let prevB = new Float32Array(n);
    for (let t = 0; t < 3; t++) {
      opt.applyGradients({ [a]: zero, [b]: zero });
      const curA = va.dataSync().slice() as Float32Array;
      const curB = vb.dataSync().slice() as Float32Array;
      deltas.push([curA.map((v, i) => v - prevA[i]), curB.map((v, i) => v - prevB[i])]);
      prevA = curA;
      prevB = curB;
    }
    const countEqual = (p: Float32Array, q: Float32Array) => p.reduce((c, v, i) => c + (v === q[i] ? 1 : 0), 0);
    for (let t = 0; t < 3; t++) {
      assert.ok(countEqual(deltas[t][0], deltas[t][1]) === 0, `step ${t}: parameters got the same noise`);
      if (t > 0) {
        assert.ok(countEqual(deltas[t][0], deltas[t - 1][0]) === 0, `steps ${t - 1},${t}: same noise on a`);
        // Not merely rescaled either: the ratio is not constant.
        const r0 = deltas[t][0][0] / deltas[t - 1][0][0];
        const r1 = deltas[t][0][1] / deltas[t - 1][0][1];
        assert.ok(Math.abs(r0 - r1) > 1e-3, "noise at step t is a rescaled copy of step t-1");
      }
    }
    // And each delta is exactly the regenerated noise for (seed, param index, step), with sgd(1): x -= noise.
    for (let t = 0; t < 3; t++) {
      const std = Math.sqrt(varianceAt(1, t));
      assertClose(deltas[t][0], Array.from(gaussian(n, std, ...gradientNoiseKey(5, 0, t))).map((v) => -v), 1e-5, `a@${t}`);
      assertClose(deltas[t][1], Array.from(gaussian(n, std, ...gradientNoiseKey(5, 1, t))).map((v) => -v), 1e-5, `b@${t}`);
    }
    tf.dispose([va, vb, zero]);
    opt.dispose();
  });

  test("first update uses the full eta (t = 0), not eta / 2^0.55", () => {
    const n = 100_000;
    const eta = 1;
    const name = uniq("first");
    const v = tf.variable(tf.zeros([n]), true, name);
    const zero = tf.zeros([n]);
    const opt = withTransforms(tf.train.sgd(1), [addGradientNoise({ generator: "xoshiro", eta, seed: 21 })]);
    assert.equal(opt.step, 0);
    opt.applyGradients({ [name]: zero });
    const delta = v.dataSync();
    // Exactly the stream for t = 0 at std sqrt(eta)...
    const want = gaussian(n, Math.sqrt(eta), ...gradientNoiseKey(21, 0, 0));
    assertClose(delta.subarray(0, 1000), Array.from(want.subarray(0, 1000)).map((x) => -x), 1e-6, "t=0 stream");
    // ...and its empirical std is 1, not sqrt(1/2^0.55) = 0.826 (off-by-one t = 1).
    // SE of a sample std ~ sigma / sqrt(2n) = 0.0022; tolerance 4 SE.
    const s = sampleStd(delta);
    const se = 1 / Math.sqrt(2 * n);
    assert.ok(Math.abs(s - 1) < 4 * se, `empirical std at t=0 is ${s}`);
    assert.ok(Math.abs(s - Math.sqrt(1 / Math.pow(2, 0.55))) > 20 * se);
    tf.dispose([v, zero]);
    opt.dispose();
  });

  test("noise is scaled by std = sqrt(variance), not by the variance", () => {
    const n = 100_000;
    for (const [eta, seed] of [
      [0.25, 31],
      [4, 32],
    ]) {
      const name = uniq(`std${eta}`);
      const v = tf.variable(tf.zeros([n]), true, name);
      const zero = tf.zeros([n]);
      const opt = withTransforms(tf.train.sgd(1), [addGradientNoise({ generator: "xoshiro", eta, seed })]);
      // Two steps: t = 0 (variance eta) and t = 1 (variance eta / 2^0.55).
      let prev = new Float32Array(n);
      for (let t = 0; t < 2; t++) {
        opt.applyGradients({ [name]: zero });
        const cur = v.dataSync().slice() as Float32Array;
        const delta = cur.map((x, i) => x - prev[i]);
        prev = cur;
        const sigma = Math.sqrt(varianceAt(eta, t)); // 0.5 / 2 at t = 0
        const s = sampleStd(delta);
        const se = sigma / Math.sqrt(2 * n); // SE of a sample std; tolerance 4 SE
        assert.ok(Math.abs(s - sigma) < 4 * se, `eta ${eta}, t ${t}: empirical std ${s}, expected ${sigma}`);
        // The variance-as-std mistake would give std = eta / (1+t)^0.55.
        const wrong = varianceAt(eta, t);
        assert.ok(Math.abs(s - wrong) > 20 * se, `eta ${eta}: std ${s} looks like the variance ${wrong}`);
      }
      tf.dispose([v, zero]);
      opt.dispose();
    }
  });

  test("eta = 0 adds nothing; constant schedule keeps the same std at every step", () => {
    const name = uniq("zero-eta");
    const v = tf.variable(tf.tensor([1, 2, 3]), true, name);
    const g = tf.tensor([0.5, -0.5, 1]);
    const opt = withTransforms(tf.train.sgd(0.1), [addGradientNoise({ generator: "xoshiro", eta: 0, seed: 1 })]);
    opt.applyGradients({ [name]: g });
    assertClose(v.dataSync(), [1 - 0.05, 2 + 0.05, 3 - 0.1], 1e-6, "no noise");

    const name2 = uniq("const");
    const w = tf.variable(tf.zeros([4]), true, name2);
    const z = tf.zeros([4]);
    const opt2 = withTransforms(tf.train.sgd(1), [addGradientNoise({ generator: "xoshiro", schedule: constant(0.09), seed: "c" })]);
    let expected = [0, 0, 0, 0];
    for (let t = 0; t < 3; t++) {
      opt2.applyGradients({ [name2]: z });
      const noise = gaussian(4, 0.3, ...gradientNoiseKey("c", 0, t));
      expected = expected.map((e, i) => e - noise[i]);
      assertClose(w.dataSync(), expected, 1e-6, `constant@${t}`);
    }
    tf.dispose([v, g, w, z]);
    opt.dispose();
    opt2.dispose();
  });

  test("parameter index is the order names are first seen, stable across steps", () => {
    const p = uniq("p");
    const q = uniq("q");
    const vp = tf.variable(tf.zeros([3]), true, p);
    const vq = tf.variable(tf.zeros([3]), true, q);
    const z = tf.zeros([3]);
    const opt = withTransforms(tf.train.sgd(1), [addGradientNoise({ generator: "xoshiro", eta: 1, seed: 8 })]);
    opt.applyGradients({ [q]: z }); // q first seen -> index 0
    opt.applyGradients({ [p]: z, [q]: z }); // p -> index 1
    const qExp = [0, 1].map((t) => gaussian(3, Math.sqrt(varianceAt(1, t)), ...gradientNoiseKey(8, 0, t)));
    const pExp = gaussian(3, Math.sqrt(varianceAt(1, 1)), ...gradientNoiseKey(8, 1, 1));
    assertClose(vq.dataSync(), [0, 1, 2].map((i) => -(qExp[0][i] + qExp[1][i])), 1e-6, "q");
    assertClose(vp.dataSync(), [0, 1, 2].map((i) => -pExp[i]), 1e-6, "p");
    tf.dispose([vp, vq, z]);
    opt.dispose();
  });

  test("weight noise is added to the parameters after the update, from its own stream", () => {
    const name = uniq("wn");
    const x0 = [1, -1, 0.5, 2];
    const g = [0.4, 0.2, -0.6, 1];
    const v = tf.variable(tf.tensor(x0), true, name);
    const grad = tf.tensor(g);
    const eta = 0.04;
    const opt = withTransforms(tf.train.adagrad(0.1), [addWeightNoise({ generator: "xoshiro", eta, seed: 2 })]);
    let expected = x0.slice();
    const acc = [0.1, 0.1, 0.1, 0.1]; // tfjs adagrad initialAccumulatorValue
    for (let t = 0; t < 2; t++) {
      opt.applyGradients({ [name]: grad });
      const wn = gaussian(4, Math.sqrt(varianceAt(eta, t)), ...weightNoiseKey(2, 0, t));
      expected = expected.map((e, i) => {
        acc[i] += g[i] * g[i];
        // Adagrad never sees the weight noise: its update uses the raw gradient only.
        return e - (0.1 * g[i]) / Math.sqrt(acc[i] + 1e-7) + wn[i];
      });
      assertClose(v.dataSync(), expected, 1e-5, `weight noise @${t}`);
    }
    // And it is not the gradient-noise stream.
    const gn = gaussian(4, Math.sqrt(eta), ...gradientNoiseKey(2, 0, 0));
    const wn0 = gaussian(4, Math.sqrt(eta), ...weightNoiseKey(2, 0, 0));
    assert.notDeepEqual(Array.from(gn), Array.from(wn0));
    tf.dispose([v, grad]);
    opt.dispose();
  });
});
