/**
 * Training one NRAM on ListK (NRAM paper Section 4.1; GN Sections 4.4, 4.6):
 * Adam on loss - entropy bonus, the curriculum of Appendix B, activation
 * gradients clipped inside the backward pass (the model), then the global
 * norm clipped to C2, then the noise: none, Eq. 1's annealed gradient noise
 * (GN: eta 0.01, gamma 0.55, "after clipping"), fixed-variance gradient noise
 * or annealed weight noise (the Section 4.6 comparisons).
 *
 * A run succeeds when its final model makes no error on the test set, the
 * out cell discretised by argmax (NRAM paper Section 4.4; GN Table 4's
 * "100% accuracy").
 */
import * as tf from "@tensorflow/tfjs";
import type { SeedPart } from "../../random/rng";
import { clipByGlobalNorm } from "../../noise/clip";
import { NonFiniteGuard, skipNonFinite } from "../../noise/finite";
import { addGradientNoise } from "../../noise/gradient-noise";
import { addWeightNoise } from "../../noise/weight-noise";
import { constant } from "../../noise/schedule";
import { withTransforms } from "../../noise/optimizer";
import type { GradientTransform } from "../../noise/transform";
import { runSteps } from "../../train/loop";
import { NramModel, NramModelConfig } from "./model";
import { checkListKConfig, Curriculum, curriculumBatch, ListKBatch, ListKConfig, testSet } from "./task";

/** The noise a run gets after clipping. */
export type NramNoise =
  | { kind: "none" }
  | { kind: "annealed"; eta: number; gamma: number }
  | { kind: "fixed"; variance: number }
  | { kind: "weight"; eta: number; gamma: number };

export interface NramTrainConfig {
  model: NramModelConfig;
  task: ListKConfig;
  steps: number;
  batch: number;
  learningRate: number;
  /** C2: the global gradient norm after the backward pass. */
  clipGlobal: number;
  /** Entropy bonus coefficient start * decay^step (Section 4.1: "decreases exponentially"). */
  entropy: { start: number; decay: number };
  /** Raise the level when a batch's error is under `threshold`, at most every `minBatches` batches (Appendix B). */
  curriculum: { threshold: number; minBatches: number };
  /** Lists in the test set (lengths uniform on 1..maxLength; one fixed set for every run). */
  testSize: number;
  /** Record the loss and batch error every this many steps. */
  logEvery: number;
}

export interface NramCurve {
  step: number[];
  loss: number[];
  batchError: number[];
  level: number[];
}

export interface NramTrainResult {
  /** Error rate of the out cell on the test set (argmax), final model. */
  testError: number;
  success: boolean;
  /** Curriculum level at the end. */
  level: number;
  curve: NramCurve;
  /** Updates skipped as non-finite. */
  skipped: number;
  seconds: number;
}

function checkTrainConfig(c: NramTrainConfig): void {
  checkListKConfig(c.task);
  if (c.model.memory !== c.task.memory) throw new RangeError(`NRAM: the model's memory (${c.model.memory}) must equal the task's (${c.task.memory})`);
  for (const [k, v] of [["steps", c.steps], ["batch", c.batch], ["testSize", c.testSize], ["logEvery", c.logEvery]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`NRAM training: ${k} must be a positive integer, got ${v}`);
  }
  if (!(c.learningRate > 0)) throw new RangeError(`NRAM training: learningRate must be positive, got ${c.learningRate}`);
  if (!(c.clipGlobal > 0)) throw new RangeError(`NRAM training: clipGlobal must be positive, got ${c.clipGlobal}`);
  if (!(c.entropy.start >= 0) || !(c.entropy.decay > 0 && c.entropy.decay <= 1)) throw new RangeError(`NRAM training: entropy start >= 0 and decay in (0, 1], got ${c.entropy.start}, ${c.entropy.decay}`);
}

/** The transforms after the backward pass: skip non-finite, clip to C2, then the noise. */
export function nramTransforms(clipGlobal: number, noise: NramNoise, seed: SeedPart): GradientTransform[] {
  const out: GradientTransform[] = [skipNonFinite(), clipByGlobalNorm(clipGlobal)];
  switch (noise.kind) {
    case "none":
      break;
    case "annealed":
      out.push(addGradientNoise({ eta: noise.eta, gamma: noise.gamma, seed, generator: "xoshiro" }));
      break;
    case "fixed":
      out.push(addGradientNoise({ schedule: constant(noise.variance), seed, generator: "xoshiro" }));
      break;
    case "weight":
      out.push(addWeightNoise({ eta: noise.eta, gamma: noise.gamma, seed, generator: "xoshiro" }));
      break;
    default:
      throw new RangeError(`NRAM training: unknown noise ${(noise as { kind: string }).kind}`);
  }
  return out;
}

