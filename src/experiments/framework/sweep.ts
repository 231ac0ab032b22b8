/**
 * Planning, running and loading a sweep of any registered experiment. One
 * function names results files, so the CLI, figures and notebooks always
 * agree on where a sweep's records are.
 */
import * as path from "path";
import type { AnyExperiment, Experiment, RunRecord, RunSpec } from "./contract";
import { runFingerprint as fingerprintRun } from "./fingerprint";
import { applyOverrides, Overrides, overridesTag } from "./options";
import { resultsDir } from "./paths";
import { getExperiment } from "./registry";
import { loadRecords, runPending } from "./results";
import { parseScale, Scale } from "./scale";
import { selectShard, Shard } from "./shard";

const experimentOf = (e: string | AnyExperiment): AnyExperiment => (typeof e === "string" ? getExperiment(e) : e);

/** results/<id>-<scale><tag>.jsonl: the tag names the overrides (none for the scale's standard sweep). */
export function resultsFile(id: string | AnyExperiment, scale: Scale, overrides: Overrides = {}, dir = resultsDir()): string {
  const ex = experimentOf(id);
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
export function planSweep<C = unknown, S extends RunSpec = RunSpec>(id: string | Experiment<C, S, any, any>, scale: Scale, overrides: Overrides = {}, file?: string): SweepPlan<C, S> {
  const ex = experimentOf(id as string | AnyExperiment);
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

/** Does `r` count as the finished run of its key? Records from before fingerprints existed count by key. */
export function belongs(plan: SweepPlan, r: RunRecord): boolean {
  const want = plan.expected.get(r.key);
  return want !== undefined && (r.fingerprint === undefined || r.fingerprint === want);
}

/** The plan's finished records in `file` (and its local worker files), in plan order. */
export function loadSweep<R extends RunRecord = RunRecord>(plan: SweepPlan, warn?: (msg: string) => void): R[] {
  const rank = new Map(plan.specs.map((s, i) => [s.key, i]));
  return loadRecords<R>(plan.file, warn)
    .filter((r) => belongs(plan, r))
    .sort((a, b) => rank.get(a.key)! - rank.get(b.key)!);
}

export interface RunSweepOptions {
  /** Take only specs with index % count === index (local worker processes), writing to the worker's own file. */
  worker?: { index: number; count: number };
  onProgress?: (p: { ran: number; todo: number; key: string; step: number; steps: number }) => void;
}

/** Trains every planned run not yet in the plan's file (this worker's share), appending each record as it ends. */
export async function runSweep(plan: SweepPlan, opts: RunSweepOptions = {}): Promise<RunSpec[]> {
  const ex = plan.experiment;
  const cache = new Map<string, unknown>();
  return runPending(plan.specs, { file: plan.file, shard: opts.worker?.index, shards: opts.worker?.count, onProgress: opts.onProgress, isDone: (r) => belongs(plan, r as RunRecord) }, async (spec, onStep) => {
    const rec = (await ex.run(spec, plan.config, { scale: plan.scale, onStep, cache })) as RunRecord;
    return { ...rec, fingerprint: plan.expected.get(spec.key)! };
  });
}

/** The command line that runs (or resumes) this sweep. */
export function sweepCommand(id: string | AnyExperiment, scale: Scale, overrides: Overrides = {}): string {
  const ex = experimentOf(id);
  const flags = ex.options.filter((o) => o.name in overrides).map((o) => {
    const v = overrides[o.name];
    return `--${o.name} ${Array.isArray(v) ? v.join(",") : v}`;
  });
  return ["npm run experiment --", ex.id, "--scale", scale, ...flags].join(" ");
}
