/**
 * Section 4.5, Table 5: Neural GPUs trained on short binary multiplications
 * and tested on long ones, over a grid of the hyperparameters the paper
 * varied (learning rate, initial scale, relaxation pull factor, curriculum
 * threshold, dropout), each grid point and seed trained twice: without noise
 * and with annealed noise (eta 1.0, gamma 0.55, after clipping). The two arms
 * share every seed (initial weights, batches, dropout masks), so they differ
 * only by the noise.
 */
import { deviceLine } from "../../engine/device";
import { errorRates, NeuralGPU, NeuralGPUConfig, ORIGINAL_MODEL, randomExamples, trainNeuralGPU } from "../../families/neural-gpu";
import type { RunContext, RunRecord } from "../../experiments/contract";
import type { Scale } from "../../experiments/scale";

export const ARMS = ["none", "noise"] as const;
export type Arm = (typeof ARMS)[number];

/** The grid axes; each a list of values (the paper: 3 values each, 729 points with its noise-scale axis; only dropout's values are printed, 6%, 9%, 13.5%). */
export interface Grid {
  learningRate: number[];
  initScale: number[];
  pullFactor: number[];
  threshold: number[];
  dropout: number[];
}

export interface NeuralGPUSectionConfig {
  model: NeuralGPUConfig;
  grid: Grid;
  /** Seeds per grid point (the paper's 7290 trials are, we infer, 10 x its 729 points; its sixth axis, its own noise scale, is replaced by Eq. 1 here, so `paper` runs 3^5 = 243 points x 30 seeds = 7290). */
  seeds: number;
  steps: number;
  batchSize: number;
  /** Training operands: 1..trainBits bits (the paper: 20). */
  trainBits: number;
  /** Where the curriculum bound starts (bits). */
  startBits: number;
  /** Test operand lengths; the last is the one Table 5 counts (the paper: 200 bits). */
  testBits: number[];
  testExamples: number;
  /** Evaluation chunk (examples per forward pass). */
  testChunk: number;
  adamEpsilon: number;
  clip: number;
  pull: number;
  checkEvery: number;
  eta: number;
  gamma: number;
  /** Which arms the sweep runs (default both). */
  arms: Arm[];
}

const PAPER_GRID: Grid = {
  learningRate: [0.001, 0.003, 0.01],
  initScale: [0.5, 1, 2],
  pullFactor: [1.1, 1.2, 2],
  threshold: [0.06, 0.12, 0.24],
  dropout: [0.06, 0.09, 0.135],
};

const COMMON = { adamEpsilon: 1e-4, clip: 1, pull: 5e-4, eta: 1, gamma: 0.55, arms: [...ARMS] };

export const NEURAL_GPU_CONFIGS: Record<Scale, NeuralGPUSectionConfig> = {
  // Seconds: proves the pipeline on every backend.
  smoke: {
    ...COMMON, model: { ...ORIGINAL_MODEL, maps: 4, rows: 2, relax: 2 },
    grid: { learningRate: [0.003], initScale: [1], pullFactor: [1.2], threshold: [0.12], dropout: [0.09] },
    seeds: 2, steps: 2, batchSize: 4, trainBits: 2, startBits: 1, testBits: [2, 20], testExamples: 4, testChunk: 4, checkEvery: 1,
  },
  // Measured after the step's speed-up (wasm, one thread, 2-core AMD EPYC, load 3-5 from other sweeps): a
  // 600-step trial with its tests took 51 s, a 2400-step one ~4-5 min under that load. 1200 steps ~ 100 s a
  // trial; 2^5 grid points x 3 seeds = 96 trials per arm ~ 2.7 h on one core; both arms ~ 2.7 h on both cores.
  // Pilots (grid points 0 and 16, no noise): at 600 steps the curriculum reached 3 of 4 bits, at 2400 all 4;
  // digit error at 4 bits 30% (600), 13-19% (2400); at 40 bits 48.5-48.7% every time (chance: 50%). No trial
  // at this size generalises to long operands, so Table 5's thresholds read 0 against 0 here; the short test
  // (the training lengths) is where noise can show an effect at this scale, and the summary compares it too.
  cpu: {
    ...COMMON, model: { ...ORIGINAL_MODEL, maps: 12, rows: 2, relax: 6 },
    grid: { learningRate: [0.003, 0.01], initScale: [1, 2], pullFactor: [1.2, 2], threshold: [0.12, 0.3], dropout: [0.06, 0.135] },
    seeds: 3, steps: 1200, batchSize: 16, trainBits: 4, startBits: 2, testBits: [4, 40], testExamples: 64, testChunk: 16, checkEvery: 20,
  },
  // The paper's setting at the original sizes: 20-bit training, 200-bit tests, 24 maps, 4 rows, 6 relaxation sets; 3^5 x 30 = 7290 trials per arm.
  paper: {
    ...COMMON, model: ORIGINAL_MODEL, grid: PAPER_GRID,
    seeds: 30, steps: 30000, batchSize: 64, trainBits: 20, startBits: 3, testBits: [20, 200], testExamples: 256, testChunk: 32, checkEvery: 200,
  },
};

