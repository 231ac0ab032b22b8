/**
 * The Neural GPU: its forward pass against an independent 4-D formulation
 * with tf.conv2d (embedding in the first row, CGRU with the cut-off gate,
 * state zeroed at padded columns, relaxation set t mod r, output from the
 * first row), its gradient against central finite differences, the
 * relaxation's pull and averaging, dropout only with a seed, and flat tensor
 * counts over construction, training and disposal.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../../../src/engine";
import { encodeBatch, multiplication, NeuralGPU, NeuralGPUConfig, ORIGINAL_MODEL, PAD, randomExamples, trainNeuralGPU, VOCAB } from "../../../../src/families/neural-gpu";

before(async () => {
  await selectBackend({ backend: "cpu" });
});

const TINY: NeuralGPUConfig = { ...ORIGINAL_MODEL, maps: 3, rows: 2, relax: 2, initScale: 2 };

/** The same model written with 4-D images and tf.conv2d, from the model's weights. */
function reference(m: NeuralGPU, inputs: Int32Array, B: number, L: number): tf.Tensor2D {
  const { maps, rows, layers, relax, cutoff } = m.config;
  return tf.tidy(() => {
    const colMask = tf.tensor4d(Float32Array.from(inputs, (s) => (s === PAD ? 0 : 1)), [B, 1, L, 1]);
    const emb = tf.reshape(tf.gather(m.embedding, tf.tensor1d(inputs, "int32")), [B, 1, L, maps]);
    let s = tf.mul(tf.concat([emb, tf.zeros([B, rows - 1, L, maps])], 1), colMask) as tf.Tensor4D;
    const gate = (x: tf.Tensor) => tf.clipByValue(tf.sub(tf.mul(tf.sigmoid(x), cutoff), (cutoff - 1) / 2), 0, 1);
    for (let t = 0; t < L; t++) {
      for (let l = 0; l < layers; l++) {
        const p = m.cgru[t % relax][l];
        const g = tf.add(tf.conv2d(s, tf.reshape(p.gates, [3, 3, maps, 2 * maps]) as tf.Tensor4D, 1, "same"), p.gatesBias);
        const u = gate(tf.slice(g, [0, 0, 0, 0], [-1, -1, -1, maps]));
        const r = gate(tf.slice(g, [0, 0, 0, maps], [-1, -1, -1, maps]));
        const c = tf.tanh(tf.add(tf.conv2d(tf.mul(r, s) as tf.Tensor4D, tf.reshape(p.candidate, [3, 3, maps, maps]) as tf.Tensor4D, 1, "same"), p.candidateBias));
        s = tf.mul(tf.add(tf.mul(u, s), tf.mul(tf.sub(1, u), c)), colMask) as tf.Tensor4D;
      }
    }
    const first = tf.reshape(tf.slice(s, [0, 0, 0, 0], [B, 1, L, maps]), [B * L, maps]);
    return tf.add(tf.matMul(first, m.output), m.outputBias) as tf.Tensor2D;
  });
}

