/**
 * The generated documentation: one results page per section,
 * docs/results/<id>.md (tables, verdicts, extension studies, provenance,
 * links to its figures, notebook and hand-written analysis), the claims
 * ledger docs/claims.md (experiments/ledger.ts, claims-page.ts), and the
 * status table in README.md between `<!-- status:start -->` and
 * `<!-- status:end -->` (per section, its claims counted from the ledger),
 * all from the registry and the committed results; nothing here is typed by
 * hand. `npm run figures` writes a section's page after its figures (and then
 * the README block); `npm run docs` rewrites every page and the block from the
 * results alone, training and drawing nothing.
 *
 * Pages hold the `cpu` scale, the one whose results are committed:
 * docs/results/<id>.md. Any other scale writes docs/results/<id>-<scale>.md.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "fs";
import * as path from "path";
import type { AnyExperiment, RunRecord, TableBlock } from "../experiments/contract";
import { experiments, getExperiment } from "../experiments/registry";
import { trainingCost } from "../experiments/results";
import { Scale } from "../experiments/scale";
import { loadStudies, studyTables } from "../experiments/studies";
import { loadSweep, planSweep, SweepPlan } from "../experiments/sweep";
import { buildLedger, claimOutcome, LedgerRow, SectionEvidence, sectionEvidence } from "../experiments/ledger";
import { computeNotebookSummaries, NOTEBOOK_SUMMARIES } from "../experiments/ledger-summary";
import { CLAIMS_PAGE, CLAIMS_REPORT, claimsHtml, claimsMarkdown, ClaimLinks } from "./claims-page";
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

/** NOT_BUILT without the sections a registered experiment now covers. */
export function notBuilt(): typeof NOT_BUILT {
  return NOT_BUILT.filter((s) => !experiments().some((ex) => ex.section === s.section));
}

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
  const command = `GRADNOISE_SCALE=${scale} npm run figures -- ${id}`;
  const mine = all.filter((r) => r.scale === scale && (r.command === command || r.command === `${command} --partial`));
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

const sectionKey = (s: string) => s.split(".").map((x) => x.padStart(4, "0")).join(".");

let evidenceCache: { scale: Scale; evidence: SectionEvidence[] } | undefined;
/** Every section's evidence at the docs' scale, computed once per process (the ledger and the notebook summaries share it). */
function docsEvidence(): SectionEvidence[] {
  if (evidenceCache?.scale !== DOCS_SCALE) evidenceCache = { scale: DOCS_SCALE, evidence: experiments().map((ex) => sectionEvidence(ex, DOCS_SCALE, () => {})) };
  return evidenceCache.evidence;
}

let ledgerCache: { scale: Scale; rows: LedgerRow[] } | undefined;
/** The claims ledger at the docs' scale, computed once per process (the README block and docs/claims.md share it). */
export function docsLedger(): LedgerRow[] {
  if (ledgerCache?.scale !== DOCS_SCALE) ledgerCache = { scale: DOCS_SCALE, rows: buildLedger(docsEvidence()) };
  return ledgerCache.rows;
}

/** docs/notebook-summaries.json: each notebook's two-line summary from the ledger (what lab.experiments.notebookSummary reads). */
export function notebookSummariesJson(): string {
  return `${JSON.stringify(computeNotebookSummaries(DOCS_SCALE, experiments(), docsEvidence()), null, 2)}\n`;
}

/** Rewrites docs/notebook-summaries.json; returns its path relative to the repository. */
export function writeNotebookSummaries(): string {
  writeFileSync(path.join(REPO, NOTEBOOK_SUMMARIES), notebookSummariesJson());
  return NOTEBOOK_SUMMARIES;
}

/** Per section, its linked claims counted from the ledger: tested (by outcome) and untested (no verdict from this section). */
export function sectionClaimCounts(rows: readonly LedgerRow[], sectionId: string, linked: readonly string[]): { claims: number; tested: number; agrees: number; open: number; disagrees: number; untested: number } {
  const out = { claims: linked.length, tested: 0, agrees: 0, open: 0, disagrees: 0, untested: 0 };
  for (const id of linked) {
    const row = rows.find((r) => r.claim.id === id);
    const kinds = (row?.entries ?? []).filter((e) => e.sectionId === sectionId && e.verdict).map((e) => e.verdict!.kind);
    const outcome = claimOutcome(kinds);
    if (!outcome) out.untested++;
    else {
      out.tested++;
      out[outcome]++;
    }
  }
  return out;
}

