/**
 * engine/wasm-copy.ts and the hard nonlinearities on it (models/hard-clip.ts):
 * on tfjs-backend-wasm, clipAffine's and saturationCost's gradients have the
 * bits of tfjs's taped gradients of the same ops (at the clip limits exactly,
 * one ulp either side, signed zeros, NaN, infinities, ragged sizes); the
 * shift convolutions' copy kernels (engine/shift-kernels.ts, now WebAssembly)
 * have the bits of the JS loops they replace, and so does the dropout mask
 * drawn on the heap (models/hidden-noise.ts dropoutMaskTensor) and DNGPU's
 * diagonal shift as one kernel (value, and gradient summed with the state's
 * other uses as the tape sums them); on cpu the same functions give
 * the taped bits too; tensor counts stay flat.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { selectBackend } from "../../../src/engine";
import { shiftStack, shiftSum } from "../../../src/engine/shift-kernels";
import { clipAffine, saturationCost } from "../../../src/models/hard-clip";
import { dropoutMask, dropoutMaskTensor } from "../../../src/models/hidden-noise";
import { DNGPU, DNGPU_MODEL } from "../../../src/families/neural-gpu";
import { gaussian, uniformStream } from "../../../src/random";
import { freshAssembly } from "../../support/wat";

const bits = (t: tf.Tensor) => Array.from(new Uint32Array(Float32Array.from(t.dataSync()).buffer));

function assertSameBits(got: tf.Tensor, want: tf.Tensor, what: string): void {
  assert.deepEqual(got.shape, want.shape, `${what}: shape`);
  const a = bits(got), b = bits(want);
  const i = a.findIndex((v, k) => v !== b[k]);
  assert.equal(i, -1, `${what}: element ${i} is ${got.dataSync()[i]} (0x${a[i]?.toString(16)}), the taped op gives ${want.dataSync()[i]} (0x${b[i]?.toString(16)})`);
}

const ulp = (x: number, dir: 1 | -1) => {
  const f = new Float32Array([x]), u = new Int32Array(f.buffer);
  if (x === 0) return dir * 1e-45;
  u[0] += (x > 0 ? 1 : -1) * dir;
  return f[0];
};

/** n values: Gaussians of scale 2 with the special values and the limits (and their neighbours) spread among them. */
function values(n: number, seed: string, limits: number[]): Float32Array {
  const v = Float32Array.from(gaussian(n, 2, "wasm-copy-test", seed));
  const special = [0, -0, NaN, Infinity, -Infinity, 1e-45, -1e-45, 3e38, -3e38, ...limits.flatMap((l) => [l, ulp(l, 1), ulp(l, -1), -l])];
  const u = uniformStream("wasm-copy-test", seed, "where");
  for (let k = 0; k < Math.min(n, 2 * special.length); k++) v[Math.floor(u() * n)] = special[k % special.length];
  return v;
}

const SHAPES: [number, number][] = [[1, 1], [1, 3], [1, 4], [2, 5], [7, 9], [13, 16], [40, 96], [3, 97]];

/** The hard nonlinearities as DNGPU used them before (tfjs ops; the tape's own gradients). */
const taped = (x: tf.Tensor, a: number, b: number, lo: number, hi: number) => tf.clipByValue(a === 1 && b === 0 ? x : tf.add(tf.mul(x, a), b), lo, hi);
const tapedSaturation = (x: tf.Tensor, rows: tf.Tensor, limit: number) => tf.sum(tf.mul(tf.relu(tf.sub(tf.abs(x), limit)), rows));

const CLIPS: [number, number, number, number][] = [[0.5, 0.5, 0, 1], [1, 0, -1, 1], [2, -0.25, -0.5, 0.75]];

