/**
 * skipNonFinite(): the NaN/Inf guard as a transform in the chain, like optax's
 * apply_if_finite. A step whose gradients hold a NaN or an infinity leaves the
 * parameters and the optimizer's state (momentum, Adam's moments) as they
 * were, and is counted; without it one NaN spreads into every weight
 * (clipping by global norm turns one NaN into all NaNs).
 *
 * Place it first to check the raw gradients. Its state (the skipped count)
 * is the transform's own: no module state, nothing to flush.
 */
import * as tf from "@tensorflow/tfjs";
import { wasmNonFiniteProbe } from "../engine/wasm-reduce";
import { rejectUnknownKeys } from "./validate";
import { GradientTransform } from "./transform";

/**
 * How the check is read:
 * - "sync": one scalar read per step, and a bad step runs no update at all. A
 *   read is free where kernels run synchronously (cpu, wasm), but on a GPU it
 *   waits for the queue every step, and webgpu cannot read synchronously.
 * - "deferred": no read. The update runs and every variable it wrote keeps
 *   its new value through an on-device select (tf.where) on the step's
 *   "all finite" flag; the count stays on the device until skippedSteps().
 * - "auto" (default): "deferred" on GPU-backed backends (webgpu, webgl, or
 *   tensorflow with a GPU), "sync" elsewhere.
 * Both give the same parameters and optimizer state, bit for bit; only the
 * inner optimizer's own `iterations` counter differs (deferred ran its update).
 */
export type FiniteRead = "auto" | "sync" | "deferred";

export interface SkipNonFiniteOptions {
  /** How the check is read (FiniteRead; default "auto"). */
  read?: FiniteRead;
}

export interface NonFiniteGuard extends GradientTransform {
  /** Updates skipped so far because a gradient was NaN or infinite (awaits one device read in "deferred" mode). */
  skippedSteps(): Promise<number>;
}

/** Backends whose kernels run asynchronously on a device, where a synchronous read stalls or fails. */
export function onDevice(): boolean {
  const name = tf.getBackend();
  if (name === "webgpu" || name === "webgl") return true;
  if (name !== "tensorflow") return false;
  const be = tf.findBackend(name) as unknown as { isUsingGpuDevice?: boolean } | null;
  return Boolean(be?.isUsingGpuDevice);
}

const READS: readonly FiniteRead[] = ["auto", "sync", "deferred"];

export function skipNonFinite(options: SkipNonFiniteOptions = {}): NonFiniteGuard {
  const where = "skipNonFinite()";
  rejectUnknownKeys(where, options, ["read"]);
  const read = options.read ?? "auto";
  if (!READS.includes(read)) throw new RangeError(`${where}: read must be "auto", "sync" or "deferred", got ${String(read)}`);
  let counted = 0;
  // float32, not int32 or bool: the flag and the count are built with exact 0/1 arithmetic.
  let onDeviceCount: tf.Scalar | undefined;
  return {
    name: read === "auto" ? "skipNonFinite()" : `skipNonFinite(${read})`,
    config: { kind: "skipNonFinite", read },
    transformGradients(grads, ctx) {
      const names = Object.keys(grads);
      if (names.length === 0) return grads;
      // x * 0 is 0 for finite x and NaN for NaN or +-Inf, so one sum answers "any non-finite?".
      const probe = wasmNonFiniteProbe(names.map((n) => grads[n])) ?? tf.addN(names.map((n) => tf.sum(tf.mul(grads[n], 0))));
      const mode = read === "auto" ? (onDevice() ? "deferred" : "sync") : read;
      if (mode === "sync") {
        // The one synchronous read, on host backends only (see FiniteRead): their kernels have already run.
        if (!Number.isFinite(probe.dataSync()[0])) {
          counted++;
          ctx.skipUpdateUnless(false);
        }
        return grads;
      }
      const ok = tf.cast(tf.equal(probe, 0), "float32") as tf.Scalar;
      const next = tf.keep(tf.add(onDeviceCount ?? 0, tf.sub(1, ok)) as tf.Scalar);
      onDeviceCount?.dispose();
      onDeviceCount = next;
      ctx.skipUpdateUnless(ok);
      return grads;
    },
    async skippedSteps() {
      return counted + (onDeviceCount ? (await onDeviceCount.data())[0] : 0);
    },
    dispose() {
      onDeviceCount?.dispose();
      onDeviceCount = undefined;
    },
  };
}
