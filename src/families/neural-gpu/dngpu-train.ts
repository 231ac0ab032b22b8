/**
 * Training DNGPU on binary multiplication as its code does (LUMII-Syslab/DNGPU,
 * DNGPU_trainer.py and DNGPU_model.py), with GN's Eq. 1 noise as an option:
 * no curriculum, every step trains every length bin at once (the loss is the
 * mean over bins); AdaMax with an annealed beta2 and a learning rate cut by
 * 0.7 when the loss stops falling; the saturation cost's weight reset every
 * check to lr x loss / saturation. GN's recipe sits before the optimizer: clip
 * (a global norm, our choice: the code clips per element inside AdaMax only),
 * then Eq. 1 noise. The code's own noise (a truncated normal x lr x 1e-4,
 * about 1e-6 here) is left out: the arms differ by Eq. 1 alone.
 */
import * as tf from "@tensorflow/tfjs";
import type { NonFiniteGuard } from "../../noise/finite";
import { withTransforms } from "../../noise/optimizer";
import { recipeTransforms } from "../../noise/recipe";
import { SeedPart, uniformStream } from "../../random";
import { runSteps } from "../../train/loop";
import { ClippedAdamax } from "./adamax";
import { DNGPU } from "./dngpu";
import { encodeBatch, PAD, randomExamples } from "./task";

export interface DNGPUTrainConfig {
  steps: number;
  /** Padded input lengths trained at every step (the code: 8, 12, 16, 20, 25, 28, 31, 36, 41). */
  bins: number[];
  /** Examples per bin per step (the code: 32). */
  batchSize: number;
  /** Starting learning rate (the code: 0.01 x 48 / maps). */
  learningRate: number;
  /** The rate never falls below learningRate / this (the code: 60). */
  lrFloor: number;
  /** The cut when the loss stalls (the code: 0.7). */
  lrDecay: number;
  /** Steps between checks: the lr cut and the saturation reweighting (the code: 200). */
  checkEvery: number;
  /** Dropout keep probability on the candidate and the input (the code, bmul: 0.9). */
  keep: number;
  /** beta2 = 1 - max(beta2Floor, beta2Start x 0.5^(step / beta2HalfLife)) (the code: 5e-4, 0.01, 2000). */
  beta2Floor: number;
  beta2Start: number;
  beta2HalfLife: number;
  /** The saturation cost's starting and largest weight (the code: 1e-3). */
  saturationWeight: number;
  /** Global-norm clip before the noise (unknown: the code has none; GN clips before Eq. 1), or null for none. */
  clip: number | null;
  /** Eq. 1's eta, or null for no noise. */
  eta: number | null;
  gamma: number;
}

/** The code's bmul trainer; `steps` and `bins` are what a scale shrinks. */
export const DNGPU_TRAINING: Omit<DNGPUTrainConfig, "learningRate" | "eta" | "clip"> = {
  steps: 20000, bins: [8, 12, 16, 20, 25, 28, 31, 36, 41], batchSize: 32, lrFloor: 60, lrDecay: 0.7, checkEvery: 200, keep: 0.9,
  beta2Floor: 5e-4, beta2Start: 0.01, beta2HalfLife: 2000, saturationWeight: 1e-3, gamma: 0.55,
};

/** The code's starting rate for `maps` maps: 0.01 x 48 / maps. */
export const dngpuLearningRate = (maps: number): number => (0.01 * 48) / maps;

/** beta2 at `step` (from 0). */
export function dngpuBeta2(c: Pick<DNGPUTrainConfig, "beta2Floor" | "beta2Start" | "beta2HalfLife">, step: number): number {
  return 1 - Math.max(c.beta2Floor, c.beta2Start * Math.pow(0.5, step / c.beta2HalfLife));
}

/**
 * Operand bits of a bin's examples: bin L holds the inputs (length 2d + 1) longer than the bin before it and at most L
 * (the code collects each length into the smallest bin that holds it); a bin that holds no odd length trains its longest fit.
 */
