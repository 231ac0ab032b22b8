/**
 * DNGPU: its forward pass and saturation cost against an independent 3-D
 * formulation with tf.conv1d, the diagonal shift's directions, its gradient
 * against central finite differences, dropout only with a seed; the clipped
 * AdaMax against its update written out by hand; the trainer's schedules and
 * bins, its noise arm differing from the plain one on the same seed only by
 * the noise, determinism, and flat tensor counts.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../../../src/engine";
import { binOperandBits, ClippedAdamax, pickLength, DNGPU, DNGPU_MODEL, DNGPU_TRAINING, DNGPUConfig, DNGPUTrainConfig, dngpuBeta2, encodeBatch, multiplication, PAD, randomExamples, trainDNGPU, VOCAB } from "../../../../src/families/neural-gpu";

before(async () => {
  await selectBackend({ backend: "cpu" });
});

const TINY: DNGPUConfig = { ...DNGPU_MODEL, maps: 5, initScale: 2 };

/** The same model on [B, L, maps] tensors with tf.conv1d and explicit shifts, from the model's weights; also the raw saturation sum. */
function reference(m: DNGPU, inputs: Int32Array, targets: Int32Array, B: number, L: number, differentiable = false): { logits: tf.Tensor2D; saturation: number; saturationSum?: tf.Scalar } {
  const k = m.config.maps, lim = m.config.saturationLimit;
  const third = Math.floor(k / 3), still = k - 2 * third;
  return tf.tidy(() => {
    const live = tf.tensor3d(Float32Array.from(inputs, (s, i) => (s === PAD && targets[i] === PAD ? 0 : 1)), [B, L, 1]);
    const sat = (x: tf.Tensor) => tf.sum(tf.relu(tf.sub(tf.abs(x), lim)));
    const pre = tf.add(tf.reshape(tf.gather(m.input, tf.tensor1d(inputs, "int32")), [B, L, k]), m.inputBias);
    let total = tf.mul(sat(pre), L);
    let s = tf.mul(tf.clipByValue(pre, -1, 1), live) as tf.Tensor3D;
    const wg = tf.reshape(m.gates, [3, k, 2 * k]) as tf.Tensor3D, wc = tf.reshape(m.candidate, [3, k, k]) as tf.Tensor3D;
    for (let t = 0; t < L; t++) {
      const gr = tf.add(tf.conv1d(s, wg, 1, "same"), m.gatesBias);
      const hs = tf.clipByValue(tf.add(tf.mul(gr, 0.5), 0.5), 0, 1);
      const r = tf.slice(hs, [0, 0, 0], [-1, -1, k]), g = tf.slice(hs, [0, 0, k], [-1, -1, k]);
      const cPre = tf.add(tf.conv1d(tf.mul(r, s) as tf.Tensor3D, wc, 1, "same"), m.candidateBias);
      total = tf.add(total, tf.add(sat(gr), sat(cPre)));
      // Position p of the middle third takes p - 1's value, of the last third p + 1's (zero past the ends).
      const mid = tf.slice(s, [0, 0, still], [-1, -1, third]), end = tf.slice(s, [0, 0, still + third], [-1, -1, third]);
      const shifted = tf.concat([
        tf.slice(s, [0, 0, 0], [-1, -1, still]),
        tf.concat([tf.zeros([B, 1, third]), tf.slice(mid, [0, 0, 0], [-1, L - 1, -1])], 1),
        tf.concat([tf.slice(end, [0, 1, 0], [-1, L - 1, -1]), tf.zeros([B, 1, third])], 1),
      ], 2);
      s = tf.mul(tf.add(tf.mul(g, shifted), tf.mul(tf.sub(1, g), tf.clipByValue(cPre, -1, 1))), live) as tf.Tensor3D;
    }
    const logits = tf.add(tf.matMul(tf.reshape(s, [B * L, k]), m.output), m.outputBias) as tf.Tensor2D;
    return differentiable ? { logits, saturation: NaN, saturationSum: total as tf.Scalar } : { logits, saturation: total.dataSync()[0] };
  });
}

/** Weights scaled up so that gates and candidates saturate somewhere (the hard functions' flat parts and the cost both matter). */
function saturating(seed: string): DNGPU {
  const m = new DNGPU(TINY, seed);
  tf.tidy(() => m.gates.assign(tf.mul(m.gates, 3)));
  return m;
}

