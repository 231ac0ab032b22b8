/**
 * The CGRU op's hand-written gradient (families/neural-gpu/cgru.ts) against
 * the tape's gradient of the same CGRU written with tf.conv2d on 4-D images
 * and tf.clipByValue (the cpu backend, which trains tf.conv2d): every input's
 * gradient, on cpu and on wasm (the copy kernels of engine/shift-kernels.ts),
 * with masked columns and gates in both clipped regions, and a flat tensor
 * count.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../../../src/engine";
import { cgruOp } from "../../../../src/families/neural-gpu/cgru";
import { gaussian } from "../../../../src/random";

const [B, H, W, M] = [2, 3, 5, 4];
const N = B * H * W;
const CUTOFF = 1.2;

/** Inputs: the image, the gates and candidate kernels [9 M, .] with biases, a mask zeroing column 4 of example 1. */
function inputs(): tf.Tensor[] {
  const mask = new Float32Array(N).fill(1);
  for (let h = 0; h < H; h++) mask[(1 * H + h) * W + 4] = 0;
  return [
    tf.tensor2d(gaussian(N * M, 1, "cgru-test", "s"), [N, M]),
    // Large enough gate weights that some gates sit in each clipped region (checked below).
    tf.tensor2d(gaussian(9 * M * 2 * M, 0.8, "cgru-test", "wg"), [9 * M, 2 * M]),
    tf.tensor1d(gaussian(2 * M, 0.5, "cgru-test", "bg")),
    tf.tensor2d(gaussian(9 * M * M, 0.4, "cgru-test", "wc"), [9 * M, M]),
    tf.tensor1d(gaussian(M, 0.5, "cgru-test", "bc")),
    tf.tensor2d(mask, [N, 1]),
  ];
}

/** The same CGRU through the tape: 4-D images, tf.conv2d, tf.clipByValue. */
function reference(s: tf.Tensor, wg: tf.Tensor, bg: tf.Tensor, wc: tf.Tensor, bc: tf.Tensor, mask: tf.Tensor): tf.Tensor {
  const img = (x: tf.Tensor, c: number) => tf.reshape(x, [B, H, W, c]) as tf.Tensor4D;
  const conv = (x: tf.Tensor, w: tf.Tensor, c: number, d: number) => tf.reshape(tf.conv2d(img(x, c), tf.reshape(w, [3, 3, c, d]) as tf.Tensor4D, 1, "same"), [N, d]);
  const g = tf.clipByValue(tf.sub(tf.mul(tf.sigmoid(tf.add(conv(s, wg, M, 2 * M), bg)), CUTOFF), (CUTOFF - 1) / 2), 0, 1);
  const u = tf.slice(g, [0, 0], [-1, M]);
  const r = tf.slice(g, [0, M], [-1, M]);
  const h = tf.tanh(tf.add(conv(tf.mul(r, s), wc, M, M), bc));
  return tf.mul(tf.add(tf.mul(u, s), tf.mul(tf.sub(1, u), h)), mask);
}

/** Value and the gradients of sum(out * q) with respect to s, wg, bg, wc, bc. */
function valueAndGrads(f: (...x: tf.Tensor[]) => tf.Tensor): Float32Array[] {
  return tf.tidy(() => {
    const xs = inputs();
    const q = tf.tensor2d(gaussian(N * M, 1, "cgru-test", "q"), [N, M]);
    const mask = xs[5];
    const g = tf.grads((...a: tf.Tensor[]) => tf.sum(tf.mul(f(...a, mask), q)))(xs.slice(0, 5));
    return [f(...xs), ...g].map((t) => t.dataSync() as Float32Array);
  });
}

const close = (a: Float32Array, b: Float32Array, tol: number, what: string) => {
  assert.equal(a.length, b.length, `${what}: lengths`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i])));
  assert.ok(worst <= tol, `${what}: worst relative difference ${worst} > ${tol}`);
};

const NAMES = ["value", "d/ds", "d/dgates", "d/dgatesBias", "d/dcandidate", "d/dcandidateBias"];
const ours = (...x: tf.Tensor[]) => cgruOp({ batch: B, height: H, width: W }, CUTOFF)(...(x as Parameters<ReturnType<typeof cgruOp>>));

describe("CGRU op", () => {
  test("the inputs reach both clipped regions of the gate and its inside", async () => {
    await selectBackend({ backend: "cpu" });
    const [lo, mid, hi] = tf.tidy(() => {
      const [s, wg, bg] = inputs();
      const pre = tf.sub(tf.mul(tf.sigmoid(tf.add(tf.reshape(tf.conv2d(tf.reshape(s, [B, H, W, M]) as tf.Tensor4D, tf.reshape(wg, [3, 3, M, 2 * M]) as tf.Tensor4D, 1, "same"), [N, 2 * M]), bg)), CUTOFF), (CUTOFF - 1) / 2);
      return [tf.sum(tf.cast(tf.less(pre, 0), "int32")), tf.sum(tf.cast(tf.logicalAnd(tf.greater(pre, 0), tf.less(pre, 1)), "int32")), tf.sum(tf.cast(tf.greater(pre, 1), "int32"))].map((t) => t.dataSync()[0]);
    });
    assert.ok(lo > 0 && mid > 0 && hi > 0, `gates below 0: ${lo}, inside: ${mid}, above 1: ${hi}`);
  });

  test("value and every gradient equal the tape's through tf.conv2d, on cpu", async () => {
    await selectBackend({ backend: "cpu" });
    const before = tf.memory().numTensors;
    const a = valueAndGrads(ours);
    const b = valueAndGrads(reference);
    NAMES.forEach((n, i) => close(a[i], b[i], 1e-5, n));
    assert.equal(tf.memory().numTensors, before);
  });

  test("on wasm the same values and gradients as cpu's tape", async (t) => {
    await selectBackend({ backend: "cpu" });
    const ref = valueAndGrads(reference);
    try {
      await selectBackend({ backend: "wasm" });
    } catch (e) {
      t.skip(`no wasm backend: ${(e as Error).message}`);
      return;
    }
    try {
      const before = tf.memory().numTensors;
      const a = valueAndGrads(ours);
      NAMES.forEach((n, i) => close(a[i], ref[i], 1e-4, `wasm ${n}`));
      assert.equal(tf.memory().numTensors, before);
    } finally {
      await selectBackend({ backend: "cpu" });
    }
  });
});
