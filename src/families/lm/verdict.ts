/**
 * The verdict on one paired comparison of test (or validation) perplexity
 * against the paper's: how every LM section judges its claims
 * (experiments/verdict.ts's rule). Perplexities are compared as ratios
 * (a / b - 1, the paired t test on per-seed log ratios gives the interval
 * and p): at our budget they sit far above the paper's, so absolute points
 * cannot carry from one to the other.
 */
import { judge, Verdict } from "../../experiments/verdict";
import type { LMComparison } from "./report";

/** The equivalence margin on the ratio scale, and why. */
export const LM_MARGIN = 0.01;
export const LM_MARGIN_REASON = "1% of perplexity, the paper's 1-point resolution at its ~100; relative, since our perplexities at this budget are not the paper's";

/** What the paper says: its two perplexities (a, then b), or that a "does not help" against b (a penalty allowed). */
export type LMPaperClaim = { a: number; b: number } | "does not help";

/** `claim` judged from `cmp` (a minus b, paired by seed) against the paper's claim, on the ratio scale; `claimId`: the claims ledger's id (paper-claims.ts). */
export function lmVerdict(claim: string, paper: LMPaperClaim, cmp: LMComparison, claimId?: string): Verdict {
  const r = cmp.relative;
  return judge({
    ...(claimId ? { claimId } : {}), claim, ours: r.difference, interval: [r.low, r.high], p: r.p, minP: cmp.pairs >= 2 ? 0 : 1, test: `paired t test on log ratios (${cmp.pairs} seeds)`, n: cmp.pairs,
    margin: LM_MARGIN, marginReason: LM_MARGIN_REASON, unit: "relative", better: "lower",
    ...(paper === "does not help" ? { paper: 0, direction: "does not help" as const } : { paper: paper.a / paper.b - 1 }),
  });
}
