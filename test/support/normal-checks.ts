/**
 * Checks that draws look like N(0, std^2), shared by the generator's tests
 * on every backend. Tolerances are 4 standard errors (KS: the 1e-4 critical
 * value), so a correct generator fails with probability under 1e-4; the
 * tests use fixed keys, so they never flake.
 */
import assert from "node:assert/strict";
import { normalCdf } from "../../src/stats/tests";

export function mean(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s / a.length;
}

export function variance(a: ArrayLike<number>): number {
  const m = mean(a);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - m) * (a[i] - m);
  return s / (a.length - 1);
}

export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  const ma = mean(a), mb = mean(b);
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < a.length; i++) {
    const da = a[i] - ma, db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return sab / Math.sqrt(saa * sbb);
}

/** The Kolmogorov-Smirnov distance between the sample's (x / std) distribution and N(0, 1). */
export function ksNormal(a: ArrayLike<number>, std: number): number {
  const xs = Float64Array.from(a, (x) => x / std).sort();
  const n = xs.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = normalCdf(xs[i]);
    d = Math.max(d, f - i / n, (i + 1) / n - f);
  }
  return d;
}

/** Asserts mean 0, variance std^2 (4 SE), and KS distance below the alpha = 1e-4 critical value. */
export function assertNormal(a: ArrayLike<number>, std: number, label: string): void {
  const n = a.length;
  const m = mean(a), v = variance(a);
  const seMean = std / Math.sqrt(n), seVar = std * std * Math.sqrt(2 / n);
  assert.ok(Math.abs(m) < 4 * seMean, `${label}: mean ${m} beyond 4 SE (${4 * seMean})`);
  assert.ok(Math.abs(v - std * std) < 4 * seVar, `${label}: variance ${v} vs ${std * std} beyond 4 SE (${4 * seVar})`);
  const crit = Math.sqrt(-Math.log(1e-4 / 2) / 2) / Math.sqrt(n);
  const d = ksNormal(a, std);
  assert.ok(d < crit, `${label}: KS distance ${d} to N(0, 1) beyond ${crit}`);
}

/** Asserts |correlation| below 4 / sqrt(n) (4 SE under independence). */
export function assertUncorrelated(a: ArrayLike<number>, b: ArrayLike<number>, label: string): void {
  const r = pearson(a, b);
  const bound = 4 / Math.sqrt(a.length);
  assert.ok(Math.abs(r) < bound, `${label}: correlation ${r} beyond ${bound}`);
}

export function sameBits(a: Float32Array, b: Float32Array): { equal: boolean; first: number } {
  if (a.length !== b.length) return { equal: false, first: -1 };
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) return { equal: false, first: i };
  return { equal: true, first: -1 };
}
