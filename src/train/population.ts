/**
 * Trains a PopulationMLP: one step updates every run, run r reading its own
 * minibatch (the order its seed gives, as trainClassifier would for that
 * seed). Losses are recorded per run.
 */
import * as tf from "@tensorflow/tfjs";
import { batchIndices, checkDataset, Dataset } from "../data/dataset";
import { PopulationMLP } from "../models/population-mlp";
import { TransformedOptimizer } from "../noise/optimizer";
import { Progress } from "./classifier";
import { runSteps } from "./loop";

export interface PopulationTrainOptions {
  steps: number;
  batchSize: number;
  /** Record per-run losses every this many steps (default 10). */
  logEvery?: number;
  /** Shared held-out set, evaluated for every run every `evalEvery` steps and at the end. */
  evalData?: Dataset;
  evalEvery?: number;
  onProgress?: (p: Progress & { lossPerRun: number[] }) => void;
}

export interface PopulationHistory {
  step: number[];
  /** loss[r][k]: run r's minibatch loss at step[k]. */
  loss: number[][];
  evalStep: number[];
  /** evalAccuracy[r][k]: run r's held-out accuracy at evalStep[k]. */
  evalAccuracy: number[][];
  elapsedMs: number;
}

/** Each run's minibatch for `step`, stacked: x [R, b, features], y one-hot [R, b, classes]. */
export function populationBatch(d: Dataset, batchSize: number, step: number, seeds: readonly (string | number)[], caches: { epoch: number; perm: Int32Array }[]): { x: tf.Tensor3D; y: tf.Tensor3D } {
  const R = seeds.length;
  const xs = new Float32Array(R * batchSize * d.features);
  const ys = new Int32Array(R * batchSize);
  seeds.forEach((seed, r) => {
    const idx = batchIndices(d.n, batchSize, step, seed, caches[r]);
    for (let i = 0; i < batchSize; i++) {
      const row = idx[i];
      xs.set(d.x.subarray(row * d.features, (row + 1) * d.features), (r * batchSize + i) * d.features);
      ys[r * batchSize + i] = d.y[row];
    }
  });
  return tf.tidy(() => ({
    x: tf.tensor3d(xs, [R, batchSize, d.features]),
    y: tf.reshape(tf.oneHot(tf.tensor1d(ys, "int32"), d.classes), [R, batchSize, d.classes]).toFloat() as tf.Tensor3D,
  }));
}

export async function trainPopulation(model: PopulationMLP, optimizer: tf.Optimizer, train: Dataset, opts: PopulationTrainOptions): Promise<PopulationHistory> {
  const { steps, batchSize } = opts;
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`trainPopulation(): steps must be an integer >= 0, got ${steps}`);
  if (!Number.isInteger(batchSize) || batchSize <= 0) throw new RangeError(`trainPopulation(): batchSize must be a positive integer, got ${batchSize}`);
  checkDataset(train, "trainPopulation(): train");
  if (opts.evalData) checkDataset(opts.evalData, "trainPopulation(): evalData");
  const seeds = model.config.seeds;
  const R = seeds.length;
  // Without runs = R a wrapper's transforms would treat the population as one run (one clip norm for all).
  if (optimizer instanceof TransformedOptimizer && optimizer.runs !== R) {
    throw new RangeError(`trainPopulation(): the model has ${R} runs, but the optimizer was built with ${optimizer.runs === undefined ? "no runs option" : `runs = ${optimizer.runs}`}: pass { runs: ${R} } to withTransforms()`);
  }
  const logEvery = opts.logEvery ?? 10;
  const evalEvery = opts.evalEvery ?? 0;
  const h: PopulationHistory = { step: [], loss: seeds.map(() => []), evalStep: [], evalAccuracy: seeds.map(() => []), elapsedMs: 0 };
  const caches = seeds.map(() => ({ epoch: -1, perm: new Int32Array(0) }));
  const evaluate = async (step: number) => {
    if (!opts.evalData) return;
    h.evalStep.push(step);
    (await model.accuracy(opts.evalData)).forEach((a, r) => h.evalAccuracy[r].push(a));
  };
  const t0 = Date.now();
  await runSteps(steps, evalEvery, async (step) => {
    const record = step % logEvery === 0 || step === steps - 1;
    let perRun: tf.Tensor1D | undefined;
    tf.tidy(() => {
      const { x, y } = populationBatch(train, batchSize, step, seeds, caches);
      optimizer.minimize(() => {
        const l = model.lossPerRun(x, y);
        if (record) perRun = tf.keep(tf.clone(l)); // survives the gradient tape's cleanup
        return tf.sum(l);
      }, false, model.variables);
    });
    if (perRun) {
      const losses = Array.from(await perRun.data());
      perRun.dispose();
      h.step.push(step);
      losses.forEach((l, r) => h.loss[r].push(l));
      const mean = losses.reduce((a, b) => a + b, 0) / R;
      opts.onProgress?.({ step: step + 1, steps, loss: mean, elapsedMs: Date.now() - t0, lossPerRun: losses });
    }
  }, evaluate);
  h.elapsedMs = Date.now() - t0;
  return h;
}
