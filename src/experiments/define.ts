/**
 * defineExperiment: a section's slim spec made whole. The framework fills in
 * what every section used to repeat: schema 1, no required kernels, the plan
 * handed to summarize, the "diverged" sentence in captions and the
 * "verdicts" table built from summary.verdicts.
 */
import { DIVERGED_RULE } from "../train/divergence";
import type { Experiment, ExperimentSpec, Measures, RunRecord, RunSpec, Summary, TableBlock } from "./contract";
import { unjudgedRows, verdictRows } from "./verdict";

const DEFAULT_VERDICTS = "Verdicts (significance at p < 0.05):";

/** Experiments made by defineExperiment, so a second call (the registry's) returns them as they are. */
const defined = new WeakSet<object>();

/** The caption with the one sentence that says what "diverged" means and how this table treats such runs. */
function withDivergence(t: TableBlock): TableBlock {
  if (t.diverged === undefined) return t;
  const { diverged, ...rest } = t;
  return { ...rest, caption: `${t.caption} "diverged": runs that diverged (${DIVERGED_RULE})${diverged ? `; ${diverged}` : ""}.` };
}

/** A list of names (the older form) as finite numbers each; a record of specs as it is. */
export function normalizeMeasures(m: readonly string[] | Measures | undefined): Measures {
  if (m === undefined) return {};
  if (!Array.isArray(m)) return m as Measures;
  return Object.fromEntries((m as readonly string[]).map((name) => [name, { type: "number" as const }]));
}

/** `export const experiment = defineExperiment<Config, Spec, Record, Summary>({...})` in src/sections/<id>/index.ts. */
export function defineExperiment<C, S extends RunSpec, R extends RunRecord, Sum extends Summary>(s: ExperimentSpec<C, S, R, Sum>): Experiment<C, S, R, Sum> {
  // The registry passes every section's export through here: one already defined comes back as it is.
  if (defined.has(s)) return s as unknown as Experiment<C, S, R, Sum>;
  const report = s.report;
  const ex: Experiment<C, S, R, Sum> = {
    ...s,
    schema: s.schema ?? 1,
    requiredKernels: s.requiredKernels ?? [],
    claims: s.claims ?? [],
    measures: normalizeMeasures(s.measures),
    summarize: (records, config) => s.summarize(records, config, s.plan(config)),
    tables(summary, config) {
      const own = (report?.tables(summary, config) ?? []).map(withDivergence);
      const unjudged = summary.unjudged ?? [];
      const verdicts = report?.verdicts !== undefined || summary.verdicts.length > 0 || unjudged.length > 0;
      return verdicts ? [...own, { name: "verdicts", caption: report?.verdicts ?? DEFAULT_VERDICTS, rows: [...verdictRows(summary.verdicts), ...unjudgedRows(unjudged)] }] : own;
    },
    figures: async (records, summary, config, onProgress) => (report?.figures ? report.figures(records, summary, config, onProgress) : []),
    ...(report?.studyFigures ? { studyFigures: report.studyFigures.bind(report) } : {}),
    ...(report?.protocol ? { protocol: report.protocol.bind(report) } : {}),
    provenance: (config) => report?.provenance(config) ?? "",
  };
  defined.add(ex);
  return ex;
}
