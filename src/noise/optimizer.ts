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
import { chain, GradientTransform, StepContext } from "./transform";
import { requireNonNegativeInteger } from "./validate";

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

export interface TransformedOptimizerOptions {
  /**
   * Check the raw gradients for NaN/Inf before every update (default true).
   * Costs one scalar read per step; without it a NaN spreads silently into
   * every weight (clipping by norm turns one NaN into all NaNs).
   */
  checkFinite?: boolean;
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

export class TransformedOptimizer extends tf.Optimizer {
  static get className(): string {
    return "TransformedOptimizer";
  }

  private t = 0;
  private readonly indices = new Map<string, number>();
  private readonly checkFinite: boolean;

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
    this.checkFinite = options.checkFinite ?? true;
  }

  /** Updates applied so far: the t of Eq. 1 for the next update. */
  get step(): number {
    return this.t;
  }

  /** Restores the counter when resuming a run from a checkpoint. */
  set step(t: number) {
    this.t = requireNonNegativeInteger("TransformedOptimizer.step", "step", t);
  }

  private paramIndex(name: string): number {
    let i = this.indices.get(name);
    if (i === undefined) {
      i = this.indices.size;
      this.indices.set(name, i);
    }
    return i;
  }

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
    names.forEach((n) => this.paramIndex(n));
    const ctx: StepContext = { step: this.t, names, paramIndex: (n) => this.paramIndex(n) };
    if (this.checkFinite && names.length > 0) this.assertFinite(grads, names, ctx.step);

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
    this.t++;
    this.incrementIterations();
  }

  override async getWeights(): Promise<NamedTensor[]> {
    return this.inner.getWeights();
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    return this.inner.setWeights(weightValues);
  }

  override dispose(): void {
    this.inner.dispose();
  }

  getConfig(): tf.serialization.ConfigDict {
    return { inner: this.inner.getClassName(), transform: this.transform.name, step: this.t };
  }
}

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
  /** Clip the global gradient norm to this before adding noise (Section 4.1 uses 100 or 10). */
  clipGlobalNorm?: number;
}

/** The paper's recipe in one call: optional global-norm clip, then annealed noise (Eq. 1), then `optimizer`. */
export function withGradientNoise(
  optimizer: tf.Optimizer,
  options: PaperNoiseOptions,
  wrapperOptions?: TransformedOptimizerOptions,
): TransformedOptimizer {
  const { clipGlobalNorm, ...noise } = options ?? ({} as PaperNoiseOptions);
  const transforms: GradientTransform[] = [];
  if (clipGlobalNorm !== undefined) transforms.push(clipByGlobalNorm(clipGlobalNorm));
  transforms.push(addGradientNoise(noise));
  return withTransforms(optimizer, transforms, wrapperOptions);
}
