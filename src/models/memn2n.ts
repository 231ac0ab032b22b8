/**
 * End-To-End Memory Network (Sukhbaatar et al. 2015) for bAbI, as used in
 * Section 4.2 of the gradient-noise paper: K hops, adjacent weight tying
 * (A^{k+1} = C^k, B = A^1, W^T = C^K), position encoding, temporal encoding
 * with random time shifts ("RN"), linear start.
 *
 * Parameters are K+1 matrices E_0..E_K of shape [V + T, d]: E_{k-1} is A^k
 * and E_k is C^k. Rows 0..V-1 embed words, rows V..V+T-1 are the temporal
 * encodings T_A/T_C (time 1 = most recent sentence), kept in the same matrix
 * as the reference code does, so "clip each weight matrix at norm 40" covers
 * both. There is no nil-word row: padding never enters a sum.
 *
 * Embedding lookups as matrix products. Position encoding (Sukhbaatar et al.,
 * Sec. 4.1) weights word j of a J-word sentence by l_kj = (1 - j/J) - (k/d)(1 - 2j/J)
 * in embedding dimension k. That is alpha_j + beta_j * gamma_k with
 * alpha_j = 1 - j/J, beta_j = 2j/J - 1, gamma_k = k/d, so
 *   m = (bag_alpha . E) + gamma * (bag_beta . E)
 * where bag_alpha[v] sums alpha_j over the positions j holding word v. Two
 * weighted bags of words per sentence, built in JS, turn every lookup into a
 * plain 2-D product whose gradient is another product: no gather, which the
 * WASM backend cannot differentiate without a filled kernel, and on WASM
 * faster than gather (bench/memn2n.ts). `lookup: "gather"` computes the
 * same thing with tf.gather for comparison and tests.
 */
import * as tf from "@tensorflow/tfjs";
import { checkTokenIds } from "../data/dataset";
import { throwIfDisposed } from "../noise/errors";
import { requireSeed } from "../noise/validate";
import { gaussian, SeedPart } from "../random/rng";
import { blockSumProduct, blockSumProductFused } from "../engine/wasm-matmul";
import { dataMatMul, matMul2d } from "./dense";

export interface MemN2NOptions {
  /** Words in the vocabulary (V). */
  vocabSize: number;
  /** Memory slots = temporal-encoding rows (T): the last T sentences are kept. */
  memorySize: number;
  /** d (paper: 20). */
  embedding?: number;
  /** K (paper: 3). */
  hops?: number;
  /** Init N(0, initStd^2) (paper: 0.1). */
  initStd?: number;
  seed: SeedPart;
  lookup?: "bag" | "gather";
  positionEncoding?: PositionEncoding;
}

/** Position-encoding weight l_kj for word j (1-based) of a J-word sentence, dimension k (1-based) of d. */
export function positionWeight(j: number, J: number, k: number, d: number): number {
  return 1 - j / J - (k / d) * (1 - (2 * j) / J);
}

/**
 * Which position encoding: the paper's (J = the sentence's own length), or the
 * reference Matlab code's variant, 1 + 4 (k - (d+1)/2)(j - (W+1)/2) / (d W),
 * with one W (the longest sentence of the task) for every sentence.
 */
export type PositionEncoding = { kind: "paper" } | { kind: "reference"; words: number };
export const PAPER_ENCODING: PositionEncoding = { kind: "paper" };

/** The reference code's weight for word j (1-based) of any sentence, dimension k of d, longest sentence W. */
export function referencePositionWeight(j: number, W: number, k: number, d: number): number {
  return 1 + (4 * (k - (d + 1) / 2) * (j - (W + 1) / 2)) / (d * W);
}

/** The per-word factors of l_kj = alpha_j + beta_j * gamma_k for a J-word sentence. */
export function positionFactors(j: number, J: number, pe: PositionEncoding = PAPER_ENCODING): [alpha: number, beta: number] {
  if (pe.kind === "reference") return [1, (4 * (j - (pe.words + 1) / 2)) / pe.words];
  return [1 - j / J, (2 * j) / J - 1];
}

/** gamma_k for k = 1..d: k/d (paper), (k - (d+1)/2)/d (reference). */
export function positionGamma(d: number, pe: PositionEncoding = PAPER_ENCODING): Float32Array {
  return Float32Array.from({ length: d }, (_, i) => (pe.kind === "reference" ? (i + 1 - (d + 1) / 2) / d : (i + 1) / d));
}

/** One encoded example: word ids per sentence (oldest first), time index (1 = newest) per kept sentence. */
export interface EncodedExample {
  sentences: Int32Array[];
  question: Int32Array;
  answer: number;
}