function checkClips(backend: string): void {
  for (const [a, b, lo, hi] of CLIPS) {
    SHAPES.forEach(([n, c], k) => {
      tf.tidy(() => {
        // x where a x + b lands on the limits: the limits mapped back, and the limits themselves.
        const x = tf.tensor2d(values(n * c, `clip-x-${k}`, [lo, hi, (lo - b) / a, (hi - b) / a]), [n, c]);
        const dy = tf.tensor2d(values(n * c, `clip-dy-${k}`, [1]), [n, c]);
        const what = `${backend} clip(${a} x + ${b}, ${lo}, ${hi}) [${n}, ${c}]`;
        assertSameBits(clipAffine(x, a, b, lo, hi), taped(x, a, b, lo, hi), `${what} value`);
        const ours = tf.grad((t: tf.Tensor) => clipAffine(t, a, b, lo, hi))(x, dy);
        const want = tf.grad((t: tf.Tensor) => taped(t, a, b, lo, hi))(x, dy);
        assertSameBits(ours, want, `${what} gradient`);
      });
    });
  }
}

function checkSaturation(backend: string): void {
  SHAPES.forEach(([n, c], k) => {
    for (const dyValue of [1, -0.37, 0, -0, 1e-3]) {
      tf.tidy(() => {
        const x = tf.tensor2d(values(n * c, `sat-x-${k}`, [0.9, 1]), [n, c]);
        const rows = tf.tensor2d(Float32Array.from({ length: n }, (_, i) => (i % 3 === 1 ? 0 : 1)), [n, 1]);
        const dy = tf.scalar(dyValue);
        const what = `${backend} saturation [${n}, ${c}], dy ${Object.is(dyValue, -0) ? "-0" : dyValue}`;
        assertSameBits(saturationCost(x, rows, 0.9), tapedSaturation(x, rows, 0.9), `${what} value`);
        const ours = tf.grad((t: tf.Tensor) => saturationCost(t as tf.Tensor2D, rows, 0.9))(x, dy);
        const want = tf.grad((t: tf.Tensor) => tapedSaturation(t, rows, 0.9))(x, dy);
        assertSameBits(ours, want, `${what} gradient`);
      });
    }
  });
}

/* The JS loops engine/shift-kernels.ts ran before the WebAssembly (the reference for the copies' bits). */
function jsStack(x: Float32Array, n: number, c: number, offsets: number[], transpose: boolean): Float32Array {
  const k = offsets.length, ov = new Float32Array(n * k * c);
  offsets.forEach((o, t) => {
    const lo = Math.min(n, Math.max(0, -o)), hi = Math.max(lo, Math.min(n, n - o));
    for (let p = lo; p < hi; p++) for (let j = 0; j < c; j++) ov[transpose ? (t * c + j) * n + p : p * k * c + t * c + j] = x[(p + o) * c + j];
  });
  return ov;
}

function jsSum(g: Float32Array, n: number, c: number, offsets: number[]): Float32Array {
  const k = offsets.length, kc = k * c, ov = new Float32Array(n * c);
  offsets.forEach((o, t) => {
    for (let q = Math.max(0, o); q < Math.min(n, n + o); q++) for (let j = 0; j < c; j++) ov[q * c + j] += g[(q - o) * kc + t * c + j];
  });
  return ov;
}

const sameArrayBits = (a: Float32Array, b: Float32Array, what: string) => {
  const x = new Uint32Array(a.buffer), y = new Uint32Array(b.buffer);
  assert.equal(x.length, y.length, `${what}: lengths`);
  const i = x.findIndex((v, k) => v !== y[k]);
  assert.equal(i, -1, `${what}: element ${i}: ${a[i]} vs the JS loop's ${b[i]}`);
};

