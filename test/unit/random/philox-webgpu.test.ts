/**
 * The WGSL Philox kernel on the webgpu backend (lavapipe here:
 * GRADNOISE_WEBGPU_SOFTWARE=1 is not needed, the test asks for a software
 * adapter itself): within the stated bound of the cpu reference, and the
 * transform's noise normal with Eq. 1's variance. Skipped without a WebGPU
 * adapter (the reason printed), unless GRADNOISE_REQUIRE_WEBGPU=1.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { prepareWebGPU, selectBackend } from "../../../src/engine";
import { addGradientNoise } from "../../../src/noise/gradient-noise";
import { StepContext } from "../../../src/noise/transform";
import { philoxFill, PURPOSE, streamKey64 } from "../../../src/random/philox";
import { philoxNormal, philoxNormalMany } from "../../../src/random/philox-kernel";
import { needTools, webgpuAdapterTool } from "../../support/tools";
import { assertNormal, assertUncorrelated } from "../../support/normal-checks";

/**
 * The stated bound (docs/noise-generator.md): |webgpu - cpu| <= 2^-18 max(|z|, std), about 32
 * f32 ulps, room for drivers that fuse a * b + c into one rounding. lavapipe measured 0.
 */
function withinBound(gpu: Float32Array, ref: Float32Array, std: number): { ok: boolean; worst: number; exact: number } {
  let worst = 0, exact = 0;
  for (let i = 0; i < ref.length; i++) {
    if (gpu[i] === ref[i]) exact++;
    worst = Math.max(worst, Math.abs(gpu[i] - ref[i]) / Math.max(Math.abs(ref[i]), std));
  }
  return { ok: worst <= 2 ** -18, worst, exact };
}

