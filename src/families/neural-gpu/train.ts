/**
 * Training a Neural GPU on binary multiplication as GN Section 4.5 does:
 * Adam (eps 1e-4, the Neural GPU paper), the gradient's global norm clipped,
 * then annealed Gaussian noise (Eq. 1, eta 1.0, gamma 0.55) added to the
 * clipped gradient; the original trainer's curriculum with the relaxation
 * pull multiplied by the pull factor at every curriculum advance; the
 * relaxation sets averaged before testing. Reads are async (`await data()`).
 */
import * as tf from "@tensorflow/tfjs";
import type { NonFiniteGuard } from "../../noise/finite";
import { withTransforms } from "../../noise/optimizer";
import { recipeTransforms } from "../../noise/recipe";
import { SeedPart } from "../../random";
import { runSteps } from "../../train/loop";
import { NeuralGPU } from "./model";
import { Batch, Curriculum, CurriculumConfig, encodeBatch, Example, PAD, randomExamples } from "./task";

export interface NeuralGPUTrainConfig {
  steps: number;
  batchSize: number;
  learningRate: number;
  /** Adam's epsilon (the Neural GPU paper: 1e-4). */
  adamEpsilon: number;
  /** Global-norm clip before the noise (the paper: 1; the original code: 0.05). */
  clip: number;
  /** Dropout rate on the image at every step (the paper's grid: 6%, 9%, 13.5%). */
  dropout: number;
  /** The relaxation pull's starting weight (the original code's default, 0.0005). */
  pull: number;
  /** Pull multiplied by this at every curriculum advance (a grid axis). */
  pullFactor: number;
  curriculum: CurriculumConfig;
  /** The curriculum checks its bound every this many steps, on that window's batches at d = bound. */
  checkEvery: number;
  /** Eq. 1's eta, or null for no noise. */
  eta: number | null;
  gamma: number;
}

export interface TrainHistory {
  step: number[];
  loss: number[];
  bound: number[];
  /** Curriculum bound (bits) at the end. */
  finalBound: number;
  /** Steps at which the bound grew. */
  advances: number[];
  /** Updates skipped for a non-finite gradient. */
  skipped: number;
  seconds: number;
}

/** Per-batch [loss, wrong digits, counted digits, wrong sequences] from logits. */
function batchStats(logits: tf.Tensor2D, batch: Batch, loss: tf.Scalar): tf.Tensor1D {
  return tf.tidy(() => {
    const w = new Float32Array(batch.inputs.length);
    for (let i = 0; i < w.length; i++) w[i] = batch.inputs[i] !== PAD || batch.targets[i] !== PAD ? 1 : 0;
    const weights = tf.tensor1d(w);
    const wrong = tf.mul(tf.notEqual(tf.argMax(logits, 1), tf.tensor1d(batch.targets, "int32")).toFloat(), weights);
    const perSeq = tf.sum(tf.reshape(wrong, [batch.size, batch.length]), 1);
    return tf.stack([loss, tf.sum(wrong), tf.sum(weights), tf.sum(tf.greater(perSeq, 0).toFloat())]) as tf.Tensor1D;
  });
}

export interface ErrorRates {
  /** Wrong output digits over counted positions (input or target not padding). */
  digitError: number;
  /** Examples with any wrong digit. */
  sequenceError: number;
  examples: number;
}

/** What errorRates needs of a model: logits [batch length, VOCAB] without dropout (the Neural GPU, DNGPU). */
export interface Predictor {
  forward(batch: Batch): { logits: tf.Tensor2D };
}

/** Digit and sequence error on `examples`, in chunks of `chunk`, no dropout. */
export async function errorRates(model: Predictor, examples: readonly Example[], chunk = 32): Promise<ErrorRates> {
  let wrong = 0, counted = 0, wrongSeq = 0;
  for (let i = 0; i < examples.length; i += chunk) {
    const batch = encodeBatch(examples.slice(i, i + chunk), Math.max(...examples.map((e) => e.input.length)));
    const stats = tf.tidy(() => {
      const { logits } = model.forward(batch);
      return batchStats(logits, batch, tf.scalar(0));
    });
    const v = await stats.data();
    stats.dispose();
    wrong += v[1];
    counted += v[2];
    wrongSeq += v[3];
  }
  return { digitError: wrong / Math.max(1, counted), sequenceError: wrongSeq / Math.max(1, examples.length), examples: examples.length };
}

