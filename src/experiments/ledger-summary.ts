/**
 * The two lines at the top of a notebook: what the paper claims in the
 * sections the notebook holds, and what our results at one scale say about
 * those claims, both read off the claims ledger (ledger.ts). Generated, so
 * the summary moves with the results: a new verdict changes it.
 *
 * Computing the ledger means summarising every sweep and study of a section
 * (Table 2's take most of a minute), so `npm run docs` writes the summaries
 * of the committed `cpu` results to docs/notebook-summaries.json, beside
 * docs/claims.md, and the notebooks read them from there; the README test
 * checks the file is current.
 */
import { existsSync, readFileSync } from "fs";
import * as path from "path";
import type { AnyExperiment } from "./contract";
import { buildLedger, claimOutcome, SectionEvidence, sectionEvidence } from "./ledger";
import { PAPER_CLAIMS, PaperClaim } from "./paper-claims";
import { checkoutRoot } from "./paths";
import { experiments } from "./registry";
import type { Scale } from "./scale";
import type { VerdictKind } from "./verdict";

/** What the ledger says about one claim a notebook tests. */
export interface NotebookClaim {
  claim: PaperClaim;
  /** From this notebook's sections' verdicts only (claimOutcome); undefined: no verdict yet. */
  outcome?: VerdictKind;
}

export interface NotebookSummary {
  notebook: string;
  scale: Scale;
  /** The paper sections the notebook covers, in registry order, once each. */
  sections: string[];
  claims: NotebookClaim[];
  /** Runs loaded and planned in the standard sweeps, and runs in extension studies. */
  runs: number;
  planned: number;
  studyRuns: number;
  studies: number;
}

/** The summary of `notebook` from its sections' evidence (a pure function; `notebookSummary` gathers the evidence). */
export function summarizeNotebook(notebook: string, evidence: readonly SectionEvidence[], catalog: readonly PaperClaim[] = PAPER_CLAIMS): NotebookSummary {
  const mine = evidence.filter((e) => e.notebook === notebook);
  if (mine.length === 0) throw new RangeError(`no registered section has notebook "${notebook}" (have ${[...new Set(evidence.map((e) => e.notebook))].join(", ")})`);
  const rows = buildLedger(mine, catalog);
  const ids = [...new Set(mine.flatMap((e) => e.claims.map((c) => c.id)))];
  const claims = ids.map((id): NotebookClaim => {
    const row = rows.find((r) => r.claim.id === id)!;
    const outcome = claimOutcome(row.entries.flatMap((x) => (x.verdict ? [x.verdict.kind] : [])));
    return { claim: row.claim, ...(outcome ? { outcome } : {}) };
  });
  const sources = mine.flatMap((e) => e.sources);
  const standard = sources.filter((s) => !s.study);
  const studies = sources.filter((s) => s.study);
  return {
    notebook,
    scale: sources[0]?.scale ?? "cpu",
    sections: [...new Set(mine.map((e) => e.section))],
    claims,
    runs: standard.reduce((n, s) => n + s.runs, 0),
    planned: standard.reduce((n, s) => n + s.planned, 0),
    studyRuns: studies.reduce((n, s) => n + s.runs, 0),
    studies: studies.length,
  };
}

const PAPER_NAMES: Record<PaperClaim["paper"], string> = { GN: "Neelakantan et al.", NOISIN: "Dieng et al." };

/** "Neelakantan et al., Section 4.1" or "..., Sections 4.1, 4.6": the claims' own sections, by paper. */
function paperSections(claims: readonly PaperClaim[]): string {
  const papers = [...new Set(claims.map((c) => c.paper))];
  return papers.map((p) => {
    const sections = [...new Set(claims.filter((c) => c.paper === p).map((c) => c.section))];
    return `${PAPER_NAMES[p]}, ${sections.length === 1 ? "Section" : "Sections"} ${sections.join(", ")}`;
  }).join("; ");
}

const OUTCOME_WORDS: Record<VerdictKind, string> = { agrees: "agree", open: "open", disagrees: "disagree" };

/** The summary as two markdown lines: the paper's claims, then ours at the scale with counts by outcome. */
export function notebookSummaryMarkdown(s: NotebookSummary): string {
  const claimed = `**The paper claims** (${paperSections(s.claims.map((c) => c.claim))}): ${s.claims.map((c) => c.claim.text.replace(/\.$/, "")).join("; ")}.`;
  const count = (k: VerdictKind) => s.claims.filter((c) => c.outcome === k).length;
  const untested = s.claims.filter((c) => !c.outcome).length;
  const named = (k: VerdictKind) => s.claims.filter((c) => c.outcome === k).map((c) => c.claim.text.replace(/\.$/, ""));
  // A study's runs may include the standard sweep's (Study.completes): counted there, not again.
  const runs = `${s.runs} of ${s.planned} planned runs` + (s.studies ? ` and ${s.studies} extension ${s.studies === 1 ? "study" : "studies"}` : "");
  const tally = (["agrees", "open", "disagrees"] as const).map((k) => `${count(k)} ${OUTCOME_WORDS[k]}`).join(", ") + `, ${untested} not judged yet`;
  const detail = [
    named("agrees").length ? `agrees: ${named("agrees").join("; ")}` : "",
    named("disagrees").length ? `disagrees: ${named("disagrees").join("; ")}` : "",
  ].filter((x) => x).join("; ");
  const ours = s.runs + s.studyRuns === 0
    ? `**Our \`${s.scale}\` results:** none yet (0 of ${s.planned} planned runs), so no claim is judged.`
    : `**Our \`${s.scale}\` results** (${runs}): of ${s.claims.length} claim${s.claims.length === 1 ? "" : "s"}, ${tally}${detail ? ` (${detail})` : ""}; open means a size unlike the paper's, too wide an interval or too few runs.`;
  return `${claimed}\n\n${ours}`;
}

/** Every registered notebook's summary at `scale`, computed from the results (what `npm run docs` writes). */
export function computeNotebookSummaries(scale: Scale = "cpu", sections: readonly AnyExperiment[] = experiments(), evidence?: readonly SectionEvidence[]): Record<string, string> {
  const all = evidence ?? sections.map((ex) => sectionEvidence(ex, scale));
  const notebooks = [...new Set(sections.map((ex) => ex.notebook))].sort();
  return Object.fromEntries(notebooks.map((nb) => [nb, notebookSummaryMarkdown(summarizeNotebook(nb, all))]));
}

/** Where `npm run docs` keeps the summaries of the committed results, relative to the checkout. */
export const NOTEBOOK_SUMMARIES = "docs/notebook-summaries.json";

/**
 * The two-line summary of a notebook (its file name, e.g.
 * "01-deep-fully-connected.ipynb") from the claims ledger of the committed
 * `cpu` results, as markdown: read from docs/notebook-summaries.json, which
 * `npm run docs` regenerates when the results change.
 */
export function notebookSummary(notebook: string, file = path.join(checkoutRoot() ?? process.cwd(), NOTEBOOK_SUMMARIES)): string {
  if (!existsSync(file)) throw new Error(`no notebook summaries at ${file}: run \`npm run docs\` in the gradnoise checkout`);
  const all = JSON.parse(readFileSync(file, "utf8")) as Record<string, string>;
  const md = all[notebook];
  if (md === undefined) throw new RangeError(`${file} has no summary for "${notebook}" (have ${Object.keys(all).join(", ")}): a new section's notebook? run \`npm run docs\``);
  return md;
}