/**
 * A minibatch: the weighted bags (see file comment) for memories and questions,
 * as dense [2*N*T, V+T] and [2*N, V+T] arrays (alpha block, then beta block),
 * and which slots hold a sentence.
 */
export interface MemN2NBatch {
  n: number;
  /** Row r = block*(N*T) + i*T + s. */
  memoryBags: tf.Tensor2D;
  questionBags: tf.Tensor2D;
  /** [N, T]: 1 where slot s of example i holds a sentence. */
  mask: tf.Tensor2D;
  /** For gather lookups: token ids and the alpha/beta weight per token. */
  tokens?: { ids: tf.Tensor1D; alpha: tf.Tensor2D; beta: tf.Tensor2D; qIds: tf.Tensor1D; qAlpha: tf.Tensor2D; qBeta: tf.Tensor2D; maxWords: number };
  answers: tf.Tensor1D;
  /** time[i][s]: the time index given to slot s of example i (for reports). */
  times: number[][];
  dispose(): void;
}

/**
 * Time indices for n kept sentences, oldest first. Without `rand` the newest is
 * 1 and the oldest n. With `rand` (random empty memories, the reference's
 * randomize_time = 0.1): draw nBlank in 0..ceil(0.1 n), take n distinct
 * indices from 1..n+nBlank at random, capped at `memorySize`, and give them
 * to the sentences in decreasing order, as if blank sentences were interleaved.
 */
export function timeIndices(n: number, memorySize: number, rand?: () => number, fraction = 0.1): number[] {
  if (!rand || n === 0) return Array.from({ length: n }, (_, i) => n - i);
  const nBlank = Math.floor(rand() * (Math.ceil(n * fraction) + 1));
  const pool = Array.from({ length: n + nBlank }, (_, i) => i + 1);
  for (let i = pool.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, n).map((t) => Math.min(t, memorySize)).sort((a, b) => b - a);
}

/** Per-word position factors (alpha_j, beta_j) of one sentence, in word order. */
function forEachWeightedWord(words: Int32Array, pe: PositionEncoding, f: (w: number, j: number, alpha: number, beta: number) => void): void {
  const J = words.length;
  words.forEach((w, j) => {
    const [a, b] = positionFactors(j + 1, J, pe);
    f(w, j, a, b);
  });
}

/** Words in the longest kept sentence or question, at least 1: the token lists' padded length. */
function longestSentence(examples: readonly EncodedExample[], kept: readonly Int32Array[][]): number {
  let maxWords = 1;
  examples.forEach((ex, i) => {
    maxWords = Math.max(maxWords, ex.question.length);
    for (const s of kept[i]) maxWords = Math.max(maxWords, s.length);
  });
  return maxWords;
}

/** [N, T] slot mask, row-major: 1 where a slot holds a sentence. */
function slotMask(kept: readonly Int32Array[][], T: number): Float32Array {
  const mask = new Float32Array(kept.length * T);
  kept.forEach((sentences, i) => sentences.forEach((_, s) => (mask[i * T + s] = 1)));
  return mask;
}

/** Memory bags, [2*N*T, V+T] row-major (layout in MemN2NBatch): words by position, plus each slot's time word. */
function memoryBagArray(kept: readonly Int32Array[][], times: readonly number[][], V: number, T: number, pe: PositionEncoding): Float32Array {
  const N = kept.length;
  const W = V + T;
  const mem = new Float32Array(2 * N * T * W);
  kept.forEach((sentences, i) =>
    sentences.forEach((words, s) => {
      const rowA = (i * T + s) * W;
      const rowB = (N * T + i * T + s) * W;
      forEachWeightedWord(words, pe, (w, _, a, b) => {
        mem[rowA + w] += a;
        mem[rowB + w] += b;
      });
      // The time "word": weight 1 in the alpha bag, 0 in the beta bag (no position encoding).
      mem[rowA + V + times[i][s] - 1] += 1;
    }),
  );
  return mem;
}

/** Question bags, [2*N, V+T] row-major: alpha rows, then beta rows. */
function questionBagArray(examples: readonly EncodedExample[], W: number, pe: PositionEncoding): Float32Array {
  const N = examples.length;
  const q = new Float32Array(2 * N * W);
  examples.forEach((ex, i) =>
    forEachWeightedWord(ex.question, pe, (w, _, a, b) => {
      q[i * W + w] += a;
      q[(N + i) * W + w] += b;
    }),
  );
  return q;
}