describe("DNGPU model", () => {
  test("forward and saturation cost equal a tf.conv1d formulation (padded positions zeroed, diagonal shifts)", () => {
    const m = saturating("fwd");
    const batch = encodeBatch([multiplication(5n, 3n, 3), multiplication(1n, 2n, 2)], 9);
    const ours = tf.tidy(() => {
      const o = m.forward(batch);
      return [o.logits, o.saturation];
    });
    const ref = reference(m, batch.inputs, batch.targets, batch.size, batch.length);
    const a = ours[0].dataSync(), b = ref.logits.dataSync();
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-4, `logit ${i}: ${a[i]} vs ${b[i]}`);
    const sat = ours[1].dataSync()[0];
    assert.ok(ref.saturation > 0, "the test weights saturate somewhere");
    assert.ok(Math.abs(sat - ref.saturation / (9 * 9 * 2)) < 1e-4 * ref.saturation, `saturation ${sat} vs ${ref.saturation / 162}`);
    assert.ok(Math.abs(a[0] - a[9 * VOCAB]) > 1e-6 || Math.abs(a[1] - a[9 * VOCAB + 1]) > 1e-6);
    tf.dispose([...ours, ref.logits]);
    m.dispose();
  });

  test("with the update gate open (g = 1) a step is the diagonal shift: the middle third moves right, the last third left", () => {
    const m = new DNGPU({ ...TINY, maps: 6 }, "shift");
    // Gates' weights 0 and the update gate's bias 5: hσ(5) = 1, so s' = shift(s) wherever the mask is 1.
    tf.tidy(() => {
      m.gates.assign(tf.zerosLike(m.gates));
      m.gatesBias.assign(tf.tensor1d([0, 0, 0, 0, 0, 0, 5, 5, 5, 5, 5, 5]));
    });
    const batch = encodeBatch([multiplication(6n, 5n, 3)]); // 7 positions, none padding
    const states = tf.tidy(() => m.forward(batch, { keepStates: true }).states!);
    const [s0, s1] = states.arraySync() as number[][][];
    for (let p = 0; p < 7; p++) {
      assert.deepEqual(s1[p].slice(0, 2), s0[p].slice(0, 2));
      assert.deepEqual(s1[p].slice(2, 4), p === 0 ? [0, 0] : s0[p - 1].slice(2, 4));
      assert.deepEqual(s1[p].slice(4, 6), p === 6 ? [0, 0] : s0[p + 1].slice(4, 6));
    }
    states.dispose();
    m.dispose();
  });

  test("gradients of loss + saturation cost equal the tf.conv1d formulation's, where the hard functions saturate", () => {
    const m = saturating("grad-ref");
    const batch = encodeBatch([multiplication(6n, 3n, 3), multiplication(2n, 1n, 2)], 9);
    const ours = tf.variableGrads(() => tf.tidy(() => {
      const o = m.forward(batch);
      return tf.add(DNGPU.loss(o.logits, batch), tf.mul(0.5, o.saturation)) as tf.Scalar;
    }), m.weights);
    const ref = tf.variableGrads(() => tf.tidy(() => {
      const r = reference(m, batch.inputs, batch.targets, batch.size, batch.length, true);
      return tf.add(DNGPU.loss(r.logits, batch), tf.mul(0.5 / (9 * 9 * 2), r.saturationSum!)) as tf.Scalar;
    }), m.weights);
    for (const w of m.weights) {
      const a = ours.grads[w.name].dataSync(), b = ref.grads[w.name].dataSync();
      const scale = Math.max(...Array.from(b, Math.abs));
      assert.ok(scale > 0, `${w.name}: reference gradient all zero`);
      for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= 1e-4 * scale + 1e-6, `${w.name}[${i}]: ${a[i]} vs reference ${b[i]}`);
    }
    tf.dispose([ours.value, ref.value, ...Object.values(ours.grads), ...Object.values(ref.grads)]);
    m.dispose();
  });

  test("gradient of loss + saturation cost agrees with central finite differences", () => {
    const m = new DNGPU(TINY, "grad");
    const batch = encodeBatch(randomExamples(2, 2, "grad-batch"), 7);
    const f = () => tf.tidy(() => {
      const o = m.forward(batch);
      return tf.add(DNGPU.loss(o.logits, batch), tf.mul(0.5, o.saturation)) as tf.Scalar;
    });
    const { grads } = tf.variableGrads(f, m.weights);
    const eps = 1e-3;
    let checked = 0, straddled = 0;
    for (const w of [m.input, m.gates, m.gatesBias, m.candidate, m.candidateBias, m.output]) {
      const g = grads[w.name].dataSync();
      const v = w.dataSync().slice();
      assert.ok(g.some((x) => x !== 0), `${w.name}: gradient all zero`);
      const at = (i: number, x: number) => {
        const c = v.slice();
        c[i] = x;
        tf.tidy(() => w.assign(tf.tensor(c, w.shape)));
        return f().dataSync()[0];
      };
      for (const i of [1, Math.floor(v.length / 3), Math.floor(v.length / 2), v.length - 2]) {
        const up = at(i, v[i] + eps), mid = at(i, v[i]), down = at(i, v[i] - eps);
        tf.tidy(() => w.assign(tf.tensor(v, w.shape)));
        // The hard functions have kinks: where the two one-sided slopes differ, the difference straddles one and says nothing.
        const right = (up - mid) / eps, left = (mid - down) / eps;
        if (Math.abs(right - left) > 2e-3 + 2e-2 * Math.abs(right)) {
          straddled++;
          continue;
        }
        const fd = (up - down) / (2 * eps);
        assert.ok(Math.abs(fd - g[i]) <= 2e-3 + 2e-2 * Math.abs(fd), `${w.name}[${i}]: analytic ${g[i]} vs finite difference ${fd}`);
        checked++;
      }
    }
    assert.ok(checked >= 18, `only ${checked} of 24 points away from a kink (${straddled} straddled one)`);
    tf.dispose(grads);
    m.dispose();
  });

  test("dropout needs a seed, changes the output, and the same seed gives the same output", () => {
    const m = new DNGPU(TINY, "drop");
    const batch = encodeBatch(randomExamples(2, 3, "drop-batch"));
    assert.throws(() => m.forward(batch, { keep: 0.8 }), /seed/);
    assert.throws(() => new DNGPU({ ...TINY, maps: 2 }), /maps/);
    const [a, b, c] = tf.tidy(() => [m.forward(batch, { keep: 0.7, seed: [1] }).logits.dataSync(), m.forward(batch, { keep: 0.7, seed: [1] }).logits.dataSync(), m.forward(batch).logits.dataSync()]);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    m.dispose();
  });
});

