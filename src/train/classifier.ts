/**
 * The training loop shared by notebooks, the CLI and tests. Every step runs in
 * one tf.tidy, so the live tensor count is flat however long it runs; the loop
 * yields to the event loop now and then so a notebook can redraw progress.
 */
import * as tf from "@tensorflow/tfjs";
import { batchIndices, batchTensors, checkDataset, Dataset } from "../data/dataset";
import { SeedPart } from "../random/rng";
import { runSteps } from "./loop";

export interface Classifier {
  readonly variables: tf.Variable[];
  logits(x: tf.Tensor2D): tf.Tensor2D;
  /** Training loss; `trainingStep` lets a model draw per-step randomness such as dropout masks. */
  loss(x: tf.Tensor2D, yOneHot: tf.Tensor2D, trainingStep?: number): tf.Scalar;
}

export interface Progress {
  step: number;
  steps: number;
  loss: number;
  elapsedMs: number;
}

export interface TrainOptions {
  steps: number;
  batchSize: number;
  /** Seed of the data order. */
  seed: SeedPart;
  /** Record the training loss every this many steps (default 10). */
  logEvery?: number;
  /** Held-out set evaluated every `evalEvery` steps and at the end. */
  evalData?: Dataset;
  evalEvery?: number;
  onProgress?: (p: Progress) => void;
}

export interface TrainHistory {
  /** Steps at which `loss` was recorded. */
  step: number[];
  loss: number[];
  evalStep: number[];
  evalAccuracy: number[];
  elapsedMs: number;
}

/** Fraction of rows whose argmax logit equals the label (read with `await data()`: works on every backend). */
export async function accuracy(model: Classifier, d: Dataset, chunk = 2000): Promise<number> {
  let correct = 0;
  for (let start = 0; start < d.n; start += chunk) {
    const idx = Int32Array.from({ length: Math.min(chunk, d.n - start) }, (_, i) => start + i);
    const ids = tf.tidy(() => tf.argMax(model.logits(batchTensors(d, idx).x), 1));
    const pred = await ids.data();
    ids.dispose();
    for (let i = 0; i < idx.length; i++) if (pred[i] === d.y[idx[i]]) correct++;
  }
  return correct / d.n;
}

export async function trainClassifier(model: Classifier, optimizer: tf.Optimizer, train: Dataset, opts: TrainOptions): Promise<TrainHistory> {
  const { steps, batchSize, seed } = opts;
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`trainClassifier(): steps must be an integer >= 0, got ${steps}`);
  if (!Number.isInteger(batchSize) || batchSize <= 0) throw new RangeError(`trainClassifier(): batchSize must be a positive integer, got ${batchSize}`);
  // Labels outside [0, classes) would one-hot to zeros: loss 0, nothing learned, no error.
  checkDataset(train, "trainClassifier(): train");
  if (opts.evalData) checkDataset(opts.evalData, "trainClassifier(): evalData");
  const logEvery = opts.logEvery ?? 10;
  const evalEvery = opts.evalEvery ?? 0;
  const h: TrainHistory = { step: [], loss: [], evalStep: [], evalAccuracy: [], elapsedMs: 0 };
  const cache = { epoch: -1, perm: new Int32Array(0) };
  const t0 = Date.now();
  const evaluate = async (step: number) => {
    if (!opts.evalData) return;
    h.evalStep.push(step);
    h.evalAccuracy.push(await accuracy(model, opts.evalData));
  };
  await runSteps(steps, evalEvery, async (step) => {
    const record = step % logEvery === 0 || step === steps - 1;
    const cost = tf.tidy((): tf.Scalar | void => {
      const { x, y } = batchTensors(train, batchIndices(train.n, batchSize, step, seed, cache));
      return optimizer.minimize(() => model.loss(x, y, step), record, model.variables) ?? undefined;
    });
    if (cost) {
      const loss = (await cost.data())[0];
      cost.dispose();
      h.step.push(step);
      h.loss.push(loss);
      opts.onProgress?.({ step: step + 1, steps, loss, elapsedMs: Date.now() - t0 });
    }
  }, evaluate);
  h.elapsedMs = Date.now() - t0;
  return h;
}