/** Token ids with their alpha/beta weights, for gather lookups; unused entries are id 0 with weights 0. */
interface TokenArrays {
  ids: Int32Array;
  alpha: Float32Array;
  beta: Float32Array;
}

function tokenArrays(length: number): TokenArrays {
  return { ids: new Int32Array(length), alpha: new Float32Array(length), beta: new Float32Array(length) };
}

/** Writes a sentence's tokens at `at`, `at+1`, ... */
function writeTokens(out: TokenArrays, at: number, words: Int32Array, pe: PositionEncoding): void {
  forEachWeightedWord(words, pe, (w, j, a, b) => {
    out.ids[at + j] = w;
    out.alpha[at + j] = a;
    out.beta[at + j] = b;
  });
}

/** maxWords + 1 tokens per slot: the words, padding, then the time word (alpha 1, beta 0) last. */
function memoryTokenArrays(kept: readonly Int32Array[][], times: readonly number[][], V: number, T: number, maxWords: number, pe: PositionEncoding): TokenArrays {
  const out = tokenArrays(kept.length * T * (maxWords + 1));
  kept.forEach((sentences, i) =>
    sentences.forEach((words, s) => {
      const at = (i * T + s) * (maxWords + 1);
      writeTokens(out, at, words, pe);
      out.ids[at + maxWords] = V + times[i][s] - 1;
      out.alpha[at + maxWords] = 1;
    }),
  );
  return out;
}

/** maxWords tokens per question. */
function questionTokenArrays(examples: readonly EncodedExample[], maxWords: number, pe: PositionEncoding): TokenArrays {
  const out = tokenArrays(examples.length * maxWords);
  examples.forEach((ex, i) => writeTokens(out, i * maxWords, ex.question, pe));
  return out;
}

type Keep = <X extends tf.Tensor>(x: X) => X;

/** The gather lookup's tensors: ids, and alpha/beta as [tokens, 1] columns. */
function tokenTensors(mem: TokenArrays, q: TokenArrays, maxWords: number, keep: Keep): NonNullable<MemN2NBatch["tokens"]> {
  const column = (x: Float32Array) => keep(tf.tensor2d(x, [x.length, 1]));
  return {
    ids: keep(tf.tensor1d(mem.ids, "int32")),
    alpha: column(mem.alpha),
    beta: column(mem.beta),
    qIds: keep(tf.tensor1d(q.ids, "int32")),
    qAlpha: column(q.alpha),
    qBeta: column(q.beta),
    maxWords,
  };
}

/** The batch's tensors from its arrays; `dispose` frees exactly these. */
function assembleBatch(
  a: { mem: Float32Array; q: Float32Array; mask: Float32Array; answers: Int32Array; times: number[][]; T: number; W: number },
  tokens?: { mem: TokenArrays; q: TokenArrays; maxWords: number },
): MemN2NBatch {
  const N = a.answers.length;
  const tensors: tf.Tensor[] = [];
  const keep: Keep = (x) => (tensors.push(x), x);
  const batch: MemN2NBatch = {
    n: N,
    memoryBags: keep(tf.tensor2d(a.mem, [2 * N * a.T, a.W])),
    questionBags: keep(tf.tensor2d(a.q, [2 * N, a.W])),
    mask: keep(tf.tensor2d(a.mask, [N, a.T])),
    answers: keep(tf.tensor1d(a.answers, "int32")),
    times: a.times,
    dispose: () => tensors.forEach((x) => x.dispose()),
  };
  if (tokens) batch.tokens = tokenTensors(tokens.mem, tokens.q, tokens.maxWords, keep);
  return batch;
}

/**
 * A minibatch for a model with `vocabSize` words and `memorySize` slots: each
 * story keeps its last `memorySize` sentences. `rand` draws random time
 * shifts (timeIndices), one example after another; `withTokens` adds the
 * token lists that `lookup: "gather"` needs.
 */
