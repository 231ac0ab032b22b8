/**
 * Table 4 and the Section 4.6 arms from records: success counts with exact
 * (Clopper-Pearson) intervals, each pair of arms compared on the shared seeds
 * by the exact McNemar test (stats/proportions), the power of that test at
 * the paper's rates, and the verdicts against the claims ledger.
 */
import { clopperPearson, pairedPower, pairedProportions, PairedProportions } from "../../stats/proportions";
import { signFlipDifference, TestedDifference } from "../../stats/inversion";
import { judge, Verdict } from "../../experiments/verdict";
import { testedDifferenceRow } from "../../report/tested-difference";
import { BATCH_SIZES, TABLE4, TABLE4_AVERAGE } from "./paper";
import type { NramArm, NramRunRecord, NramRunSpec } from "./run";

export interface ArmRow {
  setting: number;
  arm: NramArm;
  runs: number;
  plannedRuns?: number;
  successes: number;
  rate: number;
  low: number;
  high: number;
  /** Mean and best (lowest) final test error. */
  meanTestError: number;
  bestTestError: number;
  /** Mean curriculum level reached. */
  meanLevel: number;
  /** Mean generalisation error (bigger memory, longer lists; NaN without records). */
  meanGeneralisation: number;
}

export interface PairRow {
  /** "setting 1", "all settings" or "setting 1: fixed vs noise". */
  what: string;
  a: NramArm;
  b: NramArm;
  test: PairedProportions;
  /** The paper's rates for a and b (fractions), where it gives them. */
  paperA?: number;
  paperB?: number;
  /** Power of the exact McNemar test with our pairs at the paper's rates (arms independent within a pair). */
  power?: number;
}

/**
 * Not the paper's measure: the final test error itself, noise minus no noise on the same seeds. Where neither arm
 * reaches error 0 (Table 4's count is then 0 vs 0 and says nothing), this still says whether noise moved the error.
 */
export interface ErrorDifferenceRow {
  what: string;
  test: TestedDifference;
}

export interface NramSummary {
  arms: ArmRow[];
  table4: PairRow[];
  /** Table 4's pairs compared on the final test error (secondary; no verdict). */
  table4Error: ErrorDifferenceRow[];
  ablations: PairRow[];
  verdicts: Verdict[];
  /** The settings search's ranking (a `--settings search` sweep only; no verdicts then). */
  search?: SearchRow[];
}

/** One setting of the search grid in one arm, ranked within that arm. */
export interface SearchRow {
  arm: NramArm;
  /** 1 = best within the arm. */
  rank: number;
  setting: number;
  runs: number;
  meanTestError: number;
  meanLevel: number;
  successes: number;
}

/**
 * The search's rule, fixed before it ran: within each arm, settings by mean
 * final test error over the search seeds (lower first), ties by mean
 * curriculum level reached (higher first), then grid order. Error rather than
 * success counts: with two seeds nearly every setting has none, and a count
 * of 0 cannot tell them apart. Settings without records are left out.
 */
export function rankSearch(arms: ArmRow[]): SearchRow[] {
  const out: SearchRow[] = [];
  for (const arm of [...new Set(arms.map((a) => a.arm))]) {
    const rows = arms.filter((a) => a.arm === arm && a.runs > 0);
    rows.sort((x, y) => x.meanTestError - y.meanTestError || y.meanLevel - x.meanLevel || x.setting - y.setting);
    rows.forEach((r, i) => out.push({ arm, rank: i + 1, setting: r.setting, runs: r.runs, meanTestError: r.meanTestError, meanLevel: r.meanLevel, successes: r.successes }));
  }
  return out;
}

/** A search sweep's summary: every arm's rows and the ranking; no Table 4 verdicts (its seeds and budget are not Table 4's). */
export function summarizeSearch(records: NramRunRecord[], planned?: NramRunSpec[]): NramSummary {
  const arms = armRows(records, planned);
  return { arms, table4: [], table4Error: [], ablations: [], verdicts: [], search: rankSearch(arms) };
}

