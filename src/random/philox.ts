/**
 * Counter-based Gaussian noise: Philox-4x32-10 (Salmon et al., "Parallel
 * random numbers: as easy as 1, 2, 3", SC 2011) and Box-Muller on f32.
 *
 * Element i of a stream with 64-bit key k and purpose word p is lane i mod 4
 * of philox(k, counter = [i >> 2, 0, p, 0]) turned into normals, so any
 * element can be computed anywhere, in any order, with no state carried
 * between elements. This module is the reference arithmetic: the WebAssembly
 * SIMD kernel (philox.wat) and the WGSL kernel repeat it operation for
 * operation. Every f32 operation is rounded with Math.fround: JS computes in
 * f64, and rounding an f64 +, -, *, / or sqrt of f32 inputs to f32 gives the
 * correctly rounded f32 result, which is what WebAssembly computes.
 * log, sin and cos are our own polynomials (below), not libm's, so cpu and
 * wasm agree to the bit. docs/noise-generator.md describes the design.
 */
import type { SeedPart } from "./rng";

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** What a stream's draws are for: the same seed, parameter and step give independent noise per purpose. */
export const PURPOSE = { gradientNoise: 1, weightNoise: 2 } as const;
export type Purpose = keyof typeof PURPOSE;

/** High 32 bits of the 64-bit product of two uint32s, from 16-bit halves (every partial sum stays below 2^53). */
function mulhi(a: number, b: number): number {
  const al = a & 0xffff, ah = a >>> 16, bl = b & 0xffff, bh = b >>> 16;
  const lh = al * bh, hl = ah * bl;
  const mid = ((al * bl) >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  return (ah * bh + (lh >>> 16) + (hl >>> 16) + (mid >>> 16)) >>> 0;
}

/** Philox-4x32-10 of counter (c0..c3) under key (k0, k1), written to out[0..3] as uint32s. */
export function philox4x32(c0: number, c1: number, c2: number, c3: number, k0: number, k1: number, out: Uint32Array | number[]): void {
  philoxBlock(c0, c1, c2, c3, k0, k1, BLOCK);
  for (let i = 0; i < 4; i++) out[i] = BLOCK[i];
}

const BLOCK = new Uint32Array(4);

/* One monomorphic body (a Uint32Array out) keeps V8's optimised code for the fill loop. */
function philoxBlock(c0: number, c1: number, c2: number, c3: number, k0: number, k1: number, out: Uint32Array): void {
  c0 >>>= 0; c1 >>>= 0; c2 >>>= 0; c3 >>>= 0; k0 >>>= 0; k1 >>>= 0;
  for (let r = 0; r < 10; r++) {
    if (r > 0) {
      k0 = (k0 + W0) >>> 0;
      k1 = (k1 + W1) >>> 0;
    }
    const hi0 = mulhi(M0, c0), lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulhi(M1, c2), lo1 = Math.imul(M1, c2) >>> 0;
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
  }
  out[0] = c0; out[1] = c1; out[2] = c2; out[3] = c3;
}

/**
 * The 64-bit FNV-1a hash of the seed's UTF-8 text (numbers as String(n), as
 * the xoshiro stream keys write them), as [low, high] uint32 words.
 */
export function seedKey(seed: SeedPart): [number, number] {
  const bytes = new TextEncoder().encode(String(seed));
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return [Number(h & 0xffffffffn), Number(h >> 32n)];
}

/**
 * The key of the stream for (seed, parameter index, step): Philox itself used
 * as a keyed hash, philox(seedKey(seed), [index, step, 0, 0xfeed]) words 0 and 1.
 */
export function streamKey64(seed: SeedPart, index: number, step: number): [number, number] {
  checkWord("parameter index", index);
  checkWord("step", step);
  return streamKeyOf(seedKey(seed), index, step);
}

function checkWord(what: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`philox streamKey64(): ${what} must be an integer in [0, 2^32), got ${v}`);
}

/**
 * streamKey64 from seedKey(seed), computed once: a transform keys every
 * parameter every step, and seedKey's hash (TextEncoder, BigInt) is most of
 * streamKey64's cost. index and step as streamKey64 checks them.
 */
export function streamKeyOf(key: readonly [number, number], index: number, step: number): [number, number] {
  checkWord("parameter index", index);
  checkWord("step", step);
  philoxBlock(index, step, 0, 0xfeed, key[0], key[1], BLOCK);
  return [BLOCK[0], BLOCK[1]];
}

/* f32 constants by bit pattern, so JS, WAT and WGSL hold the very same values. */
const f32bits = new Float32Array(1);
const u32bits = new Uint32Array(f32bits.buffer);
function bitsF32(b: number): number {
  u32bits[0] = b;
  return f32bits[0];
}

/** The polynomial constants as f32 bit patterns (philox.wat and the WGSL kernel spell the same bits). */
export const F32_BITS = {
  TWO_NEG_24: 0x33800000, // 2^-24
  SQRT2: 0x3fb504f3, // sqrt(2), rounded
  LN2_HI: 0x3f317200, // ln 2's leading bits (exact times any exponent in [-24, 0])
  LN2_LO: 0x35bfbe8e, // ln 2 - LN2_HI
  C3: 0x3eaaaaab, // 1/3
  C5: 0x3e4ccccd, // 1/5
  C7: 0x3e124925, // 1/7
  C9: 0x3de38e39, // 1/9
  QUARTER_TURN: 0x34c90fdb, // pi/2 (rounded) * 2^-22: a quadrant's 2^22 steps
  S3: 0xbe2aaaab, // -1/3!
  S5: 0x3c088889, // 1/5!
  S7: 0xb9500d01, // -1/7!
  S9: 0x3638ef1d, // 1/9!
  K2: 0xbf000000, // -1/2!
  K4: 0x3d2aaaab, // 1/4!
  K6: 0xbab60b61, // -1/6!
  K8: 0x37d00d01, // 1/8!
  K10: 0xb493f27e, // -1/10!
} as const;

