/**
 * Training and evaluating word-level language models (rnn-lm.ts) with
 * truncated BPTT (data/bptt.ts: the state carried, detached, across windows).
 *
 * Protocols: Zaremba et al. 2014 (and the gradient-noise paper's Section 4.6,
 * which takes their setup): SGD lr 1.0, the loss summed over the window's
 * time steps and averaged over the batch, global-norm clip 5, lr x0.5 per
 * epoch after epoch 4 (tensorflow/models ptb_word_lm: decay^max(epoch - 4, 0)
 * for 1-based epochs). NOISIN PTB (../shared/papers/002, Section 4): Adam at a
 * fixed lr 0.001. Gradient noise (Eq. 1) composes with either through
 * buildOptimizer: clip, then noise, then the optimiser.
 *
 * No synchronous reads: each step reads its loss with `await data()`, which
 * works on every backend, and the optimiser's own NaN probe (a dataSync) is
 * off; a non-finite loss marks the run diverged and ends its training.
 */
import { isDeepStrictEqual } from "util";
import * as tf from "@tensorflow/tfjs";
import { BpttStream, BpttWindow } from "../data/bptt";
import { Corpus, CorpusName, loadCorpus } from "../data/corpus";
import { deviceLine } from "../engine/device";
import type { DropoutConfig, HiddenNoiseConfig } from "../models/hidden-noise";
import { CellKind, DEFAULT_FORMULATION, disposeState, LMFormulation, LMState, RnnLM } from "../models/rnn-lm";
import { SeedPart } from "../random/rng";
import { lossDiverged } from "./divergence";
import { interruptSignal, throwIfInterrupted } from "./interrupt";
import { checkpointMismatch, disposeCheckpoint, loadCheckpoint, restoreCheckpoint, saveCheckpoint } from "./checkpoint";
import { runSteps } from "./loop";
import { buildOptimizer, setLearningRate } from "./optimizer";

/** Zaremba's schedule for 1-based `epoch`: lr * decay^max(epoch - after, 0). */
export function zarembaLearningRate(epoch: number, lr = 1, decay = 0.5, after = 4): number {
  return lr * Math.pow(decay, Math.max(epoch - after, 0));
}

export interface PerplexityResult {
  perplexity: number;
  /** Mean cross-entropy per predicted token (nats). */
  crossEntropy: number;
  tokens: number;
  /**
   * With `perStream`: the perplexity of each of the `batch` contiguous rows
   * the text is cut into (each carries its own state), in text order. One row
   * far above the rest is a model that fell into a state it never left.
   */
  streams?: number[];
}

/**
 * Perplexity of `ids` under `model` with regularisers off: exp of the mean
 * per-token cross-entropy over every window (the last shorter one included),
 * the state carried from window to window from zero. A full PTB split takes
 * minutes on one WASM thread, so like runSteps it yields every ~200 ms (a
 * notebook redraws; Kernel > Interrupt is seen and stops it) and reports
 * each window to `onWindow`. `perStream` also gives each row's perplexity
 * (per-token losses: the same number up to float summation order).
 */