/** The README status table (markdown, no markers) from the registry, the claims ledger and the committed `cpu` results. */
export function statusTable(): string {
  const ledgerRows = docsLedger();
  const counts = (c: ReturnType<typeof sectionClaimCounts>) => [c.claims, c.tested, c.agrees, c.open, c.disagrees, c.untested].map(String);
  const rows = experiments().map((ex) => {
    const plan = planSweep(ex, DOCS_SCALE);
    const records = loadSweep(plan, () => {});
    const page = resultsPagePath(ex.id);
    const c = sectionClaimCounts(ledgerRows, ex.id, ex.claims.map((x) => x.id));
    return {
      section: ex.section,
      cells: [ex.section, ex.title, `[${ex.notebook}](notebooks/${ex.notebook})`, `${records.length} / ${plan.specs.length}`, ...counts(c), `[${path.basename(page)}](${page})`],
    };
  });
  // Claims no section links: by paper section for the sections not built, the rest in one row (restated headlines count where they point).
  const unlinked = ledgerRows.filter((r) => r.sections.length === 0 && !r.claim.restates);
  const missing = notBuilt().map((s) => {
    const n = unlinked.filter((r) => r.claim.paper === "GN" && r.claim.section === s.section).length;
    return { section: s.section, cells: [s.section, s.title, "", "", String(n), "0", "0", "0", "0", String(n), NOT_BUILT_NOTE] };
  });
  const rest = unlinked.filter((r) => !(r.claim.paper === "GN" && notBuilt().some((s) => s.section === r.claim.section))).length;
  const all = [...rows, ...missing].sort((a, b) => sectionKey(a.section).localeCompare(sectionKey(b.section)));
  const row = (cells: string[]) => `| ${cells.map((c) => c.replace(/\|/g, "\\|")).join(" | ")} |`;
  const other = ["", "other paper claims no section links yet", "", "", String(rest), "0", "0", "0", "0", String(rest), `[claims.md](${CLAIMS_PAGE})`];
  return [
    row(["section", "title", "notebook", `${DOCS_SCALE} runs done / planned`, "claims", "tested", "agree", "open", "disagree", "untested", "results"]),
    row(Array(11).fill("---")),
    ...all.map((r) => row(r.cells)),
    row(other),
  ].join("\n");
}

/** The ledger's links from a page `root` away from the repository root: figures from figures/manifest.json at the docs' scale. */
export function claimLinks(root: string): ClaimLinks {
  return { root, figures: (id) => figuresOf(id, DOCS_SCALE) };
}

/** docs/claims.md from the ledger. */
export function claimsPage(): string {
  return claimsMarkdown(docsLedger(), claimLinks(".."), DOCS_SCALE);
}

/** Rewrites docs/claims.md; returns its path relative to the repository. */
export function writeClaimsPage(): string {
  writeFileSync(path.join(REPO, CLAIMS_PAGE), claimsPage());
  return CLAIMS_PAGE;
}

/** Writes reports/claims.html (the ledger's rows as a page, for `npm run notebooks`); returns its path relative to the repository. */
export function writeClaimsReport(): string {
  mkdirSync(path.join(REPO, path.dirname(CLAIMS_REPORT)), { recursive: true });
  writeFileSync(path.join(REPO, CLAIMS_REPORT), claimsHtml(docsLedger(), claimLinks(".."), DOCS_SCALE));
  return CLAIMS_REPORT;
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

const usage = () => `usage: npm run docs [-- ids...]
Rewrites docs/results/<id>.md (tables, verdicts, studies, provenance, links to figures) for each registered
section named (default: all) from its committed ${DOCS_SCALE} results, then the claims ledger docs/claims.md, the
notebooks' two-line summaries docs/notebook-summaries.json and README.md's status table. Trains and
draws nothing: figures come from figures/manifest.json (npm run figures draws them).
ids: ${experiments().map((e) => e.id).join(", ")}`;

function main(): void {
  const named = process.argv.slice(2);
  if (named.some((a) => a === "--help" || a === "-h")) {
    console.log(usage());
    return;
  }
  const flag = named.find((a) => a.startsWith("-"));
  if (flag) throw new RangeError(`unknown option ${flag}\n${usage()}`);
  for (const ex of named.length ? named.map(getExperiment) : experiments()) console.log(`wrote ${writeResultsPage(ex, DOCS_SCALE)}`);
  console.log(`wrote ${writeClaimsPage()}`);
  console.log(`wrote ${writeNotebookSummaries()}`);
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
