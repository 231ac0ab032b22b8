/**
 * Planning, running and loading a sweep of an experiment. One function names
 * results files, so the CLI, figures and notebooks always agree on where a
 * sweep's records are. Callers resolve ids (registry.ts) before they come
 * here. The one exception is sweepOfFile, which asks the registry which sweep
 * writes a file another sweep wants to copy a finished run from (at run
 * time, never at import time).
 */
import { existsSync, readFileSync, unlinkSync } from "fs";
import * as path from "path";
import type { AnyExperiment, Experiment, RunRecord, RunSpec } from "./contract";
import { normalizeMeasures } from "./define";
import { digestProblem, runFingerprint as fingerprintRun, withDigest } from "./fingerprint";
import { checkResultsName } from "./jsonl";
import { measuresProblem } from "./measures";
import { acquireLock } from "./lock";
import { appendRejected, rejectedPath, writeFileAtomic } from "./merge";
import { applyOverrides, Overrides, overridesTag } from "./options";
import { resultsDir } from "./paths";
import { findRecords as findRecordsIn, readResultLines, ResultLine, resultFiles, runPending, SweepProgress } from "./results";
import { experiments } from "./registry";
import { parseScale, Scale } from "./scale";
import { selectShard, Shard } from "./shard";
import { interruptSignal, throwIfInterrupted } from "../engine/interrupt";
import * as tf from "@tensorflow/tfjs";

/** results/<id>-<scale><tag>.jsonl: the tag names the overrides (none for the scale's standard sweep). */
export function resultsFile(ex: AnyExperiment, scale: Scale, overrides: Overrides = {}, dir = resultsDir()): string {
  parseScale(scale, "scale");
  return path.join(dir, `${ex.id}-${scale}${overridesTag(ex.options, overrides)}.jsonl`);
}

export interface SweepPlan<C = unknown, S extends RunSpec = RunSpec> {
  experiment: AnyExperiment;
  scale: Scale;
  overrides: Overrides;
  config: C;
  specs: S[];
  /** key -> fingerprint of what that run is trained with. */
  expected: Map<string, string>;
  file: string;
}

/** What a run is trained with, hashed: a record counts for a plan only if its fingerprint matches. */
export function runFingerprint(ex: AnyExperiment, config: unknown, spec: RunSpec): string {
  return fingerprintRun({ experiment: ex.id, schema: ex.schema, config, spec });
}

/** The runs of `id` at `scale` with `overrides`, each with the fingerprint its record must carry, and the results file. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function planSweep<C = unknown, S extends RunSpec = RunSpec>(experiment: Experiment<C, S, any, any>, scale: Scale, overrides: Overrides = {}, file?: string): SweepPlan<C, S> {
  const ex = experiment as AnyExperiment;
  if (file !== undefined) checkResultsName(file);
  const config = applyOverrides(ex.options, ex.configs[parseScale(scale, "scale")], overrides) as C;
  const specs = ex.plan(config) as S[];
  if (specs.length === 0) throw new RangeError(`${ex.id}: the plan at scale "${scale}" with these options has no runs`);
  const expected = new Map<string, string>();
  for (const s of specs) {
    if (expected.has(s.key)) throw new Error(`${ex.id}: two planned runs share the key "${s.key}"`);
    expected.set(s.key, runFingerprint(ex, config, s));
  }
  return { experiment: ex, scale, overrides, config, specs, expected, file: file ?? resultsFile(ex, scale, overrides) };
}

/** The part of `plan` that cluster shard `shard` runs (a fixed 1/n of the plan; the rest belongs to other array tasks). */
export function shardPlan(plan: SweepPlan, shard: Shard): SweepPlan {
  const specs = selectShard(plan.specs, shard);
  return { ...plan, specs, expected: new Map(specs.map((s) => [s.key, plan.expected.get(s.key)!])) };
}

/** A line of a results file that does not count for a plan, and why. */
export interface SetAside {
  file: string;
  /** 1-based line number in `file`. */
  line: number;
  key?: string;
  reason: string;
  /** The line as read, kept verbatim in the side file. */
  raw: string;
}

