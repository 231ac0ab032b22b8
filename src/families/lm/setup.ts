/**
 * What a language-model run is, as the LM sections describe it: LMSetup
 * holds everything a run depends on besides its seed (so a record carries
 * it and an identical run can be found), and ZAREMBA_SMALL is the base most
 * sections vary.
 */
import type { CorpusName } from "../../data/corpus";
import type { DropoutConfig, HiddenNoiseConfig } from "../../models/hidden-noise";
import type { CellKind } from "../../models/recurrent-layer";

/**
 * One language-model run as the registered experiments describe it (GN
 * Section 4.6, NOISIN Tables 2-3 and Figure 2, and the noise comparison):
 * everything a run depends on besides its seed, so a record can carry it.
 */
export interface LMSetup {
  corpus: CorpusName;
  cell: CellKind;
  layers: number;
  hidden: number;
  /** Uniform init half-width (Zaremba small: 0.1). */
  initScale: number;
  dropout: DropoutConfig | null;
  /** NOISIN hidden-state noise (002, Section 3), or null. */
  hiddenNoise: HiddenNoiseConfig | null;
  /** Annealed gradient noise (GN Eq. 1: variance eta / (1 + t)^gamma), or null. */
  gradientNoise: { eta: number; gamma: number } | null;
  optimizer: "sgd" | "adam";
  lr: number;
  /** Zaremba's per-epoch decay after `decayAfter` epochs, or null for a fixed lr. */
  lrDecay: number | null;
  decayAfter: number;
  clip: number | null;
  loss: "time-summed" | "mean";
  batch: number;
  steps: number;
  epochs: number;
  /** Fraction of the training windows each epoch visits (the same first windows every epoch); 1 = the whole corpus. */
  trainFraction: number;
  /** The per-epoch validation curve uses the first this many validation tokens (null: all). */
  curveValidTokens: number | null;
  /** The final validation and test perplexities use the first this many tokens of each split (null: all). */
  evalTokens: number | null;
  evalBatch: number;
  evalSteps: number;
}

/**
 * Zaremba et al.'s "small" PTB model and protocol (2 x 200 LSTM, init ±0.1,
 * SGD at lr 1 halved every epoch after the 4th, global-norm clip 5, 20 x 20
 * BPTT windows, 13 epochs, loss summed over time): the shared base of Section
 * 4.6, the noise comparison and, with its corpus swapped, NOISIN's Table 3.
 */
export const ZAREMBA_SMALL: LMSetup = {
  corpus: "ptb", cell: "lstm", layers: 2, hidden: 200, initScale: 0.1, dropout: null, hiddenNoise: null, gradientNoise: null,
  optimizer: "sgd", lr: 1, lrDecay: 0.5, decayAfter: 4, clip: 5, loss: "time-summed", batch: 20, steps: 20, epochs: 13,
  trainFraction: 1, curveValidTokens: null, evalTokens: null, evalBatch: 10, evalSteps: 35,
};