export function binOperandBits(bins: readonly number[]): number[][] {
  return bins.map((L, i) => {
    if (!(Number.isInteger(L) && L >= 3 && (i === 0 || L > bins[i - 1]))) throw new RangeError(`DNGPU bins must be increasing integers >= 3, got ${bins.join(", ")}`);
    const lo = i === 0 ? 0 : bins[i - 1];
    const ds: number[] = [];
    for (let d = 1; 2 * d + 1 <= L; d++) if (2 * d + 1 > lo) ds.push(d);
    return ds.length ? ds : [Math.floor((L - 1) / 2)];
  });
}

export interface DNGPUHistory {
  step: number[];
  /** Cross-entropy (mean over bins) per step. */
  loss: number[];
  /** Digit error on the training batches (positions where input or target is not padding) per step. */
  trainError: number[];
  /** Saturation cost (unweighted, mean over bins) per step. */
  saturation: number[];
  /** Learning rate at the end. */
  finalLearningRate: number;
  /** Steps whose check cut the learning rate. */
  lrCuts: number[];
  skipped: number;
  seconds: number;
}

/** Distinct training examples the DNGPU code keeps per operand length (data_utils_2: 10,000). */
export const DNGPU_EXAMPLES_PER_LENGTH = 10000;

/** An operand length from `lengths`, weighted as the code's per-length sets are: min(4^d, 10,000) examples for d bits; `u` in [0, 1). */
export function pickLength(lengths: readonly number[], u: number): number {
  const w = lengths.map((d) => Math.min(4 ** d, DNGPU_EXAMPLES_PER_LENGTH));
  let x = u * w.reduce((a, b) => a + b, 0);
  for (let k = 0; k < lengths.length; k++) {
    x -= w[k];
    if (x < 0) return lengths[k];
  }
  return lengths[lengths.length - 1];
}

