/**
 * The wrapper in front of every tfjs optimizer: each inner optimizer must see
 * clip(g) + N(0, eta / (1+t)^0.55) and nothing else. The expected parameter
 * values come from plain-JS (double precision) re-implementations of tfjs's
 * own update rules (tfjs-core/dist/optimizers/*.js, v4.22):
 *
 *   sgd:      x -= lr g
 *   momentum: a = m a + g;  x -= lr a            (nesterov: x -= lr (g + m a))
 *   adam:     m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;
 *             x -= lr (m / (1 - b1^(k+1))) / (sqrt(v / (1 - b2^(k+1))) + eps)
 *   adagrad:  acc (starts at 0.1) += g^2;  x -= lr g / sqrt(acc + eps)
 *   rmsprop:  ms = d ms + (1-d) g^2;  mom = mu mom + lr g / sqrt(ms + eps);  x -= mom
 *             centered: mg = d mg + (1-d) g;  denominator sqrt(ms - (mg^2 + eps))
 *
 * with eps = tf.backend().epsilon() = 1e-7 on the cpu backend. tfjs computes
 * in float32, so values are compared with a 1e-5 relative tolerance.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { TransformedOptimizer, withTransforms } from "../../../src/noise/optimizer";
import { withGradientNoise } from "../../../src/noise/recipe";
import { clipByGlobalNorm } from "../../../src/noise/clip";
import { addGradientNoise, gradientNoiseKey } from "../../../src/noise/gradient-noise";
import { gaussian } from "../../../src/random/rng";

before(async () => {
  await tf.setBackend("cpu");
});

const ETA = 0.01;
const SEED = 3;
const CLIP = 5;
const EPS = 1e-7;
const REL_TOL = 1e-5;

// Two parameters: A is 2x3 (6 elements), B has 3 elements. Order A, B: A is parameter 0.
const A0 = [0.5, -1.2, 0.3, 2.0, -0.7, 1.1];
const B0 = [0.25, -0.5, 1.5];
// Per-step raw gradients. Step 0: global norm sqrt(9+16+1+4+4+36+25+1+4) = 10 > 5 (clipped by 1/2);
// step 1: norm < 5 (unclipped); step 2: norm 10 again, and B's gradient is zero (pure noise).
const GRADS: Array<{ A: number[]; B: number[] }> = [
  { A: [3, -4, 1, 2, -2, 6], B: [5, -1, 2] },
  { A: [0.5, -0.3, 0.2, 0.1, -0.4, 0.25], B: [0.3, 0.1, -0.2] },
  { A: [-6, 8, 0, 0, 0, 0], B: [0, 0, 0] },
];

let counter = 0;
function uniq(base: string): string {
  return `optimizers-${base}-${counter++}`;
}

/** What the inner optimizer must receive at step t: clip(g) + noise from the regenerated stream. */
function effectiveGrads(t: number): { A: number[]; B: number[] } {
  const { A, B } = GRADS[t];
  let sq = 0;
  for (const x of [...A, ...B]) sq += x * x;
  const norm = Math.sqrt(sq);
  const scale = CLIP / Math.max(norm, CLIP);
  const std = Math.sqrt(ETA / Math.pow(1 + t, 0.55));
  const nA = gaussian(A.length, std, ...gradientNoiseKey(SEED, 0, t));
  const nB = gaussian(B.length, std, ...gradientNoiseKey(SEED, 1, t));
  return { A: A.map((g, i) => g * scale + nA[i]), B: B.map((g, i) => g * scale + nB[i]) };
}

/** A per-parameter reference optimizer: step(x, g, k) updates x in place for update number k. */
type RefStep = (x: number[], g: number[], k: number) => void;
type RefFactory = () => RefStep;

/** tfjs's non-centered RMSProp: ms = d ms + (1-d) g^2; mom = mu mom + lr g / sqrt(ms + eps); x -= mom. */
function rmspropRef(lr: number, decay: number, mu: number): RefStep {
  let ms: number[] | null = null;
  let mom: number[] | null = null;
  return (x, g) => {
    ms ??= x.map(() => 0);
    mom ??= x.map(() => 0);
    for (let i = 0; i < x.length; i++) {
      ms[i] = decay * ms[i] + (1 - decay) * g[i] * g[i];
      mom[i] = mu * mom[i] + (lr * g[i]) / Math.sqrt(ms[i] + EPS);
      x[i] -= mom[i];
    }
  };
}

