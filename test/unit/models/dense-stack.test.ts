/**
 * denseStack (the MLP's layers as one op with a hand-written backward) against
 * the taped layers it replaced (tf.add(matMul2d(h, W), b), tf.relu, tf.mul by
 * the dropout mask): value and every gradient bit for bit, on cpu and on wasm,
 * with and without masks; and SGD steps of an MLP on both paths from the same
 * seed giving the same weights bit for bit, so committed results stay valid.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../../src/engine";
import { matMul2d } from "../../../src/models/dense";
import { denseStack } from "../../../src/models/dense-stack";
import { MLP } from "../../../src/models/mlp";
import { gaussian, uniformStream } from "../../../src/random";
import { useBackendOrSkip } from "../../support/backend-or-skip";

/** The taped path the MLP used before denseStack. */
function taped(x: tf.Tensor2D, W: tf.Tensor2D[], B: tf.Tensor1D[], masks?: tf.Tensor2D[]): tf.Tensor2D {
  let h = x;
  for (let l = 0; l < W.length; l++) {
    const z = tf.add(matMul2d(h, W[l]), B[l]) as tf.Tensor2D;
    h = l < W.length - 1 ? tf.relu(z) : z;
    if (masks && l < W.length - 1) h = tf.mul(h, masks[l]);
  }
  return h;
}

const sizes = [7, 6, 5, 6, 3];
const batch = 9;

/** Value and gradients (W then b) of sum(f(x) * r), as plain arrays. */
function valueAndGrads(f: typeof taped, withMasks: boolean): Float32Array[] {
  return tf.tidy(() => {
    const W = sizes.slice(1).map((n, l) => tf.variable(tf.tensor2d(gaussian(sizes[l] * n, 0.5, "dense-stack-w", l), [sizes[l], n])));
    const B = sizes.slice(1).map((n, l) => tf.variable(tf.tensor1d(gaussian(n, 0.5, "dense-stack-b", l))));
    const x = tf.tensor2d(gaussian(batch * sizes[0], 1, "dense-stack-x"), [batch, sizes[0]]);
    const r = tf.tensor2d(gaussian(batch * sizes[sizes.length - 1], 1, "dense-stack-r"), [batch, sizes[sizes.length - 1]]);
    const masks = withMasks
      ? sizes.slice(1, -1).map((n, l) => {
        const u = uniformStream(3, "dense-stack-mask", l);
        return tf.tensor2d(Array.from({ length: batch * n }, () => (u() < 0.3 ? 0 : 1 / 0.7)), [batch, n]);
      })
      : undefined;
    const vars = [...W, ...B];
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(f(x, W, B, masks), r)) as tf.Scalar, vars);
    const out = [value.dataSync() as Float32Array, ...vars.map((v) => grads[v.name].dataSync() as Float32Array)];
    vars.forEach((v) => v.dispose());
    return out;
  });
}

const sameBits = (a: Float32Array, b: Float32Array, what: string) =>
  assert.deepEqual(new Uint32Array(a.buffer.slice(0)), new Uint32Array(b.buffer.slice(0)), `${what}: not bit-identical`);

/** Five SGD steps of a small MLP (dropout as given); its weights afterwards. */
function trainedWeights(dropout: number, fused: boolean): Float32Array[] {
  const model = new MLP({ inputSize: 7, hidden: [6, 5, 6], outputSize: 3, init: { kind: "he" }, seed: 4, dropout });
  if (!fused) {
    // The old logits: the taped layers, with the model's own masks.
    const m = model as unknown as { dropoutMask: (s: [number, number], l: number, t: number, r: number) => tf.Tensor2D };
    model.logits = (x: tf.Tensor2D, step?: number) => tf.tidy(() => {
      if (!(dropout > 0 && step !== undefined)) return taped(x, model.weights as tf.Tensor2D[], model.biases as tf.Tensor1D[]);
      const t: number = step;
      const masks = model.weights.slice(0, -1).map((w, l) => m.dropoutMask([x.shape[0], (w as tf.Tensor2D).shape[1]], l, t, dropout));
      return taped(x, model.weights as tf.Tensor2D[], model.biases as tf.Tensor1D[], masks);
    });
  }
  const opt = tf.train.sgd(0.1);
  const x = tf.tensor2d(gaussian(batch * 7, 1, "dense-stack-train-x"), [batch, 7]);
  const y = tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 3), "int32"), 3).toFloat() as tf.Tensor2D;
  for (let s = 0; s < 5; s++) opt.minimize(() => model.loss(x, y, s), false, model.variables);
  const out = model.variables.map((v) => v.dataSync() as Float32Array);
  tf.dispose([x, y]);
  opt.dispose();
  model.dispose();
  return out;
}

describe("denseStack", () => {
  for (const backend of ["cpu", "wasm"] as const) {
    test(`on ${backend}: value and every gradient bit-identical to the taped layers, with and without dropout masks; MLP SGD steps too`, async (t) => {
      if (!(await useBackendOrSkip(t, backend))) return;
      try {
        for (const withMasks of [false, true]) {
          const ours = valueAndGrads(denseStack, withMasks);
          const ref = valueAndGrads(taped, withMasks);
          assert.ok(ref.slice(1).every((g) => g.some((v) => v !== 0)), "every gradient is non-zero (else the comparison proves little)");
          ours.forEach((a, i) => sameBits(a, ref[i], `${backend}, masks ${withMasks}, output ${i}`));
        }
        for (const dropout of [0, 0.3]) {
          const ours = trainedWeights(dropout, true);
          const ref = trainedWeights(dropout, false);
          ours.forEach((a, i) => sameBits(a, ref[i], `${backend}, dropout ${dropout}, variable ${i} after 5 SGD steps`));
        }
        const before = tf.memory().numTensors;
        valueAndGrads(denseStack, true);
        assert.equal(tf.memory().numTensors, before, "no tensor leaks");
      } finally {
        await selectBackend({ backend: "cpu" });
      }
    });
  }

  test("named errors for mismatched layer lists", () => {
    const w = [tf.zeros([2, 2]) as tf.Tensor2D, tf.zeros([2, 2]) as tf.Tensor2D];
    const b = [tf.zeros([2]) as tf.Tensor1D];
    assert.throws(() => denseStack(tf.zeros([1, 2]) as tf.Tensor2D, w, b), /denseStack: 2 weights but 1 biases/);
    assert.throws(() => denseStack(tf.zeros([1, 2]) as tf.Tensor2D, w, [...b, ...b], []), /denseStack: 1 hidden layers but 0 dropout masks/);
  });
});
