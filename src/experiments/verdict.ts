/**
 * One rule for "do we reproduce the paper?", used by every experiment
 * (docs/verdicts.md states it with an example per label). A claim is a
 * comparison: ours (a difference we measured, with a 95% interval and a
 * two-sided p-value from ONE test) against the paper's (a difference of
 * reported numbers, which come without intervals). Each claim states
 *
 * - its scale (`unit`): absolute points of accuracy or error, raw units, or a
 *   relative difference (a / b - 1) where absolute values cannot carry from
 *   our budget to the paper's (perplexities);
 * - its equivalence margin, with a one-line reason: differences smaller
 *   than it, either way, count as none;
 * - its direction type: "effect" (the paper's number, judged on sign and on
 *   size), "no difference" (two-sided equivalence), "does not help" (one-sided:
 *   a penalty is allowed) or "helps" (one-sided, no number to match);
 * - the smallest p-value its design can reach (`minP`): a permutation test on
 *   3 runs a side cannot go below 0.1, so it can never be significant, and the
 *   verdict then says "underpowered" rather than "not significant".
 *
 * Agreeing with "no difference" takes more than a large p-value (absence of
 * evidence is not evidence of absence): our interval must lie inside the
 * margin. Agreeing with an effect takes significance, the paper's sign and
 * the paper's size (the paper's number within our interval widened by the
 * margin); otherwise the label says how it differs.
 */
import { formatP } from "../stats";

export type VerdictLabel =
  | "agrees in direction and size"
  | "agrees in direction (size not comparable)"
  | "no difference (within margin)"
  | "does not help (within margin)"
  | "does not help: it hurts"
  | "helps"
  | "same direction, much larger"
  | "same direction, much smaller"
  | "inconclusive: interval too wide"
  | "underpowered: the design cannot reach p < 0.05"
  | "not reproduced: no difference (within margin)"
  | "opposite"
  | "disagrees: we see a difference";

/** The label's gist: agreement, disagreement, or neither (a size that differs, too wide an interval, too few runs). */
export type VerdictKind = "agrees" | "disagrees" | "open";

/** Every label with its kind, in the order tables count them. */
export const VERDICT_KINDS: Readonly<Record<VerdictLabel, VerdictKind>> = {
  "agrees in direction and size": "agrees",
  "agrees in direction (size not comparable)": "agrees",
  "no difference (within margin)": "agrees",
  "does not help (within margin)": "agrees",
  "does not help: it hurts": "agrees",
  helps: "agrees",
  "same direction, much larger": "open",
  "same direction, much smaller": "open",
  "inconclusive: interval too wide": "open",
  "underpowered: the design cannot reach p < 0.05": "open",
  "not reproduced: no difference (within margin)": "disagrees",
  opposite: "disagrees",
  "disagrees: we see a difference": "disagrees",
};

/** The labels in a fixed order: agreements, then the open ones, then disagreements. */
export const VERDICT_LABELS = Object.keys(VERDICT_KINDS) as VerdictLabel[];

/** The kind of a label. */
export function verdictKind(label: VerdictLabel): VerdictKind {
  return VERDICT_KINDS[label];
}

/**
 * What the paper claims. "effect": its number, sign and size (the default
 * when the paper's difference is at least the margin); "no difference":
 * none, either way (the default below the margin); "does not help": no gain
 * beyond the margin, a penalty allowed; "helps": a gain, size unstated.
 */
export type ClaimDirection = "effect" | "no difference" | "does not help" | "helps";

/** How a difference prints: percentage points (x 100), raw units, or a relative difference in percent (x 100). */
export type VerdictUnit = "points" | "raw" | "relative";

