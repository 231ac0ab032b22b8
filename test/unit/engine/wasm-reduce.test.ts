/**
 * engine/wasm-reduce.ts: globalNorm as one WASM kernel has the bits of the taped
 * formula (Abs, Max, Stack, Maximum, RealDiv, Square, Sum, AddN, Sqrt, Multiply)
 * on tfjs-backend-wasm, over ragged sizes, huge and tiny magnitudes, zeros and
 * non-finite gradients; other backends keep the formula.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { selectBackend } from "../../../src/engine";
import { freshAssembly } from "../../support/wat";
import { originalWasmKernel } from "../../support/wasm-original";
import { wasmGlobalNorm, wasmNonFiniteProbe } from "../../../src/engine/wasm-reduce";
import { globalNorm } from "../../../src/noise/clip";


/** The formula as tfjs ops (noise/clip.ts before the kernel). */
function taped(grads: tf.Tensor[]): tf.Scalar {
  return tf.tidy(() => {
    const m = tf.maximum(tf.max(tf.stack(grads.map((g) => tf.max(tf.abs(g))))), 1e-30);
    return tf.mul(m, tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(tf.div(g, m))))))) as tf.Scalar;
  });
}

const bitsOf = (t: tf.Tensor) => new Uint32Array(Float32Array.from(t.dataSync()).buffer)[0];

let originalSum: tf.KernelConfig["kernelFunc"];

