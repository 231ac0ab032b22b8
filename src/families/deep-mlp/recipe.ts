/**
 * The deep-MLP recipe that Section 3's plateau demo (the method section) and
 * Section 4.1's Table 1 (the deep-mlp section) share: a fresh ReLU network
 * of `depth` hidden layers of `width` units, plain SGD with clipping and, in
 * the noisy rows, annealed gradient noise added after clipping (Eq. 1),
 * trained by train/classifier.ts and judged by the one divergence rule.
 * Each section supplies its data and says how its rows differ.
 */
import type { Dataset } from "../../data/dataset";
import { deviceLine } from "../../engine/device";
import type { InitScheme } from "../../models/init";
import { MLP } from "../../models/mlp";
import { trainClassifier, TrainHistory } from "../../train/classifier";
import { lossDiverged } from "../../train/divergence";
import { buildOptimizer, OptimizerSpec } from "../../train/optimizer";

export interface MlpRunSetup {
  depth: number;
  width: number;
  init: InitScheme;
  /** Initial weights, data order, dropout masks; the noise's seed is the optimizer's. */
  seed: number;
  /** Hidden-layer dropout rate (absent: none). */
  dropout?: number;
  /** Learning rate, clipping, gradient noise. */
  optimizer: OptimizerSpec;
  steps: number;
  batchSize: number;
  /** Test accuracy every this many steps (and at the end). */
  evalEvery: number;
  /** Training loss every this many steps (default 10). */
  logEvery?: number;
}

export interface MlpRunOutcome {
  history: TrainHistory;
  /** After the last step. */
  testAccuracy: number;
  /** train/divergence.ts's rule on the loss curve. */
  diverged: boolean;
  seconds: number;
  engine: string;
  date: string;
}

/** Trains a fresh MLP on `data.train` as `s` says, evaluating on `data.test`; frees its tensors even when interrupted. */
export async function trainMlpRun(s: MlpRunSetup, data: { train: Dataset; test: Dataset }, onStep?: (step: number, steps: number) => void): Promise<MlpRunOutcome> {
  const model = new MLP({ inputSize: data.train.features, hidden: Array(s.depth).fill(s.width), outputSize: data.train.classes, init: s.init, seed: s.seed, dropout: s.dropout });
  const opt = buildOptimizer(s.optimizer);
  let history: TrainHistory;
  try {
    history = await trainClassifier(model, opt, data.train, {
      steps: s.steps,
      batchSize: s.batchSize,
      seed: s.seed,
      logEvery: s.logEvery,
      evalData: data.test,
      evalEvery: s.evalEvery,
      onProgress: onStep && ((p) => onStep(p.step, p.steps)),
    });
  } finally {
    opt.dispose();
    model.dispose();
  }
  return {
    history,
    testAccuracy: history.evalAccuracy[history.evalAccuracy.length - 1],
    diverged: lossDiverged(history.loss, data.train.classes),
    seconds: history.elapsedMs / 1000,
    engine: deviceLine(),
    date: new Date().toISOString(),
  };
}
