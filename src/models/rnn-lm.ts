/**
 * Word-level recurrent language model: embedding -> L stacked recurrent
 * layers -> softmax over the vocabulary (Zaremba et al. 2014; NOISIN,
 * ../shared/papers/002, Section 4).
 *
 * Cells: plain RNN h_t = f(x_t Wx + h_{t-1} Wh + b), f in tanh / sigmoid /
 * ReLU (NOISIN's Table 2), and LSTM with gates in the order i, f, g, o:
 * c_t = sigma(f) c_{t-1} + sigma(i) tanh(g), h_t = sigma(o) tanh(c_t), forget
 * bias 0 (Zaremba's TF code). Every weight uniform in +-initScale (Zaremba:
 * 0.1 small, 0.05 medium), biases zero; weights drawn from seeded JS streams.
 *
 * Computation, time-major: a layer's input projection for all T steps is one
 * [T*B, in] x [in, G*H] product; only h_{t-1} Wh runs per step. By default a
 * layer's window runs as one custom-gradient op (recurrent-layer.ts);
 * `recurrence: "taped"` records every cell op instead. Products use
 * matMul2d (explicit-transpose backward, fast on WASM). Regularisers
 * (hidden-noise.ts) apply only with `training: true` and a step key.
 *
 * State: per layer h (and c for LSTM), [B, H]; `forward` returns the final
 * state, a fresh tensor the caller keeps and passes to the next window: it is
 * outside the next step's gradient tape, so backpropagation is truncated at
 * the window boundary (the state is detached).
 */
import * as tf from "@tensorflow/tfjs";
import { checkTokenIds } from "../data/dataset";
import { throwIfDisposed } from "../noise/errors";
import { requireSeed } from "../noise/validate";
import { SeedPart, uniformStream } from "../random/rng";
import { matMul2d } from "./dense";
import { DropoutConfig, dropoutMask, HiddenNoiseConfig, HiddenStateNoise } from "./hidden-noise";
import { activation, CELL_KINDS, CellKind, recurrentLayer } from "./recurrent-layer";
import { embeddingLookup, EmbeddingLookup, lmKernels, softmaxCrossEntropy, SoftmaxFormulation, tokenCrossEntropy } from "./lm-ops";

export { CELL_KINDS } from "./recurrent-layer";
export type { CellKind } from "./recurrent-layer";

export interface RnnLMConfig {
  vocabSize: number;
  hidden: number;
  layers: number;
  cell: CellKind;
  /** Embedding width (default: hidden, as Zaremba). */
  embedding?: number;
  /** Uniform init half-width (default 0.1, Zaremba's small model). */
  initScale?: number;
  dropout?: DropoutConfig | null;
  /** NOISIN hidden-state noise, or null for none. */
  hiddenNoise?: HiddenNoiseConfig | null;
  /**
   * Default "scatter": bench/lm.ts on WASM (2 cores, 3 steps) measured gather 633 / scatter 633 /
   * onehot 414 tokens/s for the 2x200 LSTM and 712 / 740 / 484 for the 1x256 RNN; scatter ties
   * gather and needs no JS kernel fill (whose backward reads synchronously).
   */
  lookup?: EmbeddingLookup;
  /** Default "fused" (WASM: 633 vs 581 tokens/s for tfjs's softmaxCrossEntropy, 2x200 LSTM). */
  softmax?: SoftmaxFormulation;
  /** "fused" (default): each layer's window as one custom-gradient op (recurrent-layer.ts); "taped": every cell op recorded (the reference). */
  recurrence?: "fused" | "taped";
  seed: SeedPart;
  /** Variable-name prefix (unique per model; default derived from a counter). */
  name?: string;
}

export interface LMState {
  h: tf.Tensor2D[];
  /** LSTM cell states; empty for plain RNNs. */
  c: tf.Tensor2D[];
}

export interface ForwardOptions {
  /** Regularisers on (dropout, hidden noise); needs `key`. */
  training: boolean;
  /** Names this step's random streams (the trainer passes [step]); required when training with noise or dropout. */
  key?: readonly SeedPart[];
}

interface LayerParams {
  Wx: tf.Variable;
  Wh: tf.Variable;
  b: tf.Variable;
}

let modelCounter = 0;

export function disposeState(s: LMState | null | undefined): void {
  if (!s) return;
  s.h.forEach((t) => t.dispose());
  s.c.forEach((t) => t.dispose());
}

/** Row-major [B, T] ids to time-major [T*B] (row t*B + b is step t of sequence b). */
export function timeMajor(ids: Int32Array, batch: number, steps: number): Int32Array {
  if (ids.length !== batch * steps) throw new RangeError(`timeMajor(): ${ids.length} ids is not ${batch} x ${steps}`);
  const out = new Int32Array(ids.length);
  for (let b = 0; b < batch; b++) for (let t = 0; t < steps; t++) out[t * batch + b] = ids[b * steps + t];
  return out;
}

