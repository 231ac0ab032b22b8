/**
 * Section 4.2, Table 2: End-To-End Memory Networks on the 20 bAbI tasks (1k),
 * one model per task, trained one-stage (softmax from the start) or
 * two-stage (linear start, then softmax), each without and with annealed
 * gradient noise (eta 0.01, gamma 0.55, added after clipping). Per task and
 * setting the restart with the lowest training error is kept (the paper's
 * protocol, after Sukhbaatar et al.); Table 2 averages its training and
 * validation error over the 20 tasks.
 *
 * Restarts are paired: restart r of task k uses the same seed (initial
 * weights, batch order, time shifts) in all four settings, so settings differ
 * only by what they change.
 */
import { BabiExample, babiVocabulary, holdOut, loadBabiTask } from "../data/babi";
import { deviceLine } from "../engine/device";
import * as tf from "@tensorflow/tfjs";
import { EncodedExample, MemN2N, PositionEncoding } from "../models/memn2n";
import { bootstrapCI, mean, pairedPermutationTest } from "../stats";
import { encodeExamples, errorRate, trainMemN2N } from "../train/memn2n";
import { runPending } from "./results";
import { Scale } from "./scale";

export type Table2Setting = "one-stage" | "one-stage + noise" | "two-stage" | "two-stage + noise";
export const TABLE2_SETTINGS: readonly Table2Setting[] = ["one-stage", "one-stage + noise", "two-stage", "two-stage + noise"];

/** Table 2 of the revised paper (shared/papers/001, Section 4.2): errors averaged over the 20 tasks. */
export const TABLE2: Readonly<Record<Table2Setting, { train: number; validation: number }>> = {
  "one-stage": { train: 0.105, validation: 0.195 },
  "one-stage + noise": { train: 0.096, validation: 0.166 },
  "two-stage": { train: 0.062, validation: 0.109 },
  "two-stage + noise": { train: 0.059, validation: 0.108 },
};

/**
 * Test error per task of the reference MemN2N (Sukhbaatar et al. 2015, 3 hops,
 * PE LS RN, 1k, per-task models; via shared/REFERENCE.md): the sanity column
 * for our plain two-stage model.
 */
export const REFERENCE_TEST_ERROR: readonly number[] = [
  0.001, 0.082, 0.418, 0.044, 0.137, 0.079, 0.203, 0.117, 0.136, 0.097, 0.007, 0.0, 0.003, 0.009, 0.0, 0.004, 0.51, 0.105, 0.814, 0.0,
];

export interface MemN2NConfig {
  tasks: number[];
  restarts: number;
  /** Softmax-stage epochs (the paper: 200; the reference: 100). */
  epochs: number;
  /** Linear-start epochs of the two-stage procedure (20). */
  linearEpochs: number;
  /** Reference rates: 0.01 without linear start, 0.005 with (both stages). */
  learningRate: { oneStage: number; twoStage: number };
  eta: number;
  gamma: number;
  /** Use only the first n training questions per task (smoke scale). */
  trainQuestions?: number;
  /** Validation error every this many epochs. */
  evalEvery: number;
  /**
   * "reference": the Matlab code's variant with one J per task (what produced
   * the reference errors, and what the scales use); "paper": the formula as
   * printed, J = each sentence's own length.
   */
  positionEncoding: "paper" | "reference";
}

const ALL_TASKS = Array.from({ length: 20 }, (_, i) => i + 1);
const RATES = { oneStage: 0.01, twoStage: 0.005 };

