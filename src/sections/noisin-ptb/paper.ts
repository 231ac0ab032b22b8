/**
 * NOISIN (shared/papers/002, Section 4), Table 2: PTB test perplexity of
 * 1- and 2-layer RNNs with tanh, sigmoid and rectifier activations, trained
 * with NOISIN (fixed gamma), NOISIN* (learned gamma), dropout, or nothing.
 */
export type Activation = "tanh" | "sigmoid" | "relu";
export type Regulariser = "NOISIN" | "NOISIN*" | "dropout" | "none";
export const ACTIVATIONS: readonly Activation[] = ["tanh", "sigmoid", "relu"];
export const REGULARISERS: readonly Regulariser[] = ["NOISIN", "NOISIN*", "dropout", "none"];

/** TABLE2[layers][activation][regulariser]: the paper's test perplexity. */
export const NOISIN_TABLE2: Readonly<Record<number, Readonly<Record<Activation, Readonly<Record<Regulariser, number>>>>>> = {
  1: {
    tanh: { NOISIN: 131.9, "NOISIN*": 140.9, dropout: 138.3, none: 141.4 },
    sigmoid: { NOISIN: 166.0, "NOISIN*": 144.7, dropout: 146.9, none: 157.4 },
    relu: { NOISIN: 158.4, "NOISIN*": 149.2, dropout: 169.8, none: 175.3 },
  },
  2: {
    tanh: { NOISIN: 140.5, "NOISIN*": 142.4, dropout: 165.2, none: 157.9 },
    sigmoid: { NOISIN: 196.8, "NOISIN*": 154.3, dropout: 152.2, none: 164.4 },
    relu: { NOISIN: 171.0, "NOISIN*": 165.9, dropout: 168.5, none: 165.0 },
  },
};

