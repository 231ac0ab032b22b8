/**
 * Training Neural Programmer as GN Section 4.3 does: Adam, the gradient's
 * global norm clipped, then (for the noisy settings) annealed Gaussian noise
 * eta = 1.0, gamma = 0.55 added to the clipped gradient (Eq. 1, "after
 * clipping"); optional dropout; Section 4.6's variants: fixed-variance noise
 * and annealed weight noise. Test accuracy uses hard (argmax) selection.
 */
import * as tf from "@tensorflow/tfjs";
import { addWeightNoise } from "../../noise/weight-noise";
import { withTransforms } from "../../noise/optimizer";
import { recipeTransforms } from "../../noise/recipe";
import { constant } from "../../noise/schedule";
import { NoiseOptions } from "../../noise/gradient-noise";
import { SeedPart, uniformStream } from "../../random/rng";
import { runSteps } from "../../train/loop";
import { encodeBatch } from "./batch";
import { COLUMN_NAMES, Example, generateExample, OPERATIONS, Operation, TaskConfig, validateTask, vocabulary } from "./data";
import { LossOptions, npLoss, NPModel, STEPS } from "./model";

export type NoiseSetting =
  | { kind: "none" }
  /** Eq. 1 on the clipped gradient (GN 4.3: eta 1.0, gamma 0.55). */
  | { kind: "annealed"; eta: number; gamma: number }
  /** Section 4.6: a constant variance (drawn log-uniformly from [1e-4, 0.1] per grid point). */
  | { kind: "fixed"; variance: number }
  /** Section 4.6: Eq. 1's schedule on the weights, after Adam's update (from eta 1e-6). */
  | { kind: "weight"; eta: number; gamma: number };

export interface NPTrainOptions extends LossOptions {
  task: TaskConfig;
  /** Seed of the task's examples (the same for every run of a sweep, so runs differ by model and noise only). */
  dataSeed: SeedPart;
  /** Seed of the run: initial weights, dropout masks, noise. */
  seed: SeedPart;
  hidden: number;
  initStd: number;
  steps: number;
  batchSize: number;
  learningRate: number;
  /** Global-norm clip before the noise [unknown; a config value]. */
  clipNorm: number;
  noise: NoiseSetting;
  /** Dropout rate on q and h_t (0: none) [where the papers applied it is unknown]. */
  dropout: number;
  /** Distinct training questions, reused in order (question k of the stream; dataset sizes unknown). */
  trainSize: number;
  /** Test questions from the test distribution (larger tables and values). */
  testSize: number;
  /** Sums and differences are scored in units of this (encodeBatch's sumScale; default 1, the literal loss). */
  sumScale?: number;
  /** Test accuracy every this many steps (the curves of Figure 2) and at the end. */
  evalEvery: number;
  /** A scalar answer is right within this absolute tolerance (float32 sums of integers, exact below 2^24). */
  tolerance: number;
  onStep?: (step: number, steps: number) => void;
}

export interface NPHistory {
  evalStep: number[];
  testAccuracy: number[];
  /** Mean training loss over each evaluation interval. */
  loss: number[];
  finalAccuracy: number;
  /** Per test question: answered right at the end. */
  correct: boolean[];
  diverged: boolean;
  seconds: number;
}

/** The vocabulary and the model sized for a task. */
export function modelFor(task: TaskConfig, o: { hidden: number; initStd: number; seed: SeedPart }): { model: NPModel; vocab: string[] } {
  const vocab = vocabulary();
  const columns = task.maxColumns;
  const model = new NPModel({
    vocabSize: vocab.length,
    hidden: o.hidden,
    columns,
    columnWordIds: COLUMN_NAMES.slice(0, columns).map((n) => vocab.indexOf(n)),
    initStd: o.initStd,
    seed: o.seed,
  });
  return { model, vocab };
}

/** One step of a hard-selected program: the operation and the column it read (where it reads one). */
export interface InducedStep {
  op: Operation;
  column: string;
}

export interface Prediction {
  correct: boolean;
  type: "scalar" | "lookup" | "none";
  scalar: number;
  program: InducedStep[];
}

/** Which output an operation writes: GN 4.3 takes the answer from the one that changed last. */
const WRITES: Partial<Record<Operation, "scalar" | "lookup">> = { sum: "scalar", count: "scalar", difference: "scalar", print: "lookup" };

/** Hard-selection answers for `examples`, in chunks; reads with await data() only. */
export async function predict(model: NPModel, vocab: string[], examples: readonly Example[], tolerance: number, chunk = 200): Promise<Prediction[]> {
  const out: Prediction[] = [];
  const C = model.config.columns;
  for (let s = 0; s < examples.length; s += chunk) {
    const part = examples.slice(s, s + chunk);
    const b = encodeBatch(part, vocab, C);
    let outs: tf.Tensor[];
    try {
      outs = tf.tidy(() => {
        const r = model.forward(b, { hard: true });
        return [r.scalar, r.lookup, tf.stack(r.ops.map((x) => tf.argMax(x, 1)), 1), tf.stack(r.cols.map((x) => tf.argMax(x, 1)), 1)];
      });
    } finally {
      b.dispose();
    }
    const [scalar, lookup, ops, cols] = outs;
    const [sv, lv, ov, cv] = await Promise.all([scalar.data(), lookup.data(), ops.data(), cols.data()]).finally(() => tf.dispose(outs));
    const M = lookup.shape[1]!;
    part.forEach((e, i) => {
      const program = Array.from({ length: STEPS }, (_, t) => ({ op: OPERATIONS[ov[i * STEPS + t]], column: COLUMN_NAMES[cv[i * STEPS + t]] }));
      let type: Prediction["type"] = "none";
      for (const st of program) type = WRITES[st.op] ?? type;
      let correct = false;
      if (type === "scalar" && e.answer.type === "scalar") correct = Math.abs(sv[i] - e.answer.value) <= tolerance;
      if (type === "lookup" && e.answer.type === "lookup") {
        correct = e.answer.cells.every((row, r) => row.every((on, j) => (lv[(i * M + r) * C + j] > 0.5) === on));
      }
      out.push({ correct, type, scalar: sv[i], program });
    });
  }
  return out;
}