describe("philox on webgpu", async () => {
  const tools = needTools("the webgpu Philox kernel tests (unit/random/philox-webgpu)", ["GRADNOISE_REQUIRE_WEBGPU"], [webgpuAdapterTool(await prepareWebGPU(true))]);
  const skip = tools.skip;

  test("the WGSL kernel is within the stated bound of the cpu reference, populations included (odd sizes)", { skip }, async () => {
    tools.assertPresent();
    await selectBackend({ backend: "webgpu", allowSoftwareAdapter: true });
    assert.equal(tf.getBackend(), "webgpu");
    for (const [n, std] of [[1, 1], [7, 0.5], [100_003, 1e-3]] as const) {
      const key = streamKey64("g", 2, 9);
      const t = philoxNormal([n], std, PURPOSE.gradientNoise, [{ offset: 0, size: n, key }]);
      const got = (await t.data()) as Float32Array;
      t.dispose();
      const r = withinBound(got, philoxFill(new Float32Array(n), 0, n, key, PURPOSE.gradientNoise, std), std);
      assert.ok(r.ok, `n ${n}: worst relative difference ${r.worst} (bound 2^-18); ${r.exact} of ${n} exact`);
    }
    const keys = [[1, 2], [3, 4], [5, 6]] as const;
    const pop = philoxNormal([3, 5], 1, PURPOSE.weightNoise, keys.map((key, r) => ({ offset: r * 5, size: 5, key })));
    const got = (await pop.data()) as Float32Array;
    pop.dispose();
    const want = Float32Array.from(keys.flatMap((key) => Array.from(philoxFill(new Float32Array(5), 0, 5, key, PURPOSE.weightNoise, 1))));
    assert.ok(withinBound(got, want, 1).ok);
  });

  test("the fused kernel (base + noise in one pass) is within the bound of base + the cpu reference, populations included", { skip }, async () => {
    tools.assertPresent();
    await selectBackend({ backend: "webgpu", allowSoftwareAdapter: true });
    const std = 0.37;
    const cases: [number[], [number, number][]][] = [[[7], [[7, 8]]], [[13, 11], [[1, 2]]], [[3, 5], [[1, 2], [3, 4], [5, 6]]]];
    for (const [shape, keys] of cases) {
      const n = shape.reduce((a, b) => a * b, 1), per = n / keys.length;
      const base = Float32Array.from({ length: n }, (_, i) => Math.sin((i + 1) * 12.9898) * 10 ** ((i % 7) - 2));
      const g = tf.tensor(base, shape);
      const segments = keys.map((key, r) => ({ offset: r * per, size: per, key: key as readonly [number, number] }));
      const t = philoxNormal(shape, std, PURPOSE.gradientNoise, segments, g);
      assert.deepEqual(t.shape, shape);
      const got = (await t.data()) as Float32Array;
      tf.dispose([g, t]);
      const z = new Float32Array(n);
      for (const s of segments) philoxFill(z, s.offset, s.size, s.key, PURPOSE.gradientNoise, std);
      // The noise's bound, plus one rounding of the sum (a noise a few ulps off can round the other way).
      for (let i = 0; i < n; i++) {
        const want = Math.fround(base[i] + z[i]);
        const err = Math.abs(got[i] - want);
        assert.ok(err <= 2 ** -18 * Math.max(Math.abs(z[i]), std) + 2 ** -23 * Math.abs(want), `[${shape}] element ${i}: ${got[i]} vs ${want}`);
      }
    }
  });

  test("philoxNormalMany (every parameter in one kernel call): the bits of one philoxNormal per part on webgpu, within the bound of cpu", { skip }, async () => {
    tools.assertPresent();
    await selectBackend({ backend: "webgpu", allowSoftwareAdapter: true });
    const std = 0.37;
    const cases: [number[], [number, number][], boolean][] = [[[13, 11], [[1, 2]], true], [[3, 5], [[1, 2], [3, 4], [5, 6]], true], [[7], [[7, 8]], false], [[50], [[9, 10]], true]];
    const bases: tf.Tensor[] = [];
    const parts = cases.map(([shape, keys, withBase], i) => {
      const n = shape.reduce((a, b) => a * b, 1), per = n / keys.length;
      const segments = keys.map((key, r) => ({ offset: r * per, size: per, key: key as readonly [number, number] }));
      if (!withBase) return { shape, segments };
      const base = tf.tensor(Float32Array.from({ length: n }, (_, j) => Math.sin((j + 1) * 12.9898 + i) * 10 ** ((j % 7) - 2)), shape);
      bases.push(base);
      return { base, segments };
    });
    const before = tf.memory().numTensors;
    const many = philoxNormalMany(parts, std, PURPOSE.gradientNoise);
    assert.equal(tf.memory().numTensors, before + parts.length);
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      const shape = p.shape ?? p.base!.shape;
      const one = philoxNormal(shape, std, PURPOSE.gradientNoise, p.segments, p.base);
      const got = (await many[i].data()) as Float32Array;
      assert.deepEqual(Array.from(got), Array.from((await one.data()) as Float32Array), `part ${i}: the same WGSL dispatches, the same values`);
      one.dispose();
      const base = p.base ? ((await p.base.data()) as Float32Array) : new Float32Array(got.length);
      const z = new Float32Array(got.length);
      for (const s of p.segments) philoxFill(z, s.offset, s.size, s.key, PURPOSE.gradientNoise, std);
      for (let j = 0; j < got.length; j++) {
        const want = Math.fround(base[j] + z[j]);
        assert.ok(Math.abs(got[j] - want) <= 2 ** -18 * Math.max(Math.abs(z[j]), std) + 2 ** -23 * Math.abs(want), `part ${i} element ${j}: ${got[j]} vs ${want}`);
      }
    }
    tf.dispose([...many, ...bases]);
    assert.equal(tf.memory().numTensors, before - bases.length);
  });

  test("gradient noise drawn there: Eq. 1's variance, normal by KS, independent across parameters and steps", { skip }, async () => {
    tools.assertPresent();
    await selectBackend({ backend: "webgpu", allowSoftwareAdapter: true });
    const n = 100_000, eta = 0.3;
    const noise = async (step: number) => {
      const t = addGradientNoise({ eta, seed: 5 });
      const names = ["p", "q"];
      const grads = { p: tf.zeros([n]), q: tf.zeros([n]) };
      const out = t.transformGradients!(grads, { step, names, paramIndex: (x: string) => names.indexOf(x) } as unknown as StepContext);
      const values = { p: (await out.p.data()) as Float32Array, q: (await out.q.data()) as Float32Array };
      tf.dispose([grads, out]);
      return values;
    };
    const t0 = await noise(0), t50 = await noise(50);
    assertNormal(t0.p, Math.sqrt(eta), "webgpu t=0");
    assertNormal(t50.p, Math.sqrt(eta / Math.pow(51, 0.55)), "webgpu t=50");
    assertUncorrelated(t0.p, t0.q, "webgpu parameters");
    assertUncorrelated(t0.p, t50.p, "webgpu steps");
  });
});
