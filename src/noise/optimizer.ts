/**
 * Turns any tf.Optimizer (SGD, momentum, Adam, AdaGrad, RMSProp, ...) into one
 * that runs a chain of gradient transforms before its update: the "black box
 * combination of injected gradient noise with adaptive optimizers" of
 * Section 1. The step count t of Eq. 1 is the wrapper's own, from 0, so it
 * does not depend on the inner optimizer's bookkeeping.
 */
import * as tf from "@tensorflow/tfjs";
import { clipByGlobalNorm } from "./clip";
import { addGradientNoise, NoiseOptions } from "./gradient-noise";
import { transformFromConfig, transformToConfig } from "./serialization";
import { chain, chainMembers, GradientTransform, StepContext, TransformConfig } from "./transform";
import { requireNonNegativeInteger, requirePositiveInteger } from "./validate";

/** tfjs-core's {name, tensor} pair (not re-exported by @tensorflow/tfjs). */
export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

/** A NaN or infinite raw gradient, reported with the step and parameters it came from. */
export class NonFiniteGradientError extends Error {
  constructor(
    readonly step: number,
    readonly parameters: readonly string[],
  ) {
    super(`non-finite gradient at step ${step} in parameter(s): ${parameters.join(", ")}`);
    this.name = "NonFiniteGradientError";
  }
}

/**
 * How the raw gradients are checked for NaN/Inf (without a check a NaN
 * spreads silently into every weight: clipping by norm turns one NaN into all
 * NaNs). Either way a non-finite gradient is reported with its step and
 * parameter(s), and no update from it (nor after it) is kept.
 *
 * - "sync": one scalar read before every update; applyGradients throws. A
 *   read is free where kernels run synchronously (cpu, wasm), but on a GPU it
 *   waits for the queue every step, and webgpu cannot read synchronously.
 * - "deferred": no read. Each update is applied through an on-device select
 *   (tf.where) on a running "all finite so far" flag, so a bad step and every
 *   step after it leave the variables and the optimizer's state as they were;
 *   the error is thrown by the next `await flush()` (runSteps flushes at its
 *   yields, before evaluations and at the end; `flushFiniteChecks()` flushes
 *   every optimizer).
 * - true (default): "deferred" on GPU-backed backends (webgpu, webgl, or
 *   tensorflow with a GPU), "sync" elsewhere. false: no check.
 */
export type FiniteCheck = boolean | "sync" | "deferred";

export interface TransformedOptimizerOptions {
  /** The NaN/Inf check on raw gradients (FiniteCheck; default true). */
  checkFinite?: FiniteCheck;
  /**
   * Population training: axis 0 of every parameter indexes `runs` independent
   * runs, and every transform acts per run (norms clipped per run, one noise
   * seed per run, scaleByRun's factors), so each run trains as it would alone.
   * Without it, every parameter is one run's.
   */
  runs?: number;
}

/** The step count's entry in getWeights(), first, as tfjs optimizers put their "iter". */
export const STEP_WEIGHT_NAME = "gradnoise/t";

/** What getConfig() saves (the inner optimizer, the transforms as plain data, the step). */
interface SavedConfig {
  inner: { className: string; config: tf.serialization.ConfigDict };
  /** The transform's name: a description, not used to rebuild. */
  transform: string;
  /** chainMembers(transform), each as transformToConfig saves it. */
  transforms: TransformConfig[];
  /** Whether the transform was a chain (one member or several) rather than a single transform. */
  chained: boolean;
  step: number;
  runs: number | null;
  checkFinite: FiniteCheck;
}

/**
 * The gradients as a name -> tensor map, without the null/undefined entries
 * `minimize` passes for variables the loss does not reach or that are not
 * trainable (tfjs's own optimizers skip those too).
 */
function toNamedMap(grads: tf.NamedTensorMap | NamedTensor[]): tf.NamedTensorMap {
  const pairs: [string, tf.Tensor | null | undefined][] = Array.isArray(grads)
    ? grads.map(({ name, tensor }) => [name, tensor])
    : Object.entries(grads);
  const out: tf.NamedTensorMap = {};
  for (const [name, tensor] of pairs) if (tensor != null) out[name] = tensor;
  return out;
}

const shapeText = (s: readonly number[]) => `[${s.join(", ")}]`;

