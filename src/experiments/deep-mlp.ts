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
import * as tf from "@tensorflow/tfjs";
import { Dataset, subset } from "../data/dataset";
import { loadMnist } from "../data/mnist";
import { deviceLine } from "../engine/device";
import { initLabel, InitScheme, SIMPLE_INIT } from "../models/init";
import { MLP } from "../models/mlp";
import { clipByGlobalNorm } from "../noise/clip";
import { addGradientNoise } from "../noise/gradient-noise";
import { withTransforms } from "../noise/optimizer";
import { GradientTransform } from "../noise/transform";
import { bootstrapCI, mannWhitneyU, mean, permutationTest } from "../stats";
import { trainClassifier } from "../train/classifier";
import { runPending } from "./results";
import { Scale } from "./scale";

export type Table1Setting = "No Noise" | "With Noise" | "No Noise + Dropout";

export interface Table1Row {
  setting: Table1Setting;
  /** The paper's best and average test accuracy over 40 runs (Table 1). */
  paper: { best: number; avg: number };
}

export interface Table1Experiment {
  id: string;
  title: string;
  init: InitScheme;
  /** Global-norm clip threshold, or null for none. */
  clip: number | null;
  rows: Table1Row[];
}

/** Table 1 of the revised paper (shared/papers/001, Section 4.1). */
export const TABLE1: readonly Table1Experiment[] = [
  { id: "exp1", title: "Simple Init, No Gradient Clip", init: SIMPLE_INIT, clip: null, rows: [
    { setting: "No Noise", paper: { best: 0.899, avg: 0.431 } },
    { setting: "With Noise", paper: { best: 0.967, avg: 0.527 } },
    { setting: "No Noise + Dropout", paper: { best: 0.113, avg: 0.108 } },
  ] },
  { id: "exp2", title: "Simple Init, Gradient Clip = 100", init: SIMPLE_INIT, clip: 100, rows: [
    { setting: "No Noise", paper: { best: 0.9, avg: 0.463 } },
    { setting: "With Noise", paper: { best: 0.967, avg: 0.523 } },
  ] },
  { id: "exp3", title: "Simple Init, Gradient Clip = 10", init: SIMPLE_INIT, clip: 10, rows: [
    { setting: "No Noise", paper: { best: 0.957, avg: 0.516 } },
    { setting: "With Noise", paper: { best: 0.97, avg: 0.536 } },
  ] },
  { id: "exp4", title: "Good Init 1 (random walk) + Gradient Clip = 10", init: { kind: "randomWalk" }, clip: 10, rows: [
    { setting: "No Noise", paper: { best: 0.974, avg: 0.921 } },
    { setting: "With Noise", paper: { best: 0.975, avg: 0.922 } },
  ] },
  { id: "exp5", title: "Good Init 2 (He) + Gradient Clip = 10", init: { kind: "he" }, clip: 10, rows: [
    { setting: "No Noise", paper: { best: 0.974, avg: 0.917 } },
    { setting: "With Noise", paper: { best: 0.972, avg: 0.917 } },
  ] },
  { id: "exp6", title: "Bad Init (Zero Init) + Gradient Clip = 10", init: { kind: "zeros" }, clip: 10, rows: [
    { setting: "No Noise", paper: { best: 0.114, avg: 0.101 } },
    { setting: "With Noise", paper: { best: 0.945, avg: 0.497 } },
  ] },
];

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
}

