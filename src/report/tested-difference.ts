/**
 * One table row for a difference that one test measured (stats/inversion's
 * TestedDifference): the difference with its 95% interval, the p and the
 * smallest p the design could give, and the test's name, so every section
 * prints a secondary comparison the same way.
 */
import type { TestedDifference } from "../stats/inversion";
import { formatP } from "../stats/tests";

export interface DifferenceRowOptions {
  /** Column header of the difference, e.g. "noise - no noise (points of test error)". */
  measure: string;
  /** Multiplies the difference and its ends before printing (100: fractions as points). Default 1. */
  scale?: number;
  digits?: number;
}

export function testedDifferenceRow(label: string, t: TestedDifference, o: DifferenceRowOptions): Record<string, string> {
  const k = o.scale ?? 1;
  const f = (x: number) => (Number.isFinite(x) ? (k * x).toFixed(o.digits ?? 1) : String(x));
  return {
    pairs: `${label}: ${t.n}`,
    [o.measure]: `${f(t.difference)} [${f(t.low)}, ${f(t.high)}]`,
    p: formatP(t.p),
    "smallest p": formatP(t.minP),
    test: t.test,
  };
}
