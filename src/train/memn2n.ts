/**
 * Training an End-To-End Memory Network on one bAbI task with the reference
 * protocol (Sukhbaatar et al. 2015, their Matlab config): SGD on the loss
 * summed over a batch of 32, each weight matrix's gradient clipped at norm 40,
 * learning rate halved every 25 epochs; linear start = first `linearEpochs`
 * epochs without the memory softmax at a constant rate, then the softmax
 * stage from the same rate. Section 4.2 of the gradient-noise paper adds
 * annealed noise (Eq. 1) after the clipping, over both stages, with one
 * step count t.
 */
import * as tf from "@tensorflow/tfjs";
import { BabiExample } from "../data/babi";
import { batchIndices } from "../data/dataset";
import { EncodedExample, MemN2N, summedCrossEntropy } from "../models/memn2n";
import type { NoiseOptions } from "../noise/gradient-noise";
import { constant } from "../noise/schedule";
import { SeedPart, uniformStream } from "../random/rng";
import { lossDiverged } from "./divergence";
import { runSteps } from "./loop";
import { buildOptimizer, setLearningRate } from "./optimizer";

/** Word ids for examples; throws on a word outside `vocab` (a vocabulary built from other data). */
export function encodeExamples(examples: readonly BabiExample[], vocab: readonly string[]): EncodedExample[] {
  const index = new Map(vocab.map((w, i) => [w, i]));
  const id = (w: string, ex: BabiExample) => {
    const i = index.get(w);
    if (i === undefined) throw new RangeError(`${ex.file}:${ex.line}: word "${w}" is not in the vocabulary`);
    return i;
  };
  return examples.map((ex) => ({
    sentences: ex.story.map((s) => Int32Array.from(s, (w) => id(w, ex))),
    question: Int32Array.from(ex.question, (w) => id(w, ex)),
    answer: id(ex.answer, ex),
  }));
}

export interface MemN2NTrainOptions {
  seed: SeedPart;
  /** Softmax-stage epochs (the reference: 100; the gradient-noise paper: 200). */
  epochs: number;
  /** Linear-start epochs before them (two-stage: 20; one-stage: 0). */
  linearEpochs: number;
  /** Initial learning rate (reference: 0.005 with linear start, 0.01 without). */
  learningRate: number;
  /** Halve the rate every this many softmax-stage epochs (25). */
  decayEvery?: number;
  batchSize?: number;
  /** Per-matrix gradient norm clip (40). */
  clipNorm?: number;
  /** Eq. 1's eta, or null for no noise (or for fixed noise, below). */
  eta: number | null;
  gamma?: number;
  /**
   * A constant noise standard deviation instead of Eq. 1's schedule (the first
   * version of the paper, Section 4.2: a fixed std "works best at 0.001").
   * Give either this or eta.
   */
  fixedStd?: number;
  /** Random time shifts (random empty memories), fraction 0.1 in the reference; 0 turns them off. */
  randomTime?: number;
  validation?: EncodedExample[];
  /** Validation error every this many epochs (and at the end). */
  evalEvery?: number;
  onEpoch?: (epoch: number, epochs: number) => void;
}

export interface MemN2NHistory {
  /** Epoch numbers (1-based, linear stage first) of the entries below. */
  epoch: number[];
  /** Mean loss per example and error on the epoch's training batches (as the reference logs them). */
  loss: number[];
  batchError: number[];
  evalEpoch: number[];
  validationError: number[];
  /** Epoch at which the softmax came back (0 for one stage). */
  switchEpoch: number;
  steps: number;
  /** By the one rule in divergence.ts, over the per-epoch losses. */
  diverged: boolean;
  seconds: number;
}

/** Fraction of `examples` answered wrongly (no random time shifts), in chunks of `chunk`. */
export async function errorRate(model: MemN2N, examples: readonly EncodedExample[], chunk = 250): Promise<number> {
  if (examples.length === 0) return NaN;
  let wrong = 0;
  for (let i = 0; i < examples.length; i += chunk) {
    const part = examples.slice(i, i + chunk);
    const b = model.encode(part);
    const pred = await model.predict(b);
    for (let j = 0; j < part.length; j++) if (pred[j] !== part[j].answer) wrong++;
    b.dispose();
  }
  return wrong / examples.length;
}

/** Learning rate for epoch `e` (1-based) of the softmax stage: halved at epochs 25, 50, ... as in the reference loop. */
export function learningRateAt(initial: number, e: number, decayEvery = 25): number {
  return initial * Math.pow(0.5, Math.floor(e / decayEvery));
}

