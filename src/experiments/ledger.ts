/**
 * The claims ledger: one row per paper claim of the catalog
 * (paper-claims.ts), with what our sections found for it, generated from the
 * registry and the results, never typed by hand. A claim is
 *
 * - "tested": some section's verdict carries its id (Verdict.claimId);
 * - "results, not judged": a section with results links it but gives no
 *   verdict, and says why (Summary.unjudged: e.g. the control fails too);
 * - "built, no results yet": a section links it (ExperimentSpec.claims) but
 *   has no records at this scale;
 * - "untested": no section links it.
 *
 * A headline finding that restates another claim (PaperClaim.restates) takes
 * that claim's status and verdicts. The evidence of a section is its standard
 * sweep and its extension studies at one scale (the committed `cpu` one by
 * default); a study with its own `claim` tests that claim instead.
 */
import type { AnyExperiment, Claim, Study, Unjudged } from "./contract";
import { PAPER_CLAIMS, PaperClaim } from "./paper-claims";
import { experiments } from "./registry";
import type { Scale } from "./scale";
import { loadStudies } from "./studies";
import { loadSweep, planSweep } from "./sweep";
import { Verdict, VerdictKind } from "./verdict";

export type LedgerStatus = "tested" | "results, not judged" | "built, no results yet" | "untested";

/** One set of results of a section: its standard sweep or one extension study, at one scale. */
export interface LedgerSource {
  /** Undefined for the standard sweep. */
  study?: Study;
  scale: Scale;
  runs: number;
  planned: number;
  verdicts: readonly Verdict[];
  unjudged: readonly Unjudged[];
}

/** What one section contributes: the claims it links and its results. */
export interface SectionEvidence {
  id: string;
  section: string;
  title: string;
  notebook: string;
  claims: readonly Claim[];
  sources: readonly LedgerSource[];
}

/** One verdict (or reason for none) under a claim, with where it comes from. */
export interface LedgerEntry {
  sectionId: string;
  notebook: string;
  source: LedgerSource;
  /** The verdict; absent for a claim the results cannot judge (then `reason`). */
  verdict?: Verdict;
  reason?: string;
  /** The section carries the claim beyond the paper (Claim.carried: why): shown, not counted in status or outcome. */
  carried?: string;
}

export interface LedgerRow {
  claim: PaperClaim;
  status: LedgerStatus;
  /** Sections that link the claim (or, for a restated claim, the claim it restates); not those that carry it beyond the paper. */
  sections: string[];
  /** Sections that carry the claim beyond the paper: their entries are marked `carried`. */
  carriedBy: string[];
  entries: LedgerEntry[];
  /** For a tested claim: "agrees" if every verdict agrees, "disagrees" if one disagrees and none agrees, else "open". */
  outcome?: VerdictKind;
}

/** The outcome of a claim from its verdicts' kinds (see LedgerRow.outcome). */
export function claimOutcome(kinds: readonly VerdictKind[]): VerdictKind | undefined {
  if (kinds.length === 0) return undefined;
  if (kinds.every((k) => k === "agrees")) return "agrees";
  if (kinds.includes("disagrees") && !kinds.includes("agrees")) return "disagrees";
  return "open";
}

/**
 * Checks that every id a section uses is in the catalog and that each
 * verdict's (or study's) id is one the section links; the error names the
 * section and the id.
 */
export function checkClaimLinks(evidence: readonly SectionEvidence[], catalog: readonly PaperClaim[] = PAPER_CLAIMS): void {
  const known = new Set(catalog.map((c) => c.id));
  for (const e of evidence) {
    const linked = new Set(e.claims.map((c) => c.id));
    for (const c of e.claims) if (!known.has(c.id)) throw new RangeError(`section ${e.id} links claim "${c.id}", which is not in the catalog (src/experiments/paper-claims.ts)`);
    for (const s of e.sources) {
      const where = s.study ? `${e.id}, study "${s.study.title}"` : e.id;
      const ids = [...(s.study?.claim ? [s.study.claim] : []), ...s.verdicts.flatMap((v) => (v.claimId ? [v.claimId] : [])), ...s.unjudged.map((u) => u.claimId)];
      for (const id of ids) {
        if (!known.has(id)) throw new RangeError(`${where}: claim id "${id}" is not in the catalog (src/experiments/paper-claims.ts)`);
        if (!linked.has(id)) throw new RangeError(`${where}: claim id "${id}" is not among the section's claims (${[...linked].join(", ") || "none"})`);
      }
    }
  }
}

