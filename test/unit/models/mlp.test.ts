import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { gaussianClusters } from "../../../src/data/synthetic";
import { batchTensors } from "../../../src/data/dataset";
import { kernelsUsedBy } from "../../../src/engine";
import { initStd, initWeights, randomWalkStd } from "../../../src/models/init";
import { MLP, MLP_TRAINING_KERNELS } from "../../../src/models/mlp";
import { PopulationMLP } from "../../../src/models/population-mlp";
import { withGradientNoise } from "../../../src/noise/recipe";
import { accuracy } from "../../../src/train/classifier";

before(async () => {
  await tf.setBackend("cpu");
});

test("MLP_TRAINING_KERNELS covers profiled training (batch upload, step with clip, noise and finite check, evaluation)", async () => {
  const d = gaussianClusters({ n: 16, features: 4, classes: 3, separation: 1, seed: 1 });
  const model = new MLP({ inputSize: 4, hidden: [5, 5], outputSize: 3, init: { kind: "he" }, seed: 1 });
  const opt = withGradientNoise(tf.train.sgd(0.1), { eta: 0.01, seed: 1, clipGlobalNorm: 1 });
  const { x, y } = batchTensors(d, Array.from({ length: 16 }, (_, i) => i));
  const used = await kernelsUsedBy(async () => {
    tf.dispose(batchTensors(d, [0, 1, 2]));
    opt.minimize(() => model.loss(x, y), true, model.variables)?.dispose();
    await accuracy(model, d);
  });
  const missing = used.filter((k) => !MLP_TRAINING_KERNELS.includes(k));
  assert.deepEqual(missing, [], `declare these in MLP_TRAINING_KERNELS: ${missing.join(", ")}`);
  const unused = MLP_TRAINING_KERNELS.filter((k) => !used.includes(k));
  assert.deepEqual(unused, [], `declared but not used: ${unused.join(", ")}`);
  tf.dispose([x, y]);
  model.dispose();
});

test("init scales: random-walk (Sussillo & Abbott 2014) and He", () => {
  // shared/REFERENCE.md: N = 50 gives std 0.2051 for random-walk, 0.2000 for He.
  assert.ok(Math.abs(randomWalkStd(50) - 0.2051) < 5e-5, String(randomWalkStd(50)));
  assert.equal(initStd({ kind: "he" }, 50), 0.2);
  assert.equal(initStd({ kind: "normal", std: 0.1 }, 50), 0.1);
  // Below N = 6 the random-walk gain uses max(N, 6).
  assert.ok(Math.abs(randomWalkStd(3) * Math.sqrt(3) - randomWalkStd(6) * Math.sqrt(6)) < 1e-12);
  const w = initWeights({ kind: "he" }, 200, 500, 9, "init", 0);
  let s2 = 0;
  for (const v of w) s2 += v * v;
  const std = Math.sqrt(s2 / w.length);
  // 100k draws: the std's standard error is 0.1/sqrt(2e5) ~ 3e-4; allow 4 SE.
  assert.ok(Math.abs(std - 0.1) < 4 * (0.1 / Math.sqrt(2 * w.length)), String(std));
  assert.deepEqual(initWeights({ kind: "he" }, 200, 500, 9, "init", 0), w, "same key, same weights");
});

test("zero init: every weight-matrix gradient is exactly zero, so SGD alone can only move the output bias", () => {
  const d = gaussianClusters({ n: 32, features: 6, classes: 4, separation: 1, seed: 2 });
  const model = new MLP({ inputSize: 6, hidden: [8, 8, 8], outputSize: 4, init: { kind: "zeros" }, seed: 2 });
  const { x, y } = batchTensors(d, Array.from({ length: 32 }, (_, i) => i));
  const { grads } = tf.variableGrads(() => model.loss(x, y), model.variables);
  const last = model.biases[model.biases.length - 1].name;
  for (const v of model.variables) {
    const g = Array.from(grads[v.name].dataSync());
    if (v.name === last) assert.ok(g.some((e) => e !== 0), "the output bias does learn");
    else assert.ok(g.every((e) => e === 0), `${v.name} has a non-zero gradient`);
  }
  tf.dispose([x, y, grads]);
  model.dispose();
});

test("bad model config is refused with the argument named", () => {
  assert.throws(() => new MLP({ inputSize: 4, hidden: [5, 0], outputSize: 3, init: { kind: "he" }, seed: 1 }), /hidden\[1\] must be a positive integer/);
  assert.throws(() => new PopulationMLP({ inputSize: 4, hidden: [5], outputSize: 2.5, init: { kind: "he" }, seeds: [1] }), /PopulationMLP: outputSize must be a positive integer, got 2.5/);
  assert.throws(() => new MLP({ inputSize: 4, hidden: [5], outputSize: 3, init: { kind: "he" }, seed: 0.5 }), /seed must be/);
});