/** Error rate of the out cell (argmax) on `set`, in chunks of `chunk` lists. */
export async function listKError(model: NramModel, set: ListKBatch, chunk = 250): Promise<number> {
  const M = model.config.memory;
  let wrong = 0;
  for (let s = 0; s < set.size; s += chunk) {
    const n = Math.min(chunk, set.size - s);
    const w = tf.tidy(() => {
      const mem = tf.tensor1d(set.memory.subarray(s * M, (s + n) * M), "int32");
      const tgt = tf.tensor1d(set.target.subarray(s, s + n), "int32");
      const { output } = model.forward(mem, tgt);
      return tf.sum(tf.notEqual(tf.argMax(output, 1), tgt).toInt());
    });
    wrong += (await w.data())[0];
    w.dispose();
  }
  return wrong / set.size;
}

/** Trains a fresh model from `seed`; the model is returned undisposed when `keep` is set. */
export async function trainNram(
  cfg: NramTrainConfig,
  noise: NramNoise,
  seed: number,
  opts: { onStep?: (step: number, steps: number) => void; keep?: boolean } = {},
): Promise<NramTrainResult & { model?: NramModel }> {
  checkTrainConfig(cfg);
  const t0 = Date.now();
  const model = new NramModel(cfg.model, seed);
  const transforms = nramTransforms(cfg.clipGlobal, noise, seed);
  const guard = transforms[0] as NonFiniteGuard;
  const opt = withTransforms(tf.train.adam(cfg.learningRate), transforms);
  const curriculum = new Curriculum(cfg.task.maxLength, cfg.curriculum.threshold, cfg.curriculum.minBatches);
  const curve: NramCurve = { step: [], loss: [], batchError: [], level: [] };
  let done = false;
  try {
    // The one step loop (train/loop.ts): it checks the interrupt signal before every step and yields to the event loop.
    await runSteps(cfg.steps, 0, async (step) => {
      const batch = curriculumBatch(cfg.task, cfg.batch, curriculum.level, seed, "listk-batch", step);
      const coef = cfg.entropy.start * Math.pow(cfg.entropy.decay, step);
      let kept: tf.Tensor | undefined;
      tf.tidy(() => {
        const mem = tf.tensor1d(batch.memory, "int32");
        const tgt = tf.tensor1d(batch.target, "int32");
        opt.minimize(() => {
          const o = model.objective(mem, tgt, coef);
          // The loss and the batch's error, read once per step for the curriculum.
          kept = tf.keep(tf.stack([o.loss, tf.mean(tf.notEqual(tf.argMax(o.output, 1), tgt).toFloat())]));
          return o.objective;
        }, false, model.variables);
      });
      const [loss, batchError] = await kept!.data();
      kept!.dispose();
      curriculum.update(batchError);
      if (step % cfg.logEvery === 0 || step === cfg.steps - 1) {
        curve.step.push(step);
        curve.loss.push(Number.isFinite(loss) ? loss : NaN);
        curve.batchError.push(batchError);
        curve.level.push(curriculum.level);
      }
      opts.onStep?.(step + 1, cfg.steps);
    }, () => undefined);
    const testError = await listKError(model, testSet(cfg.task, cfg.testSize, "listk-test"));
    done = true;
    return {
      testError,
      success: testError === 0,
      level: curriculum.level,
      curve,
      skipped: await guard.skippedSteps(),
      seconds: (Date.now() - t0) / 1000,
      ...(opts.keep ? { model } : {}),
    };
  } finally {
    opt.dispose();
    // A kept model is the caller's only on success: a failed run frees it here.
    if (!opts.keep || !done) model.dispose();
  }
}

/**
 * The NRAM paper's generalisation test (Section 4.4.1, Fig. 3): the trained
 * controller on a bigger memory, longer lists and more timesteps. Its
 * parameters do not depend on M or T (the controller sees P(r = 0) only), so
 * the same weights drive a machine built at the new sizes.
 */
export async function generalisationError(model: NramModel, sizes: { memory: number; maxLength: number; timesteps: number }, count: number): Promise<number> {
  const big = new NramModel({ ...model.config, memory: sizes.memory, timesteps: sizes.timesteps }, 0);
  try {
    big.variables.forEach((v, i) => v.assign(model.variables[i]));
    return await listKError(big, testSet({ memory: sizes.memory, maxLength: sizes.maxLength }, count, "listk-generalisation"));
  } finally {
    big.dispose();
  }
}