export const MEMN2N_CONFIGS: Record<Scale, MemN2NConfig> = {
  smoke: { tasks: [1], restarts: 1, epochs: 3, linearEpochs: 2, learningRate: RATES, eta: 0.01, gamma: 0.55, trainQuestions: 320, evalEvery: 1, positionEncoding: "reference" },
  // All 20 tasks and all four settings; 3 restarts instead of 10 and the
  // reference's 100 softmax epochs instead of the paper's 200:
  // 240 runs, ~60 min on 2 cores (WASM; one epoch of all 20 tasks takes 4.8 s, more with noise).
  cpu: { tasks: ALL_TASKS, restarts: 3, epochs: 100, linearEpochs: 20, learningRate: RATES, eta: 0.01, gamma: 0.55, evalEvery: 5, positionEncoding: "reference" },
  paper: { tasks: ALL_TASKS, restarts: 10, epochs: 200, linearEpochs: 20, learningRate: RATES, eta: 0.01, gamma: 0.55, evalEvery: 5, positionEncoding: "reference" },
};

export interface MemN2NRunSpec {
  key: string;
  task: number;
  setting: Table2Setting;
  restart: number;
  seed: number;
}

export interface MemN2NRunRecord extends MemN2NRunSpec {
  scale: Scale;
  taskName: string;
  stages: 1 | 2;
  eta: number | null;
  gamma: number | null;
  learningRate: number;
  epochs: number;
  linearEpochs: number;
  vocabSize: number;
  memorySize: number;
  /** Absent in records written before the option existed: "paper". */
  positionEncoding?: "paper" | "reference";
  trainError: number;
  validationError: number;
  testError: number;
  diverged: boolean;
  curve: { epoch: number[]; loss: number[]; batchError: number[]; evalEpoch: number[]; validationError: number[] };
  seconds: number;
  engine: string;
  date: string;
}

export function planMemN2NRuns(cfg: MemN2NConfig): MemN2NRunSpec[] {
  const specs: MemN2NRunSpec[] = [];
  for (const task of cfg.tasks) {
    for (const setting of TABLE2_SETTINGS) {
      for (let restart = 0; restart < cfg.restarts; restart++) {
        specs.push({ key: `task${task}/${setting}/restart${restart}`, task, setting, restart, seed: 100 * task + restart + 1 });
      }
    }
  }
  return specs;
}

export interface TaskData {
  task: number;
  name: string;
  vocab: string[];
  /** Memory slots: the longest story, at most 50 sentences (the reference's config). */
  memorySize: number;
  train: EncodedExample[];
  validation: EncodedExample[];
  test: EncodedExample[];
  /** The test questions as parsed (words, supporting facts), for reports. */
  testRaw: BabiExample[];
  /** Words in the longest sentence or question of the task (the reference code's J). */
  maxWords: number;
}

/** Task `task` encoded for training: vocabulary from train and test files, last 10% of training questions held out. */
export function prepareTask(task: number, opts: { dir?: string; trainQuestions?: number } = {}): TaskData {
  const t = loadBabiTask(task, { dir: opts.dir });
  const vocab = babiVocabulary(t.train, t.test);
  const { train, validation } = holdOut(t.train);
  const longest = Math.max(...[...t.train, ...t.test].map((e: BabiExample) => e.story.length));
  const firstN = <T>(xs: T[], n?: number) => (n ? xs.slice(0, n) : xs);
  return {
    task,
    name: t.name,
    vocab,
    memorySize: Math.max(1, Math.min(50, longest)),
    train: encodeExamples(firstN(train, opts.trainQuestions), vocab),
    validation: encodeExamples(validation, vocab),
    test: encodeExamples(t.test, vocab),
    testRaw: t.test,
    maxWords: Math.max(...[...t.train, ...t.test].flatMap((e) => [e.question.length, ...e.story.map((x) => x.length)])),
  };
}

export interface AttentionPicture {
  /** The sentences in memory, oldest first, as text. */
  sentences: string[];
  question: string;
  answer: string;
  predicted: string;
  /** Indices into `sentences` of the supporting facts. */
  supporting: number[];
  /** attention[hop][sentence]. */
  attention: number[][];
}

