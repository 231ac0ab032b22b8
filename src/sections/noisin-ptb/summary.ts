/**
 * Table 2 from records: rows with t intervals over seeds, each regulariser
 * against "none" in the same architecture (paired by seed), verdicts.
 */
import type { Verdict } from "../../experiments/verdict";
import { LMComparison, lmCompare, LMConditionRow, lmConditionRows, LMConditionSpec, LMDifferenceSpec } from "../../families/lm/report";
import { lmVerdict } from "../../families/lm/verdict";
import { NOISIN_TABLE2 } from "./paper";
import { noisinCondition, NoisinPtbConfig, NoisinPtbRecord, NoisinPtbSpec } from "./run";

/** The claims ledger's id (paper-claims.ts) of each regulariser's comparison with none. */
const TABLE2_CLAIM: Record<string, string> = { NOISIN: "noisin-4-table2-fixed-noise", "NOISIN*": "noisin-4-table2-learned-noise", dropout: "noisin-4-table2-dropout" };

export interface NoisinPtbSummary {
  rows: LMConditionRow[];
  comparisons: LMComparison[];
  verdicts: Verdict[];
}

export function noisinPtbConditions(c: NoisinPtbConfig): LMConditionSpec[] {
  return c.layers.flatMap((l) => c.activations.flatMap((a) => c.regularisers.map((r) => ({ condition: noisinCondition(l, a, r), paper: NOISIN_TABLE2[l]?.[a] ? { test: NOISIN_TABLE2[l][a][r] } : undefined }))));
}

/** Each regulariser against none in the same architecture, with the paper's two numbers. */
export function noisinPtbDifferences(c: NoisinPtbConfig): LMDifferenceSpec[] {
  if (!c.regularisers.includes("none")) return [];
  return c.layers.flatMap((l) => c.activations.flatMap((a) => c.regularisers.filter((r) => r !== "none").map((r) => {
    const p = NOISIN_TABLE2[l]?.[a];
    return { a: noisinCondition(l, a, r), b: noisinCondition(l, a, "none"), label: `${l}L ${a}: ${r}`, paper: p ? { a: p[r], b: p.none } : undefined };
  })));
}

export function summarizeNoisinPtb(records: NoisinPtbRecord[], c: NoisinPtbConfig, planned?: readonly NoisinPtbSpec[]): NoisinPtbSummary {
  const rows = lmConditionRows(records, noisinPtbConditions(c), planned);
  const comparisons: LMComparison[] = [];
  const verdicts: Verdict[] = [];
  for (const l of c.layers) for (const a of c.activations) {
    if (!c.regularisers.includes("none")) continue;
    for (const r of c.regularisers.filter((x) => x !== "none")) {
      const cmp = lmCompare(records, noisinCondition(l, a, r), noisinCondition(l, a, "none"));
      if (!cmp) continue;
      comparisons.push(cmp);
      const p = NOISIN_TABLE2[l]?.[a];
      if (p) verdicts.push(lmVerdict(`${l}-layer ${a}: test perplexity, ${r} over none`, { a: p[r], b: p.none }, cmp, TABLE2_CLAIM[r]));
    }
  }
  return { rows, comparisons, verdicts };
}

/** How many rows of the table have each regulariser as their best (lowest mean test perplexity), ours and the paper's. */
export function bestRegulariserCounts(s: NoisinPtbSummary, c: NoisinPtbConfig): { regulariser: string; ours: number; paper: number }[] {
  const counts = new Map(c.regularisers.map((r) => [r, { ours: 0, paper: 0 }]));
  for (const l of c.layers) for (const a of c.activations) {
    const mine = c.regularisers.map((r) => ({ r, v: s.rows.find((x) => x.condition === noisinCondition(l, a, r))?.test ?? NaN })).filter((x) => Number.isFinite(x.v));
    if (mine.length === c.regularisers.length) counts.get(mine.reduce((b, x) => (x.v < b.v ? x : b)).r)!.ours++;
    const p = NOISIN_TABLE2[l]?.[a];
    if (p) counts.get(c.regularisers.reduce((b, r) => (p[r] < p[b] ? r : b)))!.paper++;
  }
  return [...counts].map(([regulariser, v]) => ({ regulariser, ...v }));
}
