/**
 * The shift convolution: conv3x3Same against the cpu backend's tf.conv2d
 * (values, and the gradients with respect to input and kernel, which tfjs
 * computes with Conv2DBackpropInput / Conv2DBackpropFilter), the same values
 * and gradients on wasm (which has no Conv2DBackpropFilter), flat tensor
 * counts, and named errors for bad offsets and shapes.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../../src/engine";
import { conv3x3Same, kernelOffsets, shiftConv } from "../../../src/models/shift-conv";
import { gaussian } from "../../../src/random";

const close = (a: Float32Array | number[], b: Float32Array | number[], tol: number, what: string) => {
  assert.equal(a.length, b.length, `${what}: lengths`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i])));
  assert.ok(worst <= tol, `${what}: worst relative difference ${worst} > ${tol}`);
};

/** Value and the gradients of sum(y * r) with respect to x and w, for a conv `f`. */
function valueAndGrads(f: (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D, shape: [number, number, number, number], d: number): Float32Array[] {
  return tf.tidy(() => {
    const [b, h, wd, c] = shape;
    const x = tf.tensor4d(gaussian(b * h * wd * c, 1, "conv-test", "x"), shape);
    const w = tf.tensor4d(gaussian(9 * c * d, 0.5, "conv-test", "w"), [3, 3, c, d]);
    const r = tf.tensor4d(gaussian(b * h * wd * d, 1, "conv-test", "r"), [b, h, wd, d]);
    const y = f(x, w);
    const [gx, gw] = tf.grads((a: tf.Tensor, k: tf.Tensor) => tf.sum(tf.mul(f(a as tf.Tensor4D, k as tf.Tensor4D), r)))([x, w]);
    return [y.dataSync() as Float32Array, gx.dataSync() as Float32Array, gw.dataSync() as Float32Array];
  });
}

const reference = (x: tf.Tensor4D, w: tf.Tensor4D) => tf.conv2d(x, w, 1, "same");
const SHAPES: [number, number, number, number, number][] = [[2, 4, 7, 3, 5], [1, 1, 1, 2, 2], [3, 2, 9, 4, 8]];

describe("shift convolution", () => {
  test("conv3x3Same equals tf.conv2d 'same' and its gradients on cpu", async () => {
    await selectBackend({ backend: "cpu" });
    for (const [b, h, w, c, d] of SHAPES) {
      const ours = valueAndGrads(conv3x3Same, [b, h, w, c], d);
      const ref = valueAndGrads(reference, [b, h, w, c], d);
      ["value", "d/dx", "d/dw"].forEach((what, i) => close(ours[i], ref[i], 1e-5, `[${b},${h},${w},${c}]->${d} ${what}`));
    }
  });

  test("on wasm (no Conv2DBackpropFilter) the same values and gradients as cpu's tf.conv2d", async (t) => {
    await selectBackend({ backend: "cpu" });
    const ref = SHAPES.map(([b, h, w, c, d]) => valueAndGrads(reference, [b, h, w, c], d));
    try {
      await selectBackend({ backend: "wasm" });
    } catch (e) {
      t.skip(`no wasm backend: ${(e as Error).message}`);
      return;
    }
    try {
      SHAPES.forEach(([b, h, w, c, d], k) => {
        const ours = valueAndGrads(conv3x3Same, [b, h, w, c], d);
        ["value", "d/dx", "d/dw"].forEach((what, i) => close(ours[i], ref[k][i], 1e-4, `wasm [${b},${h},${w},${c}]->${d} ${what}`));
      });
    } finally {
      await selectBackend({ backend: "cpu" });
    }
  });

  test("shiftConv's gradient is the adjoint: <shiftConv(x), r> = <x, grad> (float32, tolerance 1e-4)", async () => {
    await selectBackend({ backend: "cpu" });
    // A linear map's gradient of <f(x), r> is f^T r; compare <f(x), r> with <x, f^T r> (both in float32, tolerance stated).
    const offs = kernelOffsets(5);
    tf.tidy(() => {
      const x = tf.tensor2d(gaussian(30 * 3, 1, "adj", "x"), [30, 3]);
      const w = tf.tensor2d(gaussian(9 * 3 * 2, 1, "adj", "w"), [27, 2]);
      const r = tf.tensor2d(gaussian(30 * 2, 1, "adj", "r"), [30, 2]);
      const lhs = tf.sum(tf.mul(shiftConv(x, w, offs), r)).dataSync()[0];
      const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(shiftConv(a as tf.Tensor2D, w, offs), r)))(x);
      const rhs = tf.sum(tf.mul(x, g)).dataSync()[0];
      assert.ok(Math.abs(lhs - rhs) <= 1e-4 * (1 + Math.abs(lhs)), `${lhs} vs ${rhs}`);
    });
  });

  test("tensor count flat over repeated value-and-gradient calls", async () => {
    await selectBackend({ backend: "cpu" });
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) valueAndGrads(conv3x3Same, [2, 4, 6, 3], 4);
    assert.equal(tf.memory().numTensors, before);
  });

  test("named errors for bad offsets and shapes", () => {
    const x = tf.zeros([4, 2]) as tf.Tensor2D;
    assert.throws(() => shiftConv(x, tf.zeros([6, 1]) as tf.Tensor2D, [-1, 0, 2]), /symmetric/);
    assert.throws(() => shiftConv(x, tf.zeros([6, 1]) as tf.Tensor2D, [1, 0, -1]), /increasing/);
    assert.throws(() => shiftConv(x, tf.zeros([5, 1]) as tf.Tensor2D, [-1, 0, 1]), /6/);
    assert.throws(() => conv3x3Same(tf.zeros([1, 2, 2, 2]) as tf.Tensor4D, tf.zeros([3, 3, 3, 1]) as tf.Tensor4D), RangeError);
    assert.throws(() => kernelOffsets(2), RangeError);
    tf.dispose(x);
  });
});