describe("DNGPU's AdaMax", () => {
  test("two updates equal the clipped AdaMax written out (no bias correction)", () => {
    const x = tf.variable(tf.tensor1d([1, -2, 0.5]), true, "adamax-test-x");
    const opt = new ClippedAdamax({ learningRate: 0.1, beta2: 0.99 });
    const g1 = [3, -0.00005, 0], g2 = [0.2, 1, -0.3];
    const written = (clip: boolean) => [1, -2, 0.5].map((x0, i) => {
      let m = 0, v = 0, p = x0;
      for (const [g, beta2] of [[g1[i], 0.99], [g2[i], 0.9]]) {
        const lim = clip ? 1.2 * v + 1e-4 : Infinity;
        const gc = Math.max(-lim, Math.min(lim, g));
        m = 0.9 * m + 0.1 * gc;
        v = Math.max(beta2 * v, Math.abs(gc));
        p -= (0.1 * m) / (v + 1e-8);
      }
      return p;
    });
    const expect = written(true);
    tf.tidy(() => opt.applyGradients({ [x.name]: tf.tensor1d(g1) }));
    opt.beta2 = 0.9;
    tf.tidy(() => opt.applyGradients({ [x.name]: tf.tensor1d(g2) }));
    const got = x.dataSync();
    expect.forEach((e, i) => assert.ok(Math.abs(got[i] - e) < 1e-5, `x[${i}]: ${got[i]} vs ${e}`));
    // The clip matters here: without it x[0] would end elsewhere (its first gradient, 3, is cut to 1e-4).
    assert.ok(Math.abs(written(false)[0] - expect[0]) > 1e-3);
    assert.throws(() => new ClippedAdamax({ learningRate: 0 }), /learningRate/);
    opt.dispose();
    x.dispose();
  });
});