/** What each hop reads for test question `index` of `data` (memory slots in story order). */
export function attentionPicture(model: MemN2N, data: TaskData, index: number): AttentionPicture {
  const raw = data.testRaw[index];
  const enc = data.test[index];
  if (!raw || !enc) throw new RangeError(`attentionPicture: test question ${index} does not exist (task has ${data.test.length})`);
  const b = model.encode([enc]);
  const out = model.apply(b);
  const kept = raw.story.slice(-model.memorySize);
  const offset = raw.story.length - kept.length;
  const attention = out.attention.map((a) => Array.from(a.dataSync()).slice(0, kept.length));
  const predicted = out.logits.argMax(1).dataSync()[0];
  tf.dispose([out.logits, ...out.attention]);
  b.dispose();
  return {
    sentences: kept.map((w) => w.join(" ")),
    question: raw.question.join(" "),
    answer: raw.answer,
    predicted: predicted < data.vocab.length ? data.vocab[predicted] : `(time row ${predicted - data.vocab.length + 1})`,
    supporting: raw.supporting.map((i) => i - offset).filter((i) => i >= 0),
    attention,
  };
}

/** A fresh model sized for `data`, with the config's position encoding. */
export function memn2nFor(data: TaskData, cfg: Pick<MemN2NConfig, "positionEncoding">, seed: number): MemN2N {
  const positionEncoding: PositionEncoding = cfg.positionEncoding === "reference" ? { kind: "reference", words: data.maxWords } : { kind: "paper" };
  return new MemN2N({ vocabSize: data.vocab.length, memorySize: data.memorySize, seed, positionEncoding });
}

/**
 * The attention picture the notebook and `npm run figures -- memn2n` show: a
 * plain two-stage model on task 2 (seed 201, the config's epochs), and what
 * each hop reads for test question 4.
 */
export async function attentionDemo(cfg: MemN2NConfig, onEpoch?: (epoch: number, epochs: number) => void): Promise<{ picture: AttentionPicture; testError: number }> {
  const data = prepareTask(2, { trainQuestions: cfg.trainQuestions });
  const model = memn2nFor(data, cfg, 201);
  await trainMemN2N(model, data.train, { seed: 201, epochs: cfg.epochs, linearEpochs: cfg.linearEpochs, learningRate: cfg.learningRate.twoStage, eta: null, onEpoch });
  const picture = attentionPicture(model, data, 3);
  const testError = errorRate(model, data.test);
  model.dispose();
  return { picture, testError };
}

export async function trainMemN2NRun(
  spec: MemN2NRunSpec,
  cfg: MemN2NConfig,
  scale: Scale,
  data: TaskData,
  onEpoch?: (epoch: number, epochs: number) => void,
): Promise<MemN2NRunRecord> {
  const twoStage = spec.setting.startsWith("two-stage");
  const noisy = spec.setting.endsWith("+ noise");
  const model = memn2nFor(data, cfg, spec.seed);
  const learningRate = twoStage ? cfg.learningRate.twoStage : cfg.learningRate.oneStage;
  const linearEpochs = twoStage ? cfg.linearEpochs : 0;
  const h = await trainMemN2N(model, data.train, {
    seed: spec.seed,
    epochs: cfg.epochs,
    linearEpochs,
    learningRate,
    eta: noisy ? cfg.eta : null,
    gamma: cfg.gamma,
    validation: data.validation,
    evalEvery: cfg.evalEvery,
    onEpoch,
  });
  const rec: MemN2NRunRecord = {
    ...spec,
    scale,
    taskName: data.name,
    stages: twoStage ? 2 : 1,
    eta: noisy ? cfg.eta : null,
    gamma: noisy ? cfg.gamma : null,
    learningRate,
    epochs: cfg.epochs,
    linearEpochs,
    vocabSize: data.vocab.length,
    memorySize: data.memorySize,
    positionEncoding: cfg.positionEncoding,
    trainError: errorRate(model, data.train),
    validationError: errorRate(model, data.validation),
    testError: errorRate(model, data.test),
    diverged: h.diverged,
    curve: { epoch: h.epoch, loss: h.loss.map((l) => (Number.isFinite(l) ? l : null) as number), batchError: h.batchError, evalEpoch: h.evalEpoch, validationError: h.validationError },
    seconds: h.seconds,
    engine: deviceLine(),
    date: new Date().toISOString(),
  };
  model.dispose();
  return rec;
}

