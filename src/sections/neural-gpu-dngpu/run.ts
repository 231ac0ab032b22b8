/**
 * The DNGPU extension of Section 4.5 (not in the paper: GN tested only the
 * original Neural GPU): DNGPU (Freivalds & Liepins 2017) trained on short
 * binary multiplications and tested on long ones, each seed trained twice,
 * without noise and with Eq. 1 noise (eta 1.0, gamma 0.55, after clipping).
 * The arms share every seed (initial weights, batches, dropout masks), so they
 * differ only by the noise. DNGPU trains reliably without a curriculum or a
 * grid, so the trials are seeds of one setting, the code's.
 */
import { deviceLine } from "../../engine/device";
import { DNGPU, DNGPU_MODEL, DNGPU_TRAINING, DNGPUConfig, dngpuLearningRate, errorRates, randomExamples, trainDNGPU } from "../../families/neural-gpu";
import type { RunContext, RunRecord } from "../../experiments/contract";
import type { Scale } from "../../experiments/scale";

export const DNGPU_ARMS = ["none", "noise"] as const;
export type DNGPUArm = (typeof DNGPU_ARMS)[number];

export interface DNGPUSectionConfig {
  model: DNGPUConfig;
  /** Trials per arm (paired seeds). */
  seeds: number;
  steps: number;
  /** Padded lengths trained at every step (the code: 8 ... 41, operands up to 20 bits). */
  bins: number[];
  /** Examples per bin per step (the code: 32). */
  batchSize: number;
  /** Starting learning rate (the code: 0.01 x 48 / maps). */
  learningRate: number;
  /** Steps between the lr-cut and saturation-weight checks (the code: 200). */
  checkEvery: number;
  /** Dropout keep probability (the code: 0.9). */
  keep: number;
  /** Global-norm clip before the noise, both arms (GN clips before Eq. 1; DNGPU has none; unknown, so a config value). */
  clip: number | null;
  /** Test operand lengths; the last is the one the counts use (at least 10x the longest training operand). */
  testBits: number[];
  testExamples: number;
  testChunk: number;
  eta: number;
  gamma: number;
  arms: DNGPUArm[];
}

/** The longest training operand: the last bin's (its input is 2d + 1 long). */
export const trainOperandBits = (c: Pick<DNGPUSectionConfig, "bins">): number => Math.floor((c.bins[c.bins.length - 1] - 1) / 2);

const COMMON = { keep: DNGPU_TRAINING.keep, clip: 1, eta: 1, gamma: 0.55, arms: [...DNGPU_ARMS] };

export const DNGPU_CONFIGS: Record<Scale, DNGPUSectionConfig> = {
  // Seconds: proves the pipeline on every backend.
  smoke: {
    ...COMMON, model: { ...DNGPU_MODEL, maps: 6 }, seeds: 2, steps: 2, bins: [5, 7], batchSize: 2, learningRate: dngpuLearningRate(6), checkEvery: 1,
    testBits: [3, 30], testExamples: 4, testChunk: 4,
  },
  // Measured (wasm, one thread, this machine loaded by two other sweeps: load ~8 on 2 cores): the pilot, 16 maps, bins
  // 5, 9, 13 (operands 1..6 bits), 8 examples per bin, ran 200 steps in 60 s (0.30 s a step); a trial's tests (64
  // products at 6 and at 60 bits) took 0.6 s + 3.4 s. It learned, slowly: training digit error 48% -> 23%, loss
  // 1.17 -> 0.30, but 6-bit test digit error still 28% and 20-bit 47% after 200 steps; hence 1000 steps.
  // 1000 steps ~ 300 s per trial; 18 seeds x 2 arms = 36 trials ~ 3 h of one core, ~1.5 h of both.
  cpu: {
    ...COMMON, model: { ...DNGPU_MODEL, maps: 16 }, seeds: 18, steps: 1000, bins: [5, 9, 13], batchSize: 8, learningRate: dngpuLearningRate(16), checkEvery: 100,
    testBits: [6, 60], testExamples: 64, testChunk: 16,
  },
  // The code's bmul setting: 96 maps, bins to 41 (20-bit operands), 32 per bin, 20k steps; tests at 20 and 200 bits, as Table 5.
  paper: {
    ...COMMON, model: DNGPU_MODEL, seeds: 30, steps: DNGPU_TRAINING.steps, bins: DNGPU_TRAINING.bins, batchSize: DNGPU_TRAINING.batchSize,
    learningRate: dngpuLearningRate(DNGPU_MODEL.maps), checkEvery: DNGPU_TRAINING.checkEvery, testBits: [20, 200], testExamples: 256, testChunk: 32,
  },
};

