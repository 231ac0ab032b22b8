/**
 * Tensor bookkeeping: a long training loop through the wrapper must not leak
 * tensors, the wrapper must free the gradients its transforms create, and it
 * must never dispose the caller's own gradient tensors.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { MLP } from "../../../src/models/mlp";
import { MemN2N } from "../../../src/models/memn2n";
import { PopulationMLP } from "../../../src/models/population-mlp";
import { prepareTask } from "../../../src/families/memn2n";
import { trainMemN2N } from "../../../src/train/memn2n";
import { buildOptimizer } from "../../../src/train/optimizer";
import { trainPopulation } from "../../../src/train/population";
import { gaussianClusters } from "../../../src/data/synthetic";
import { trainClassifier } from "../../../src/train/classifier";
import { clipByGlobalNorm } from "../../../src/noise/clip";
import { addGradientNoise } from "../../../src/noise/gradient-noise";
import { addWeightNoise } from "../../../src/noise/weight-noise";
import { skipNonFinite } from "../../../src/noise/finite";
import { withTransforms } from "../../../src/noise/optimizer";
import { GradientTransform, mapGradients } from "../../../src/noise/transform";

before(async () => {
  await tf.setBackend("cpu");
});

let counter = 0;
function uniq(base: string): string {
  return `memory-${base}-${counter++}`;
}

describe("no leaks in a training loop", () => {
  test("numTensors is flat over 200 steps of MLP + adam + clip + gradient noise + weight noise", async () => {
    const data = gaussianClusters({ n: 256, features: 4, classes: 3, separation: 3, seed: 1 });
    const model = new MLP({ inputSize: 4, hidden: [8, 8], outputSize: 3, init: { kind: "he" }, seed: 2 });
    const opt = withTransforms(tf.train.adam(0.01), [
      clipByGlobalNorm(1),
      addGradientNoise({ eta: 0.01, seed: 3 }),
      addWeightNoise({ eta: 1e-4, seed: 4 }),
    ]);
    const start = tf.memory().numTensors;
    // Warm-up: Adam creates its m and v slots (2 per variable) on the first update.
    const warm = await trainClassifier(model, opt, data, { steps: 10, batchSize: 32, seed: 5 });
    assert.equal(opt.step, 10);
    const afterWarm = tf.memory().numTensors;
    // 6 variables (3 layers x W, b) -> 12 slot variables; nothing else should stay alive.
    assert.equal(afterWarm - start, 2 * model.variables.length, "only the optimizer slots were added in warm-up");
    const bytesAfterWarm = tf.memory().numBytes;

    const h = await trainClassifier(model, opt, data, { steps: 200, batchSize: 32, seed: 5, logEvery: 20 });
    assert.equal(opt.step, 210);
    assert.equal(tf.memory().numTensors, afterWarm, "tensor count grew during training");
    assert.equal(tf.memory().numBytes, bytesAfterWarm, "tensor bytes grew during training");
    // The run trained something (the loop really ran the steps).
    assert.equal(h.step.length, 11); // steps 0, 20, ..., 180 and the last step 199
    assert.ok(h.loss.every(Number.isFinite));
    assert.ok(h.loss[h.loss.length - 1] < warm.loss[0], `loss ${warm.loss[0]} -> ${h.loss[h.loss.length - 1]}`);

    opt.dispose();
    model.dispose();
    // Everything the run created is gone: the 12 slots, Adam's two beta-power scalars
    // (made in its constructor, before `start`) and the model's 6 variables.
    assert.equal(tf.memory().numTensors, start - 2 - 6);
  });
});

describe("every model family frees all it made", () => {
  // Counted from before construction: a constructor that leaves a tensor behind
  // (e.g. the initial value handed to tf.variable) shows up here, once per model.
  const data = gaussianClusters({ n: 128, features: 4, classes: 3, separation: 3, seed: 1 });

  test("MLP: construct, train with clip + noise, dispose leaves the count where it was", async () => {
    const before = tf.memory().numTensors;
    const model = new MLP({ inputSize: 4, hidden: Array(20).fill(8), outputSize: 3, init: { kind: "he" }, seed: 2 });
    const opt = buildOptimizer({ lr: 0.05, clip: { globalNorm: 1 }, noise: { eta: 0.01, seed: 3 } });
    await trainClassifier(model, opt, data, { steps: 5, batchSize: 16, seed: 4, evalData: data, evalEvery: 5 });
    opt.dispose();
    model.dispose();
    assert.equal(tf.memory().numTensors, before, "tensors left behind by a 21-layer MLP");
  });

  test("MLP with dropout: construct and dispose without training", () => {
    const before = tf.memory().numTensors;
    new MLP({ inputSize: 4, hidden: [8, 8], outputSize: 3, init: { kind: "zeros" }, seed: 2, dropout: 0.5 }).dispose();
    assert.equal(tf.memory().numTensors, before);
  });

  test("PopulationMLP: construct, train, dispose", async () => {
    const before = tf.memory().numTensors;
    const model = new PopulationMLP({ inputSize: 4, hidden: [8, 8, 8], outputSize: 3, init: { kind: "he" }, seeds: [1, 2, 3] });
    const opt = buildOptimizer({ lr: [0.1, 0.05, 0.01], clip: { globalNorm: 1 }, noise: { eta: 0.01, seed: [1, 2, 3] }, runs: 3 });
    await trainPopulation(model, opt, data, { steps: 4, batchSize: 16, evalData: data, evalEvery: 4 });
    opt.dispose();
    model.dispose();
    assert.equal(tf.memory().numTensors, before, "tensors left behind by PopulationMLP");
  });

  test("MemN2N: construct, train both stages with noise, dispose", async () => {
    const task = prepareTask(1, { trainQuestions: 64 });
    const before = tf.memory().numTensors;
    const model = new MemN2N({ vocabSize: task.vocab.length, memorySize: task.memorySize, seed: 2 });
    await trainMemN2N(model, task.train, { seed: 2, epochs: 1, linearEpochs: 1, learningRate: 0.005, eta: 0.01, validation: task.validation });
    model.dispose();
    assert.equal(tf.memory().numTensors, before, "tensors left behind by MemN2N");
  });
});

describe("applyGradients and gradient ownership", () => {
  test("the caller's gradients stay usable; the transformed ones are disposed", () => {
    const a = uniq("a");
    const b = uniq("b");
    const va = tf.variable(tf.tensor([1, 2, 3]), true, a);
    const vb = tf.variable(tf.tensor([[1, 0], [0, 1]]), true, b);
    const produced: tf.Tensor[] = [];
    const received: tf.Tensor[] = [];
    // A spy after clip and noise: records what it receives (made by earlier transforms) and what it returns.
    const spy: GradientTransform = {
      name: "spy",
      transformGradients: (grads) =>
        mapGradients(grads, (g) => {
          received.push(g);
          const out = tf.mul(g, 1);
          produced.push(out);
          return out;
        }),
    };
    const opt = withTransforms(tf.train.adam(0.1), [clipByGlobalNorm(1), addGradientNoise({ eta: 0.01, seed: 1 }), spy]);
    const ga = tf.tensor([30, -40, 0]);
    const gb = tf.tensor([[1, 2], [3, 4]]);

    // First call creates Adam's slots; measure on the second.
    opt.applyGradients({ [a]: ga, [b]: gb });
    const n0 = tf.memory().numTensors;
    opt.applyGradients({ [a]: ga, [b]: gb });
    assert.equal(tf.memory().numTensors, n0, "applyGradients leaked tensors");

    assert.equal(ga.isDisposed, false);
    assert.equal(gb.isDisposed, false);
    assert.deepEqual(Array.from(ga.dataSync()), [30, -40, 0]);
    assert.deepEqual(Array.from(gb.dataSync()), [1, 2, 3, 4]);
    // The caller can still use them in new computations.
    assert.equal(tf.tidy(() => tf.sum(ga).dataSync()[0]), -10);

    assert.equal(produced.length, 4);
    assert.equal(received.length, 4);
    for (const t of [...produced, ...received]) assert.equal(t.isDisposed, true, "a transformed gradient was not disposed");
    for (const t of received) assert.ok(t !== ga && t !== gb);

    tf.dispose([va, vb, ga, gb]);
    opt.dispose();
  });

  test("a pass-through transform (eta = 0) does not dispose the caller's gradients", () => {
    const name = uniq("pass");
    const v = tf.variable(tf.tensor([1, 1]), true, name);
    const g = tf.tensor([0.5, -0.5]);
    const opt = withTransforms(tf.train.sgd(1), [addGradientNoise({ eta: 0, seed: 1 })]);
    const n0 = tf.memory().numTensors;
    opt.applyGradients({ [name]: g });
    opt.applyGradients([{ name, tensor: g }]);
    assert.equal(g.isDisposed, false);
    assert.deepEqual(Array.from(g.dataSync()), [0.5, -0.5]);
    assert.deepEqual(Array.from(v.dataSync()), [0, 2]);
    assert.equal(tf.memory().numTensors, n0);
    tf.dispose([v, g]);
    opt.dispose();
  });

  test("minimize() frees its gradients and the transformed ones", () => {
    const name = uniq("min");
    const x = tf.variable(tf.tensor([3, -1, 2]), true, name);
    const opt = withTransforms(tf.train.momentum(0.1, 0.9), [clipByGlobalNorm(1), addGradientNoise({ eta: 0.1, seed: 2 })]);
    const loss = () => tf.sum(tf.square(x)) as tf.Scalar;
    opt.minimize(loss, false, [x]); // creates the momentum slot
    const n0 = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) opt.minimize(loss, false, [x]);
    assert.equal(tf.memory().numTensors, n0);
    const cost = opt.minimize(loss, true, [x]);
    assert.equal(tf.memory().numTensors, n0 + 1); // only the returned cost
    cost!.dispose();
    x.dispose();
    opt.dispose();
  });

  test("no leak when a step is skipped (non-finite gradient, sync or deferred) or the update fails (an unknown variable)", () => {
    const name = uniq("fail");
    const v = tf.variable(tf.tensor([1, 2]), true, name);
    const good = tf.tensor([1, 1]);
    const bad = tf.tensor([NaN, 1]);
    const deferred = withTransforms(tf.train.adam(0.1), [skipNonFinite({ read: "deferred" }), clipByGlobalNorm(1)]);
    deferred.applyGradients({ [name]: good });
    const d0 = tf.memory().numTensors;
    deferred.applyGradients({ [name]: bad });
    assert.equal(tf.memory().numTensors, d0, "leak on a step skipped on device");
    deferred.dispose();
    const opt = withTransforms(tf.train.sgd(0.1), [skipNonFinite({ read: "sync" }), clipByGlobalNorm(1), addGradientNoise({ eta: 0.1, seed: 2 })]);
    opt.applyGradients({ [name]: good });
    const n0 = tf.memory().numTensors;
    opt.applyGradients({ [name]: bad });
    assert.equal(tf.memory().numTensors, n0, "leak on a skipped step");
    // The inner sgd throws for a name that is not a registered variable; the wrapper's
    // transformed tensors must still be freed (try/finally).
    assert.throws(() => opt.applyGradients({ [uniq("nonexistent")]: good }));
    assert.equal(tf.memory().numTensors, n0, "leak when the inner optimizer throws");
    assert.equal(good.isDisposed, false);
    tf.dispose([v, good, bad]);
    opt.dispose();
  });
});
