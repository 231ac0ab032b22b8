/**
 * Gradient transforms that compose, in the spirit of optax: each transform
 * rewrites the gradients before the optimizer turns them into an update, and
 * `chain(clip, noise)` applies them left to right. The order matters: the
 * paper adds noise to the *clipped* gradient (Section 4.2: "added to the
 * gradient after clipping"), so the noise itself is never clipped away.
 */
import * as tf from "@tensorflow/tfjs";

/** What a transform may know about the update it is part of. */
export interface StepContext {
  /** The wrapper's update counter t: 0 on the first update (Eq. 1). */
  readonly step: number;
  /** Names of the parameters being updated, in the order they were given. */
  readonly names: readonly string[];
  /**
   * A stable index per parameter name, assigned in the order names are first
   * seen by the wrapper. Noise streams are keyed by it rather than by tfjs's
   * auto-generated variable names, which depend on how many variables the
   * process created before (re-running a notebook cell changes them).
   */
  paramIndex(name: string): number;
}

export interface GradientTransform {
  readonly name: string;
  /** Returns the rewritten gradients; runs inside the wrapper's `tf.tidy`. */
  transformGradients?(grads: tf.NamedTensorMap, ctx: StepContext): tf.NamedTensorMap;
  /** Runs after the optimizer's update (weight noise acts on parameters, not gradients). */
  afterUpdate?(variables: Readonly<Record<string, tf.Variable>>, ctx: StepContext): void;
}

/** Applies `f` to every gradient, keeping names and order. */
export function mapGradients(
  grads: tf.NamedTensorMap,
  f: (g: tf.Tensor, name: string) => tf.Tensor,
): tf.NamedTensorMap {
  const out: tf.NamedTensorMap = {};
  for (const name of Object.keys(grads)) out[name] = f(grads[name], name);
  return out;
}

/** Composes transforms: gradients flow through them left to right, as do the after-update hooks. */
export function chain(...transforms: GradientTransform[]): GradientTransform {
  transforms.forEach((t, i) => {
    if (t == null || typeof t.name !== "string") {
      throw new TypeError(`chain(): argument ${i} is not a GradientTransform`);
    }
  });
  const withGrads = transforms.filter((t) => t.transformGradients);
  const withAfter = transforms.filter((t) => t.afterUpdate);
  return {
    name: `chain(${transforms.map((t) => t.name).join(", ")})`,
    transformGradients: withGrads.length
      ? (grads, ctx) => withGrads.reduce((g, t) => t.transformGradients!(g, ctx), grads)
      : undefined,
    afterUpdate: withAfter.length
      ? (vars, ctx) => withAfter.forEach((t) => t.afterUpdate!(vars, ctx))
      : undefined,
  };
}