export interface EffectClaim {
  /** The claims ledger's id of the paper claim this verdict tests (src/experiments/paper-claims.ts), e.g. "gn-4.3-single-column-perfect". */
  claimId?: string;
  /** What is compared, e.g. "Simple Init, No Gradient Clip: average accuracy, with noise minus without". */
  claim: string;
  /** The paper's difference on the claim's scale (same sign convention as ours). */
  paper: number;
  /** Our difference. */
  ours: number;
  /** Our 95% interval of the difference (ends may be infinite), from the same test as `p`. */
  interval: readonly [number, number];
  /** Two-sided p-value of ours. */
  p: number;
  /** The smallest p the test can reach with this design (0 for a t test with 2+ units; 0.1 for a permutation test on 3 runs a side). */
  minP: number;
  /** The test behind `interval` and `p`, e.g. "paired t on 3 seeds", "sign-flip permutation, inverted for the interval". */
  test: string;
  /** Runs, pairs or tasks behind ours. */
  n: number;
  /** Differences smaller than this in size count as none (same scale as ours); the equivalence margin. */
  margin: number;
  /** Why this margin, in one line. */
  marginReason: string;
  /** Default: "effect" when |paper| >= margin, else "no difference". */
  direction?: ClaimDirection;
  /** Which sign is a gain (needed for "does not help" and "helps"): "higher" (accuracy) or "lower" (error, perplexity). */
  better?: "higher" | "lower";
  /** Why the paper's size cannot be compared with ours (then an effect is judged on its sign only). */
  sizeNotComparable?: string;
  /** Significance level (default 0.05). */
  alpha?: number;
  unit?: VerdictUnit;
}

/** A judged claim: the claim as given, its defaults filled in, and the label the rule gives it. */
export interface Verdict extends Omit<EffectClaim, "interval" | "direction" | "alpha" | "unit"> {
  interval: [number, number];
  direction: ClaimDirection;
  alpha: number;
  unit: VerdictUnit;
  verdict: VerdictLabel;
  kind: VerdictKind;
}

/** The verdict for one claim (the rule: see the module comment and docs/verdicts.md; tested case by case). */
export function judge(c: EffectClaim): Verdict {
  const alpha = c.alpha ?? 0.05;
  for (const [k, v] of Object.entries({ paper: c.paper, ours: c.ours, p: c.p, minP: c.minP, margin: c.margin, alpha })) {
    if (!Number.isFinite(v)) throw new RangeError(`judge(${c.claim}): ${k} must be a finite number, got ${v}`);
  }
  if (c.p < 0 || c.p > 1) throw new RangeError(`judge(${c.claim}): p must be in [0, 1], got ${c.p}`);
  if (c.minP < 0 || c.minP > 1) throw new RangeError(`judge(${c.claim}): minP must be in [0, 1], got ${c.minP}`);
  if (!(c.margin > 0)) throw new RangeError(`judge(${c.claim}): margin must be positive, got ${c.margin}`);
  if (!c.marginReason) throw new RangeError(`judge(${c.claim}): say why the margin is ${c.margin} (marginReason)`);
  if (!c.interval) throw new RangeError(`judge(${c.claim}): pass our interval (from the same test as p)`);
  const interval: [number, number] = [c.interval[0], c.interval[1]];
  // Infinite ends are allowed: an interval from too few runs bounds nothing.
  if (!(interval[0] <= interval[1] && interval[0] < Infinity && interval[1] > -Infinity)) {
    throw new RangeError(`judge(${c.claim}): interval must be two numbers, low <= high; got [${interval.join(", ")}]`);
  }
  const direction: ClaimDirection = c.direction ?? (Math.abs(c.paper) >= c.margin ? "effect" : "no difference");
  if (direction === "effect" && Math.abs(c.paper) < c.margin) throw new RangeError(`judge(${c.claim}): an effect claim needs the paper's difference (${c.paper}) to be at least the margin (${c.margin}); use "no difference"`);
  if ((direction === "does not help" || direction === "helps") && !c.better) throw new RangeError(`judge(${c.claim}): a "${direction}" claim needs better: "higher" or "lower"`);
  const m = c.margin;
  const significant = c.p < alpha;
  const inside = -m < interval[0] && interval[1] < m;
  // Neither significant nor inside the margin: too few runs for any p < alpha, or just too wide.
  const undecided: VerdictLabel = c.minP >= alpha ? "underpowered: the design cannot reach p < 0.05" : "inconclusive: interval too wide";
  let verdict: VerdictLabel;
  if (direction === "effect") {
    const s = Math.sign(c.paper);
    // Oriented so that the paper's difference is positive.
    const [lo, hi] = s > 0 ? interval : [-interval[1], -interval[0]];
    const size = Math.abs(c.paper);
    if (significant) {
      if (Math.sign(c.ours) !== s) verdict = "opposite";
      else if (c.sizeNotComparable) verdict = "agrees in direction (size not comparable)";
      else if (lo > size + m) verdict = "same direction, much larger";
      else if (hi < size - m) verdict = "same direction, much smaller";
      else verdict = "agrees in direction and size";
    } else verdict = inside ? "not reproduced: no difference (within margin)" : undecided;
  } else if (direction === "no difference") {
    if (inside) verdict = "no difference (within margin)";
    else if (significant && (interval[0] >= m || interval[1] <= -m)) verdict = "disagrees: we see a difference";
    else verdict = undecided;
  } else {
    // Gains: oriented so that a gain is positive.
    const [glo, ghi] = c.better === "higher" ? interval : [-interval[1], -interval[0]];
    if (direction === "does not help") {
      if (ghi < m) verdict = significant && ghi < 0 ? "does not help: it hurts" : "does not help (within margin)";
      else if (significant && glo >= m) verdict = "opposite";
      else verdict = undecided;
    } else {
      if (significant && glo > 0) verdict = "helps";
      else if (significant && ghi < 0) verdict = "opposite";
      else if (ghi < m) verdict = "not reproduced: no difference (within margin)";
      else verdict = undecided;
    }
  }
  return {
    ...(c.claimId ? { claimId: c.claimId } : {}),
    claim: c.claim, paper: c.paper, ours: c.ours, interval, p: c.p, minP: c.minP, test: c.test, n: c.n, margin: m, marginReason: c.marginReason, direction,
    ...(c.better ? { better: c.better } : {}), ...(c.sizeNotComparable ? { sizeNotComparable: c.sizeNotComparable } : {}),
    alpha, unit: c.unit ?? "points", verdict, kind: VERDICT_KINDS[verdict],
  };
}

