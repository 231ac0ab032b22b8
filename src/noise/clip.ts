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

/** Rescales all gradients together so their global norm is at most `maxNorm` (Section 4.1's clipping). */
export function clipByGlobalNorm(maxNorm: number): GradientTransform {
  requireFinitePositive("clipByGlobalNorm()", "maxNorm", maxNorm);
  return {
    name: `clipByGlobalNorm(${maxNorm})`,
    transformGradients(grads) {
      const names = Object.keys(grads);
      if (names.length === 0) return grads;
      const norm = globalNorm(names.map((n) => grads[n]));
      const scale = tf.div(maxNorm, tf.maximum(norm, maxNorm));
      return mapGradients(grads, (g) => tf.mul(g, scale));
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
