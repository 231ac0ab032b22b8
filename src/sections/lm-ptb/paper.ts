/**
 * Section 4.6 of the revised paper (shared/papers/001): a 2-layer, 200-unit
 * LSTM language model on PTB with Zaremba et al.'s setup and dropout, with
 * annealed gradient noise (Eq. 1) at eta 0.001 and 0.01. The paper's
 * perplexities (it does not say whether validation or test): 95 without
 * noise, 95 at eta 0.001, 98 at eta 0.01; without dropout it reports "the
 * same" lack of improvement, without numbers.
 */
export const SECTION46_PERPLEXITY: Readonly<Record<string, number>> = { "0": 95, "0.001": 95, "0.01": 98 };

