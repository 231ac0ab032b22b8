/**
 * Argument checks shared by the schedules and transforms. Each error names the
 * function and the argument so a bad config fails where it is written, not
 * thousands of steps later as a NaN loss.
 */
import { UnknownOptionError } from "./errors";

export function requireFiniteNonNegative(where: string, arg: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`${where}: ${arg} must be a finite number >= 0, got ${String(value)}`);
  }
  return value;
}

export function requireFinitePositive(where: string, arg: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${where}: ${arg} must be a finite number > 0, got ${String(value)}`);
  }
  return value;
}

export function requireNonNegativeInteger(where: string, arg: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw new RangeError(`${where}: ${arg} must be an integer >= 0, got ${String(value)}`);
  }
  return value;
}

/** Seeds are strings or safe integers; anything else would silently collide. */
export function requireSeed(where: string, value: unknown): string | number {
  if (typeof value === "string" && value.length > 0) return value;
  if (typeof value === "number" && Number.isSafeInteger(value)) return value;
  throw new TypeError(`${where}: seed must be a non-empty string or a safe integer, got ${String(value)}`);
}

/** A population size: an integer >= 1. */
export function requirePositiveInteger(where: string, arg: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new RangeError(`${where}: ${arg} must be an integer >= 1, got ${String(value)}`);
  }
  return value;
}

/**
 * Options objects are checked for keys the function does not know: in JS a
 * mistyped key (`clipNorm` for clipGlobalNorm, `gama`) is otherwise ignored,
 * and clipping or the schedule is silently not what was asked for.
 * `hints` names what a removed key became.
 */
export function rejectUnknownKeys(where: string, options: unknown, known: readonly string[], hints: Readonly<Record<string, string>> = {}): void {
  if (options == null || typeof options !== "object") return;
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const hint = hints[key] ? ` (${hints[key]})` : "";
    throw new UnknownOptionError(where, key, known, hint);
  }
}