export function encodeBatch(
  examples: readonly EncodedExample[],
  vocabSize: number,
  memorySize: number,
  opts: { rand?: () => number; withTokens?: boolean; positionEncoding?: PositionEncoding } = {},
): MemN2NBatch {
  // Ids are checked here, still JS arrays: a bad one would otherwise reach a gather or a bag index.
  examples.forEach((ex, i) => {
    ex.sentences.forEach((s, j) => checkTokenIds("encodeBatch()", `examples[${i}].sentences[${j}]`, s, vocabSize));
    checkTokenIds("encodeBatch()", `examples[${i}].question`, ex.question, vocabSize);
    checkTokenIds("encodeBatch()", `examples[${i}].answer`, [ex.answer], vocabSize);
  });
  const pe = opts.positionEncoding ?? PAPER_ENCODING;
  const T = memorySize;
  const W = vocabSize + T;
  const kept = examples.map((ex) => ex.sentences.slice(-T));
  const times = kept.map((sentences) => timeIndices(sentences.length, T, opts.rand));
  const arrays = {
    mem: memoryBagArray(kept, times, vocabSize, T, pe),
    q: questionBagArray(examples, W, pe),
    mask: slotMask(kept, T),
    answers: Int32Array.from(examples, (ex) => ex.answer),
    times,
    T,
    W,
  };
  if (!opts.withTokens) return assembleBatch(arrays);
  const maxWords = longestSentence(examples, kept);
  return assembleBatch(arrays, { mem: memoryTokenArrays(kept, times, vocabSize, T, maxWords, pe), q: questionTokenArrays(examples, maxWords, pe), maxWords });
}

/** -sum_i log softmax(logits_i)[answer_i]: the loss summed, not averaged, over the batch. */
export function summedCrossEntropy(logits: tf.Tensor2D, answers: tf.Tensor1D): tf.Scalar {
  return tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits), tf.oneHot(answers, logits.shape[1]).toFloat()))) as tf.Scalar;
}

export interface MemN2NOutput {
  /** [N, V+T] answer logits (the tied output layer covers the time rows too, as in the reference). */
  logits: tf.Tensor2D;
  /** Per hop, [N, T] attention over memory slots (linear mode: the raw masked scores). */
  attention: tf.Tensor2D[];
}

let instances = 0;

export class MemN2N {
  readonly vocabSize: number;
  readonly memorySize: number;
  readonly embedding: number;
  readonly hops: number;
  readonly lookup: "bag" | "gather";
  readonly positionEncoding: PositionEncoding;
  /** E_0..E_K, each [V+T, d]. */
  readonly weights: tf.Variable[];
  private readonly gamma: tf.Tensor;
  private disposed = false;

