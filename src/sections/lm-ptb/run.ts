/**
 * Section 4.6 as runs: {with, without} dropout x eta in {0, 0.001, 0.01},
 * each on seeds 1..n. A seed fixes the initial weights, the dropout masks'
 * streams and the noise stream's name, so the rows of a seed differ only by
 * their setting, and runs pair by seed in the tests.
 *
 * Unknowns and choices (shared/protocols/language-models.md): Zaremba's
 * "small" model (2x200 LSTM, init +-0.1, batch 20, 20 steps, SGD lr 1, clip
 * 5, lr x0.5 per epoch after epoch 4, 13 epochs) plus dropout at an unstated
 * rate: ours is Zaremba's non-recurrent dropout at 0.5 (his medium model's
 * rate). gamma 0.55 as everywhere in GN. Evaluation in 10 rows x 35 steps
 * with the state carried across windows (Zaremba's test pass uses 1 row:
 * ours loses context only at the 10 row starts).
 *
 * Cost: cpu scale trains 4 epochs over the same first 8% of PTB's training
 * windows (74k tokens, 185 updates per epoch), the per-epoch validation
 * curve on the first 20,000 validation tokens, final validation and test
 * perplexity on the full splits: the full model and all 18 runs within a
 * few hours on 2 cores (measured: docs/performance.md). The lr decay (after epoch 4)
 * does not start within 4 epochs: the cpu rows all run at lr 1.
 */
import { lmRun, LMRunRecord, LMSetup, ZAREMBA_SMALL } from "../../families/lm";
import type { Scale } from "../../experiments/scale";

export type DropoutSetting = "dropout" | "no dropout";
export const DROPOUT_SETTINGS: readonly DropoutSetting[] = ["dropout", "no dropout"];

export interface LmPtbConfig {
  /** Everything but dropout and gradient noise (identical across rows). */
  base: LMSetup;
  dropoutRate: number;
  etas: number[];
  gamma: number;
  seeds: number;
  dropoutSettings: DropoutSetting[];
}


const ETAS = [0, 0.001, 0.01];

export const LM_PTB_CONFIGS: Record<Scale, LmPtbConfig> = {
  // Seconds: a 2x16 LSTM, 3 windows of 4 x 5 tokens per epoch, 400 evaluation tokens.
  smoke: { base: { ...ZAREMBA_SMALL, hidden: 16, batch: 4, steps: 5, epochs: 2, trainFraction: 0.00007, curveValidTokens: 400, evalTokens: 400, evalBatch: 4, evalSteps: 10 }, dropoutRate: 0.5, etas: ETAS, gamma: 0.55, seeds: 2, dropoutSettings: [...DROPOUT_SETTINGS] },
  // See the module comment: 8% of PTB x 4 epochs, full 2x200 model, 3 seeds, ~13 min per run.
  cpu: { base: { ...ZAREMBA_SMALL, epochs: 4, trainFraction: 0.08, curveValidTokens: 20000 }, dropoutRate: 0.5, etas: ETAS, gamma: 0.55, seeds: 3, dropoutSettings: [...DROPOUT_SETTINGS] },
  // Zaremba small's protocol with dropout 0.5: ~6 h per run on this machine; meant for a GPU.
  paper: { base: ZAREMBA_SMALL, dropoutRate: 0.5, etas: ETAS, gamma: 0.55, seeds: 3, dropoutSettings: [...DROPOUT_SETTINGS] },
};

export interface LmPtbSpec {
  key: string;
  condition: string;
  dropoutSetting: DropoutSetting;
  eta: number;
  seed: number;
}

export interface LmPtbRecord extends LmPtbSpec, LMRunRecord {}

export const conditionName = (d: DropoutSetting, eta: number) => `${d}, eta ${eta}`;

export function planLmPtb(c: LmPtbConfig): LmPtbSpec[] {
  const out: LmPtbSpec[] = [];
  for (const d of c.dropoutSettings) for (const eta of c.etas) for (let s = 1; s <= c.seeds; s++) out.push({ key: `${d === "dropout" ? "dropout" : "nodropout"}/eta=${eta}/seed${s}`, condition: conditionName(d, eta), dropoutSetting: d, eta, seed: s });
  return out;
}

/** The run's full setup: the base with this row's dropout and noise. */
export function lmPtbSetup(spec: LmPtbSpec, c: LmPtbConfig): LMSetup {
  return { ...c.base, dropout: spec.dropoutSetting === "dropout" ? { kind: "standard", rate: c.dropoutRate } : null, gradientNoise: spec.eta > 0 ? { eta: spec.eta, gamma: c.gamma } : null };
}

/** One run: the family's LM run (train, evaluate, record; or an identical finished run copied) of this row's setup. */
export const runLmPtb = lmRun<LmPtbSpec, LmPtbConfig>(lmPtbSetup);
