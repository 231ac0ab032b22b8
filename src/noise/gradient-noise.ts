/**
 * The method: g_t <- g_t + N(0, sigma_t^2) (Section 3), independent per
 * element, per parameter and per step, added to the (clipped) raw gradient
 * before the optimizer rescales it, so that Adam or AdaGrad adapt the noise
 * along with the gradient (Sections 1 and 4.6).
 */
import * as tf from "@tensorflow/tfjs";
import { fillGaussian, gaussian, SeedPart } from "./rng";
import { annealed, NoiseSchedule, PAPER_GAMMA } from "./schedule";
import { GradientTransform, mapGradients, StepContext } from "./transform";
import { requireSeed } from "./validate";

export interface NoiseOptions {
  /**
   * Seed of the noise streams; same seed, same noise. An array means
   * population training: axis 0 of every parameter indexes runs, and run r
   * draws from the streams of seed[r], exactly as if trained alone.
   */
  seed: SeedPart | SeedPart[];
  /** Eq. 1's initial variance; give either eta (annealed, Eq. 1) or a schedule. */
  eta?: number;
  /** Eq. 1's decay exponent (default 0.55). */
  gamma?: number;
  /** Any variance schedule (constant, custom) instead of eta/gamma. */
  schedule?: NoiseSchedule;
}

export function resolveSchedule(where: string, opts: NoiseOptions): NoiseSchedule {
  if (opts == null || typeof opts !== "object") throw new TypeError(`${where}: options object required`);
  if (Array.isArray(opts.seed)) {
    if (opts.seed.length === 0) throw new TypeError(`${where}: seed array must not be empty`);
    opts.seed.forEach((s) => requireSeed(where, s));
  } else requireSeed(where, opts.seed);
  if (opts.schedule && (opts.eta !== undefined || opts.gamma !== undefined)) {
    throw new TypeError(`${where}: give either schedule or eta/gamma, not both`);
  }
  if (opts.schedule) return opts.schedule;
  if (opts.eta === undefined) throw new TypeError(`${where}: eta (or a schedule) is required`);
  return annealed({ eta: opts.eta, gamma: opts.gamma ?? PAPER_GAMMA });
}

/** The stream that gradient noise for parameter `index` at step `t` is drawn from. */
export function gradientNoiseKey(seed: SeedPart, index: number, t: number): SeedPart[] {
  return [seed, "grad-noise", index, t];
}

/** Noise tensor of `shape` for one parameter and step (exposed for tests). */
export function noiseTensor(shape: number[], std: number, key: SeedPart[]): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(gaussian(n, std, ...key), shape, "float32");
}

/**
 * Noise of `shape` for parameter `index` at step `t`: from `key(seed, index, t)`
 * for one seed; for a seed array, slice r along axis 0 from seed[r]'s stream.
 */
export function streamNoise(
  shape: number[],
  std: number,
  seed: SeedPart | SeedPart[],
  index: number,
  t: number,
  key: (seed: SeedPart, index: number, t: number) => SeedPart[],
  name: string,
): tf.Tensor {
  if (!Array.isArray(seed)) return noiseTensor(shape, std, key(seed, index, t));
  if (shape[0] !== seed.length) throw new RangeError(`${name} has ${shape[0]} runs on axis 0, but ${seed.length} seeds were given`);
  const n = shape.reduce((a, b) => a * b, 1);
  const per = n / seed.length;
  const data = new Float32Array(n);
  seed.forEach((s, r) => fillGaussian(data.subarray(r * per, (r + 1) * per), std, ...key(s, index, t)));
  return tf.tensor(data, shape, "float32");
}

export function addGradientNoise(opts: NoiseOptions): GradientTransform {
  const schedule = resolveSchedule("addGradientNoise()", opts);
  const seed = opts.seed;
  return {
    name: `addGradientNoise(${schedule.label}, seed=${Array.isArray(seed) ? `[${seed.join(",")}]` : seed})`,
    transformGradients(grads: tf.NamedTensorMap, ctx: StepContext) {
      const std = Math.sqrt(schedule.variance(ctx.step));
      if (std === 0) return grads;
      return mapGradients(grads, (g, name) =>
        tf.add(g, streamNoise(g.shape, std, seed, ctx.paramIndex(name), ctx.step, gradientNoiseKey, name)),
      );
    },
  };
}