/** The ranking as table rows: `top` marks the settings the rule would take, `letter` names Table 4's A-C among them. */
export function searchTableRows(rows: SearchRow[], settingNames: string[], letter: (setting: number) => string | undefined, top = 3): Record<string, string | number>[] {
  return rows.map((r) => ({
    arm: r.arm,
    rank: r.rank <= top ? `${r.rank} (top ${top})` : r.rank,
    setting: settingNames[r.setting] ?? String(r.setting + 1),
    "Table 4's": letter(r.setting) ?? "-",
    runs: r.runs,
    "mean test error": `${pct(r.meanTestError).toFixed(1)}%`,
    "mean curriculum level": r.meanLevel.toFixed(2),
    "error 0": r.successes,
  }));
}

const pct = (x: number) => 100 * x;

/** A measure of arms a and b over the seeds both have, for the given settings. */
function pairedBy<T>(records: NramRunRecord[], settings: number[], a: NramArm, b: NramArm, of: (r: NramRunRecord) => T): [T[], T[]] {
  const xs: T[] = [], ys: T[] = [];
  for (const s of settings) {
    const byA = new Map(records.filter((r) => r.setting === s && r.arm === a).map((r) => [r.seed, r]));
    for (const r of records.filter((r) => r.setting === s && r.arm === b)) {
      const ra = byA.get(r.seed);
      if (ra) {
        xs.push(of(ra));
        ys.push(of(r));
      }
    }
  }
  return [xs, ys];
}

const pairs = (records: NramRunRecord[], settings: number[], a: NramArm, b: NramArm) => pairedBy(records, settings, a, b, (r) => r.success);

function errorRow(records: NramRunRecord[], what: string, settings: number[]): ErrorDifferenceRow | undefined {
  const [xs, ys] = pairedBy(records, settings, "noise", "plain", (r) => r.testError);
  return xs.length ? { what, test: signFlipDifference(xs, ys, { seed: `nram-error/${what}`, unit: "seed pairs" }) } : undefined;
}

function armRows(records: NramRunRecord[], planned?: NramRunSpec[]): ArmRow[] {
  const keys = [...new Set((planned ?? records).map((r) => `${r.setting}|${r.arm}`))];
  return keys.map((k) => {
    const [s, arm] = k.split("|");
    const setting = +s;
    const rs = records.filter((r) => r.setting === setting && r.arm === arm);
    const successes = rs.filter((r) => r.success).length;
    const [low, high] = rs.length ? clopperPearson(successes, rs.length) : [0, 1];
    const errs = rs.map((r) => r.testError);
    return {
      setting, arm: arm as NramArm, runs: rs.length,
      ...(planned ? { plannedRuns: planned.filter((p) => p.setting === setting && p.arm === arm).length } : {}),
      successes, rate: rs.length ? successes / rs.length : NaN, low, high,
      meanTestError: errs.length ? errs.reduce((a, b) => a + b, 0) / errs.length : NaN,
      bestTestError: errs.length ? Math.min(...errs) : NaN,
      meanLevel: rs.length ? rs.reduce((a, r) => a + r.level, 0) / rs.length : NaN,
      meanGeneralisation: rs.length ? rs.reduce((a, r) => a + r.generalisationError, 0) / rs.length : NaN,
    };
  });
}

function pairRow(records: NramRunRecord[], what: string, settings: number[], a: NramArm, b: NramArm, paper?: [number, number]): PairRow | undefined {
  const [xs, ys] = pairs(records, settings, a, b);
  if (!xs.length) return undefined;
  const test = pairedProportions(xs, ys);
  return { what, a, b, test, ...(paper ? { paperA: paper[0], paperB: paper[1], power: pairedPower(paper[0], paper[1], xs.length) } : {}) };
}

// The paper's differences are a few points to ten; half the average difference is the smallest we call a change.
const MARGIN = 0.05;
const MARGIN_REASON = "half of Table 4's average difference (11.3% - 1.3%)";

