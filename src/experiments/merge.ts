/**
 * Explicit merge of cluster part files into one results file, checked against
 * the plan. Parts come from machines that may have run other code, another
 * scale or a stale plan, so nothing is taken on its key alone: a record is
 * carried over only when its key is planned and its fingerprint equals the
 * plan's (see fingerprint.ts).
 *
 * The merge is repeatable: `out`'s own records are read first and the output
 * is written in plan order from the records' original lines, so merging the
 * same parts again gives the same file byte for byte, and merging more parts
 * later adds to what is there. Inputs are never modified or deleted. Nothing
 * dropped is lost: every line not carried into `out` goes to
 * `<out>.rejected.jsonl` with its origin and the reason (this matters for
 * `out` itself, which is rewritten).
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from "fs";
import { randomBytes } from "crypto";
import * as path from "path";
import { canonicalJson } from "./fingerprint";
import { checkResultsName, readResultLines, ResultLine } from "./jsonl";
import { acquireLock } from "./lock";

export interface MergeOptions {
  /** The merged results file; its existing records take part in the merge. */
  out: string;
  /** Part files (and any other results files) to merge into `out`. */
  inputs: readonly string[];
  /** The plan: key -> fingerprint, in plan order (the order `out` is written in). */
  expected: ReadonlyMap<string, string>;
  /** Write `out` despite refusals, setting refused lines aside in `<out>.rejected.jsonl`. */
  force?: boolean;
  /**
   * Top-level fields ignored when deciding whether two records of one key are
   * the same run (e.g. ["seconds", "date"]); the first one read is kept.
   * Default none: any difference is a conflict.
   */
  volatile?: readonly string[];
  /**
   * A further check of each record whose key and fingerprint are the plan's
   * (the sweep's whyNotCounted: spec fields, measures, digest): a reason
   * refuses it. Default none.
   */
  check?: (record: Record<string, unknown>) => string | undefined;
  /** Where warnings go (truncated last lines, records set aside); default console.warn. */
  warn?: (msg: string) => void;
}

export interface Refusal {
  file: string;
  /** 1-based line number in `file`. */
  line: number;
  key?: string;
  reason: string;
  /** The line as read. */
  raw: string;
}

export interface MergeResult {
  /** Records in `out` after the merge. */
  written: number;
  /** Records refused and set aside (empty unless `force`: without it, refusals throw). */
  refused: Refusal[];
  /** Planned keys with no record: runs still to do. */
  missing: string[];
  /** Lines skipped with a warning (truncated last lines). */
  warnings: string[];
  /** The side file, when something was set aside in it by this merge. */
  rejectedFile?: string;
}

/** Thrown when records are refused and `force` is not set; nothing has been written. */
export class MergeRefusedError extends Error {
  constructor(
    readonly refusals: Refusal[],
    out: string,
  ) {
    const shown = refusals.slice(0, 50).map((r) => `  ${r.file}:${r.line}: ${r.reason}`);
    if (refusals.length > shown.length) shown.push(`  ... and ${refusals.length - shown.length} more`);
    super(
      `merge into ${out} refused ${refusals.length} record${refusals.length === 1 ? "" : "s"} that do not match the plan:\n${shown.join("\n")}\n` +
        `Nothing was written. Fix or remove those lines, or merge with force to write the rest and set these aside in ${rejectedPath(out)}.`,
    );
    this.name = "MergeRefusedError";
  }
}

export function rejectedPath(out: string): string {
  return `${out}.rejected.jsonl`;
}


