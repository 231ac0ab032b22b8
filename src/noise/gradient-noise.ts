/**
 * The method: g_t <- g_t + N(0, sigma_t^2) (Section 3), independent per
 * element, per parameter and per step, added to the (clipped) raw gradient
 * before the optimizer rescales it, so that Adam or AdaGrad adapt the noise
 * along with the gradient (Sections 1 and 4.6).
 */
import * as tf from "@tensorflow/tfjs";
import { gaussian, SeedPart } from "./rng";
import { annealed, NoiseSchedule, PAPER_GAMMA } from "./schedule";
import { GradientTransform, mapGradients, StepContext } from "./transform";
import { requireSeed } from "./validate";

export interface NoiseOptions {
  /** Seed of the noise streams; same seed, same noise. */
  seed: SeedPart;
  /** Eq. 1's initial variance; give either eta (annealed, Eq. 1) or a schedule. */
  eta?: number;
  /** Eq. 1's decay exponent (default 0.55). */
  gamma?: number;
  /** Any variance schedule (constant, custom) instead of eta/gamma. */
  schedule?: NoiseSchedule;
}

export function resolveSchedule(where: string, opts: NoiseOptions): NoiseSchedule {
  if (opts == null || typeof opts !== "object") throw new TypeError(`${where}: options object required`);
  requireSeed(where, opts.seed);
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

/** Noise tensor of `shape` for one parameter and step (exposed for tests and population training). */
export function noiseTensor(shape: number[], std: number, key: SeedPart[]): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(gaussian(n, std, ...key), shape, "float32");
}

export function addGradientNoise(opts: NoiseOptions): GradientTransform {
  const schedule = resolveSchedule("addGradientNoise()", opts);
  const seed = opts.seed;
  return {
    name: `addGradientNoise(${schedule.label}, seed=${seed})`,
    transformGradients(grads: tf.NamedTensorMap, ctx: StepContext) {
      const std = Math.sqrt(schedule.variance(ctx.step));
      if (std === 0) return grads;
      return mapGradients(grads, (g, name) =>
        tf.add(g, noiseTensor(g.shape, std, gradientNoiseKey(seed, ctx.paramIndex(name), ctx.step))),
      );
    },
  };
}
