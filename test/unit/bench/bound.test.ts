/**
 * The bench's bound line: kernels a step are counted from a real profile
 * (kernels only, not op scopes), the floor per kernel is a positive time, and
 * the line's arithmetic (kernels x floor against the step, the kernel budget
 * for 2x of the peer) follows from its inputs.
 */
import { before, test } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { boundLine, kernelFloorUs, stepKernels } from "../../../bench/bound";

before(async () => {
  await tf.setBackend("cpu");
});

test("stepKernels counts the kernels a step dispatches, leaving out op scopes", async () => {
  const a = tf.tensor2d([[1, 2], [3, 4]]);
  const b = tf.tensor2d([[5, 6], [7, 8]]);
  // matMul, then add, then a loss whose op scope ("softmaxCrossEntropy") is not a kernel.
  const k = await stepKernels(() => {
    const y = tf.add(tf.matMul(a, b), a);
    return tf.tidy(() => tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d([0, 1], "int32"), 2), y));
  });
  const names = k.top.map(([n]) => n);
  assert.ok(names.includes("BatchMatMul") && names.includes("Add"), names.join(", "));
  assert.ok(names.every((n) => tf.getKernel(n, "cpu") !== undefined), `only kernels: ${names.join(", ")}`);
  assert.equal(k.top.reduce((s, [, c]) => s + c, 0), k.kernels);
  const one = await stepKernels(() => tf.add(a, b));
  assert.equal(one.kernels, 1);
  tf.dispose([a, b]);
});

test("kernelFloorUs is a positive time and leaks no tensor", async () => {
  const before = tf.memory().numTensors;
  const us = await kernelFloorUs(3, 50);
  assert.ok(us > 0 && us < 1e5, String(us));
  assert.equal(tf.memory().numTensors, before);
});

test("boundLine: kernels x floor as a share of the step, and the kernel budget for 2x of the peer", () => {
  const line = boundLine({
    label: "x",
    step: { kernels: 1000, kernelMs: 10, top: [["BatchMatMul", 10, 6], ["Add", 990, 4]] },
    floorUs: 5,
    stepMs: 20,
    peerStepMs: 4,
    peerFloorUs: 1.5,
  });
  assert.match(line, /1000 kernels a step; floor 5\.0 µs a kernel .* = 5\.0 ms of the 20\.0 ms step \(25%\)/);
  assert.match(line, /the rest is the kernels' own work/, "under half the step: says so");
  assert.match(line, /BatchMatMul x10 60%, Add x990 40%/);
  assert.match(line, /within 2x needs the step under 8\.0 ms, which the floor alone allows at <= 1600 kernels/);
  assert.doesNotMatch(boundLine({ label: "y", step: { kernels: 4000, kernelMs: 1, top: [] }, floorUs: 5, stepMs: 30, peerStepMs: null, peerFloorUs: null }), /the rest|PyTorch/);
});