export interface GridPoint {
  learningRate: number;
  initScale: number;
  pullFactor: number;
  threshold: number;
  dropout: number;
}

export interface NeuralGPURunSpec extends GridPoint {
  key: string;
  arm: Arm;
  /** Index of the grid point. */
  point: number;
  seed: number;
}

export interface NeuralGPURunRecord extends NeuralGPURunSpec, RunRecord {
  scale: Scale;
  eta: number | null;
  maps: number;
  rows: number;
  relax: number;
  steps: number;
  trainBits: number;
  /** Digit error at each test length (testBits order). */
  digitErrors: number[];
  sequenceErrors: number[];
  testBits: number[];
  /** Digit error at the longest test length: what Table 5 counts. */
  testError: number;
  finalBound: number;
  advances: number;
  /** Training loss every 10 steps. */
  loss: number[];
  skipped: number;
}

/** Grid points in a fixed order (the last axis varies fastest). */
export function gridPoints(g: Grid): GridPoint[] {
  const out: GridPoint[] = [];
  for (const learningRate of g.learningRate) for (const initScale of g.initScale) for (const pullFactor of g.pullFactor) for (const threshold of g.threshold) for (const dropout of g.dropout) out.push({ learningRate, initScale, pullFactor, threshold, dropout });
  return out;
}

/** Every trial: grid point, seed, then arm (the arms of a pair share the seed). */
export function planNeuralGPURuns(c: NeuralGPUSectionConfig): NeuralGPURunSpec[] {
  if (!(Number.isInteger(c.seeds) && c.seeds >= 1)) throw new RangeError(`neural-gpu: seeds must be a positive integer, got ${c.seeds}`);
  const bad = c.arms.filter((a) => !ARMS.includes(a));
  if (bad.length) throw new RangeError(`neural-gpu: unknown arm(s) ${bad.join(", ")}; have ${ARMS.join(", ")}`);
  const specs: NeuralGPURunSpec[] = [];
  gridPoints(c.grid).forEach((p, point) => {
    for (let s = 0; s < c.seeds; s++) {
      for (const arm of ARMS.filter((a) => c.arms.includes(a))) specs.push({ key: `p${point}/s${s}/${arm}`, arm, point, seed: 1000 * point + s + 1, ...p });
    }
  });
  return specs;
}

/** Trains one trial and tests it at every test length. */
export async function trainNeuralGPURun(spec: NeuralGPURunSpec, c: NeuralGPUSectionConfig, ctx: Pick<RunContext, "scale" | "onStep">): Promise<NeuralGPURunRecord> {
  const model = new NeuralGPU({ ...c.model, initScale: spec.initScale }, spec.seed);
  const eta = spec.arm === "noise" ? c.eta : null;
  try {
    const h = await trainNeuralGPU(model, {
      steps: c.steps, batchSize: c.batchSize, learningRate: spec.learningRate, adamEpsilon: c.adamEpsilon, clip: c.clip, dropout: spec.dropout,
      pull: c.pull, pullFactor: spec.pullFactor, checkEvery: c.checkEvery, eta, gamma: c.gamma,
      curriculum: { minBits: 1, maxBits: c.trainBits, startBits: c.startBits, threshold: spec.threshold, pHarder: 0.6, pAnywhere: 0.25 },
    }, [spec.seed], (done, total) => ctx.onStep?.(done, total));
    const rates = [];
    // Test sets depend on the length only: every trial and both arms see the same examples.
    for (const d of c.testBits) rates.push(await errorRates(model, randomExamples(c.testExamples, d, "neural-gpu-test"), c.testChunk));
    return {
      ...spec, scale: ctx.scale, eta, maps: c.model.maps, rows: c.model.rows, relax: c.model.relax, steps: c.steps, trainBits: c.trainBits,
      digitErrors: rates.map((r) => r.digitError), sequenceErrors: rates.map((r) => r.sequenceError), testBits: c.testBits,
      testError: rates[rates.length - 1].digitError, finalBound: h.finalBound, advances: h.advances.length,
      loss: h.loss.filter((_, i) => i % 10 === 9 || i === h.loss.length - 1), skipped: h.skipped,
      seconds: h.seconds, engine: deviceLine(), date: new Date().toISOString(),
    };
  } finally {
    model.dispose();
  }
}
