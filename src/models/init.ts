/**
 * Weight initialisations compared in Section 4.1 (Table 1). Weights come from
 * seeded JS streams so a run's init is identical on every backend.
 */
import { gaussian, SeedPart } from "../random/rng";

export type InitScheme =
  /** "Simple Init": N(0, std^2), std = 0.1 in the paper. */
  | { kind: "normal"; std: number }
  /** "Good Init 1": random-walk init, Sussillo & Abbott 2014. */
  | { kind: "randomWalk" }
  /** "Good Init 2": He et al. 2015, std = sqrt(2 / fan_in). */
  | { kind: "he" }
  /** "Bad Init": every weight zero (Table 1, Experiment 6). */
  | { kind: "zeros" };

export const SIMPLE_INIT: InitScheme = { kind: "normal", std: 0.1 };

/**
 * Random-walk init for ReLU: std = g / sqrt(N), g = sqrt(2) exp(1.2 / (max(N, 6) - 2.4)),
 * N = fan_in (Sussillo & Abbott 2014, as summarised in shared/REFERENCE.md).
 */
export function randomWalkStd(fanIn: number): number {
  const g = Math.SQRT2 * Math.exp(1.2 / (Math.max(fanIn, 6) - 2.4));
  return g / Math.sqrt(fanIn);
}

export function initStd(scheme: InitScheme, fanIn: number): number {
  switch (scheme.kind) {
    case "normal":
      return scheme.std;
    case "randomWalk":
      return randomWalkStd(fanIn);
    case "he":
      return Math.sqrt(2 / fanIn);
    case "zeros":
      return 0;
    default:
      throw new RangeError(`unknown init scheme ${JSON.stringify(scheme)}`);
  }
}

export function initLabel(scheme: InitScheme): string {
  return scheme.kind === "normal" ? `normal(std=${scheme.std})` : scheme.kind;
}

/** A [fanIn, fanOut] weight matrix drawn from the scheme's stream `key`. */
export function initWeights(scheme: InitScheme, fanIn: number, fanOut: number, ...key: SeedPart[]): Float32Array {
  const std = initStd(scheme, fanIn);
  return std === 0 ? new Float32Array(fanIn * fanOut) : gaussian(fanIn * fanOut, std, ...key);
}