const refs: Record<string, { make: () => tf.Optimizer; ref: RefFactory }> = {
  sgd: {
    make: () => tf.train.sgd(0.1),
    ref: () => (x, g) => {
      for (let i = 0; i < x.length; i++) x[i] -= 0.1 * g[i];
    },
  },
  momentum: {
    make: () => tf.train.momentum(0.05, 0.9),
    ref: () => {
      let a: number[] | null = null;
      return (x, g) => {
        a ??= x.map(() => 0);
        for (let i = 0; i < x.length; i++) {
          a[i] = 0.9 * a[i] + g[i];
          x[i] -= 0.05 * a[i];
        }
      };
    },
  },
  "momentum (nesterov)": {
    make: () => tf.train.momentum(0.05, 0.9, true),
    ref: () => {
      let a: number[] | null = null;
      return (x, g) => {
        a ??= x.map(() => 0);
        for (let i = 0; i < x.length; i++) {
          a[i] = 0.9 * a[i] + g[i];
          x[i] -= 0.05 * (g[i] + 0.9 * a[i]);
        }
      };
    },
  },
  adam: {
    make: () => tf.train.adam(0.01, 0.8, 0.95),
    ref: () => {
      let m: number[] | null = null;
      let v: number[] | null = null;
      return (x, g, k) => {
        m ??= x.map(() => 0);
        v ??= x.map(() => 0);
        for (let i = 0; i < x.length; i++) {
          m[i] = 0.8 * m[i] + 0.2 * g[i];
          v[i] = 0.95 * v[i] + 0.05 * g[i] * g[i];
          const mHat = m[i] / (1 - Math.pow(0.8, k + 1));
          const vHat = v[i] / (1 - Math.pow(0.95, k + 1));
          x[i] -= (0.01 * mHat) / (Math.sqrt(vHat) + EPS);
        }
      };
    },
  },
  adagrad: {
    make: () => tf.train.adagrad(0.2),
    ref: () => {
      let acc: number[] | null = null;
      return (x, g) => {
        acc ??= x.map(() => 0.1); // tfjs initialAccumulatorValue default
        for (let i = 0; i < x.length; i++) {
          acc[i] += g[i] * g[i];
          x[i] -= (0.2 * g[i]) / Math.sqrt(acc[i] + EPS);
        }
      };
    },
  },
  rmsprop: {
    make: () => tf.train.rmsprop(0.01, 0.9),
    ref: () => rmspropRef(0.01, 0.9, 0),
  },
  "rmsprop (momentum)": {
    make: () => tf.train.rmsprop(0.01, 0.8, 0.7),
    ref: () => rmspropRef(0.01, 0.8, 0.7),
  },
  "rmsprop (centered, momentum)": {
    make: () => tf.train.rmsprop(0.01, 0.8, 0.7, null as unknown as number, true),
    ref: () => {
      let ms: number[] | null = null;
      let mg: number[] | null = null;
      let mom: number[] | null = null;
      return (x, g) => {
        ms ??= x.map(() => 0);
        mg ??= x.map(() => 0);
        mom ??= x.map(() => 0);
        for (let i = 0; i < x.length; i++) {
          ms[i] = 0.8 * ms[i] + 0.2 * g[i] * g[i];
          mg[i] = 0.8 * mg[i] + 0.2 * g[i];
          // tfjs subtracts eps inside the root: sqrt(ms - (mg^2 + eps))
          mom[i] = 0.7 * mom[i] + (0.01 * g[i]) / Math.sqrt(ms[i] - (mg[i] * mg[i] + EPS));
          x[i] -= mom[i];
        }
      };
    },
  },
};

function assertRelClose(actual: ArrayLike<number>, expected: number[], what: string): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    assert.ok(
      err <= REL_TOL * Math.max(1, Math.abs(expected[i])),
      `${what}[${i}]: got ${actual[i]}, expected ${expected[i]} (|err| ${err})`,
    );
  }
}

/** Runs 3 wrapped steps and the reference side by side; returns the final values. */
function runAndCompare(label: string, make: () => tf.Optimizer, refFactory: RefFactory, wrap: (o: tf.Optimizer) => TransformedOptimizer, arrayForm = false): { A: number[]; B: number[] } {
  const nameA = uniq("A");
  const nameB = uniq("B");
  const vA = tf.variable(tf.tensor(A0, [2, 3]), true, nameA);
  const vB = tf.variable(tf.tensor(B0, [3]), true, nameB);
  const opt = wrap(make());
  const refA = refFactory();
  const refB = refFactory();
  const xA = A0.slice();
  const xB = B0.slice();
  assert.equal(opt.step, 0, "step counts from 0");
  for (let k = 0; k < GRADS.length; k++) {
    const gA = tf.tensor(GRADS[k].A, [2, 3]);
    const gB = tf.tensor(GRADS[k].B, [3]);
    if (arrayForm) {
      opt.applyGradients([
        { name: nameA, tensor: gA },
        { name: nameB, tensor: gB },
      ]);
    } else {
      opt.applyGradients({ [nameA]: gA, [nameB]: gB });
    }
    tf.dispose([gA, gB]);
    assert.equal(opt.step, k + 1, "step after the update");
    const eff = effectiveGrads(k);
    refA(xA, eff.A, k);
    refB(xB, eff.B, k);
    assertRelClose(vA.dataSync(), xA, `${label} A after step ${k}`);
    assertRelClose(vB.dataSync(), xB, `${label} B after step ${k}`);
  }
  const out = { A: Array.from(vA.dataSync()), B: Array.from(vB.dataSync()) };
  opt.dispose();
  tf.dispose([vA, vB]);
  return out;
}

