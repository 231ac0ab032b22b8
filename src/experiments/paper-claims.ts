/**
 * The claims ledger's catalog: every claim the two papers make, one line
 * each in our words, with the paper's number(s) as it prints them. Data about
 * the papers only (it names the papers' sections, never ours): sections link
 * to it by id (ExperimentSpec.claims, EffectClaim.claimId), and the ledger
 * (ledger.ts) puts our verdicts beside each entry. Ids are stable: other
 * code and documents cite them.
 *
 * Sources: GN = shared/papers/001 (Neelakantan et al., revised version),
 * NOISIN = shared/papers/002.
 */
import type { Claim } from "./contract";

export type Paper = "GN" | "NOISIN";

export interface PaperClaim {
  /** "<paper>-<section>-<slug>", e.g. "gn-4.3-five-columns". */
  id: string;
  paper: Paper;
  /** The paper's section ("4.3"), or "summary" for the abstract's and introduction's headline findings. */
  section: string;
  /** The claim in one line, in our words. */
  text: string;
  /** The paper's number(s) for it, as a short string ("no number" when it gives none). */
  paperValue: string;
  /** A headline finding that restates another entry (its id): the ledger shows that entry's verdicts for it. */
  restates?: string;
}

const gn = (section: string, slug: string, text: string, paperValue: string, restates?: string): PaperClaim => ({
  id: `gn-${section}-${slug}`, paper: "GN", section, text, paperValue, ...(restates ? { restates } : {}),
});
const noisin = (section: string, slug: string, text: string, paperValue: string): PaperClaim => ({ id: `noisin-${section}-${slug}`, paper: "NOISIN", section, text, paperValue });

