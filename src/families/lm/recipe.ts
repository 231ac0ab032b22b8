/**
 * The language-model recipe: a setup (setup.ts) and a seed -> a fresh RnnLM
 * trained on the corpus by train/lm.ts's trainer -> its outcome (final
 * validation and test perplexities with regularisers off, per-epoch curves).
 */
import { BpttStream } from "../../data/bptt";
import type { Corpus } from "../../data/corpus";
import { LMFormulation, RnnLM } from "../../models/rnn-lm";
import { evaluationWindows, LMTrainOptions, perplexity, trainLM } from "../../train/lm";
import type { LMSetup } from "./setup";

export interface LMOutcome {
  /** Final perplexities with regularisers off; null when the run diverged. */
  validPerplexity: number | null;
  testPerplexity: number | null;
  diverged: boolean;
  /** Per epoch: learning rate, training perplexity (regularisers on), validation perplexity (curve tokens). */
  epoch: number[];
  lr: number[];
  trainCurve: (number | null)[];
  validCurve: (number | null)[];
  /** Learned NOISIN gammas per layer after each epoch ([] without learned noise). */
  learnedGamma: number[][];
  windowsPerEpoch: number;
  tokensPerEpoch: number;
  parameters: number;
  trainSeconds: number;
  /**
   * The model's formulations (rnn-lm.ts). Not part of a run's fingerprint,
   * but the fused and taped recurrences drift apart over a run (~1% in
   * perplexity), so a table must not mix them; summaries check this.
   */
  formulation: LMFormulation;
}

const finiteOrNull = (x: number) => (Number.isFinite(x) ? x : null);
const head = (ids: Int32Array, n: number | null) => (n === null || n >= ids.length ? ids : ids.subarray(0, n));

/**
 * What one evaluation window costs in training windows, for progress and its
 * time estimate only: forward-only over 10 x 35 tokens against a training
 * step's forward and backward over 20 x 20 (measured on WASM, 2x200 LSTM:
 * 1,863 evaluation vs 687 training tokens/s, docs/performance.md "CPU speed beside PyTorch").
 */
const EVAL_WINDOW_COST = 1 / 3;

/**
 * Trains a fresh model as `s` says from `seed` on `corpus` and evaluates it.
 * `onProgress(done, total)` follows every training and evaluation window, in
 * units of training windows (an evaluation window counts EVAL_WINDOW_COST);
 * a resumed run first reports where its snapshot stood, with `restored` true.
 */
export async function runLMSetup(s: LMSetup, corpus: Pick<Corpus, "vocab" | "train" | "valid" | "test">, seed: number, onProgress?: (done: number, total: number, restored?: boolean) => void, checkpoint?: LMTrainOptions["checkpoint"]): Promise<LMOutcome> {
  if (!(s.trainFraction > 0 && s.trainFraction <= 1)) throw new RangeError(`runLMSetup: trainFraction must be in (0, 1], got ${s.trainFraction}`);
  const model = new RnnLM({ vocabSize: corpus.vocab.length, hidden: s.hidden, layers: s.layers, cell: s.cell, initScale: s.initScale, dropout: s.dropout, hiddenNoise: s.hiddenNoise, seed });
  try {
    const windows = new BpttStream(corpus.train, s.batch, s.steps).windows;
    const perEpoch = Math.max(1, Math.floor(s.trainFraction * windows));
    const curve = head(corpus.valid, s.curveValidTokens);
    const evalWindows = (ids: Int32Array) => evaluationWindows(ids, s.evalBatch, s.evalSteps);
    const total = s.epochs * perEpoch + EVAL_WINDOW_COST * (s.epochs * evalWindows(curve) + evalWindows(head(corpus.valid, s.evalTokens)) + evalWindows(head(corpus.test, s.evalTokens)));
    let done = 0;
    const onWindow = onProgress && ((kind: "train" | "eval") => onProgress((done += kind === "train" ? 1 : EVAL_WINDOW_COST), total));
    const h = await trainLM(model, corpus.train, {
      seed, epochs: s.epochs, batch: s.batch, steps: s.steps, optimizer: s.optimizer, lr: s.lr,
      lrDecay: s.lrDecay ?? undefined, decayAfter: s.decayAfter, clipGlobalNorm: s.clip,
      gradientNoise: s.gradientNoise, loss: s.loss, maxWindowsPerEpoch: perEpoch,
      valid: curve, evalBatch: s.evalBatch, evalSteps: s.evalSteps, onWindow, checkpoint,
      onResume: (steps, epochs) => {
        done += steps + EVAL_WINDOW_COST * epochs * evalWindows(curve);
        onProgress?.(done, total, true);
      },
    });
    const evaluate = async (ids: Int32Array) => (h.diverged ? null : finiteOrNull((await perplexity(model, head(ids, s.evalTokens), { batch: s.evalBatch, steps: s.evalSteps, onWindow: onWindow && (() => onWindow("eval")) })).perplexity));
    const validPerplexity = await evaluate(corpus.valid);
    const testPerplexity = await evaluate(corpus.test);
    return {
      validPerplexity, testPerplexity,
      diverged: h.diverged || validPerplexity === null || testPerplexity === null,
      epoch: h.epoch, lr: h.lr,
      trainCurve: h.trainPerplexity.map(finiteOrNull), validCurve: h.validPerplexity.map(finiteOrNull),
      learnedGamma: h.gamma, windowsPerEpoch: perEpoch, tokensPerEpoch: perEpoch * s.batch * s.steps,
      parameters: model.parameterCount, trainSeconds: h.seconds,
      formulation: { recurrence: model.config.recurrence, softmax: model.config.softmax, lookup: model.config.lookup },
    };
  } finally {
    model.dispose();
  }
}
