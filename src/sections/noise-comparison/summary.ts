/**
 * The 2 x 2 comparison from records: rows with t intervals; each noise
 * against neither, and the interaction (does adding hidden-state noise help
 * less, or more, when gradient noise is on?), all paired by seed; two
 * cross-paper verdicts: GN 4.6 (gradient noise does not help an LSTM LM:
 * read as no difference) and NOISIN Table 3 (hidden-state noise lowers an
 * LSTM LM's test perplexity, by 1.1 on WikiText-2) on this PTB model.
 */
import { pairedTTest } from "../../stats/ttest";
import { LMComparison, lmCompare, LMConditionRow, lmConditionRows } from "../../families/lm/report";
import { lmVerdict } from "../../families/lm/verdict";
import type { Verdict } from "../../experiments/verdict";
import { NoiseComparisonConfig, NoiseComparisonRecord, NoiseComparisonSpec } from "./run";

export interface NoiseComparisonSummary {
  rows: LMConditionRow[];
  comparisons: LMComparison[];
  /** (both - hidden) - (gradient - neither) per seed, test perplexity: 0 when the effects add. */
  interaction?: { pairs: number; difference: number; low: number; high: number; p: number };
  verdicts: Verdict[];
}

/** Per seed: (both - hidden) - (gradient - neither), over seeds with all four finished, not diverged. */
export function interactionTerms(records: readonly NoiseComparisonRecord[]): { seed: number; value: number }[] {
  const v = (c: string, s: number) => records.find((r) => r.condition === c && r.seed === s && !r.diverged)?.testPerplexity ?? null;
  const seeds = [...new Set(records.map((r) => r.seed))].sort((a, b) => a - b);
  const out: { seed: number; value: number }[] = [];
  for (const s of seeds) {
    const [n, g, h, b] = [v("neither", s), v("gradient noise", s), v("hidden-state noise", s), v("both", s)];
    if (n !== null && g !== null && h !== null && b !== null) out.push({ seed: s, value: b - h - (g - n) });
  }
  return out;
}

export function summarizeNoiseComparison(records: NoiseComparisonRecord[], c: NoiseComparisonConfig, planned?: readonly NoiseComparisonSpec[]): NoiseComparisonSummary {
  const rows = lmConditionRows(records, c.settings.map((s) => ({ condition: s })), planned);
  const comparisons = (["gradient noise", "hidden-state noise", "both"] as const).map((s) => lmCompare(records, s, "neither")).filter((x): x is LMComparison => x !== undefined);
  const hb = lmCompare(records, "both", "hidden-state noise");
  if (hb) comparisons.push(hb);
  const gh = lmCompare(records, "gradient noise", "hidden-state noise");
  if (gh) comparisons.push(gh);
  const terms = interactionTerms(records);
  let interaction: NoiseComparisonSummary["interaction"];
  if (terms.length >= 2) {
    const t = pairedTTest(terms.map((x) => x.value), terms.map(() => 0));
    interaction = { pairs: terms.length, difference: t.difference, low: t.low, high: t.high, p: t.p };
  }
  const verdicts: Verdict[] = [];
  const g = comparisons.find((x) => x.a === "gradient noise" && x.b === "neither");
  if (g) verdicts.push(lmVerdict("GN 4.6 on this model: test perplexity, gradient noise over neither (paper: no improvement)", "does not help", g, "gn-4.6-ptb-lstm-no-dropout"));
  const h = comparisons.find((x) => x.a === "hidden-state noise" && x.b === "neither");
  if (h) verdicts.push(lmVerdict("NOISIN Table 3's effect on this model: test perplexity, hidden-state noise over neither (paper, WikiText-2: 104.7 vs 105.8)", { a: 104.7, b: 105.8 }, h, "noisin-4-table3-wikitext2"));
  return { rows, comparisons, interaction, verdicts };
}