describe("Neural GPU model", () => {
  test("forward equals a 4-D tf.conv2d formulation (padded columns zeroed, relaxation sets by step)", () => {
    const m = new NeuralGPU(TINY, "fwd");
    // Make the relaxation sets differ, so using the wrong set would show.
    tf.tidy(() => m.cgru[1][0].gates.assign(tf.mul(m.cgru[1][0].gates, -1.5)));
    const batch = encodeBatch([multiplication(5n, 3n, 3), multiplication(1n, 2n, 2)], 8);
    const ours = tf.tidy(() => m.forward(batch).logits);
    const ref = reference(m, batch.inputs, batch.size, batch.length);
    const a = ours.dataSync(), b = ref.dataSync();
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-4, `logit ${i}: ${a[i]} vs ${b[i]}`);
    // The logits depend on the input (not a constant).
    assert.ok(Math.abs(a[0] - a[8 * VOCAB]) > 1e-6 || Math.abs(a[1] - a[8 * VOCAB + 1]) > 1e-6);
    tf.dispose([ours, ref]);
    m.dispose();
  });

  test("gradient of loss + pull agrees with central finite differences", () => {
    const m = new NeuralGPU({ ...TINY, relax: 2 }, "grad");
    tf.tidy(() => m.cgru[1][1].candidate.assign(tf.add(m.cgru[1][1].candidate, 0.3)));
    const batch = encodeBatch(randomExamples(2, 2, "grad-batch"), 8);
    const f = () => tf.add(NeuralGPU.loss(m.forward(batch).logits, batch), tf.mul(0.1, m.pullLoss())) as tf.Scalar;
    const { grads } = tf.variableGrads(f, m.weights);
    const eps = 1e-2;
    let checked = 0;
    for (const w of [m.embedding, m.output, m.cgru[0][0].gates, m.cgru[1][1].candidate, m.cgru[0][1].gatesBias]) {
      const g = grads[w.name].dataSync();
      const v = w.dataSync().slice();
      for (const i of [0, Math.floor(v.length / 2), v.length - 1]) {
        const at = (x: number) => {
          const c = v.slice();
          c[i] = x;
          tf.tidy(() => w.assign(tf.tensor(c, w.shape)));
          return tf.tidy(() => f().dataSync()[0]);
        };
        const fd = (at(v[i] + eps) - at(v[i] - eps)) / (2 * eps);
        tf.tidy(() => w.assign(tf.tensor(v, w.shape)));
        assert.ok(Math.abs(fd - g[i]) <= 2e-3 + 2e-2 * Math.abs(fd), `${w.name}[${i}]: analytic ${g[i]} vs finite difference ${fd}`);
        checked++;
      }
    }
    assert.equal(checked, 15);
    tf.dispose(grads);
    m.dispose();
  });

  test("pull is zero for equal sets, positive otherwise; averaging makes the sets equal and keeps their mean", () => {
    const m = new NeuralGPU(TINY, "pull");
    assert.equal(tf.tidy(() => m.pullLoss().dataSync()[0]), 0);
    tf.tidy(() => m.cgru[1][0].gates.assign(tf.add(m.cgru[1][0].gates, 1)));
    const mean = tf.tidy(() => tf.mean(tf.stack([m.cgru[0][0].gates, m.cgru[1][0].gates]), 0));
    const p = tf.tidy(() => m.pullLoss().dataSync()[0]);
    // Two sets differing by 1 everywhere: each is 0.5 from the mean, so the pull is 2 * 0.25 * size.
    assert.ok(Math.abs(p - 0.5 * m.cgru[0][0].gates.size) < 1e-2, `pull ${p}`);
    m.averageRelaxed();
    assert.equal(tf.tidy(() => m.pullLoss().dataSync()[0]), 0);
    assert.ok(tf.tidy(() => tf.max(tf.abs(tf.sub(m.cgru[0][0].gates, mean))).dataSync()[0]) < 1e-6);
    mean.dispose();
    m.dispose();
  });

  test("dropout needs a seed, changes the output, and the same seed gives the same output", () => {
    const m = new NeuralGPU(TINY, "drop");
    const batch = encodeBatch(randomExamples(2, 3, "drop-batch"));
    assert.throws(() => m.forward(batch, { dropout: 0.2 }), /seed/);
    const [a, b, c] = tf.tidy(() => [m.forward(batch, { dropout: 0.3, seed: [1] }).logits.dataSync(), m.forward(batch, { dropout: 0.3, seed: [1] }).logits.dataSync(), m.forward(batch).logits.dataSync()]);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    m.dispose();
  });

  test("training, noise and evaluation keep the tensor count flat (counted before construction)", async () => {
    const before = tf.memory().numTensors;
    const m = new NeuralGPU(TINY, "mem");
    const h = await trainNeuralGPU(m, {
      steps: 3, batchSize: 4, learningRate: 1e-3, adamEpsilon: 1e-4, clip: 1, dropout: 0.1, pull: 5e-4, pullFactor: 1.2,
      curriculum: { minBits: 1, maxBits: 3, startBits: 2, threshold: 1, pHarder: 0.6, pAnywhere: 0.25 }, checkEvery: 1, eta: 1, gamma: 0.55,
    }, ["mem"]);
    assert.ok(h.loss.every(Number.isFinite));
    m.dispose();
    assert.equal(tf.memory().numTensors, before);
  });
});