const F = Math.fround;
const C = Object.fromEntries(Object.entries(F32_BITS).map(([k, b]) => [k, bitsF32(b)])) as Record<keyof typeof F32_BITS, number>;

const POW2 = Array.from({ length: 32 }, (_, i) => 2 ** i);

/**
 * ln(u) for u = k * 2^-24, k an integer in [1, 2^24]: u = m * 2^e with m in
 * [sqrt(1/2), sqrt(2)), ln m = 2 atanh(s), s = (m - 1) / (m + 1), |s| <= 0.1716,
 * by its series to s^9 (truncation below 1e-9).
 */
export function logUnit(k: number): number {
  // k's leading bit gives e exactly; m = k / 2^(bit) is exact (a power-of-two division).
  const lead = 31 - Math.clz32(k);
  let m = k / POW2[lead];
  let e = lead - 24;
  if (m > C.SQRT2) {
    m = F(m * 0.5);
    e += 1;
  }
  const s = F(F(m - 1) / F(m + 1));
  const z = F(s * s);
  let p = F(F(z * C.C9) + C.C7);
  p = F(F(p * z) + C.C5);
  p = F(F(p * z) + C.C3);
  p = F(p * z); // s^2/3 + s^4/5 + ...
  const lnm = F(F(s + s) + F(F(s + s) * p));
  return F(F(e * C.LN2_HI) + F(lnm + F(e * C.LN2_LO)));
}

/** sin and cos of 2 pi j 2^-24 for an integer j in [0, 2^24): quadrant by integer rounding, Taylor polynomials on [-pi/4, pi/4]. */
export function sinCosTurn(j: number, out: number[]): void {
  // Nearest quadrant q and the remainder d in [-2^21, 2^21) in integers: 4u = q + d 2^-22 exactly.
  const q = (j + 0x200000) >>> 22;
  const d = j - (q << 22);
  const x = F(d * C.QUARTER_TURN); // d * 2^-22 * pi/2, one rounding
  const x2 = F(x * x);
  let s = F(F(x2 * C.S9) + C.S7);
  s = F(F(s * x2) + C.S5);
  s = F(F(s * x2) + C.S3);
  s = F(x + F(F(s * x2) * x));
  let c = F(F(x2 * C.K10) + C.K8);
  c = F(F(c * x2) + C.K6);
  c = F(F(c * x2) + C.K4);
  c = F(F(c * x2) + C.K2);
  c = F(1 + F(c * x2));
  switch (q & 3) {
    case 0: out[0] = s; out[1] = c; break;
    case 1: out[0] = c; out[1] = -s; break;
    case 2: out[0] = -s; out[1] = -c; break;
    default: out[0] = -c; out[1] = s; break;
  }
}

/**
 * The two normals of one Box-Muller pair of uint32s: u1 = (a >> 8 + 1) 2^-24
 * in (0, 1], turn = (b >> 8) 2^-24 in [0, 1); r = sqrt(-2 ln u1); (r cos, r sin),
 * each times std (rounded to f32).
 */
function boxMuller(a: number, b: number, std: number, out: number[], sc: number[]): void {
  const r = F(Math.sqrt(F(-2 * logUnit((a >>> 8) + 1))));
  sinCosTurn(b >>> 8, sc);
  out[0] = F(F(r * sc[1]) * std);
  out[1] = F(F(r * sc[0]) * std);
}

/**
 * Writes `size` normals times std (f32) into out[offset ...]: stream element
 * i = start + j goes to out[offset + j]. Element i is lane i & 3 of block
 * i >> 2: lanes 0 and 1 are the pair (x0, x1) (cos, sin), lanes 2 and 3 the
 * pair (x2, x3).
 */
export function philoxFill(out: Float32Array, offset: number, size: number, key: readonly [number, number], purpose: number, std: number, start = 0): Float32Array {
  if (!(Number.isInteger(start) && start >= 0 && Number.isInteger(size) && size >= 0)) throw new RangeError(`philoxFill(): start and size must be non-negative integers, got ${start} and ${size}`);
  const x = new Uint32Array(4);
  const pair = [0, 0], sc = [0, 0], z = [0, 0, 0, 0];
  const sd = F(std);
  const end = start + size;
  for (let b = Math.floor(start / 4); b * 4 < end; b++) {
    philoxBlock(b, Math.floor(b / 4294967296), purpose, 0, key[0], key[1], x);
    boxMuller(x[0], x[1], sd, pair, sc);
    z[0] = pair[0]; z[1] = pair[1];
    boxMuller(x[2], x[3], sd, pair, sc);
    z[2] = pair[0]; z[3] = pair[1];
    const lo = Math.max(b * 4, start), hi = Math.min(b * 4 + 4, end);
    for (let i = lo; i < hi; i++) out[offset + i - start] = z[i - b * 4];
  }
  return out;
}
