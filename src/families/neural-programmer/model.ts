/**
 * Neural Programmer (Neelakantan, Le, Sutskever 2016) as GN Section 4.3 uses
 * it, equations per protocols/neural-programmer.md:
 *
 * - question RNN z_i = tanh(W_q [z_{i-1}; V(w_i)]), q = z_L;
 * - history RNN h_t = tanh(W_h [c_t; h_{t-1}]), c_t = [alpha_op_{t-1} U; alpha_col_{t-1} P];
 * - selector alpha_op = softmax(U tanh(W_op [q; h_t])), alpha_col = softmax(P tanh(W_col [q; h_t])),
 *   U the operation embeddings, P the column names' word embeddings;
 * - T = 4 steps over the state (scalar, lookup [M x C], row select [M]).
 *
 * Each operation's result is weighted by its probability; the weight left
 * to operations of another kind carries the previous value forward (so a
 * short program's answer survives the remaining steps, and "which output
 * changed last" - GN 4.3's answer type - is defined). Pivots: attention over
 * the question's numbers from the question RNN's state at each number
 * (Neural Programmer's pivot attention); the comparison is the expectation
 * of the indicator over that attention, so it stays differentiable. Soft
 * selection in training, argmax at test (GN 4.3).
 */
import * as tf from "@tensorflow/tfjs";
import { gaussian, SeedPart } from "../../random/rng";
import { NPBatch } from "./batch";
import { COLUMN_NAMES, OPERATIONS } from "./data";

export const STEPS = 4;
const OP = Object.fromEntries(OPERATIONS.map((o, i) => [o, i])) as Record<(typeof OPERATIONS)[number], number>;

export interface NPModelConfig {
  vocabSize: number;
  /** Hidden size d (question RNN, history RNN, embeddings). */
  hidden: number;
  /** Columns the model can select (tables with fewer are masked). */
  columns: number;
  /** Word ids of the column names A, B, ...: P is their rows of the embedding V. */
  columnWordIds: number[];
  /** Initial weights N(0, initStd^2) [unknown in the papers; a config value]. */
  initStd: number;
  seed: SeedPart;
}

export interface NPForwardOptions {
  /** Argmax selection (test) instead of softmax (training). */
  hard?: boolean;
  /** Inverted-dropout masks for q and for h_t (scaled 0 or 1/(1-p)), [B, d]; training only. */
  dropout?: { q: tf.Tensor2D; h: tf.Tensor2D };
  /**
   * Given selections instead of the model's own (tests run a known program
   * through the operations): per step [B, O] and [B, C], and the pivot slot
   * weights [B, K, 2] (greater, lesser).
   */
  force?: { ops: tf.Tensor2D[]; cols: tf.Tensor2D[]; beta: tf.Tensor3D };
}

export interface NPOutput {
  /** [B] scalar answer after T steps. */
  scalar: tf.Tensor1D;
  /** [B, M, C] lookup answer after T steps. */
  lookup: tf.Tensor3D;
  /** Per step: [B, O] operation and [B, C] column weights. */
  ops: tf.Tensor2D[];
  cols: tf.Tensor2D[];
}

/** [O, k + 1]: column j picks operation ops[j]; the last column is minus their sum (with a constant 1 added, the "keep" weight). */
function selectionMatrix(opsIdx: number[]): Float32Array {
  const k = opsIdx.length + 1;
  const m = new Float32Array(OPERATIONS.length * k);
  opsIdx.forEach((op, j) => {
    m[op * k + j] = 1;
    m[op * k + k - 1] = -1;
  });
  return m;
}

/** Tensors a forward pass reads that never change: built once per model, not every forward (same values, same ops). */
interface NPConstants {
  /** [C, V] one-hot rows of the column names' word ids. */
  columnWords: tf.Tensor2D;
  pickScalar: tf.Tensor2D;
  pickRows: tf.Tensor2D;
  keep4: tf.Tensor1D;
  keep7: tf.Tensor1D;
}

export class NPModel {
  readonly config: NPModelConfig;
  readonly weights: Record<string, tf.Variable>;
  private readonly consts: NPConstants;
  private disposed = false;

