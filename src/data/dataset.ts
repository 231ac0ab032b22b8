/**
 * An in-memory classification dataset and seeded minibatches. Rows are
 * gathered in JS and uploaded per batch, so a data order is the same on every
 * backend and depends only on (seed, epoch).
 */
import * as tf from "@tensorflow/tfjs";
import { permutation, SeedPart } from "../random/rng";

export interface Dataset {
  /** Row-major features, n x features. */
  x: Float32Array;
  /** Labels in [0, classes). */
  y: Int32Array;
  n: number;
  features: number;
  classes: number;
}

/** A dataset whose parts disagree (x, y, n, features) or whose labels are not classes: training on it would run and mean nothing. */
export class DatasetError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = "DatasetError";
  }
}

/**
 * Throws DatasetError unless x holds n * features values and y holds n
 * integer labels in [0, classes). A label outside that range one-hot encodes
 * to all zeros, so the loss is 0 and training silently learns nothing.
 */
export function checkDataset(d: Dataset, where = "dataset"): Dataset {
  if (d == null || typeof d !== "object") throw new DatasetError(`${where}: expected a Dataset { x, y, n, features, classes }, got ${String(d)}`);
  for (const k of ["n", "features", "classes"] as const) {
    if (!Number.isInteger(d[k]) || d[k] < 1) throw new DatasetError(`${where}: ${k} must be a positive integer, got ${String(d[k])}`);
  }
  if (d.x?.length !== d.n * d.features) throw new DatasetError(`${where}: x has ${d.x?.length} values, expected n * features = ${d.n} * ${d.features} = ${d.n * d.features} (row-major, one row per example)`);
  if (d.y?.length !== d.n) throw new DatasetError(`${where}: y has ${d.y?.length} labels for n = ${d.n} examples; give one label per example`);
  for (let i = 0; i < d.n; i++) {
    const label = d.y[i];
    if (!Number.isInteger(label) || label < 0 || label >= d.classes) {
      throw new DatasetError(`${where}: label ${label} at row ${i} is outside [0, ${d.classes}); labels are class indices 0..classes-1 (raise classes, or map the labels)`);
    }
  }
  return d;
}

/**
 * Throws RangeError unless every token id is an integer in [0, vocabSize):
 * checked on the JS arrays, before they become tensors, so a bad id is named
 * here rather than by a gather kernel (and without a read on the training path).
 */
export function checkTokenIds(where: string, what: string, ids: ArrayLike<number>, vocabSize: number): void {
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (!(Number.isInteger(id) && id >= 0 && id < vocabSize)) {
      throw new TokenIdError(`${where}: ${what}[${i}] = ${id} is not a token id of this model's vocabulary [0, ${vocabSize}); build the model with the corpus's vocabulary size (vocabSize >= the largest id + 1)`);
    }
  }
}

/** A token id outside the model's vocabulary. */
export class TokenIdError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = "TokenIdError";
  }
}

/** Rows `idx` as a [k, features] tensor and one-hot [k, classes] labels. */
export function batchTensors(d: Dataset, idx: ArrayLike<number>): { x: tf.Tensor2D; y: tf.Tensor2D } {
  const k = idx.length;
  const xs = new Float32Array(k * d.features);
  const ys = new Int32Array(k);
  for (let i = 0; i < k; i++) {
    const r = idx[i];
    xs.set(d.x.subarray(r * d.features, (r + 1) * d.features), i * d.features);
    ys[i] = d.y[r];
  }
  return tf.tidy(() => ({ x: tf.tensor2d(xs, [k, d.features]), y: tf.oneHot(tf.tensor1d(ys, "int32"), d.classes).toFloat() as tf.Tensor2D }));
}

/**
 * Minibatch indices for step `step`: epochs are shuffled by the stream
 * (seed, "data", epoch); the last partial batch of an epoch is dropped so every
 * step sees `batchSize` examples.
 */
export function batchIndices(n: number, batchSize: number, step: number, seed: SeedPart, cache?: { epoch: number; perm: Int32Array }): Int32Array {
  const perEpoch = Math.floor(n / batchSize);
  if (perEpoch < 1) throw new RangeError(`batch size ${batchSize} exceeds dataset size ${n}`);
  const epoch = Math.floor(step / perEpoch);
  let perm: Int32Array;
  if (cache && cache.epoch === epoch) perm = cache.perm;
  else {
    perm = permutation(n, seed, "data", epoch);
    if (cache) {
      cache.epoch = epoch;
      cache.perm = perm;
    }
  }
  const start = (step % perEpoch) * batchSize;
  return perm.subarray(start, start + batchSize);
}

/** Splits off `fraction` of the rows (seeded) as a held-out set. */
export function split(d: Dataset, fraction: number, seed: SeedPart): { train: Dataset; heldOut: Dataset } {
  if (!(fraction > 0 && fraction < 1)) throw new RangeError(`split(): fraction must be in (0, 1), got ${fraction}`);
  const perm = permutation(d.n, seed, "split");
  const k = Math.round(d.n * fraction);
  return { heldOut: subset(d, perm.subarray(0, k)), train: subset(d, perm.subarray(k)) };
}

export function subset(d: Dataset, idx: ArrayLike<number>): Dataset {
  const x = new Float32Array(idx.length * d.features);
  const y = new Int32Array(idx.length);
  for (let i = 0; i < idx.length; i++) {
    x.set(d.x.subarray(idx[i] * d.features, (idx[i] + 1) * d.features), i * d.features);
    y[i] = d.y[idx[i]];
  }
  return { x, y, n: idx.length, features: d.features, classes: d.classes };
}