/**
 * Updates since the last flush that share one list of parameter names. Flags
 * are float32 0/1, not bool: WASM's Tile/Select of broadcast bool tensors
 * corrupts its heap (measured here with tfjs 4.22), and arithmetic on 0/1 is exact.
 */
interface PendingRecord {
  names: string[];
  /** Per parameter, 1 finite, 0 not, at the first bad step of this record (all 1 while none). */
  flags: tf.Tensor1D;
  /** That step, or -1. */
  badStep: tf.Scalar;
}

/** The deferred check's device-side state, read only by flush(). */
interface PendingCheck {
  /** 1 while every update since the last flush had finite gradients, else 0. */
  healthy: tf.Scalar;
  records: PendingRecord[];
  /** The inner optimizer's update count at the last flush: rewinding stops there. */
  innerIterationsAtFlush: number;
}

/** Optimizers holding unflushed deferred checks. */
const unflushed = new Set<TransformedOptimizer>();

/** Awaits flush() of every optimizer with deferred checks pending: throws the first NonFiniteGradientError. */
export async function flushFiniteChecks(): Promise<void> {
  for (const opt of [...unflushed]) await opt.flush();
}

/** Backends whose kernels run asynchronously on a device, where a synchronous read stalls or fails. */
function onDevice(): boolean {
  const name = tf.getBackend();
  if (name === "webgpu" || name === "webgl") return true;
  if (name !== "tensorflow") return false;
  const be = tf.findBackend(name) as unknown as { isUsingGpuDevice?: boolean } | null;
  return Boolean(be?.isUsingGpuDevice);
}

/**
 * Runs `f`, capturing every tf.Variable it assigns: the value before the
 * first assign is kept (a clone shares the buffer: no copy), so the update can
 * be undone on device. Covers the inner optimizer's own state (momentum,
 * Adam's moments and beta powers) without knowing its class.
 */
function captureAssigns(f: () => void): Map<tf.Variable, tf.Tensor> {
  const before = new Map<tf.Variable, tf.Tensor>();
  const proto = tf.Variable.prototype;
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const assign = proto.assign;
  proto.assign = function (this: tf.Variable, value: tf.Tensor) {
    if (!before.has(this)) before.set(this, tf.keep(tf.clone(this)));
    assign.call(this, value);
  };
  try {
    f();
  } catch (e) {
    for (const [v, old] of before) {
      assign.call(v, old);
      old.dispose();
    }
    throw e;
  } finally {
    proto.assign = assign;
  }
  return before;
}

export class TransformedOptimizer extends tf.Optimizer {
  static get className(): string {
    return "TransformedOptimizer";
  }

  /** tf.Optimizer's instanceof is duck-typed (every optimizer would pass): this one checks the class. */
  static [Symbol.hasInstance](x: unknown): boolean {
    return typeof x === "object" && x !== null && Object.prototype.isPrototypeOf.call(TransformedOptimizer.prototype, x);
  }

  private t = 0;
  private readonly indices = new Map<string, number>();
  private readonly checkFinite: FiniteCheck;
  private pending: PendingCheck | undefined;
  /** Population size (the `runs` option); undefined for a single run. */
  readonly runs: number | undefined;

  constructor(
    readonly inner: tf.Optimizer,
    readonly transform: GradientTransform,
    options: TransformedOptimizerOptions = {},
  ) {
    super();
    // Test null first: tfjs's instanceof check reads inner.minimize and would throw its own error.
    if (inner == null || !(inner instanceof tf.Optimizer)) {
      throw new TypeError("TransformedOptimizer: inner must be a tf.Optimizer (e.g. tf.train.sgd(0.1))");
    }
    if (transform == null || typeof transform.name !== "string") {
      throw new TypeError("TransformedOptimizer: transform must be a GradientTransform (see chain())");
    }
    if (options.runs !== undefined) requirePositiveInteger("TransformedOptimizer", "runs", options.runs);
    this.runs = options.runs;
    transform.checkRuns?.(this.runs);
    this.checkFinite = options.checkFinite ?? true;
  }

  /** Updates applied so far: the t of Eq. 1 for the next update. */
  get step(): number {
    return this.t;
  }

  /** Restores the counter when resuming a run from a checkpoint (setWeights does it too). */
  set step(t: number) {
    this.t = requireNonNegativeInteger("TransformedOptimizer.step", "step", t);
  }

