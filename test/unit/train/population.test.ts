import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { batchTensors } from "../../../src/data/dataset";
import { gaussianClusters } from "../../../src/data/synthetic";
import { kernelsUsedBy, selectBackend } from "../../../src/engine";
import { matMul2d, populationMatMul } from "../../../src/models/dense";
import { MLP } from "../../../src/models/mlp";
import { POPULATION_TRAINING_KERNELS, PopulationMLP } from "../../../src/models/population-mlp";
import { clipByGlobalNorm, scaleByRun } from "../../../src/noise/clip";
import { addGradientNoise } from "../../../src/noise/gradient-noise";
import { withTransforms } from "../../../src/noise/optimizer";
import { trainClassifier } from "../../../src/train/classifier";
import { populationBatch, trainPopulation } from "../../../src/train/population";

const data = gaussianClusters({ n: 240, features: 12, classes: 4, separation: 1.5, seed: 5 });
const seeds = [11, 12, 13];
const lrs = [0.1, 0.05, 0.2];
const hidden = [8, 8, 8];
const CLIP = 1; // small enough that clipping is active at most steps
const ETA = 0.01;

function populationOptimizer() {
  return withTransforms(tf.train.sgd(1), [clipByGlobalNorm(CLIP), addGradientNoise({ eta: ETA, seed: seeds }), scaleByRun(lrs)], { runs: seeds.length });
}

for (const backend of ["wasm", "cpu"] as const) {
  describe(`population training on ${backend}`, () => {
    test("each run trained inside a population matches the same run trained alone", async () => {
      await selectBackend({ backend, requiredKernels: POPULATION_TRAINING_KERNELS });
      const steps = 40;
      const pop = new PopulationMLP({ inputSize: 12, hidden, outputSize: 4, init: { kind: "normal", std: 0.3 }, seeds });
      const popOpt = populationOptimizer();
      const ph = await trainPopulation(pop, popOpt, data, { steps, batchSize: 16, logEvery: 1 });
      for (let r = 0; r < seeds.length; r++) {
        const alone = new MLP({ inputSize: 12, hidden, outputSize: 4, init: { kind: "normal", std: 0.3 }, seed: seeds[r] });
        const opt = withTransforms(tf.train.sgd(lrs[r]), [clipByGlobalNorm(CLIP), addGradientNoise({ eta: ETA, seed: seeds[r] })]);
        const h = await trainClassifier(alone, opt, data, { steps, batchSize: 16, seed: seeds[r], logEvery: 1 });
        // Float32 rounding differs between one 3-D and R 2-D reductions; 40 steps keep it tiny.
        for (let k = 0; k < steps; k++) {
          assert.ok(Math.abs(h.loss[k] - ph.loss[r][k]) < 1e-4 * Math.max(1, h.loss[k]), `run ${r} step ${k}: alone ${h.loss[k]} vs population ${ph.loss[r][k]}`);
        }
        alone.variables.forEach((v, i) => {
          const mine = tf.tidy(() => tf.gather(pop.variables[i], r).reshape(v.shape).dataSync());
          const theirs = v.dataSync();
          for (let j = 0; j < theirs.length; j++) {
            assert.ok(Math.abs(mine[j] - theirs[j]) < 1e-4 * Math.max(1, Math.abs(theirs[j])), `run ${r} ${v.name}[${j}]: ${theirs[j]} vs ${mine[j]}`);
          }
        });
        // Different seeds really are different runs.
        if (r > 0) assert.notDeepEqual(ph.loss[r], ph.loss[0]);
        opt.dispose();
        alone.dispose();
      }
      popOpt.dispose();
      pop.dispose();
    });
  });
}

