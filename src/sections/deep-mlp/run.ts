/**
 * Section 4.1, Table 1: a 20-layer, 50-unit ReLU network on MNIST, trained
 * with plain SGD (no momentum) at learning rates 0.1 and 0.01, with and
 * without annealed gradient noise (eta 0.01, gamma 0.55, added after
 * clipping), under six initialisation / clipping settings. The paper reports
 * the best and the average test accuracy over 40 runs per row (20 per
 * learning rate) and gives neither epochs nor batch size: ours are per scale
 * below, identical across rows.
 *
 * Runs are paired: run i at a learning rate uses the same seed (initial
 * weights and data order) in every row, so "no noise" and "with noise" differ
 * only by the noise.
 */
import { Dataset, subset } from "../../data/dataset";
import { loadMnist } from "../../data/mnist";
import { initLabel } from "../../models/init";
import { trainMlpRun } from "../../families/deep-mlp";
import type { RunContext } from "../../experiments/contract";
import type { Scale } from "../../experiments/scale";
import { Table1Setting, TABLE1, TABLE1_SETTINGS } from "./paper";

export interface DeepMlpConfig {
  depth: number;
  width: number;
  learningRates: number[];
  /** Runs per learning rate (the paper: 20, so 40 per row). */
  runsPerLr: number;
  /** SGD updates per run (the paper gives no budget; same for every row). */
  steps: number;
  batchSize: number;
  /** Evaluate on the test set every this many steps (and at the end). */
  evalEvery: number;
  eta: number;
  gamma: number;
  /** Dropout rate for the "+ Dropout" row (the paper gives none; 0.5 is Srivastava et al.'s default for hidden units). */
  dropout: number;
  /** Use only the first n training / test examples (smoke scale). */
  trainExamples?: number;
  testExamples?: number;
  /** Record the loss every this many steps. */
  logEvery: number;
  /** Which of Table 1's experiments the sweep runs (ids "exp1".."exp6"). */
  experiments: string[];
  /** Which rows of those experiments (default every row). */
  settings?: Table1Setting[];
}

const ALL = TABLE1.map((e) => e.id);

export const DEEP_MLP_CONFIGS: Record<Scale, DeepMlpConfig> = {
  smoke: { depth: 20, width: 50, learningRates: [0.1, 0.01], runsPerLr: 1, steps: 8, batchSize: 32, evalEvery: 4, eta: 0.01, gamma: 0.55, dropout: 0.5, trainExamples: 256, testExamples: 500, logEvery: 2, experiments: ALL },
  // 6 runs per row instead of 40, 8,000 updates of batch 32 (4.3 epochs): ~40 min on 2 cores.
  // A pilot (exp1, lr 0.1, seed 1) left the plateau only after ~5,000 updates with noise
  // and not at all without; at batch 128, 2 epochs left both runs at 11.35%.
  cpu: { depth: 20, width: 50, learningRates: [0.1, 0.01], runsPerLr: 3, steps: 8000, batchSize: 32, evalEvery: 1000, eta: 0.01, gamma: 0.55, dropout: 0.5, logEvery: 20, experiments: ALL },
  paper: { depth: 20, width: 50, learningRates: [0.1, 0.01], runsPerLr: 20, steps: 50000, batchSize: 32, evalEvery: 2500, eta: 0.01, gamma: 0.55, dropout: 0.5, logEvery: 50, experiments: ALL },
};

export interface RunSpec {
  key: string;
  experiment: string;
  setting: Table1Setting;
  lr: number;
  run: number;
  seed: number;
}

export interface RunRecord extends RunSpec {
  fingerprint?: string;
  scale: Scale;
  title: string;
  init: string;
  clip: number | null;
  /** Noise settings (null for rows without noise) and dropout rate (0 unless the dropout row). */
  eta: number | null;
  gamma: number | null;
  dropout: number;
  steps: number;
  batchSize: number;
  epochs: number;
  testAccuracy: number;
  /** The run diverged (train/divergence.ts: a non-finite loss, or a 1000-fold blow-up); its accuracy is what it ended with. */
  diverged: boolean;
  curve: { step: number[]; loss: number[] };
  evalStep: number[];
  evalAccuracy: number[];
  seconds: number;
  engine: string;
  date: string;
}