/** Every claim, in paper order (GN's headline findings first, then by section; then NOISIN). */
export const PAPER_CLAIMS: readonly PaperClaim[] = [
  // GN abstract and introduction: the three headline findings and the robustness remark.
  gn("summary", "20-layer-poor-init", "Noise lets plain SGD train a 20-layer ReLU network on MNIST from a poor (zero) initialisation", "Table 1, Exp. 6: avg 10.1% -> 49.7%, best 11.4% -> 94.5%", "gn-4.1-zero-init-rescue"),
  gn("summary", "qa-72pct", "Noise cuts Neural Programmer's question-answering error by 72% (relative)", "five columns: error 4.7% -> 1.3%", "gn-4.3-five-columns"),
  gn("summary", "binary-multiplication-twice", "Noise doubles the number of accurate Neural GPU binary-multiplication models", "error < 1%: 28 -> 58 of 7290", "gn-4.5-table5-1pct"),
  gn("summary", "rarely-hurts", "Where noise does not improve a model, it rarely hurts generalisation much", "no number"),
  // 4.1, Table 1: a 20x50 ReLU MLP on MNIST, plain SGD, averages over 40 runs (20 at lr 0.1, 20 at lr 0.01).
  gn("4.1", "simple-init-gains", "From Simple Init without clipping, noise raises average and best test accuracy (Exp. 1)", "avg 43.1% -> 52.7%; best 89.9% -> 96.7%"),
  gn("4.1", "clipping", "With gradient clipping (100, 10) noise still helps, and is insensitive to the threshold (Exp. 2-3)", "avg 46.3% -> 52.3% (clip 100), 51.6% -> 53.6% (clip 10)"),
  gn("4.1", "good-inits-unaffected", "From good ReLU initialisations (Sussillo; He) noise does not help (Exp. 4-5)", "avg 92.1% -> 92.2%, 91.7% -> 91.7%"),
  gn("4.1", "zero-init-rescue", "From zero initialisation plain SGD fails to learn; with noise the network learns (Exp. 6)", "avg 10.1% -> 49.7%; best 11.4% -> 94.5%"),
  gn("4.1", "dropout-fails", "Dropout without noise does not rescue Simple Init training (Exp. 1)", "best 11.3%, avg 10.8%"),
  gn("4.1", "shallow-no-gain", "On a 5-layer network noise does not improve training", "no number"),
  // 4.2, Table 2: End-To-End Memory Networks on bAbI, lowest-training-error restart of 10.
  gn("4.2", "one-stage", "One-stage training (softmax attention, no warm start): noise lowers training and validation error", "train 10.5% -> 9.6%; valid 19.5% -> 16.6%"),
  gn("4.2", "two-stage", "Two-stage training (linear-attention warm start): noise lowers training and validation error slightly", "train 6.2% -> 5.9%; valid 10.9% -> 10.8%"),
  gn("4.2", "warm-start-helps", "The two-stage warm start lowers validation error", "valid 19.5% -> 10.9% (no noise)"),
  gn("4.2", "one-stage-gains-more", "Noise helps one-stage training more than two-stage", "valid gain 2.9 vs 0.1 points"),
  // 4.3: Neural Programmer (eta 1.0, Adam).
  gn("4.3", "single-column-perfect", "Single numeric column: more runs reach 100% test accuracy with noise", "1/216 -> 9/216 runs"),
  gn("4.3", "single-column-dropout", "Single numeric column with dropout (no noise): no run reaches 100% test accuracy", "0/216 runs"),
  gn("4.3", "five-columns", "Five numeric columns (Table 3): noise raises the best model's accuracy, with and without dropout", "95.3% -> 98.7% (no dropout); 97.4% -> 99.2% (dropout)"),
  gn("4.3", "text-entries", "A numeric and a text column (Table 3): noise raises accuracy without dropout, not with it", "97.6% -> 98.8% (no dropout); 99.1% -> 97.3% (dropout)"),
  gn("4.3", "typical-run", "In a typical five-column run, the model trained with noise generalises better (Figure 2)", "curves, no number"),
  // 4.4, Table 4: NRAM, k-th element of a linked list, 3 hyperparameter settings x 100 seeds.
  gn("4.4", "listk-success", "NRAM on the k-th element task: far more random initialisations reach 100% accuracy with noise", "1.3% -> 11.3% of runs (per setting 1/0/3% -> 5/22/7%)"),
  // 4.5, Table 5: Neural GPU, binary multiplication (train length 20, test 200), 7290 grid-search trials.
  gn("4.5", "table5-1pct", "Neural GPU: over twice as many models reach test error < 1% with noise", "28 -> 58 of 7290"),
  gn("4.5", "table5-thresholds", "Neural GPU: more models reach each error threshold with noise", "< 2%: 90 -> 159; < 3%: 172 -> 282; < 5%: 387 -> 570 of 7290"),
  // 4.6, discussion: the annealing schedule, minibatch noise, weight noise, a negative result.
  gn("4.6", "memn2n-fixed-noise", "End-To-End Memory Networks: fixed noise (eta 0.001) gives nearly the annealed results, with more tuning", "nearly identical (no number)"),
  gn("4.6", "np-fixed-noise", "Neural Programmer: fixed noise reaches the best error in fewer runs than annealed noise", "5/216 vs 9/216 runs"),
  gn("4.6", "nram-fixed-noise", "NRAM: fixed noise never reaches the perfect error the annealed model reaches", "0 of 180 runs per setting"),
  gn("4.6", "np-batch-size", "Neural Programmer without noise: smaller batches (10, 25, 50) do not replace noise", "0 of 216 runs at each batch size reach the best error"),
  gn("4.6", "nram-batch-size", "NRAM without noise: smaller batches do not replace noise", "0-error tasks of 100: 2 (batch 50), 1 (10), 0 (25)"),
  gn("4.6", "np-weight-noise", "Neural Programmer: annealed weight noise (from 1e-6) fails to train", "lowest error 68%"),
  gn("4.6", "nram-weight-noise", "NRAM: annealed weight noise (from 1e-6) fails to train", "lowest error 57%"),
  gn("4.6", "ptb-lstm-dropout", "PTB language model (2x200 LSTM with dropout): noise does not improve test perplexity", "eta 0.01: 98 vs 95; eta 0.001: 95 vs 95"),
  gn("4.6", "ptb-lstm-no-dropout", "PTB language model without dropout: noise does not improve test perplexity either", "no number"),
  // NOISIN, Section 4: hidden-state noise for RNN language models.
  noisin("4", "table2-fixed-noise", "PTB RNNs (Table 2): NOISIN with a fixed noise level against no regularisation, per architecture", "lower in 3 of 6 architectures (e.g. 1-layer tanh 131.9 vs 141.4)"),
  noisin("4", "table2-learned-noise", "PTB RNNs (Table 2): NOISIN with a learned noise level against no regularisation; more stable than fixed", "lower in 5 of 6 architectures (e.g. 1-layer sigmoid 144.7 vs 157.4)"),
  noisin("4", "table2-dropout", "PTB RNNs (Table 2): variational dropout against no regularisation", "lower in 4 of 6 architectures (e.g. 1-layer tanh 138.3 vs 141.4)"),
  noisin("4", "table2-beats-dropout", "PTB RNNs (Table 2): NOISIN beats the deterministic RNN and dropout on all but one architecture", "5 of 6 architectures (best of NOISIN, NOISIN*)"),
  noisin("4", "table3-wikitext2", "WikiText-2, 2x200 LSTM (Table 3): NOISIN lowers test perplexity slightly", "104.7 vs 105.8"),
  noisin("4", "figure2-overfitting", "Figure 2: a deterministic 1-layer sigmoid RNN overfits after ~5 epochs while training loss falls; with NOISIN it does not", "curves, no number"),
];

/** The catalog entry `id`; a RangeError names the unknown id. */
export function paperClaim(id: string): PaperClaim {
  const c = PAPER_CLAIMS.find((x) => x.id === id);
  if (!c) throw new RangeError(`no paper claim "${id}" in the catalog (src/experiments/paper-claims.ts)`);
  return c;
}

/** A section's `claims` from catalog ids: the catalog's line for each (so a section cannot misquote or mistype one). */
export function claimsOf(...ids: string[]): Claim[] {
  return ids.map((id) => ({ id, text: paperClaim(id).text }));
}

/** Links to catalog claims that a section carries beyond the paper (`why`): shown beside them in the ledger, never counted for them. */
export function carriedClaims(why: string, ...ids: string[]): Claim[] {
  if (!why) throw new RangeError("carriedClaims: say what the claims are carried to (why)");
  return claimsOf(...ids).map((c) => ({ ...c, carried: why }));
}