/** The formulations a model gets unless its config names others (the fastest measured; docs/performance.md "CPU speed beside PyTorch"). */
export const DEFAULT_FORMULATION = { lookup: "scatter", softmax: "fused", recurrence: "fused" } as const;

/** The formulations a trained model used, as run records name them (families/lm/recipe.ts LMOutcome). */
export interface LMFormulation {
  recurrence: string;
  softmax: string;
  lookup: string;
}

/**
 * Drops x [T*B, d] (time-major). Standard: an independent mask entry per
 * element and time step. Variational: one [B, d] mask, the same at every
 * time step of a sequence. Streams keyed (seed, kind, ...key, what).
 */
export function applyDropout(x: tf.Tensor2D, T: number, B: number, d: DropoutConfig, seed: SeedPart, key: readonly SeedPart[], what: string): tf.Tensor2D {
  const keep = 1 - d.rate;
  const width = x.shape[1];
  if (d.kind === "standard") return tf.mul(x, tf.tensor2d(dropoutMask(T * B * width, keep, seed, "dropout", ...key, what), [T * B, width]));
  const m = tf.tensor2d(dropoutMask(B * width, keep, seed, "vdropout", ...key, what), [B, width]);
  return tf.reshape(tf.mul(tf.reshape(x, [T, B, width]), m), [T * B, width]) as tf.Tensor2D;
}

export class RnnLM {
  readonly config: Required<Omit<RnnLMConfig, "dropout" | "hiddenNoise" | "name">> & Pick<RnnLMConfig, "dropout" | "hiddenNoise">;
  readonly name: string;
  readonly embeddingTable: tf.Variable;
  readonly layerParams: LayerParams[] = [];
  readonly softmaxW: tf.Variable;
  readonly softmaxB: tf.Variable;
  readonly noise: HiddenStateNoise | null;

  private disposed = false;

  constructor(cfg: RnnLMConfig) {
    // Unseeded, every model would be identical (the init streams are keyed by the seed).
    requireSeed("RnnLM", cfg?.seed);
    const c = {
      vocabSize: cfg.vocabSize,
      hidden: cfg.hidden,
      layers: cfg.layers,
      cell: cfg.cell,
      embedding: cfg.embedding ?? cfg.hidden,
      initScale: cfg.initScale ?? 0.1,
      lookup: cfg.lookup ?? DEFAULT_FORMULATION.lookup,
      softmax: cfg.softmax ?? DEFAULT_FORMULATION.softmax,
      recurrence: cfg.recurrence ?? DEFAULT_FORMULATION.recurrence,
      seed: cfg.seed,
      dropout: cfg.dropout ?? null,
      hiddenNoise: cfg.hiddenNoise ?? null,
    };
    for (const k of ["vocabSize", "hidden", "layers", "embedding"] as const) {
      if (!Number.isInteger(c[k]) || c[k] < 1) throw new RangeError(`RnnLM: ${k} must be a positive integer, got ${c[k]}`);
    }
    if (!CELL_KINDS.includes(c.cell)) throw new RangeError(`RnnLM: cell must be one of ${CELL_KINDS.join(", ")}, got "${c.cell}"`);
    if (!(c.initScale >= 0)) throw new RangeError(`RnnLM: initScale must be >= 0, got ${c.initScale}`);
    if (c.dropout && !(c.dropout.rate >= 0 && c.dropout.rate < 1)) throw new RangeError(`RnnLM: dropout rate must be in [0, 1), got ${c.dropout.rate}`);
    if (c.dropout && c.dropout.kind !== "standard" && c.dropout.kind !== "variational") throw new RangeError(`RnnLM: dropout kind must be standard or variational, got "${c.dropout.kind}"`);
    this.config = c;
    this.name = cfg.name ?? `rnnlm${modelCounter++}`;
    const G = this.gates;
    const H = c.hidden;
    const uniform = (rows: number, cols: number, what: string) => {
      const next = uniformStream(c.seed, "rnnlm-init", what);
      const a = new Float32Array(rows * cols);
      for (let i = 0; i < a.length; i++) a[i] = (2 * next() - 1) * c.initScale;
      return a;
    };
    const v = (data: Float32Array, shape: number[], what: string) => tf.tidy(() => tf.variable(tf.tensor(data, shape), true, `${this.name}/${what}`));
    this.embeddingTable = v(uniform(c.vocabSize, c.embedding, "embedding"), [c.vocabSize, c.embedding], "embedding");
    for (let l = 0; l < c.layers; l++) {
      const inp = l === 0 ? c.embedding : H;
      this.layerParams.push({
        Wx: v(uniform(inp, G * H, `l${l}/Wx`), [inp, G * H], `l${l}/Wx`),
        Wh: v(uniform(H, G * H, `l${l}/Wh`), [H, G * H], `l${l}/Wh`),
        b: v(new Float32Array(G * H), [G * H], `l${l}/b`),
      });
    }
    this.softmaxW = v(uniform(H, c.vocabSize, "softmax/W"), [H, c.vocabSize], "softmax/W");
    this.softmaxB = v(new Float32Array(c.vocabSize), [c.vocabSize], "softmax/b");
    this.noise = c.hiddenNoise ? new HiddenStateNoise(c.hiddenNoise, c.layers, c.seed, `${this.name}/noisin`) : null;
  }

