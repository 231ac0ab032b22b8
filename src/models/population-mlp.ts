/**
 * R independent deep ReLU MLPs trained as one computation: every variable
 * has a leading run axis ([R, in, out] weights, [R, 1, out] biases). Run r is
 * initialised from seed r's streams exactly as `new MLP({..., seed})` would be,
 * and its loss is the mean cross-entropy of its own batch; the population's
 * loss is the sum over runs, so run r's gradient is its own. With a wrapper
 * built for the run axis, withTransforms(tf.train.sgd(1), [clipByGlobalNorm(c),
 * addGradientNoise({eta, seed: seeds}), scaleByRun(lrs)], {runs: seeds.length}),
 * each slice trains as that run would alone.
 */
import * as tf from "@tensorflow/tfjs";
import { batchTensors, Dataset } from "../data/dataset";
import { SeedPart } from "../random/rng";
import { throwIfDisposed } from "../noise/errors";
import { requireSeed } from "../noise/validate";
import { populationMatMul } from "./dense";
import { InitScheme, initWeights } from "./init";
import { layerSizes, MLP_TRAINING_KERNELS } from "./mlp";

export interface PopulationMLPConfig {
  inputSize: number;
  hidden: number[];
  outputSize: number;
  init: InitScheme;
  /** One seed per run: its init, data order and noise streams. */
  seeds: SeedPart[];
}

/** Kernels population training needs beyond a single MLP's: the per-run split, per-run norms and means. */
export const POPULATION_TRAINING_KERNELS: readonly string[] = [...new Set([...MLP_TRAINING_KERNELS, "ExpandDims", "Mean", "Unpack"])].sort();

let instances = 0;

export class PopulationMLP {
  readonly weights: tf.Variable[] = [];
  readonly biases: tf.Variable[] = [];
  readonly requiredKernels = POPULATION_TRAINING_KERNELS;
  private disposed = false;

  constructor(readonly config: PopulationMLPConfig) {
    const { inputSize, hidden, outputSize, init, seeds } = config;
    if (!Array.isArray(seeds) || seeds.length === 0) throw new TypeError("PopulationMLP: seeds must be a non-empty array (one per run)");
    seeds.forEach((s) => requireSeed("PopulationMLP", s));
    const sizes = layerSizes("PopulationMLP", inputSize, hidden, outputSize);
    const prefix = `pop${instances++}`;
    const R = seeds.length;
    for (let l = 0; l + 1 < sizes.length; l++) {
      const [fi, fo] = [sizes[l], sizes[l + 1]];
      const w = new Float32Array(R * fi * fo);
      seeds.forEach((s, r) => w.set(initWeights(init, fi, fo, s, "init", l), r * fi * fo));
      // Inside tidy: tf.variable shares the initial tensor's data but not the tensor, which would outlive dispose().
      this.weights.push(tf.tidy(() => tf.variable(tf.tensor3d(w, [R, fi, fo]), true, `${prefix}/W${l}`)));
      this.biases.push(tf.tidy(() => tf.variable(tf.zeros([R, 1, fo]), true, `${prefix}/b${l}`)));
    }
  }

  get runs(): number {
    return this.config.seeds.length;
  }

  /** Same order as MLP.variables, so parameter indices (and noise streams) match a single run's. */
  get variables(): tf.Variable[] {
    return this.weights.flatMap((w, l) => [w, this.biases[l]]);
  }

  /** x [R, b, in] -> logits [R, b, out]. */
  logits(x: tf.Tensor3D): tf.Tensor3D {
    throwIfDisposed(this.disposed, "PopulationMLP");
    return tf.tidy(() => {
      let h = x;
      const last = this.weights.length - 1;
      for (let l = 0; l <= last; l++) {
        const z = tf.add(populationMatMul(h, this.weights[l] as tf.Tensor3D), this.biases[l]) as tf.Tensor3D;
        h = l < last ? tf.relu(z) : z;
      }
      return h;
    });
  }

  /** Logits of every run for one shared batch x [b, in] -> [R, b, out] (evaluation; no gradient). */
  logitsShared(x: tf.Tensor2D): tf.Tensor3D {
    throwIfDisposed(this.disposed, "PopulationMLP");
    return tf.tidy(() => {
      const first = tf.stack((tf.unstack(this.weights[0]) as tf.Tensor2D[]).map((w) => tf.matMul(x, w))) as tf.Tensor3D;
      let h = tf.add(first, this.biases[0]) as tf.Tensor3D;
      for (let l = 1; l < this.weights.length; l++) {
        h = tf.add(populationMatMul(tf.relu(h), this.weights[l] as tf.Tensor3D), this.biases[l]) as tf.Tensor3D;
      }
      return h;
    });
  }

  /** Mean cross-entropy of each run's own batch: [R]. */
  lossPerRun(x: tf.Tensor3D, yOneHot: tf.Tensor3D): tf.Tensor1D {
    return tf.tidy(() => tf.mean(tf.losses.softmaxCrossEntropy(yOneHot, this.logits(x), undefined, undefined, tf.Reduction.NONE), 1) as tf.Tensor1D);
  }

  /** Sum over runs of each run's mean loss: run r's gradient is its own loss's. */
  loss(x: tf.Tensor3D, yOneHot: tf.Tensor3D): tf.Scalar {
    return tf.sum(this.lossPerRun(x, yOneHot));
  }

  /** Per-run accuracy on a shared dataset (read with `await data()`: works on every backend). */
  async accuracy(d: Dataset, chunk = 1000): Promise<number[]> {
    const correct = new Array(this.runs).fill(0);
    for (let start = 0; start < d.n; start += chunk) {
      const idx = Int32Array.from({ length: Math.min(chunk, d.n - start) }, (_, i) => start + i);
      const ids = tf.tidy(() => tf.argMax(this.logitsShared(batchTensors(d, idx).x), 2));
      const pred = await ids.data();
      ids.dispose();
      for (let r = 0; r < this.runs; r++) {
        for (let i = 0; i < idx.length; i++) if (pred[r * idx.length + i] === d.y[idx[i]]) correct[r]++;
      }
    }
    return correct.map((c) => c / d.n);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.variables.forEach((v) => v.dispose());
  }
}