  /** Fails before any work on a gradient no variable can take (shape checks only: no data read). */
  private checkGradients(grads: tf.NamedTensorMap, names: string[]): void {
    const registered = tf.engine().registeredVariables;
    for (const n of names) {
      const v = registered[n];
      if (v === undefined) throw new ReferenceError(`TransformedOptimizer: no variable named "${n}" is registered (gradients are keyed by tf.Variable name)`);
      const g = grads[n].shape;
      if (!tf.util.arraysEqual(g, v.shape)) {
        throw new RangeError(`TransformedOptimizer: the gradient of "${n}" has shape ${shapeText(g)}, the variable ${shapeText(v.shape)}`);
      }
      if (this.runs !== undefined && g[0] !== this.runs) {
        throw new RangeError(`TransformedOptimizer: with runs = ${this.runs}, axis 0 of every parameter indexes the runs, but "${n}" has shape ${shapeText(g)}`);
      }
    }
  }

  /**
   * Deferred check, one step: per-parameter finiteness flags and the running
   * "healthy" flag on device, the first bad step's flags kept for flush().
   * Returns the new healthy flag (the caller gates the update on it).
   */
  private recordFinite(grads: tf.NamedTensorMap, names: string[], step: number): tf.Scalar {
    if (!this.pending) {
      this.pending = { healthy: tf.keep(tf.scalar(1)), records: [], innerIterationsAtFlush: this.inner.iterations };
      unflushed.add(this);
    }
    const p = this.pending;
    let rec = p.records[p.records.length - 1];
    if (!rec || rec.names.length !== names.length || rec.names.some((n, i) => n !== names[i])) {
      rec = { names: [...names], flags: tf.keep(tf.ones([names.length])) as tf.Tensor1D, badStep: tf.keep(tf.scalar(-1, "int32")) };
      p.records.push(rec);
    }
    const r = rec;
    const next = tf.tidy(() => {
      // x * 0 is 0 for finite x and NaN for NaN or +-Inf (as in assertFinite).
      const flags = tf.cast(tf.equal(tf.stack(names.map((n) => tf.sum(tf.mul(grads[n], 0)))), 0), "float32");
      const ok = tf.min(flags);
      // 1 exactly when this step is the first bad one since the last flush.
      const firstBad = tf.mul(p.healthy, tf.sub(1, ok));
      const newFlags = tf.add(tf.mul(flags, firstBad), tf.mul(r.flags, tf.sub(1, firstBad))) as tf.Tensor1D;
      const fb = tf.cast(firstBad, "int32");
      const newStep = tf.add(tf.mul(tf.scalar(step, "int32"), fb), tf.mul(r.badStep, tf.sub(tf.scalar(1, "int32"), fb))) as tf.Scalar;
      return { healthy: tf.mul(p.healthy, ok) as tf.Scalar, flags: newFlags, badStep: newStep };
    });
    tf.dispose([r.flags, r.badStep]);
    r.flags = tf.keep(next.flags);
    r.badStep = tf.keep(next.badStep);
    return tf.keep(next.healthy);
  }

  /**
   * Reads the deferred checks (one scalar when all is well): throws the first
   * NonFiniteGradientError since the last flush, with the counters rewound to
   * that step (the updates from it on were not applied). Resolves at once when
   * nothing is pending.
   */
  async flush(): Promise<void> {
    const p = this.pending;
    if (!p) return;
    this.pending = undefined;
    unflushed.delete(this);
    try {
      if ((await p.healthy.data())[0] === 1) return;
      for (const r of p.records) {
        const step = (await r.badStep.data())[0];
        if (step < 0) continue;
        const flags = await r.flags.data();
        const bad = r.names.filter((_, i) => flags[i] !== 1);
        const undone = this.t - step;
        this.t = step;
        this.iterations_ = Math.max(0, this.iterations_ - undone);
        const inner = this.inner as unknown as { iterations_: number };
        inner.iterations_ = Math.max(p.innerIterationsAtFlush, inner.iterations_ - undone);
        throw new NonFiniteGradientError(step, bad);
      }
    } finally {
      tf.dispose([p.healthy, ...p.records.flatMap((r) => [r.flags, r.badStep])]);
    }
  }