describe("DNGPU trainer", () => {
  test("schedules and bins follow the code", () => {
    assert.equal(dngpuBeta2(DNGPU_TRAINING, 0), 1 - 0.01);
    assert.ok(Math.abs(dngpuBeta2(DNGPU_TRAINING, 2000) - (1 - 0.005)) < 1e-12);
    assert.equal(dngpuBeta2(DNGPU_TRAINING, 100000), 1 - 5e-4);
    // The code's bins: 8 holds lengths 3, 5, 7; 12 holds 9, 11; 25 holds 21, 23, 25.
    const bits = binOperandBits(DNGPU_TRAINING.bins);
    assert.deepEqual(bits.slice(0, 2), [[1, 2, 3], [4, 5]]);
    assert.deepEqual(bits[4], [10, 11, 12]);
    assert.deepEqual(binOperandBits([5, 6]), [[1, 2], [2]]);
    assert.throws(() => binOperandBits([9, 8]), /increasing/);
    // Lengths weighted as the code's per-length sets: min(4^d, 10000) examples. Bin [1, 2, 3]: 4, 16, 64 of 84.
    const share = (ds: number[]) => {
      const n = 8400, counts = new Map<number, number>();
      for (let k = 0; k < n; k++) counts.set(pickLength(ds, (k + 0.5) / n), (counts.get(pickLength(ds, (k + 0.5) / n)) ?? 0) + 1);
      return ds.map((d) => (counts.get(d) ?? 0) / n);
    };
    assert.deepEqual(share([1, 2, 3]).map((x) => Math.round(x * 84)), [4, 16, 64]);
    // Past 10,000 examples a length is capped: 7 and 8 bits (16,384 and 65,536 exist) weigh the same.
    assert.deepEqual(share([7, 8]), [0.5, 0.5]);
    assert.equal(pickLength([4, 5], 0), 4);
    assert.equal(pickLength([4, 5], 0.999999), 5);
  });

  const TRAIN: DNGPUTrainConfig = { ...DNGPU_TRAINING, steps: 4, bins: [5, 7], batchSize: 3, learningRate: 0.05, checkEvery: 2, clip: 1, eta: null };

  test("same seed, same run; the noise arm differs only by the noise; tensor count flat (counted before construction)", async () => {
    const before = tf.memory().numTensors;
    const run = async (eta: number | null) => {
      const m = new DNGPU(TINY, "train");
      const h = await trainDNGPU(m, { ...TRAIN, eta }, ["train"]);
      const w = Array.from(m.gates.dataSync());
      m.dispose();
      return { h, w };
    };
    const a = await run(null), b = await run(null), c = await run(1);
    assert.deepEqual(a.w, b.w);
    assert.deepEqual(a.h.loss, b.h.loss);
    // Same batches and dropout: the first step's loss is computed before any update, so it matches; the weights do not.
    assert.equal(c.h.loss[0], a.h.loss[0]);
    assert.notDeepEqual(c.w, a.w);
    assert.ok(a.h.loss.every(Number.isFinite) && a.h.trainError.every((e) => e >= 0 && e <= 1));
    assert.equal(tf.memory().numTensors, before);
  });

  test("a small DNGPU learns: the training loss falls over 40 steps", async () => {
    const m = new DNGPU({ ...DNGPU_MODEL, maps: 12 }, "learn");
    const h = await trainDNGPU(m, { ...TRAIN, steps: 40, bins: [5, 7], batchSize: 8, learningRate: 0.04, checkEvery: 20 }, ["learn"]);
    m.dispose();
    const mean = (x: number[]) => x.reduce((s, y) => s + y, 0) / x.length;
    const first = mean(h.loss.slice(0, 5)), last = mean(h.loss.slice(-5));
    assert.ok(last < 0.8 * first, `loss ${first.toFixed(3)} -> ${last.toFixed(3)}`);
  });

  test("bad schedules and noise settings are named errors before any step", async () => {
    const m = new DNGPU({ ...DNGPU_MODEL, maps: 3 }, "bad");
    try {
      await assert.rejects(trainDNGPU(m, { ...TRAIN, beta2Start: 1 }, ["bad"]), /beta2Floor <= beta2Start < 1/);
      await assert.rejects(trainDNGPU(m, { ...TRAIN, beta2HalfLife: 0 }, ["bad"]), /beta2HalfLife > 0/);
      await assert.rejects(trainDNGPU(m, { ...TRAIN, eta: -1 }, ["bad"]), /eta > 0 and gamma >= 0/);
    } finally {
      m.dispose();
    }
  });
});