export interface DNGPURunSpec {
  key: string;
  arm: DNGPUArm;
  seed: number;
}

export interface DNGPURunRecord extends DNGPURunSpec, RunRecord {
  scale: Scale;
  eta: number | null;
  maps: number;
  steps: number;
  bins: number[];
  /** Digit error at each test length (testBits order). */
  digitErrors: number[];
  sequenceErrors: number[];
  testBits: number[];
  /** Digit error at the longest test length: what the counts use. */
  testError: number;
  /** Mean training digit error over the last 10 steps. */
  trainError: number;
  /** Training cross-entropy every 10 steps. */
  loss: number[];
  lrCuts: number;
  skipped: number;
}

/** Every trial: seed, then arm (the arms of a pair share the seed). */
export function planDNGPURuns(c: DNGPUSectionConfig): DNGPURunSpec[] {
  if (!(Number.isInteger(c.seeds) && c.seeds >= 1)) throw new RangeError(`neural-gpu DNGPU: seeds must be a positive integer, got ${c.seeds}`);
  const bad = c.arms.filter((a) => !DNGPU_ARMS.includes(a));
  if (bad.length) throw new RangeError(`neural-gpu DNGPU: unknown arm(s) ${bad.join(", ")}; have ${DNGPU_ARMS.join(", ")}`);
  // Checked here, before any training: a bad test set would otherwise fail only after a whole run.
  if (!(c.testBits.length > 0 && c.testBits.every((d) => Number.isInteger(d) && d >= 1))) throw new RangeError(`neural-gpu DNGPU: testBits must be positive integers, at least one, got [${c.testBits.join(", ")}]`);
  if (!(Number.isInteger(c.testExamples) && c.testExamples >= 1 && Number.isInteger(c.testChunk) && c.testChunk >= 1)) throw new RangeError(`neural-gpu DNGPU: testExamples and testChunk must be positive integers, got ${c.testExamples}, ${c.testChunk}`);
  const specs: DNGPURunSpec[] = [];
  for (let s = 1; s <= c.seeds; s++) for (const arm of DNGPU_ARMS.filter((a) => c.arms.includes(a))) specs.push({ key: `s${s}/${arm}`, arm, seed: s });
  return specs;
}

/** Trains one trial and tests it at every test length. */
export async function trainDNGPURun(spec: DNGPURunSpec, c: DNGPUSectionConfig, ctx: Pick<RunContext, "scale" | "onStep">): Promise<DNGPURunRecord> {
  const model = new DNGPU(c.model, "dngpu", spec.seed);
  const eta = spec.arm === "noise" ? c.eta : null;
  try {
    const h = await trainDNGPU(model, {
      ...DNGPU_TRAINING, steps: c.steps, bins: c.bins, batchSize: c.batchSize, learningRate: c.learningRate, checkEvery: c.checkEvery, keep: c.keep,
      clip: c.clip, eta, gamma: c.gamma,
    }, ["dngpu", spec.seed], (done, total) => ctx.onStep?.(done, total));
    const rates = [];
    // Test sets depend on the length only: every trial and both arms see the same examples.
    for (const d of c.testBits) rates.push(await errorRates(model, randomExamples(c.testExamples, d, "neural-gpu-test"), c.testChunk));
    const tail = h.trainError.slice(-10);
    return {
      ...spec, scale: ctx.scale, eta, maps: c.model.maps, steps: c.steps, bins: c.bins,
      digitErrors: rates.map((r) => r.digitError), sequenceErrors: rates.map((r) => r.sequenceError), testBits: c.testBits,
      testError: rates[rates.length - 1].digitError, trainError: tail.length ? tail.reduce((a, b) => a + b, 0) / tail.length : 1,
      loss: h.loss.filter((_, i) => i % 10 === 9 || i === h.loss.length - 1), lrCuts: h.lrCuts.length, skipped: h.skipped,
      seconds: h.seconds, engine: deviceLine(), date: new Date().toISOString(),
    };
  } finally {
    model.dispose();
  }
}
