/**
 * One way to assemble the paper's optimiser for every trainer, experiment and
 * bench: clip, then add annealed noise (Eq. 1) to the clipped gradient, then
 * the optimiser's update (Section 3; Section 4.2 says "after clipping").
 */
import * as tf from "@tensorflow/tfjs";
import { clipByGlobalNorm, clipByNorm, clipByValue, scaleByRun } from "../noise/clip";
import { addGradientNoise, NoiseOptions } from "../noise/gradient-noise";
import { FiniteCheck, TransformedOptimizer, withTransforms } from "../noise/optimizer";
import { GradientTransform } from "../noise/transform";

export type OptimizerName = "sgd" | "momentum" | "adam" | "rmsprop" | "adagrad";

export interface OptimizerSpec {
  /** Default "sgd" (no momentum), the paper's choice for Sections 4.1-4.2. */
  optimizer?: OptimizerName;
  /** Learning rate; an array gives run r of a population its own rate (plain SGD only: sgd(1) after scaleByRun). */
  lr: number | number[];
  /** For "momentum" (default 0.9). */
  momentum?: number;
  /** Clip before the noise: the global norm over all parameters (Section 4.1), each tensor's norm (MemN2N: 40 per matrix), or each element. */
  clip?: { globalNorm?: number; norm?: number; value?: number } | null;
  /** Gradient noise (Eq. 1), or null/absent for none. */
  noise?: NoiseOptions | null;
  /** Population training: axis 0 of every parameter indexes this many independent runs (noise seeds: one per run). */
  runs?: number;
  /** A diverging run is a result, not an error: pass false to record it instead of throwing (default true: a per-step read on CPU backends, deferred on devices; "sync" / "deferred" choose). */
  checkFinite?: FiniteCheck;
}

function inner(spec: OptimizerSpec): tf.Optimizer {
  // Per-run rates are applied by scaleByRun before a unit-rate SGD (optax's scale_by_learning_rate, per run).
  const lr = Array.isArray(spec.lr) ? 1 : spec.lr;
  if (!(lr > 0 && Number.isFinite(lr))) throw new RangeError(`buildOptimizer(): lr must be a positive number, got ${lr}`);
  switch (spec.optimizer ?? "sgd") {
    case "sgd":
      return tf.train.sgd(lr);
    case "momentum":
      return tf.train.momentum(lr, spec.momentum ?? 0.9);
    case "adam":
      return tf.train.adam(lr);
    case "rmsprop":
      return tf.train.rmsprop(lr);
    case "adagrad":
      return tf.train.adagrad(lr);
    default:
      throw new RangeError(`buildOptimizer(): unknown optimizer "${spec.optimizer}"; use sgd, momentum, adam, rmsprop or adagrad`);
  }
}

/** The optimiser `spec` describes: clip transforms in the order global norm, norm, value; then noise. */
export function buildOptimizer(spec: OptimizerSpec): TransformedOptimizer {
  const transforms: GradientTransform[] = [];
  const clip = spec.clip ?? {};
  if (clip.globalNorm !== undefined) transforms.push(clipByGlobalNorm(clip.globalNorm));
  if (clip.norm !== undefined) transforms.push(clipByNorm(clip.norm));
  if (clip.value !== undefined) transforms.push(clipByValue(clip.value));
  if (spec.noise) transforms.push(addGradientNoise(spec.noise));
  if (Array.isArray(spec.lr)) {
    if ((spec.optimizer ?? "sgd") !== "sgd") throw new RangeError(`buildOptimizer(): per-run learning rates need optimizer "sgd", got "${spec.optimizer}"`);
    if (spec.runs !== spec.lr.length) throw new RangeError(`buildOptimizer(): ${spec.lr.length} learning rates need runs: ${spec.lr.length}, got ${spec.runs}`);
    transforms.push(scaleByRun(spec.lr));
  }
  return withTransforms(inner(spec), transforms, { checkFinite: spec.checkFinite ?? true, runs: spec.runs });
}

/** Changes the learning rate of a built SGD or momentum optimiser (schedules such as MemN2N's halving). */
export function setLearningRate(opt: TransformedOptimizer, lr: number): void {
  const o = opt.inner as Partial<tf.SGDOptimizer>;
  if (typeof o.setLearningRate !== "function") throw new TypeError(`setLearningRate(): ${opt.inner.getClassName()} has no settable learning rate`);
  o.setLearningRate(lr);
}