export async function perplexity(model: RnnLM, ids: Int32Array, o: { batch?: number; steps?: number; perStream?: boolean; onWindow?: () => void; signal?: AbortSignal } = {}): Promise<PerplexityResult> {
  const stream = new BpttStream(ids, o.batch ?? 10, o.steps ?? 35, true);
  const signal = o.signal ?? interruptSignal();
  let state: LMState = model.zeroState(stream.batch);
  let total = 0;
  let tokens = 0;
  // Per row: summed nats (only with perStream; every row predicts the same number of tokens).
  const rowSums = o.perStream ? new Float64Array(stream.batch) : null;
  let lastYield = Date.now();
  try {
    for (const w of stream) {
      throwIfInterrupted(signal);
      const out = tf.tidy(() => {
        if (rowSums) {
          const r = model.tokenLosses(w.inputs, w.targets, w.batch, state, { training: false });
          return { sum: tf.sum(r.losses, 1) as tf.Tensor, state: keepState(r.state) };
        }
        const r = model.forward(w.inputs, w.targets, w.batch, state, { training: false });
        return { sum: tf.mul(r.loss, w.inputs.length) as tf.Tensor, state: keepState(r.state) };
      });
      disposeState(state);
      state = out.state;
      const sums = await out.sum.data();
      out.sum.dispose();
      if (rowSums) sums.forEach((v, r) => (rowSums[r] += v));
      else total += sums[0];
      tokens += w.inputs.length;
      o.onWindow?.();
      if (Date.now() - lastYield > 200) {
        await new Promise((r) => setImmediate(r));
        lastYield = Date.now();
      }
    }
  } finally {
    disposeState(state);
  }
  throwIfInterrupted(signal);
  if (rowSums) total = rowSums.reduce((a, v) => a + v, 0);
  const crossEntropy = total / tokens;
  const perRow = tokens / stream.batch;
  return { perplexity: Math.exp(crossEntropy), crossEntropy, tokens, ...(rowSums ? { streams: Array.from(rowSums, (v) => Math.exp(v / perRow)) } : {}) };
}

/** `s` kept past the enclosing tf.tidy (the state a window hands to the next). */
function keepState(s: LMState) {
  return { h: s.h.map((t) => tf.keep(t)), c: s.c.map((t) => tf.keep(t)) };
}

/** Windows `perplexity` makes of `ids` (for progress totals). */
export function evaluationWindows(ids: Int32Array, batch = 10, steps = 35): number {
  return new BpttStream(ids, batch, steps, true).windows;
}

/**
 * One truncated-BPTT update on `win` from `state` (disposed here): gradients
 * of the loss times `scale` (the window's steps for Zaremba's time-summed
 * loss), applied by `opt` (clip, noise, optimiser). Returns the mean
 * per-token cross-entropy as a tensor for the caller to read (await data())
 * and dispose, and the new, detached state.
 */
export function lmTrainStep(model: RnnLM, opt: tf.Optimizer, win: BpttWindow, state: LMState, key: SeedPart[], scale: number, vars: tf.Variable[] = model.trainableVariables): { loss: tf.Scalar; state: LMState } {
  let next: LMState | null = null;
  const loss = tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => {
      const r = model.forward(win.inputs, win.targets, win.batch, state, { training: true, key });
      next = keepState(r.state);
      return tf.mul(r.loss, scale) as tf.Scalar;
    }, vars);
    opt.applyGradients(grads);
    return tf.div(value, scale) as tf.Scalar;
  });
  disposeState(state);
  return { loss, state: next! };
}

export interface LMTrainOptions {
  /** Names the run's gradient-noise and regulariser streams. */
  seed: SeedPart;
  epochs: number;
  /** Zaremba: 20 x 20 (small), 20 x 35 (medium/large). */
  batch: number;
  steps: number;
  optimizer: "sgd" | "adam";
  /** Initial learning rate (Zaremba 1.0; NOISIN PTB Adam 0.001). */
  lr: number;
  /** Per-epoch decay factor after `decayAfter` epochs (Zaremba small: 0.5 after 4); default none. */
  lrDecay?: number;
  decayAfter?: number;
  /** Global-norm clip (Zaremba 5); null for none. Default 5. */
  clipGlobalNorm?: number | null;
  /** Eq. 1's eta (variance) and gamma (default 0.55), or null for no gradient noise. */
  gradientNoise?: { eta: number; gamma?: number } | null;
  /** "time-summed" (Zaremba: summed over steps, averaged over batch; default) or "mean" per token. */
  loss?: "time-summed" | "mean";
  /** At most this many windows per epoch (a corpus fraction for small scales); default all. */
  maxWindowsPerEpoch?: number;
  /** Validation split: perplexity after every epoch. */
  valid?: Int32Array;
  evalBatch?: number;
  evalSteps?: number;
  onEpoch?: (epoch: number, h: LMHistory) => void;
  /** After every window: a training window, or one of the per-epoch validation pass. */
  onWindow?: (kind: "train" | "eval") => void;
  /**
   * Snapshots of the run in `file` (checkpoint.ts): at every epoch's end
   * and every `everySeconds` (default 300) of training; a snapshot of the same
   * `identity` found at the start is resumed from. The caller removes the
   * file once the run's result is safe.
   */
  checkpoint?: { file: string; identity: string; everySeconds?: number };
  /** Called once when the run resumes from a snapshot: training steps and epochs already done. */
  onResume?: (steps: number, epochs: number) => void;
}