function verdictFor(row: PairRow | undefined, claimId: string, claim: string, paper: number, extra: Partial<Parameters<typeof judge>[0]> = {}): Verdict[] {
  if (!row) return [];
  const t = row.test;
  return [judge({
    claimId, claim, paper, ours: t.diff, interval: t.interval, p: t.p, minP: t.minP, test: t.test, n: t.n,
    margin: MARGIN, marginReason: MARGIN_REASON, unit: "points", ...extra,
  })];
}

export function summarizeNram(records: NramRunRecord[], planned?: NramRunSpec[]): NramSummary {
  const settings = [...new Set((planned ?? records).map((r) => r.setting))].sort((a, b) => a - b);
  const table4: PairRow[] = [];
  for (const s of settings) {
    const paper = TABLE4[s];
    const row = pairRow(records, `setting ${s + 1}`, [s], "noise", "plain", paper ? [paper.noise, paper.plain] : undefined);
    if (row) table4.push(row);
  }
  // Pooled only when two or more settings have pairs: over one setting it would repeat that setting's row.
  const paired = settings.filter((s) => pairs(records, [s], "noise", "plain")[0].length > 0);
  const pooled = paired.length > 1 ? pairRow(records, "all settings (pooled pairs)", paired, "noise", "plain", [TABLE4_AVERAGE.noise, TABLE4_AVERAGE.plain]) : undefined;
  if (pooled) table4.push(pooled);
  const first = settings.length ? [settings[0]] : [];
  const vsFixed = pairRow(records, "setting 1: annealed vs fixed noise", first, "noise", "fixed", [TABLE4_AVERAGE.noise, 0]);
  const b10 = pairRow(records, "setting 1, no noise: batch 10 vs 50", first, "batch10", "plain", [BATCH_SIZES[1].successes / 100, BATCH_SIZES[0].successes / 100]);
  const b25 = pairRow(records, "setting 1, no noise: batch 25 vs 50", first, "batch25", "plain", [BATCH_SIZES[2].successes / 100, BATCH_SIZES[0].successes / 100]);
  const vsWeight = pairRow(records, "setting 1: gradient vs weight noise", first, "noise", "weight", [TABLE4_AVERAGE.noise, 0]);
  const ablations = [vsFixed, b10, b25, vsWeight].filter((r): r is PairRow => r !== undefined);
  const verdicts: Verdict[] = [
    ...verdictFor(pooled, "gn-4.4-listk-success", "ListK: annealed gradient noise raises the fraction of seeds reaching error 0 (Table 4, pooled over settings)", TABLE4_AVERAGE.noise - TABLE4_AVERAGE.plain),
    ...verdictFor(vsFixed, "gn-4.6-nram-fixed-noise", "ListK: annealed noise reaches error 0 more often than fixed noise (4.6: fixed noise never does)", TABLE4_AVERAGE.noise),
    ...verdictFor(b10, "gn-4.6-nram-batch-size", "ListK, no noise: batch 10 does not beat batch 50 (4.6: 1 vs 2 of 100)", BATCH_SIZES[1].successes / 100 - BATCH_SIZES[0].successes / 100, { direction: "does not help", better: "higher" }),
    ...verdictFor(b25, "gn-4.6-nram-batch-size", "ListK, no noise: batch 25 does not beat batch 50 (4.6: 0 vs 2 of 100)", BATCH_SIZES[2].successes / 100 - BATCH_SIZES[0].successes / 100, { direction: "does not help", better: "higher" }),
    ...verdictFor(vsWeight, "gn-4.6-nram-weight-noise", "ListK: gradient noise reaches error 0 more often than weight noise (4.6: weight noise stays at >= 57% error)", TABLE4_AVERAGE.noise),
  ];
  const table4Error = [...settings.map((s) => errorRow(records, `setting ${s + 1}`, [s])), paired.length > 1 ? errorRow(records, "all settings (pooled pairs)", paired) : undefined].filter((r): r is ErrorDifferenceRow => r !== undefined);
  return { arms: armRows(records, planned), table4, table4Error, ablations, verdicts };
}

const fmtRate = (k: number, n: number, lo: number, hi: number) => (n ? `${k}/${n} = ${pct(k / n).toFixed(0)}% [${pct(lo).toFixed(0)}, ${pct(hi).toFixed(0)}]` : "-");
const fmtPct = (x: number | undefined) => (x === undefined ? "-" : `${pct(x).toFixed(x > 0 && x < 0.1 ? 1 : 0)}%`);

