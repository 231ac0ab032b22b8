/**
 * One call for a notebook: an experiment's sweep at a scale, loaded (and,
 * when asked, completed by training what is missing), summarised, tabled
 * and drawn, with its extension studies. What the CLIs do step by step.
 */
import type { AnyExperiment, Experiment, FigureBlock, RunRecord, RunSpec, StudyResults, Summary, TableBlock } from "./contract";
import type { Overrides } from "./options";
import { getExperiment } from "./registry";
import { trainingCost } from "./results";
import type { Scale } from "./scale";
import { loadStudies } from "./studies";
import { loadSweep, planSweep, runSweep, SweepPlan } from "./sweep";
import { labelFigure, studyFigureRuns } from "./figure-label";

export interface OpenOptions {
  scale: Scale;
  /** The experiment's options (`npm run experiment -- <id> --help`). */
  options?: Overrides;
  /** Train the runs missing from the results file first (default false: only load). */
  train?: boolean;
  /** Training progress: overall fraction, the run in flight, and the fraction that took no training. */
  onProgress?: (fraction: number, detail: string, free: number) => void;
  /** Draw the figures (default true; false skips them, and any model a figure trains). */
  figures?: boolean;
  /** Progress of figures that train a model of their own (memn2n's attention demo). */
  onFigureProgress?: (fraction: number, detail?: string) => void;
  /** Where lines that do not count are reported (default console.warn). */
  warn?: (msg: string) => void;
}

export interface Opened<C = unknown, R extends RunRecord = RunRecord, Sum extends Summary = Summary> {
  experiment: AnyExperiment;
  plan: SweepPlan<C>;
  config: C;
  /** The finished runs, in plan order. */
  records: R[];
  summary: Sum;
  /** The tables by name, in the experiment's order (the framework's "verdicts" last). */
  tables: Record<string, TableBlock>;
  /** The figures by name; the extension studies' figures too. */
  figures: Record<string, FigureBlock>;
  /** Extension studies at this scale that have records. */
  studies: StudyResults[];
  /** Minutes of training behind the records, and how many were copied from identical runs. */
  cost: { minutes: number; copied: number };
  /** Planned runs without a record. */
  missing: number;
  /** Runs trained by this call. */
  trained: number;
  /** "12 of 12 runs loaded from `file` (3.1 minutes of training); engines: ...": a line to show. */
  loaded: string;
}

/** Tables or figures keyed by name, in their order (a name used twice is an error). */
export const byName = <T extends { name: string }>(blocks: readonly T[]): Record<string, T> => {
  const out: Record<string, T> = {};
  for (const b of blocks) {
    if (b.name in out) throw new Error(`two blocks are named "${b.name}"`);
    out[b.name] = b;
  }
  return out;
};

/** Opens `experiment` (an experiment, typed by it, or its id) at `o.scale`; trains only with `train: true`. */
export async function openExperiment<C = unknown, S extends RunSpec = RunSpec, R extends RunRecord = RunRecord, Sum extends Summary = Summary>(experiment: Experiment<C, S, R, Sum> | string, o: OpenOptions): Promise<Opened<C, R, Sum>> {
  const ex: AnyExperiment = getExperiment(experiment as AnyExperiment | string);
  const plan = planSweep<C>(ex, o.scale, o.options ?? {});
  const ran = o.train ? await runSweep(plan, { warn: o.warn, onProgress: o.onProgress && ((p) => o.onProgress!((p.ran + p.step / p.steps) / p.todo, p.key, p.free / p.todo)) }) : [];
  const records = loadSweep<R>(plan, o.warn);
  const summary = ex.summarize(records, plan.config) as Sum;
  const studies = loadStudies(ex, o.scale, o.warn, records);
  const draw = o.figures ?? true;
  const figures = draw ? (await ex.figures(records, summary, plan.config, o.onFigureProgress)).map((b) => labelFigure(b, o.scale, records.length)) : [];
  const studyFigures = draw && studies.length && ex.studyFigures ? (await ex.studyFigures(studies, plan.config, { records, summary })).map((b) => labelFigure(b, o.scale, studyFigureRuns(b, studies))) : [];
  const cost = trainingCost(records);
  const engines = [...new Set(records.map((r) => r.engine))].join("; ");
  return {
    experiment: ex, plan, config: plan.config, records, summary,
    tables: byName(ex.tables(summary, plan.config)),
    figures: byName([...figures, ...studyFigures]),
    studies, cost, missing: plan.specs.length - records.length, trained: ran.length,
    loaded: `${records.length} of ${plan.specs.length} runs loaded from \`${plan.file}\` (${cost.minutes.toFixed(1)} minutes of training${cost.copied ? `; ${cost.copied} copied from identical runs of another sweep` : ""})${engines ? `; engines: ${engines}` : ""}.`,
  };
}