const show = (v: unknown): string => {
  const text = v === undefined ? "missing" : typeof v === "number" && !Number.isFinite(v) ? String(v) : JSON.stringify(v);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
};

/**
 * Why `value` (a parsed results line) is not a finished run of `plan`, or
 * undefined when it is one. It counts only when it is a run record whose key
 * is planned; whose fingerprint is the plan's; whose spec
 * fields (seed, setting, task...) equal the planned run's; whose `seconds`
 * is a finite number >= 0 and whose measured values have the types and
 * ranges the experiment declares (`measures`, measures.ts); and whose
 * `digest` is the digest of its content (fingerprint.ts, recordDigest). So a
 * record of another scale, step count, experiment or code version, a
 * hand-edited or half-written one, never passes for a done run.
 */
export function whyNotCounted(plan: SweepPlan, value: unknown, raw?: string): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value) || typeof (value as { key?: unknown }).key !== "string") {
    return 'not a run record (a JSON object with a string "key")';
  }
  const r = value as Record<string, unknown> & { key: string };
  const ex = plan.experiment;
  const want = plan.expected.get(r.key);
  if (want === undefined) return `no such run in the plan (${ex.id} at scale "${plan.scale}" with these options)`;
  if (r.fingerprint !== want) return `fingerprint ${show(r.fingerprint)} is not the plan's ${want} (trained with another config, scale or code version)`;
  const spec = plan.specs.find((s) => s.key === r.key) as unknown as Record<string, unknown>;
  for (const [field, planned] of Object.entries(spec)) {
    if (!(field in r)) return `incomplete record: no "${field}"`;
    if (JSON.stringify(r[field]) !== JSON.stringify(planned)) return `${field} is ${show(r[field])}, the planned run's is ${show(planned)}`;
  }
  const bad = measuresProblem(r, { seconds: { type: "number", min: 0 }, ...normalizeMeasures(ex.measures) }, raw);
  if (bad) return bad;
  return digestProblem(r);
}

/** Does `r` count as the finished run of its key (see whyNotCounted)? */
export function belongs(plan: SweepPlan, r: RunRecord): boolean {
  return whyNotCounted(plan, r) === undefined;
}

export interface SweepAudit<R extends RunRecord = RunRecord> {
  /** The finished runs, one per key, in plan order. */
  records: R[];
  /** Their lines as written (kept byte for byte when the file is rewritten). */
  lines: string[];
  /** Everything else in the files, with reasons; exact repeats of a counted line are not listed (nothing is lost by dropping them). */
  setAside: SetAside[];
  /** The files read: the results file and its local worker files. */
  files: string[];
  /** Where each of `records` was read ("file:line", the file as read), in the same order. */
  where: string[];
}

/** Reads the plan's file and its worker files and sorts every line into counted or set aside (nothing is changed). */
export function auditSweep<R extends RunRecord = RunRecord>(plan: SweepPlan): SweepAudit<R> {
  const files = resultFiles(plan.file);
  const kept = new Map<string, ResultLine>();
  const setAside: SetAside[] = [];
  for (const file of files) {
    for (const l of readResultLines(file)) {
      if (l.error !== undefined) {
        setAside.push({ file, line: l.line, raw: l.raw, reason: l.unterminatedLast ? `unreadable last line, a write cut off (${l.error})` : `unreadable line (${l.error})` });
        continue;
      }
      const key = (l.value as { key?: unknown })?.key;
      const reason = whyNotCounted(plan, l.value, l.raw);
      if (reason) {
        setAside.push({ file, line: l.line, key: typeof key === "string" ? key : undefined, raw: l.raw, reason });
        continue;
      }
      const prev = kept.get(key as string);
      // The first record of a run counts; a later different one is set aside. The sweep appends a
      // run's record only while no counted one exists, so a second, different record of a counted
      // run came from elsewhere (a copy, an edit, files pasted together): it never replaces one.
      if (prev) {
        if (prev.raw !== l.raw) setAside.push({ file, line: l.line, key: key as string, raw: l.raw, reason: `a second, different record of this run (the first, at ${prev.file}:${prev.line}, is the one counted)` });
        continue;
      }
      kept.set(key as string, l);
    }
  }
  const ordered = plan.specs.filter((s) => kept.has(s.key)).map((s) => kept.get(s.key)!);
  return { records: ordered.map((l) => l.value as R), lines: ordered.map((l) => l.raw), setAside, files, where: ordered.map((l) => `${l.file}:${l.line}`) };
}