export interface MemN2NSweepOptions {
  scale: Scale;
  /** Only these tasks (default: the scale's). */
  tasks?: number[];
  /** Noise eta for the "+ noise" settings instead of the scale's 0.01 (the paper also tried 1.0). */
  eta?: number;
  /** Restarts per task and setting instead of the scale's (an extension study). */
  restarts?: number;
  /** Only these settings (default all four). */
  settings?: Table2Setting[];
  positionEncoding?: "paper" | "reference";
  /** Results file (JSON Lines); finished runs there or in its shards are not redone. */
  file: string;
  shard?: number;
  shards?: number;
  babiDir?: string;
  onProgress?: (p: { ran: number; todo: number; key: string; step: number; steps: number }) => void;
}

export function memn2nSweepPlan(opts: Pick<MemN2NSweepOptions, "scale" | "tasks" | "eta" | "restarts" | "settings" | "positionEncoding">): { cfg: MemN2NConfig; specs: MemN2NRunSpec[] } {
  const base = MEMN2N_CONFIGS[opts.scale];
  const bad = (opts.tasks ?? []).filter((t) => !Number.isInteger(t) || t < 1 || t > 20);
  if (bad.length) throw new RangeError(`bAbI tasks are 1..20; got ${bad.join(", ")}`);
  if (opts.eta !== undefined && !(opts.eta > 0 && Number.isFinite(opts.eta))) throw new RangeError(`eta must be a positive number, got ${opts.eta}`);
  if (opts.restarts !== undefined && !(Number.isInteger(opts.restarts) && opts.restarts >= 1)) throw new RangeError(`restarts must be a positive integer, got ${opts.restarts}`);
  const unknown = (opts.settings ?? []).filter((x) => !TABLE2_SETTINGS.includes(x));
  if (unknown.length) throw new RangeError(`unknown setting(s) ${unknown.join(", ")}; have ${TABLE2_SETTINGS.join(", ")}`);
  if (opts.positionEncoding !== undefined && !["paper", "reference"].includes(opts.positionEncoding)) throw new RangeError(`position encoding must be "paper" or "reference", got "${opts.positionEncoding}"`);
  const cfg = { ...base, tasks: opts.tasks ?? base.tasks, eta: opts.eta ?? base.eta, restarts: opts.restarts ?? base.restarts, positionEncoding: opts.positionEncoding ?? base.positionEncoding };
  const specs = planMemN2NRuns(cfg).filter((x) => !opts.settings || opts.settings.includes(x.setting));
  return { cfg, specs };
}

/** Runs every spec not yet in the results file (this shard's share); returns the specs it ran. */
export async function runMemN2NSweep(opts: MemN2NSweepOptions): Promise<MemN2NRunSpec[]> {
  const { cfg, specs } = memn2nSweepPlan(opts);
  // Specs come task by task: keep one task's data at a time.
  let data: TaskData | undefined;
  return runPending(specs, opts, (spec, onStep) => {
    if (data?.task !== spec.task) data = prepareTask(spec.task, { dir: opts.babiDir, trainQuestions: cfg.trainQuestions });
    return trainMemN2NRun(spec, cfg, opts.scale, data, onStep);
  });
}

export interface Table2Selected {
  task: number;
  taskName: string;
  setting: Table2Setting;
  restarts: number;
  /** The kept restart (lowest training error; ties: lowest validation error, then lowest index). */
  restart: number;
  trainError: number;
  validationError: number;
  testError: number;
  referenceTestError: number;
}

