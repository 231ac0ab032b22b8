/**
 * The generated documentation: one results page per section,
 * docs/results/<id>.md (tables, verdicts, extension studies, provenance,
 * links to its figures, notebook and hand-written analysis), and the status
 * table in README.md between `<!-- status:start -->` and `<!-- status:end -->`,
 * both from the registry and the committed results; nothing here is typed by
 * hand. `npm run figures` writes a section's page after its figures (and then
 * the README block); `npm run docs` rewrites every page and the block from the
 * results alone, training and drawing nothing.
 *
 * Pages hold the `cpu` scale, the one whose results are committed:
 * docs/results/<id>.md. Any other scale writes docs/results/<id>-<scale>.md.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "fs";
import * as path from "path";
import type { AnyExperiment, RunRecord, Summary, TableBlock } from "../experiments/contract";
import { experiments, getExperiment } from "../experiments/registry";
import { trainingCost } from "../experiments/results";
import { Scale } from "../experiments/scale";
import { loadStudies, studyTables } from "../experiments/studies";
import { loadSweep, planSweep, SweepPlan } from "../experiments/sweep";
import { VERDICT_LABELS, VerdictLabel } from "../experiments/verdict";
import { tableMarkdown } from "../report/table";
import { REPO } from "./jupyter";

/** The scale whose results are committed, and so the one the README and the unsuffixed pages show. */
export const DOCS_SCALE: Scale = "cpu";
export const STATUS_START = "<!-- status:start -->";
export const STATUS_END = "<!-- status:end -->";

/** Paper sections with no experiment yet (each has its issue); shown in the status table in paper order. */
export const NOT_BUILT: readonly { section: string; title: string }[] = [
  { section: "4.4", title: "Neural Random Access Machines" },
  { section: "4.5", title: "Neural GPUs" },
];
const NOT_BUILT_NOTE = "not built (issues 25-27)";

/** A section's results page, relative to the repository root. */
export function resultsPagePath(id: string, scale: Scale = DOCS_SCALE): string {
  return `docs/results/${id}${scale === DOCS_SCALE ? "" : `-${scale}`}.md`;
}

/** A sweep's provenance line: the section's own paragraph, its results file and what training cost. */
export function sweepSource(ex: AnyExperiment, plan: SweepPlan, records: readonly RunRecord[]): string {
  const { minutes, copied } = trainingCost(records);
  return `${ex.provenance(plan.config).replace(/\.$/, "")}; ${path.relative(REPO, plan.file)} (${minutes.toFixed(0)} CPU-minutes of training${copied ? `; ${copied} run(s) copied from identical finished runs of another sweep` : ""})`;
}

interface ManifestEntry {
  file: string;
  title: string;
  command: string;
  scale: string;
}

/** The section's figures at `scale` that figures/manifest.json lists (written by `npm run figures -- <id>`). */
function figuresOf(id: string, scale: Scale): ManifestEntry[] {
  const file = path.join(REPO, "figures", "manifest.json");
  if (!existsSync(file)) return [];
  const all = JSON.parse(readFileSync(file, "utf8")) as ManifestEntry[];
  const mine = all.filter((r) => r.scale === scale && r.command === `GRADNOISE_SCALE=${scale} npm run figures -- ${id}`);
  // The standard sweep's figures first, then the extension studies' (figures/study-*), each in name order.
  return [...mine.filter((r) => !r.file.startsWith("study-")), ...mine.filter((r) => r.file.startsWith("study-"))];
}

/** The markdown of a section's results page from its finished (or partial) sweep at `scale`. */
export function resultsPage(ex: AnyExperiment, scale: Scale, plan: SweepPlan = planSweep(ex, scale), records: RunRecord[] = loadSweep(plan)): string {
  const summary = ex.summarize(records, plan.config);
  const engines = [...new Set(records.map((r) => r.engine))].join("; ");
  const loaded = loadStudies(ex, scale, undefined, records);
  const tables: TableBlock[] = [...ex.tables(summary, plan.config), ...loaded.flatMap((r) => studyTables(ex, r, REPO))];
  const up = "../..";
  const figures = figuresOf(ex.id, scale);
  const analysis = `docs/analysis/${ex.id}.md`;
  return [
    `# Section ${ex.section}: ${ex.title}: results at scale "${scale}"`,
    "",
    `Generated from the results files by \`npm run docs\` (also by \`GRADNOISE_SCALE=${scale} npm run figures -- ${ex.id}\`); do not edit by hand. ` +
      (scale === DOCS_SCALE
        ? `This page holds the \`${DOCS_SCALE}\` scale, the one whose results are committed; other scales write \`docs/results/${ex.id}-<scale>.md\`.`
        : `This page holds the \`${scale}\` scale; the committed \`${DOCS_SCALE}\` results are in [${ex.id}.md](${ex.id}.md).`),
    "",
    `Notebook: [notebooks/${ex.notebook}](${up}/notebooks/${ex.notebook}). ` +
      (existsSync(path.join(REPO, analysis)) ? `What the numbers say, read by hand: [${analysis}](../analysis/${ex.id}.md). ` : "") +
      `Runs: ${records.length} of ${plan.specs.length} planned.`,
    "",
    `${sweepSource(ex, plan, records)}. Engine: ${engines || "none yet"}.`,
    "",
    ...(figures.length ? ["## Figures", "", ...figures.flatMap((f) => [`[![${f.title}](${up}/figures/${f.file})](${up}/figures/${f.file})`, "", `*${f.title}*`, ""])] : []),
    "## Tables",
    "",
    ...tables.flatMap((t) => [...(t.caption ? [t.caption, ""] : []), tableMarkdown(t.rows), ""]),
  ].join("\n");
}