  // The "sync" mode only: chosen by default on host backends (cpu, wasm, tensorflow on CPU), whose kernels
  // have already run when applyGradients does, so the read stalls nothing; devices get the deferred check.
  private assertFinite(grads: tf.NamedTensorMap, names: string[], step: number): void {
    // x * 0 is 0 for finite x and NaN for NaN or +-Inf, so one sum answers "any non-finite?".
    const probe = tf.tidy(() => tf.addN(names.map((n) => tf.sum(tf.mul(grads[n], 0)))));
    const ok = Number.isFinite(probe.dataSync()[0]);
    probe.dispose();
    if (ok) return;
    const bad = names.filter((n) =>
      tf.tidy(() => !Number.isFinite(tf.sum(tf.mul(grads[n], 0)).dataSync()[0])),
    );
    throw new NonFiniteGradientError(step, bad);
  }

  applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const grads = toNamedMap(variableGradients);
    const names = Object.keys(grads);
    this.checkGradients(grads, names);
    // Names first seen in this update get provisional indices, kept only if the
    // update succeeds: a failed one must not shift later parameters' noise streams.
    const fresh = new Map<string, number>();
    const paramIndex = (n: string): number => {
      let i = this.indices.get(n) ?? fresh.get(n);
      if (i === undefined) {
        i = this.indices.size + fresh.size;
        fresh.set(n, i);
      }
      return i;
    };
    names.forEach(paramIndex);
    const ctx: StepContext = { step: this.t, names, paramIndex, runs: this.runs };
    const mode = !this.checkFinite || names.length === 0 ? "off" : this.checkFinite === true ? (onDevice() ? "deferred" : "sync") : this.checkFinite;
    if (mode === "sync") this.assertFinite(grads, names, ctx.step);
    const healthy = mode === "deferred" ? this.recordFinite(grads, names, ctx.step) : undefined;

    const update = () => {
      const transformed = this.transform.transformGradients
        ? tf.tidy(() => this.transform.transformGradients!(grads, ctx))
        : grads;
      try {
        this.inner.applyGradients(transformed);
      } finally {
        // applyGradients does not dispose what it is given; free only what the transforms made.
        const given = new Set(names.map((n) => grads[n]));
        for (const n of Object.keys(transformed)) {
          if (!given.has(transformed[n])) transformed[n].dispose();
        }
      }
      if (this.transform.afterUpdate) {
        const registered = tf.engine().registeredVariables;
        const vars: Record<string, tf.Variable> = {};
        for (const n of names) vars[n] = registered[n];
        this.transform.afterUpdate(vars, ctx);
      }
    };
    if (healthy) {
      // Every variable the step wrote (parameters and optimizer state) keeps its new value
      // only if all gradients so far were finite: a select on device, no read.
      let before: Map<tf.Variable, tf.Tensor> | undefined;
      try {
        before = captureAssigns(update);
        // Inside tidy: assign takes the buffer, the tidy frees the where's tensor object. The
        // condition is built at full shape from float ops (no broadcast bool: see PendingRecord).
        for (const [v, old] of before) tf.tidy(() => v.assign(tf.where(tf.greater(tf.add(tf.zeros(v.shape), healthy), 0.5), v, old)));
      } finally {
        if (before) for (const old of before.values()) old.dispose();
        tf.dispose(this.pending!.healthy);
        this.pending!.healthy = healthy;
      }
    } else update();
    for (const [n, i] of fresh) this.indices.set(n, i);
    this.t++;
    this.incrementIterations();
  }

  /**
   * The step count t (an int32 scalar named "gradnoise/t"), then the inner
   * optimizer's weights: a checkpoint resumes the schedule where it stopped
   * (optax keeps the count in the transform state too). The caller owns the
   * returned scalars, as with tfjs's own optimizers.
   */
  override async getWeights(): Promise<NamedTensor[]> {
    return [{ name: STEP_WEIGHT_NAME, tensor: tf.scalar(this.t, "int32") }, ...(await this.inner.getWeights())];
  }

  /**
   * Restores what getWeights saved. Weights without "gradnoise/t" (saved by an
   * older version) resume at the inner optimizer's update count. Parameter
   * indices are not saved: they are re-assigned in the order parameters are
   * first seen, the same as in the saved run when the model is the same.
   */
  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const at = weightValues.findIndex((w) => w.name === STEP_WEIGHT_NAME);
    const t = at < 0 ? undefined : (await weightValues[at].tensor.data())[0];
    await this.inner.setWeights(weightValues.filter((_, i) => i !== at));
    this.step = t ?? this.inner.iterations;
    this.iterations_ = this.inner.iterations;
  }

  /** Disposes the inner optimizer and whatever the transforms hold (the prefetch worker). */
  override dispose(): void {
    if (this.pending) {
      tf.dispose([this.pending.healthy, ...this.pending.records.flatMap((r) => [r.flags, r.badStep])]);
      this.pending = undefined;
      unflushed.delete(this);
    }
    this.transform.dispose?.();
    this.inner.dispose();
  }

  getConfig(): tf.serialization.ConfigDict {
    const saved: SavedConfig = {
      inner: { className: this.inner.getClassName(), config: this.inner.getConfig() },
      transform: this.transform.name,
      transforms: chainMembers(this.transform).map(transformToConfig),
      chained: chainMembers(this.transform)[0] !== this.transform,
      step: this.t,
      runs: this.runs ?? null,
      checkFinite: this.checkFinite,
    };
    return saved as unknown as tf.serialization.ConfigDict;
  }

  /**
   * Rebuilds a wrapper from getConfig() (tf.loadLayersModel calls it for a
   * model saved with includeOptimizer). Throws, naming the transform, when one
   * cannot be rebuilt from plain data (custom transforms, fromFunction schedules).
   */
  static override fromConfig<T extends tf.serialization.Serializable>(cls: tf.serialization.SerializableConstructor<T>, config: tf.serialization.ConfigDict): T {
    const c = config as unknown as SavedConfig;
    if (!Array.isArray(c.transforms) || c.inner == null) {
      throw new TypeError("TransformedOptimizer.fromConfig(): the config has no transforms list or no inner optimizer (not written by TransformedOptimizer.getConfig())");
    }
    // Transforms first: a failure then leaves no inner optimizer (and its tensors) behind.
    const members = c.transforms.map(transformFromConfig);
    const entry = tf.serialization.SerializationMap.getMap().classNameMap[c.inner.className];
    if (!entry) throw new TypeError(`TransformedOptimizer.fromConfig(): unknown inner optimizer class "${c.inner.className}" (register it with tf.serialization.registerClass)`);
    const inner = entry[1](entry[0], c.inner.config) as tf.Optimizer;
    const transform = c.chained || members.length !== 1 ? chain(...members) : members[0];
    const opt = new TransformedOptimizer(inner, transform, { runs: c.runs ?? undefined, checkFinite: c.checkFinite ?? true });
    opt.step = c.step ?? 0;
    return opt as unknown as T;
  }
}

