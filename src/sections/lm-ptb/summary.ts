/**
 * Section 4.6 from records: mean validation and test perplexity per row with
 * t intervals over seeds, each noisy row against its eta = 0 row (paired by
 * seed), and the verdicts.
 */
import type { Verdict } from "../../experiments/verdict";
import { LMComparison, lmCompare, LMConditionRow, lmConditionRows, LMConditionSpec, LMDifferenceSpec } from "../../families/lm/report";
import { lmVerdict } from "../../families/lm/verdict";
import { SECTION46_PERPLEXITY } from "./paper";
import { conditionName, LmPtbConfig, LmPtbRecord, LmPtbSpec } from "./run";

export interface LmPtbSummary {
  rows: LMConditionRow[];
  comparisons: LMComparison[];
  verdicts: Verdict[];
}

/** Rows in plan order; the paper's number goes beside the dropout rows (the model the paper reports). */
export function lmPtbConditions(c: LmPtbConfig): LMConditionSpec[] {
  return c.dropoutSettings.flatMap((d) => c.etas.map((eta) => ({ condition: conditionName(d, eta), paper: d === "dropout" && String(eta) in SECTION46_PERPLEXITY ? { test: SECTION46_PERPLEXITY[String(eta)] } : undefined })));
}

/** Each noisy row against its eta = 0 row, with the paper's two numbers for the dropout rows. */
export function lmPtbDifferences(c: LmPtbConfig): LMDifferenceSpec[] {
  return c.dropoutSettings.flatMap((d) =>
    c.etas.filter((e) => e > 0).map((eta) => ({
      a: conditionName(d, eta), b: conditionName(d, 0), label: `${d}: eta ${eta} vs 0`,
      paper: d === "dropout" && String(eta) in SECTION46_PERPLEXITY ? { a: SECTION46_PERPLEXITY[String(eta)], b: SECTION46_PERPLEXITY["0"] } : undefined,
    })),
  );
}

export function summarizeLmPtb(records: LmPtbRecord[], c: LmPtbConfig, planned?: readonly LmPtbSpec[]): LmPtbSummary {
  const rows = lmConditionRows(records, lmPtbConditions(c), planned);
  const comparisons: LMComparison[] = [];
  const verdicts: Verdict[] = [];
  for (const d of c.dropoutSettings) {
    for (const eta of c.etas.filter((e) => e > 0)) {
      const cmp = lmCompare(records, conditionName(d, eta), conditionName(d, 0), "testPerplexity");
      if (!cmp) continue;
      comparisons.push(cmp);
      // With dropout the paper gives numbers (95 vs 95 at eta 0.001: "the same perplexity ... but do not see improvement", so
      // "does not help"); without dropout, "a similar lack of improvement", without numbers: "does not help" (a penalty allowed).
      const same = d === "dropout" && String(eta) in SECTION46_PERPLEXITY && SECTION46_PERPLEXITY[String(eta)] !== SECTION46_PERPLEXITY["0"];
      const paper = same ? { a: SECTION46_PERPLEXITY[String(eta)], b: SECTION46_PERPLEXITY["0"] } : "does not help" as const;
      verdicts.push(lmVerdict(`${d}: test perplexity, eta ${eta} over eta 0`, paper, cmp, d === "dropout" ? "gn-4.6-ptb-lstm-dropout" : "gn-4.6-ptb-lstm-no-dropout"));
    }
  }
  return { rows, comparisons, verdicts };
}