  /** Gate blocks per layer: 4 for LSTM, 1 for plain RNNs. */
  get gates(): number {
    return this.config.cell === "lstm" ? 4 : 1;
  }

  /** Everything the optimiser trains (a learned NOISIN gamma included). */
  get trainableVariables(): tf.Variable[] {
    return [this.embeddingTable, ...this.layerParams.flatMap((p) => [p.Wx, p.Wh, p.b]), this.softmaxW, this.softmaxB, ...(this.noise?.rho ?? [])];
  }

  get parameterCount(): number {
    return this.trainableVariables.reduce((n, t) => n + t.size, 0);
  }

  /** Kernels a training step uses (for selectBackend's requiredKernels). */
  get requiredKernels(): string[] {
    return lmKernels(this.config.lookup);
  }

  /** All-zero state for `batch` sequences (Zaremba: zero initial state). */
  zeroState(batch: number): LMState {
    const H = this.config.hidden;
    const z = () => tf.zeros([batch, H]) as tf.Tensor2D;
    return { h: this.layerParams.map(z), c: this.config.cell === "lstm" ? this.layerParams.map(z) : [] };
  }

  /** One cell step from pre-activations `pre` [B, G*H]: new h (before noise) and c. */
  cellStep(pre: tf.Tensor2D, cPrev: tf.Tensor2D | null): { h: tf.Tensor2D; c: tf.Tensor2D | null } {
    if (this.config.cell !== "lstm") return { h: activation(this.config.cell, pre) as tf.Tensor2D, c: null };
    const [i, f, g, o] = tf.split(pre, 4, 1);
    const c = tf.add(tf.mul(tf.sigmoid(f), cPrev!), tf.mul(tf.sigmoid(i), tf.tanh(g))) as tf.Tensor2D;
    return { h: tf.mul(tf.sigmoid(o), tf.tanh(c)) as tf.Tensor2D, c };
  }

  /**
   * Mean per-token cross-entropy (nats) of `targets` given `inputs` (both
   * row-major [B, T] ids) from `state`, and the final state. Call inside
   * tf.tidy / variableGrads and tf.keep the returned state.
   */
  forward(inputs: Int32Array, targets: Int32Array, batch: number, state: LMState, o: ForwardOptions): { loss: tf.Scalar; state: LMState } {
    const { top, targets: tgt, state: next } = this.outputs("forward", inputs, targets, batch, state, o);
    const loss = softmaxCrossEntropy(this.config.softmax, top, this.softmaxW as unknown as tf.Tensor2D, this.softmaxB as unknown as tf.Tensor1D, tgt);
    return { loss, state: next };
  }

  /**
   * Cross-entropy (nats) of every target, row-major [B, T] like `targets`, and
   * the final state: `forward` without the mean, for per-stream evaluation.
   * Call inside tf.tidy and tf.keep the returned state.
   */
  tokenLosses(inputs: Int32Array, targets: Int32Array, batch: number, state: LMState, o: ForwardOptions): { losses: tf.Tensor2D; state: LMState } {
    const { top, targets: tgt, steps, state: next } = this.outputs("tokenLosses", inputs, targets, batch, state, o);
    const perToken = tokenCrossEntropy(top, this.softmaxW as unknown as tf.Tensor2D, this.softmaxB as unknown as tf.Tensor1D, tgt);
    return { losses: tf.transpose(tf.reshape(perToken, [steps, batch])) as tf.Tensor2D, state: next };
  }

  /** What both losses start from: the top layer's outputs and the targets, both time-major, checked as [B, T]. */
  private outputs(caller: string, inputs: Int32Array, targets: Int32Array, batch: number, state: LMState, o: ForwardOptions): { top: tf.Tensor2D; targets: tf.Tensor1D; steps: number; state: LMState } {
    const steps = inputs.length / batch;
    if (!Number.isInteger(steps) || targets.length !== inputs.length) throw new RangeError(`RnnLM.${caller}(): ${inputs.length} inputs / ${targets.length} targets do not form [${batch}, T]`);
    // On the JS arrays (B x T ids a step): a bad id would otherwise surface as a gather kernel's error.
    checkTokenIds(`RnnLM.${caller}()`, "targets", targets, this.config.vocabSize);
    const { top, state: next } = this.run(inputs, batch, state, o);
    return { top, targets: tf.tensor1d(timeMajor(targets, batch, steps), "int32"), steps, state: next };
  }

