/**
 * The verdict on one paired comparison of test (or validation) perplexity
 * against the paper's difference: how every LM section judges its claims
 * (experiments/verdict.ts's rule, on raw perplexity points).
 */
import { judge, Verdict } from "../../experiments/verdict";
import type { LMComparison } from "./report";

/** `claim` judged from `cmp` (a minus b, paired by seed) against the paper's `paper` difference; below `negligible` points counts as none. */
export function lmVerdict(claim: string, paper: number, cmp: LMComparison, negligible: number): Verdict {
  return judge({ claim, paper, ours: cmp.difference, interval: [cmp.low, cmp.high], p: cmp.p, n: cmp.pairs, negligible, unit: "raw" });
}