  constructor(c: NPModelConfig) {
    if (!(Number.isInteger(c.hidden) && c.hidden > 0)) throw new RangeError(`NPModel: hidden must be a positive integer, got ${c.hidden}`);
    if (!(Number.isInteger(c.columns) && c.columns >= 1 && c.columns <= COLUMN_NAMES.length)) throw new RangeError(`NPModel: columns must be in 1..${COLUMN_NAMES.length}, got ${c.columns}`);
    if (c.columnWordIds.length !== c.columns) throw new RangeError(`NPModel: ${c.columnWordIds.length} column word ids for ${c.columns} columns`);
    if (!(c.initStd > 0)) throw new RangeError(`NPModel: initStd must be positive, got ${c.initStd}`);
    this.config = c;
    const d = c.hidden;
    const w = (name: string, shape: number[]) =>
      // tidy frees the initial value; the variable, which tidy never frees, keeps its own reference.
      tf.tidy(() => tf.variable(tf.tensor(gaussian(shape.reduce((a, b) => a * b, 1), c.initStd, c.seed, "np-init", name), shape), true));
    this.weights = {
      V: w("V", [c.vocabSize, d]),
      Wq: w("Wq", [2 * d, d]),
      U: w("U", [OPERATIONS.length, d]),
      Wop: w("Wop", [2 * d, d]),
      Wcol: w("Wcol", [2 * d, d]),
      Wh: w("Wh", [3 * d, d]),
      // Pivot attention: one scoring vector per comparison (greater, lesser).
      pivot: w("pivot", [d, 2]),
    };
    const O = OPERATIONS.length;
    this.consts = tf.tidy(() => {
      const k: NPConstants = {
        columnWords: tf.cast(tf.oneHot(tf.tensor1d(c.columnWordIds, "int32"), c.vocabSize), "float32") as tf.Tensor2D,
        pickScalar: tf.tensor2d(selectionMatrix([OP.sum, OP.count, OP.difference]), [O, 4]),
        pickRows: tf.tensor2d(selectionMatrix([OP.greater, OP.lesser, OP.and, OP.or, OP.reset, OP.match]), [O, 7]),
        keep4: tf.tensor1d([0, 0, 0, 1]),
        keep7: tf.tensor1d([0, 0, 0, 0, 0, 0, 1]),
      };
      return k as unknown as tf.TensorContainer;
    }) as unknown as NPConstants;
  }

  get variables(): tf.Variable[] {
    return Object.values(this.weights);
  }

