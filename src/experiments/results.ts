/**
 * Experiment results as JSON Lines: one record per finished run, appended the
 * moment the run ends, so an interrupted sweep loses at most the runs in
 * flight. Parallel workers append to their own shard files
 * (`<name>.shard<i>.jsonl`); loading merges the base file and every shard.
 * A truncated last line (a kill mid-write) is skipped with a warning, not
 * fatal; whatever is dropped when files are rewritten goes to the side file
 * `<name>.jsonl.rejected.jsonl` first, never just deleted.
 */
import { appendFileSync, closeSync, existsSync, fstatSync, mkdirSync, openSync, readdirSync, readSync, unlinkSync } from "fs";
import * as path from "path";
import type { FoundRecord, RunRecord } from "./contract";
import { checkResultsName, readResultLines, ResultLine } from "./jsonl";
import { appendRejected, rejectedPath, writeFileAtomic } from "./merge";

export interface RunRecordBase {
  /** Unique within a sweep; resume skips keys already present. */
  key: string;
}

export function shardPath(file: string, shard?: number): string {
  if (shard === undefined) return file;
  return file.replace(/\.jsonl$/, "") + `.shard${shard}.jsonl`;
}

/** True when `file` exists, is non-empty and its last byte is not a newline (a write was cut off). */
function endsMidLine(file: string): boolean {
  if (!existsSync(file)) return false;
  const fd = openSync(file, "r");
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return false;
    const last = Buffer.alloc(1);
    readSync(fd, last, 0, 1, size - 1);
    return last[0] !== 0x0a;
  } finally {
    closeSync(fd);
  }
}

export function appendRecord(file: string, record: RunRecordBase): void {
  mkdirSync(path.dirname(file), { recursive: true });
  // After a kill mid-write, start on a new line so the broken record does not swallow this one.
  appendFileSync(file, (endsMidLine(file) ? "\n" : "") + JSON.stringify(record) + "\n");
}

/** `file` and its local worker shard files that exist, base first. Throws on a name that is not a results file's (checkResultsName), so nothing rewrites a file it did not read. */
export function resultFiles(file: string): string[] {
  checkResultsName(file);
  const dir = path.dirname(file);
  const base = path.basename(file).replace(/\.jsonl$/, "");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f === `${base}.jsonl` || (f.startsWith(`${base}.shard`) && f.endsWith(".jsonl")))
    .sort()
    .map((f) => path.join(dir, f));
}

/**
 * Every parsed record in `dir`'s results files of `scale` (`<id>-<scale>.jsonl`,
 * `<id>-<scale>-<tags>.jsonl` and their worker shards, not the side files of
 * set-aside lines) that `match` accepts. Unreadable lines are skipped: their
 * own sweeps report them.
 */
export function findRecords(dir: string, scale: string, match: (r: Record<string, unknown>) => boolean): FoundRecord[] {
  if (!existsSync(dir)) return [];
  const ofScale = new RegExp(`-${scale.replace(/[^a-z0-9]/gi, "")}(-[^/]*)?(\\.shard\\d+)?\\.jsonl$`);
  const out: FoundRecord[] = [];
  for (const f of readdirSync(dir).sort()) {
    if (!ofScale.test(f) || f.endsWith(".rejected.jsonl")) continue;
    for (const l of readResultLines(path.join(dir, f))) {
      const v = l.value;
      if (l.error === undefined && v !== null && typeof v === "object" && !Array.isArray(v) && (v as { scale?: unknown }).scale === scale && match(v as Record<string, unknown>)) out.push({ record: v as Record<string, unknown>, where: `${f}:${l.line}` });
    }
  }
  return out;
}

/** One non-blank line of a results file, parsed if it can be. */
export { readResultLines } from "./jsonl";
export type { ResultLine } from "./jsonl";

/** Why a later record of a key does not count: the first one read does (as in sweep.ts's audit and merge.ts). */
const secondRecord = (key: string, first: ResultLine) => `a second, different record of key ${JSON.stringify(key)} (the first, at ${first.file}:${first.line}, is the one kept)`;

/**
 * Merges `file`'s shards into `file` itself, records in `order` of their keys
 * (others after), then removes the shards. Written to a temporary file and
 * renamed, so a crash leaves either the old files or the merged one. The
 * first record of a key read (base file first, then shards in name order)
 * is kept, as everywhere in the store; lines that are not records, and later
 * different records of a kept key, go to the side file first, with a warning
 * each (an identical repeat goes quietly).
 */
