/**
 * One rule for "do we reproduce the paper?", used by every experiment. A
 * claim is an effect: ours (a difference we measured, with a two-sided
 * p-value) against the paper's (a difference of reported numbers, which
 * come without intervals). The paper's effect counts only when it is at
 * least `negligible` in size; otherwise the paper is read as "no difference".
 * Agreeing with "no difference" takes more than a large p-value (absence of
 * evidence is not evidence of absence): our 95% interval must lie inside
 * (-negligible, +negligible), the equivalence margin; a non-significant
 * difference whose interval is wider is "inconclusive".
 */
import { formatP } from "../stats";
export type VerdictLabel =
  | "agrees"
  | "same direction, not significant"
  | "opposite direction, not significant"
  | "not reproduced: no difference"
  | "disagrees"
  | "agrees: no difference"
  | "inconclusive: interval too wide"
  | "disagrees: we see a difference";

/** The label's gist: agreement, disagreement, or neither (a direction only, no difference where the paper sees one, too wide an interval). */
export type VerdictKind = "agrees" | "disagrees" | "open";

/** The kind of a label (the labels say it in their first word). */
export function verdictKind(label: VerdictLabel): VerdictKind {
  return label.startsWith("agrees") ? "agrees" : label.startsWith("disagrees") ? "disagrees" : "open";
}

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
  /**
   * Our 95% interval of the difference (ends may be infinite). Needed when the paper's difference is
   * negligible (agreement with "no difference" is judged by it); shown with
   * ours wherever it is given.
   */
  interval?: readonly [number, number];
  /** Paper differences smaller than this in size count as none (same units); also the equivalence margin. */
  negligible: number;
  /** Significance level (default 0.05). */
  alpha?: number;
  /** How to print a difference, e.g. in percentage points. */
  unit?: "points" | "raw";
}

export interface Verdict extends Required<Omit<EffectClaim, "unit" | "interval">> {
  verdict: VerdictLabel;
  kind: VerdictKind;
  unit: "points" | "raw";
  interval?: [number, number];
}

/** The verdict for one claim (the rule: see the module comment; it is tested case by case). */
export function judge(c: EffectClaim): Verdict {
  const alpha = c.alpha ?? 0.05;
  for (const [k, v] of Object.entries({ paper: c.paper, ours: c.ours, p: c.p, negligible: c.negligible, alpha })) {
    if (!Number.isFinite(v)) throw new RangeError(`judge(${c.claim}): ${k} must be a finite number, got ${v}`);
  }
  if (c.p < 0 || c.p > 1) throw new RangeError(`judge(${c.claim}): p must be in [0, 1], got ${c.p}`);
  const interval = c.interval && ([c.interval[0], c.interval[1]] as [number, number]);
  // Infinite ends are allowed: an interval from too few runs bounds nothing.
  if (interval && !(interval[0] <= interval[1] && interval[0] < Infinity && interval[1] > -Infinity)) {
    throw new RangeError(`judge(${c.claim}): interval must be two numbers, low <= high; got [${interval.join(", ")}]`);
  }
  const significant = c.p < alpha;
  let verdict: VerdictLabel;
  if (Math.abs(c.paper) < c.negligible) {
    if (!interval) throw new RangeError(`judge(${c.claim}): the paper's difference ${c.paper} is under negligible (${c.negligible}), so agreement needs our interval; pass interval`);
    const inside = -c.negligible < interval[0] && interval[1] < c.negligible;
    verdict = significant ? "disagrees: we see a difference" : inside ? "agrees: no difference" : "inconclusive: interval too wide";
  } else {
    const same = Math.sign(c.ours) === Math.sign(c.paper);
    // Exactly zero is common (every run on the plateau in both settings): neither direction.
    if (c.ours === 0) verdict = "not reproduced: no difference";
    else verdict = same ? (significant ? "agrees" : "same direction, not significant") : significant ? "disagrees" : "opposite direction, not significant";
  }
  return { claim: c.claim, paper: c.paper, ours: c.ours, p: c.p, n: c.n, negligible: c.negligible, alpha, unit: c.unit ?? "points", verdict, kind: verdictKind(verdict), ...(interval ? { interval } : {}) };
}

const num = (x: number, unit: "points" | "raw") => (Number.isFinite(x) ? `${x >= 0 ? "+" : ""}${unit === "points" ? (100 * x).toFixed(1) : x.toPrecision(3)}` : x > 0 ? "+∞" : "−∞");
const fmt = (x: number, unit: "points" | "raw") => (unit === "points" ? `${num(x, unit)} points` : num(x, unit));
/** Ours, with its 95% interval where there is one: "-4.4 points [-12.0, +2.1]". */
const fmtOurs = (v: Verdict) => `${fmt(v.ours, v.unit)}${v.interval ? ` [${num(v.interval[0], v.unit)}, ${num(v.interval[1], v.unit)}]` : ""}`;

/** One markdown bullet per verdict. */
export function verdictMarkdown(vs: readonly Verdict[]): string {
  return vs
    .map((v) => `* **${v.claim}:** paper ${fmt(v.paper, v.unit)}; ours ${fmtOurs(v)} (p = ${formatP(v.p, 3)}, n = ${v.n}) — **${v.verdict}**.`)
    .join("\n");
}

/** Verdicts as table rows. */
export function verdictRows(vs: readonly Verdict[]): Record<string, string>[] {
  return vs.map((v) => ({ claim: v.claim, paper: fmt(v.paper, v.unit), ours: fmtOurs(v), p: formatP(v.p, 3), n: String(v.n), verdict: v.verdict }));
}
