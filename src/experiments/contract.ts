/**
 * What a paper section is to the rest of the project: one `ExperimentSpec`,
 * in its own folder under src/sections/. The CLI (`experiment`, `figures`),
 * the environment report and the notebooks only ever go through this
 * contract and the registry, so adding a section is one folder + one
 * notebook (docs/adding-a-section.md).
 */
import type { Figure } from "../report/plotly";
import type { Cell } from "../report/table";
import type { OptionSpec, Overrides } from "./options";
import type { Scale } from "./scale";
import type { Verdict } from "./verdict";

/** One planned run: `key` is unique within a sweep and names the run in files and progress lines. */
export interface RunSpec {
  key: string;
}

/** What every run leaves in its results file besides its own measurements. */
export interface RunRecord extends RunSpec {
  /** Hash of what the run was trained with (experiment, schema, resolved config, spec); the sweep adds it when it writes the record (a run returns its record without one). */
  fingerprint?: string;
  seconds: number;
  engine: string;
  date: string;
  /** Set when the record was copied from an identical finished run ("file.jsonl:line"), not trained (RunContext.findRecords). */
  reusedFrom?: string;
}

/** What a run may use besides its spec and config. */
export interface RunContext {
  scale: Scale;
  /** Progress within the run (steps or epochs); `restored`: this jump took no training (resumed from a snapshot). */
  onStep?: (step: number, steps: number, restored?: boolean) => void;
  /** Per-process cache for what runs share (a data set, the current task): kept for the whole sweep. */
  cache: Map<string, unknown>;
  /**
   * Finished records of this scale in any results file that `match` accepts,
   * with the file and line each came from (results.ts findRecords). An
   * experiment whose run can be identical to another sweep's (same setup,
   * same seed: the language models) reuses it instead of training it again;
   * the experiment decides what "identical" means.
   */
  findRecords?: (match: (r: Record<string, unknown>) => boolean) => FoundRecord[];
  /**
   * Where a long run may keep a snapshot to resume from after a kill, and an
   * identity (the run's fingerprint) that says whose it is. The sweep removes
   * the file once the run's record is written.
   */
  checkpoint?: { file: string; identity: string };
}

/** A finished record found in a results file, and where. */
export interface FoundRecord {
  record: Record<string, unknown>;
  /** Relative to the results folder, with the line: "lm-ptb-cpu.jsonl:7". */
  where: string;
}

/** A captioned table for a notebook, a report file or the terminal. */
export interface TableBlock {
  /** Stable handle: notebooks and reports pick a table by name, not by position ("table1", "verdicts"). */
  name: string;
  caption: string;
  rows: Record<string, Cell>[];
  /**
   * How this table treats runs that diverged (train/divergence.ts), e.g. "left
   * out of the means": the framework appends the one "diverged" sentence with
   * the rule to the caption.
   */
  diverged?: string;
}

/** A figure with what a reader needs to trust it. */
export interface FigureBlock {
  /** File stem under figures/ (the scale is appended by the figures CLI). */
  name: string;
  title: string;
  fig: Figure;
  height?: number;
  /** What produced it, in words (data, seeds), when it differs from the experiment's provenance. */
  source?: string;
  /** Runs behind it when not the sweep's (or study's) records: 1 for a model trained for the figure, 0 for a closed form; its title says so (figure-label.ts). */
  runs?: number;
}

/** Every summary says, claim by claim, whether we reproduce the paper. */
export interface Summary {
  verdicts: Verdict[];
  /**
   * Paper claims the section's results bear on but cannot judge, and why
   * (e.g. "uninformative: the control fails too at this budget"): shown in
   * the verdicts table and the claims ledger instead of a verdict.
   */
  unjudged?: Unjudged[];
}

/** A claim the results cannot judge (Summary.unjudged). */
export interface Unjudged {
  /** The claims ledger's id (src/experiments/paper-claims.ts). */
  claimId: string;
  /** What would be compared, as a verdict's claim line. */
  claim: string;
  /** Why no verdict, in one line. */
  reason: string;
}