/** One warning line per set-aside line, naming file, line, run key and reason (at most `limit`, then a count). */
function warnSetAside(items: readonly SetAside[], tail: string, warn: (msg: string) => void, limit = 10): void {
  for (const s of items.slice(0, limit)) warn(`${s.file}:${s.line}: ${s.key === undefined ? "" : `${JSON.stringify(s.key)}: `}${s.reason}; ${tail}`);
  if (items.length > limit) warn(`... and ${items.length - limit} more line(s) that ${tail.startsWith("set aside") ? "were" : "are"} ${tail}`);
}

/** The plan's finished records in `file` (and its local worker files), in plan order; warns, without changing anything, about lines that do not count. */
export function loadSweep<R extends RunRecord = RunRecord>(plan: SweepPlan, warn: (msg: string) => void = (m) => console.warn(m)): R[] {
  const a = auditSweep<R>(plan);
  warnSetAside(a.setAside, `not counted (a sweep on ${path.basename(plan.file)} moves it to ${path.basename(rejectedPath(plan.file))})`, warn);
  return a.records;
}

/**
 * Makes the plan's results file hold exactly its finished runs, in plan
 * order: every other line (see whyNotCounted) is first appended to the side
 * file `<file>.rejected.jsonl` (never deleted) with its origin and reason,
 * one warning line each; then the file is rewritten atomically from the
 * counted lines as written and the worker files are removed. Call it while
 * holding the file's lock. Returns the audit.
 */
export function settleSweep<R extends RunRecord = RunRecord>(plan: SweepPlan, warn: (msg: string) => void = (m) => console.warn(m)): SweepAudit<R> {
  const a = auditSweep<R>(plan);
  // Never rewrite a file whose lines were not all read.
  if (existsSync(plan.file) && !a.files.some((f) => path.resolve(f) === path.resolve(plan.file))) throw new Error(`${plan.file} was not read as a results file, so it is not rewritten`);
  if (a.setAside.length) {
    const side = rejectedPath(plan.file);
    appendRejected(side, a.setAside); // before the rewrite: a crash in between loses nothing
    warnSetAside(a.setAside, `set aside in ${side}`, warn);
  }
  const body = a.lines.length ? a.lines.join("\n") + "\n" : "";
  const current = existsSync(plan.file) ? readFileSync(plan.file, "utf8") : undefined;
  if (current !== body && (current !== undefined || body)) writeFileAtomic(plan.file, body);
  for (const f of a.files) if (path.resolve(f) !== path.resolve(plan.file)) unlinkSync(f);
  return a;
}

export interface RunSweepOptions {
  /**
   * Take only specs with index % count === index (local worker processes),
   * writing to the worker's own file. A worker runs under its parent's lock
   * and leaves settling the file to it.
   */
  worker?: { index: number; count: number };
  /** After every step of a run and after each run (see SweepProgress: `free` is progress that took no training). */
  onProgress?: (p: SweepProgress) => void;
  /** Where lines set aside and lock notes are reported (default console.warn). */
  warn?: (msg: string) => void;
  /** Stops the sweep between and within runs (default: interruptSignal(), Kernel > Interrupt); finished runs stay in the file. */
  signal?: AbortSignal;
}

/**
 * Trains every planned run not yet in the plan's file (this worker's share),
 * appending each record as it ends. Outside a worker it holds the file's lock
 * throughout (a second sweep on the file stops at once, naming this one) and
 * settles the file before and after (settleSweep).
 */