/** Trains `model` in place; `seed` names the batches, dropout masks and noise stream. */
export async function trainDNGPU(model: DNGPU, c: DNGPUTrainConfig, seed: SeedPart[], onStep?: (done: number, total: number, detail?: string) => void): Promise<DNGPUHistory> {
  if (!(Number.isInteger(c.steps) && c.steps >= 0 && Number.isInteger(c.batchSize) && c.batchSize >= 1 && Number.isInteger(c.checkEvery) && c.checkEvery >= 1)) {
    throw new RangeError(`trainDNGPU: steps, batchSize, checkEvery must be integers (>= 0, >= 1, >= 1), got ${c.steps}, ${c.batchSize}, ${c.checkEvery}`);
  }
  if (!(c.learningRate > 0 && c.lrFloor >= 1 && c.lrDecay > 0 && c.lrDecay <= 1 && c.keep > 0 && c.keep <= 1 && c.saturationWeight >= 0 && (c.clip === null || c.clip > 0))) {
    throw new RangeError("trainDNGPU: need learningRate > 0, lrFloor >= 1, lrDecay in (0, 1], keep in (0, 1], saturationWeight >= 0, clip positive or null");
  }
  if (!(c.beta2Floor > 0 && c.beta2Start >= c.beta2Floor && c.beta2Start < 1 && c.beta2HalfLife > 0)) {
    throw new RangeError(`trainDNGPU: need 0 < beta2Floor <= beta2Start < 1 and beta2HalfLife > 0, got ${c.beta2Floor}, ${c.beta2Start}, ${c.beta2HalfLife}`);
  }
  if (c.eta !== null && !(c.eta > 0 && Number.isFinite(c.eta) && c.gamma >= 0 && Number.isFinite(c.gamma))) {
    throw new RangeError(`trainDNGPU: Eq. 1 needs eta > 0 and gamma >= 0, got ${c.eta}, ${c.gamma}`);
  }
  const operandBits = binOperandBits(c.bins);
  const t0 = Date.now();
  const adamax = new ClippedAdamax({ learningRate: c.learningRate, beta2: dngpuBeta2(c, 0) });
  const transforms = recipeTransforms({ skipNonFinite: true, clip: c.clip === null ? null : { globalNorm: c.clip }, noise: c.eta === null ? null : { eta: c.eta, gamma: c.gamma, seed: [...seed].join("/") + "/noise", generator: "xoshiro" } });
  const opt = withTransforms(adamax, transforms);
  const satWeight = tf.tidy(() => tf.variable(tf.scalar(c.saturationWeight), false));
  const h: DNGPUHistory = { step: [], loss: [], trainError: [], saturation: [], finalLearningRate: c.learningRate, lrCuts: [], skipped: 0, seconds: 0 };
  // The code's stall rule: keep each check's mean loss (starting from three huge ones); cut when the oldest of the last three is the lowest.
  const checks = [Infinity, Infinity, Infinity];
  let windowLoss = 0, windowSat = 0, windowSteps = 0;
  const weights = model.weights;
  const n = c.bins.length;
  try {
    await runSteps(c.steps, 0, async (i) => {
      adamax.beta2 = dngpuBeta2(c, i);
      const batches = c.bins.map((L, b) => {
        // Each example's operand length d drawn as the code's data sets weigh it: at most 10,000 distinct examples per
        // length, and only 4^d exist for d-bit operands, so a bin's longer lengths dominate (its 5% of shorter examples mixed
        // into each bin are left out: a stated deviation).
        const ds = operandBits[b], pick = uniformStream(...seed, "bits", i, b);
        return encodeBatch(Array.from({ length: c.batchSize }, (_, k) => randomExamples(1, pickLength(ds, pick()), ...seed, "train", i, b, k)[0]), L);
      });
      const stats = tf.tidy(() => {
        const parts: tf.Scalar[] = [];
        opt.minimize(() => {
          let ce: tf.Scalar = tf.scalar(0), sat: tf.Scalar = tf.scalar(0), wrong: tf.Scalar = tf.scalar(0), counted: tf.Scalar = tf.scalar(0);
          batches.forEach((batch, b) => {
            const out = model.forward(batch, { keep: c.keep, seed: [...seed, "step", i, "bin", b] });
            ce = tf.add(ce, DNGPU.loss(out.logits, batch)) as tf.Scalar;
            sat = tf.add(sat, out.saturation) as tf.Scalar;
            const live = tf.tensor1d(Float32Array.from(batch.inputs, (x, k) => (x !== PAD || batch.targets[k] !== PAD ? 1 : 0)));
            wrong = tf.add(wrong, tf.sum(tf.mul(tf.notEqual(tf.argMax(out.logits, 1), tf.tensor1d(batch.targets, "int32")).toFloat(), live))) as tf.Scalar;
            counted = tf.add(counted, tf.sum(live)) as tf.Scalar;
          });
          ce = tf.div(ce, n) as tf.Scalar;
          sat = tf.div(sat, n) as tf.Scalar;
          parts.push(tf.keep(ce), tf.keep(sat), tf.keep(tf.div(wrong, counted) as tf.Scalar));
          return tf.add(ce, tf.mul(satWeight, sat)) as tf.Scalar;
        }, false, weights);
        const out = tf.stack(parts);
        tf.dispose(parts);
        return out;
      });
      const v = await stats.data();
      stats.dispose();
      h.step.push(i + 1);
      h.loss.push(v[0]);
      h.saturation.push(v[1]);
      h.trainError.push(v[2]);
      windowLoss += v[0];
      windowSat += v[1];
      windowSteps++;
      if ((i + 1) % c.checkEvery === 0) {
        const meanLoss = windowLoss / windowSteps, meanSat = windowSat / windowSteps;
        // set_saturation_weight: weight x (loss / weighted saturation) x lr = lr x loss / saturation, at most the starting weight.
        const w = Math.max(1e-20, Math.min(c.saturationWeight, (adamax.learningRate * meanLoss) / Math.max(meanSat, 1e-20)));
        tf.tidy(() => satWeight.assign(tf.scalar(w)));
        checks.push(meanLoss);
        if (Math.min(...checks.slice(-2)) > Math.min(...checks.slice(-3))) {
          adamax.learningRate = Math.max(c.learningRate / c.lrFloor, adamax.learningRate * c.lrDecay);
          h.lrCuts.push(i + 1);
        }
        windowLoss = windowSat = windowSteps = 0;
      }
      onStep?.(i + 1, c.steps, `loss ${v[0].toFixed(3)}, train digit error ${(100 * v[2]).toFixed(1)}%`);
    }, () => undefined);
    h.finalLearningRate = adamax.learningRate;
    h.skipped = await (transforms[0] as unknown as NonFiniteGuard).skippedSteps();
    h.seconds = (Date.now() - t0) / 1000;
    return h;
  } finally {
    opt.dispose();
    satWeight.dispose();
  }
}
