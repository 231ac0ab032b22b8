/**
 * engine/wasm-matmul.ts: the SIMD BatchMatMul gives the bits of tfjs-backend-wasm's
 * own kernel (its scalar loop and XNNPACK), over the shapes where its tiles
 * change (ragged rows and columns, N < 4, k blocks of 48), every transpose,
 * batches, special values, and inside gradients; broadcast batches stay with
 * the original.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { selectBackend } from "../../../src/engine";
import { freshAssembly } from "../../support/wat";
import { originalWasmKernel } from "../../support/wasm-original";
import { matMulExplicit } from "../../../src/engine/wasm-matmul";

type KernelFunc = tf.KernelConfig["kernelFunc"];
let original: KernelFunc;

/** The float32 bits of each element; every NaN as one pattern (WebAssembly leaves a NaN's sign and payload to the engine, and scalar and SIMD code give different ones). */
const bits = (t: tf.Tensor) => Array.from(new Uint32Array(Float32Array.from(t.dataSync()).buffer), (v: number) => ((v & 0x7f800000) === 0x7f800000 && (v & 0x7fffff) !== 0 ? 0x7fc00000 : v));

/** The product by the backend's original kernel, called directly. */
function byOriginal(a: tf.Tensor, b: tf.Tensor, transposeA: boolean, transposeB: boolean): tf.Tensor {
  const info = original({ inputs: { a, b }, attrs: { transposeA, transposeB }, backend: tf.backend() }) as tf.TensorInfo;
  return tf.engine().makeTensorFromTensorInfo(info);
}

/**
 * The orders the original kernel sums in (tfjs-backend-wasm 4.22), written out
 * independently: out = 0; per block of `block` k's, sum from 0; out += sum.
 * Its scalar loop (batch_mat_mul_impl.cc) uses blocks of 48; XNNPACK one block.
 */
function reference(a: Float32Array, b: Float32Array, batch: number, m: number, k: number, n: number, tA: boolean, tB: boolean, block: number): Float32Array {
  const f = Math.fround;
  const out = new Float32Array(batch * m * n);
  for (let q = 0; q < batch; q++) for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let o = 0;
    for (let k0 = 0; k0 < k; k0 += block) {
      let s = 0;
      for (let x = k0; x < Math.min(k, k0 + block); x++) {
        const av = tA ? a[q * k * m + x * m + i] : a[q * m * k + i * k + x];
        const bv = tB ? b[q * n * k + j * k + x] : b[q * k * n + x * n + j];
        s = f(s + f(av * bv));
      }
      o = f(o + s);
    }
    out[q * m * n + i * n + j] = o;
  }
  return out;
}