/** The ledger from a catalog and the sections' evidence (a pure function: `ledger()` gathers the evidence). */
export function buildLedger(evidence: readonly SectionEvidence[], catalog: readonly PaperClaim[] = PAPER_CLAIMS): LedgerRow[] {
  const ids = new Set<string>();
  for (const c of catalog) {
    if (ids.has(c.id)) throw new RangeError(`the catalog has two claims "${c.id}"`);
    ids.add(c.id);
  }
  for (const c of catalog) if (c.restates && !catalog.some((x) => x.id === c.restates && !x.restates)) throw new RangeError(`claim "${c.id}" restates "${c.restates}", which is not a catalog claim of its own`);
  checkClaimLinks(evidence, catalog);
  const own = (c: PaperClaim): Omit<LedgerRow, "claim"> => {
    const entries: LedgerEntry[] = [];
    const linking = evidence.filter((e) => e.claims.some((x) => x.id === c.id));
    const carriedWhy = (e: SectionEvidence) => e.claims.find((x) => x.id === c.id)!.carried;
    const sections = linking.filter((e) => !carriedWhy(e)).map((e) => e.id);
    const carriedBy = linking.filter((e) => carriedWhy(e)).map((e) => e.id);
    let withRuns = false;
    for (const e of linking) {
      const carried = carriedWhy(e);
      const at = { sectionId: e.id, notebook: e.notebook, ...(carried ? { carried } : {}) };
      for (const s of e.sources) {
        if (s.runs > 0 && !carried) withRuns = true;
        // A study with its own claim tests that one with every verdict it has.
        const mine = s.study?.claim ? (s.study.claim === c.id ? s.verdicts : []) : s.verdicts.filter((v) => v.claimId === c.id);
        for (const v of mine) entries.push({ ...at, source: s, verdict: v });
        const reasons = s.study?.claim ? (s.study.claim === c.id ? s.unjudged : []) : s.unjudged.filter((u) => u.claimId === c.id);
        for (const u of reasons) entries.push({ ...at, source: s, reason: `${u.claim}: ${u.reason}` });
      }
    }
    // Only the sections that test the paper's own claim count for it.
    const verdicts = entries.flatMap((x) => (x.verdict && !x.carried ? [x.verdict] : []));
    const status: LedgerStatus = verdicts.length ? "tested" : sections.length === 0 ? "untested" : withRuns ? "results, not judged" : "built, no results yet";
    const outcome = claimOutcome(verdicts.map((v) => v.kind));
    return { status, sections, carriedBy, entries, ...(outcome ? { outcome } : {}) };
  };
  const rows = new Map(catalog.filter((c) => !c.restates).map((c) => [c.id, { claim: c, ...own(c) }]));
  return catalog.map((c) => (c.restates ? { ...rows.get(c.restates)!, claim: c } : rows.get(c.id)!));
}

/** A registered section's evidence at `scale`: its standard sweep and extension studies, from the results files. */
export function sectionEvidence(ex: AnyExperiment, scale: Scale, warn: (msg: string) => void = () => {}): SectionEvidence {
  const plan = planSweep(ex, scale);
  const records = loadSweep(plan, warn);
  const summary = records.length ? ex.summarize(records, plan.config) : { verdicts: [], unjudged: [] };
  const sources: LedgerSource[] = [{ scale, runs: records.length, planned: plan.specs.length, verdicts: summary.verdicts, unjudged: summary.unjudged ?? [] }];
  for (const r of records.length ? loadStudies(ex, scale, warn, records) : []) {
    sources.push({ study: r.study, scale, runs: r.ownFinished + r.borrowed, planned: r.planned, verdicts: r.summary.verdicts, unjudged: r.summary.unjudged ?? [] });
  }
  return { id: ex.id, section: ex.section, title: ex.title, notebook: ex.notebook, claims: ex.claims, sources };
}

/** The claims ledger at `scale` (default: the committed `cpu` results) from the registered sections. */
export function ledger(scale: Scale = "cpu", sections: readonly AnyExperiment[] = experiments(), warn?: (msg: string) => void): LedgerRow[] {
  return buildLedger(sections.map((ex) => sectionEvidence(ex, scale, warn)));
}
