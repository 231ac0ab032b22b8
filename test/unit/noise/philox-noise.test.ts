/**
 * Gradient and weight noise from the Philox generator (the library default):
 * the values are the reference's, the same bits on cpu and wasm, Eq. 1's
 * variance, independent across parameters and steps, populations per run,
 * no tensor left behind, saved configs that say which generator they used.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { selectBackend } from "../../../src/engine";
import { addGradientNoise, gradientNoiseKey, philoxSegments } from "../../../src/noise/gradient-noise";
import { withTransforms } from "../../../src/noise/optimizer";
import { transformFromConfig, transformToConfig } from "../../../src/noise/serialization";
import { StepContext } from "../../../src/noise/transform";
import { addWeightNoise } from "../../../src/noise/weight-noise";
import { philoxFill, PURPOSE, streamKey64 } from "../../../src/random/philox";
import { philoxNormal } from "../../../src/random/philox-kernel";
import { gaussian } from "../../../src/random/rng";
import { assertNormal, assertUncorrelated, sameBits } from "../../support/normal-checks";

const ETA = 0.3, GAMMA = 0.55;
const sigmaAt = (t: number) => Math.sqrt(ETA / Math.pow(1 + t, GAMMA));

function ctx(step: number, names: string[], runs?: number): StepContext {
  return { step, runs, names, paramIndex: (n: string) => names.indexOf(n) } as unknown as StepContext;
}

/** The noise addGradientNoise adds at `step` to zero gradients of `shapes`. */
async function noiseAt(opts: Parameters<typeof addGradientNoise>[0], step: number, shapes: Record<string, number[]>, runs?: number): Promise<Record<string, Float32Array>> {
  const t = addGradientNoise(opts);
  const names = Object.keys(shapes);
  const grads = Object.fromEntries(names.map((n) => [n, tf.zeros(shapes[n])]));
  const out = t.transformGradients!(grads, ctx(step, names, runs));
  const values = Object.fromEntries(await Promise.all(names.map(async (n) => [n, (await out[n].data()) as Float32Array] as const)));
  tf.dispose([...Object.values(grads), ...Object.values(out)]);
  return values;
}

function reference(shape: number[], std: number, seed: string | number, index: number, step: number): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  return philoxFill(new Float32Array(n), 0, n, streamKey64(seed, index, step), PURPOSE.gradientNoise, std);
}

