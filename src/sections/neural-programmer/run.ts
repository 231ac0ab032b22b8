/**
 * The runs of Section 4.3 (and its 4.6 ablations): per task, per arm, per
 * hyperparameter grid point, per seed. GN searched 72 hyperparameter
 * configurations x 3 initialisations per setting without saying which
 * hyperparameters; ours is a 72-point grid over learning rate, clip norm,
 * lookup weight and Huber delta (the unknowns of the protocol). Every arm
 * trains the same grid points with the same seeds (initial weights, data),
 * so arms pair up run by run and counts compare with the exact McNemar test.
 */
import { deviceLine } from "../../engine/device";
import { defaultTask, modelFor, TaskKind, TASK_KINDS, trainNeuralProgrammer, NoiseSetting } from "../../families/neural-programmer";
import { uniformStream } from "../../random/rng";
import type { RunContext } from "../../experiments/contract";
import type { Scale } from "../../experiments/scale";
import { Arm, ARMS, ARMS_OF } from "./paper";

export interface GridPoint {
  learningRate: number;
  clipNorm: number;
  lambda: number;
  delta: number;
}

/**
 * The 72-point grid: 4 learning rates x 3 clip norms x 3 lookup weights x 2 Huber deltas [all unknown in GN; our
 * ranges]. Delta applies to the scored error: sums and differences in sumScale units (hundreds), counts in raw
 * units; for sums 1 is near an absolute loss and 10 near a squared one, for counts both are near absolute.
 */
export const GRID_VALUES = { learningRate: [0.001, 0.003, 0.01, 0.03], clipNorm: [1, 10, 100], lambda: [10, 50, 100], delta: [1, 10] };

/** The grid in a fixed shuffled order (seeded), so the first n points of any budget are a random subset of all 72. */
export function hyperGrid(): GridPoint[] {
  const all: GridPoint[] = [];
  for (const learningRate of GRID_VALUES.learningRate)
    for (const clipNorm of GRID_VALUES.clipNorm)
      for (const lambda of GRID_VALUES.lambda)
        for (const delta of GRID_VALUES.delta) all.push({ learningRate, clipNorm, lambda, delta });
  const r = uniformStream("np-grid-order");
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [all[i], all[j]] = [all[j], all[i]];
  }
  return all;
}

export interface NPConfig {
  tasks: TaskKind[];
  arms: Arm[];
  /** First this many points of hyperGrid() (paper: 72). */
  gridPoints: number;
  /** Initialisations per grid point (paper: 3). */
  seeds: number;
  steps: number;
  /** Base batch (GN 4.6: 50 in the best runs); the batch arms override it. */
  batchSize: number;
  hidden: number;
  initStd: number;
  /** Eq. 1 for the noisy arms (GN 4.3: eta 1.0, gamma 0.55). */
  eta: number;
  gamma: number;
  /** Weight noise's starting variance (GN 4.6: "as low as 1e-6"). */
  weightEta: number;
  /** Fixed noise: variance log-uniform in this range, drawn per grid point (GN 4.6: [1e-4, 0.1]). */
  fixedVariance: [number, number];
  dropout: number;
  trainSize: number;
  testSize: number;
  evalEvery: number;
  tolerance: number;
  /**
   * Sums and differences are scored in units of this (the training values' range). With the literal loss (1)
   * sums in the thousands swamp counts and lookups: in a pilot (lr 0.01, clip 10, lambda 50, delta 10, 1500
   * steps) it reached 49-57% test accuracy and got no count question right; at 100, 69-74%, every
   * one-condition question right.
   */
  sumScale: number;
  form: "short" | "verbose" | "mixed";
}

const BASE = { batchSize: 50, eta: 1, gamma: 0.55, weightEta: 1e-6, fixedVariance: [1e-4, 0.1] as [number, number], dropout: 0.2, tolerance: 0.01, sumScale: 100, initStd: 0.1, form: "short" as const };