describe("WASM BatchMatMul (engine/wasm-matmul.ts)", () => {
  before(async () => {
    original = await originalWasmKernel("BatchMatMul");
  });
  after(async () => {
    await selectBackend({ backend: "cpu" });
  });

  test("the committed module is a fresh assembly of wasm-matmul.wat (run node scripts/assemble-wat.cjs after editing it)", async () => {
    const { MATMUL_WASM_BASE64 } = await import("../../../src/engine/wasm-matmul-wasm");
    assert.equal(await freshAssembly("MATMUL_WAT"), MATMUL_WASM_BASE64);
  });

  test("every output has the original kernel's bits (NaNs as NaN): ragged tiles, N < 4, k across blocks of 48, all transposes, batches", () => {
    const before = tf.memory().numTensors;
    const dims = [1, 2, 3, 4, 5, 7, 8, 9, 13, 33];
    let seed = 7, cases = 0;
    const bad: string[] = [];
    for (const batch of [1, 3]) for (const m of dims) for (const n of dims) for (const k of [0, 1, 47, 48, 49, 100]) for (const tA of [false, true]) for (const tB of [false, true]) {
      // XNNPACK with k = 0 writes nothing (the output is whatever the heap held): the kernel leaves that to the original.
      if (k === 0 && batch === 1 && !tA && !tB) continue;
      tf.tidy(() => {
        const a = tf.randomNormal(tA ? [batch, k, m] : [batch, m, k], 0, 1, "float32", seed++);
        const b = tf.randomNormal(tB ? [batch, n, k] : [batch, k, n], 0, 1, "float32", seed++);
        const ours = tf.matMul(a, b, tA, tB);
        const theirs = byOriginal(a, b, tA, tB);
        cases++;
        if (bits(ours).join() !== bits(theirs).join()) bad.push(`[${batch}] ${m}x${k}x${n} tA=${tA} tB=${tB}`);
      });
    }
    assert.equal(cases, 4700);
    assert.deepEqual(bad.slice(0, 5), [], `${bad.length} of ${cases} products differ`);
    assert.equal(tf.memory().numTensors, before);
  });

  test("wide products (several blocks of 64 columns, a ragged last block) keep the original's bits", () => {
    let seed = 90;
    for (const [batch, m, k, n] of [[1, 7, 60, 300], [2, 5, 49, 257], [1, 9, 200, 130], [1, 4, 3, 385]]) for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      tf.tidy(() => {
        const a = tf.randomNormal(tA ? [batch, k, m] : [batch, m, k], 0, 1, "float32", seed++);
        const b = tf.randomNormal(tB ? [batch, n, k] : [batch, k, n], 0, 1, "float32", seed++);
        assert.deepEqual(bits(tf.matMul(a, b, tA, tB)), bits(byOriginal(a, b, tA, tB)), `[${batch}] ${m}x${k}x${n} tA=${tA} tB=${tB}`);
      });
    }
  });

  test("the original kernel sums in the orders the tiles copy (a guard against another tfjs-backend-wasm)", () => {
    for (const [batch, m, k, n, tA, tB] of [[1, 33, 130, 21, true, false], [2, 6, 97, 3, false, true], [3, 9, 49, 10, true, true], [2, 5, 60, 7, false, false], [1, 24, 384, 108, false, false], [1, 3, 97, 2, false, false]] as const) {
      tf.tidy(() => {
        const a = tf.randomNormal(tA ? [batch, k, m] : [batch, m, k], 0, 1, "float32", 3);
        const b = tf.randomNormal(tB ? [batch, n, k] : [batch, k, n], 0, 1, "float32", 4);
        const xnnpack = batch === 1 && !tA && !tB;
        const want = reference(a.dataSync() as Float32Array, b.dataSync() as Float32Array, batch, m, k, n, tA, tB, xnnpack ? k : 48);
        assert.deepEqual(bits(byOriginal(a, b, tA, tB)), Array.from(new Uint32Array(want.buffer)));
      });
    }
  });

  test("special values: NaN, infinities, signed zeros, subnormals and rank-4 batches keep the original's bits (a NaN stays a NaN)", () => {
    tf.tidy(() => {
      const vals = [NaN, Infinity, -Infinity, 0, -0, 1e-40, -1e-42, 3.5, -2, 1e30, -1e30, 7e-39];
      const a = tf.tensor(Array.from({ length: 2 * 3 * 5 * 11 }, (_, i) => vals[(i * 7) % vals.length]), [2, 3, 11, 5]);
      const b = tf.tensor(Array.from({ length: 2 * 3 * 11 * 6 }, (_, i) => vals[(i * 5 + 3) % vals.length] * (i % 3 === 0 ? -1 : 1)), [2, 3, 6, 11]);
      for (const [tA, tB, x, y] of [[true, true, a, b], [true, false, a, tf.transpose(b, [0, 1, 3, 2])]] as const) {
        const ours = tf.matMul(x, y, tA, tB);
        assert.deepEqual(ours.shape, [2, 3, 5, 6]);
        assert.deepEqual(bits(ours), bits(byOriginal(x, y, tA, tB)));
      }
      // All-zero rows times negatives: the sum is -0 and the kernel's out = +0 + -0 = +0, as the original.
      const z = tf.matMul(tf.zeros([2, 3, 4]), tf.fill([2, 4, 5], -1), false, false);
      assert.ok(bits(z).every((v) => v === 0));
    });
  });

  test("gradients through matMul (both transposed products) equal the original kernel's, with flat tensor counts", () => {
    const before = tf.memory().numTensors;
    const x = tf.randomNormal([37, 130], 0, 1, "float32", 11);
    const w = tf.randomNormal([130, 19], 0, 1, "float32", 12);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.square(tf.matMul(x, v))));
    const ours = g(w);
    // dL/dW = x^T . (2 x W): formed with the original kernel for the comparison.
    const want = tf.tidy(() => byOriginal(x, tf.mul(2, tf.matMul(x, w)), true, false));
    assert.deepEqual(bits(ours), bits(want));
    tf.dispose([ours, want]);
    tf.dispose([x, w]);
    assert.equal(tf.memory().numTensors, before);
  });

  test("matMulExplicit has the bits of an explicit transpose then a plain product, without the transpose; matrices only", () => {
    const before = tf.memory().numTensors;
    let seed = 40;
    for (const m of [1, 3, 4, 9, 33]) for (const k of [1, 5, 48, 49, 130]) for (const n of [1, 2, 4, 7, 8, 19]) for (const [tA, tB] of [[true, false], [false, true], [true, true], [false, false]] as const) {
      tf.tidy(() => {
        const a = tf.randomNormal(tA ? [k, m] : [m, k], 0, 1, "float32", seed++) as tf.Tensor2D;
        const b = tf.randomNormal(tB ? [n, k] : [k, n], 0, 1, "float32", seed++) as tf.Tensor2D;
        const want = tf.matMul(tA ? tf.transpose(a, [1, 0]) : a, tB ? tf.transpose(b, [1, 0]) : b);
        assert.deepEqual(bits(matMulExplicit(a, b, tA, tB)), bits(want), `${m}x${k}x${n} tA=${tA} tB=${tB}`);
      });
    }
    assert.equal(tf.memory().numTensors, before);
    assert.throws(() => tf.engine().runKernel("GradnoiseMatMulExplicitTranspose", { a: tf.ones([2, 3, 4]), b: tf.ones([2, 4, 5]) }, { transposeA: false, transposeB: false }), /matrices/);
  });

  test("broadcast batches are left to the original kernel; a shape mismatch is its error", () => {
    tf.tidy(() => {
      const a = tf.randomNormal([3, 5, 70], 0, 1, "float32", 1), b = tf.randomNormal([70, 9], 0, 1, "float32", 2);
      assert.deepEqual(bits(tf.matMul(a, b)), bits(byOriginal(a, b, false, false)));
      assert.throws(() => tf.matMul(tf.ones([2, 3, 4]), tf.ones([2, 5, 6]), true, false), /inner shapes/);
    });
  });
});
