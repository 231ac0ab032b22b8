/**
 * Weight noise, the comparison of Section 4.6: the same annealed Gaussian is
 * added to the *parameters* after the optimizer's step, so Adam's or
 * AdaGrad's per-coordinate scaling never sees it. With plain SGD it equals
 * gradient noise scaled by the learning rate; with adaptive optimizers it
 * does not, which is the paper's point.
 */
import * as tf from "@tensorflow/tfjs";
import { PURPOSE } from "../random/philox";
import { philoxNormalMany } from "../random/philox-kernel";
import { SeedPart } from "../random/rng";
import { checkSeedRuns, noiseConfig, NoiseOptions, philoxSegments, resolveGenerator, resolveSchedule, seedLabel, streamNoise } from "./gradient-noise";
import { GradientTransform } from "./transform";

export function weightNoiseKey(seed: SeedPart, index: number, t: number): SeedPart[] {
  return [seed, "weight-noise", index, t];
}

/**
 * Options as addGradientNoise's; `prefetch` is ignored (weight noise is drawn
 * after the update). Philox weight noise uses its own purpose word, so it
 * never repeats the gradient noise of the same seed, parameter and step.
 */
export function addWeightNoise(opts: NoiseOptions): GradientTransform {
  const where = "addWeightNoise()";
  const schedule = resolveSchedule(where, opts);
  const generator = resolveGenerator(where, { ...opts, prefetch: false });
  const seed = opts.seed;
  return {
    name: `addWeightNoise(${schedule.label}, seed=${seedLabel(seed)})`,
    config: noiseConfig("addWeightNoise", seed, schedule, { generator }),
    checkRuns: (runs) => checkSeedRuns(where, seed, runs),
    afterUpdate(variables, ctx) {
      checkSeedRuns(where, seed, ctx.runs);
      const std = Math.sqrt(schedule.variance(ctx.step));
      if (std === 0) return;
      tf.tidy(() => {
        if (generator === "philox") {
          // Every w + noise in one kernel call (per variable, the bits of tf.add(w, streamNoise(...)): docs/noise-generator.md).
          const noisy = philoxNormalMany(ctx.names.map((name) => ({ base: variables[name], segments: philoxSegments(variables[name].shape, seed, ctx.paramIndex(name), ctx.step, name) })), std, PURPOSE.weightNoise);
          ctx.names.forEach((name, i) => variables[name].assign(noisy[i]));
          return;
        }
        for (const name of ctx.names) {
          const v = variables[name];
          v.assign(tf.add(v, streamNoise(v.shape, std, seed, ctx.paramIndex(name), ctx.step, weightNoiseKey, name, generator, "weightNoise")));
        }
      });
    },
  };
}