/** Writes the section's results page at `scale`; returns its path relative to the repository. */
export function writeResultsPage(ex: AnyExperiment, scale: Scale, plan?: SweepPlan, records?: RunRecord[]): string {
  const rel = resultsPagePath(ex.id, scale);
  mkdirSync(path.join(REPO, path.dirname(rel)), { recursive: true });
  writeFileSync(path.join(REPO, rel), resultsPage(ex, scale, plan, records));
  return rel;
}

const VERDICT_ORDER: readonly VerdictLabel[] = VERDICT_LABELS;

/** "agrees 2, disagrees 1": the summary's verdicts counted by label, in a fixed order. */
export function verdictCounts(labels: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  const order = [...VERDICT_ORDER, ...[...counts.keys()].filter((l) => !(VERDICT_ORDER as readonly string[]).includes(l)).sort()];
  return order.filter((l) => counts.has(l)).map((l) => `${l} ${counts.get(l)}`).join("; ") || "none";
}

const sectionKey = (s: string) => s.split(".").map((x) => x.padStart(4, "0")).join(".");

/** The README status table (markdown, no markers) from the registry and the committed `cpu` results. */
export function statusTable(): string {
  const rows = experiments().map((ex) => {
    const plan = planSweep(ex, DOCS_SCALE);
    const records = loadSweep(plan, () => {});
    const verdicts = records.length ? (ex.summarize(records, plan.config) as Summary).verdicts.map((v) => v.verdict) : [];
    const page = resultsPagePath(ex.id);
    return {
      section: ex.section,
      cells: [ex.section, ex.title, `[${ex.notebook}](notebooks/${ex.notebook})`, `${records.length} / ${plan.specs.length}`, verdictCounts(verdicts), `[${path.basename(page)}](${page})`],
    };
  });
  const missing = NOT_BUILT.map((s) => ({ section: s.section, cells: [s.section, s.title, "", "", "", NOT_BUILT_NOTE] }));
  const all = [...rows, ...missing].sort((a, b) => sectionKey(a.section).localeCompare(sectionKey(b.section)));
  const row = (cells: string[]) => `| ${cells.map((c) => c.replace(/\|/g, "\\|")).join(" | ")} |`;
  return [
    row(["section", "title", "notebook", `${DOCS_SCALE} runs done / planned`, "verdicts, by label", "results"]),
    row(["---", "---", "---", "---", "---", "---"]),
    ...all.map((r) => row(r.cells)),
  ].join("\n");
}

/** `readme` with its status block replaced by `table` (the markers stay). */
export function withStatus(readme: string, table: string): string {
  const start = readme.indexOf(STATUS_START);
  const end = readme.indexOf(STATUS_END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${STATUS_START} ... ${STATUS_END} block`);
  return `${readme.slice(0, start + STATUS_START.length)}\n${table}\n${readme.slice(end)}`;
}

/** The status block as README.md holds it (between the markers, without them). */
export function readmeStatus(readme: string): string {
  const start = readme.indexOf(STATUS_START);
  const end = readme.indexOf(STATUS_END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${STATUS_START} ... ${STATUS_END} block`);
  return readme.slice(start + STATUS_START.length, end).trim();
}

/** Rewrites README.md's status block from the registry and the committed results. */
export function updateReadme(): void {
  const file = path.join(REPO, "README.md");
  const before = readFileSync(file, "utf8");
  const after = withStatus(before, statusTable());
  if (after !== before) writeFileSync(file, after);
  console.log(after !== before ? "README.md: status table rewritten" : "README.md: status table already current");
}

const USAGE = `usage: npm run docs [-- ids...]
Rewrites docs/results/<id>.md (tables, verdicts, studies, provenance, links to figures) for each registered
section named (default: all) from its committed ${DOCS_SCALE} results, then README.md's status table. Trains and
draws nothing: figures come from figures/manifest.json (npm run figures draws them).
ids: ${experiments().map((e) => e.id).join(", ")}`;

function main(): void {
  const named = process.argv.slice(2);
  if (named.some((a) => a === "--help" || a === "-h")) {
    console.log(USAGE);
    return;
  }
  const flag = named.find((a) => a.startsWith("-"));
  if (flag) throw new RangeError(`unknown option ${flag}\n${USAGE}`);
  for (const ex of named.length ? named.map(getExperiment) : experiments()) console.log(`wrote ${writeResultsPage(ex, DOCS_SCALE)}`);
  updateReadme();
}

if (require.main === module) {
  try {
    main();
  } catch (e) {
    const err = e as Error;
    console.error(`docs: ${err instanceof RangeError ? err.message : (err.stack ?? err)}`);
    process.exit(1);
  }
}