describe("each tfjs optimizer sees clip(g) + regenerated noise", () => {
  test("backend epsilon is 1e-7 on cpu (the reference formulas assume it)", () => {
    assert.equal(tf.getBackend(), "cpu");
    assert.equal(tf.backend().epsilon(), EPS);
  });

  for (const [label, { make, ref }] of Object.entries(refs)) {
    test(`${label} via withGradientNoise`, () => {
      runAndCompare(label, make, ref, (o) => withGradientNoise(o, { generator: "xoshiro", eta: ETA, seed: SEED, clipGlobalNorm: CLIP }));
    });
  }

  test("withTransforms([clip, noise]) matches withGradientNoise and the reference (adam, array-form gradients)", () => {
    const { make, ref } = refs.adam;
    const viaTransforms = runAndCompare("adam/withTransforms", make, ref, (o) =>
      withTransforms(o, [clipByGlobalNorm(CLIP), addGradientNoise({ generator: "xoshiro", eta: ETA, seed: SEED })]),
      true,
    );
    const viaRecipe = runAndCompare("adam/withGradientNoise", make, ref, (o) =>
      withGradientNoise(o, { generator: "xoshiro", eta: ETA, seed: SEED, clipGlobalNorm: CLIP }),
    );
    assert.deepEqual(viaTransforms, viaRecipe);
  });

  test("the noise really is there: a noiseless reference is off by more than the tolerance", () => {
    // Guards against a test that would pass with the noise silently dropped.
    const nameA = uniq("A");
    const vA = tf.variable(tf.tensor(A0, [2, 3]), true, nameA);
    const opt = withGradientNoise(tf.train.sgd(0.1), { generator: "xoshiro", eta: ETA, seed: SEED, clipGlobalNorm: CLIP });
    const g = tf.tensor(GRADS[1].A, [2, 3]);
    opt.applyGradients({ [nameA]: g });
    const noiseless = A0.map((x, i) => x - 0.1 * GRADS[1].A[i]);
    const got = vA.dataSync();
    let maxDiff = 0;
    for (let i = 0; i < 6; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i] - noiseless[i]));
    // std of 0.1 * noise = 0.01 at t = 0; 6 draws all within 1e-4 would be a ~1e-12 event.
    assert.ok(maxDiff > 1e-3, `max diff ${maxDiff}`);
    tf.dispose([vA, g]);
    opt.dispose();
  });
});

describe("the wrapper's step counter", () => {
  test("counts from 0, one per update, independent of the inner optimizer", () => {
    const name = uniq("s");
    const v = tf.variable(tf.zeros([2]), true, name);
    const inner = tf.train.sgd(0.1);
    const opt = withGradientNoise(inner, { generator: "xoshiro", eta: ETA, seed: SEED });
    assert.equal(opt.step, 0);
    assert.equal(opt.iterations, 0);
    const g = tf.ones([2]);
    for (let k = 1; k <= 4; k++) {
      opt.applyGradients({ [name]: g });
      assert.equal(opt.step, k);
      assert.equal(opt.iterations, k);
      assert.equal(inner.iterations, k);
    }
    assert.equal(opt.getConfig().step, 4);
    tf.dispose([v, g]);
    opt.dispose();
  });

  test("setting step resumes the schedule at that t; bad values are rejected", () => {
    const name = uniq("resume");
    const v = tf.variable(tf.zeros([5]), true, name);
    const z = tf.zeros([5]);
    const opt = withGradientNoise(tf.train.sgd(1), { generator: "xoshiro", eta: 1, seed: "r" });
    opt.step = 10;
    opt.applyGradients({ [name]: z });
    assert.equal(opt.step, 11);
    const want = gaussian(5, Math.sqrt(1 / Math.pow(11, 0.55)), ...gradientNoiseKey("r", 0, 10));
    assertRelClose(v.dataSync(), Array.from(want).map((x) => -x), "resumed at t=10");
    assert.throws(() => (opt.step = -1), /step must be an integer >= 0/);
    assert.throws(() => (opt.step = 1.5), /step must be an integer >= 0/);
    assert.equal(opt.step, 11);
    tf.dispose([v, z]);
    opt.dispose();
  });
});