export const DEEP_MLP_CONFIGS: Record<Scale, DeepMlpConfig> = {
  smoke: { depth: 20, width: 50, learningRates: [0.1, 0.01], runsPerLr: 1, steps: 8, batchSize: 32, evalEvery: 4, eta: 0.01, gamma: 0.55, dropout: 0.5, trainExamples: 256, testExamples: 500, logEvery: 2 },
  // 6 runs per row instead of 40, 8,000 updates of batch 32 (4.3 epochs): ~40 min on 2 cores.
  // A pilot (exp1, lr 0.1, seed 1) left the plateau only after ~5,000 updates with noise
  // and not at all without; at batch 128, 2 epochs left both runs at 11.35%.
  cpu: { depth: 20, width: 50, learningRates: [0.1, 0.01], runsPerLr: 3, steps: 8000, batchSize: 32, evalEvery: 1000, eta: 0.01, gamma: 0.55, dropout: 0.5, logEvery: 20 },
  paper: { depth: 20, width: 50, learningRates: [0.1, 0.01], runsPerLr: 20, steps: 50000, batchSize: 32, evalEvery: 2500, eta: 0.01, gamma: 0.55, dropout: 0.5, logEvery: 50 },
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
  /** A non-finite loss was seen: the run failed (its accuracy is what NaN logits give). */
  diverged: boolean;
  curve: { step: number[]; loss: number[] };
  evalStep: number[];
  evalAccuracy: number[];
  seconds: number;
  engine: string;
  date: string;
}