describe("philox gradient noise on cpu and wasm", () => {
  const drawn: Record<string, Record<string, Float32Array>> = {};
  for (const backend of ["cpu", "wasm"] as const) {
    test(`${backend}: the default generator adds the reference's values (odd sizes: 1, 7, 13x11)`, async () => {
      await selectBackend({ backend });
      assert.equal(tf.getBackend(), backend);
      const shapes = { a: [1], b: [7], c: [13, 11] };
      const got = await noiseAt({ eta: ETA, seed: "s" }, 4, shapes);
      drawn[backend] = got;
      Object.keys(shapes).forEach((name, i) => {
        const want = reference(shapes[name as keyof typeof shapes], sigmaAt(4), "s", i, 4);
        const same = sameBits(got[name], want);
        assert.ok(same.equal, `${name}: element ${same.first}: ${got[name][same.first]} vs ${want[same.first]}`);
      });
      // Not the xoshiro stream of the same key.
      assert.notDeepEqual(Array.from(got.b), Array.from(gaussian(7, sigmaAt(4), ...gradientNoiseKey("s", 1, 4))));
    });

    test(`${backend}: variance follows Eq. 1 (t = 0 and 99), normal by KS, independent across parameters and steps`, async () => {
      await selectBackend({ backend });
      const n = 100_000;
      const shapes = { p: [n], q: [n] };
      const t0 = await noiseAt({ eta: ETA, gamma: GAMMA, seed: 11 }, 0, shapes);
      const t99 = await noiseAt({ eta: ETA, gamma: GAMMA, seed: 11 }, 99, shapes);
      assertNormal(t0.p, sigmaAt(0), `${backend} t=0`);
      assertNormal(t99.p, sigmaAt(99), `${backend} t=99`);
      assertUncorrelated(t0.p, t0.q, `${backend}: parameters 0 and 1`);
      assertUncorrelated(t0.p, t99.p, `${backend}: steps 0 and 99`);
    });

    test(`${backend}: a population draws run r's slice from seed[r]'s key, as run r alone`, async () => {
      await selectBackend({ backend });
      const pop = await noiseAt({ eta: ETA, seed: [3, "x", 5] }, 2, { w: [3, 5, 3] }, 3);
      [3, "x", 5].forEach((s, r) => {
        const alone = reference([5, 3], sigmaAt(2), s, 0, 2);
        assert.ok(sameBits(pop.w.subarray(r * 15, (r + 1) * 15), alone).equal, `run ${r}`);
      });
    });

    test(`${backend}: the fused kernel (gradient + noise in one pass) has the bits of tf.add(gradient, noise)`, async () => {
      await selectBackend({ backend });
      // Odd sizes (partial SIMD groups), a population of 5-element slices (segments off group boundaries), and
      // gradients of mixed magnitudes and signs, so that the sums round.
      const cases: [number[], (string | number)[] | string][] = [[[1], "f"], [[7], "f"], [[33], "f"], [[13, 11], "f"], [[3, 5], [3, "x", 5]], [[4, 9, 2], [1, 2, 3, 4]]];
      for (const [shape, seed] of cases) {
        const n = shape.reduce((a, b) => a * b, 1);
        const g = tf.tensor(Float32Array.from({ length: n }, (_, i) => Math.sin((i + 1) * 12.9898) * 10 ** ((i % 7) - 2)), shape);
        const segments = philoxSegments(shape, seed, 2, 6, "w");
        const noise = philoxNormal(shape, 0.37, PURPOSE.gradientNoise, segments);
        const want = tf.add(g, noise);
        const fused = philoxNormal(shape, 0.37, PURPOSE.gradientNoise, segments, g);
        assert.deepEqual(fused.shape, shape);
        const same = sameBits((await fused.data()) as Float32Array, (await want.data()) as Float32Array);
        assert.ok(same.equal, `[${shape}] element ${same.first}`);
        assert.ok(!sameBits((await fused.data()) as Float32Array, (await noise.data()) as Float32Array).equal, "the gradient was added");
        tf.dispose([g, noise, want, fused]);
      }
      const g = tf.ones([3]);
      assert.throws(() => philoxNormal([4], 1, 1, [{ offset: 0, size: 4, key: [0, 0] }], g), /base must be float32 with the 4 elements of shape \[4\], got float32 of shape \[3\]/);
      g.dispose();
    });

    test(`${backend}: training with philox noise and weight noise keeps the tensor count flat`, async () => {
      await selectBackend({ backend });
      const w = tf.variable(tf.ones([9, 5]));
      const opt = withTransforms(tf.train.sgd(0.1), [addGradientNoise({ eta: 0.01, seed: 1 }), addWeightNoise({ eta: 1e-4, seed: 2 })]);
      const step = () => opt.minimize(() => tf.sum(tf.square(w)), true)?.dispose();
      step();
      const before = tf.memory().numTensors;
      for (let i = 0; i < 20; i++) step();
      assert.equal(tf.memory().numTensors, before);
      opt.dispose();
      w.dispose();
    });
  }

  test("cpu and wasm drew the same bits", () => {
    for (const name of Object.keys(drawn.cpu ?? {})) assert.ok(sameBits(drawn.cpu[name], drawn.wasm[name]).equal, name);
    assert.ok(drawn.cpu && drawn.wasm, "both backends ran");
  });
});

