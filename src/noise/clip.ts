/**
 * Gradient clipping transforms. tfjs has only element-wise `clipByValue`, so
 * the norm clips are written here with TensorFlow's formulas:
 * g * c / max(norm, c) leaves gradients with norm <= c untouched.
 *
 * With the wrapper's `runs` option (StepContext.runs) the norms are taken per
 * run, over axis 0's slices, so each run of a population is clipped exactly
 * as it would be if trained alone.
 */
import * as tf from "@tensorflow/tfjs";
import { wasmGlobalNorm } from "../engine/wasm-reduce";
import { GradientTransform, mapGradients, StepContext } from "./transform";
import { requireFinitePositive } from "./validate";

/**
 * The L2 norm over all of `grads`, as a scalar tensor. Computed as
 * m * sqrt(sum((g / m)^2)) with m the largest magnitude: a plain float32 sum of
 * squares overflows to Infinity once an element passes ~1.8e19, and the clip
 * scale c / Infinity would then zero the gradient instead of rescaling it.
 * On wasm one kernel computes the same bits (engine/wasm-reduce.ts).
 */
export function globalNorm(grads: tf.Tensor[]): tf.Scalar {
  const fused = wasmGlobalNorm(grads);
  if (fused) return fused;
  return tf.tidy(() => {
    const m = tf.maximum(tf.max(tf.stack(grads.map((g) => tf.max(tf.abs(g))))), 1e-30);
    return tf.mul(m, tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(tf.div(g, m))))))) as tf.Scalar;
  });
}

/**
 * Per-run global norms [runs] of a population's gradients (axis 0 = run):
 * entry r is globalNorm of every gradient's slice r, computed the same way.
 */
export function perRunGlobalNorm(grads: tf.Tensor[], runs: number): tf.Tensor1D {
  return tf.tidy(() => {
    const flat = grads.map((g) => {
      if (g.shape[0] !== runs) throw new RangeError(`perRunGlobalNorm(): a gradient of shape [${g.shape}] has no run axis of size ${runs}`);
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

/** The norm(s) of `grads`: one scalar, or one per run when the step has a run axis. */
function norms(grads: tf.Tensor[], ctx: StepContext | undefined): tf.Tensor {
  return ctx?.runs === undefined ? globalNorm(grads) : perRunGlobalNorm(grads, ctx.runs);
}

/** c / max(norm, c): 1 when the norm is within the bound. */
function clipScale(norm: tf.Tensor, maxNorm: number): tf.Tensor {
  return tf.div(maxNorm, tf.maximum(norm, maxNorm));
}

/** g * scale, with a per-run scale broadcast along axis 0. */
function applyScale(g: tf.Tensor, scale: tf.Tensor): tf.Tensor {
  return tf.mul(g, scale.rank === 0 ? scale : runBroadcast(scale as tf.Tensor1D, g.rank));
}

/** clipByGlobalNorm once took `{perRun}`; the run axis is now the wrapper's `runs` option, and the old flag must not be ignored silently. */
function rejectOldOptions(where: string, extra: unknown): void {
  if (extra !== undefined) throw new TypeError(`${where}: takes one argument; for per-run clipping pass { runs } to withTransforms() instead of { perRun: true }`);
}

/**
 * Rescales all gradients together so their global norm is at most `maxNorm`
 * (Section 4.1's clipping); with `runs`, each run by its own global norm.
 */
export function clipByGlobalNorm(maxNorm: number, ...removed: never[]): GradientTransform {
  rejectOldOptions("clipByGlobalNorm()", removed[0]);
  requireFinitePositive("clipByGlobalNorm()", "maxNorm", maxNorm);
  return {
    name: `clipByGlobalNorm(${maxNorm})`,
    config: { kind: "clipByGlobalNorm", maxNorm },
    transformGradients(grads, ctx) {
      const names = Object.keys(grads);
      if (names.length === 0) return grads;
      // One scale for every gradient (not one per gradient: same values, 2 kernels per parameter fewer).
      const scale = clipScale(norms(names.map((n) => grads[n]), ctx), maxNorm);
      return mapGradients(grads, (g) => applyScale(g, scale));
    },
  };
}

/** Rescales each gradient tensor on its own to norm at most `maxNorm` (MemN2N clips per weight matrix); with `runs`, per run too. */
export function clipByNorm(maxNorm: number): GradientTransform {
  requireFinitePositive("clipByNorm()", "maxNorm", maxNorm);
  return {
    name: `clipByNorm(${maxNorm})`,
    config: { kind: "clipByNorm", maxNorm },
    transformGradients(grads, ctx) {
      return mapGradients(grads, (g) => applyScale(g, clipScale(norms([g], ctx), maxNorm)));
    },
  };
}

/** Clips every element to [-limit, limit] (element-wise, so the same with or without runs). */
export function clipByValue(limit: number): GradientTransform {
  requireFinitePositive("clipByValue()", "limit", limit);
  return {
    name: `clipByValue(${limit})`,
    config: { kind: "clipByValue", limit },
    transformGradients(grads) {
      return mapGradients(grads, (g) => tf.clipByValue(g, -limit, limit));
    },
  };
}

/**
 * Multiplies run r's gradients by factors[r]: with `tf.train.sgd(1)` after it,
 * a population trains each run at its own learning rate (optax's
 * scale_by_learning_rate, per run). Needs the wrapper's `runs` = factors.length.
 */
export function scaleByRun(factors: number[]): GradientTransform {
  if (!Array.isArray(factors) || factors.length === 0) throw new TypeError("scaleByRun(): factors must be a non-empty array");
  factors.forEach((f, i) => requireFinitePositive("scaleByRun()", `factors[${i}]`, f));
  const checkRuns = (runs: number | undefined) => {
    if (runs !== factors.length) {
      throw new RangeError(`scaleByRun(): ${factors.length} factors (one per run) need the optimizer's runs = ${factors.length}, got ${runs === undefined ? "no runs option: pass { runs: " + factors.length + " } to withTransforms()" : `runs = ${runs}`}`);
    }
  };
  return {
    name: `scaleByRun([${factors.join(", ")}])`,
    config: { kind: "scaleByRun", factors: [...factors] },
    checkRuns,
    transformGradients(grads, ctx) {
      checkRuns(ctx.runs);
      const f = tf.tensor1d(factors);
      return mapGradients(grads, (g) => tf.mul(g, runBroadcast(f, g.rank)));
    },
  };
}
