/**
 * Extension studies as comparisons a reader can trust: each study's records,
 * completed where it declares so by the standard sweep's runs of the settings
 * it did not rerun, summarised and tabled by the experiment's own code.
 */
import * as path from "path";
import type { AnyExperiment, RunRecord, Study, StudyResults, TableBlock } from "./contract";
import type { Scale } from "./scale";
import { loadSweep, planSweep, sweepCommand } from "./sweep";

export type { StudyResults } from "./contract";


/**
 * One study's records (completed from the standard sweep if it says so) and
 * their summary; null when it has no records yet. `standard`: the standard
 * sweep's records at the study's scale, when the caller has them loaded.
 */
export function loadStudy(ex: AnyExperiment, study: Study, warn?: (msg: string) => void, standard?: () => RunRecord[]): StudyResults | null {
  const own = planSweep(ex, study.scale, study.overrides);
  const mine = loadSweep(own, warn);
  if (mine.length === 0) return null;
  let records: RunRecord[] = mine;
  let config = own.config;
  let planned = own.specs.length;
  let borrowed = 0;
  if (study.completes) {
    const whole = planSweep(ex, study.scale, study.completes);
    const ownKeys = new Set(own.specs.map((s) => s.key));
    const missing = whole.specs.filter((s) => !ownKeys.has(s.key)).map((s) => s.key);
    const fromBase = new Set(missing);
    const base = (standard ? standard() : loadSweep(planSweep(ex, study.scale), warn)).filter((r) => fromBase.has(r.key));
    records = [...mine, ...base];
    config = whole.config;
    planned = whole.specs.length;
    borrowed = base.length;
  }
  return {
    study,
    file: own.file,
    command: sweepCommand(ex, study.scale, study.overrides),
    planned,
    ownPlanned: own.specs.length,
    ownFinished: mine.length,
    borrowed,
    config,
    records,
    summary: ex.summarize(records, config),
  };
}

/** Every study of `ex` at `scale` that has records; the standard sweep is read once, if a study needs it. */
export function loadStudies(ex: AnyExperiment, scale: Scale, warn?: (msg: string) => void, standard?: RunRecord[]): StudyResults[] {
  let base = standard;
  const once = () => (base ??= loadSweep(planSweep(ex, scale), warn));
  return (ex.studies ?? []).filter((s) => s.scale === scale).flatMap((s) => loadStudy(ex, s, warn, once) ?? []);
}

/** A one-line account of where a study's numbers come from. */
export function studySource(r: StudyResults, root = process.cwd()): string {
  const rel = path.relative(root, r.file);
  const own = `${r.ownFinished} of ${r.ownPlanned} runs in ${rel}`;
  return r.borrowed ? `${own}; the settings it does not rerun: ${r.borrowed} runs of the standard sweep` : own;
}

/** A stable file-name stem for a figure of `study`: "study-" and its title in lower case, words joined by "-" ("Zero init, 40,000 updates" -> "study-zero-init-40000-updates"). */
export function studySlug(study: Study): string {
  const words = study.title.toLowerCase().replace(/(\d),(\d)/g, "$1$2").replace(/[^a-z0-9.]+/g, "-").replace(/\.(?!\d)|(?<!\d)\./g, "-");
  return `study-${words.replace(/-+/g, "-").replace(/^-|-$/g, "")}`;
}

/** Where a study figure's numbers come from: each study's title, source (studySource) and command. */
export function studiesSource(rs: readonly StudyResults[], root?: string): string {
  return rs.map((r) => `${r.study.title}: ${studySource(r, root)} (\`${r.command}\`)`).join("; ");
}

/** The experiment's tables for a study, captions prefixed with the study's title and source. */
export function studyTables(ex: AnyExperiment, r: StudyResults, root?: string): TableBlock[] {
  // A study that judges no claim (a settings search) would otherwise show the framework's verdicts table empty.
  const shown = ex.tables(r.summary, r.config).filter((t: TableBlock) => t.name !== "verdicts" || t.rows.length > 0);
  return shown.map((t: TableBlock) => ({ ...t, caption: `${r.study.title} (${studySource(r, root)}): ${t.caption}` }));
}