/** Every run of the table at `cfg` (its experiments, in Table 1's order), in a fixed order. */
export function planRuns(cfg: DeepMlpConfig): RunSpec[] {
  const unknown = cfg.experiments.filter((id) => !TABLE1.some((e) => e.id === id));
  if (unknown.length) throw new RangeError(`unknown Table 1 experiment(s) ${unknown.join(", ")}; have ${TABLE1.map((e) => e.id).join(", ")}`);
  const badRows = (cfg.settings ?? []).filter((x) => !TABLE1_SETTINGS.includes(x));
  if (badRows.length) throw new RangeError(`unknown Table 1 setting(s) ${badRows.join(", ")}; have ${TABLE1_SETTINGS.join(", ")}`);
  const specs: RunSpec[] = [];
  for (const e of TABLE1.filter((x) => cfg.experiments.includes(x.id))) {
    for (const row of e.rows.filter((r) => !cfg.settings || cfg.settings.includes(r.setting))) {
      cfg.learningRates.forEach((lr, li) => {
        for (let run = 0; run < cfg.runsPerLr; run++) {
          specs.push({ key: `${e.id}/${row.setting}/lr=${lr}/run${run}`, experiment: e.id, setting: row.setting, lr, run, seed: 1 + run + 1000 * li });
        }
      });
    }
  }
  return specs;
}

export function mnistFor(cfg: DeepMlpConfig, dir?: string): { train: Dataset; test: Dataset } {
  let train = loadMnist({ dir, split: "train" });
  let test = loadMnist({ dir, split: "test" });
  const first = (d: Dataset, n?: number) => (n && n < d.n ? subset(d, Int32Array.from({ length: n }, (_, i) => i)) : d);
  train = first(train, cfg.trainExamples);
  test = first(test, cfg.testExamples);
  return { train, test };
}

/** One run of Table 1: trains a fresh MLP as `spec` says and returns its record. */
export async function trainRun(spec: RunSpec, cfg: DeepMlpConfig, ctx: Pick<RunContext, "scale" | "onStep"> & { data: { train: Dataset; test: Dataset } }): Promise<RunRecord> {
  const { data, onStep, scale } = ctx;
  const e = TABLE1.find((x) => x.id === spec.experiment);
  if (!e) throw new RangeError(`unknown Table 1 experiment ${spec.experiment}`);
  const noisy = spec.setting === "With Noise";
  const dropout = spec.setting === "No Noise + Dropout" ? cfg.dropout : 0;
  const r = await trainMlpRun(
    {
      depth: cfg.depth, width: cfg.width, init: e.init, seed: spec.seed, dropout,
      // checkFinite off: a diverging run is a result (recorded as such), not an error.
      optimizer: { lr: spec.lr, clip: e.clip === null ? null : { globalNorm: e.clip }, noise: noisy ? { eta: cfg.eta, gamma: cfg.gamma, seed: spec.seed } : null, checkFinite: false },
      steps: cfg.steps, batchSize: cfg.batchSize, evalEvery: cfg.evalEvery, logEvery: cfg.logEvery,
    },
    data,
    onStep,
  );
  const h = r.history;
  const steps = cfg.steps;
  return {
    ...spec,
    scale,
    title: e.title,
    init: initLabel(e.init),
    clip: e.clip,
    eta: noisy ? cfg.eta : null,
    gamma: noisy ? cfg.gamma : null,
    dropout,
    steps,
    batchSize: cfg.batchSize,
    epochs: (steps * cfg.batchSize) / data.train.n,
    testAccuracy: r.testAccuracy,
    diverged: r.diverged,
    curve: { step: h.step, loss: h.loss.map((l) => (Number.isFinite(l) ? l : null) as number) },
    evalStep: h.evalStep,
    evalAccuracy: h.evalAccuracy,
    seconds: r.seconds,
    engine: r.engine,
    date: r.date,
  };
}

