/**
 * philoxNormalMany (every parameter's noise in one kernel call) against the
 * per-part philoxNormal it replaces: the same bits on cpu and wasm (odd
 * sizes, populations, unordered and empty segments, parts with and without a
 * base), the gradient-noise transform unchanged, one kernel dispatch per
 * step, no tensor left behind, bad input as named errors. webgpu: see
 * philox-webgpu.test.ts.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { selectBackend } from "../../../src/engine";
import { addGradientNoise, philoxSegments } from "../../../src/noise/gradient-noise";
import { mapGradients, StepContext } from "../../../src/noise/transform";
import { PURPOSE, streamKey64 } from "../../../src/random/philox";
import { PHILOX_MANY_KERNEL, philoxNormal, philoxNormalMany, philoxOnBackend, PhiloxPart, PhiloxSegment } from "../../../src/random/philox-kernel";
import { sameBits } from "../../support/normal-checks";

const STD = 0.37;

/** Gradient-like values: signs and magnitudes 1e-2 .. 1e4, so the sums round. */
function values(n: number, salt: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin((i + 1) * 12.9898 + salt) * 10 ** ((i % 7) - 2));
}

const key = (i: number): readonly [number, number] => streamKey64("many", i, 3);

/** Parts covering the kernel's cases; bases are created here and disposed by the caller. */
function makeParts(): PhiloxPart[] {
  const seg = (shape: number[], i: number): PhiloxSegment[] => [{ offset: 0, size: shape.reduce((a, b) => a * b, 1), key: key(i) }];
  const base = (shape: number[], salt: number) => tf.tensor(values(shape.reduce((a, b) => a * b, 1), salt), shape);
  return [
    { base: base([13, 11], 1), segments: seg([13, 11], 0) },
    { base: base([784, 50], 2), segments: seg([784, 50], 1) },
    { base: base([17], 3), segments: seg([17], 2) },
    // A population of 3 runs, segments off the 16-element SIMD groups.
    { base: base([3, 5], 4), segments: [0, 1, 2].map((r) => ({ offset: 5 * r, size: 5, key: key(10 + r) })) },
    // Segments given out of order (the checker's sorted path).
    { base: base([2, 3, 5], 5), segments: [{ offset: 15, size: 15, key: key(20) }, { offset: 0, size: 15, key: key(21) }] },
    // No base: noise alone; and an empty tensor.
    { shape: [1], segments: seg([1], 3) },
    { shape: [0, 4], segments: [] },
    { base: base([50], 6), segments: seg([50], 4) },
  ];
}

function ctx(step: number, names: string[], runs?: number): StepContext {
  return { step, runs, names, paramIndex: (n: string) => names.indexOf(n) } as unknown as StepContext;
}

