/**
 * Experiment results as JSON Lines: one record per finished run, appended the
 * moment the run ends, so an interrupted sweep loses at most the runs in
 * flight. Parallel workers append to their own shard files
 * (`<name>.shard<i>.jsonl`); loading merges the base file and every shard.
 * A truncated last line (a kill mid-write) is skipped with a warning, not fatal.
 */
import { appendFileSync, closeSync, existsSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, unlinkSync, writeFileSync } from "fs";
import * as path from "path";

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

function filesOf(file: string): string[] {
  const dir = path.dirname(file);
  const base = path.basename(file).replace(/\.jsonl$/, "");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f === `${base}.jsonl` || (f.startsWith(`${base}.shard`) && f.endsWith(".jsonl")))
    .sort()
    .map((f) => path.join(dir, f));
}

/**
 * Merges `file`'s shards into `file` itself, records in `order` of their keys
 * (others after), then removes the shards. Written to a temporary file and
 * renamed, so a crash leaves either the old files or the merged one.
 */
export function consolidateRecords<T extends RunRecordBase>(file: string, order: string[] = []): T[] {
  const records = loadRecords<T>(file);
  const rank = new Map(order.map((k, i) => [k, i]));
  records.sort((a, b) => (rank.get(a.key) ?? Infinity) - (rank.get(b.key) ?? Infinity));
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, records.map((r) => JSON.stringify(r)).join("\n") + (records.length ? "\n" : ""));
  renameSync(tmp, file);
  for (const f of filesOf(file)) if (f !== file) unlinkSync(f);
  return records;
}

/** All records of `file` and its shards; later duplicates of a key replace earlier ones. */
export function loadRecords<T extends RunRecordBase>(file: string, warn: (msg: string) => void = (m) => console.warn(m)): T[] {
  const files = filesOf(file);
  const byKey = new Map<string, T>();
  for (const f of files) {
    const lines = readFileSync(f, "utf8").split("\n");
    lines.forEach((line, i) => {
      if (!line.trim()) return;
      try {
        const rec = JSON.parse(line) as T;
        if (typeof rec.key !== "string") throw new Error("no key");
        byKey.set(rec.key, rec);
      } catch (e) {
        warn(`${f}:${i + 1}: skipping unreadable record (${(e as Error).message}); the run will be redone`);
      }
    });
  }
  return [...byKey.values()];
}

export interface PendingRunOptions {
  /** Results file; specs with a finished record in it (or its shards) are skipped. */
  file: string;
  /** Whether a record found there finishes its key's run (default: any record with the key). */
  isDone?: (record: RunRecordBase) => boolean;
  /** Take only specs with index % shards === shard, appending to the shard's own file. */
  shard?: number;
  shards?: number;
  /** ran: runs finished by this call; todo: runs this call has to do; step/steps: within the current run. */
  onProgress?: (p: { ran: number; todo: number; key: string; step: number; steps: number }) => void;
}

/**
 * The sweep loop every experiment shares: trains this shard's specs that are
 * not yet in the results file, in plan order, appending each record the
 * moment its run ends. Returns the specs it ran.
 */
export async function runPending<S extends RunRecordBase, R extends RunRecordBase>(
  specs: readonly S[],
  opts: PendingRunOptions,
  train: (spec: S, onStep: (step: number, steps: number) => void) => Promise<R>,
): Promise<S[]> {
  const done = new Set(loadRecords<R>(opts.file).filter((r) => opts.isDone?.(r) ?? true).map((r) => r.key));
  const shards = opts.shards ?? 1;
  const todo = specs.filter((s, i) => i % shards === (opts.shard ?? 0) && !done.has(s.key));
  const out = shardPath(opts.file, shards > 1 ? opts.shard : undefined);
  let ran = 0;
  for (const spec of todo) {
    const rec = await train(spec, (step, steps) => opts.onProgress?.({ ran, todo: todo.length, key: spec.key, step, steps }));
    appendRecord(out, rec);
    ran++;
    opts.onProgress?.({ ran, todo: todo.length, key: spec.key, step: 0, steps: 1 });
  }
  return todo;
}