describe("minimize() through the wrapper", () => {
  test("computes gradients, transforms them and applies the update", () => {
    // f(x) = sum((x - c)^2), grad = 2 (x - c); with a clip of 5 and sgd(0.1).
    const name = uniq("min");
    const x0 = [4, -3, 2, 0.5];
    const c = [1, 1, -1, 0];
    const x = tf.variable(tf.tensor(x0), true, name);
    const target = tf.tensor(c);
    const opt = withGradientNoise(tf.train.sgd(0.1), { generator: "xoshiro", eta: ETA, seed: SEED, clipGlobalNorm: CLIP });
    const cur = x0.slice();
    for (let k = 0; k < 3; k++) {
      const cost = opt.minimize(() => tf.sum(tf.square(tf.sub(x, target))) as tf.Scalar, true, [x]);
      assert.ok(cost);
      const f = cur.reduce((s, xi, i) => s + (xi - c[i]) ** 2, 0);
      assert.ok(Math.abs(cost.dataSync()[0] - f) <= 1e-5 * f, `cost ${cost.dataSync()[0]} vs ${f}`);
      cost.dispose();
      const g = cur.map((xi, i) => 2 * (xi - c[i]));
      const norm = Math.sqrt(g.reduce((s, gi) => s + gi * gi, 0));
      const scale = CLIP / Math.max(norm, CLIP);
      const noise = gaussian(4, Math.sqrt(ETA / Math.pow(1 + k, 0.55)), ...gradientNoiseKey(SEED, 0, k));
      for (let i = 0; i < 4; i++) cur[i] -= 0.1 * (g[i] * scale + noise[i]);
      assertRelClose(x.dataSync(), cur, `minimize step ${k}`);
      assert.equal(opt.step, k + 1);
    }
    // Without varList and without returnCost.
    const before = Array.from(x.dataSync());
    assert.equal(opt.minimize(() => tf.sum(tf.square(tf.sub(x, target))) as tf.Scalar), null);
    assert.equal(opt.step, 4);
    assert.notDeepEqual(Array.from(x.dataSync()), before);
    tf.dispose([x, target]);
    opt.dispose();
  });

  test("variables without a gradient in varList are skipped, as the inner tfjs optimizer does", () => {
    // tf.Optimizer.minimize(f, returnCost, varList) passes every variable of varList to
    // applyGradients: a non-trainable one with tensor null, one that f does not use with
    // tensor undefined (tfjs-core variableGrads / Optimizer.minimize). Plain tfjs optimizers
    // skip those entries (`if (gradient == null) return;`); the wrapper must too.
    const w = tf.variable(tf.tensor([1, 2]), true, uniq("w"));
    const frozen = tf.variable(tf.tensor([5]), false, uniq("frozen"));
    const unused = tf.variable(tf.tensor([7]), true, uniq("unused"));
    const loss = () => tf.sum(tf.square(w)) as tf.Scalar;

    // Reference: the plain inner optimizer accepts this.
    const plain = tf.train.sgd(0.1);
    plain.minimize(loss, false, [w, frozen, unused]);
    assert.deepEqual(Array.from(w.dataSync()), [Math.fround(1 - 0.2), Math.fround(2 - 0.4)]);
    w.assign(tf.tensor([1, 2]));

    for (const skip of [true, false]) {
      const opt = withGradientNoise(tf.train.sgd(0.1), { generator: "xoshiro", eta: ETA, seed: SEED, clipGlobalNorm: CLIP, skipNonFinite: skip });
      assert.doesNotThrow(() => opt.minimize(loss, false, [w, frozen, unused]), `skipNonFinite ${skip}`);
      assert.equal(opt.step, 1);
      assert.deepEqual(Array.from(frozen.dataSync()), [5]);
      assert.deepEqual(Array.from(unused.dataSync()), [7]);
      // w got grad 2w = [2, 4] (norm < 5) plus noise
      const noise = gaussian(2, Math.sqrt(ETA), ...gradientNoiseKey(SEED, 0, 0));
      assertRelClose(w.dataSync(), [1 - 0.1 * (2 + noise[0]), 2 - 0.1 * (4 + noise[1])], "w");
      w.assign(tf.tensor([1, 2]));
      opt.dispose();
    }
    tf.dispose([w, frozen, unused]);
  });
});