describe("philoxNormalMany on cpu and wasm", () => {
  const drawn: Record<string, Float32Array[]> = {};
  for (const backend of ["cpu", "wasm"] as const) {
    test(`${backend}: each output has the bits of philoxNormal on its part`, async () => {
      await selectBackend({ backend });
      assert.equal(tf.getBackend(), backend);
      const parts = makeParts();
      const before = tf.memory().numTensors;
      const many = philoxNormalMany(parts, STD, PURPOSE.gradientNoise);
      assert.equal(many.length, parts.length);
      assert.equal(tf.memory().numTensors, before + parts.length, "one tensor per part, nothing else");
      drawn[backend] = [];
      for (let i = 0; i < parts.length; i++) {
        const p = parts[i];
        const one = philoxNormal(p.shape ?? p.base!.shape, STD, PURPOSE.gradientNoise, p.segments, p.base);
        assert.deepEqual(many[i].shape, one.shape, `part ${i}`);
        assert.equal(many[i].dtype, "float32");
        const got = (await many[i].data()) as Float32Array;
        const same = sameBits(got, (await one.data()) as Float32Array);
        assert.ok(same.equal, `part ${i}: element ${same.first} differs`);
        drawn[backend].push(got);
        one.dispose();
      }
      // The noise was added: not the bases themselves.
      assert.ok(!sameBits(drawn[backend][0], (await parts[0].base!.data()) as Float32Array).equal);
      tf.dispose(many);
      assert.equal(tf.memory().numTensors, before, "outputs disposed, bases kept");
      assert.ok(parts.every((p) => !p.base?.isDisposed), "inputs are not disposed");
      tf.dispose(parts.map((p) => p.base).filter((b): b is tf.Tensor => b !== undefined));
      assert.deepEqual(philoxNormalMany([], STD, PURPOSE.gradientNoise), []);
    });

    test(`${backend}: gradient noise (one seed, and a population) has the bits of one philoxNormal per parameter, from one kernel call`, async () => {
      await selectBackend({ backend });
      const cases: [Record<string, number[]>, number | number[], number | undefined][] = [
        [{ w0: [784, 50], b0: [50], w1: [50, 10], b1: [10], odd: [7, 3] }, 11, undefined],
        [{ w: [3, 13, 5], b: [3, 7] }, [4, 5, 6], 3],
      ];
      for (const [shapes, seed, runs] of cases) {
        const names = Object.keys(shapes);
        const grads = Object.fromEntries(names.map((n, i) => [n, tf.tensor(values(shapes[n].reduce((a, b) => a * b, 1), i), shapes[n])]));
        const c = ctx(7, names, runs);
        const t = addGradientNoise({ eta: 0.3, seed });
        const std = Math.sqrt(0.3 / Math.pow(8, 0.55));
        const before = tf.memory().numTensors;
        let out: tf.NamedTensorMap = {};
        const profile = await tf.profile(() => {
          out = t.transformGradients!(grads, c);
        });
        const kernels = profile.kernels.map((k) => k.name);
        assert.deepEqual(kernels, [PHILOX_MANY_KERNEL], `one kernel call per step, got ${kernels.join(", ")}`);
        assert.equal(tf.memory().numTensors, before + names.length);
        assert.deepEqual(Object.keys(out), names, "names and order kept");
        // The transform before philoxNormalMany: one fused philoxNormal per parameter.
        const old = mapGradients(grads, (g, name) => philoxNormal(g.shape, std, PURPOSE.gradientNoise, philoxSegments(g.shape, seed, c.paramIndex(name), 7, name), g));
        for (const n of names) {
          assert.deepEqual(out[n].shape, shapes[n]);
          const same = sameBits((await out[n].data()) as Float32Array, (await old[n].data()) as Float32Array);
          assert.ok(same.equal, `seed ${JSON.stringify(seed)}, ${n}: element ${same.first} differs`);
        }
        tf.dispose([...Object.values(out), ...Object.values(old), ...Object.values(grads)]);
        assert.equal(tf.memory().numTensors, before - names.length);
      }
    });
  }

  test("cpu and wasm drew the same bits", () => {
    assert.ok(drawn.cpu && drawn.wasm, "both backends ran");
    drawn.cpu.forEach((v, i) => assert.ok(sameBits(v, drawn.wasm[i]).equal, `part ${i}`));
  });

  test("wasm: the kernel allocates its outputs on the backend's heap, and disposing them frees it", async () => {
    await selectBackend({ backend: "wasm" });
    const heapBytes = () => (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.buffer.byteLength;
    const g = tf.zeros([1000, 100]);
    const parts = [{ base: g, segments: [{ offset: 0, size: 100_000, key: key(0) }] }, { shape: [7], segments: [{ offset: 0, size: 7, key: key(1) }] }];
    tf.dispose(philoxNormalMany(parts, STD, PURPOSE.gradientNoise));
    const heap = heapBytes();
    const before = tf.memory();
    // 300 x 400 kB: a leak would grow the heap by 120 MB.
    for (let i = 0; i < 300; i++) tf.dispose(philoxNormalMany(parts, STD, PURPOSE.gradientNoise));
    assert.equal(heapBytes(), heap, "the heap did not grow");
    assert.equal(tf.memory().numTensors, before.numTensors);
    assert.equal(tf.memory().numBytes, before.numBytes);
    g.dispose();
  });

  test("bad input is a named error, before anything is allocated", async () => {
    await selectBackend({ backend: "wasm" });
    assert.ok(philoxOnBackend(), "wasm draws on the backend (both kernels registered)");
    const g = tf.zeros([4, 3]);
    const ok = { base: g, segments: [{ offset: 0, size: 12, key: key(0) }] };
    const before = tf.memory().numTensors;
    const bad: [unknown, RegExp, ErrorConstructor][] = [
      [{ parts: 1 }, /philoxNormalMany\(\): parts must be an array/, TypeError],
      [[ok, { base: g }], /part 1 must be an object with a segments array/, TypeError],
      [[ok, null], /part 1 must be an object with a segments array/, TypeError],
      [[ok, { segments: [] }], /part 1 needs a shape or a base/, TypeError],
      [[ok, { base: g, segments: [{ offset: 0, size: 6, key: key(1) }, { offset: 7, size: 5, key: key(2) }] }], /part 1: segments must tile the 12 elements of shape \[4,3\]/, RangeError],
      [[ok, { base: g, segments: [{ offset: 0, size: 11, key: key(1) }] }], /part 1: segments cover 11 of the 12 elements/, RangeError],
      [[ok, { shape: [4, 3], segments: [{ offset: 0, size: 12.5, key: key(1) }] }], /part 1: segments must tile/, RangeError],
      [[ok, { base: tf.zeros([4, 3], "int32"), segments: ok.segments }], /part 1's base must be float32 with the 12 elements of shape \[4,3\], got int32/, TypeError],
      [[ok, { base: g, shape: [5, 3], segments: [{ offset: 0, size: 15, key: key(1) }] }], /part 1's base must be float32 with the 15 elements of shape \[5,3\], got float32 of shape \[4,3\]/, TypeError],
    ];
    const intBase = (bad[7][0] as PhiloxPart[])[1].base!;
    for (const [parts, message, type] of bad) {
      assert.throws(() => philoxNormalMany(parts as PhiloxPart[], STD, PURPOSE.gradientNoise), (e: Error) => e instanceof type && message.test(e.message));
    }
    intBase.dispose();
    assert.equal(tf.memory().numTensors, before, "no output of a rejected call is left");
    const gone = tf.zeros([2]);
    gone.dispose();
    assert.throws(() => philoxNormalMany([ok, { base: gone, segments: [{ offset: 0, size: 2, key: key(1) }] }], STD, 0), /part 1's base is disposed/);
    // The kernel checks its attributes too when called directly.
    assert.throws(
      () => tf.engine().runKernel(PHILOX_MANY_KERNEL, {}, { parts: [{ shape: [3], segments: [{ offset: 1, size: 2, key: [1, 2] }], base: false }], std: 1, purpose: 0 } as unknown as tf.NamedAttrMap),
      /philoxNormalMany\(\): part 0: segments must tile/,
    );
    assert.throws(
      () => tf.engine().runKernel(PHILOX_MANY_KERNEL, {}, { parts: [{ shape: [3], segments: [{ offset: 0, size: 3, key: [1, 2] }], base: true }], std: 1, purpose: 0 } as unknown as tf.NamedAttrMap),
      /part 0 has a base but inputs\[0\] is missing/,
    );
    assert.equal(tf.memory().numTensors, before);
    g.dispose();
  });
});
