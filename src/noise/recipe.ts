/**
 * The paper's recipe, the one place its order is written: skip non-finite
 * steps, clip, then add annealed noise (Eq. 1: sigma_t^2 = eta / (1 + t)^gamma)
 * to the clipped gradient, then the optimizer's update (Section 3; Section
 * 4.2: noise "added to the gradient after clipping").
 */
import * as tf from "@tensorflow/tfjs";
import { clipByGlobalNorm, clipByNorm, clipByValue } from "./clip";
import { skipNonFinite, SkipNonFiniteOptions } from "./finite";
import { addGradientNoise, NOISE_OPTION_KEYS, NoiseOptions } from "./gradient-noise";
import { TransformedOptimizer, TransformedOptimizerOptions, withTransforms } from "./optimizer";
import { GradientTransform } from "./transform";
import { rejectUnknownKeys } from "./validate";

export interface ClipOptions {
  /** The global norm over all parameters (Section 4.1 uses 100 or 10). */
  globalNorm?: number;
  /** Each tensor's own norm (MemN2N: 40 per matrix). */
  norm?: number;
  /** Each element, to [-value, value]. */
  value?: number;
}

export interface RecipeOptions {
  /** skipNonFinite() first (default true); false lets a NaN through, for sweeps where divergence is a result. */
  skipNonFinite?: boolean | SkipNonFiniteOptions;
  /** Clips, applied in the order global norm, norm, value. */
  clip?: ClipOptions | null;
  /** Gradient noise (Eq. 1), or null/absent for none (a baseline with the same chain otherwise). */
  noise?: NoiseOptions | null;
}

/** The recipe's transforms: [skipNonFinite], clips (global norm, norm, value), noise. */
export function recipeTransforms(options: RecipeOptions): GradientTransform[] {
  const out: GradientTransform[] = [];
  const skip = options.skipNonFinite ?? true;
  if (skip !== false) out.push(skipNonFinite(skip === true ? {} : skip));
  const clip = options.clip ?? {};
  rejectUnknownKeys("clip", clip, ["globalNorm", "norm", "value"]);
  if (clip.globalNorm !== undefined) out.push(clipByGlobalNorm(clip.globalNorm));
  if (clip.norm !== undefined) out.push(clipByNorm(clip.norm));
  if (clip.value !== undefined) out.push(clipByValue(clip.value));
  if (options.noise) out.push(addGradientNoise(options.noise));
  return out;
}

export interface PaperNoiseOptions extends NoiseOptions {
  /** Clip the global gradient norm to this before adding noise (Section 4.1 uses 100 or 10); per run with `runs`. */
  clipGlobalNorm?: number;
  /** Population training (TransformedOptimizerOptions.runs); `seed` then holds one seed per run. */
  runs?: number;
  /** Skip (and count) updates whose gradients hold a NaN or an infinity (skipNonFinite(); default true). */
  skipNonFinite?: boolean | SkipNonFiniteOptions;
}

const PAPER_KEYS = [...NOISE_OPTION_KEYS, "clipGlobalNorm", "runs", "skipNonFinite"];
const PAPER_HINTS = {
  clipNorm: "did you mean clipGlobalNorm? per-tensor clipping is the clipByNorm() transform, with withTransforms()",
  gama: "did you mean gamma?",
  checkFinite: "the NaN/Inf check is now skipNonFinite (on by default)",
};

/**
 * The public builder: optional global-norm clip, then annealed noise (Eq. 1),
 * then `optimizer`, after skipNonFinite(). For other chains use withTransforms().
 */
export function withGradientNoise(optimizer: tf.Optimizer, options: PaperNoiseOptions, wrapperOptions?: TransformedOptimizerOptions): TransformedOptimizer {
  if (options == null || typeof options !== "object") throw new TypeError("withGradientNoise(): options object required ({ eta, seed })");
  rejectUnknownKeys("withGradientNoise()", options, PAPER_KEYS, PAPER_HINTS);
  const { clipGlobalNorm, runs, skipNonFinite, ...noise } = options;
  const wrapper = wrapperOptions ?? {};
  if (runs !== undefined && wrapper.runs !== undefined && runs !== wrapper.runs) {
    throw new RangeError(`withGradientNoise(): runs given twice, ${runs} and ${wrapper.runs}`);
  }
  const transforms = recipeTransforms({ skipNonFinite, clip: { globalNorm: clipGlobalNorm }, noise });
  return withTransforms(optimizer, transforms, { ...wrapper, runs: runs ?? wrapper.runs });
}