/** One update on `examples`; returns [summed loss, wrong answers], read when the loop needs them. */
function sgdStep(model: MemN2N, opt: tf.Optimizer, examples: EncodedExample[], o: { rand?: () => number; linear: boolean }): tf.Tensor1D {
  const b = model.encode(examples, { rand: o.rand });
  try {
    return tf.tidy(() => {
      let logits: tf.Tensor2D | null = null;
      const cost = opt.minimize(() => {
        const out = model.apply(b, { linear: o.linear });
        logits = tf.keep(out.logits);
        return summedCrossEntropy(out.logits, b.answers);
      }, true, model.weights)!;
      const miss = tf.sum(tf.notEqual(tf.argMax(logits!, 1), b.answers).toFloat());
      tf.dispose(logits!);
      return tf.stack([cost, miss]) as tf.Tensor1D;
    });
  } finally {
    b.dispose();
  }
}

function noiseFor(o: MemN2NTrainOptions): NoiseOptions | null {
  if (o.fixedStd !== undefined) {
    if (o.eta !== null) throw new RangeError(`trainMemN2N: give eta or fixedStd, not both (eta ${o.eta}, fixedStd ${o.fixedStd})`);
    if (!(o.fixedStd > 0 && Number.isFinite(o.fixedStd))) throw new RangeError(`trainMemN2N: fixedStd must be a positive number, got ${o.fixedStd}`);
    return { schedule: constant(o.fixedStd * o.fixedStd), seed: o.seed };
  }
  return o.eta === null ? null : { eta: o.eta, gamma: o.gamma ?? 0.55, seed: o.seed };
}

export async function trainMemN2N(model: MemN2N, train: readonly EncodedExample[], o: MemN2NTrainOptions): Promise<MemN2NHistory> {
  const batchSize = o.batchSize ?? 32;
  const perEpoch = Math.floor(train.length / batchSize);
  if (perEpoch < 1) throw new RangeError(`trainMemN2N: ${train.length} training examples is fewer than one batch of ${batchSize}`);
  for (const [k, v] of Object.entries({ epochs: o.epochs, linearEpochs: o.linearEpochs })) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`trainMemN2N: ${k} must be a non-negative integer, got ${v}`);
  }
  // checkFinite off: a run that diverges is a result, recorded as such.
  const opt = buildOptimizer({
    lr: o.learningRate,
    clip: { norm: o.clipNorm ?? 40 },
    noise: noiseFor(o),
    checkFinite: false,
  });
  const h: MemN2NHistory = { epoch: [], loss: [], batchError: [], evalEpoch: [], validationError: [], switchEpoch: o.linearEpochs, steps: 0, diverged: false, seconds: 0 };
  const total = o.linearEpochs + o.epochs;
  const evalEvery = o.evalEvery ?? 1;
  const cache = { epoch: -1, perm: new Int32Array(0) };
  const started = Date.now();
  const epochOf = (step: number) => Math.floor(step / perEpoch) + 1;
  let lossSum = 0;
  let wrong = 0;
  const step = async (i: number) => {
    const e = epochOf(i);
    const linear = e <= o.linearEpochs;
    // Linear stage: constant rate (the reference's decay step 21 never fires in 20 epochs).
    if (i % perEpoch === 0) setLearningRate(opt, linear ? o.learningRate : learningRateAt(o.learningRate, e - o.linearEpochs, o.decayEvery));
    const idx = batchIndices(train.length, batchSize, i, o.seed, cache);
    const examples = Array.from(idx, (j) => train[j]);
    const rand = (o.randomTime ?? 0.1) > 0 ? uniformStream(o.seed, "time", i) : undefined;
    const stats = sgdStep(model, opt, examples, { rand, linear });
    const [c, m] = await stats.data();
    stats.dispose();
    lossSum += c;
    wrong += m;
  };
  const endEpoch = async (at: number) => {
    if (at === 0) return;
    const e = at / perEpoch;
    h.epoch.push(e);
    h.loss.push(lossSum / (perEpoch * batchSize));
    h.batchError.push(wrong / (perEpoch * batchSize));
    lossSum = 0;
    wrong = 0;
    if (o.validation && (e % evalEvery === 0 || e === total)) {
      h.evalEpoch.push(e);
      h.validationError.push(await errorRate(model, o.validation));
    }
    o.onEpoch?.(e, total);
  };
  try {
    await runSteps(total * perEpoch, perEpoch, step, endEpoch);
  } finally {
    opt.dispose();
  }
  h.steps = total * perEpoch;
  h.diverged = lossDiverged(h.loss, model.vocabSize + model.memorySize); // the answer softmax spans words and time rows
  h.seconds = (Date.now() - started) / 1000;
  return h;
}