/** Trains `model` in place; `seed` names the batches, dropout masks and noise streams. */
export async function trainNeuralGPU(model: NeuralGPU, c: NeuralGPUTrainConfig, seed: SeedPart[], onStep?: (done: number, total: number, detail?: string) => void): Promise<TrainHistory> {
  if (!(Number.isInteger(c.steps) && c.steps >= 0 && Number.isInteger(c.batchSize) && c.batchSize >= 1)) throw new RangeError(`trainNeuralGPU: steps and batchSize must be integers (>= 0, >= 1), got ${c.steps}, ${c.batchSize}`);
  if (!(c.learningRate > 0 && c.adamEpsilon > 0 && c.clip > 0 && c.pull >= 0 && c.pullFactor > 0 && c.checkEvery >= 1)) throw new RangeError("trainNeuralGPU: learningRate, adamEpsilon, clip, pullFactor, checkEvery must be positive and pull non-negative");
  const t0 = Date.now();
  const curriculum = new Curriculum(c.curriculum, ...seed);
  const pull = tf.tidy(() => tf.variable(tf.scalar(c.pull), false));
  const transforms = recipeTransforms({ skipNonFinite: true, clip: { globalNorm: c.clip }, noise: c.eta === null ? null : { eta: c.eta, gamma: c.gamma, seed: [...seed].join("/") + "/noise", generator: "xoshiro" } });
  const opt = withTransforms(tf.train.adam(c.learningRate, 0.9, 0.999, c.adamEpsilon), transforms);
  const h: TrainHistory = { step: [], loss: [], bound: [], finalBound: curriculum.bound, advances: [], skipped: 0, seconds: 0 };
  let windowWrong = 0, windowCount = 0;
  const weights = model.weights;
  try {
    await runSteps(c.steps, 0, async (i) => {
      const d = curriculum.next();
      // Every example of a batch has d-bit operands, so the batch is exactly n = 2d + 1 long: the model runs n steps,
      // as the paper says and as it runs at test (padding to a length bin would train more steps than it tests with).
      const examples = randomExamples(c.batchSize, d, ...seed, "train", i);
      const batch = encodeBatch(examples, examples[0].input.length);
      const stats = tf.tidy(() => {
        let logits: tf.Tensor2D | null = null;
        let ce: tf.Scalar | null = null;
        opt.minimize(() => {
          const out = model.forward(batch, { dropout: c.dropout, seed: [...seed, "step", i] });
          logits = tf.keep(out.logits);
          ce = tf.keep(NeuralGPU.loss(out.logits, batch));
          return tf.add(ce, tf.mul(pull, model.pullLoss())) as tf.Scalar;
        }, false, weights);
        const out = batchStats(logits!, batch, ce!);
        tf.dispose([logits!, ce!]);
        return out;
      });
      const v = await stats.data();
      stats.dispose();
      h.step.push(i + 1);
      h.loss.push(v[0]);
      h.bound.push(curriculum.bound);
      if (d === curriculum.bound) {
        windowWrong += v[3];
        windowCount += c.batchSize;
      }
      if ((i + 1) % c.checkEvery === 0 && windowCount > 0) {
        if (curriculum.report(windowWrong / windowCount)) {
          h.advances.push(i + 1);
          tf.tidy(() => pull.assign(tf.scalar(c.pull * Math.pow(c.pullFactor, h.advances.length))));
        }
        windowWrong = windowCount = 0;
      }
      onStep?.(i + 1, c.steps, `bound ${curriculum.bound} bits, loss ${v[0].toFixed(3)}`);
    }, () => undefined);
    model.averageRelaxed();
    h.finalBound = curriculum.bound;
    h.skipped = await (transforms[0] as unknown as NonFiniteGuard).skippedSteps();
    h.seconds = (Date.now() - t0) / 1000;
    return h;
  } finally {
    opt.dispose();
    pull.dispose();
  }
}
