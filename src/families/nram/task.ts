/**
 * ListK (Kurach et al. 2016, Appendix A; GN Section 4.4): given a pointer to
 * the head of a linked list and a number k, write the value of the k-th node
 * into the output cell.
 *
 * Layout (the NRAM paper gives "head, k, out, ..."; the node placement below
 * is our reading of "two adjacent cells at random locations"):
 * - cell 0: head, the address of the first node;
 * - cell 1: k, the number of hops from the head (0 = the head's own value);
 * - cell 2: out, 0 on input; the target is the k-th node's value here;
 * - cells 3.. : slots of two cells (next, value); the n nodes take n slots
 *   chosen at random, in random order; the last node's next is NULL = 0.
 * Values are uniform on {1, ..., M-1}; unused cells hold 0. Integers live in
 * {0, ..., M-1}, so the memory size M is also the value range.
 *
 * The difficulty of an example is its list length n (1..maxLength), with k
 * uniform on {0, ..., n-1}: longer lists need more hops on average.
 */
import { uniformStream, SeedPart } from "../../random/rng";

/** Where the inputs and the answer live. */
export const HEAD_CELL = 0;
export const K_CELL = 1;
export const OUT_CELL = 2;
/** First cell of the first node slot. */
export const FIRST_SLOT = 3;

export interface ListKConfig {
  /** Memory cells M (also the value range {0..M-1}). */
  memory: number;
  /** Longest list (the curriculum's top difficulty). */
  maxLength: number;
}

export interface ListKExample {
  /** Initial memory, one integer per cell. */
  memory: Int32Array;
  /** The value the out cell must hold. */
  target: number;
  length: number;
  k: number;
  /** Node addresses in list order (for drawing the list). */
  nodes: number[];
}

export class ListKConfigError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = "ListKConfigError";
  }
}

/** Slots of two cells after the three fixed cells. */
export function slotCount(memory: number): number {
  return Math.floor((memory - FIRST_SLOT) / 2);
}

/** Throws a ListKConfigError unless `cfg` can hold a list of maxLength nodes. */
export function checkListKConfig(cfg: ListKConfig): void {
  const { memory, maxLength } = cfg;
  if (!Number.isInteger(memory) || memory < FIRST_SLOT + 2) throw new ListKConfigError(`ListK: memory must be an integer >= ${FIRST_SLOT + 2} (three fixed cells and one node), got ${memory}`);
  if (!Number.isInteger(maxLength) || maxLength < 1) throw new ListKConfigError(`ListK: maxLength must be a positive integer, got ${maxLength}`);
  if (maxLength > slotCount(memory)) {
    throw new ListKConfigError(`ListK: ${maxLength} nodes need ${FIRST_SLOT + 2 * maxLength} cells, memory has ${memory} (at most ${slotCount(memory)} nodes)`);
  }
}

/** One example of list length `length`, from the uniform stream `rand`. */
export function listKExample(cfg: ListKConfig, length: number, rand: () => number): ListKExample {
  checkListKConfig(cfg);
  if (!Number.isInteger(length) || length < 1 || length > cfg.maxLength) throw new ListKConfigError(`ListK: length must be an integer in 1..${cfg.maxLength}, got ${length}`);
  const M = cfg.memory;
  const slots = slotCount(M);
  // A partial Fisher-Yates shuffle: the first `length` slots, in list order.
  const order = Array.from({ length: slots }, (_, i) => i);
  for (let i = 0; i < length; i++) {
    const j = i + Math.floor(rand() * (slots - i));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const nodes = order.slice(0, length).map((s) => FIRST_SLOT + 2 * s);
  const memory = new Int32Array(M);
  const values: number[] = [];
  for (let i = 0; i < length; i++) {
    const v = 1 + Math.floor(rand() * (M - 1));
    values.push(v);
    memory[nodes[i]] = i + 1 < length ? nodes[i + 1] : 0;
    memory[nodes[i] + 1] = v;
  }
  const k = Math.floor(rand() * length);
  memory[HEAD_CELL] = nodes[0];
  memory[K_CELL] = k;
  memory[OUT_CELL] = 0;
  return { memory, target: values[k], length, k, nodes };
}

/**
 * Appendix B (after Zaremba & Sutskever 2014): with probability 10% a
 * difficulty uniform over all; 25% uniform on [1, D + e]; 65% D + e; e
 * geometric with success probability 1/2 (e >= 0). Capped at `max`.
 */
export function sampleDifficulty(level: number, max: number, rand: () => number): number {
  const u = rand();
  if (u < 0.1) return 1 + Math.floor(rand() * max);
  let e = 0;
  while (rand() >= 0.5) e++;
  const top = Math.min(max, level + e);
  return u < 0.35 ? 1 + Math.floor(rand() * top) : top;
}

export interface ListKBatch {
  /** [B * M] initial memories, row-major. */
  memory: Int32Array;
  /** [B] targets (the out cell's value). */
  target: Int32Array;
  lengths: number[];
  size: number;
}

/** Packs examples into one batch. */
export function packBatch(examples: ListKExample[], memory: number): ListKBatch {
  const B = examples.length;
  const mem = new Int32Array(B * memory);
  const target = new Int32Array(B);
  examples.forEach((ex, b) => {
    mem.set(ex.memory, b * memory);
    target[b] = ex.target;
  });
  return { memory: mem, target, lengths: examples.map((e) => e.length), size: B };
}

/** A training batch at curriculum level `level`, from the stream `parts`. */
export function curriculumBatch(cfg: ListKConfig, batch: number, level: number, ...parts: SeedPart[]): ListKBatch {
  const rand = uniformStream(...parts);
  const examples = Array.from({ length: batch }, () => listKExample(cfg, sampleDifficulty(level, cfg.maxLength, rand), rand));
  return packBatch(examples, cfg.memory);
}

/**
 * A fixed evaluation set: `count` lists with lengths uniform on 1..maxLength
 * (the paper's generalisation sets are the same task with a larger memory and
 * maxLength: pass that config).
 */
export function testSet(cfg: ListKConfig, count: number, ...parts: SeedPart[]): ListKBatch {
  const rand = uniformStream(...parts);
  const examples = Array.from({ length: count }, () => listKExample(cfg, 1 + Math.floor(rand() * cfg.maxLength), rand));
  return packBatch(examples, cfg.memory);
}

/**
 * The curriculum's level D (Appendix B): raised by one when a training
 * batch's error falls under `threshold`, at most every `minBatches` batches,
 * up to `max`.
 */
export class Curriculum {
  level = 1;
  private sinceRaise = 0;
  constructor(readonly max: number, readonly threshold: number, readonly minBatches: number) {
    if (!(threshold > 0 && threshold < 1)) throw new ListKConfigError(`curriculum threshold must be in (0, 1), got ${threshold}`);
    if (!Number.isInteger(minBatches) || minBatches < 0) throw new ListKConfigError(`curriculum minBatches must be a non-negative integer, got ${minBatches}`);
  }
  /** Records one batch's error; returns true when the level rose. */
  update(batchError: number): boolean {
    this.sinceRaise++;
    if (this.level < this.max && batchError < this.threshold && this.sinceRaise >= this.minBatches) {
      this.level++;
      this.sinceRaise = 0;
      return true;
    }
    return false;
  }
}