/** Table 4 beside ours: per setting and pooled, the rates, the difference with its interval and p, and the power at the paper's rates. */
export function pairTableRows(rows: PairRow[]): Record<string, string>[] {
  return rows.map((r) => ({
    comparison: `${r.what} (A: ${r.a}, B: ${r.b})`,
    A: fmtRate(r.test.a.k, r.test.n, ...r.test.a.interval),
    B: fmtRate(r.test.b.k, r.test.n, ...r.test.b.interval),
    "A - B (points)": `${pct(r.test.diff).toFixed(1)} [${pct(r.test.interval[0]).toFixed(1)}, ${pct(r.test.interval[1]).toFixed(1)}]`,
    "only A / only B": `${r.test.onlyA} / ${r.test.onlyB}`,
    p: r.test.p < 0.001 ? "<0.001" : r.test.p.toFixed(3),
    "smallest p": r.test.minP < 0.001 ? "<0.001" : r.test.minP.toFixed(3),
    "paper A / B": `${fmtPct(r.paperA)} / ${fmtPct(r.paperB)}`,
    "power at paper's rates": r.power === undefined ? "-" : `${pct(r.power).toFixed(0)}%`,
  }));
}

/** The final test error, noise minus no noise on shared seeds: the difference in points with its interval and p (one sign-flip test per row). */
export function errorTableRows(rows: ErrorDifferenceRow[]): Record<string, string>[] {
  return rows.map((r) => testedDifferenceRow(r.what, r.test, { measure: "noise - no noise (points of test error)", scale: 100 }));
}

export function armTableRows(rows: ArmRow[], settingNames: string[]): Record<string, string | number>[] {
  return rows.map((r) => ({
    setting: settingNames[r.setting] ?? String(r.setting + 1),
    arm: r.arm,
    runs: r.plannedRuns === undefined ? r.runs : `${r.runs} of ${r.plannedRuns}`,
    "error 0 (95% exact CI)": fmtRate(r.successes, r.runs, r.low, r.high),
    "mean test error": Number.isFinite(r.meanTestError) ? `${pct(r.meanTestError).toFixed(1)}%` : "-",
    "best test error": Number.isFinite(r.bestTestError) ? `${pct(r.bestTestError).toFixed(1)}%` : "-",
    "mean curriculum level": Number.isFinite(r.meanLevel) ? r.meanLevel.toFixed(2) : "-",
    "mean generalisation error": Number.isFinite(r.meanGeneralisation) ? `${pct(r.meanGeneralisation).toFixed(1)}%` : "-",
  }));
}

const ordinal = (n: number) => `${n}${n % 10 === 1 && n % 100 !== 11 ? "st" : n % 10 === 2 && n % 100 !== 12 ? "nd" : n % 10 === 3 && n % 100 !== 13 ? "rd" : "th"}`;

/** One sentence per arm: the search's top `top`, and where Table 4's A-C rank in it (the notebook's reading of the search). */
export function searchSentences(rows: SearchRow[], settingNames: string[], letter: (setting: number) => string | undefined, top = 3): string[] {
  return [...new Set(rows.map((r) => r.arm))].map((arm) => {
    const mine = rows.filter((r) => r.arm === arm);
    const best = mine.filter((r) => r.rank <= top).map((r) => `${settingNames[r.setting]}${letter(r.setting) ? ` (${letter(r.setting)})` : ""}`);
    const ours = mine.filter((r) => letter(r.setting)).sort((a, b) => letter(a.setting)!.localeCompare(letter(b.setting)!));
    const where = ours.map((r) => `${letter(r.setting)} ${ordinal(r.rank)}`).join(", ");
    const chosen = ours.filter((r) => r.rank <= top).length;
    return `**${arm}**: the search's top ${top} of ${mine.length}: ${best.join("; ")}. Table 4's settings rank ${where || "(no records)"}: ${chosen} of ${ours.length} would have been chosen.`;
  });
}