describe("philox weight noise in one kernel call", () => {
  for (const backend of ["cpu", "wasm"] as const) {
    test(`on ${backend}: every variable gets the bits of w + its own stream's noise (one seed, and a population of 3 runs), tensor counts flat`, async () => {
      await selectBackend({ backend });
      for (const [seed, runs] of [[7, undefined], [[1, 2, 3], 3]] as const) {
        const shapes = runs ? [[3, 5, 4], [3, 9], [3, 1]] : [[5, 4], [9], [1], [130]];
        const names = shapes.map((_, i) => `w${i}`);
        const vars = Object.fromEntries(names.map((n, i) => [n, tf.variable(tf.tensor(gaussian(shapes[i].reduce((a, b) => a * b, 1), 1, `wn-${n}`), shapes[i]))]));
        const std = Math.sqrt(0.01 / Math.pow(1 + 3, GAMMA));
        const want = names.map((n) => tf.tidy(() => tf.add(vars[n], philoxNormal(vars[n].shape, std, PURPOSE.weightNoise, philoxSegments(vars[n].shape, seed as never, names.indexOf(n), 3, n)))));
        const before = tf.memory().numTensors;
        addWeightNoise({ eta: 0.01, seed: seed as never }).afterUpdate!(vars, ctx(3, names, runs));
        assert.equal(tf.memory().numTensors, before);
        names.forEach((n, i) => assert.ok(sameBits(vars[n].dataSync() as Float32Array, want[i].dataSync() as Float32Array).equal, `${backend} ${n}`));
        tf.dispose([...want, ...Object.values(vars)]);
      }
      await selectBackend({ backend: "cpu" });
    });
  }
});

describe("philox noise options", () => {
  test("weight noise uses its own purpose word: not the gradient noise of the same seed, parameter and step", async () => {
    await selectBackend({ backend: "cpu" });
    const v = tf.variable(tf.zeros([64]));
    const t = addWeightNoise({ schedule: { variance: () => 1, label: "1" }, seed: 4 });
    t.afterUpdate!({ v }, ctx(0, ["v"]));
    const got = (await v.data()) as Float32Array;
    const want = philoxFill(new Float32Array(64), 0, 64, streamKey64(4, 0, 0), PURPOSE.weightNoise, 1);
    assert.ok(sameBits(got, want).equal);
    assert.notDeepEqual(Array.from(got), Array.from(reference([64], 1, 4, 0, 0)));
    v.dispose();
  });

  test("bad options are named errors", () => {
    assert.throws(() => addGradientNoise({ eta: 1, seed: 1, generator: "mt19937" as never }), /generator must be "philox" or "xoshiro", got "mt19937"/);
    assert.throws(() => addGradientNoise({ eta: 1, seed: 1, prefetch: true }), /prefetch draws host-side noise on a worker, for generator "xoshiro"/);
    assert.doesNotThrow(() => addGradientNoise({ eta: 1, seed: 1, prefetch: true, generator: "xoshiro" }).dispose?.());
    assert.throws(() => philoxNormal([4], 1, 1, [{ offset: 0, size: 3, key: [0, 0] }]), /segments cover 3 of the 4 elements/);
    assert.throws(() => philoxNormal([4], 1, 1, [{ offset: 1, size: 3, key: [0, 0] }]), /without gaps or overlaps/);
  });

  test("saved configs record the generator; one saved without it restores the xoshiro streams it meant", () => {
    const philox = transformToConfig(addGradientNoise({ eta: 0.1, seed: 1 }));
    assert.equal(philox.generator, "philox");
    assert.equal(transformFromConfig(philox).config?.generator, "philox");
    const old = { ...transformToConfig(addGradientNoise({ eta: 0.1, seed: 1, generator: "xoshiro" })) };
    delete old.generator;
    assert.equal(transformFromConfig(old).config?.generator, "xoshiro");
    const weight = { ...transformToConfig(addWeightNoise({ eta: 0.1, seed: 1 })) };
    assert.equal(weight.generator, "philox");
    delete weight.generator;
    assert.equal(transformFromConfig(weight).config?.generator, "xoshiro");
  });
});