export async function runSweep(plan: SweepPlan, opts: RunSweepOptions = {}): Promise<RunSpec[]> {
  const ex = plan.experiment;
  const cache = new Map<string, unknown>();
  const signal = opts.signal ?? interruptSignal();
  const warn = opts.warn ?? ((m: string) => console.warn(m));
  const pending = () =>
    runPending(plan.specs, { file: plan.file, shard: opts.worker?.index, shards: opts.worker?.count, onProgress: opts.onProgress, isDone: (r) => belongs(plan, r as RunRecord), onRecorded: (spec) => removeCheckpoint(checkpointFile(plan.file, spec.key)) }, async (spec, onStep) => {
      throwIfInterrupted(signal); // between runs too: a run that starts after an interrupt would get a fresh signal
      const findRecords = (match: (r: Record<string, unknown>) => boolean) => checkedSources(plan, match);
      const fingerprint = plan.expected.get(spec.key)!;
      const checkpoint = { file: checkpointFile(plan.file, spec.key), identity: fingerprint };
      const rec = (await disposingNewVariables(() => ex.run(spec, plan.config, { scale: plan.scale, onStep, cache, findRecords, checkpoint }))) as RunRecord;
      if (typeof rec.reusedFrom === "string") warn(`${spec.key}: identical to the finished run at ${rec.reusedFrom} (same setup and seed): copied, not trained again`);
      return withDigest({ ...rec, fingerprint });
    });
  // Leave the cell's synchronous part first: tslab runs it with breakOnSigint, which holds back
  // SIGINT listeners (engine/interrupt.ts), so work begun there (a corpus load, a first step)
  // would meet Kernel > Interrupt as a V8 stack instead of the abort signal.
  await new Promise((r) => setImmediate(r));
  throwIfInterrupted(signal);
  if (opts.worker) return pending();
  const release = acquireLock(plan.file, { warn });
  try {
    settleSweep(plan, warn);
    const ran = await pending();
    settleSweep(plan, warn);
    return ran;
  } finally {
    release();
  }
}

/** A sweep's estimated training time (estimateSweep). */
export interface SweepEstimate {
  /** Seconds of training for the runs to do, on one worker. */
  seconds: number;
  /** Where the speed comes from, in words. */
  basis: string;
}

/**
 * The estimated training time of `todo` runs of `plan`: the experiment's
 * cost per run at the plan's config, times the seconds per unit of cost
 * measured on the runs of its committed standard cpu sweep (in the
 * checkout's results/, copies left out). Undefined when the experiment
 * declares no cost or no such runs exist.
 */
export function estimateSweep(plan: SweepPlan, todo: number): SweepEstimate | undefined {
  const ex = plan.experiment;
  if (!ex.cost || !ex.configs.cpu) return undefined;
  const ref = planSweep(ex, "cpu", {}, resultsFile(ex, "cpu", {}, resultsDir({})));
  const runs = auditSweep(ref).records.filter((r) => typeof r.reusedFrom !== "string");
  const unit = ex.cost(ref.config);
  if (!runs.length || !(unit > 0)) return undefined;
  const perRun = runs.reduce((sum, r) => sum + r.seconds, 0) / runs.length;
  const seconds = todo * ex.cost(plan.config) * (perRun / unit);
  return { seconds, basis: `measured on ${runs.length} trained run(s) of ${path.relative(process.cwd(), ref.file) || ref.file}, ${Math.round(perRun)} s each on average` };
}

/** "3.2 h", "45 min", "20 s". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "forever";
  if (seconds >= 86400 * 365) return `${(seconds / 86400 / 365).toPrecision(3)} years`;
  if (seconds >= 86400) return `${(seconds / 86400).toFixed(1)} days`;
  if (seconds >= 3600) return `${(seconds / 3600).toFixed(1)} h`;
  if (seconds >= 60) return `${Math.round(seconds / 60)} min`;
  if (seconds < 1) return "under 1 s";
  return `${Math.round(seconds)} s`;
}

/**
 * The sweep that writes results file `file` (a worker shard counts as its
 * base file): a registered experiment's standard sweep at one of its scales,
 * or one of its declared studies; undefined for any other file (a sweep with
 * options of one's own, an `--out` of one's choosing).
 */