  constructor(o: MemN2NOptions) {
    // Unseeded, every model would start from the same weights (gaussian keyed by an undefined seed).
    requireSeed("MemN2N", o?.seed);
    this.vocabSize = o.vocabSize;
    this.memorySize = o.memorySize;
    this.embedding = o.embedding ?? 20;
    this.hops = o.hops ?? 3;
    this.lookup = o.lookup ?? "bag";
    this.positionEncoding = o.positionEncoding ?? PAPER_ENCODING;
    const std = o.initStd ?? 0.1;
    for (const [k, v] of Object.entries({ vocabSize: this.vocabSize, memorySize: this.memorySize, embedding: this.embedding, hops: this.hops })) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`MemN2N: ${k} must be a positive integer, got ${v}`);
    }
    const rows = this.vocabSize + this.memorySize;
    // Variable names must be unique while models coexist (noise streams key on order, not names).
    const id = instances++;
    this.weights = Array.from({ length: this.hops + 1 }, (_, k) =>
      // Inside tidy so the initial-value tensor is freed once the variable holds the data.
      tf.tidy(() => tf.variable(tf.tensor2d(gaussian(rows * this.embedding, std, o.seed, "memn2n", k), [rows, this.embedding]), true, `memn2n${id}/E${k}`)),
    );
    // [2, 1, d]: block weights (1 for the alpha bag, gamma_k for the beta bag).
    this.gamma = tf.keep(tf.tensor3d([...new Float32Array(this.embedding).fill(1), ...positionGamma(this.embedding, this.positionEncoding)], [2, 1, this.embedding]));
  }

  /** A minibatch encoded for this model (its vocabulary, memory size, lookup and position encoding). */
  encode(examples: readonly EncodedExample[], opts: { rand?: () => number } = {}): MemN2NBatch {
    return encodeBatch(examples, this.vocabSize, this.memorySize, { rand: opts.rand, withTokens: this.lookup === "gather", positionEncoding: this.positionEncoding });
  }

  /** Memory embeddings with matrix E_k: [N, T, d] (zero rows for empty slots). */
  memoryEmbedding(b: MemN2NBatch, k: number): tf.Tensor3D {
    const N = b.n;
    const T = this.memorySize;
    const d = this.embedding;
    const E = this.weights[k] as tf.Tensor2D;
    if (this.lookup === "gather") {
      const tk = b.tokens;
      if (!tk) throw new Error("MemN2N lookup 'gather' needs a batch encoded with { withTokens: true }");
      const e = tf.gather(E, tk.ids); // [N*T*(J+1), d]
      const g = this.gamma.slice([1, 0, 0], [1, 1, d]).reshape([1, d]);
      const w = tf.add(tk.alpha, tf.mul(tk.beta, g)); // per-token, per-dimension PE weight
      return tf.sum(tf.mul(e, w).reshape([N, T, tk.maxWords + 1, d]), 2) as tf.Tensor3D;
    }
    // On WASM one kernel each way with the same bits (engine/wasm-matmul.ts blockSumProduct).
    if (blockSumProductFused()) return blockSumProduct(b.memoryBags, E, this.gamma as tf.Tensor3D).reshape([N, T, d]);
    const both = dataMatMul(b.memoryBags, E).reshape([2, N * T, d]);
    return tf.sum(tf.mul(both, this.gamma), 0).reshape([N, T, d]) as tf.Tensor3D;
  }

  private embedQuestions(b: MemN2NBatch): tf.Tensor2D {
    const d = this.embedding;
    const E = this.weights[0] as tf.Tensor2D;
    if (this.lookup === "gather") {
      const tk = b.tokens!;
      const e = tf.gather(E, tk.qIds);
      const g = this.gamma.slice([1, 0, 0], [1, 1, d]).reshape([1, d]);
      const w = tf.add(tk.qAlpha, tf.mul(tk.qBeta, g));
      return tf.sum(tf.mul(e, w).reshape([b.n, tk.maxWords, d]), 1) as tf.Tensor2D;
    }
    if (blockSumProductFused()) return blockSumProduct(b.questionBags, E, this.gamma as tf.Tensor3D);
    const both = dataMatMul(b.questionBags, E).reshape([2, b.n, d]);
    return tf.sum(tf.mul(both, this.gamma), 0) as tf.Tensor2D;
  }

  /** Forward pass. `linear`: no softmax over memories (the first stage of linear start). */
  apply(b: MemN2NBatch, opts: { linear?: boolean } = {}): MemN2NOutput {
    throwIfDisposed(this.disposed, "MemN2N");
    const mems = this.weights.map((_, k) => this.memoryEmbedding(b, k));
    let u = this.embedQuestions(b);
    const attention: tf.Tensor2D[] = [];
    // Padded slots: out of the softmax (a large negative score), zero in linear mode.
    const negative = tf.mul(tf.sub(1, b.mask), -1e9);
    for (let k = 1; k <= this.hops; k++) {
      const scores = tf.sum(tf.mul(mems[k - 1], u.expandDims(1)), 2) as tf.Tensor2D; // [N, T]
      const p = opts.linear ? tf.mul(scores, b.mask) : tf.softmax(tf.add(scores, negative));
      attention.push(p as tf.Tensor2D);
      const o = tf.sum(tf.mul(mems[k], p.expandDims(2)), 1) as tf.Tensor2D; // [N, d]
      u = tf.add(u, o);
    }
    // W^T = C^K: answer logits against every row of the last matrix.
    const logits = matMul2d(u, tf.transpose(this.weights[this.hops] as tf.Tensor2D, [1, 0]));
    return { logits, attention };
  }

  /** Cross-entropy summed over the batch (the reference's loss, size_average = false). */
  loss(b: MemN2NBatch, opts: { linear?: boolean } = {}): tf.Scalar {
    return summedCrossEntropy(this.apply(b, opts).logits, b.answers);
  }

  /** Predicted answer ids for a batch (read with `await data()`: works on every backend). */
  async predict(b: MemN2NBatch): Promise<Int32Array> {
    const ids = tf.tidy(() => tf.argMax(this.apply(b).logits, 1));
    const out = (await ids.data()) as Int32Array;
    ids.dispose();
    return out;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.weights.forEach((w) => w.dispose());
    this.gamma.dispose();
  }
}

/** Kernels training needs (for backend selection). */
export const MEMN2N_TRAINING_KERNELS: readonly string[] = [
  "Abs", "Add", "AddN", "ArgMax", "BatchMatMul", "Cast", "Exp", "ExpandDims", "Identity", "Log", "Max", "Maximum",
  "Multiply", "Neg", "NotEqual", "OneHot", "Pack", "RealDiv", "Reshape", "Softmax", "Sqrt", "Square", "Sub", "Sum",
  "Transpose",
];

/** The same for `lookup: "gather"` (its gradient needs UnsortedSegmentSum, which the engine fills on WASM). */
export const MEMN2N_GATHER_KERNELS: readonly string[] = [...MEMN2N_TRAINING_KERNELS, "GatherV2", "Slice", "UnsortedSegmentSum"];
