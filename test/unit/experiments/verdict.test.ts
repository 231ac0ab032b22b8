/**
 * The verdict rule (src/experiments/verdict.ts, docs/verdicts.md), case by
 * case: every label, with the example docs/verdicts.md gives for it; and the
 * tests behind the intervals (src/stats/inversion.ts): one test gives both the
 * interval and p, and the smallest p a design can reach.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { EffectClaim, judge, VERDICT_KINDS, VERDICT_LABELS, verdictKind, verdictMarkdown, verdictRows } from "../../../src/experiments/verdict";
import { invertTest, permutationDifference, permutationMinP, signFlipDifference, signFlipMinP } from "../../../src/stats/inversion";

const base = { claim: "c", n: 20, minP: 0, test: "paired t test", margin: 0.01, marginReason: "one point" } as const;
const v = (c: Partial<EffectClaim> & Pick<EffectClaim, "paper" | "ours" | "p" | "interval">) => judge({ ...base, ...c });
const label = (c: Parameters<typeof v>[0]) => v(c).verdict;

describe("the verdict rule: a paper effect (sign and size)", () => {
  test("agrees in direction and size: significant, the paper's number within our interval widened by the margin", () => {
    assert.equal(label({ paper: 0.396, ours: 0.45, p: 0.001, interval: [0.38, 0.52] }), "agrees in direction and size");
    assert.equal(label({ paper: -0.029, ours: -0.02, p: 0.01, interval: [-0.035, -0.005] }), "agrees in direction and size", "negative effects mirror");
    assert.equal(label({ paper: 0.396, ours: 0.5, p: 0.001, interval: [0.405, 0.6] }), "agrees in direction and size", "within the margin of the interval's end");
  });
  test("same direction, much larger: our whole interval beyond the paper's by more than the margin (Section 4.6 eta 0.01: +3.2% vs ours +200%)", () => {
    assert.equal(label({ paper: 0.032, ours: 2.0, p: 0.002, interval: [1.6, 2.4], unit: "relative" }), "same direction, much larger");
    assert.equal(label({ paper: -0.029, ours: -0.2, p: 0.001, interval: [-0.25, -0.1] }), "same direction, much larger");
  });
  test("same direction, much smaller: our whole interval short of the paper's by more than the margin", () => {
    assert.equal(label({ paper: 0.396, ours: 0.05, p: 0.01, interval: [0.02, 0.08] }), "same direction, much smaller");
  });
  test("agrees in direction (size not comparable): when the claim says why sizes cannot be compared (lr 0.1 only vs the paper's both-lr average)", () => {
    const w = v({ paper: 0.396, ours: 0.834, p: 0.0001, interval: [0.82, 0.85], sizeNotComparable: "ours at lr 0.1 only" });
    assert.equal(w.verdict, "agrees in direction (size not comparable)");
    assert.equal(w.kind, "agrees");
  });
  test("opposite: significant, the other sign", () => {
    assert.equal(label({ paper: -0.028, ours: 0.021, p: 0.003, interval: [0.008, 0.034] }), "opposite");
  });
  test("not reproduced: no difference (within margin): not significant and our interval inside the margin (memn2n one-stage training error: paper -0.9, ours +0.1 [-0.1, +0.4])", () => {
    const w = v({ paper: -0.009, ours: 0.001, p: 0.38, interval: [-0.001, 0.004], margin: 0.005 });
    assert.equal(w.verdict, "not reproduced: no difference (within margin)");
    assert.equal(w.kind, "disagrees");
  });
  test("inconclusive: interval too wide: not significant, the design could have been", () => {
    assert.equal(label({ paper: 0.096, ours: 0.186, p: 0.18, interval: [-0.1, 0.46], minP: 0.002 }), "inconclusive: interval too wide");
    assert.equal(label({ paper: 0.1, ours: 0, p: 1, interval: [-Infinity, Infinity] }), "inconclusive: interval too wide", "one run a side bounds nothing");
  });
  test("underpowered: the smallest p the design can reach is not below alpha (notebook 00: 3 runs a side, permutation p >= 0.1)", () => {
    const w = v({ paper: 0.396, ours: 0.807, p: 0.1, interval: [-Infinity, Infinity], minP: 0.1, n: 3 });
    assert.equal(w.verdict, "underpowered: the design cannot reach p < 0.05");
    assert.equal(w.kind, "open");
  });
  test("the margin itself counts as an effect; under it an effect claim is refused", () => {
    assert.equal(v({ paper: 0.01, ours: 0.01, p: 0.01, interval: [0.005, 0.015] }).direction, "effect");
    assert.equal(v({ paper: 0.005, ours: 0, p: 1, interval: [-0.001, 0.001] }).direction, "no difference");
    assert.throws(() => v({ paper: 0.005, ours: 0, p: 1, interval: [-0.001, 0.001], direction: "effect" }), /an effect claim needs the paper's difference/);
  });
});

describe("the verdict rule: no difference (two-sided)", () => {
  test("no difference (within margin): our interval inside (-margin, +margin), significant or not", () => {
    assert.equal(label({ paper: 0.001, ours: 0.002, p: 0.6, interval: [-0.009, 0.009] }), "no difference (within margin)");
    assert.equal(label({ paper: 0, ours: 0.004, p: 0.01, interval: [0.001, 0.007] }), "no difference (within margin)", "a significant but negligible difference");
    assert.equal(label({ paper: 0, ours: 0, p: 0.6, interval: [-0.01, 0.009] }), "inconclusive: interval too wide", "the margin itself is outside");
  });
  test("disagrees: we see a difference: significant and the interval wholly beyond the margin", () => {
    assert.equal(label({ paper: -0.001, ours: -0.011, p: 0.019, interval: [-0.02, -0.01] }), "disagrees: we see a difference");
    assert.equal(label({ paper: 0, ours: -0.011, p: 0.019, interval: [-0.02, -0.002] }), "inconclusive: interval too wide", "significant, but it may still lie within the margin");
  });
  test("a large p with a wide interval is absence of evidence (1-layer tanh NOISIN* at cpu scale)", () => {
    assert.equal(label({ paper: -0.005, ours: -5.48, p: 0.43, interval: [-29.77, 18.81] }), "inconclusive: interval too wide");
    assert.equal(label({ paper: 0, ours: 0.3, p: 0.33, interval: [-Infinity, Infinity], minP: 1 / 3 }), "underpowered: the design cannot reach p < 0.05");
  });
});

describe("the verdict rule: one-sided claims", () => {
  const dnh = { paper: 0, direction: "does not help", better: "lower", unit: "relative" } as const;
  test("does not help: a penalty is allowed (Section 4.6, no dropout, eta 0.01: +30% perplexity)", () => {
    const w = v({ ...dnh, ours: 0.3, p: 0.02, interval: [0.1, 0.5] });
    assert.equal(w.verdict, "does not help: it hurts");
    assert.equal(w.kind, "agrees");
    assert.equal(label({ ...dnh, ours: 0.001, p: 0.7, interval: [-0.008, 0.02] }), "does not help (within margin)", "the best case gains less than the margin");
  });
  test("does not help: a gain beyond the margin disagrees; a wide interval is open", () => {
    assert.equal(label({ ...dnh, ours: -0.1, p: 0.01, interval: [-0.15, -0.05] }), "opposite");
    assert.equal(label({ ...dnh, ours: -0.04, p: 0.3, interval: [-0.15, 0.07] }), "inconclusive: interval too wide");
    assert.equal(label({ ...dnh, ours: 0.03, p: 0.6, interval: [-0.3, 0.4], better: "higher" }), "inconclusive: interval too wide", "accuracy: gains are positive");
  });
  test("helps: significant gain; a gain bounded inside the margin is not reproduced", () => {
    const helps = { paper: 0, direction: "helps", better: "higher" } as const;
    assert.equal(label({ ...helps, ours: 0.05, p: 0.01, interval: [0.01, 0.09] }), "helps");
    assert.equal(label({ ...helps, ours: -0.05, p: 0.01, interval: [-0.09, -0.01] }), "opposite");
    assert.equal(label({ ...helps, ours: 0.001, p: 0.5, interval: [-0.005, 0.008] }), "not reproduced: no difference (within margin)");
    assert.equal(label({ ...helps, ours: 0.05, p: 0.3, interval: [-0.05, 0.15], minP: 0.1 }), "underpowered: the design cannot reach p < 0.05");
  });
  test("one-sided claims need the better direction", () => {
    assert.throws(() => v({ paper: 0, ours: 0, p: 1, interval: [0, 0], direction: "does not help" }), /needs better/);
  });
});

describe("the verdict rule: labels, kinds, input and output", () => {
  test("every label has a kind, and every case above has a label in the list", () => {
    assert.equal(VERDICT_LABELS.length, 13);
    for (const l of VERDICT_LABELS) assert.equal(verdictKind(l), VERDICT_KINDS[l]);
    assert.deepEqual([...new Set(Object.values(VERDICT_KINDS))].sort(), ["agrees", "disagrees", "open"]);
  });
  test("bad input is refused with the claim named", () => {
    assert.throws(() => v({ paper: NaN, ours: 0, p: 0.5, interval: [0, 0] }), /judge\(c\): paper must be a finite number/);
    assert.throws(() => v({ paper: 0, ours: 0, p: 1.5, interval: [0, 0] }), /p must be in \[0, 1\]/);
    assert.throws(() => v({ paper: 0, ours: 0, p: 0.5, interval: [0.1, -0.1] }), /interval must be two numbers, low <= high/);
    assert.throws(() => v({ paper: 0, ours: 0, p: 0.5, interval: [0, 0], margin: 0 }), /margin must be positive/);
    assert.throws(() => v({ paper: 0, ours: 0, p: 0.5, interval: [0, 0], marginReason: "" }), /say why the margin/);
    assert.throws(() => v({ paper: 0, ours: 0, p: 0.5, interval: [0, 0], minP: 2 }), /minP must be in \[0, 1\]/);
  });
  test("tables and bullets show the interval, the smallest reachable p, the test and the margin with its reason", () => {
    const one = v({ paper: 0.02, ours: -0.044, p: 0.185, n: 6, interval: [-0.12, 0.021], minP: 0.002, test: "permutation test" });
    const row = verdictRows([one])[0];
    assert.equal(row.ours, "-4.4 points [-12.0, +2.1]");
    assert.equal(row["smallest p"], "0.002");
    assert.equal(row.margin, "±1.0 points: one point");
    assert.match(verdictMarkdown([one]), /ours -4\.4 points \[-12\.0, \+2\.1\] \(p = 0\.185, smallest reachable 0\.002; permutation test; n = 6\); margin ±1\.0 points: one point — \*\*inconclusive: interval too wide\*\*/);
    const rel = v({ paper: 0, ours: 0.3, p: 0.02, interval: [0.1, 0.5], direction: "does not help", better: "lower", unit: "relative" });
    assert.equal(verdictRows([rel])[0].paper, "does not help (+0.0%)");
    assert.equal(verdictRows([rel])[0].ours, "+30.0% [+10.0, +50.0]");
    const open = v({ paper: 0, ours: 0.01, p: 1, interval: [-Infinity, Infinity] });
    assert.equal(verdictRows([open])[0].ours, "+1.0 points [−∞, +∞]", "an interval from one run a side prints as unbounded");
  });
});

