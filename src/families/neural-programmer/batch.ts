/**
 * Examples as the model's tensors: question tokens (left-padded, so the
 * question RNN's state stays 0 over the padding), the question's numbers as
 * pivot slots, the table's cells padded to the batch's rows and to the
 * model's columns, the precomputed comparisons of every cell with every
 * pivot candidate, text-match indicators and the targets.
 */
import * as tf from "@tensorflow/tfjs";
import { Example, tokenize } from "./data";

/** Pivot slots per question: at most two conditions, so at most two numbers. */
export const PIVOT_SLOTS = 2;

export interface NPBatch {
  size: number;
  /** [B, L] token ids, 0 = padding, left-padded. */
  tokens: tf.Tensor2D;
  /** [B, K, L] one-hot position of pivot slot k's number; all zero for an empty slot. */
  slotPositions: tf.Tensor3D;
  /** [B, K] 0 for a filled slot, -1e9 for an empty one (added to attention scores). */
  slotBias: tf.Tensor2D;
  /** [B, K, M, C] cell > number k (1/0); lesser: cell < number k. */
  greater: tf.Tensor4D;
  lesser: tf.Tensor4D;
  /** [B, M, C] number cells (0 for text cells and padding). */
  values: tf.Tensor3D;
  /** [B, M, C] 1 where a text cell's word occurs in the question. */
  textMatch: tf.Tensor3D;
  /** [B, M] 1 for a real row. */
  rowMask: tf.Tensor2D;
  /** [B, C] 0 for a real column, -1e9 for a missing one (added to column scores). */
  columnBias: tf.Tensor2D;
  /** [B] 1 for a scalar answer, 0 for a lookup. */
  isScalar: tf.Tensor1D;
  scalarTarget: tf.Tensor1D;
  /** [B] the unit the scalar error is measured in: 1 for counts, EncodeOptions.sumScale for sums and differences. */
  scalarScale: tf.Tensor1D;
  /** [B, M, C] the lookup answer's cells; cellMask marks real cells. */
  lookupTarget: tf.Tensor3D;
  cellMask: tf.Tensor3D;
  dispose(): void;
}

export class VocabularyError extends RangeError {
  constructor(word: string, question: string) {
    super(`neural-programmer: word "${word}" of question "${question}" is not in the vocabulary`);
    this.name = "VocabularyError";
  }
}

export interface EncodeOptions {
  /**
   * Sums and differences are scored in units of this many (the loss's error is divided by it; counts keep
   * unit 1). 1 is the papers' literal loss, which lets sums in the thousands swamp counts and lookups
   * [the papers do not say how they scaled; a config value].
   */
  sumScale?: number;
}

/** `examples` as tensors for a model of `columns` columns over vocabulary `vocab`. */
export function encodeBatch(examples: readonly Example[], vocab: readonly string[], columns: number, opts: EncodeOptions = {}): NPBatch {
  const sumScale = opts.sumScale ?? 1;
  if (!(sumScale > 0 && Number.isFinite(sumScale))) throw new RangeError(`encodeBatch: sumScale must be a positive number, got ${sumScale}`);
  const index = new Map(vocab.map((w, i) => [w, i]));
  const B = examples.length;
  if (B === 0) throw new RangeError("encodeBatch: no examples");
  const toks = examples.map((e) => tokenize(e.question));
  const L = Math.max(...toks.map((t) => t.tokens.length));
  const M = Math.max(...examples.map((e) => e.table.rows));
  const K = PIVOT_SLOTS;
  const C = columns;
  const tokens = new Int32Array(B * L);
  const slotPos = new Float32Array(B * K * L);
  const slotBias = new Float32Array(B * K).fill(-1e9);
  const gt = new Float32Array(B * K * M * C);
  const lt = new Float32Array(B * K * M * C);
  const values = new Float32Array(B * M * C);
  const match = new Float32Array(B * M * C);
  const rowMask = new Float32Array(B * M);
  const colBias = new Float32Array(B * C).fill(-1e9);
  const isScalar = new Float32Array(B);
  const scalar = new Float32Array(B);
  const scale = new Float32Array(B).fill(1);
  const lookup = new Float32Array(B * M * C);
  const cellMask = new Float32Array(B * M * C);
  examples.forEach((e, b) => {
    const { tokens: tk, numbers } = toks[b];
    if (numbers.length > K) throw new RangeError(`encodeBatch: question "${e.question}" has ${numbers.length} numbers; the model has ${K} pivot slots`);
    if (e.table.columns.length > C) throw new RangeError(`encodeBatch: a table of ${e.table.columns.length} columns does not fit a model of ${C}`);
    const off = L - tk.length;
    let slot = 0;
    tk.forEach((w, i) => {
      const id = index.get(w);
      if (id === undefined) throw new VocabularyError(w, e.question);
      tokens[b * L + off + i] = id;
      if (w === "<num>") {
        slotPos[(b * K + slot) * L + off + i] = 1;
        slotBias[b * K + slot] = 0;
        slot++;
      }
    });
    const words = new Set(tk);
    const t = e.table;
    t.columns.forEach((col, j) => {
      colBias[b * C + j] = 0;
      for (let i = 0; i < t.rows; i++) {
        const cell = (b * M + i) * C + j;
        cellMask[cell] = 1;
        if (col.kind === "text") {
          match[cell] = words.has(col.values[i]) ? 1 : 0;
          continue;
        }
        const v = col.values[i];
        values[cell] = v;
        numbers.forEach((n, k) => {
          gt[((b * K + k) * M + i) * C + j] = v > n ? 1 : 0;
          lt[((b * K + k) * M + i) * C + j] = v < n ? 1 : 0;
        });
      }
    });
    for (let i = 0; i < t.rows; i++) rowMask[b * M + i] = 1;
    if (e.answer.type === "scalar") {
      isScalar[b] = 1;
      scalar[b] = e.answer.value;
      if (e.program[e.program.length - 1].op !== "count") scale[b] = sumScale;
    } else {
      e.answer.cells.forEach((row, i) => row.forEach((on, j) => (lookup[(b * M + i) * C + j] = on ? 1 : 0)));
    }
  });
  const all: tf.Tensor[] = [];
  const keep = <T extends tf.Tensor>(x: T) => (all.push(x), x);
  return {
    size: B,
    tokens: keep(tf.tensor2d(tokens, [B, L], "int32")),
    slotPositions: keep(tf.tensor3d(slotPos, [B, K, L])),
    slotBias: keep(tf.tensor2d(slotBias, [B, K])),
    greater: keep(tf.tensor4d(gt, [B, K, M, C])),
    lesser: keep(tf.tensor4d(lt, [B, K, M, C])),
    values: keep(tf.tensor3d(values, [B, M, C])),
    textMatch: keep(tf.tensor3d(match, [B, M, C])),
    rowMask: keep(tf.tensor2d(rowMask, [B, M])),
    columnBias: keep(tf.tensor2d(colBias, [B, C])),
    isScalar: keep(tf.tensor1d(isScalar)),
    scalarTarget: keep(tf.tensor1d(scalar)),
    scalarScale: keep(tf.tensor1d(scale)),
    lookupTarget: keep(tf.tensor3d(lookup, [B, M, C])),
    cellMask: keep(tf.tensor3d(cellMask, [B, M, C])),
    dispose: () => all.forEach((x) => x.dispose()),
  };
}
