/**
 * Gradient clipping transforms. tfjs has only element-wise `clipByValue`, so
 * the norm clips are written here with TensorFlow's formulas:
 * g * c / max(norm, c) leaves gradients with norm <= c untouched.
 */
import * as tf from "@tensorflow/tfjs";
import { GradientTransform, mapGradients } from "./transform";
import { requireFinitePositive } from "./validate";

/**
 * The L2 norm over all of `grads`, as a scalar tensor. Computed as
 * m * sqrt(sum((g / m)^2)) with m the largest magnitude: a plain float32 sum of
 * squares overflows to Infinity once an element passes ~1.8e19, and the clip
 * scale c / Infinity would then zero the gradient instead of rescaling it.
 */
export function globalNorm(grads: tf.Tensor[]): tf.Scalar {
  return tf.tidy(() => {
    const m = tf.maximum(tf.max(tf.stack(grads.map((g) => tf.max(tf.abs(g))))), 1e-30);
    return tf.mul(m, tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(tf.div(g, m))))))) as tf.Scalar;
  });
}

/**
 * Per-run global norms of a population's gradients (leading axis = run):
 * entry r is globalNorm of every gradient's slice r, computed the same way.
 */
export function perRunGlobalNorm(grads: tf.Tensor[]): tf.Tensor1D {
  return tf.tidy(() => {
    const runs = grads[0].shape[0];
    const flat = grads.map((g) => {
      if (g.shape[0] !== runs) throw new RangeError(`perRunGlobalNorm(): leading (run) axes differ: ${runs} vs ${g.shape[0]}`);
      return tf.reshape(g, [runs, -1]) as tf.Tensor2D;
    });
    const m = tf.maximum(tf.max(tf.stack(flat.map((f) => tf.max(tf.abs(f), 1))), 0), 1e-30);
    const m2 = tf.expandDims(m, 1);
    return tf.mul(m, tf.sqrt(tf.addN(flat.map((f) => tf.sum(tf.square(tf.div(f, m2)), 1))))) as tf.Tensor1D;
  });
}

/** Reshapes a per-run vector [R] to broadcast against a tensor of rank `rank` whose axis 0 is the run. */
export function runBroadcast(v: tf.Tensor1D, rank: number): tf.Tensor {
  return tf.reshape(v, [v.shape[0], ...Array(rank - 1).fill(1)]);
}

export interface ClipOptions {
  /**
   * Population training: axis 0 of every gradient indexes independent runs,
   * and each run is clipped by its own global norm, as if trained alone.
   */
  perRun?: boolean;
}

/** Rescales all gradients together so their global norm is at most `maxNorm` (Section 4.1's clipping). */
export function clipByGlobalNorm(maxNorm: number, opts: ClipOptions = {}): GradientTransform {
  requireFinitePositive("clipByGlobalNorm()", "maxNorm", maxNorm);
  return {
    name: `clipByGlobalNorm(${maxNorm}${opts.perRun ? ", perRun" : ""})`,
    transformGradients(grads) {
      const names = Object.keys(grads);
      if (names.length === 0) return grads;
      if (opts.perRun) {
        const scale = tf.div(maxNorm, tf.maximum(perRunGlobalNorm(names.map((n) => grads[n])), maxNorm)) as tf.Tensor1D;
        return mapGradients(grads, (g) => tf.mul(g, runBroadcast(scale, g.rank)));
      }
      const norm = globalNorm(names.map((n) => grads[n]));
      const scale = tf.div(maxNorm, tf.maximum(norm, maxNorm));
      return mapGradients(grads, (g) => tf.mul(g, scale));
    },
  };
}

/**
 * Multiplies run r's gradients by factors[r]: with `tf.train.sgd(1)` after it,
 * a population trains each run at its own learning rate (optax's
 * scale_by_learning_rate, per run).
 */
export function scaleByRun(factors: number[]): GradientTransform {
  if (!Array.isArray(factors) || factors.length === 0) throw new TypeError("scaleByRun(): factors must be a non-empty array");
  factors.forEach((f, i) => requireFinitePositive("scaleByRun()", `factors[${i}]`, f));
  return {
    name: `scaleByRun([${factors.join(", ")}])`,
    transformGradients(grads) {
      const f = tf.tensor1d(factors);
      return mapGradients(grads, (g, name) => {
        if (g.shape[0] !== factors.length) throw new RangeError(`scaleByRun(): ${name} has ${g.shape[0]} runs on axis 0, expected ${factors.length}`);
        return tf.mul(g, runBroadcast(f, g.rank));
      });
    },
  };
}

/** Rescales each gradient tensor on its own to norm at most `maxNorm` (MemN2N clips per weight matrix). */
export function clipByNorm(maxNorm: number): GradientTransform {
  requireFinitePositive("clipByNorm()", "maxNorm", maxNorm);
  return {
    name: `clipByNorm(${maxNorm})`,
    transformGradients(grads) {
      return mapGradients(grads, (g) => tf.mul(g, tf.div(maxNorm, tf.maximum(globalNorm([g]), maxNorm))));
    },
  };
}

/** Clips every element to [-limit, limit]. */
export function clipByValue(limit: number): GradientTransform {
  requireFinitePositive("clipByValue()", "limit", limit);
  return {
    name: `clipByValue(${limit})`,
    transformGradients(grads) {
      return mapGradients(grads, (g) => tf.clipByValue(g, -limit, limit));
    },
  };
}