/** Every run of the table at `cfg`, in a fixed order. */
export function planRuns(cfg: DeepMlpConfig, experiments: readonly Table1Experiment[] = TABLE1): RunSpec[] {
  const specs: RunSpec[] = [];
  for (const e of experiments) {
    for (const row of e.rows) {
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

export async function trainRun(
  spec: RunSpec,
  cfg: DeepMlpConfig,
  scale: Scale,
  data: { train: Dataset; test: Dataset },
  onStep?: (step: number, steps: number) => void,
): Promise<RunRecord> {
  const e = TABLE1.find((x) => x.id === spec.experiment);
  if (!e) throw new RangeError(`unknown Table 1 experiment ${spec.experiment}`);
  const model = new MLP({
    inputSize: data.train.features,
    hidden: Array(cfg.depth).fill(cfg.width),
    outputSize: data.train.classes,
    init: e.init,
    seed: spec.seed,
    dropout: spec.setting === "No Noise + Dropout" ? cfg.dropout : 0,
  });
  const transforms: GradientTransform[] = [];
  if (e.clip !== null) transforms.push(clipByGlobalNorm(e.clip));
  if (spec.setting === "With Noise") transforms.push(addGradientNoise({ eta: cfg.eta, gamma: cfg.gamma, seed: spec.seed }));
  // checkFinite off: a diverging run is a result (recorded as such), not an error.
  const opt = withTransforms(tf.train.sgd(spec.lr), transforms, { checkFinite: false });
  const steps = cfg.steps;
  const h = await trainClassifier(model, opt, data.train, {
    steps,
    batchSize: cfg.batchSize,
    seed: spec.seed,
    logEvery: cfg.logEvery,
    evalData: data.test,
    evalEvery: cfg.evalEvery,
    onProgress: onStep && ((p) => onStep(p.step, p.steps)),
  });
  opt.dispose();
  model.dispose();
  return {
    ...spec,
    scale,
    title: e.title,
    init: initLabel(e.init),
    clip: e.clip,
    eta: spec.setting === "With Noise" ? cfg.eta : null,
    gamma: spec.setting === "With Noise" ? cfg.gamma : null,
    dropout: spec.setting === "No Noise + Dropout" ? cfg.dropout : 0,
    steps,
    batchSize: cfg.batchSize,
    epochs: (steps * cfg.batchSize) / data.train.n,
    testAccuracy: h.evalAccuracy[h.evalAccuracy.length - 1],
    diverged: h.loss.some((l) => !Number.isFinite(l)),
    curve: { step: h.step, loss: h.loss.map((l) => (Number.isFinite(l) ? l : null) as number) },
    evalStep: h.evalStep,
    evalAccuracy: h.evalAccuracy,
    seconds: h.elapsedMs / 1000,
    engine: deviceLine(),
    date: new Date().toISOString(),
  };
}

export interface SweepOptions {
  scale: Scale;
  /** Only these Table 1 experiments (ids such as "exp6"); default all. */
  experiments?: string[];
  /** Changes to the scale's config for an extension study (e.g. a longer budget); recorded in every record. */
  overrides?: Partial<Pick<DeepMlpConfig, "steps" | "learningRates" | "runsPerLr">>;
  /** Results file (JSON Lines); finished runs found there (or in its shards) are not redone. */
  file: string;
  /** Run only specs with index % shards === shard, writing to the shard's own file. */
  shard?: number;
  shards?: number;
  mnistDir?: string;
  /** ran: runs finished by this call; todo: runs this call has to do; step/steps: within the current run. */
  onProgress?: (p: { ran: number; todo: number; key: string; step: number; steps: number }) => void;
}

/** The config and plan a sweep's options describe. */
export function sweepPlan(opts: Pick<SweepOptions, "scale" | "experiments" | "overrides">): { cfg: DeepMlpConfig; specs: RunSpec[] } {
  const cfg = { ...DEEP_MLP_CONFIGS[opts.scale], ...opts.overrides };
  const unknown = (opts.experiments ?? []).filter((id) => !TABLE1.some((e) => e.id === id));
  if (unknown.length) throw new RangeError(`unknown Table 1 experiment(s) ${unknown.join(", ")}; have ${TABLE1.map((e) => e.id).join(", ")}`);
  const experiments = opts.experiments ? TABLE1.filter((e) => opts.experiments!.includes(e.id)) : TABLE1;
  return { cfg, specs: planRuns(cfg, experiments) };
}

/** Runs every spec of the plan not yet in the results file (this shard's share); returns the specs it ran. */
export async function runDeepMlpSweep(opts: SweepOptions): Promise<RunSpec[]> {
  const { cfg, specs } = sweepPlan(opts);
  let data: ReturnType<typeof mnistFor> | undefined;
  return runPending(specs, opts, (spec, onStep) => trainRun(spec, cfg, opts.scale, (data ??= mnistFor(cfg, opts.mnistDir)), onStep));
}

export interface Table1RowSummary {
  experiment: string;
  title: string;
  setting: Table1Setting;
  runs: number;
  diverged: number;
  best: number;
  avg: number;
  /** 95% percentile-bootstrap interval of the average. */
  avgLow: number;
  avgHigh: number;
  paperBest: number;
  paperAvg: number;
}

export interface Table1Comparison {
  experiment: string;
  title: string;
  runs: number;
  /** Average with noise minus average without. */
  difference: number;
  /** Two-sided permutation test of the difference of means (10,000 relabellings). */
  pPermutation: number;
  /** Two-sided Mann-Whitney U (normal approximation with tie correction). */
  pMannWhitney: number;
  paperDifference: number;
}

export function summarizeTable1(unordered: RunRecord[], seed: string | number = 2016): { rows: Table1RowSummary[]; comparisons: Table1Comparison[] } {
  // Resampling tests depend on input order: fix it, so the file's order (shards, resumes) cannot.
  const records = [...unordered].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const rows: Table1RowSummary[] = [];
  const comparisons: Table1Comparison[] = [];
  for (const e of TABLE1) {
    const accs: Partial<Record<Table1Setting, number[]>> = {};
    for (const row of e.rows) {
      const rs = records.filter((r) => r.experiment === e.id && r.setting === row.setting);
      if (rs.length === 0) continue;
      const xs = rs.map((r) => r.testAccuracy);
      accs[row.setting] = xs;
      const ci = bootstrapCI(xs, { seed: `${seed}/${e.id}/${row.setting}`, resamples: 2000 });
      rows.push({
        experiment: e.id, title: e.title, setting: row.setting, runs: xs.length, diverged: rs.filter((r) => r.diverged).length,
        best: Math.max(...xs), avg: mean(xs), avgLow: ci.low, avgHigh: ci.high, paperBest: row.paper.best, paperAvg: row.paper.avg,
      });
    }
    const a = accs["With Noise"];
    const b = accs["No Noise"];
    if (a && b && a.length > 0 && b.length > 0) {
      const paper = (s: Table1Setting) => e.rows.find((r) => r.setting === s)!.paper.avg;
      comparisons.push({
        experiment: e.id, title: e.title, runs: Math.min(a.length, b.length),
        difference: mean(a) - mean(b),
        pPermutation: permutationTest(a, b, { seed: `${seed}/${e.id}/perm`, permutations: 10000 }).pValue,
        pMannWhitney: mannWhitneyU(a, b).pValue,
        paperDifference: paper("With Noise") - paper("No Noise"),
      });
    }
  }
  return { rows, comparisons };
}