// Without this, tf.loadLayersModel fails with "Unknown layer: TransformedOptimizer".
tf.serialization.registerClass(TransformedOptimizer);

/** `optimizer` with `transforms` chained in front of its update. */
export function withTransforms(
  optimizer: tf.Optimizer,
  transforms: GradientTransform | GradientTransform[],
  options?: TransformedOptimizerOptions,
): TransformedOptimizer {
  const t = Array.isArray(transforms) ? chain(...transforms) : transforms;
  return new TransformedOptimizer(optimizer, t, options);
}

export interface PaperNoiseOptions extends NoiseOptions {
  /** Clip the global gradient norm to this before adding noise (Section 4.1 uses 100 or 10); per run with `runs`. */
  clipGlobalNorm?: number;
  /** Population training (TransformedOptimizerOptions.runs); `seed` then holds one seed per run. */
  runs?: number;
}

/** The paper's recipe in one call: optional global-norm clip, then annealed noise (Eq. 1), then `optimizer`. */
export function withGradientNoise(
  optimizer: tf.Optimizer,
  options: PaperNoiseOptions,
  wrapperOptions?: TransformedOptimizerOptions,
): TransformedOptimizer {
  const { clipGlobalNorm, runs, ...noise } = options ?? ({} as PaperNoiseOptions);
  const wrapper = wrapperOptions ?? {};
  if (runs !== undefined && wrapper.runs !== undefined && runs !== wrapper.runs) {
    throw new RangeError(`withGradientNoise(): runs given twice, ${runs} and ${wrapper.runs}`);
  }
  const transforms: GradientTransform[] = [];
  if (clipGlobalNorm !== undefined) transforms.push(clipByGlobalNorm(clipGlobalNorm));
  transforms.push(addGradientNoise(noise));
  return withTransforms(optimizer, transforms, { ...wrapper, runs: runs ?? wrapper.runs });
}
