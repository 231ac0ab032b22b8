/**
 * Seeded Gaussian streams.
 *
 * Every random draw in gradnoise comes from a stream named by a key, its
 * parts joined by "/": gradient noise for parameter 3 at step 120 with seed 7
 * uses gradientNoiseKey(7, 3, 120) = "7/grad-noise/3/120". seedrandom's Alea
 * hashes the key (its Mash function mixes every character): Alea itself makes
 * the uniforms (uniformStream, permutation), and seeds a xoshiro128** generator
 * for the Gaussian draws (streamState, fillGaussian). Keys that differ anywhere
 * give independent streams, and the same key gives the same numbers on any
 * backend: noise is made here in JS, then uploaded, never drawn by the backend.
 *
 * We do not use `tf.randomNormal(..., seed)`: it treats seed 0 as "unseeded"
 * and returns the same tensor for the same seed on every call, which makes it
 * easy to add identical "noise" at every step.
 */
import seedrandom from "seedrandom";

export type SeedPart = string | number;

/** Joins key parts; "/" cannot occur inside numbers, so keys stay unambiguous for numeric parts. */
export function streamKey(...parts: SeedPart[]): string {
  return parts.map(String).join("/");
}

/** A uniform generator on [0, 1) for the stream named by `parts`. */
export function uniformStream(...parts: SeedPart[]): () => number {
  return seedrandom.alea(streamKey(...parts));
}

/**
 * The 128-bit state of the stream named by `parts`: Alea's first four 32-bit
 * outputs for the key seed a xoshiro128** generator for the bulk draws. Alea
 * alone costs ~17 ns per uniform here; xoshiro's integer ops a few ns.
 */
export function streamState(...parts: SeedPart[]): Uint32Array {
  const alea = seedrandom.alea(streamKey(...parts));
  const s = new Uint32Array([alea.int32(), alea.int32(), alea.int32(), alea.int32()]);
  if ((s[0] | s[1] | s[2] | s[3]) === 0) s[0] = 1; // the all-zero state is a fixed point
  return s;
}

/**
 * Fills `out` with N(0, std^2) draws from the stream `parts`: xoshiro128**
 * (Blackman & Vigna) uniforms through Marsaglia's polar method, which needs
 * one log and one sqrt per pair and no trigonometry.
 */
export function fillGaussian(out: Float32Array, std: number, ...parts: SeedPart[]): Float32Array {
  const st = streamState(...parts);
  let s0 = st[0] | 0, s1 = st[1] | 0, s2 = st[2] | 0, s3 = st[3] | 0;
  const TWO_NEG_31 = 1 / 2147483648;
  const n = out.length;
  let i = 0;
  while (i < n) {
    // Two uniforms in (-1, 1) from two xoshiro128** outputs (signed 32-bit / 2^31).
    let r = Math.imul(s1, 5);
    const a = Math.imul((r << 7) | (r >>> 25), 9);
    let t = s1 << 9;
    s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = (s3 << 11) | (s3 >>> 21);
    r = Math.imul(s1, 5);
    const b = Math.imul((r << 7) | (r >>> 25), 9);
    t = s1 << 9;
    s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = (s3 << 11) | (s3 >>> 21);
    const v1 = a * TWO_NEG_31;
    const v2 = b * TWO_NEG_31;
    const q = v1 * v1 + v2 * v2;
    if (q >= 1 || q === 0) continue; // reject ~21% of pairs: keep points inside the unit disc
    const f = std * Math.sqrt((-2 * Math.log(q)) / q);
    out[i++] = v1 * f;
    if (i < n) out[i++] = v2 * f;
  }
  return out;
}

/** `n` draws of N(0, std^2) from the stream `parts`. */
export function gaussian(n: number, std: number, ...parts: SeedPart[]): Float32Array {
  return fillGaussian(new Float32Array(n), std, ...parts);
}

/** A Fisher-Yates permutation of 0..n-1 from the stream `parts` (data order per epoch). */
export function permutation(n: number, ...parts: SeedPart[]): Int32Array {
  const next = seedrandom.alea(streamKey(...parts));
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    const tmp = p[i];
    p[i] = p[j];
    p[j] = tmp;
  }
  return p;
}
