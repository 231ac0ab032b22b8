/**
 * A notebook's two-line summary from the claims ledger: it names the paper's
 * claims of the notebook's sections, counts our verdicts by outcome at the
 * scale, and changes when the results do (a fake registry), and every
 * registered notebook gets one from the committed results.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import type { Claim } from "../../../src/experiments/contract";
import type { LedgerSource, SectionEvidence } from "../../../src/experiments/ledger";
import { computeNotebookSummaries, notebookSummary, notebookSummaryMarkdown, summarizeNotebook } from "../../../src/experiments/ledger-summary";
import type { PaperClaim } from "../../../src/experiments/paper-claims";
import { experiments } from "../../../src/experiments/registry";
import { judge, Verdict } from "../../../src/experiments/verdict";

const CATALOG: PaperClaim[] = [
  { id: "gn-1-a", paper: "GN", section: "1", text: "Noise rescues zero init", paperValue: "1" },
  { id: "gn-1-b", paper: "GN", section: "1", text: "Dropout fails", paperValue: "2" },
  { id: "gn-2-c", paper: "GN", section: "2", text: "Another notebook's claim", paperValue: "3" },
];
const verdict = (claimId: string, ours: number, p: number): Verdict =>
  judge({ claimId, claim: `x ${claimId}`, paper: 0.1, ours, interval: [ours - 0.01, ours + 0.01], p, minP: 0, test: "t", n: 5, margin: 0.01, marginReason: "r" });
const source = (verdicts: Verdict[], runs: number, extra: Partial<LedgerSource> = {}): LedgerSource => ({ scale: "cpu", runs, planned: 6, verdicts, unjudged: [], ...extra });
const section = (id: string, notebook: string, sectionNo: string, claims: string[], sources: LedgerSource[]): SectionEvidence => ({
  id, section: sectionNo, title: id, notebook, claims: claims.map((c): Claim => ({ id: c, text: c })), sources,
});
const other = section("s2", "02.ipynb", "2", ["gn-2-c"], [source([verdict("gn-2-c", -0.1, 0.001)], 6)]);

test("the summary names the notebook's claims and counts its verdicts by outcome, with runs and scale", () => {
  const s = summarizeNotebook("01.ipynb", [
    section("s1", "01.ipynb", "1", ["gn-1-a", "gn-1-b"], [source([verdict("gn-1-a", 0.1, 0.001)], 6), source([], 4, { study: { title: "longer", scale: "cpu", overrides: {} } })]),
    other,
  ], CATALOG);
  assert.deepEqual(s.claims.map((c) => [c.claim.id, c.outcome]), [["gn-1-a", "agrees"], ["gn-1-b", undefined]]);
  assert.deepEqual([s.runs, s.planned, s.studyRuns, s.studies, s.sections], [6, 6, 4, 1, ["1"]]);
  const md = notebookSummaryMarkdown(s);
  const lines = md.split("\n\n");
  assert.equal(lines.length, 2, md);
  assert.match(lines[0], /^\*\*The paper claims\*\* \(Neelakantan et al., Section 1\): Noise rescues zero init; Dropout fails\.$/);
  assert.doesNotMatch(md, /Another notebook/);
  assert.match(lines[1], /`cpu` results\*\* \(6 of 6 planned runs and 1 extension study\): of 2 claims, 1 agree, 0 open, 0 disagree, 1 not judged yet \(agrees: Noise rescues zero init\)/);
});

test("the summary changes when the results change", () => {
  const at = (verdicts: Verdict[], runs: number) => notebookSummaryMarkdown(summarizeNotebook("01.ipynb", [section("s1", "01.ipynb", "1", ["gn-1-a", "gn-1-b"], [source(verdicts, runs)]), other], CATALOG));
  const none = at([], 0), agrees = at([verdict("gn-1-a", 0.1, 0.001)], 6), opposite = at([verdict("gn-1-a", -0.1, 0.001)], 6);
  assert.match(none, /none yet \(0 of 6 planned runs\), so no claim is judged/);
  assert.match(agrees, /1 agree, 0 open, 0 disagree/);
  assert.match(opposite, /0 agree, 0 open, 1 disagree, 1 not judged yet \(disagrees: Noise rescues zero init\)/);
  assert.equal(new Set([none, agrees, opposite]).size, 3);
});

test("a notebook no section names is refused, with the ones there are", () => {
  assert.throws(() => summarizeNotebook("09.ipynb", [other], CATALOG), /no registered section has notebook "09.ipynb" \(have 02.ipynb\)/);
});

test("notebooks read the summaries npm run docs wrote, and say what to run when one is missing", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "gn-summaries-"));
  try {
    const file = path.join(dir, "notebook-summaries.json");
    assert.throws(() => notebookSummary("00-method.ipynb", file), /no notebook summaries at .*run `npm run docs`/);
    writeFileSync(file, JSON.stringify({ "00-method.ipynb": "**The paper claims** a.\n\n**Our `cpu` results** b." }));
    assert.equal(notebookSummary("00-method.ipynb", file), "**The paper claims** a.\n\n**Our `cpu` results** b.");
    assert.throws(() => notebookSummary("09-new.ipynb", file), /has no summary for "09-new.ipynb" \(have 00-method.ipynb\).*npm run docs/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a registered section's notebook gets its summary from the committed cpu results", () => {
  // One cheap section (loading every section's results takes a minute; the README test checks the committed file).
  const method = experiments().filter((ex) => ex.id === "method");
  const all = computeNotebookSummaries("cpu", method);
  assert.deepEqual(Object.keys(all), ["00-method.ipynb"]);
  const md = all["00-method.ipynb"];
  assert.equal(md.split("\n\n").length, 2, md);
  assert.match(md, /^\*\*The paper claims\*\* \(Neelakantan et al., Section 4.1\): .+\n\n\*\*Our `cpu` results\*\* \(\d+ of \d+ planned runs\)/);
});
