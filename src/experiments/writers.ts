/**
 * Which sweep writes each results file: every registered experiment's
 * standard sweep at each of its scales, and each study it declares. A file
 * none of them writes (a worker's file, a part file, a stray copy) cannot be
 * attributed to a plan. The committed-results tests and the one-off stamping
 * scripts (scripts/stamp-*.js) read the results folder through this.
 */
import { readdirSync } from "fs";
import * as path from "path";
import type { AnyExperiment } from "./contract";
import type { Overrides } from "./options";
import { resultsDir } from "./paths";
import { experiments } from "./registry";
import type { Scale } from "./scale";
import { planSweep, resultsFile } from "./sweep";

export interface SweepWriter {
  ex: AnyExperiment;
  scale: Scale;
  overrides: Overrides;
  /** "memn2n's standard sweep at scale "cpu"", "deep-mlp's study "..."": for messages. */
  label: string;
}

/**
 * File name (in `dir`) -> the sweep that writes it. Two declarations naming
 * one file must plan the same runs with the same fingerprints, or the file
 * could not be attributed: that throws.
 */
export function sweepWriters(dir: string = resultsDir()): Map<string, SweepWriter> {
  const out = new Map<string, SweepWriter>();
  const plan = (w: SweepWriter, name: string) => planSweep(w.ex, w.scale, w.overrides, path.join(dir, name)).expected;
  const add = (w: SweepWriter) => {
    const name = path.basename(resultsFile(w.ex, w.scale, w.overrides, dir));
    const seen = out.get(name);
    if (!seen) return void out.set(name, w);
    const [a, b] = [plan(seen, name), plan(w, name)];
    const same = seen.ex.id === w.ex.id && a.size === b.size && [...b].every(([k, f]) => a.get(k) === f);
    if (!same) throw new Error(`${name} is written both by ${seen.label} and by ${w.label}, with different plans`);
  };
  for (const ex of experiments()) {
    for (const scale of Object.keys(ex.configs) as Scale[]) add({ ex, scale, overrides: {}, label: `${ex.id}'s standard sweep at scale "${scale}"` });
    for (const st of ex.studies ?? []) add({ ex, scale: st.scale, overrides: st.overrides, label: `${ex.id}'s study "${st.title}" (scale "${st.scale}", ${JSON.stringify(st.overrides)})` });
  }
  return out;
}

/** The results files git commits (.gitignore: results/*-cpu*.jsonl), without a sweep's worker, part and side files; sorted. */
export function committedResultsFiles(dir: string = resultsDir()): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((f) => /-cpu.*\.jsonl$/.test(f) && !/\.(shard\d+|part-\d+-of-\d+|rejected)\.jsonl$/.test(f)).sort();
}