const num = (x: number, unit: VerdictUnit) => (Number.isFinite(x) ? `${x >= 0 ? "+" : ""}${unit === "raw" ? x.toPrecision(3) : (100 * x).toFixed(1)}` : x > 0 ? "+∞" : "−∞");
const suffix = (unit: VerdictUnit) => (unit === "points" ? " points" : unit === "relative" ? "%" : "");
const fmt = (x: number, unit: VerdictUnit) => `${num(x, unit)}${suffix(unit)}`;
/** Ours, with its 95% interval: "-4.4 points [-12.0, +2.1]". */
const fmtOurs = (v: Verdict) => `${fmt(v.ours, v.unit)} [${num(v.interval[0], v.unit)}, ${num(v.interval[1], v.unit)}]`;
/** The paper's side: its number, or what it claims without one. */
const fmtPaper = (v: Verdict) => {
  if (v.direction === "does not help") return `does not help (${fmt(v.paper, v.unit)})`;
  if (v.direction === "helps") return "helps";
  return fmt(v.paper, v.unit);
};
/** The smallest reachable p: "0" for a t test (any p is reachable), else as a p-value. */
const fmtMinP = (p: number) => (p === 0 ? "0" : formatP(p, 3));
/** "±1.0 points: why". */
const fmtMargin = (v: Verdict) => `±${num(v.margin, v.unit).slice(1)}${suffix(v.unit)}: ${v.marginReason}`;

/** One markdown bullet per verdict. */
export function verdictMarkdown(vs: readonly Verdict[]): string {
  return vs
    .map((v) => `* **${v.claim}:** paper ${fmtPaper(v)}; ours ${fmtOurs(v)} (p = ${formatP(v.p, 3)}, smallest reachable ${fmtMinP(v.minP)}; ${v.test}; n = ${v.n}); margin ${fmtMargin(v)}${v.sizeNotComparable ? `; size not comparable: ${v.sizeNotComparable}` : ""} — **${v.verdict}**.`)
    .join("\n");
}

/** Verdicts as table rows. */
export function verdictRows(vs: readonly Verdict[]): Record<string, string>[] {
  return vs.map((v) => ({
    claim: v.claim, paper: fmtPaper(v), ours: fmtOurs(v), p: formatP(v.p, 3), "smallest p": fmtMinP(v.minP), test: v.test, n: String(v.n),
    margin: fmtMargin(v) + (v.sizeNotComparable ? `; size not comparable: ${v.sizeNotComparable}` : ""), verdict: v.verdict,
  }));
}

/** Claims the results cannot judge, as rows of the verdicts table: no numbers, the reason in the verdict column. */
export function unjudgedRows(us: readonly { claim: string; reason: string }[]): Record<string, string>[] {
  return us.map((u) => ({ claim: u.claim, paper: "", ours: "", p: "", "smallest p": "", test: "", n: "", margin: "", verdict: `not judged: ${u.reason}` }));
}