function readLines(file: string): ResultLine[] {
  try {
    return readResultLines(file);
  } catch (e) {
    throw new Error(`merge: ${(e as Error).message}`);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> & { key: string } {
  return typeof v === "object" && v !== null && !Array.isArray(v) && typeof (v as { key?: unknown }).key === "string";
}

function withoutFields(rec: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  if (!fields.length) return rec;
  const copy: Record<string, unknown> = { ...rec };
  for (const f of fields) delete copy[f];
  return copy;
}

/** Top-level fields whose values differ between a and b. */
function differingFields(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.filter((k) => !(k in a) || !(k in b) || canonicalJson(a[k]) !== canonicalJson(b[k]));
}

/**
 * Merges `inputs` (and `out`'s existing records) into `out`, in plan order.
 * Refuses, with file:line and reason, records that are not run records, whose
 * key is not planned, whose fingerprint is missing or not the plan's, or that
 * repeat a key with different content (identical repeats are dropped
 * quietly), and unreadable lines other than a truncated last line (warned
 * about and skipped). Throws MergeRefusedError listing the refusals unless
 * `force`. Writes `out` atomically (temporary file + rename), holding
 * `out`'s lock (lock.ts) throughout.
 */
export function mergeShardFiles(opts: MergeOptions): MergeResult {
  checkResultsName(opts.out);
  // The same lock a sweep holds on `out`: a merge never rewrites a file a sweep is appending to.
  const release = acquireLock(opts.out, { warn: opts.warn });
  try {
    return mergeLocked(opts);
  } finally {
    release();
  }
}

function mergeLocked(opts: MergeOptions): MergeResult {
  const { out, expected, force = false, volatile = [] } = opts;
  const warn = opts.warn ?? ((m: string) => console.warn(m));
  for (const f of opts.inputs) if (!existsSync(f)) throw new Error(`merge: input ${f} does not exist`);

  // out first, so that on repeated merges its records are the ones kept; an input naming out is not read twice.
  const files: string[] = [];
  const seen = new Set<string>();
  for (const f of [...(existsSync(out) ? [out] : []), ...opts.inputs]) {
    const abs = path.resolve(f);
    if (!seen.has(abs)) {
      seen.add(abs);
      files.push(f);
    }
  }

  const kept = new Map<string, ResultLine & { value: Record<string, unknown> & { key: string } }>();
  const refused: Refusal[] = [];
  const warnings: string[] = [];
  const dropped: Refusal[] = [];
  for (const file of files) {
    for (const l of readLines(file)) {
      const refuse = (reason: string, key?: string) => refused.push({ file, line: l.line, key, reason, raw: l.raw });
      if (l.error !== undefined) {
        if (l.unterminatedLast) {
          const msg = `${file}:${l.line}: truncated last line (a write cut off); skipped, so its run counts as missing`;
          warnings.push(msg);
          dropped.push({ file, line: l.line, reason: "truncated last line", raw: l.raw });
        } else refuse(`unreadable line (${l.error})`);
        continue;
      }
      const rec = l.value;
      if (!isRecord(rec)) {
        refuse(`not a run record (a JSON object with a string "key")`);
        continue;
      }
      const key = rec.key;
      const want = expected.get(key);
      if (want === undefined) {
        refuse(`key ${JSON.stringify(key)} is not in the plan`, key);
        continue;
      }
      if (typeof rec.fingerprint !== "string") {
        refuse(`key ${JSON.stringify(key)} has no fingerprint (written by older code or by hand), so what it was trained with is unknown`, key);
        continue;
      }
      if (rec.fingerprint !== want) {
        refuse(`key ${JSON.stringify(key)} has fingerprint ${rec.fingerprint}, the plan's is ${want} (trained with another config, scale or code version)`, key);
        continue;
      }
      const why = opts.check?.(rec);
      if (why !== undefined) {
        refuse(`key ${JSON.stringify(key)}: ${why}`, key);
        continue;
      }
      const first = kept.get(key);
      if (first) {
        const diff = differingFields(withoutFields(first.value, volatile), withoutFields(rec, volatile));
        if (diff.length) refuse(`key ${JSON.stringify(key)} is already in ${first.file}:${first.line} with different content (${diff.join(", ")} differ)`, key);
        continue;
      }
      kept.set(key, { ...l, value: rec });
    }
  }

  if (refused.length && !force) throw new MergeRefusedError(refused, out);

  const lines: string[] = [];
  const missing: string[] = [];
  for (const key of expected.keys()) {
    const k = kept.get(key);
    if (k) lines.push(k.raw);
    else missing.push(key);
  }

  for (const w of warnings) warn(w);
  // Side file before out: if we die in between, a line dropped from out still exists somewhere.
  const setAside = [...refused, ...dropped];
  let rejectedFile: string | undefined;
  if (setAside.length) {
    rejectedFile = rejectedPath(out);
    const added = appendRejected(rejectedFile, setAside);
    if (refused.length) warn(`merge: ${refused.length} refused record${refused.length === 1 ? "" : "s"} set aside in ${rejectedFile}${added < setAside.length ? " (some already there)" : ""}`);
  }
  writeFileAtomic(out, lines.length ? lines.join("\n") + "\n" : "");
  return { written: lines.length, refused, missing, warnings, rejectedFile };
}

/** Adds entries not already in the side file (so repeated merges do not grow it); returns how many were new. */
export function appendRejected(file: string, entries: readonly Refusal[]): number {
  const existing = existsSync(file) ? readFileSync(file, "utf8") : "";
  const have = new Set<string>();
  for (const line of existing.split("\n")) {
    if (!line.trim()) continue;
    try {
      const e = JSON.parse(line) as Refusal;
      have.add(JSON.stringify([e.file, e.line, e.raw]));
    } catch {
      // A damaged side-file line is kept as it is and just not matched.
    }
  }
  const fresh = entries.filter((e) => {
    const id = JSON.stringify([e.file, e.line, e.raw]);
    if (have.has(id)) return false;
    have.add(id);
    return true;
  });
  if (fresh.length) {
    const body = fresh.map((e) => JSON.stringify({ file: e.file, line: e.line, key: e.key, reason: e.reason, raw: e.raw })).join("\n") + "\n";
    writeFileAtomic(file, existing + (existing && !existing.endsWith("\n") ? "\n" : "") + body);
  }
  return fresh.length;
}

/**
 * Writes `file` so that readers (and a crash) see either the old content or
 * the new, never a mix: a uniquely named temporary file in the same directory
 * (rename is atomic only within one file system), flushed, then renamed over.
 */
export function writeFileAtomic(file: string, data: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  let fd: number | undefined;
  try {
    fd = openSync(tmp, "wx");
    writeSync(fd, data);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, file);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    if (existsSync(tmp)) unlinkSync(tmp);
    throw e;
  }
}

export interface RecordDiffOptions {
  /** Top-level fields not compared (timings: e.g. ["seconds", "date"]). */
  ignore?: readonly string[];
}

/**
 * Differences between two results files, record for record and in order, as
 * readable lines (empty: identical apart from `ignore`d fields). For tests
 * such as "three shards merged equal one unsharded run".
 */
export function diffRecordFiles(a: string, b: string, opts: RecordDiffOptions = {}): string[] {
  const ignore = opts.ignore ?? [];
  const read = (file: string) =>
    readLines(file).map((l) => {
      if (l.error !== undefined || !isRecord(l.value)) throw new Error(`${file}:${l.line}: not a readable run record`);
      return l.value;
    });
  const ra = read(a);
  const rb = read(b);
  const diffs: string[] = [];
  const keysA = ra.map((r) => r.key);
  const keysB = rb.map((r) => r.key);
  const inB = new Set(keysB);
  const inA = new Set(keysA);
  for (const k of keysA) if (!inB.has(k)) diffs.push(`${JSON.stringify(k)} only in ${a}`);
  for (const k of keysB) if (!inA.has(k)) diffs.push(`${JSON.stringify(k)} only in ${b}`);
  const common = (keys: string[], other: Set<string>) => keys.filter((k) => other.has(k));
  if (common(keysA, inB).join("\n") !== common(keysB, inA).join("\n")) diffs.push(`records are in a different order in ${a} and ${b}`);
  const byKeyB = new Map(rb.map((r) => [r.key, r]));
  for (const r of ra) {
    const o = byKeyB.get(r.key);
    if (!o) continue;
    const fields = differingFields(withoutFields(r, ignore), withoutFields(o, ignore));
    if (fields.length) diffs.push(`${JSON.stringify(r.key)}: ${fields.join(", ")} differ`);
  }
  if (new Set(keysA).size !== keysA.length) diffs.push(`${a} repeats a key`);
  if (new Set(keysB).size !== keysB.length) diffs.push(`${b} repeats a key`);
  return diffs;
}
