/**
 * The claims ledger as documents: docs/claims.md (written by `npm run docs`)
 * and reports/claims.html (written by `npm run notebooks`), both from the
 * same rows (experiments/ledger.ts), one line per verdict under each paper
 * claim of the catalog (experiments/paper-claims.ts).
 */
import type { LedgerEntry, LedgerRow, LedgerStatus } from "../experiments/ledger";
import { studySlug } from "../experiments/studies";
import { verdictRows, VerdictKind } from "../experiments/verdict";
import { escapeMarkup } from "../report/escape";
import { tableMarkdown } from "../report/table";

export const CLAIMS_PAGE = "docs/claims.md";
export const CLAIMS_REPORT = "reports/claims.html";

/** A figure file (under figures/) and its title. */
export interface FigureLink {
  file: string;
  title: string;
}

/** Where the rows' links point: the section's figures at the ledger's scale (from figures/manifest.json), and a path prefix to the repository root. */
export interface ClaimLinks {
  figures(sectionId: string): readonly FigureLink[];
  /** From the page to the repository root: "..", for docs/claims.md. */
  root: string;
}

const STATUSES: readonly LedgerStatus[] = ["tested", "results, not judged", "built, no results yet", "untested"];
const KINDS: readonly VerdictKind[] = ["agrees", "open", "disagrees"];

/** "12 claims: 5 tested (agrees 1, open 3, disagrees 1), ...": the ledger counted (restated headlines counted once, where they point). */
export function ledgerCounts(rows: readonly LedgerRow[]): string {
  const own = rows.filter((r) => !r.claim.restates);
  const by = (s: LedgerStatus) => own.filter((r) => r.status === s);
  const tested = by("tested");
  const kinds = KINDS.map((k) => `${k} ${tested.filter((r) => r.outcome === k).length}`).join(", ");
  return `${own.length} claims (and ${rows.length - own.length} headline findings that restate one): ` +
    STATUSES.map((s) => `${s} ${by(s).length}${s === "tested" ? ` (${kinds})` : ""}`).join("; ");
}

/** Where an entry comes from: "cpu, standard sweep, 78 of 78 runs" or "cpu, study: <title>, 20 of 20 runs". */
function sourceText(e: LedgerEntry): string {
  const s = e.source;
  return `${s.scale}, ${s.study ? `study: ${s.study.title}` : "standard sweep"}, ${s.runs} of ${s.planned} runs`;
}

/** The entry's figures: a study's own figure, or the standard sweep's figures (study figures left out). */
function entryFigures(e: LedgerEntry, links: ClaimLinks): FigureLink[] {
  const all = links.figures(e.sectionId);
  if (e.source.study) {
    const stem = studySlug(e.source.study);
    return all.filter((f) => f.file.startsWith(`${stem}-${e.source.scale}.`));
  }
  return all.filter((f) => !f.file.startsWith("study-"));
}

/** One row per entry (or one for a claim without any), as table cells; links are markdown. */
export function ledgerTableRows(rows: readonly LedgerRow[], links: ClaimLinks): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  for (const r of rows) {
    const head = {
      id: r.claim.id,
      claim: r.claim.text + (r.claim.restates ? ` (restates ${r.claim.restates})` : ""),
      "paper's number": r.claim.paperValue,
      status: r.status + (r.outcome ? `: ${r.outcome}` : ""),
    };
    const blank = { id: "", claim: "", "paper's number": "", status: "" };
    if (r.entries.length === 0) {
      out.push({ ...head, comparison: "", ours: "", "scale, runs": "", test: "", verdict: [r.status === "built, no results yet" ? `sections: ${r.sections.join(", ")}` : "", r.carriedBy.length ? `carried beyond the paper by: ${r.carriedBy.join(", ")}` : ""].filter(Boolean).join("; "), links: "" });
      continue;
    }
    r.entries.forEach((e, i) => {
      const v = e.verdict ? verdictRows([e.verdict])[0] : undefined;
      const figs = entryFigures(e, links).map((f) => `[${f.file.replace(/-[a-z]+\.png$/, "")}](${links.root}/figures/${f.file})`);
      out.push({
        ...(i === 0 ? head : blank),
        comparison: (e.carried ? `carried ${e.carried}, not counted for the claim: ` : "") + (v ? v.claim : e.reason!.split(": ")[0]),
        ours: v ? `${v.ours} (p ${v.p.startsWith("<") ? v.p : `= ${v.p}`}; paper ${v.paper})` : "",
        "scale, runs": `${sourceText(e)}${v ? `; n = ${v.n}` : ""}`,
        test: v ? v.test : "",
        verdict: v ? v.verdict : `not judged: ${e.reason!.split(": ").slice(1).join(": ")}`,
        links: [`[notebook](${links.root}/notebooks/${e.notebook})`, `[results](${links.root}/docs/results/${e.sectionId}.md)`, ...figs].join(" · "),
      });
    });
  }
  return out;
}

