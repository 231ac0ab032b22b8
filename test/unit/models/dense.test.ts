/**
 * dataMatMul (a product whose left operand is data) against matMul2d: the same
 * value and the same weight gradient bit for bit, on cpu and on wasm; and no
 * gradient asked of the data.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../../src/engine";
import { dataMatMul, matMul2d } from "../../../src/models/dense";
import { gaussian } from "../../../src/random";
import { useBackendOrSkip } from "../../support/backend-or-skip";

const bits = (t: tf.Tensor) => Array.from(new Uint32Array((t.dataSync() as Float32Array).slice().buffer));

for (const backend of ["cpu", "wasm"] as const) {
  test(`on ${backend}: dataMatMul's value and dW are bit-identical to matMul2d's`, async (t) => {
    if (!(await useBackendOrSkip(t, backend))) return;
    try {
      tf.tidy(() => {
        const x = tf.tensor2d(gaussian(37 * 11, 1, "dense-test-x"), [37, 11]);
        const w = tf.variable(tf.tensor2d(gaussian(11 * 5, 0.3, "dense-test-w"), [11, 5]));
        const r = tf.tensor2d(gaussian(37 * 5, 1, "dense-test-r"), [37, 5]);
        const run = (f: () => tf.Tensor) => tf.variableGrads(() => tf.sum(tf.mul(f(), r)) as tf.Scalar, [w]);
        const ref = run(() => matMul2d(x, w));
        const ours = run(() => dataMatMul(x, w));
        assert.deepEqual(bits(ours.value), bits(ref.value), "value");
        assert.deepEqual(bits(ours.grads[w.name]), bits(ref.grads[w.name]), "dW");
        w.dispose();
      });
    } finally {
      await selectBackend({ backend: "cpu" });
    }
  });
}
