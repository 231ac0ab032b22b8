/**
 * Turns any tf.Optimizer (SGD, momentum, Adam, AdaGrad, RMSProp, ...) into one
 * that runs a chain of gradient transforms before its update: the "black box
 * combination of injected gradient noise with adaptive optimizers" of
 * Section 1. The step count t of Eq. 1 is the wrapper's own, from 0, so it
 * does not depend on the inner optimizer's bookkeeping.
 */
import * as tf from "@tensorflow/tfjs";
import { transformFromConfig, transformToConfig } from "./serialization";
import { throwIfDisposed } from "./errors";
import { chain, chainMembers, GradientTransform, StepContext, TransformConfig } from "./transform";
import { rejectUnknownKeys, requireNonNegativeInteger, requirePositiveInteger } from "./validate";

/** tfjs-core's {name, tensor} pair (not re-exported by @tensorflow/tfjs). */
export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

export interface TransformedOptimizerOptions {
  /**
   * Population training: axis 0 of every parameter indexes `runs` independent
   * runs, and every transform acts per run (norms clipped per run, one noise
   * seed per run, scaleByRun's factors), so each run trains as it would alone.
   * Without it, every parameter is one run's.
   */
  runs?: number;
}

const OPTION_KEYS = ["runs"];
const OPTION_HINTS = { checkFinite: "the NaN/Inf check is now a transform: put skipNonFinite() first in the chain" };

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
 * Runs `f`, capturing every tf.Variable it assigns: the value before the
 * first assign is kept (sharing its buffer: no copy), so the update can
 * be undone on device. Covers the inner optimizer's own state (momentum,
 * Adam's moments and beta powers) without knowing its class.
 */
function captureAssigns(f: () => void): Map<tf.Variable, tf.Tensor> {
  const before = new Map<tf.Variable, tf.Tensor>();
  const proto = tf.Variable.prototype;
  const assign = proto.assign;
  proto.assign = function (this: tf.Variable, value: tf.Tensor) {
    // A reshape to the same shape shares the buffer on every backend; tf.clone is an Identity kernel, a copy on stock WASM (engine/wasm-slice.ts shares it).
    if (!before.has(this)) before.set(this, tf.keep(tf.reshape(this, this.shape)));
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
  private disposed = false;
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
    rejectUnknownKeys("TransformedOptimizer", options, OPTION_KEYS, OPTION_HINTS);
    if (options.runs !== undefined) requirePositiveInteger("TransformedOptimizer", "runs", options.runs);
    this.runs = options.runs;
    transform.checkRuns?.(this.runs);
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

  /** The inner optimizer's update, then the transforms' after-update hooks (weight noise). */
  private update(transformed: tf.NamedTensorMap, names: string[], ctx: StepContext): void {
    this.inner.applyGradients(transformed);
    if (this.transform.afterUpdate) {
      const registered = tf.engine().registeredVariables;
      const vars: Record<string, tf.Variable> = {};
      for (const n of names) vars[n] = registered[n];
      this.transform.afterUpdate(vars, ctx);
    }
  }

  /**
   * Runs `update`; every variable it wrote (parameters and optimizer state)
   * keeps its new value only where `keep` is 1: a select on device, no read.
   */
  private updateWhere(keep: tf.Scalar, update: () => void): void {
    let before: Map<tf.Variable, tf.Tensor> | undefined;
    // One condition per distinct shape, not per variable: on a GPU every kernel costs tens of
    // microseconds of dispatch (docs/gpu-check.md), and a model's variables share a few shapes.
    const conditions = new Map<string, tf.Tensor>();
    try {
      before = captureAssigns(update);
      // Inside tidy: assign takes the buffer, the tidy frees the where's tensor object. The condition is
      // built at full shape from float ops: WASM's Tile/Select of broadcast bool tensors corrupts its heap
      // (measured with tfjs 4.22), and arithmetic on 0/1 is exact.
      for (const [v, old] of before) {
        const key = v.shape.join(",");
        let condition = conditions.get(key);
        if (!condition) {
          condition = tf.tidy(() => tf.greater(tf.add(tf.zeros(v.shape), keep), 0.5));
          conditions.set(key, condition);
        }
        const c = condition;
        // The Select kernel itself: tf.where first broadcasts each input, and a broadcast to the same
        // shape is a clone (three Identity kernels per variable, measured; copies on stock WASM).
        tf.tidy(() => v.assign(tf.engine().runKernel(tf.Select, { condition: c, t: v, e: old }) as tf.Tensor));
      }
    } finally {
      if (before) for (const old of before.values()) old.dispose();
      for (const c of conditions.values()) c.dispose();
    }
  }

  applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    throwIfDisposed(this.disposed, "TransformedOptimizer");
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
    // A transform (skipNonFinite) may make the update conditional: false skips it, a scalar selects on device.
    const gate: { keep: boolean | tf.Scalar } = { keep: true };
    const ctx: StepContext = {
      step: this.t,
      names,
      paramIndex,
      runs: this.runs,
      skipUpdateUnless(ok) {
        const prev = gate.keep;
        if (ok === true) return;
        gate.keep = ok === false || prev === false ? false : (tf.keep(prev === true ? tf.clone(ok) : tf.mul(prev, ok)) as tf.Scalar);
        if (typeof prev !== "boolean") prev.dispose();
      },
    };
    let transformed: tf.NamedTensorMap = grads;
    try {
      if (this.transform.transformGradients) transformed = tf.tidy(() => this.transform.transformGradients!(grads, ctx));
      const keep = gate.keep;
      if (keep === true) this.update(transformed, names, ctx);
      else if (keep !== false) this.updateWhere(keep, () => this.update(transformed, names, ctx));
    } finally {
      // applyGradients does not dispose what it is given; free only what the transforms made.
      const given = new Set(names.map((n) => grads[n]));
      for (const n of Object.keys(transformed)) {
        if (!given.has(transformed[n])) transformed[n].dispose();
      }
      if (typeof gate.keep !== "boolean") gate.keep.dispose();
    }
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
    if (this.disposed) return;
    this.disposed = true;
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
    // A config saved by 0.1 may hold checkFinite: the check is now a transform (skipNonFinite), saved in the list.
    const opt = new TransformedOptimizer(inner, transform, { runs: c.runs ?? undefined });
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