export const NP_CONFIGS: Record<Scale, NPConfig> = {
  smoke: { ...BASE, tasks: ["single"], arms: ["no noise", "noise"], gridPoints: 1, seeds: 1, steps: 6, hidden: 8, trainSize: 200, testSize: 20, evalEvery: 3 },
  // Sized by measured cost (docs/performance.md, "Neural Programmer"): 150 steps of batch 50 plus one test
  // pass took 12-17 s on one WASM thread with the machine ~4x oversubscribed, so a 1500-step run takes
  // <= ~150 s (batch 25 and 10 run the same 1500 updates on fewer questions: less). 8 of the 72 grid points x 2 seeds:
  // single column (7 arms, 112 runs) ~6 core-hours, Table 3 (2 tasks x 4 arms, 128 runs) ~5.3 core-hours:
  // about 3 h on both cores per table. Two whole runs side by side under heavier load took 261-274 s, which
  // would make it ~5 h per table: the cost lies between these (docs/performance.md).
  cpu: { ...BASE, tasks: [...TASK_KINDS], arms: [...ARMS], gridPoints: 8, seeds: 2, steps: 1500, hidden: 32, trainSize: 20000, testSize: 200, evalEvery: 150 },
  paper: { ...BASE, tasks: [...TASK_KINDS], arms: [...ARMS], gridPoints: 72, seeds: 3, steps: 20000, hidden: 64, trainSize: 50000, testSize: 1000, evalEvery: 500 },
};

export interface NPRunSpec {
  key: string;
  task: TaskKind;
  arm: Arm;
  grid: number;
  seedIndex: number;
  /** Model seed: the same for a grid point and seed in every arm (pairs). */
  seed: number;
}

export interface NPRunRecord extends NPRunSpec {
  fingerprint?: string;
  scale: Scale;
  hyper: GridPoint;
  batchSize: number;
  noise: NoiseSetting;
  dropout: number;
  steps: number;
  testSize: number;
  finalAccuracy: number;
  /** 100% test accuracy (GN 4.3's "perfect" run). */
  perfect: boolean;
  diverged: boolean;
  curve: { evalStep: number[]; testAccuracy: number[]; loss: number[] };
  seconds: number;
  engine: string;
  date: string;
}

/** Every run at `cfg`: task, arm, grid point, seed. */
export function planNPRuns(cfg: NPConfig): NPRunSpec[] {
  const badTask = cfg.tasks.filter((t) => !TASK_KINDS.includes(t));
  if (badTask.length) throw new RangeError(`neural-programmer: unknown task(s) ${badTask.join(", ")}; have ${TASK_KINDS.join(", ")}`);
  const badArm = cfg.arms.filter((a) => !ARMS.includes(a));
  if (badArm.length) throw new RangeError(`neural-programmer: unknown arm(s) ${badArm.join(", ")}; have ${ARMS.join(", ")}`);
  if (!(Number.isInteger(cfg.gridPoints) && cfg.gridPoints >= 1 && cfg.gridPoints <= 72)) throw new RangeError(`neural-programmer: gridPoints must be in 1..72, got ${cfg.gridPoints}`);
  if (!(Number.isInteger(cfg.seeds) && cfg.seeds >= 1)) throw new RangeError(`neural-programmer: seeds must be a positive integer, got ${cfg.seeds}`);
  const specs: NPRunSpec[] = [];
  const spec = (task: TaskKind, arm: Arm, grid: number, s: number): NPRunSpec => ({ key: `${task}/${arm}/g${grid}/s${s}`, task, arm, grid, seedIndex: s, seed: 1000 * (grid + 1) + s + 1 });
  // The order runs are trained in (keys do not depend on it): per task, the headline pair (no noise, noise) first,
  // interleaved over grid points and seeds, so a sweep stopped early has already paired runs; then the other arms.
  for (const task of TASK_KINDS.filter((t) => cfg.tasks.includes(t))) {
    const arms = ARMS_OF[task].filter((a) => cfg.arms.includes(a));
    const lead = arms.filter((a) => a === "no noise" || a === "noise");
    for (let grid = 0; grid < cfg.gridPoints; grid++)
      for (let s = 0; s < cfg.seeds; s++) for (const arm of lead) specs.push(spec(task, arm, grid, s));
    for (const arm of arms.filter((a) => !lead.includes(a)))
      for (let grid = 0; grid < cfg.gridPoints; grid++) for (let s = 0; s < cfg.seeds; s++) specs.push(spec(task, arm, grid, s));
  }
  return specs;
}