/** An extension study: part of a plan rerun under other options, with its own results file. */
export interface Study {
  title: string;
  scale: Scale;
  overrides: Overrides;
  /**
   * The overrides of the whole comparison the study belongs to, when it reruns
   * only part of it (e.g. only the noisy settings, with eta 1.0). The rest of
   * that plan is taken from the standard sweep at the same scale: the same keys
   * and seeds, runs the changed option does not touch, so both sides stay
   * paired. The experiment vouches for that when it declares the study.
   */
  completes?: Overrides;
  /**
   * The claims ledger's id (paper-claims.ts) that this study's verdicts test
   * instead of the ids the summary gives them, when the study reruns the
   * comparison under another paper claim (e.g. fixed rather than annealed
   * noise: Section 4.6's claim, not Table 2's). One of the section's claims.
   */
  claim?: string;
}

/** A loaded extension study (studies.ts, loadStudy): its records, completed where it says so, and their summary. */
export interface StudyResults {
  study: Study;
  /** The study's own results file and the command that fills it. */
  file: string;
  command: string;
  /** Runs in the comparison (the study's and, when it completes one, the standard sweep's). */
  planned: number;
  /** The study's own runs: planned and finished. */
  ownPlanned: number;
  ownFinished: number;
  /** Runs taken from the standard sweep (0 unless `completes`). */
  borrowed: number;
  /** The config the summary is computed under (the comparison's). */
  config: unknown;
  records: RunRecord[];
  summary: Summary;
}

/** A claim of the paper this section tests: what the ledger (issue 24) lists beside our verdict. */
export interface Claim {
  /** The claims ledger's catalog id (src/experiments/paper-claims.ts), e.g. "gn-4.1-zero-init-rescue". */
  id: string;
  /** The claim in one line, as the paper makes it. */
  text: string;
  /** The paper's number for it, when it gives one (same units as the verdict's). */
  paper?: number;
  /**
   * Set when the section carries the claim to something the paper did not test (another architecture, say):
   * why. Its verdicts show beside the claim in the ledger but do not count in the claim's status or outcome.
   */
  carried?: string;
}

/**
 * How a section shows its results: tables, figures and the paragraph that
 * says how they were made. The framework adds the "verdicts" table (from
 * summary.verdicts) and the "diverged" sentence to captions.
 */
export interface SectionReport<C, R extends RunRecord, Sum extends Summary> {
  tables(summary: Sum, config: C): TableBlock[];
  /** Caption of the verdicts table the framework appends (default: a generic one); the table is there whenever this is set or there are verdicts. */
  verdicts?: string;
  /** Figures from finished records; may train a small model of its own (progress through `onProgress`). */
  figures?(records: R[], summary: Sum, config: C, onProgress?: (fraction: number, detail?: string) => void): Promise<FigureBlock[]>;
  /**
   * Figures of the extension studies: `studies` are those at the standard
   * sweep's scale whose results exist (studies.ts, loadStudies), and
   * `standard` is that sweep (its records, summary and `config`), for studies
   * drawn beside it. Each block's `source` names the studies' results files
   * and commands. The figures CLI renders them with the others; notebooks
   * show the same blocks.
   */
  studyFigures?(studies: StudyResults[], config: C, standard: { records: R[]; summary: Sum }): Promise<FigureBlock[]>;
  /** The protocol as table rows (ours beside the paper's), for the notebook's protocol cell. */
  protocol?(config: C, scale: Scale): Record<string, Cell>[];
  /** One paragraph: data, model, protocol, seeds, at this config. */
  provenance(config: C): string;
}

/**
 * What a section writes: one object in src/sections/<id>/index.ts, passed to
 * defineExperiment. Everything else (schema 1, no kernels, the plan handed to
 * summarize, the verdicts table, the "diverged" caption) the framework fills in.
 */