export function sweepOfFile(file: string): SweepPlan | undefined {
  const dir = path.dirname(file);
  const name = path.basename(file).replace(/\.shard\d+\.jsonl$/, ".jsonl");
  for (const ex of experiments()) {
    const sweeps: [Scale, Overrides][] = [...(Object.keys(ex.configs) as Scale[]).map((s): [Scale, Overrides] => [s, {}]), ...(ex.studies ?? []).map((st): [Scale, Overrides] => [st.scale, st.overrides])];
    for (const [scale, overrides] of sweeps) if (path.basename(resultsFile(ex, scale, overrides, dir)) === name) return planSweep(ex, scale, overrides, path.join(dir, name));
  }
  return undefined;
}

/**
 * RunContext.findRecords for a run of `plan`: the finished records of its
 * scale in the results folder that `match` accepts, but only those that
 * their own file's sweep counts (sweepOfFile, then whyNotCounted: the
 * fingerprint that sweep computes, spec fields, measures, digest, first of
 * its key). A hand-edited record, one of another config or code version, or
 * one in a file no registered sweep writes is never copied.
 */
export function checkedSources(plan: SweepPlan, match: (r: Record<string, unknown>) => boolean): ReturnType<typeof findRecordsIn> {
  const dir = path.dirname(plan.file);
  const counted = new Map<string, Set<string> | undefined>();
  const countedIn = (file: string): Set<string> | undefined => {
    const owner = sweepOfFile(path.join(dir, file));
    const key = owner?.file ?? file;
    if (!counted.has(key)) counted.set(key, owner && new Set(auditSweep(owner).where.map((w) => path.relative(dir, w))));
    return counted.get(key);
  };
  return findRecordsIn(dir, plan.scale, match).filter((f) => {
    const file = f.where.replace(/:\d+$/, "");
    return countedIn(file)?.has(f.where) ?? false;
  });
}

/**
 * Where a run of the sweep writing `file` keeps its snapshot (RunContext.checkpoint):
 * results/.checkpoints/<file's name>/<key, URI-encoded>.ckpt. Ignored by git with results/.
 */
export function checkpointFile(file: string, key: string): string {
  return path.join(path.dirname(file), ".checkpoints", path.basename(file, ".jsonl"), `${encodeURIComponent(key)}.ckpt`);
}

function removeCheckpoint(file: string): void {
  if (existsSync(file)) unlinkSync(file);
}

/**
 * Runs `fn`; if it throws (an interrupt, a failure), disposes the tf.Variables
 * created meanwhile, so a run whose trainer has no `finally` for its model and
 * optimizer still leaves no weights behind in a notebook kernel.
 */
async function disposingNewVariables<T>(fn: () => Promise<T>): Promise<T> {
  const vars = tf.engine().state.registeredVariables;
  const before = new Set(Object.keys(vars));
  try {
    return await fn();
  } catch (e) {
    for (const [name, v] of Object.entries(vars)) if (!before.has(name) && !v.isDisposed) v.dispose();
    throw e;
  }
}

/** A word a POSIX shell reads back unchanged: single-quoted where it holds anything but safe characters. */
function shellWord(w: string): string {
  return /^[A-Za-z0-9_.,:=@%+/-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`;
}

/** The command line that runs (or resumes) this sweep. */
export function sweepCommand(ex: AnyExperiment, scale: Scale, overrides: Overrides = {}): string {
  const flags = ex.options.filter((o) => o.name in overrides).map((o) => {
    const v = overrides[o.name];
    return `--${o.name} ${shellWord(Array.isArray(v) ? v.join(",") : String(v))}`;
  });
  return ["npm run experiment --", ex.id, "--scale", scale, ...flags].join(" ");
}
