/**
 * NOISIN Table 3 (shared/papers/002, Section 4): a 2-layer, 200-unit LSTM
 * on WikiText-2, NOISIN vs no regulariser; the paper: test perplexity 104.7
 * vs 105.8. Given: SGD lr 1, batch 32, global clip 5, lr halved every epoch
 * after epoch 4, NOISIN's Gaussian std learned with a floor of 0.1. Unknown
 * and chosen (shared/protocols/language-models.md): BPTT length 20 and init
 * +-0.1 (Zaremba's small model, the same size), the learned std's start
 * (0.2: softplus(rho) starts at 0.1 above the floor), the epochs (paper
 * scale 13, Zaremba small's). Loss summed over time steps (Zaremba).
 *
 * cpu: 4 epochs over the same first 4% of the training windows (83k tokens
 * per epoch), the curve on 20,000 validation tokens, the final perplexities
 * on the first 50,000 tokens of validation and of test (the full splits
 * would add ~10 min per run, with WikiText-2's 33,278-word softmax); 2 rows x
 * 3 seeds = 6 runs (measured speeds and costs: docs/performance.md). The lr
 * decay (after epoch 4) does not start within 4 epochs.
 */
import { lmRun, LMRunRecord, LMSetup, ZAREMBA_SMALL } from "../../families/lm";
import type { Scale } from "../../experiments/scale";

export type Wt2Setting = "NOISIN" | "none";
export const WT2_SETTINGS: readonly Wt2Setting[] = ["NOISIN", "none"];

export interface Wt2Config {
  base: LMSetup;
  /** The learned std's start and floor. */
  gammaStart: number;
  gammaFloor: number;
  settings: Wt2Setting[];
  seeds: number;
}

// Zaremba's small protocol on WikiText-2 with NOISIN's batch of 32.
const WT2: LMSetup = { ...ZAREMBA_SMALL, corpus: "wikitext2", batch: 32 };

export const WT2_CONFIGS: Record<Scale, Wt2Config> = {
  smoke: { base: { ...WT2, hidden: 12, batch: 4, steps: 5, epochs: 2, trainFraction: 0.00004, curveValidTokens: 300, evalTokens: 300, evalBatch: 4, evalSteps: 10 }, gammaStart: 0.2, gammaFloor: 0.1, settings: [...WT2_SETTINGS], seeds: 2 },
  // See the module comment: 4% of WikiText-2 x 4 epochs, final on 50k tokens per split, 3 seeds, ~36 min per run.
  cpu: { base: { ...WT2, epochs: 4, trainFraction: 0.04, curveValidTokens: 20000, evalTokens: 50000 }, gammaStart: 0.2, gammaFloor: 0.1, settings: [...WT2_SETTINGS], seeds: 3 },
  paper: { base: WT2, gammaStart: 0.2, gammaFloor: 0.1, settings: [...WT2_SETTINGS], seeds: 3 },
};

/** The paper's Table 3 (test perplexity). */
export const NOISIN_TABLE3: Readonly<Record<Wt2Setting, number>> = { NOISIN: 104.7, none: 105.8 };

export interface Wt2Spec {
  key: string;
  condition: Wt2Setting;
  seed: number;
}

export interface Wt2Record extends Wt2Spec, LMRunRecord {}

export function planWt2(c: Wt2Config): Wt2Spec[] {
  return c.settings.flatMap((s) => Array.from({ length: c.seeds }, (_, i) => ({ key: `${s}/seed${i + 1}`, condition: s, seed: i + 1 })));
}

export function wt2Setup(spec: Pick<Wt2Spec, "condition">, c: Wt2Config): LMSetup {
  return { ...c.base, hiddenNoise: spec.condition === "NOISIN" ? { gamma: c.gammaStart, learned: true, floor: c.gammaFloor } : null };
}

/** One run: the family's LM run (train, evaluate, record; or an identical finished run copied) of this row's setup. */
export const runWt2 = lmRun<Wt2Spec, Wt2Config>(wt2Setup);
