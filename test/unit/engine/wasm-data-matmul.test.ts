/**
 * engine/wasm-matmul.ts dataProduct: a product with a mostly-zero data matrix
 * (MemN2N's bags) that skips the zeros gives the bits of the dense kernels it
 * replaces on wasm (x . w: BatchMatMul; x^T . w: the explicit-transpose
 * kernel), over ragged shapes (columns not a multiple of 4, rows of x not a
 * multiple of 4 wide), +0 and -0 in x, a NaN in x, w with negative zeros and
 * an Inf or NaN (the dense fallback), and rows of x that are all zero; and
 * blockSumProduct (the bags times E with the position encoding, one kernel
 * each way) against the taped ops it replaces, value and gradient.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { selectBackend } from "../../../src/engine";
import { BLOCK_SUM_GRAD_KERNEL, BLOCK_SUM_KERNEL, blockSumProduct, blockSumProductFused, DATA_MATMUL_KERNEL, dataProduct, matMulExplicit } from "../../../src/engine/wasm-matmul";
import { dataMatMul } from "../../../src/models/dense";
import { EncodedExample, MemN2N, PositionEncoding } from "../../../src/models/memn2n";
import { buildOptimizer } from "../../../src/train/optimizer";
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

describe("WASM block-sum products (engine/wasm-matmul.ts blockSumProduct: MemN2N's position-encoded bags)", () => {
  before(async () => {
    await selectBackend({ backend: "wasm" });
    assert.ok(blockSumProductFused(), "the kernels are installed with the backend");
  });
  after(async () => {
    await selectBackend({ backend: "cpu" });
  });

  /** The taped formulation memn2n.ts keeps off WASM. */
  const taped = (x: tf.Tensor2D, w: tf.Tensor2D, gamma: tf.Tensor3D) => {
    const [B, , d] = gamma.shape;
    return tf.sum(tf.mul(dataMatMul(x, w).reshape([B, x.shape[0] / B, d]), gamma), 0) as tf.Tensor2D;
  };

  // d 20 (four lanes at a time), d 7 (three columns one at a time); gamma with negatives (the reference encoding) and a -0.
  for (const [B, R, K, d, bad] of [[2, 1600, 83, 20, 0], [2, 32, 83, 20, 0], [3, 11, 9, 7, 0], [2, 13, 10, 6, Infinity], [2, 13, 10, 6, NaN]] as const) {
    test(`B ${B}, R ${R}, K ${K}, d ${d}${bad ? `, a ${bad} weight` : ""}: value and dW bit-identical to the taped ops`, () => {
      tf.tidy(() => {
        const x = tf.tensor2d(sparseData(B * R, K, 0.1, `bs-x-${R}-${K}`), [B * R, K]);
        const wv = gaussian(K * d, 0.3, `bs-w-${K}-${d}`);
        if (bad) wv[3] = bad;
        const w = tf.variable(tf.tensor2d(wv, [K, d]));
        const gv = Float32Array.from({ length: B * d }, (_, i) => (i < d ? 1 : ((i % d) - d / 2) / d));
        gv[d + 1] = -0;
        const gamma = tf.tensor3d(gv, [B, 1, d]);
        const r = tf.tensor2d(gaussian(R * d, 1, `bs-r-${R}-${d}`), [R, d]);
        const run = (f: () => tf.Tensor) => tf.variableGrads(() => tf.sum(tf.mul(f(), r)) as tf.Scalar, [w]);
        const ref = run(() => taped(x, w, gamma));
        const ours = run(() => blockSumProduct(x, w, gamma));
        assert.deepEqual(bits(ours.value), bits(ref.value), "value");
        assert.deepEqual(bits(ours.grads[w.name]), bits(ref.grads[w.name]), "dW");
        assert.deepEqual(bits(blockSumProduct(x, w, gamma)), bits(taped(x, w, gamma)), "forward");
        w.dispose();
      });
    });
  }

  test("tensor count flat over forward and backward", () => {
    const x = tf.tensor2d(sparseData(2 * 9, 8, 0.2, "bs-count-x"), [18, 8]);
    const w = tf.variable(tf.tensor2d(gaussian(8 * 4, 1, "bs-count-w"), [8, 4]));
    const gamma = tf.tensor3d([1, 1, 1, 1, 0.25, 0.5, 0.75, 1], [2, 1, 4]);
    const step = () => tf.tidy(() => Object.values(tf.variableGrads(() => tf.sum(blockSumProduct(x, w, gamma)) as tf.Scalar, [w]).grads).forEach((g) => g.dispose()));
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    assert.equal(tf.memory().numTensors, before);
    tf.dispose([x, w, gamma]);
  });
});

describe("MemN2N on WASM with these kernels and without them", () => {
  after(async () => {
    await selectBackend({ backend: "cpu" });
  });

  test("every weight bit-identical after 6 noisy, clipped SGD steps (both position encodings), the kernels unregistered for the reference", async () => {
    await selectBackend({ backend: "wasm" });
    const names = [DATA_MATMUL_KERNEL, BLOCK_SUM_KERNEL, BLOCK_SUM_GRAD_KERNEL];
    const configs = names.map((n) => tf.getKernel(n, "wasm")!);
    assert.ok(blockSumProductFused(), "the fused kernels run in the first pass");
    // Stories of 1-9 sentences of 2-6 words over 15 words, 8 memory slots (longer stories are cut): empty slots included.
    const g = gaussian(4000, 1, "dp-memn2n-stories");
    let at = 0;
    const word = () => Math.floor(Math.abs(g[at++ % g.length]) * 1000) % 15;
    const examples: EncodedExample[] = Array.from({ length: 12 }, (_, i) => ({
      sentences: Array.from({ length: 1 + (i % 9) }, (_, s) => Int32Array.from({ length: 2 + ((i + s) % 5) }, word)),
      question: Int32Array.from({ length: 3 }, word),
      answer: word(),
    }));
    const train = async (pe: PositionEncoding) => {
      const m = new MemN2N({ vocabSize: 15, memorySize: 8, seed: 7, positionEncoding: pe });
      const opt = buildOptimizer({ lr: 0.05, clip: { norm: 40 }, noise: { eta: 0.01, seed: 3 } });
      for (let s = 0; s < 6; s++) {
        const b = m.encode(examples.slice((s * 4) % 12, (s * 4) % 12 + 4));
        const cost = opt.minimize(() => m.loss(b, { linear: s < 2 }), true, m.weights);
        await cost!.data();
        cost!.dispose();
        b.dispose();
      }
      const w = m.weights.map(bits);
      opt.dispose();
      m.dispose();
      return w;
    };
    try {
      for (const pe of [{ kind: "paper" }, { kind: "reference", words: 6 }] as PositionEncoding[]) {
        const ours = await train(pe);
        names.forEach((n) => tf.unregisterKernel(n, "wasm"));
        assert.equal(blockSumProductFused(), false);
        const ref = await train(pe);
        configs.forEach((c) => tf.registerKernel(c));
        assert.deepEqual(ours, ref, `${pe.kind} encoding`);
      }
    } finally {
      configs.forEach((c) => tf.getKernel(c.kernelName, "wasm") || tf.registerKernel(c));
    }
  });
});
