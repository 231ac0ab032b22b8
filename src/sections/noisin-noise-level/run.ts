/**
 * NOISIN Figure 2 (shared/papers/002, Section 3): a 1-layer sigmoid RNN of
 * 256 units on PTB, validation (left) and training (right) perplexity per
 * epoch, deterministic vs NOISIN; the paper reports that the deterministic
 * RNN overfits after about five epochs while its training perplexity keeps
 * falling, and the NOISIN one does not. The figure gives no noise level; we
 * run a sweep of gamma (0 is the deterministic RNN), which also gives the
 * noise-level curve (perplexity vs gamma) neither table shows.
 *
 * Protocol as Table 2's (Adam lr 0.001, fixed; BPTT 20 x 35; init +-0.05;
 * clip 5; see ../noisin-ptb/run.ts for the choices), the size Figure 2's.
 *
 * cpu: 8 epochs over the same first 4% of PTB's training windows (37k
 * tokens per epoch: a small training set overfits sooner, which is what
 * Figure 2 is about), the curve on 20,000 validation tokens, final
 * perplexities on the full splits; 6 gammas x 3 seeds = 18 runs, sized to
 * finish in hours on 2 cores (measured speeds and costs: docs/performance.md).
 */
import { lmRun, LMRunRecord, LMSetup } from "../../families/lm";
import type { Scale } from "../../experiments/scale";

export interface NoiseLevelConfig {
  base: LMSetup;
  /** NOISIN's additive gamma per row; 0 is the deterministic RNN. */
  gammas: number[];
  seeds: number;
}

const FIGURE2: LMSetup = {
  corpus: "ptb", cell: "sigmoid", layers: 1, hidden: 256, initScale: 0.05, dropout: null, hiddenNoise: null, gradientNoise: null,
  optimizer: "adam", lr: 0.001, lrDecay: null, decayAfter: 0, clip: 5, loss: "mean", batch: 20, steps: 35, epochs: 20,
  trainFraction: 1, curveValidTokens: null, evalTokens: null, evalBatch: 10, evalSteps: 35,
};
const GAMMAS = [0, 0.05, 0.1, 0.2, 0.4, 0.8];

export const NOISE_LEVEL_CONFIGS: Record<Scale, NoiseLevelConfig> = {
  smoke: { base: { ...FIGURE2, hidden: 12, batch: 4, steps: 5, epochs: 3, trainFraction: 0.00007, curveValidTokens: 300, evalTokens: 300, evalBatch: 4, evalSteps: 10 }, gammas: [0, 0.1, 0.4], seeds: 2 },
  // See the module comment: the full 256-unit model, 4% of PTB x 8 epochs, 3 seeds, ~9 min per run.
  cpu: { base: { ...FIGURE2, epochs: 8, trainFraction: 0.04, curveValidTokens: 20000 }, gammas: GAMMAS, seeds: 3 },
  paper: { base: FIGURE2, gammas: GAMMAS, seeds: 3 },
};

export interface NoiseLevelSpec {
  key: string;
  condition: string;
  gamma: number;
  seed: number;
}

export interface NoiseLevelRecord extends NoiseLevelSpec, LMRunRecord {}

export const gammaCondition = (g: number) => (g === 0 ? "deterministic (gamma 0)" : `NOISIN gamma ${g}`);

export function planNoiseLevel(c: NoiseLevelConfig): NoiseLevelSpec[] {
  return c.gammas.flatMap((gamma) => Array.from({ length: c.seeds }, (_, i) => ({ key: `gamma=${gamma}/seed${i + 1}`, condition: gammaCondition(gamma), gamma, seed: i + 1 })));
}

export function noiseLevelSetup(spec: Pick<NoiseLevelSpec, "gamma">, c: NoiseLevelConfig): LMSetup {
  return { ...c.base, hiddenNoise: spec.gamma > 0 ? { gamma: spec.gamma } : null };
}

/** One run: the family's LM run (train, evaluate, record; or an identical finished run copied) of this row's setup. */
export const runNoiseLevel = lmRun<NoiseLevelSpec, NoiseLevelConfig>(noiseLevelSetup);
