import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, test } from "node:test";
import { gaussianClusters } from "../../../src/data/synthetic";
import { selectBackend } from "../../../src/engine";
import { MLP } from "../../../src/models/mlp";
import { PopulationMLP } from "../../../src/models/population-mlp";
import { clipByGlobalNorm, scaleByRun } from "../../../src/noise/clip";
import { addGradientNoise } from "../../../src/noise/gradient-noise";
import { withTransforms } from "../../../src/noise/optimizer";
import { NoisePrefetcher } from "../../../src/noise/prefetch";
import { trainClassifier } from "../../../src/train/classifier";
import { trainPopulation } from "../../../src/train/population";

const data = gaussianClusters({ n: 200, features: 10, classes: 3, separation: 1.5, seed: 8 });

async function trainOnce(prefetch: boolean): Promise<Float32Array[]> {
  const m = new MLP({ inputSize: 10, hidden: [16, 16], outputSize: 3, init: { kind: "he" }, seed: 4 });
  const noise = addGradientNoise({ generator: "xoshiro", eta: 0.5, seed: 9, prefetch });
  const opt = withTransforms(tf.train.sgd(0.05), [clipByGlobalNorm(5), noise]);
  await trainClassifier(m, opt, data, { steps: 30, batchSize: 20, seed: 4 });
  // Only the first step is drawn in place when prefetching: the worker really served the rest.
  assert.deepEqual(noise.stats, prefetch ? { prefetched: 29, drawnInPlace: 1 } : { prefetched: 0, drawnInPlace: 30 });
  const out = m.variables.map((v) => v.dataSync() as Float32Array);
  opt.dispose();
  m.dispose();
  return out;
}

for (const backend of ["cpu", "wasm"] as const) {
  describe(`noise prefetching on ${backend}`, () => {
    test("training with prefetched noise is bit-identical to drawing it in place", async () => {
      await selectBackend({ backend });
      assert.deepEqual(await trainOnce(true), await trainOnce(false));
      // and the noise matters: another seed gives other weights
      const other = await (async () => {
        const m = new MLP({ inputSize: 10, hidden: [16, 16], outputSize: 3, init: { kind: "he" }, seed: 4 });
        const opt = withTransforms(tf.train.sgd(0.05), [clipByGlobalNorm(5), addGradientNoise({ generator: "xoshiro", eta: 0.5, seed: 10, prefetch: true })]);
        await trainClassifier(m, opt, data, { steps: 30, batchSize: 20, seed: 4 });
        const w = m.variables.map((v) => v.dataSync() as Float32Array);
        opt.dispose();
        m.dispose();
        return w;
      })();
      assert.notDeepEqual(other, await trainOnce(false));
    });
  });
}

test("population training with prefetched per-run noise is bit-identical", async () => {
  await selectBackend({ backend: "wasm" });
  const run = async (prefetch: boolean) => {
    const seeds = [1, 2, 3];
    const pop = new PopulationMLP({ inputSize: 10, hidden: [8], outputSize: 3, init: { kind: "he" }, seeds });
    const opt = withTransforms(tf.train.sgd(1), [clipByGlobalNorm(5), addGradientNoise({ generator: "xoshiro", eta: 0.5, seed: seeds, prefetch }), scaleByRun([0.1, 0.05, 0.1])], { runs: 3 });
    await trainPopulation(pop, opt, data, { steps: 20, batchSize: 10 });
    const w = pop.variables.map((v) => v.dataSync() as Float32Array);
    opt.dispose();
    pop.dispose();
    return w;
  };
  assert.deepEqual(await run(true), await run(false));
});

test("a change of parameter set falls back to drawing in place, with the right values", async () => {
  await selectBackend({ backend: "cpu" });
  const a = tf.variable(tf.zeros([4]), true, "pf-a");
  const b = tf.variable(tf.zeros([3]), true, "pf-b");
  const apply = (prefetch: boolean) => {
    a.assign(tf.zeros([4]));
    b.assign(tf.zeros([3]));
    const opt = withTransforms(tf.train.sgd(1), addGradientNoise({ generator: "xoshiro", eta: 1, seed: 3, prefetch }));
    const g = () => ({ [a.name]: tf.zeros([4]), [b.name]: tf.zeros([3]) });
    const only = () => ({ [a.name]: tf.zeros([4]) });
    const noise = opt.transform as ReturnType<typeof addGradientNoise>;
    for (const grads of [g(), g(), only(), g(), g()]) {
      opt.applyGradients(grads);
      tf.dispose(Object.values(grads));
    }
    // steps 0 and 2 (first step; new parameter set) and 3 (set changed back) are drawn in place.
    if (prefetch) assert.deepEqual(noise.stats, { prefetched: 2, drawnInPlace: 3 });
    opt.dispose();
    return [Array.from(a.dataSync()), Array.from(b.dataSync())];
  };
  assert.deepEqual(apply(true), apply(false));
  a.dispose();
  b.dispose();
});

test("the prefetch worker does not keep the process alive, and oversize jobs are refused", () => {
  const p = new NoisePrefetcher(10);
  assert.throws(() => p.request("x", 1, [{ offset: 0, size: 11, key: [1] }]), /needs 11 floats, capacity 10/);
  const script = `const { NoisePrefetcher } = require(${JSON.stringify(path.join(__dirname, "..", "..", "..", "src", "noise", "prefetch.js"))});
    const p = new NoisePrefetcher(100); p.request("s", 1, [{ offset: 0, size: 100, key: [1, "k"] }]);
    const v = p.take("s", 100); console.log(v.length, Number.isFinite(v[0]));`;
  const r = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", timeout: 20000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), "100 true");
  void p.dispose();
});