export interface LMHistory {
  epoch: number[];
  lr: number[];
  /** exp of the epoch's mean training cross-entropy (with regularisers on). */
  trainPerplexity: number[];
  validPerplexity: number[];
  /** Learned NOISIN gammas per layer after each epoch (empty without learned noise). */
  gamma: number[][];
  steps: number;
  diverged: boolean;
  seconds: number;
}

/** Where an LM run stands between steps, besides its tensors: what its snapshot (checkpoint.ts) keeps as JSON. */
export interface LMRunPosition {
  /** Training steps done. */
  step: number;
  lr: number;
  /** The current epoch's summed training loss and its step count. */
  lossSum: number;
  counted: number;
  /** Training seconds spent before this snapshot (over every process that worked on the run). */
  seconds: number;
  /** The run's history so far; JSON stores a NaN perplexity (a diverged epoch) as null. */
  history: Pick<LMHistory, "epoch" | "lr" | "gamma" | "diverged"> & { trainPerplexity: (number | null)[]; validPerplexity: (number | null)[] };
}

export async function trainLM(model: RnnLM, train: Int32Array, o: LMTrainOptions): Promise<LMHistory> {
  if (!Number.isInteger(o.epochs) || o.epochs < 1) throw new RangeError(`trainLM: epochs must be a positive integer, got ${o.epochs}`);
  const stream = new BpttStream(train, o.batch, o.steps);
  const perEpoch = Math.min(stream.windows, o.maxWindowsPerEpoch ?? Infinity);
  const sgd = o.optimizer === "sgd";
  if (!sgd && o.optimizer !== "adam") throw new RangeError(`trainLM: optimizer must be sgd or adam, got "${o.optimizer}"`);
  const clip = o.clipGlobalNorm === undefined ? 5 : o.clipGlobalNorm;
  const opt = buildOptimizer({
    optimizer: o.optimizer,
    lr: o.lr,
    clip: clip === null ? null : { globalNorm: clip },
    noise: o.gradientNoise ? { eta: o.gradientNoise.eta, gamma: o.gradientNoise.gamma ?? 0.55, seed: o.seed } : null,
    checkFinite: false,
  });
  const scale = (o.loss ?? "time-summed") === "time-summed" ? o.steps : 1;
  const vars = model.trainableVariables;
  const h: LMHistory = { epoch: [], lr: [], trainPerplexity: [], validPerplexity: [], gamma: [], steps: 0, diverged: false, seconds: 0 };
  const started = Date.now();
  let state: LMState = model.zeroState(o.batch);
  let lossSum = 0;
  let counted = 0;
  let lr = o.lr;
  let start = 0;
  let earlier = 0; // training seconds of the processes before a resume
  const ck = o.checkpoint;
  const snap = ck ? loadCheckpoint<LMRunPosition>(ck.file, ck.identity) : undefined;
  if (snap) {
    try {
      // The carried state is the LSTM's h and c per layer (a plain RNN's c is empty).
      const h0 = snap.carried.h ?? [], c0 = snap.carried.c ?? [];
      if (h0.length !== state.h.length || c0.length !== state.c.length) throw checkpointMismatch(ck!.file);
      await restoreCheckpoint(ck!.file, snap, vars, opt);
      disposeState(state);
      state = { h: h0.splice(0) as tf.Tensor2D[], c: c0.splice(0) as tf.Tensor2D[] };
      const p = snap.position;
      ({ step: start, lr, lossSum, counted, seconds: earlier } = p);
      Object.assign(h, p.history, { trainPerplexity: p.history.trainPerplexity.map((x) => x ?? NaN), validPerplexity: p.history.validPerplexity.map((x) => x ?? NaN) });
      if (sgd) setLearningRate(opt, lr);
      o.onResume?.(start, h.epoch.length);
    } catch (e) {
      disposeState(state);
      opt.dispose();
      throw e;
    } finally {
      disposeCheckpoint(snap);
    }
  }
  let lastSave = Date.now();
  const save = async (done: number) => {
    if (!ck) return;
    const { epoch, lr: lrs, trainPerplexity, validPerplexity, gamma, diverged } = h;
    const position: LMRunPosition = { step: done, lr, lossSum, counted, seconds: earlier + (Date.now() - started) / 1000, history: { epoch, lr: lrs, trainPerplexity, validPerplexity, gamma, diverged } };
    await saveCheckpoint(ck.file, ck.identity, position, { variables: vars, optimizer: opt, carried: { h: state.h, c: state.c } });
    lastSave = Date.now();
  };

  const step = async (i: number) => {
    if (h.diverged) return;
    const w = i % perEpoch;
    if (w === 0) {
      // A new epoch starts from the zero state at the text's beginning (ptb_word_lm's run_epoch).
      disposeState(state);
      state = model.zeroState(o.batch);
      lr = o.lrDecay === undefined ? o.lr : zarembaLearningRate(Math.floor(i / perEpoch) + 1, o.lr, o.lrDecay, o.decayAfter ?? 4);
      if (sgd) setLearningRate(opt, lr);
    }
    const win = stream.window(w);
    const r = lmTrainStep(model, opt, win, state, [i], scale, vars);
    state = r.state;
    const loss = r.loss;
    const v = (await loss.data())[0];
    loss.dispose();
    // The one divergence rule (train/divergence.ts): a non-finite loss or a
    // blow-up past 1000 x ln(vocabulary); training stops there.
    if (lossDiverged([v], model.config.vocabSize)) {
      h.diverged = true;
      return;
    }
    lossSum += v;
    counted++;
    o.onWindow?.("train");
    // Between epoch ends, by time; not on an epoch's last step, whose snapshot follows its evaluation.
    if (ck && (i + 1) % perEpoch !== 0 && Date.now() - lastSave > (ck.everySeconds ?? 300) * 1000) await save(i + 1);
  };

  const endEpoch = async (at: number) => {
    if (at === 0) return;
    h.epoch.push(Math.round(at / perEpoch));
    h.lr.push(lr);
    h.trainPerplexity.push(counted > 0 && !h.diverged ? Math.exp(lossSum / counted) : NaN);
    lossSum = 0;
    counted = 0;
    if (o.valid) h.validPerplexity.push(h.diverged ? NaN : (await perplexity(model, o.valid, { batch: o.evalBatch, steps: o.evalSteps, onWindow: o.onWindow && (() => o.onWindow!("eval")) })).perplexity);
    if (model.noise?.learned) h.gamma.push(await model.noise.gammas());
    await save(at);
    o.onEpoch?.(h.epoch[h.epoch.length - 1], h);
  };

  try {
    await runSteps(o.epochs * perEpoch, perEpoch, step, endEpoch, undefined, start);
  } finally {
    disposeState(state);
    opt.dispose();
  }
  h.steps = o.epochs * perEpoch;
  h.seconds = earlier + (Date.now() - started) / 1000;
  return h;
}

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
 * 1,863 evaluation vs 687 training tokens/s, README "CPU speed beside PyTorch").
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