describe("WASM reductions (engine/wasm-reduce.ts)", () => {
  before(async () => {
    originalSum = await originalWasmKernel("Sum");
  });
  after(async () => {
    await selectBackend({ backend: "cpu" });
  });

  test("the committed module is a fresh assembly of wasm-reduce.wat (run node scripts/assemble-wat.cjs after editing it)", async () => {
    const { REDUCE_WASM_BASE64 } = await import("../../../src/engine/wasm-reduce-wasm");
    assert.equal(await freshAssembly("REDUCE_WAT"), REDUCE_WASM_BASE64);
  });

  test("the same bits as the taped formula: ragged sizes, scales from 1e-38 to 1e30, zeros, the largest element anywhere", () => {
    const before = tf.memory().numTensors;
    let seed = 3;
    const sizes = [[1], [3], [4], [5], [7, 9], [50, 50], [784, 50], [13], [2, 3, 4]];
    const cases: tf.Tensor[][] = [];
    for (const scale of [1, 1e-3, 1e20, 1e30, 1e-38]) {
      for (let rep = 0; rep < 4; rep++) {
        cases.push(sizes.slice(rep, rep + 5).map((s) => tf.tidy(() => tf.mul(tf.randomNormal(s, 0, 1, "float32", seed++), scale))));
      }
    }
    cases.push([tf.zeros([5]), tf.zeros([2, 2])]); // m = 1e-30
    cases.push([tf.tensor1d([-0, 0, -0, 0, -0]), tf.tensor1d([1e-45, -1e-45, 3])]);
    cases.push([tf.tensor1d([1, 2, 3, -9, 4, 5, 6, 7, 8]), tf.tensor1d([9])]); // ties for the largest magnitude
    for (const grads of cases) {
      const fused = wasmGlobalNorm(grads);
      assert.ok(fused, "the kernel runs on wasm");
      const want = taped(grads);
      assert.equal(bitsOf(fused), bitsOf(want), `norm of [${grads.map((g) => g.shape.join("x")).join(", ")}]: ${fused.dataSync()[0]} vs ${want.dataSync()[0]}`);
      const viaClip = globalNorm(grads); // what clipByGlobalNorm calls
      assert.equal(bitsOf(viaClip), bitsOf(want));
      tf.dispose([fused, want, viaClip]);
    }
    tf.dispose(cases.flat());
    assert.equal(tf.memory().numTensors, before);
  });

  test("a NaN or an infinity anywhere gives NaN, as the formula does", () => {
    for (const bad of [[NaN, 1, 2, 3, 4], [1, 2, NaN, 3, 4, 5], [1, Infinity, 2, 3, 4], [-Infinity]]) {
      tf.tidy(() => {
        const grads = [tf.tensor1d([0.5, -2, 3]), tf.tensor1d(bad)];
        assert.ok(Number.isNaN(wasmGlobalNorm(grads)!.dataSync()[0]));
        assert.ok(Number.isNaN(taped(grads).dataSync()[0]));
      });
    }
  });

  test("the finiteness probe: +0 bits while every element is finite (signed zeros, subnormals, 3e38), NaN for any NaN or infinity, as addN(sum(g * 0))", () => {
    const before = tf.memory().numTensors;
    const finite = [[-0, 0, -1e-45, 3e38, -3e38], [-1, -2, -3, -4, -5, -6, -7], [0.5]];
    const cases: number[][][] = [finite, [...finite, [1, 2, NaN]], [[Infinity, 1, 2, 3, 4, 5]], [[1, 2, 3, 4], [5, 6, 7, 8, 9, -Infinity]], [[NaN]]];
    for (const vals of cases) {
      tf.tidy(() => {
        const grads = vals.map((v) => tf.tensor1d(v));
        const fused = wasmNonFiniteProbe(grads)!;
        const want = tf.addN(grads.map((g) => tf.sum(tf.mul(g, 0))));
        const f = fused.dataSync()[0], w = want.dataSync()[0];
        if (Number.isNaN(w)) assert.ok(Number.isNaN(f), `${vals}: ${f}`);
        else assert.equal(bitsOf(fused), bitsOf(want), `${vals}: ${f} vs ${w}`);
      });
    }
    assert.equal(tf.memory().numTensors, before);
  });

  test("Sum over leading axes has the original kernel's bits (four columns at a time, each in order); other reductions are the original's", () => {
    const before = tf.memory().numTensors;
    const byOriginal = (x: tf.Tensor, axis: number | number[], keepDims: boolean) =>
      tf.engine().makeTensorFromTensorInfo(originalSum({ inputs: { x }, attrs: { axis, keepDims }, backend: tf.backend() }) as tf.TensorInfo);
    let seed = 70;
    const cases: [number[], number | number[]][] = [[[1, 1], 0], [[3, 5], 0], [[32, 50], 0], [[7, 3], -2], [[130, 9], [0]], [[2, 3, 4], 0], [[2, 3, 4], [0, 1]], [[4, 1, 6], [1, 0]], [[5, 8], 1], [[2, 3, 4], [1, 2]], [[2, 3, 4], 1], [[6, 7], [0, 1]]];
    for (const [shape, axis] of cases) for (const keepDims of [false, true]) {
      tf.tidy(() => {
        const x = tf.mul(tf.randomNormal(shape, 0, 1, "float32", seed++), 1e3);
        const ours = tf.sum(x, axis, keepDims);
        const theirs = byOriginal(x, axis, keepDims);
        assert.deepEqual(ours.shape, theirs.shape);
        assert.deepEqual(Array.from(new Uint32Array(Float32Array.from(ours.dataSync()).buffer)), Array.from(new Uint32Array(Float32Array.from(theirs.dataSync()).buffer)), `[${shape}] axis ${axis} keepDims ${keepDims}`);
      });
    }
    tf.tidy(() => {
      const x = tf.tensor2d([[1, NaN, Infinity, -0], [-0, 2, -Infinity, -0]]);
      const s = tf.sum(x, 0).dataSync();
      assert.ok(s[0] === 1 && Number.isNaN(s[1]) && Number.isNaN(s[2]) && Object.is(s[3], 0), String(s));
      assert.deepEqual(Array.from(tf.sum(tf.ones([3, 4], "int32"), 0).dataSync()), [3, 3, 3, 3], "int32 keeps the original");
    });
    assert.equal(tf.memory().numTensors, before);
  });

  test("tensor counts flat; empty gradients, int32 and other backends keep the formula", async () => {
    const g = [tf.randomNormal([30, 7], 0, 1, "float32", 1), tf.randomNormal([7], 0, 1, "float32", 2)];
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) globalNorm(g).dispose();
    assert.equal(tf.memory().numTensors, before);
    assert.equal(wasmGlobalNorm([tf.zeros([0])]), null);
    assert.equal(wasmGlobalNorm([tf.ones([3], "int32")]), null);
    assert.equal(wasmGlobalNorm([]), null);
    const onWasm = globalNorm(g).dataSync()[0];
    await selectBackend({ backend: "cpu" });
    const gc = g.map((t) => tf.tensor(t.dataSync(), t.shape));
    assert.equal(wasmGlobalNorm(gc), null);
    assert.ok(Math.abs(globalNorm(gc).dataSync()[0] - onWasm) <= 1e-6 * onWasm, "cpu's formula agrees to rounding");
    await selectBackend({ backend: "wasm" });
  });
});
