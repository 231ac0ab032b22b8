/**
 * The reproduction's optimiser spec, built by the paper's recipe
 * (noise/recipe.ts, the one builder withGradientNoise also uses): skip
 * non-finite steps, clip, add annealed noise (Eq. 1) to the clipped gradient,
 * then the optimiser's update (Section 3; Section 4.2 says "after clipping").
 * Internal to the experiments and benches: the public builder is withGradientNoise.
 */
import * as tf from "@tensorflow/tfjs";
import { scaleByRun } from "../noise/clip";
import { NoiseOptions } from "../noise/gradient-noise";
import { TransformedOptimizer, withTransforms } from "../noise/optimizer";
import { ClipOptions, recipeTransforms } from "../noise/recipe";

export type OptimizerName = "sgd" | "momentum" | "adam" | "rmsprop" | "adagrad";

export interface OptimizerSpec {
  /** Default "sgd" (no momentum), the paper's choice for Sections 4.1-4.2. */
  optimizer?: OptimizerName;
  /** Learning rate; an array gives run r of a population its own rate (plain SGD only: sgd(1) after scaleByRun). */
  lr: number | number[];
  /** For "momentum" (default 0.9). */
  momentum?: number;
  /** Clip before the noise: the global norm over all parameters (Section 4.1), each tensor's norm (MemN2N: 40 per matrix), or each element. */
  clip?: ClipOptions | null;
  /** Gradient noise (Eq. 1), or null/absent for none; generator default "xoshiro" here (the experiments' streams), not the library's "philox". */
  noise?: NoiseOptions | null;
  /** Population training: axis 0 of every parameter indexes this many independent runs (noise seeds: one per run). */
  runs?: number;
  /** Skip updates whose gradients are not finite (skipNonFinite(), default true); false where a diverging run is a result to record. */
  checkFinite?: boolean;
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

/** The optimiser `spec` describes: the recipe's transforms, then (per-run rates) scaleByRun. */
export function buildOptimizer(spec: OptimizerSpec): TransformedOptimizer {
  // The experiments draw the xoshiro streams their committed results were made with, unless a spec names a generator.
  const noise = spec.noise ? { ...spec.noise, generator: spec.noise.generator ?? "xoshiro" } : spec.noise;
  const transforms = recipeTransforms({ skipNonFinite: spec.checkFinite ?? true, clip: spec.clip, noise });
  if (Array.isArray(spec.lr)) {
    if ((spec.optimizer ?? "sgd") !== "sgd") throw new RangeError(`buildOptimizer(): per-run learning rates need optimizer "sgd", got "${spec.optimizer}"`);
    if (spec.runs !== spec.lr.length) throw new RangeError(`buildOptimizer(): ${spec.lr.length} learning rates need runs: ${spec.lr.length}, got ${spec.runs}`);
    transforms.push(scaleByRun(spec.lr));
  }
  return withTransforms(inner(spec), transforms, { runs: spec.runs });
}

/** Changes the learning rate of a built SGD or momentum optimiser (schedules such as MemN2N's halving). */
export function setLearningRate(opt: TransformedOptimizer, lr: number): void {
  const o = opt.inner as Partial<tf.SGDOptimizer>;
  if (typeof o.setLearningRate !== "function") throw new TypeError(`setLearningRate(): ${opt.inner.getClassName()} has no settable learning rate`);
  o.setLearningRate(lr);
}
