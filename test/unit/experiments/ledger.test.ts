/**
 * The claims ledger: the catalog's ids are unique and hold the ids other code
 * cites; every section links only catalog ids and every verdict carries one
 * of its section's; the ledger has one row per catalog claim with the status
 * the evidence gives it (on a fake registry), and refuses ids it cannot place.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Claim, Study } from "../../../src/experiments/contract";
import { buildLedger, checkClaimLinks, claimOutcome, LedgerSource, sectionEvidence, SectionEvidence } from "../../../src/experiments/ledger";
import { carriedClaims, claimsOf, PAPER_CLAIMS, paperClaim, PaperClaim } from "../../../src/experiments/paper-claims";
import { experiments } from "../../../src/experiments/registry";
import { judge, Verdict } from "../../../src/experiments/verdict";

test("catalog ids are unique, well formed, one line each, and hold every id other code cites", () => {
  const ids = PAPER_CLAIMS.map((c) => c.id);
  assert.equal(new Set(ids).size, ids.length, `duplicate ids: ${ids.filter((x, i) => ids.indexOf(x) !== i).join(", ")}`);
  for (const c of PAPER_CLAIMS) {
    assert.match(c.id, /^(gn|noisin)-[0-9a-z.]+-[a-z0-9.-]+$/, c.id);
    assert.ok(c.id.startsWith(`${c.paper.toLowerCase()}-${c.section}-`), `${c.id}: id does not start with its paper and section`);
    assert.ok(c.text && !c.text.includes("\n") && c.paperValue && !c.paperValue.includes("\n"), `${c.id}: text and paperValue must be one line`);
    if (c.restates) assert.ok(ids.includes(c.restates) && !paperClaim(c.restates).restates, `${c.id} restates ${c.restates}`);
  }
  for (const id of [
    "gn-4.3-single-column-perfect", "gn-4.3-five-columns", "gn-4.3-text-entries", "gn-4.6-np-fixed-noise", "gn-4.6-np-batch-size", "gn-4.6-np-weight-noise",
    "gn-4.4-listk-success", "gn-4.6-nram-fixed-noise", "gn-4.6-nram-batch-size", "gn-4.6-nram-weight-noise", "gn-4.5-table5-1pct", "gn-4.5-table5-thresholds",
  ]) assert.ok(ids.includes(id), `catalog lacks ${id}`);
  assert.throws(() => paperClaim("gn-9.9-nothing"), /no paper claim "gn-9.9-nothing"/);
  assert.deepEqual(claimsOf("gn-4.5-table5-1pct"), [{ id: "gn-4.5-table5-1pct", text: paperClaim("gn-4.5-table5-1pct").text }]);
});

test("every registered section links catalog ids only, and every verdict of its committed results carries one of them", () => {
  const evidence = experiments().map((ex) => sectionEvidence(ex, "cpu"));
  checkClaimLinks(evidence);
  for (const e of evidence) {
    assert.ok(e.claims.length > 0, `${e.id} links no paper claim`);
    for (const s of e.sources) for (const v of s.verdicts) assert.ok(v.claimId || s.study?.claim, `${e.id}${s.study ? ` (${s.study.title})` : ""}: verdict "${v.claim}" has no claimId`);
  }
});

// A fake registry: a catalog of five claims, one restated, and sections that test, cannot judge, or have no records.
const CATALOG: PaperClaim[] = [
  { id: "gn-1-a", paper: "GN", section: "1", text: "a", paperValue: "1" },
  { id: "gn-1-b", paper: "GN", section: "1", text: "b", paperValue: "2" },
  { id: "gn-1-c", paper: "GN", section: "1", text: "c", paperValue: "3" },
  { id: "gn-2-d", paper: "GN", section: "2", text: "d", paperValue: "4" },
  { id: "gn-2-e", paper: "GN", section: "2", text: "e", paperValue: "5" },
  { id: "gn-summary-a", paper: "GN", section: "summary", text: "a again", paperValue: "1", restates: "gn-1-a" },
];
const verdict = (claimId: string | undefined, ours: number, p: number): Verdict =>
  judge({ ...(claimId ? { claimId } : {}), claim: `x ${claimId}`, paper: 0.1, ours, interval: [ours - 0.01, ours + 0.01], p, minP: 0, test: "t", n: 5, margin: 0.01, marginReason: "r" });
const source = (verdicts: Verdict[], runs = 4, extra: Partial<LedgerSource> = {}): LedgerSource => ({ scale: "cpu", runs, planned: 4, verdicts, unjudged: [], ...extra });
const section = (id: string, claims: string[], sources: LedgerSource[]): SectionEvidence => ({
  id, section: "1", title: id, notebook: `${id}.ipynb`, claims: claims.map((c): Claim => ({ id: c, text: c })), sources,
});

test("the ledger has one row per catalog claim, in catalog order, with the status its evidence gives", () => {
  const fixed: Study = { title: "other claim", scale: "cpu", overrides: {}, claim: "gn-2-d" };
  const rows = buildLedger([
    // s1 tests a twice (one agrees, one opposite: open) and, through a study, d with every verdict it has.
    section("s1", ["gn-1-a", "gn-2-d"], [source([verdict("gn-1-a", 0.1, 0.001), verdict("gn-1-a", -0.1, 0.001)]), source([verdict("gn-1-a", 0.1, 0.001)], 2, { study: fixed })]),
    // s2 has results but cannot judge b; s3 links c without records.
    section("s2", ["gn-1-b"], [source([], 4, { unjudged: [{ claimId: "gn-1-b", claim: "b's comparison", reason: "uninformative: the control fails too" }] })]),
    section("s3", ["gn-1-c"], [source([], 0)]),
  ], CATALOG);
  assert.deepEqual(rows.map((r) => r.claim.id), CATALOG.map((c) => c.id));
  const by = (id: string) => rows.find((r) => r.claim.id === id)!;
  assert.equal(by("gn-1-a").status, "tested");
  assert.equal(by("gn-1-a").entries.length, 2, "the study's verdict goes to its own claim, not to a");
  assert.equal(by("gn-1-a").outcome, "open");
  assert.equal(by("gn-2-d").status, "tested");
  assert.equal(by("gn-2-d").outcome, "agrees");
  assert.equal(by("gn-2-d").entries[0].source.study, fixed);
  assert.equal(by("gn-1-b").status, "results, not judged");
  assert.match(by("gn-1-b").entries[0].reason!, /b's comparison: uninformative: the control fails too/);
  assert.equal(by("gn-1-c").status, "built, no results yet");
  assert.deepEqual(by("gn-1-c").sections, ["s3"]);
  assert.equal(by("gn-2-e").status, "untested");
  assert.deepEqual(by("gn-2-e").entries, []);
  // A restated headline shows its claim's status and verdicts.
  assert.equal(by("gn-summary-a").status, "tested");
  assert.equal(by("gn-summary-a").entries, by("gn-1-a").entries);
  assert.equal(by("gn-summary-a").claim.text, "a again");
});

test("a section that carries a claim beyond the paper shows its verdicts beside the claim without counting them", () => {
  const carrier = (id: string, claims: string[], sources: LedgerSource[]): SectionEvidence => ({ ...section(id, [], sources), claims: claims.map((c): Claim => ({ id: c, text: c, carried: "to another model" })) });
  const rows = buildLedger([
    // e disagrees with the paper on another model only: the claim stays untested; c agrees on the paper's model (s3) and disagrees on another (x).
    carrier("x", ["gn-2-e", "gn-1-c"], [source([verdict("gn-2-e", -0.1, 0.001), verdict("gn-1-c", -0.1, 0.001)])]),
    section("s3", ["gn-1-c"], [source([verdict("gn-1-c", 0.1, 0.001)])]),
  ], CATALOG);
  const by = (id: string) => rows.find((r) => r.claim.id === id)!;
  assert.equal(by("gn-2-e").status, "untested");
  assert.equal(by("gn-2-e").outcome, undefined);
  assert.deepEqual(by("gn-2-e").sections, []);
  assert.deepEqual(by("gn-2-e").carriedBy, ["x"]);
  assert.equal(by("gn-2-e").entries.length, 1, "shown");
  assert.equal(by("gn-2-e").entries[0].carried, "to another model");
  assert.equal(by("gn-1-c").status, "tested");
  assert.equal(by("gn-1-c").outcome, "agrees", "the carried disagreement does not count");
  assert.equal(by("gn-1-c").entries.length, 2);
  assert.throws(() => carriedClaims("", "gn-4.5-table5-1pct"), /say what the claims are carried to/);
  assert.deepEqual(carriedClaims("to DNGPU", "gn-4.5-table5-1pct"), [{ ...claimsOf("gn-4.5-table5-1pct")[0], carried: "to DNGPU" }]);
});

test("a claim's outcome: agrees only if all agree; disagrees if one disagrees and none agrees; else open", () => {
  assert.equal(claimOutcome([]), undefined);
  assert.equal(claimOutcome(["agrees", "agrees"]), "agrees");
  assert.equal(claimOutcome(["disagrees", "open"]), "disagrees");
  assert.equal(claimOutcome(["disagrees", "agrees"]), "open");
  assert.equal(claimOutcome(["open", "agrees"]), "open");
});

test("the ledger refuses ids it cannot place: unknown, not linked by the verdict's section, duplicated, restating nothing", () => {
  assert.throws(() => buildLedger([section("s", ["gn-9-z"], [])], CATALOG), /section s links claim "gn-9-z", which is not in the catalog/);
  assert.throws(() => buildLedger([section("s", ["gn-1-a"], [source([verdict("gn-9-z", 0.1, 0.001)])])], CATALOG), /s: claim id "gn-9-z" is not in the catalog/);
  assert.throws(() => buildLedger([section("s", ["gn-1-a"], [source([verdict("gn-1-b", 0.1, 0.001)])])], CATALOG), /s: claim id "gn-1-b" is not among the section's claims \(gn-1-a\)/);
  assert.throws(() => buildLedger([section("s", ["gn-1-a"], [source([], 1, { study: { title: "t", scale: "cpu", overrides: {}, claim: "gn-1-c" } })])], CATALOG), /s, study "t": claim id "gn-1-c" is not among/);
  assert.throws(() => buildLedger([], [...CATALOG, CATALOG[0]]), /two claims "gn-1-a"/);
  assert.throws(() => buildLedger([], [...CATALOG, { ...CATALOG[1], id: "gn-1-x", restates: "gn-summary-a" }]), /restates "gn-summary-a", which is not a catalog claim of its own/);
});