describe("population pieces", () => {
  test("populationMatMul and matMul2d give tf.matMul's values and gradients", async () => {
    await selectBackend({ backend: "cpu" });
    const x = tf.randomNormal([3, 5, 4], 0, 1, "float32", 1) as tf.Tensor3D;
    const w = tf.randomNormal([3, 4, 2], 0, 1, "float32", 2) as tf.Tensor3D;
    const close = (a: tf.Tensor, b: tf.Tensor) => assert.ok(tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]) < 1e-5);
    close(populationMatMul(x, w), tf.matMul(x, w));
    const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(populationMatMul(a as tf.Tensor3D, b as tf.Tensor3D))))([x, w]);
    const [ex, ew] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.matMul(a, b))))([x, w]);
    close(gx, ex);
    close(gw, ew);
    const x2 = x.slice([0, 0, 0], [1, 5, 4]).reshape([5, 4]) as tf.Tensor2D;
    const w2 = w.slice([0, 0, 0], [1, 4, 2]).reshape([4, 2]) as tf.Tensor2D;
    const [g2x, g2w] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(matMul2d(a as tf.Tensor2D, b as tf.Tensor2D))))([x2, w2]);
    const [e2x, e2w] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.matMul(a, b))))([x2, w2]);
    close(g2x, e2x);
    close(g2w, e2w);
  });

  test("POPULATION_TRAINING_KERNELS covers a profiled population step", async () => {
    await selectBackend({ backend: "cpu" });
    const pop = new PopulationMLP({ inputSize: 12, hidden: [6], outputSize: 4, init: { kind: "he" }, seeds });
    const opt = populationOptimizer();
    const caches = seeds.map(() => ({ epoch: -1, perm: new Int32Array(0) }));
    const { x, y } = populationBatch(data, 8, 0, seeds, caches);
    const used = await kernelsUsedBy(async () => {
      tf.dispose(populationBatch(data, 8, 1, seeds, caches));
      opt.minimize(() => pop.loss(x, y), true, pop.variables)?.dispose();
      await pop.accuracy(data);
    });
    const missing = used.filter((k) => !POPULATION_TRAINING_KERNELS.includes(k));
    assert.deepEqual(missing, [], `declare these in POPULATION_TRAINING_KERNELS: ${missing.join(", ")}`);
    const unused = POPULATION_TRAINING_KERNELS.filter((k) => !used.includes(k));
    assert.deepEqual(unused, [], `declared but not used: ${unused.join(", ")}`);
    tf.dispose([x, y]);
    opt.dispose();
    pop.dispose();
  });

  test("numTensors stays flat over a population training loop", async () => {
    await selectBackend({ backend: "wasm", requiredKernels: POPULATION_TRAINING_KERNELS });
    const pop = new PopulationMLP({ inputSize: 12, hidden: [8, 8], outputSize: 4, init: { kind: "he" }, seeds });
    const opt = populationOptimizer();
    await trainPopulation(pop, opt, data, { steps: 5, batchSize: 16 });
    const before = tf.memory().numTensors;
    await trainPopulation(pop, opt, data, { steps: 100, batchSize: 16, evalData: data, evalEvery: 25 });
    assert.equal(tf.memory().numTensors, before);
    opt.dispose();
    pop.dispose();
  });

  test("per-run accuracy equals each run's own single-model accuracy", async () => {
    await selectBackend({ backend: "cpu" });
    const pop = new PopulationMLP({ inputSize: 12, hidden: [8], outputSize: 4, init: { kind: "he" }, seeds });
    const acc = await pop.accuracy(data, 100);
    seeds.forEach((s, r) => {
      const m = new MLP({ inputSize: 12, hidden: [8], outputSize: 4, init: { kind: "he" }, seed: s });
      const { x } = batchTensors(data, Array.from({ length: data.n }, (_, i) => i));
      const pred = tf.tidy(() => tf.argMax(m.logits(x), 1).dataSync());
      const own = Array.from(pred).filter((p, i) => p === data.y[i]).length / data.n;
      assert.equal(acc[r], own);
      x.dispose();
      m.dispose();
    });
    pop.dispose();
  });

  test("run-axis mismatches are errors naming the parameter", async () => {
    await selectBackend({ backend: "cpu" });
    const v = tf.variable(tf.zeros([2, 3]), true, "two-runs");
    const g = { [v.name]: tf.ones([2, 3]) };
    const noise3 = () => addGradientNoise({ eta: 0.1, seed: [1, 2, 3] });
    assert.throws(() => withTransforms(tf.train.sgd(1), [noise3()], { runs: 3 }).applyGradients(g), /with runs = 3, axis 0 of every parameter indexes the runs, but "two-runs" has shape \[2, 3\]/);
    assert.throws(() => withTransforms(tf.train.sgd(1), [noise3()], { runs: 2 }), /addGradientNoise\(\): 3 seeds given, but runs = 2/);
    assert.throws(() => withTransforms(tf.train.sgd(1), [scaleByRun([0.1, 0.2, 0.3])], { runs: 2 }), /scaleByRun\(\): 3 factors \(one per run\) need the optimizer's runs = 3, got runs = 2/);
    assert.throws(() => withTransforms(tf.train.sgd(1), [scaleByRun([0.1, 0.2])]), /scaleByRun\(\): .*pass \{ runs: 2 \}/);
    assert.throws(() => scaleByRun([0.1, -1]), /factors\[1\] must be a finite number > 0/);
    assert.throws(() => addGradientNoise({ eta: 0.1, seed: [] }), /seed array must not be empty/);
    assert.throws(() => withTransforms(tf.train.sgd(1), [], { runs: 0 }), /runs must be an integer >= 1, got 0/);
    tf.dispose(Object.values(g));
    v.dispose();
  });

  test("trainPopulation refuses a wrapper without the population's runs", async () => {
    await selectBackend({ backend: "cpu" });
    const pop = new PopulationMLP({ inputSize: 12, hidden: [4], outputSize: 4, init: { kind: "he" }, seeds });
    const alone = withTransforms(tf.train.sgd(0.1), [clipByGlobalNorm(CLIP)]);
    await assert.rejects(trainPopulation(pop, alone, data, { steps: 1, batchSize: 4 }), /the model has 3 runs, but the optimizer was built with no runs option: pass \{ runs: 3 \}/);
    // A plain tfjs optimizer has no transforms, so nothing mixes runs: accepted.
    await trainPopulation(pop, tf.train.sgd(0.1), data, { steps: 1, batchSize: 4 });
    pop.dispose();
  });
});