describe("one test for the interval and p", () => {
  test("the smallest p a design can reach", () => {
    assert.equal(permutationMinP(3, 3), 0.1, "3 vs 3: 2 of C(6, 3) = 20 splits");
    assert.ok(Math.abs(permutationMinP(2, 2) - 1 / 3) < 1e-12);
    assert.ok(Math.abs(permutationMinP(6, 6) - 2 / 924) < 1e-12);
    assert.equal(permutationMinP(20, 20), 1 / 10001, "a Monte Carlo p is never below 1 / (permutations + 1)");
    assert.equal(signFlipMinP(4), 0.125);
    assert.equal(signFlipMinP(0), 1, "no pair differs: nothing to test");
  });
  test("a permutation test on 3 runs a side is underpowered: its inverted interval bounds nothing", () => {
    const t = permutationDifference([0.91, 0.9, 0.92], [0.1, 0.11, 0.1], { seed: "t" });
    assert.ok(t.p >= 0.09 && t.p <= 0.11, `p ${t.p}`);
    assert.deepEqual([t.low, t.high], [-Infinity, Infinity]);
    assert.equal(t.minP, 0.1);
    const w = judge({ ...base, paper: 0.396, ours: t.difference, interval: [t.low, t.high], p: t.p, minP: t.minP, test: t.test, n: t.n });
    assert.equal(w.verdict, "underpowered: the design cannot reach p < 0.05");
  });
  test("with enough pairs the inverted sign-flip interval excludes 0 exactly when p < 0.05, and contains the estimate", () => {
    const a = [0.3, 0.25, 0.4, 0.35, 0.2, 0.31, 0.28, 0.33, 0.27, 0.36];
    const t = signFlipDifference(a, a.map(() => 0), { seed: "s" });
    assert.ok(t.p < 0.05 && t.low > 0 && t.low < t.difference && t.difference < t.high, JSON.stringify(t));
    const b = [0.1, -0.2, 0.05, -0.1, 0.15, -0.05, 0.02, -0.12, 0.08, 0.01];
    const u = signFlipDifference(b, b.map(() => 0), { seed: "s" });
    assert.ok(u.p >= 0.05 && u.low < 0 && u.high > 0, JSON.stringify(u));
  });
  test("invertTest finds the boundary of a monotone p", () => {
    const [lo, hi] = invertTest((d) => (Math.abs(d - 1) < 0.5 ? 1 : 0), 1, 10);
    assert.ok(Math.abs(lo - 0.5) < 1e-6 && Math.abs(hi - 1.5) < 1e-6, `${lo} ${hi}`);
  });
});