export interface ExperimentSpec<C = unknown, S extends RunSpec = RunSpec, R extends RunRecord = RunRecord, Sum extends Summary = Summary> {
  /** CLI name and results-file stem, e.g. "deep-mlp"; the folder's name. */
  readonly id: string;
  /** Paper section, e.g. "4.1". */
  readonly section: string;
  readonly title: string;
  /** The notebook that reads like this section, under notebooks/ (several sections may share one). */
  readonly notebook: string;
  readonly configs: Readonly<Record<Scale, C>>;
  /** Typed CLI flags (options.ts, `opt`) that narrow or extend a scale's sweep; each gives the results file a tag. */
  readonly options: readonly OptionSpec<C>[];
  plan(config: C): S[];
  run(spec: S, config: C, ctx: RunContext): Promise<R>;
  /**
   * The tables' numbers from finished records; `planned` is plan(config).
   * Each row says how many runs it holds of how many are planned, and how
   * many of them diverged (train/divergence.ts).
   */
  summarize(records: R[], config: C, planned: S[]): Sum;
  readonly report?: SectionReport<C, R, Sum>;
  readonly claims?: readonly Claim[];
  /** Bumped when a change makes old records incomparable (it is part of every fingerprint); default 1. */
  readonly schema?: number;
  /** Kernels a run needs (the engine passes over backends that lack one); default none. */
  readonly requiredKernels?: readonly string[];
  /** Extension studies whose results are committed: shown by notebooks, `experiment list` and `npm run figures`. */
  readonly studies?: readonly Study[];
  /**
   * The relative work of one run at `config` (e.g. its SGD steps; epochs x
   * training fraction x hidden units squared): the CLI turns it into an
   * estimated time for a sweep, with the seconds per unit measured on the
   * committed cpu sweep (sweep.ts, estimateSweep), and refuses a sweep over
   * its bound unless `--yes`. Without it, no estimate is given.
   */
  readonly cost?: (config: C) => number;
  /**
   * What a record measures, by field, with its type and range (MeasureSpec):
   * a record where one is missing or breaks its rule is incomplete or damaged,
   * and is set aside rather than counted. A plain list of names means finite
   * numbers (the older form, still accepted).
   */
  readonly measures?: readonly string[] | Measures;
}

/**
 * The type and range of one measured field of a record. "number": a finite
 * number in [min, max]; with `nullWhenDiverged`, null is allowed when (and
 * only when) the record's `diverged` is true (a run that diverged has no
 * final value). "number[]": an array of finite numbers in [min, max]; with
 * `nullItems`, elements may also be null (a non-finite value recorded as
 * null). "boolean": true or false, nothing else.
 */
export type MeasureSpec =
  | { readonly type: "number"; readonly min?: number; readonly max?: number; readonly integer?: boolean; readonly nullWhenDiverged?: boolean }
  | { readonly type: "number[]"; readonly min?: number; readonly max?: number; readonly nullItems?: boolean }
  | { readonly type: "boolean" };

/** A section's measures by field name (ExperimentSpec.measures). */
export type Measures = Readonly<Record<string, MeasureSpec>>;

/**
 * A section as the framework, the CLIs and notebooks use it: the spec with
 * every default filled in (experiment.ts, defineExperiment).
 */
export interface Experiment<C = unknown, S extends RunSpec = RunSpec, R extends RunRecord = RunRecord, Sum extends Summary = Summary>
  extends Omit<ExperimentSpec<C, S, R, Sum>, "summarize" | "schema" | "requiredKernels" | "claims" | "measures"> {
  readonly schema: number;
  /** The spec's measures, a plain list of names made `{ type: "number" }` each (default none). */
  readonly measures: Measures;
  readonly requiredKernels: readonly string[];
  readonly claims: readonly Claim[];
  /** The spec's summarize with the plan at `config`. */
  summarize(records: R[], config: C): Sum;
  /** The section's tables, the "diverged" sentence in captions, then the "verdicts" table. */
  tables(summary: Sum, config: C): TableBlock[];
  figures(records: R[], summary: Sum, config: C, onProgress?: (fraction: number, detail?: string) => void): Promise<FigureBlock[]>;
  studyFigures?(studies: StudyResults[], config: C, standard: { records: R[]; summary: Sum }): Promise<FigureBlock[]>;
  protocol?(config: C, scale: Scale): Record<string, Cell>[];
  provenance(config: C): string;
}

/** Any registered experiment, as the CLI and registry see it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyExperiment = Experiment<any, any, any, any>;