function optimizerFor(o: NPTrainOptions) {
  const n = o.noise;
  const noise: NoiseOptions | null =
    n.kind === "annealed" ? { eta: n.eta, gamma: n.gamma, seed: o.seed, generator: "xoshiro" }
    : n.kind === "fixed" ? { schedule: constant(n.variance), seed: o.seed, generator: "xoshiro" }
    : null;
  // checkFinite off: a diverging run is a result, recorded as such.
  const transforms = recipeTransforms({ skipNonFinite: false, clip: { globalNorm: o.clipNorm }, noise });
  if (n.kind === "weight") transforms.push(addWeightNoise({ eta: n.eta, gamma: n.gamma, seed: o.seed, generator: "xoshiro" }));
  return withTransforms(tf.train.adam(o.learningRate), transforms);
}

function dropoutMask(rate: number, rows: number, cols: number, ...key: SeedPart[]): tf.Tensor2D {
  const r = uniformStream(...key);
  const m = new Float32Array(rows * cols);
  for (let i = 0; i < m.length; i++) m[i] = r() < rate ? 0 : 1 / (1 - rate);
  return tf.tensor2d(m, [rows, cols]);
}

export function validateTraining(o: NPTrainOptions): void {
  validateTask(o.task);
  for (const [k, v] of Object.entries({ steps: o.steps, batchSize: o.batchSize, trainSize: o.trainSize, testSize: o.testSize, evalEvery: o.evalEvery, hidden: o.hidden })) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`trainNeuralProgrammer: ${k} must be a positive integer, got ${v}`);
  }
  for (const [k, v] of Object.entries({ learningRate: o.learningRate, clipNorm: o.clipNorm, delta: o.delta, lambda: o.lambda })) {
    if (!(v > 0 && Number.isFinite(v))) throw new RangeError(`trainNeuralProgrammer: ${k} must be a positive number, got ${v}`);
  }
  if (!(o.dropout >= 0 && o.dropout < 1)) throw new RangeError(`trainNeuralProgrammer: dropout must be in [0, 1), got ${o.dropout}`);
}

/** Trains `model` as `o` says; the test set is drawn here from the task's test distribution. */
export async function trainNeuralProgrammer(model: NPModel, vocab: string[], o: NPTrainOptions): Promise<NPHistory> {
  validateTraining(o);
  const test = Array.from({ length: o.testSize }, (_, k) => generateExample(o.task, "test", o.dataSeed, k));
  const opt = optimizerFor(o);
  const h: NPHistory = { evalStep: [], testAccuracy: [], loss: [], finalAccuracy: NaN, correct: [], diverged: false, seconds: 0 };
  const started = Date.now();
  let lossSum = 0;
  let lossN = 0;
  let last: Prediction[] = [];
  const pending: tf.Scalar[] = [];
  const step = (i: number) => {
    const examples = Array.from({ length: o.batchSize }, (_, j) => generateExample(o.task, "train", o.dataSeed, (i * o.batchSize + j) % o.trainSize));
    const b = encodeBatch(examples, vocab, model.config.columns, { sumScale: o.sumScale });
    const dropout = o.dropout > 0 ? { q: dropoutMask(o.dropout, b.size, o.hidden, o.seed, "dropout-q", i), h: dropoutMask(o.dropout, b.size, o.hidden, o.seed, "dropout-h", i) } : undefined;
    try {
      const cost = opt.minimize(() => npLoss(model.forward(b, { dropout }), b, o), true, model.variables)!;
      pending.push(cost);
    } finally {
      b.dispose();
      if (dropout) tf.dispose([dropout.q, dropout.h]);
    }
    o.onStep?.(i + 1, o.steps);
  };
  const evaluate = async (at: number) => {
    // The losses are read here, once per interval, not every step.
    const losses = await Promise.all(pending.map((c) => c.data()));
    tf.dispose(pending.splice(0));
    for (const l of losses) {
      lossSum += l[0];
      lossN++;
    }
    last = await predict(model, vocab, test, o.tolerance);
    h.evalStep.push(at);
    h.testAccuracy.push(last.filter((p) => p.correct).length / test.length);
    const mean = lossSum / Math.max(1, lossN);
    h.loss.push(Number.isFinite(mean) ? mean : (null as unknown as number));
    if (!Number.isFinite(mean)) h.diverged = true;
    lossSum = 0;
    lossN = 0;
  };
  try {
    await runSteps(o.steps, o.evalEvery, step, evaluate);
  } finally {
    tf.dispose(pending.splice(0));
    opt.dispose();
  }
  h.finalAccuracy = h.testAccuracy[h.testAccuracy.length - 1];
  h.correct = last.map((p) => p.correct);
  h.seconds = (Date.now() - started) / 1000;
  return h;
}
