/**
 * engine/wasm-matmul.ts dataProduct: a product with a mostly-zero data matrix
 * (MemN2N's bags) that skips the zeros gives the bits of the dense kernels it
 * replaces on wasm (x . w: BatchMatMul; x^T . w: the explicit-transpose
 * kernel), over ragged shapes (columns not a multiple of 4, rows of x not a
 * multiple of 4 wide), +0 and -0 in x, a NaN in x, w with negative zeros and
 * an Inf or NaN (the dense fallback), and rows of x that are all zero.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { selectBackend } from "../../../src/engine";
import { DATA_MATMUL_KERNEL, dataProduct, matMulExplicit } from "../../../src/engine/wasm-matmul";
import { gaussian } from "../../../src/random";

/** The float32 bits of each element; every NaN as one pattern (as in wasm-matmul.test.ts). */
const bits = (t: tf.Tensor) => Array.from(new Uint32Array(Float32Array.from(t.dataSync()).buffer), (v: number) => ((v & 0x7f800000) === 0x7f800000 && (v & 0x7fffff) !== 0 ? 0x7fc00000 : v));

/** A [m, k] bag-like matrix: ~`density` of entries nonzero (seeded), some -0, whole zero rows. */
function sparseData(m: number, k: number, density: number, seed: string): Float32Array {
  const g = gaussian(m * k * 2, 1, seed);
  const x = new Float32Array(m * k);
  for (let i = 0; i < m * k; i++) {
    const u = Math.abs(g[m * k + i]) % 1;
    if (Math.floor(i / k) % 5 === 3) x[i] = 0; // an empty memory slot
    else if (u < density) x[i] = g[i];
    else if (u < density + 0.05) x[i] = -0;
  }
  return x;
}

describe("WASM data products (engine/wasm-matmul.ts dataProduct)", () => {
  before(async () => {
    await selectBackend({ backend: "wasm" });
    assert.ok(tf.getKernel(DATA_MATMUL_KERNEL, "wasm"), "the kernel is installed with the backend");
  });
  after(async () => {
    await selectBackend({ backend: "cpu" });
  });

  const shapes: [m: number, k: number, n: number][] = [[3200, 83, 20], [64, 83, 20], [37, 11, 5], [9, 4, 3], [5, 7, 1], [1, 1, 8], [13, 9, 4]];
  for (const [m, k, n] of shapes) {
    test(`[${m}, ${k}] data with ${n} columns: x . w and x^T . dy bit-identical to the dense kernels`, () => {
      tf.tidy(() => {
        const x = tf.tensor2d(sparseData(m, k, 0.1, `dp-x-${m}-${k}`), [m, k]);
        const wv = gaussian(k * n, 0.3, `dp-w-${k}-${n}`);
        wv[0] = -0; // a negative zero weight: 0 * -0 is -0, a term that must not make a sum -0
        const w = tf.tensor2d(wv, [k, n]);
        const dy = tf.tensor2d(gaussian(m * n, 1, `dp-dy-${m}-${n}`), [m, n]);
        assert.deepEqual(bits(dataProduct(x, w, false)), bits(tf.matMul(x, w)), "x . w");
        assert.deepEqual(bits(dataProduct(x, dy, true)), bits(matMulExplicit(x, dy, true, false)), "x^T . dy");
      });
    });
  }

  test("an all-zero data matrix gives +0 everywhere, as the dense product of finite weights does", () => {
    tf.tidy(() => {
      const x = tf.zeros([8, 6]) as tf.Tensor2D;
      const w = tf.tensor2d(gaussian(6 * 5, 1, "dp-zero-w").map((v) => -Math.abs(v)), [6, 5]);
      const ours = bits(dataProduct(x, w, false));
      assert.deepEqual(ours, bits(tf.matMul(x, w)));
      assert.ok(ours.every((v) => v === 0), "+0, not -0");
    });
  });

  for (const bad of [Infinity, -Infinity, NaN]) {
    test(`a ${bad} in w (0 * ${bad} is NaN) and a NaN in x: still the dense kernels' bits`, () => {
      tf.tidy(() => {
        const [m, k, n] = [21, 10, 6];
        const xv = sparseData(m, k, 0.2, "dp-bad-x");
        xv[5] = NaN;
        const x = tf.tensor2d(xv, [m, k]);
        const wv = gaussian(k * n, 1, "dp-bad-w");
        wv[7] = bad;
        const w = tf.tensor2d(wv, [k, n]);
        const dyv = gaussian(m * n, 1, "dp-bad-dy");
        dyv[m * n - 2] = bad;
        const dy = tf.tensor2d(dyv, [m, n]);
        assert.deepEqual(bits(dataProduct(x, w, false)), bits(tf.matMul(x, w)), "x . w");
        assert.deepEqual(bits(dataProduct(x, dy, true)), bits(matMulExplicit(x, dy, true, false)), "x^T . dy");
        // A NaN in x alone (w finite): the sparse path keeps it.
        const wf = tf.tensor2d(gaussian(k * n, 1, "dp-bad-wf"), [k, n]);
        assert.deepEqual(bits(dataProduct(x, wf, false)), bits(tf.matMul(x, wf)), "NaN in x");
      });
    });
  }
});