export interface Table2Row {
  setting: Table2Setting;
  tasks: number;
  trainError: number;
  validationError: number;
  testError: number;
  /** 95% bootstrap intervals of the averages over tasks. */
  validationLow: number;
  validationHigh: number;
  paperTrain: number;
  paperValidation: number;
}

export interface Table2Comparison {
  stages: "one-stage" | "two-stage";
  tasks: number;
  /** Average error with noise minus without, over tasks (negative: noise helps). */
  trainDifference: number;
  validationDifference: number;
  /** Paired sign-flip permutation test over tasks, two-sided. */
  pTrain: number;
  pValidation: number;
  paperTrainDifference: number;
  paperValidationDifference: number;
}

/** Restart selection per (task, setting), then Table 2's averages and the noise comparisons. */
export function summarizeTable2(unordered: MemN2NRunRecord[], seed: string | number = 2016): { selected: Table2Selected[]; rows: Table2Row[]; comparisons: Table2Comparison[] } {
  const records = [...unordered].sort((a, b) => a.task - b.task || a.restart - b.restart);
  const selected: Table2Selected[] = [];
  for (const task of [...new Set(records.map((r) => r.task))]) {
    for (const setting of TABLE2_SETTINGS) {
      const rs = records.filter((r) => r.task === task && r.setting === setting);
      if (rs.length === 0) continue;
      const best = rs.reduce((a, b) => (b.trainError < a.trainError || (b.trainError === a.trainError && b.validationError < a.validationError) ? b : a));
      selected.push({
        task, taskName: best.taskName, setting, restarts: rs.length, restart: best.restart,
        trainError: best.trainError, validationError: best.validationError, testError: best.testError,
        referenceTestError: REFERENCE_TEST_ERROR[task - 1],
      });
    }
  }
  const rows: Table2Row[] = [];
  for (const setting of TABLE2_SETTINGS) {
    const s = selected.filter((x) => x.setting === setting);
    if (s.length === 0) continue;
    const val = s.map((x) => x.validationError);
    const ci = s.length > 1 ? bootstrapCI(val, { seed: `${seed}/${setting}`, resamples: 2000 }) : { low: val[0], high: val[0] };
    rows.push({
      setting, tasks: s.length, trainError: mean(s.map((x) => x.trainError)), validationError: mean(val), testError: mean(s.map((x) => x.testError)),
      validationLow: ci.low, validationHigh: ci.high, paperTrain: TABLE2[setting].train, paperValidation: TABLE2[setting].validation,
    });
  }
  const comparisons: Table2Comparison[] = [];
  for (const stages of ["one-stage", "two-stage"] as const) {
    const plain = selected.filter((x) => x.setting === stages);
    const noisy = selected.filter((x) => x.setting === `${stages} + noise`);
    const tasks = plain.map((x) => x.task).filter((t) => noisy.some((y) => y.task === t));
    if (tasks.length < 2) continue;
    const pick = (xs: Table2Selected[], f: (x: Table2Selected) => number) => tasks.map((t) => f(xs.find((x) => x.task === t)!));
    const [nt, pt] = [pick(noisy, (x) => x.trainError), pick(plain, (x) => x.trainError)];
    const [nv, pv] = [pick(noisy, (x) => x.validationError), pick(plain, (x) => x.validationError)];
    comparisons.push({
      stages, tasks: tasks.length,
      trainDifference: mean(nt) - mean(pt),
      validationDifference: mean(nv) - mean(pv),
      pTrain: pairedPermutationTest(nt, pt, { seed: `${seed}/${stages}/train` }).pValue,
      pValidation: pairedPermutationTest(nv, pv, { seed: `${seed}/${stages}/validation` }).pValue,
      paperTrainDifference: TABLE2[`${stages} + noise`].train - TABLE2[stages].train,
      paperValidationDifference: TABLE2[`${stages} + noise`].validation - TABLE2[stages].validation,
    });
  }
  return { selected, rows, comparisons };
}
