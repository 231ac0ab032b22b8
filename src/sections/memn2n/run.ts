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
import { deviceLine } from "../../engine/device";
import { errorRate, trainMemN2N } from "../../train/memn2n";
import { AttentionPicture, attentionPicture, memn2nFor, prepareTask, TaskData } from "../../families/memn2n";
import type { RunContext } from "../../experiments/contract";
import type { Scale } from "../../experiments/scale";
import { Table2Setting, TABLE2_SETTINGS } from "./paper";

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
  /**
   * Fixed noise instead of Eq. 1 for the noisy settings: a constant standard
   * deviation (issue 13; the first version, Section 4.2: 0.001). Absent: annealed.
   */
  fixedStd?: number;
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
  /** Which of the four settings the sweep runs (default all). */
  settings: Table2Setting[];
}

const ALL_TASKS = Array.from({ length: 20 }, (_, i) => i + 1);
const RATES = { oneStage: 0.01, twoStage: 0.005 };

export const MEMN2N_CONFIGS: Record<Scale, MemN2NConfig> = {
  smoke: { tasks: [1], restarts: 1, epochs: 3, linearEpochs: 2, learningRate: RATES, eta: 0.01, gamma: 0.55, trainQuestions: 320, evalEvery: 1, positionEncoding: "reference", settings: [...TABLE2_SETTINGS] },
  // All 20 tasks and all four settings; 3 restarts instead of 10 and the
  // reference's 100 softmax epochs instead of the paper's 200:
  // 240 runs, ~60 min on 2 cores (WASM; one epoch of all 20 tasks takes 4.8 s, more with noise).
  cpu: { tasks: ALL_TASKS, restarts: 3, epochs: 100, linearEpochs: 20, learningRate: RATES, eta: 0.01, gamma: 0.55, evalEvery: 5, positionEncoding: "reference", settings: [...TABLE2_SETTINGS] },
  paper: { tasks: ALL_TASKS, restarts: 10, epochs: 200, linearEpochs: 20, learningRate: RATES, eta: 0.01, gamma: 0.55, evalEvery: 5, positionEncoding: "reference", settings: [...TABLE2_SETTINGS] },
};

export interface MemN2NRunSpec {
  key: string;
  task: number;
  setting: Table2Setting;
  restart: number;
  seed: number;
}

export interface MemN2NRunRecord extends MemN2NRunSpec {
  fingerprint?: string;
  scale: Scale;
  taskName: string;
  stages: 1 | 2;
  eta: number | null;
  gamma: number | null;
  /** Constant noise std of a fixed-noise run (absent otherwise: records before the option, and annealed ones). */
  fixedStd?: number;
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

/** Every run at `cfg`: task by task, then setting, then restart. */
export function planMemN2NRuns(cfg: MemN2NConfig): MemN2NRunSpec[] {
  const bad = cfg.tasks.filter((t) => !Number.isInteger(t) || t < 1 || t > 20);
  if (bad.length) throw new RangeError(`bAbI tasks are 1..20; got ${bad.join(", ")}`);
  const unknown = cfg.settings.filter((x) => !TABLE2_SETTINGS.includes(x));
  if (unknown.length) throw new RangeError(`unknown setting(s) ${unknown.join(", ")}; have ${TABLE2_SETTINGS.join(", ")}`);
  const specs: MemN2NRunSpec[] = [];
  for (const task of cfg.tasks) {
    for (const setting of TABLE2_SETTINGS.filter((x) => cfg.settings.includes(x))) {
      for (let restart = 0; restart < cfg.restarts; restart++) {
        specs.push({ key: `task${task}/${setting}/restart${restart}`, task, setting, restart, seed: 100 * task + restart + 1 });
      }
    }
  }
  return specs;
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
  const picture = await attentionPicture(model, data, 3);
  const testError = await errorRate(model, data.test);
  model.dispose();
  return { picture, testError };
}

/** One run of Table 2: trains a fresh model on `data` as `spec` says and returns its record. */
export async function trainMemN2NRun(spec: MemN2NRunSpec, cfg: MemN2NConfig, ctx: Pick<RunContext, "scale" | "onStep"> & { data: TaskData }): Promise<MemN2NRunRecord> {
  const { data, scale, onStep: onEpoch } = ctx;
  const twoStage = spec.setting.startsWith("two-stage");
  const noisy = spec.setting.endsWith("+ noise");
  const model = memn2nFor(data, cfg, spec.seed);
  const learningRate = twoStage ? cfg.learningRate.twoStage : cfg.learningRate.oneStage;
  const linearEpochs = twoStage ? cfg.linearEpochs : 0;
  // finally: an interrupted or failed run must not leave its weights behind.
  try {
    const h = await trainMemN2N(model, data.train, {
      seed: spec.seed,
      epochs: cfg.epochs,
      linearEpochs,
      learningRate,
      eta: noisy && cfg.fixedStd === undefined ? cfg.eta : null,
      gamma: cfg.gamma,
      ...(noisy && cfg.fixedStd !== undefined ? { fixedStd: cfg.fixedStd } : {}),
      validation: data.validation,
      evalEvery: cfg.evalEvery,
      onEpoch,
    });
    return {
      ...spec,
      scale,
      taskName: data.name,
      stages: twoStage ? 2 : 1,
      eta: noisy && cfg.fixedStd === undefined ? cfg.eta : null,
      gamma: noisy && cfg.fixedStd === undefined ? cfg.gamma : null,
      ...(noisy && cfg.fixedStd !== undefined ? { fixedStd: cfg.fixedStd } : {}),
      learningRate,
      epochs: cfg.epochs,
      linearEpochs,
      vocabSize: data.vocab.length,
      memorySize: data.memorySize,
      positionEncoding: cfg.positionEncoding,
      trainError: await errorRate(model, data.train),
      validationError: await errorRate(model, data.validation),
      testError: await errorRate(model, data.test),
      diverged: h.diverged,
      curve: { epoch: h.epoch, loss: h.loss.map((l) => (Number.isFinite(l) ? l : null) as number), batchError: h.batchError, evalEpoch: h.evalEpoch, validationError: h.validationError },
      seconds: h.seconds,
      engine: deviceLine(),
      date: new Date().toISOString(),
    };
  } finally {
    model.dispose();
  }
}