  /** T steps of the model on `b`; call inside tf.tidy. */
  forward(b: NPBatch, o: NPForwardOptions = {}): NPOutput {
    if (this.disposed) throw new Error("NPModel: used after dispose()");
    const W = this.weights;
    const [B, L] = b.tokens.shape;
    const d = this.config.hidden;
    const O = OPERATIONS.length;
    // Embedding by one-hot products, not tf.gather: the vocabulary is ~50 words, and gather's gradient
    // (UnsortedSegmentSum) is missing on WASM and failed to compile on WebGPU (an int32 Transpose shader).
    // Padding (id 0) embeds to 0, so z stays 0 over it.
    const vocabSize = this.config.vocabSize;
    const pad = tf.reshape(tf.cast(tf.greater(b.tokens, 0), "float32"), [B * L, 1]);
    // oneHot's dtype argument is ignored by tfjs 4.22's WASM kernel (it writes int32 bits into a float32
    // tensor, so every embedding was ~0 there): build it int32 and cast, as every other family does.
    const oneHot = tf.mul(tf.cast(tf.oneHot(tf.reshape(b.tokens, [B * L]), vocabSize), "float32"), pad);
    const emb = tf.reshape(tf.matMul(oneHot, W.V as tf.Tensor2D), [B, L, d]) as tf.Tensor3D;
    // W_q [z; x] = z W_q[:d] + x W_q[d:]: the input half for every position in one matMul.
    const [Wqz, Wqx] = tf.split(W.Wq, 2, 0) as tf.Tensor2D[];
    const xw = tf.unstack(tf.reshape(tf.matMul(tf.reshape(emb, [B * L, d]), Wqx), [B, L, d]), 1) as tf.Tensor2D[];
    let z = tf.tanh(xw[0]) as tf.Tensor2D; // z_0 = 0
    const zs: tf.Tensor2D[] = [z];
    for (let i = 1; i < L; i++) {
      z = tf.tanh(tf.add(tf.matMul(z, Wqz), xw[i])) as tf.Tensor2D;
      zs.push(z);
    }
    let q = z;
    if (o.dropout) q = tf.mul(q, o.dropout.q);
    const Z = tf.stack(zs, 1) as tf.Tensor3D; // [B, L, d]
    // Pivot attention over the question's numbers: scores at every position, read at the slots' positions.
    const posScores = tf.reshape(tf.matMul(tf.reshape(Z, [B * L, d]), W.pivot as tf.Tensor2D), [B, L, 2]);
    const slotScores = tf.add(tf.matMul(b.slotPositions, posScores), tf.expandDims(b.slotBias, 2)); // [B, K, 2]
    // Hard: 1 at the largest score (ties, which only empty slots produce, select all of them: their comparisons are 0).
    const select = (scores: tf.Tensor, axis: number) => (o.hard ? tf.cast(tf.equal(scores, tf.max(scores, axis, true)), "float32") : tf.softmax(scores, axis));
    // [B, 2, K]: per comparison, weights over the slots. The hard selection is never transposed: on WebGPU a
    // transpose of a cast comparison result compiled to a mistyped shader (tfjs 4.22).
    const beta = o.force ? tf.transpose(o.force.beta, [0, 2, 1]) : select(tf.transpose(slotScores, [0, 2, 1]), 2);
    const expectCmp = (cmp: tf.Tensor4D, which: number) => {
      const bk = tf.reshape(tf.slice(beta, [0, which, 0], [B, 1, -1]), [B, -1, 1, 1]);
      return tf.sum(tf.mul(cmp, bk), 1) as tf.Tensor3D; // [B, M, C]
    };
    const gtCells = expectCmp(b.greater, 0);
    const ltCells = expectCmp(b.lesser, 1);
    // Column-name embeddings P: the words A, B, ... of V.
    const P = tf.matMul(this.consts.columnWords, W.V as tf.Tensor2D); // [C, d]
    const rowMask = b.rowMask;
    const C = this.config.columns;
    const M = b.values.shape[1];
    const zerosB = tf.zerosLike(b.isScalar);
    // The per-column cell indicators the row operations read, stacked once: greater, lesser, text match [B, 3M, C].
    const cellStack = tf.reshape(tf.stack([gtCells, ltCells, b.textMatch], 1), [B, 3 * M, C]);
    // Operation weights by one matMul each (fewer small kernels than slicing alpha per operation):
    // scalar candidates [sum, count, difference, keep], row candidates [greater, lesser, and, or, reset, match, keep];
    // the "keep" column is 1 - (the kind's total), the weight that carries the previous value forward.
    const { pickScalar, pickRows, keep4, keep7 } = this.consts;
    let h = tf.zeros([B, d]) as tf.Tensor2D;
    let prevOp = tf.zeros([B, O]) as tf.Tensor2D;
    let prevCol = tf.zeros([B, C]) as tf.Tensor2D;
    const scalars: tf.Tensor1D[] = [zerosB, zerosB, zerosB]; // s_{-2}, s_{-1}, s_0
    const rows: tf.Tensor2D[] = [rowMask, rowMask]; // row select before the first step: every row
    let lookup = tf.zerosLike(b.values) as tf.Tensor3D;
    const ops: tf.Tensor2D[] = [];
    const cols: tf.Tensor2D[] = [];
    for (let t = 0; t < STEPS; t++) {
      const c = tf.concat([tf.matMul(prevOp, W.U as tf.Tensor2D), tf.matMul(prevCol, P)], 1);
      h = tf.tanh(tf.matMul(tf.concat([c, h], 1), W.Wh as tf.Tensor2D)) as tf.Tensor2D;
      const hh = o.dropout ? tf.mul(h, o.dropout.h) : h;
      const qh = tf.concat([q, hh], 1);
      const opScores = tf.matMul(tf.tanh(tf.matMul(qh, W.Wop as tf.Tensor2D)), W.U as tf.Tensor2D, false, true);
      const colScores = tf.add(tf.matMul(tf.tanh(tf.matMul(qh, W.Wcol as tf.Tensor2D)), P, false, true), b.columnBias);
      const aop = o.force ? o.force.ops[t] : (select(opScores, 1) as tf.Tensor2D);
      const acol = o.force ? o.force.cols[t] : (select(colScores, 1) as tf.Tensor2D);
      ops.push(aop);
      cols.push(acol);
      const rs = rows[rows.length - 1];
      const rsPrev = rows[rows.length - 2];
      const acolT = tf.expandDims(acol, 2); // [B, C, 1]
      // Column sums over the selected rows, then the selected column: [B, 1, M] x [B, M, C] x [B, C, 1].
      const sumSel = tf.reshape(tf.matMul(tf.matMul(tf.expandDims(rs, 1), b.values), acolT), [B]);
      const count = tf.sum(rs, 1);
      const sPrev = scalars[scalars.length - 1];
      const diff = tf.sub(scalars[scalars.length - 3], sPrev);
      const wS = tf.add(tf.matMul(aop, pickScalar), keep4); // [B, 4]
      const scalar = tf.sum(tf.mul(wS, tf.stack([sumSel, count, diff, sPrev], 1)), 1) as tf.Tensor1D;
      const onCol = tf.reshape(tf.matMul(cellStack, acolT), [B, 3, M]); // greater, lesser, match on the selected column
      const [gt, lt, tm] = tf.unstack(onCol, 1);
      const cand = tf.stack([gt, lt, tf.minimum(rs, rsPrev), tf.maximum(rs, rsPrev), rowMask, tm, rs], 1); // [B, 7, M]
      const wR = tf.add(tf.matMul(aop, pickRows), keep7); // [B, 7]
      const rsNext = tf.mul(tf.reshape(tf.matMul(tf.expandDims(wR, 1), cand), [B, M]), rowMask) as tf.Tensor2D;
      const aPrint = tf.reshape(tf.slice(aop, [0, OP.print], [B, 1]), [B, 1, 1]);
      lookup = tf.add(tf.mul(aPrint, tf.mul(tf.expandDims(acol, 1), tf.expandDims(rs, 2))), tf.mul(tf.sub(1, aPrint), lookup)) as tf.Tensor3D;
      scalars.push(scalar);
      rows.push(rsNext);
      prevOp = aop;
      prevCol = acol;
    }
    return { scalar: scalars[scalars.length - 1], lookup, ops, cols };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    Object.values(this.weights).forEach((v) => v.dispose());
    tf.dispose(Object.values(this.consts));
  }
}

