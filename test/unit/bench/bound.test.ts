/**
 * The bench's bound line: kernels a step are counted from a real profile
 * (kernels only, not op scopes), the floor per kernel is a positive time, and
 * the line's arithmetic (kernels x floor against the step, the kernel budget
 * for 2x of the peer) follows from its inputs.
 */
import { before, test } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { allInLine, boundLine, kernelFloorUs, productGflop, productsMs, stepKernels } from "../../../bench/bound";

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
  assert.deepEqual(one.products, []);
  tf.dispose([a, b]);
});

test("stepKernels reads each product's shape and layout from the profile, counting repeats", async () => {
  const x = tf.ones([3, 5, 7]);
  const w = tf.ones([3, 4, 7]);
  const k = await stepKernels(() => tf.tidy(() => {
    const y = tf.matMul(x, w, false, true); // [3, 5, 4], b transposed
    const z = tf.matMul(y, y, true, false); // [3, 4, 4], a transposed
    return tf.add(tf.matMul(x, w, false, true), 0).sum().add(z.sum());
  }));
  const byShape = Object.fromEntries(k.products.map((p) => [`${p.batch}:${p.m}x${p.k}x${p.n}:${p.transposeA}${p.transposeB}`, p.count]));
  assert.deepEqual(byShape, { "3:5x7x4:falsetrue": 2, "3:4x5x4:truefalse": 1 });
  assert.equal(productGflop(k.products), (2 * (2 * 3 * 5 * 7 * 4) + 2 * 3 * 4 * 5 * 4) / 1e9);
  const before = tf.memory().numTensors;
  const ms = await productsMs(k.products);
  assert.ok(ms > 0 && ms < 1e4, String(ms));
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([x, w]);
});

test("kernelFloorUs is a positive time and leaks no tensor", async () => {
  const before = tf.memory().numTensors;
  const us = await kernelFloorUs(3, 50);
  assert.ok(us > 0 && us < 1e5, String(us));
  assert.equal(tf.memory().numTensors, before);
});

test("boundLine: kernels x floor as a share of the step, and the kernel budget for 2x of the peer", async () => {
  const line = await boundLine({
    label: "x",
    step: { kernels: 1000, kernelMs: 10, top: [["BatchMatMul", 10, 6], ["Add", 990, 4]], products: [] },
    floorUs: 5,
    stepMs: 20,
    peerStepMs: 4,
    peerFloorUs: 1.5,
  });
  assert.match(line, /1000 kernels a step; floor 5\.0 µs a kernel .* = 5\.0 ms of the 20\.0 ms step \(25%\)/);
  assert.match(line, /the rest is the kernels' own work/, "under half the step: says so");
  assert.match(line, /BatchMatMul x10 60%, Add x990 40%/);
  assert.match(line, /within 2x needs the step under 8\.0 ms, which the floor alone allows at <= 1600 kernels/);
  assert.doesNotMatch(await boundLine({ label: "y", step: { kernels: 4000, kernelMs: 1, top: [], products: [] }, floorUs: 5, stepMs: 30, peerStepMs: null, peerFloorUs: null }), /the rest|PyTorch|products/);
  // Products replayed (no peer: none timed in PyTorch): their time plus the dispatch floor.
  const withProducts = await boundLine({ label: "z", step: { kernels: 10, kernelMs: 1, top: [], products: [{ batch: 2, m: 8, k: 16, n: 4, transposeA: true, transposeB: false, count: 3 }] }, floorUs: 5, stepMs: 30, peerStepMs: null, peerFloorUs: null });
  assert.match(withProducts, /products \(3 a step, 0\.0 MFLOP\) replayed alone: [0-9.]+ ms here \([0-9.]+ GFLOP\/s\); products \+ dispatch floor = [0-9.]+ ms$/);
});

test("allInLine: the step beyond 2x split into kernels and what runs outside them, and the kernels 2x allows at the measured all-in cost", () => {
  const step = { kernels: 1010, kernelMs: 30, top: [], products: [{ batch: 1, m: 4, k: 4, n: 4, transposeA: false, transposeB: false, count: 10 }] };
  // 50 ms step, 10 ms of products: (50 - 10) / 1000 other kernels = 40 µs each; 2x of a 15 ms peer leaves 20 ms -> 500 kernels.
  const line = allInLine({ label: "x", step, floorUs: 5, stepMs: 50, peerStepMs: 15, peerFloorUs: 1 }, 10)!;
  assert.match(line, /kernels as profiled 30\.0 ms \(60% of the step\), outside them \(engine, autodiff, our JS\) 20\.0 ms \(40%\)/);
  assert.match(line, /all-in 40\.0 µs per kernel that is not a product \(\(step - products\) \/ 1000\): at that cost 2x PyTorch's step allows 500 such kernels, the step has 1000: bound by the number of kernels \(2\.0x too many/);
  // Within 2x, or no peer: no line.
  assert.equal(allInLine({ label: "y", step, floorUs: 5, stepMs: 29, peerStepMs: 15, peerFloorUs: 1 }, 10), null);
  assert.equal(allInLine({ label: "z", step, floorUs: 5, stepMs: 50, peerStepMs: null, peerFloorUs: null }, 10), null);
  // Products alone past 2x: no kernel allowed.
  assert.match(allInLine({ label: "w", step, floorUs: 5, stepMs: 50, peerStepMs: 4, peerFloorUs: 1 }, 10)!, /allows 0 such kernels/);
});