/** Fixed noise's variance at grid point `grid`: log-uniform in the configured range, one draw per grid point (the same for every seed). */
export function fixedVarianceAt(cfg: NPConfig, grid: number): number {
  const [lo, hi] = cfg.fixedVariance;
  const u = uniformStream("np-fixed-variance", grid)();
  return Math.exp(Math.log(lo) + u * (Math.log(hi) - Math.log(lo)));
}

export function noiseOf(arm: Arm, cfg: NPConfig, grid: number): NoiseSetting {
  if (arm === "noise" || arm === "dropout + noise") return { kind: "annealed", eta: cfg.eta, gamma: cfg.gamma };
  if (arm === "fixed noise") return { kind: "fixed", variance: fixedVarianceAt(cfg, grid) };
  if (arm === "weight noise") return { kind: "weight", eta: cfg.weightEta, gamma: cfg.gamma };
  return { kind: "none" };
}

const batchOf = (arm: Arm, cfg: NPConfig) => (arm === "batch 10" ? 10 : arm === "batch 25" ? 25 : cfg.batchSize);

/** The data seed of a task: every run of a sweep sees the same questions. */
export const DATA_SEED = 4300;

/** One run: a fresh model trained as the spec's arm says; test accuracy with hard selection. */
export async function trainNPRun(spec: NPRunSpec, cfg: NPConfig, ctx: Pick<RunContext, "scale" | "onStep">): Promise<NPRunRecord> {
  const hyper = hyperGrid()[spec.grid];
  const task = { ...defaultTask(spec.task), form: cfg.form };
  const noise = noiseOf(spec.arm, cfg, spec.grid);
  const dropout = spec.arm.startsWith("dropout") ? cfg.dropout : 0;
  const batchSize = batchOf(spec.arm, cfg);
  // Same number of updates in every arm, as the NRAM section does: Eq. 1's variance is indexed by the update
  // count, so the arms share the noise and learning-rate clock; smaller batches then see fewer questions (stated).
  const steps = cfg.steps;
  const { model, vocab } = modelFor(task, { hidden: cfg.hidden, initStd: cfg.initStd, seed: spec.seed });
  try {
    const h = await trainNeuralProgrammer(model, vocab, {
      task, dataSeed: DATA_SEED, seed: spec.seed, hidden: cfg.hidden, initStd: cfg.initStd, steps, batchSize,
      learningRate: hyper.learningRate, clipNorm: hyper.clipNorm, lambda: hyper.lambda, delta: hyper.delta, sumScale: cfg.sumScale,
      noise, dropout, trainSize: cfg.trainSize, testSize: cfg.testSize,
      evalEvery: cfg.evalEvery, tolerance: cfg.tolerance,
      onStep: ctx.onStep,
    });
    return {
      ...spec, scale: ctx.scale, hyper, batchSize, noise, dropout, steps, testSize: cfg.testSize,
      finalAccuracy: h.finalAccuracy, perfect: h.finalAccuracy === 1, diverged: h.diverged,
      curve: { evalStep: h.evalStep, testAccuracy: h.testAccuracy, loss: h.loss },
      seconds: h.seconds, engine: deviceLine(), date: new Date().toISOString(),
    };
  } finally {
    model.dispose();
  }
}
