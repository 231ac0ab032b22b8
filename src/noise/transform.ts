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
  /**
   * Population training (the wrapper's `runs` option): axis 0 of every
   * gradient and parameter indexes this many independent runs, and each
   * transform acts on each run as if it were trained alone. Undefined: one run.
   */
  readonly runs?: number;
  /**
   * Keeps this step's update (parameters and optimizer state) only if `ok`:
   * false skips it; a 0/1 float32 scalar selects on device, without a read
   * (skipNonFinite() calls it). Steps are counted either way.
   */
  skipUpdateUnless(ok: boolean | tf.Scalar): void;
}

/** A plain-data description of a built-in transform, enough to rebuild it (see transformFromConfig). */
export interface TransformConfig {
  readonly kind: string;
  readonly [param: string]: tf.serialization.ConfigDictValue;
}

export interface GradientTransform {
  readonly name: string;
  /** Returns the rewritten gradients; runs inside the wrapper's `tf.tidy`. */
  transformGradients?(grads: tf.NamedTensorMap, ctx: StepContext): tf.NamedTensorMap;
  /** Runs after the optimizer's update (weight noise acts on parameters, not gradients). */
  afterUpdate?(variables: Readonly<Record<string, tf.Variable>>, ctx: StepContext): void;
  /**
   * Throws if the transform cannot serve a wrapper with this `runs` option
   * (e.g. a seed array without `runs`): called once, when the wrapper is built,
   * so a bad population set-up fails before the first step.
   */
  checkRuns?(runs: number | undefined): void;
  /**
   * Plain-data parameters, set by the built-in transforms: a saved wrapper is
   * rebuilt from them. Loading a wrapper with a transform that has none (or a
   * kind the library does not know) fails, naming the transform.
   */
  readonly config?: TransformConfig;
  /** Frees what the transform holds beyond tensors (the prefetch worker thread); the wrapper's dispose() calls it. */
  dispose?(): void;
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

/** The transforms a chain was built from (a chain's config lists them; other transforms are their own only member). */
export function chainMembers(t: GradientTransform): readonly GradientTransform[] {
  return (t as ChainTransform).members ?? [t];
}

interface ChainTransform extends GradientTransform {
  readonly members: readonly GradientTransform[];
}

/** Composes transforms: gradients flow through them left to right, as do the after-update hooks. */
export function chain(...transforms: GradientTransform[]): GradientTransform {
  transforms.forEach((t, i) => {
    if (t == null || typeof t.name !== "string") {
      throw new TypeError(`chain(): argument ${i} is not a GradientTransform`);
    }
  });
  // Nested chains are flattened (same order, same effect) so a saved config lists plain transforms only.
  const members = transforms.flatMap(chainMembers);
  const withGrads = members.filter((t) => t.transformGradients);
  const withAfter = members.filter((t) => t.afterUpdate);
  const out: ChainTransform = {
    name: `chain(${members.map((t) => t.name).join(", ")})`,
    members,
    transformGradients: withGrads.length
      ? (grads, ctx) => withGrads.reduce((g, t) => t.transformGradients!(g, ctx), grads)
      : undefined,
    afterUpdate: withAfter.length
      ? (vars, ctx) => withAfter.forEach((t) => t.afterUpdate!(vars, ctx))
      : undefined,
    checkRuns: (runs) => members.forEach((t) => t.checkRuns?.(runs)),
    dispose: () => members.forEach((t) => t.dispose?.()),
  };
  return out;
}
