/**
 * Binary multiplication as GN Section 4.5 and the Neural GPU paper (Kaiser &
 * Sutskever 2016) set it: two d-bit operands, least-significant bit first,
 * padded with leading zeros to equal length, an operator token between them
 * (input length n = 2d + 1); the target is the product's 2d bits, least
 * significant first, then padding. Inputs are padded to the original
 * trainer's length bins; the curriculum is the original trainer's (protocol
 * file: tensorflow/models neural_gpu), in operand bits.
 */
import { SeedPart, uniformStream } from "../../random";

/** Symbols: padding, the bits 0 and 1, the operator. */
export const PAD = 0;
export const BIT0 = 1;
export const BIT1 = 2;
export const OP = 3;
export const VOCAB = 4;

/** The original trainer's bins of padded input length (protocol file). */
export const LENGTH_BINS: readonly number[] = [8, 12, 16, 20, 24, 28, 32, 36, 40, 48, 64, 128];

export interface Example {
  /** Operand bits (d each). */
  bits: number;
  a: bigint;
  b: bigint;
  /** Symbols, length 2d + 1. */
  input: number[];
  /** Symbols, length 2d + 1: the product's bits then PAD. */
  target: number[];
}

/** The padded length an input of `n` symbols trains at: the smallest bin that holds it, or n itself past the last bin. */
export function binLength(n: number): number {
  if (!(Number.isInteger(n) && n >= 1)) throw new RangeError(`binLength(): length must be a positive integer, got ${n}`);
  return LENGTH_BINS.find((b) => b >= n) ?? n;
}

function bitsOf(x: bigint, d: number): number[] {
  return Array.from({ length: d }, (_, i) => ((x >> BigInt(i)) & 1n) === 1n ? BIT1 : BIT0);
}

/** The example a x b on d-bit operands (a, b < 2^d). */
export function multiplication(a: bigint, b: bigint, d: number): Example {
  if (!(Number.isInteger(d) && d >= 1)) throw new RangeError(`multiplication(): operand bits must be a positive integer, got ${d}`);
  const top = 1n << BigInt(d);
  if (a < 0n || b < 0n || a >= top || b >= top) throw new RangeError(`multiplication(): operands must lie in [0, 2^${d})`);
  const input = [...bitsOf(a, d), OP, ...bitsOf(b, d)];
  const target = [...bitsOf(a * b, 2 * d), PAD];
  return { bits: d, a, b, input, target };
}

/** A uniformly random d-bit operand (leading zeros allowed, as padding makes them). */
function randomOperand(d: number, rand: () => number): bigint {
  let x = 0n;
  for (let i = 0; i < d; i++) if (rand() < 0.5) x |= 1n << BigInt(i);
  return x;
}

/** `count` random examples at d bits from the stream `seed`. */
export function randomExamples(count: number, d: number, ...seed: SeedPart[]): Example[] {
  const rand = uniformStream(...seed, "mul", d);
  return Array.from({ length: count }, () => multiplication(randomOperand(d, rand), randomOperand(d, rand), d));
}

/** The product an example's target spells (for checks and pictures). */
export function decodeBits(symbols: readonly number[]): bigint {
  let x = 0n;
  symbols.forEach((s, i) => {
    if (s === BIT1) x |= 1n << BigInt(i);
  });
  return x;
}

export interface Batch {
  size: number;
  /** Padded length L (every example's input padded with PAD to it). */
  length: number;
  /** [size * length], row-major. */
  inputs: Int32Array;
  targets: Int32Array;
}

/** Examples padded to `length` (default: the bin of the longest). */
export function encodeBatch(examples: readonly Example[], length?: number): Batch {
  if (!examples.length) throw new RangeError("encodeBatch(): no examples");
  const longest = Math.max(...examples.map((e) => e.input.length));
  const L = length ?? binLength(longest);
  if (L < longest) throw new RangeError(`encodeBatch(): length ${L} is shorter than an input of ${longest}`);
  const inputs = new Int32Array(examples.length * L);
  const targets = new Int32Array(examples.length * L);
  examples.forEach((e, i) => {
    inputs.set(e.input, i * L);
    targets.set(e.target, i * L);
  });
  return { size: examples.length, length: L, inputs, targets };
}

export interface CurriculumConfig {
  /** Shortest operand (bits). */
  minBits: number;
  /** Longest training operand (the paper: 20 bits). */
  maxBits: number;
  /** Where the bound c starts (the original: input length 6, i.e. ~2-3 bits). */
  startBits: number;
  /** c grows by one once the sequence error at d = c falls below this (the original: 0.12; a grid axis). */
  threshold: number;
  /** Probability of max(d1, U[min, c]) (the original: 0.6). */
  pHarder: number;
  /** Probability of max(d1, U[min, maxBits]) (the original: 0.25; the paper's text: 20% of batches anywhere up to 20). */
  pAnywhere: number;
}

/**
 * The original trainer's curriculum, in operand bits: a bound c; each batch
 * draws d1 ~ U[min, c], then with probability pHarder d = max(d1, U[min, c]),
 * with probability pAnywhere d = max(d1, U[min, maxBits]), else d = d1.
 */
export class Curriculum {
  bound: number;
  private readonly rand: () => number;

  constructor(readonly config: CurriculumConfig, ...seed: SeedPart[]) {
    const { minBits, maxBits, startBits, threshold, pHarder, pAnywhere } = config;
    if (!(Number.isInteger(minBits) && minBits >= 1 && Number.isInteger(maxBits) && maxBits >= minBits)) throw new RangeError(`Curriculum: need integers 1 <= minBits <= maxBits, got ${minBits}, ${maxBits}`);
    if (!(Number.isInteger(startBits) && startBits >= minBits && startBits <= maxBits)) throw new RangeError(`Curriculum: startBits must be an integer in [${minBits}, ${maxBits}], got ${startBits}`);
    if (!(threshold > 0 && threshold <= 1)) throw new RangeError(`Curriculum: threshold must be in (0, 1], got ${threshold}`);
    if (!(pHarder >= 0 && pAnywhere >= 0 && pHarder + pAnywhere <= 1)) throw new RangeError(`Curriculum: probabilities must be non-negative with sum <= 1, got ${pHarder}, ${pAnywhere}`);
    this.bound = startBits;
    this.rand = uniformStream(...seed, "curriculum");
  }

  private uniform(lo: number, hi: number): number {
    return lo + Math.floor(this.rand() * (hi - lo + 1));
  }

  /** The next batch's operand bits. */
  next(): number {
    const { minBits, maxBits, pHarder, pAnywhere } = this.config;
    const d1 = this.uniform(minBits, this.bound);
    const u = this.rand();
    if (u < pHarder) return Math.max(d1, this.uniform(minBits, this.bound));
    if (u < pHarder + pAnywhere) return Math.max(d1, this.uniform(minBits, maxBits));
    return d1;
  }

  /** Reports the sequence error measured at d = bound; returns whether the bound grew. */
  report(sequenceError: number): boolean {
    if (sequenceError < this.config.threshold && this.bound < this.config.maxBits) {
      this.bound += 1;
      return true;
    }
    return false;
  }

  get done(): boolean {
    return this.bound >= this.config.maxBits;
  }
}
