/**
 * Fingerprints of what a run was trained with. A record carries
 * `fingerprint(runIdentity(...))`; the sweep and the merge count a record as
 * belonging to the plan only when its fingerprint equals the plan's, so a
 * record made under another scale, step count or code schema is never mistaken
 * for a finished run just because its key matches.
 *
 * The hash is over a canonical JSON text (object keys sorted, recursively) so
 * that key order, which carries no meaning, cannot change it. Values JSON
 * cannot represent faithfully are refused rather than silently altered:
 * JSON.stringify turns NaN into null and drops undefined, so two different
 * configs would otherwise share a fingerprint.
 */
import { createHash } from "crypto";

/** Length of a fingerprint in hex characters (64 bits: ample for telling configs apart, short enough to read). */
export const FINGERPRINT_LENGTH = 16;

/**
 * JSON text of `value` with every object's keys sorted (by UTF-16 code units,
 * as Array.prototype.sort does), no whitespace. Accepts null, booleans, finite
 * numbers, strings, arrays and plain objects; throws, naming the path (e.g.
 * `$.config.lr`), on non-finite numbers, undefined, functions, symbols,
 * bigints, array holes, cycles and non-plain objects (Date, Map, class
 * instances: their JSON form would silently lose information).
 */
export function canonicalJson(value: unknown): string {
  return encode(value, "$", new Set());
}

function encode(value: unknown, at: string, stack: Set<object>): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "boolean":
      return value ? "true" : "false";
    case "string":
      return JSON.stringify(value);
    case "number":
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${at} is ${value}; only finite numbers have a JSON form`);
      return JSON.stringify(value); // -0 becomes 0, as in JSON.
    case "undefined":
      throw new TypeError(`canonicalJson: ${at} is undefined; JSON would drop it silently (use null, or leave the key out)`);
    case "function":
    case "symbol":
    case "bigint":
      throw new TypeError(`canonicalJson: ${at} is a ${typeof value}, which has no JSON form`);
  }
  const obj = value as object;
  if (stack.has(obj)) throw new TypeError(`canonicalJson: ${at} refers back to an enclosing object (a cycle)`);
  stack.add(obj);
  try {
    if (Array.isArray(obj)) {
      const parts: string[] = [];
      for (let i = 0; i < obj.length; i++) {
        if (!(i in obj)) throw new TypeError(`canonicalJson: ${at}[${i}] is a hole in a sparse array`);
        parts.push(encode(obj[i], `${at}[${i}]`, stack));
      }
      return `[${parts.join(",")}]`;
    }
    const proto = Object.getPrototypeOf(obj);
    if (proto !== Object.prototype && proto !== null) {
      const name = (proto && proto.constructor && proto.constructor.name) || "object";
      throw new TypeError(`canonicalJson: ${at} is a ${name}, not a plain object; convert it to plain data first`);
    }
    if (Object.getOwnPropertySymbols(obj).length) throw new TypeError(`canonicalJson: ${at} has symbol keys, which have no JSON form`);
    const keys = Object.keys(obj).sort();
    const parts = keys.map((k) => `${JSON.stringify(k)}:${encode((obj as Record<string, unknown>)[k], `${at}${pathKey(k)}`, stack)}`);
    return `{${parts.join(",")}}`;
  } finally {
    stack.delete(obj);
  }
}

function pathKey(k: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`;
}

/** First FINGERPRINT_LENGTH hex characters of the SHA-256 of canonicalJson(value). */
export function fingerprint(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value), "utf8").digest("hex").slice(0, FINGERPRINT_LENGTH);
}

/** What a run's fingerprint covers; one shape for every experiment so fingerprints are made one way. */
export interface RunIdentity {
  /** Registered experiment id, e.g. "deep-mlp". */
  experiment: string;
  /** The run config resolved for the scale and overrides (everything training reads). */
  config: unknown;
  /** The run spec (key, seed, setting, ...). */
  spec: unknown;
  /** Bumped when the record's schema or the training code changes what a record means. */
  schema: number;
}

/** Fingerprint of a run: fingerprint({ experiment, config, spec, schema }). */
export function runFingerprint(id: RunIdentity): string {
  return fingerprint({ experiment: id.experiment, config: id.config, spec: id.spec, schema: id.schema });
}

/** Length of a record's content digest in hex characters (the whole SHA-256). */
export const DIGEST_LENGTH = 64;

/**
 * The content digest a record carries as its `digest` field: the SHA-256
 * (hex) of canonicalJson of the record without its `digest`. Any edit to a
 * written record (a value, a step count, a field added or removed) changes
 * it, so the store sets such a record aside. Throws (canonicalJson) on
 * values JSON cannot hold, e.g. a number 1e999 read back as Infinity.
 */
export function recordDigest(record: Record<string, unknown>): string {
  const { digest: _omit, ...rest } = record;
  void _omit;
  return createHash("sha256").update(canonicalJson(rest), "utf8").digest("hex");
}

/** The record with its digest as its last field (what the sweep writes). */
export function withDigest<T extends object>(record: T): T & { digest: string } {
  const { digest: _old, ...rest } = record as T & { digest?: unknown };
  void _old;
  return { ...(rest as T), digest: recordDigest(rest as Record<string, unknown>) };
}

/** Why `record`'s digest does not vouch for its content, or undefined when it does. */
export function digestProblem(record: Record<string, unknown>): string | undefined {
  const d = record.digest;
  if (d === undefined) return "no digest (a record the sweep writes carries one; this one was written by hand or by older code)";
  if (typeof d !== "string") return `digest ${JSON.stringify(d)} is not a string`;
  let want: string;
  try {
    want = recordDigest(record);
  } catch (e) {
    return `content cannot be digested (${(e as Error).message.replace(/^canonicalJson: /, "")}): the record was damaged or edited`;
  }
  return d === want ? undefined : `digest does not match the content (edited after it was written; the content's digest is ${want.slice(0, 12)}...)`;
}
