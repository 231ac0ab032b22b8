/**
 * Section 3's claim in miniature: a deep ReLU network initialised at zero
 * (Table 1, Experiment 6's "Bad Init") cannot leave its starting plateau with
 * plain SGD: every hidden activation and every weight gradient is zero, so only
 * the output bias learns and accuracy stays at the majority-class rate. The
 * same network with annealed gradient noise added after clipping (Eq. 1)
 * breaks the symmetry and learns.
 */
import { Dataset } from "../../data/dataset";
import { gaussianClusters } from "../../data/synthetic";
import type { TrainHistory } from "../../train/classifier";
import { trainMlpRun } from "../../families/deep-mlp";
import type { RunContext } from "../../experiments/contract";
import type { Scale } from "../../experiments/scale";

export interface PlateauConfig {
  depth: number;
  width: number;
  steps: number;
  batchSize: number;
  learningRate: number;
  clipGlobalNorm: number;
  eta: number;
  gamma: number;
  /** One run per seed and setting. */
  seeds: number[];
  data: { train: number; test: number; features: number; classes: number; separation: number; seed: number };
}

export const PLATEAU_CONFIGS: Record<Scale, PlateauConfig> = {
  smoke: {
    depth: 4, width: 20, steps: 150, batchSize: 32, learningRate: 0.1, clipGlobalNorm: 10, eta: 0.01, gamma: 0.55,
    seeds: [1],
    data: { train: 1000, test: 500, features: 16, classes: 10, separation: 1.0, seed: 2016 },
  },
  // Depth 5 leaves the zero-init plateau after ~700-1300 steps in every seed we
  // tried (wasm, seeds 1-3); at depth 8-10 with eta 0.01 or 1.0 no run escaped
  // within 1500 steps, so deeper demos need the "paper" scale's step budget.
  cpu: {
    depth: 5, width: 50, steps: 2000, batchSize: 64, learningRate: 0.1, clipGlobalNorm: 10, eta: 0.01, gamma: 0.55,
    seeds: [1, 2, 3],
    data: { train: 4000, test: 2000, features: 16, classes: 10, separation: 1.0, seed: 2016 },
  },
  paper: {
    depth: 20, width: 50, steps: 20000, batchSize: 64, learningRate: 0.1, clipGlobalNorm: 10, eta: 0.01, gamma: 0.55,
    seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    data: { train: 10000, test: 5000, features: 16, classes: 10, separation: 1.0, seed: 2016 },
  },
};

export type PlateauSetting = "no noise" | "with noise";
export const PLATEAU_SETTINGS: readonly PlateauSetting[] = ["no noise", "with noise"];

export interface PlateauSpec {
  key: string;
  setting: PlateauSetting;
  seed: number;
}

export interface PlateauRecord extends PlateauSpec {
  fingerprint?: string;
  history: TrainHistory;
  testAccuracy: number;
  /** train/divergence.ts's rule on the loss curve; absent in records written before it was recorded. */
  diverged?: boolean;
  seconds: number;
  engine: string;
  date: string;
}

/** Seed by seed, each seed without then with noise. */
export function planPlateau(cfg: PlateauConfig): PlateauSpec[] {
  return cfg.seeds.flatMap((seed) => PLATEAU_SETTINGS.map((setting) => ({ key: `seed${seed}/${setting}`, setting, seed })));
}

export function plateauData(cfg: PlateauConfig): { train: Dataset; test: Dataset } {
  const d = cfg.data;
  const all = gaussianClusters({ n: d.train + d.test, features: d.features, classes: d.classes, separation: d.separation, seed: d.seed });
  const cut = d.train * d.features;
  return {
    train: { ...all, n: d.train, x: all.x.subarray(0, cut), y: all.y.subarray(0, d.train) },
    test: { ...all, n: d.test, x: all.x.subarray(cut), y: all.y.subarray(d.train) },
  };
}

/**
 * Test accuracy of always predicting the most frequent *training* class:
 * where a network that can only learn its output bias ends up.
 */
export function majorityRate(train: Dataset, test: Dataset): number {
  const counts = new Array(train.classes).fill(0);
  train.y.forEach((c) => counts[c]++);
  const top = counts.indexOf(Math.max(...counts));
  return test.y.filter((c) => c === top).length / test.n;
}

/** One zero-initialised network trained as `spec` says (the family's MLP recipe). */
export async function trainPlateauRun(spec: PlateauSpec, cfg: PlateauConfig, ctx: Pick<RunContext, "onStep"> & { data: { train: Dataset; test: Dataset } }): Promise<PlateauRecord> {
  const r = await trainMlpRun(
    {
      depth: cfg.depth, width: cfg.width, init: { kind: "zeros" }, seed: spec.seed,
      optimizer: { lr: cfg.learningRate, clip: { globalNorm: cfg.clipGlobalNorm }, noise: spec.setting === "with noise" ? { eta: cfg.eta, gamma: cfg.gamma, seed: spec.seed } : null },
      steps: cfg.steps, batchSize: cfg.batchSize, evalEvery: Math.max(1, Math.floor(cfg.steps / 10)),
    },
    ctx.data,
    ctx.onStep,
  );
  return { ...spec, history: r.history, testAccuracy: r.testAccuracy, diverged: r.diverged, seconds: r.seconds, engine: r.engine, date: r.date };
}
