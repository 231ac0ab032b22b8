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
 *
 * Only the trainer lives here: what a run of an experiment is (its setup,
 * corpus and record) is the language-model family's (families/lm/).
 */
import * as tf from "@tensorflow/tfjs";
import { BpttStream, BpttWindow } from "../data/bptt";
import { disposeState, LMState, RnnLM } from "../models/rnn-lm";
import { SeedPart } from "../random/rng";
import { lossDiverged } from "./divergence";
import { interruptSignal, throwIfInterrupted } from "../engine/interrupt";
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