export function consolidateRecords<T extends RunRecordBase>(file: string, order: string[] = [], warn: (msg: string) => void = (m) => console.warn(m)): T[] {
  const files = resultFiles(file);
  const kept = new Map<string, ResultLine>();
  const aside: { file: string; line: number; key?: string; reason: string; raw: string }[] = [];
  for (const f of files) {
    for (const l of readResultLines(f)) {
      const key = (l.value as { key?: unknown } | null | undefined)?.key;
      if (l.error !== undefined || typeof key !== "string") {
        aside.push({ file: f, line: l.line, reason: l.error !== undefined ? `unreadable line (${l.error})` : "not a run record (no string key)", raw: l.raw });
        continue;
      }
      const first = kept.get(key);
      if (!first) kept.set(key, l);
      else if (first.raw !== l.raw) aside.push({ file: f, line: l.line, key, reason: secondRecord(key, first), raw: l.raw });
    }
  }
  if (aside.length) {
    const side = rejectedPath(file);
    appendRejected(side, aside);
    for (const a of aside) warn(`${a.file}:${a.line}: ${a.reason}; set aside in ${side}`);
  }
  const rank = new Map(order.map((k, i) => [k, i]));
  const lines = [...kept.entries()].sort(([a], [b]) => (rank.get(a) ?? Infinity) - (rank.get(b) ?? Infinity)).map(([, l]) => l);
  writeFileAtomic(file, lines.map((l) => l.raw).join("\n") + (lines.length ? "\n" : ""));
  for (const f of files) if (f !== file) unlinkSync(f);
  return lines.map((l) => l.value as T);
}

/** All records of `file` and its shards; the first record of a key counts (as consolidateRecords keeps it), a later different one is skipped with a warning. */
export function loadRecords<T extends RunRecordBase>(file: string, warn: (msg: string) => void = (m) => console.warn(m)): T[] {
  const byKey = new Map<string, ResultLine>();
  for (const f of resultFiles(file)) {
    for (const l of readResultLines(f)) {
      const key = (l.value as { key?: unknown } | null | undefined)?.key;
      if (l.error !== undefined || typeof key !== "string") {
        warn(`${f}:${l.line}: skipping unreadable record (${l.error ?? "no key"}); the run will be redone`);
        continue;
      }
      const first = byKey.get(key);
      if (!first) byKey.set(key, l);
      else if (first.raw !== l.raw) warn(`${f}:${l.line}: skipping ${secondRecord(key, first)}`);
    }
  }
  return [...byKey.values()].map((l) => l.value as T);
}

/** Where a sweep stands (PendingRunOptions.onProgress). */
export interface SweepProgress {
  ran: number;
  todo: number;
  key: string;
  step: number;
  steps: number;
  free: number;
}

export interface PendingRunOptions {
  /** Results file; specs with a finished record in it (or its shards) are skipped. */
  file: string;
  /** Whether a record found there finishes its key's run (default: any record with the key). */
  isDone?: (record: RunRecordBase) => boolean;
  /** Take only specs with index % shards === shard, appending to the shard's own file. */
  shard?: number;
  shards?: number;
  /**
   * ran: runs finished by this call; todo: runs this call has to do; step/steps: within the current run;
   * free: runs' worth of that progress that took no training (runs copied from an identical finished
   * one, the part of a run restored from its snapshot), for time estimates.
   */
  onProgress?: (p: SweepProgress) => void;
  /** After a run's record is appended (its snapshot, if any, can go). */
  onRecorded?: (spec: RunRecordBase) => void;
}

/**
 * The sweep loop every experiment shares: trains this shard's specs that are
 * not yet in the results file, in plan order, appending each record the
 * moment its run ends. Returns the specs it ran.
 */
export async function runPending<S extends RunRecordBase, R extends RunRecordBase>(
  specs: readonly S[],
  opts: PendingRunOptions,
  train: (spec: S, onStep: (step: number, steps: number, restored?: boolean) => void) => Promise<R>,
): Promise<S[]> {
  const done = new Set(loadRecords<R>(opts.file).filter((r) => opts.isDone?.(r) ?? true).map((r) => r.key));
  const shards = opts.shards ?? 1;
  const todo = specs.filter((s, i) => i % shards === (opts.shard ?? 0) && !done.has(s.key));
  const out = shardPath(opts.file, shards > 1 ? opts.shard : undefined);
  let ran = 0;
  let free = 0;
  for (const spec of todo) {
    let restored = 0;
    const rec = await train(spec, (step, steps, wasRestored) => {
      if (wasRestored) restored = step / steps;
      opts.onProgress?.({ ran, todo: todo.length, key: spec.key, step, steps, free: free + restored });
    });
    appendRecord(out, rec);
    opts.onRecorded?.(spec);
    ran++;
    free += typeof (rec as { reusedFrom?: unknown }).reusedFrom === "string" ? 1 : restored;
    opts.onProgress?.({ ran, todo: todo.length, key: spec.key, step: 0, steps: 1, free });
  }
  return todo;
}

/**
 * What a results file's runs cost to train, in minutes, and how many of them
 * were copied from an identical finished run (RunRecord.reusedFrom): a copy
 * cost this sweep nothing, its time is its source's.
 */
export function trainingCost(records: readonly Pick<RunRecord, "seconds" | "reusedFrom">[]): { minutes: number; copied: number } {
  const trained = records.filter((r) => typeof r.reusedFrom !== "string");
  return { minutes: trained.reduce((s, r) => s + r.seconds, 0) / 60, copied: records.length - trained.length };
}