/** A finished record and where it was found (the shape of framework/contract.ts FoundRecord; training code does not import the framework). */
export type FoundLMRecord = { record: Record<string, unknown>; where: string };

/** What an experiment's LM run needs from its sweep: a per-process cache (the corpus is loaded once), progress, and finished records to reuse. */
export interface LMRunContext<Sc extends string> {
  scale: Sc;
  cache: Map<string, unknown>;
  onStep?: (step: number, steps: number, restored?: boolean) => void;
  /** Finished records of this scale in any results file (framework/results.ts findRecords); absent: always train. */
  findRecords?: (match: (r: Record<string, unknown>) => boolean) => FoundLMRecord[];
  /** Where this run keeps its snapshot, and whose it is (trainLM's `checkpoint`); absent: none. */
  checkpoint?: { file: string; identity: string };
}

/** What every language-model experiment records beside its spec. */
export interface LMRunRecord<Sc extends string> extends LMOutcome {
  fingerprint?: string;
  scale: Sc;
  setup: LMSetup;
  seconds: number;
  engine: string;
  date: string;
  /**
   * Set when the run was not trained again but copied from an identical
   * finished one (same setup, seed and formulation; "lm-ptb-cpu.jsonl:7"):
   * a run is a function of these, so training it again would give the same
   * record. `seconds`, `engine` and `date` are the original's.
   */
  reusedFrom?: string;
}