  /** The top layer's outputs [T*B, H] (time-major, after output dropout) and the final state. */
  run(inputs: Int32Array, batch: number, state: LMState, o: ForwardOptions): { top: tf.Tensor2D; state: LMState } {
    throwIfDisposed(this.disposed, "RnnLM");
    checkTokenIds("RnnLM", "inputs", inputs, this.config.vocabSize);
    const c = this.config;
    const T = inputs.length / batch;
    const B = batch;
    const H = c.hidden;
    const regularise = o.training && ((c.dropout?.rate ?? 0) > 0 || this.noise !== null);
    if (regularise && !o.key) throw new Error("RnnLM.forward(): training with dropout or hidden noise needs a step key (all randomness comes from seeds)");
    const key = o.key ?? [];
    const dropping = o.training && (c.dropout?.rate ?? 0) > 0;
    const noisy = o.training && this.noise !== null;
    const ids = tf.tensor1d(timeMajor(inputs, B, T), "int32");
    let x = embeddingLookup(this.embeddingTable as unknown as tf.Tensor2D, ids, c.lookup);
    const next: LMState = { h: [], c: [] };
    for (let l = 0; l < c.layers; l++) {
      const p = this.layerParams[l];
      if (dropping) x = applyDropout(x, T, B, c.dropout!, c.seed, key, `in${l}`);
      const xp = tf.add(matMul2d(x, p.Wx as unknown as tf.Tensor2D), p.b) as tf.Tensor2D;
      const recMask = dropping && c.dropout!.kind === "variational" ? tf.tensor2d(dropoutMask(B * H, 1 - c.dropout!.rate, c.seed, "vdropout", ...key, `rec${l}`), [B, H]) : null;
      if (c.recurrence === "fused") {
        x = this.fusedLayer(l, xp, state, next, recMask, noisy ? this.noise!.eps([T * B, H], l, key) : null);
        continue;
      }
      const xs = T === 1 ? [xp] : (tf.split(xp, T, 0) as tf.Tensor2D[]);
      const eps = noisy ? (tf.split(this.noise!.eps([T * B, H], l, key), T, 0) as tf.Tensor2D[]) : null;
      let h = state.h[l];
      let cell: tf.Tensor2D | null = c.cell === "lstm" ? state.c[l] : null;
      const outs: tf.Tensor2D[] = [];
      for (let t = 0; t < T; t++) {
        const hin = recMask ? (tf.mul(h, recMask) as tf.Tensor2D) : h;
        const pre = tf.add(xs[t], matMul2d(hin, p.Wh as unknown as tf.Tensor2D)) as tf.Tensor2D;
        const s = this.cellStep(pre, cell);
        h = eps ? (this.noise!.apply(s.h, l, eps[t]) as tf.Tensor2D) : s.h;
        cell = s.c;
        outs.push(h);
      }
      next.h.push(h);
      if (cell) next.c.push(cell);
      x = T === 1 ? outs[0] : (tf.concat(outs, 0) as tf.Tensor2D);
    }
    if (dropping) x = applyDropout(x, T, B, c.dropout!, c.seed, key, "out");
    return { top: x, state: next };
  }

  /** Layer `l`'s window as one op (recurrent-layer.ts); pushes its final state to `next` and returns its outputs [T*B, H]. */
  private fusedLayer(l: number, xp: tf.Tensor2D, state: LMState, next: LMState, recMask: tf.Tensor2D | null, eps: tf.Tensor | null): tf.Tensor2D {
    const [B, H] = state.h[l].shape;
    const T = xp.shape[0] / B;
    const lstm = this.config.cell === "lstm";
    const noise = eps ? { kind: this.noise!.kind, term: this.noise!.term(l, eps) as tf.Tensor2D } : null;
    const out = recurrentLayer(xp, this.layerParams[l].Wh as unknown as tf.Tensor2D, state.h[l], lstm ? state.c[l] : null, { cell: this.config.cell, noise, recMask });
    next.h.push(tf.slice(out, [(T - 1) * B, 0], [B, H]));
    if (!lstm) return out;
    next.c.push(tf.slice(out, [T * B, 0], [B, H]));
    return tf.slice(out, [0, 0], [T * B, H]);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.trainableVariables.forEach((v) => v.dispose());
  }
}