export interface LossOptions {
  /** Huber delta for scalar answers [unknown; the one public reimplementation uses 10]. */
  delta: number;
  /** Weight of the lookup log-loss [unknown]. */
  lambda: number;
}

/** Mean over the batch of Huber((scalar - y) / unit) for scalar answers (unit: the batch's scalarScale) and lambda x the mean binary log-loss over real cells for lookups. */
export function npLoss(out: NPOutput, b: NPBatch, o: LossOptions): tf.Scalar {
  return tf.tidy(() => {
    const err = tf.div(tf.abs(tf.sub(out.scalar, b.scalarTarget)), b.scalarScale);
    const quad = tf.minimum(err, o.delta);
    const huber = tf.add(tf.mul(0.5, tf.square(quad)), tf.mul(o.delta, tf.sub(err, quad)));
    const p = tf.clipByValue(out.lookup, 1e-6, 1 - 1e-6);
    const bce = tf.neg(tf.add(tf.mul(b.lookupTarget, tf.log(p)), tf.mul(tf.sub(1, b.lookupTarget), tf.log(tf.sub(1, p)))));
    const cells = tf.maximum(tf.sum(b.cellMask, [1, 2]), 1);
    const lookupLoss = tf.div(tf.sum(tf.mul(bce, b.cellMask), [1, 2]), cells);
    const per = tf.add(tf.mul(b.isScalar, huber), tf.mul(tf.sub(1, b.isScalar), tf.mul(o.lambda, lookupLoss)));
    return tf.mean(per) as tf.Scalar;
  });
}