describe("WASM masks and copies (engine/wasm-copy.ts)", () => {
  after(async () => {
    await selectBackend({ backend: "cpu" });
  });

  test("the committed module is a fresh assembly of wasm-copy.wat (run node scripts/assemble-wat.cjs after editing it)", async () => {
    const { COPY_WASM_BASE64 } = await import("../../../src/engine/wasm-copy-wasm");
    assert.equal(await freshAssembly("COPY_WAT"), COPY_WASM_BASE64);
  });

  test("on wasm: clipAffine's value and gradient have the taped bits (limits exactly and one ulp off, -0, NaN, infinities), by one kernel", async () => {
    await selectBackend({ backend: "wasm" });
    const before = tf.memory().numTensors;
    checkClips("wasm");
    assert.equal(tf.memory().numTensors, before);
    // One kernel for the gradient, not the taped five or six.
    const x = tf.tensor2d([[0.3, -2, 1.5]]);
    const { kernelNames } = await tf.profile(() => tf.grad((t: tf.Tensor) => clipAffine(t, 0.5, 0.5, 0, 1))(x));
    assert.ok(kernelNames.includes("GradnoiseClipGrad"), `kernels: ${kernelNames.join(", ")}`);
    for (const k of ["GreaterEqual", "LessEqual", "LogicalAnd", "Select"]) assert.ok(!kernelNames.includes(k), `${k} still runs: ${kernelNames.join(", ")}`);
    x.dispose();
  });

  test("on wasm: saturationCost's value and gradient have the taped bits (signed zeros from dy = 0 and -0, NaN, the limit exactly)", async () => {
    await selectBackend({ backend: "wasm" });
    const before = tf.memory().numTensors;
    checkSaturation("wasm");
    assert.equal(tf.memory().numTensors, before);
    const x = tf.tensor2d([[0.3, -2, 1.5]]), rows = tf.ones([1, 1]) as tf.Tensor2D;
    const { kernelNames } = await tf.profile(() => tf.grad((t: tf.Tensor) => saturationCost(t as tf.Tensor2D, rows, 0.9))(x));
    assert.ok(kernelNames.includes("GradnoiseSaturationGrad"), `kernels: ${kernelNames.join(", ")}`);
    for (const k of ["Step", "Cast"]) assert.ok(!kernelNames.includes(k), `${k} still runs: ${kernelNames.join(", ")}`);
    tf.dispose([x, rows]);
  });

  test("on cpu the same functions give the taped bits (the tfjs ops, no kernel of ours)", async () => {
    await selectBackend({ backend: "cpu" });
    const before = tf.memory().numTensors;
    checkClips("cpu");
    checkSaturation("cpu");
    assert.equal(tf.memory().numTensors, before);
  });

  test("on wasm: dropoutMaskTensor draws dropoutMask's bits on the heap by one kernel (keep 0.9, 0.5, 0.3, 1; ragged sizes; several streams)", async () => {
    await selectBackend({ backend: "wasm" });
    const before = tf.memory().numTensors;
    for (const keep of [0.9, 0.5, 0.3, 1, 0.999999]) {
      for (const [rows, cols] of [[1, 1], [3, 5], [320, 96], [7, 13]] as [number, number][]) {
        for (const seed of [0, 17]) {
          const t = dropoutMaskTensor([rows, cols], keep, seed, "drop-test", rows);
          sameArrayBits(t.dataSync() as Float32Array, dropoutMask(rows * cols, keep, seed, "drop-test", rows), `mask [${rows}, ${cols}] keep ${keep} seed ${seed}`);
          t.dispose();
        }
      }
    }
    const info = await tf.profile(() => dropoutMaskTensor([4, 4], 0.9, "k"));
    assert.deepEqual(info.kernelNames, ["GradnoiseDropoutMask"]);
    tf.dispose(info.result as tf.Tensor);
    assert.equal(tf.memory().numTensors, before);
  });

  test("on wasm: DNGPU's diagonal shift by one kernel has the bits of its slices, pad and concat, value and gradient (-0 and NaN in dy, 3 to 96 maps)", async () => {
    await selectBackend({ backend: "wasm" });
    const before = tf.memory().numTensors;
    /* The shift as DNGPU wrote it before the kernel. */
    const taped = (s: tf.Tensor2D) => {
      const [n, m] = s.shape;
      const k = Math.floor(m / 3), still = m - 2 * k;
      const padded = tf.pad(tf.slice(s, [0, still], [n, 2 * k]), [[1, 1], [0, 0]]);
      return tf.concat([tf.slice(s, [0, 0], [n, still]), tf.slice(padded, [0, 0], [n, k]), tf.slice(padded, [2, k], [n, k])], 1) as tf.Tensor2D;
    };
    for (const [n, maps] of [[1, 3], [5, 7], [12, 16], [320, 96], [9, 5]]) {
      const model = new DNGPU({ ...DNGPU_MODEL, maps }, "shift-test");
      const ours = (s: tf.Tensor2D) => (model as unknown as { shift(s: tf.Tensor2D): tf.Tensor2D }).shift(s);
      tf.tidy(() => {
        const s = tf.tensor2d(values(n * maps, `shift-s-${maps}`, [1]), [n, maps]);
        const v = tf.tensor2d(values(n * maps, `shift-v-${maps}`, [1]), [n, maps]);
        const w = tf.tensor2d(values(n * maps, `shift-w-${maps}`, [1]), [n, maps]);
        assertSameBits(ours(s), taped(s), `shift [${n}, ${maps}] value`);
        // Another use of the state first, as the step's convolution and reset gate are: the tape sums the parts in order.
        const loss = (f: (s: tf.Tensor2D) => tf.Tensor2D) => (t: tf.Tensor) => tf.add(tf.sum(tf.mul(t, v)), tf.sum(tf.mul(f(t as tf.Tensor2D), w)));
        assertSameBits(tf.grad(loss(ours))(s), tf.grad(loss(taped))(s), `shift [${n}, ${maps}] gradient`);
        const dy = tf.tensor2d(values(n * maps, `shift-dy-${maps}`, [1]), [n, maps]);
        assertSameBits(tf.grad((t: tf.Tensor) => ours(t as tf.Tensor2D))(s, dy), tf.grad((t: tf.Tensor) => taped(t as tf.Tensor2D))(s, dy), `shift [${n}, ${maps}] gradient alone`);
      });
      model.dispose();
    }
    assert.equal(tf.memory().numTensors, before);
  });

  test("on wasm: ShiftStack (both layouts) and ShiftSum have the bits of the JS loops they replace (ragged widths, offsets past the rows, NaN, -0)", async () => {
    await selectBackend({ backend: "wasm" });
    const before = tf.memory().numTensors;
    const cases: [number, number, number[]][] = [[1, 1, [-1, 0, 1]], [5, 3, [-1, 0, 1]], [8, 4, [-1, 0, 1]], [448, 96, [-1, 0, 1]], [30, 7, [-7, -6, -5, -1, 0, 1, 5, 6, 7]], [4, 5, [-9, 0, 9]], [9, 13, [0]]];
    cases.forEach(([n, c, offsets], k) => {
      const k3 = offsets.length;
      const x = values(n * c, `stack-${k}`, [1]);
      const g = values(n * k3 * c, `sum-${k}`, [1]);
      const xt = tf.tensor2d(x, [n, c]), gt = tf.tensor2d(g, [n, k3 * c]);
      for (const transpose of [false, true]) {
        const s = shiftStack(xt, offsets, transpose);
        sameArrayBits(s.dataSync() as Float32Array, jsStack(x, n, c, offsets, transpose), `stack [${n}, ${c}] offsets ${offsets}${transpose ? " transposed" : ""}`);
        s.dispose();
      }
      const sum = shiftSum(gt, offsets);
      sameArrayBits(sum.dataSync() as Float32Array, jsSum(g, n, c, offsets), `sum [${n}, ${k3 * c}] offsets ${offsets}`);
      tf.dispose([sum, xt, gt]);
    });
    assert.equal(tf.memory().numTensors, before);
  });
});