const GROUPS: readonly { paper: "GN" | "NOISIN"; title: string }[] = [
  { paper: "GN", title: "Adding Gradient Noise Improves Learning for Very Deep Networks (GN)" },
  { paper: "NOISIN", title: "NOISIN: noise-regularised RNNs" },
];

const INTRO = (scale: string, command: string) => [
  `Every claim of the papers, one row each, with what our sections found for it at the \`${scale}\` scale (the committed results). ` +
    `Generated by \`${command}\` from the catalog (\`src/experiments/paper-claims.ts\`), the registry and the results files; do not edit by hand.`,
  "",
  "A claim is **tested** when a section's verdict carries its id; **results, not judged** when a section with results links it but cannot judge it, and says why; " +
    "**built, no results yet** when a section links it without records; **untested** when no section links it. " +
    "A tested claim's outcome: *agrees* when every verdict under it agrees, *disagrees* when one disagrees and none agrees, else *open*. " +
    "Verdicts and their labels: [docs/verdicts.md](verdicts.md). A headline finding that restates a claim shows that claim's verdicts. " +
    "A section that carries a claim beyond the paper (the DNGPU extension: Table 5 on an architecture the paper did not test) shows its verdicts under the claim, marked *carried*, and they count neither for the claim's status nor for its outcome.",
];

/** docs/claims.md. */
export function claimsMarkdown(rows: readonly LedgerRow[], links: ClaimLinks, scale: string): string {
  const parts = ["# Claims ledger", "", ...INTRO(scale, "npm run docs"), "", `**${ledgerCounts(rows)}.**`, ""];
  for (const g of GROUPS) {
    const mine = rows.filter((r) => r.claim.paper === g.paper);
    if (!mine.length) continue;
    parts.push(`## ${g.title}`, "");
    for (const section of [...new Set(mine.map((r) => r.claim.section))]) {
      parts.push(`### ${section === "summary" ? "Headline findings (abstract, introduction)" : `Section ${section}`}`, "", tableMarkdown(ledgerTableRows(mine.filter((r) => r.claim.section === section), links)), "");
    }
  }
  return parts.join("\n");
}

/** A cell's markdown links as HTML, escaped first (cells hold no other markup: "NOISIN*" is text). */
function linksHtml(s: string): string {
  return escapeMarkup(s).replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, '<a href="$2">$1</a>');
}

/** The intro's markdown (links, bold, italics, code) as HTML. */
function introHtml(s: string): string {
  return linksHtml(s)
    .replace(/\*\*([^*]+)\*\*/g, "<b>$1</b>")
    .replace(/\*([^*]+)\*/g, "<i>$1</i>")
    .replace(/`([^`]+)`/g, "<code>$1</code>");
}

/** reports/claims.html: the same rows as one small self-contained page (links relative to reports/, so `links.root` is ".."). */
export function claimsHtml(rows: readonly LedgerRow[], links: ClaimLinks, scale: string): string {
  const cells = ledgerTableRows(rows, links);
  const columns = cells.length ? Object.keys(cells[0]) : [];
  const table = `<table><thead><tr>${columns.map((c) => `<th>${escapeMarkup(c)}</th>`).join("")}</tr></thead><tbody>\n` +
    cells.map((r) => `<tr>${columns.map((c) => `<td>${linksHtml(r[c])}</td>`).join("")}</tr>`).join("\n") + "\n</tbody></table>";
  const style = "body{font-family:sans-serif;margin:16px}table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px;vertical-align:top;text-align:left}";
  return `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Claims ledger</title><style>${style}</style></head>\n<body>\n<h1>Claims ledger</h1>\n` +
    INTRO(scale, "npm run notebooks").filter(Boolean).map((p) => `<p>${introHtml(p.replace("(verdicts.md)", `(${links.root}/docs/verdicts.md)`))}</p>`).join("\n") +
    `\n<p><b>${escapeMarkup(ledgerCounts(rows))}.</b></p>\n${table}\n</body></html>\n`;
}