const OUTCOME_KEYS: readonly (keyof LMOutcome)[] = [
  "validPerplexity", "testPerplexity", "diverged", "epoch", "lr", "trainCurve", "validCurve", "learnedGamma",
  "windowsPerEpoch", "tokensPerEpoch", "parameters", "trainSeconds", "formulation",
];

/**
 * A finished record of the same setup, seed and model formulation at this
 * scale, trained by any sweep (Section 4.6's no-dropout rows are the noise
 * comparison's "neither" and "gradient noise" rows), or undefined.
 */
export function identicalLMRun(setup: LMSetup, seed: number, find: NonNullable<LMRunContext<string>["findRecords"]>): FoundLMRecord | undefined {
  // As the record stores it (JSON drops undefined fields); key order does not matter to the comparison.
  const want = JSON.parse(JSON.stringify(setup)) as unknown;
  const form = { ...DEFAULT_FORMULATION };
  return find((r) => r.seed === seed && !r.reusedFrom && isDeepStrictEqual(r.setup, want) && isDeepStrictEqual(r.formulation, form) && OUTCOME_KEYS.every((k) => k in r))[0];
}

/**
 * One run of a registered language-model experiment: `setup` trained on its
 * corpus with `seed`, recorded with spec, timing and engine; or, where the
 * sweep offers finished records, an identical finished run copied.
 */
export async function runLMRecord<S extends { seed: number }, Sc extends string>(spec: S, setup: LMSetup, ctx: LMRunContext<Sc>): Promise<S & LMRunRecord<Sc>> {
  const same = ctx.findRecords && identicalLMRun(setup, spec.seed, ctx.findRecords);
  if (same) {
    const r = same.record;
    const outcome = Object.fromEntries(OUTCOME_KEYS.map((k) => [k, r[k]])) as unknown as LMOutcome;
    return { ...spec, scale: ctx.scale, setup, ...outcome, seconds: r.seconds as number, engine: r.engine as string, date: r.date as string, reusedFrom: same.where };
  }
  const key = `corpus:${setup.corpus}`;
  let corpus = ctx.cache.get(key) as Corpus | undefined;
  if (!corpus) ctx.cache.set(key, (corpus = loadCorpus(setup.corpus)));
  const t0 = Date.now();
  const out = await runLMSetup(setup, corpus, spec.seed, ctx.onStep, ctx.checkpoint);
  return { ...spec, scale: ctx.scale, setup, ...out, seconds: (Date.now() - t0) / 1000, engine: deviceLine(), date: new Date().toISOString() };
}
