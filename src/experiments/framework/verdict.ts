/**
 * One rule for "do we reproduce the paper?", used by every experiment. A
 * claim is an effect: ours (a difference we measured, with a two-sided
 * p-value) against the paper's (a difference of reported numbers, which
 * come without intervals). The paper's effect counts only when it is at
 * least `negligible` in size; otherwise the paper is read as "no difference".
 */
import { formatP } from "../../stats";
export type VerdictLabel =
  | "agrees"
  | "same direction, not significant"
  | "opposite direction, not significant"
  | "not reproduced: no difference"
  | "disagrees"
  | "agrees: no difference"
  | "disagrees: we see a difference";

export interface EffectClaim {
  /** What is compared, e.g. "Simple Init, No Gradient Clip: average accuracy, with noise minus without". */
  claim: string;
  /** The paper's difference (same sign convention as ours). */
  paper: number;
  /** Our difference. */
  ours: number;
  /** Two-sided p-value of ours. */
  p: number;
  /** Runs or tasks behind ours. */
  n: number;
  /** Paper differences smaller than this in size count as none (same units). */
  negligible: number;
  /** Significance level (default 0.05). */
  alpha?: number;
  /** How to print a difference, e.g. in percentage points. */
  unit?: "points" | "raw";
}

export interface Verdict extends Required<Omit<EffectClaim, "unit">> {
  verdict: VerdictLabel;
  unit: "points" | "raw";
}

/** The verdict for one claim (the rule: see the module comment; it is tested case by case). */
export function judge(c: EffectClaim): Verdict {
  const alpha = c.alpha ?? 0.05;
  for (const [k, v] of Object.entries({ paper: c.paper, ours: c.ours, p: c.p, negligible: c.negligible, alpha })) {
    if (!Number.isFinite(v)) throw new RangeError(`judge(${c.claim}): ${k} must be a finite number, got ${v}`);
  }
  if (c.p < 0 || c.p > 1) throw new RangeError(`judge(${c.claim}): p must be in [0, 1], got ${c.p}`);
  const significant = c.p < alpha;
  let verdict: VerdictLabel;
  if (Math.abs(c.paper) < c.negligible) verdict = significant ? "disagrees: we see a difference" : "agrees: no difference";
  else {
    const same = Math.sign(c.ours) === Math.sign(c.paper);
    // Exactly zero is common (every run on the plateau in both settings): neither direction.
    if (c.ours === 0) verdict = "not reproduced: no difference";
    else verdict = same ? (significant ? "agrees" : "same direction, not significant") : significant ? "disagrees" : "opposite direction, not significant";
  }
  return { claim: c.claim, paper: c.paper, ours: c.ours, p: c.p, n: c.n, negligible: c.negligible, alpha, unit: c.unit ?? "points", verdict };
}

const fmt = (x: number, unit: "points" | "raw") => (unit === "points" ? `${x >= 0 ? "+" : ""}${(100 * x).toFixed(1)} points` : `${x >= 0 ? "+" : ""}${x.toPrecision(3)}`);

/** One markdown bullet per verdict. */
export function verdictMarkdown(vs: readonly Verdict[]): string {
  return vs
    .map((v) => `* **${v.claim}:** paper ${fmt(v.paper, v.unit)}; ours ${fmt(v.ours, v.unit)} (p = ${formatP(v.p, 3)}, n = ${v.n}) — **${v.verdict}**.`)
    .join("\n");
}

/** Verdicts as table rows. */
export function verdictRows(vs: readonly Verdict[]): Record<string, string>[] {
  return vs.map((v) => ({ claim: v.claim, paper: fmt(v.paper, v.unit), ours: fmt(v.ours, v.unit), p: formatP(v.p, 3), n: String(v.n), verdict: v.verdict }));
}
