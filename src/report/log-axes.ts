/**
 * Readable log axes. Left to itself plotly labels a log axis spanning less
 * than a few decades at every digit (1, 2, 3, ... 9 in each decade), and the
 * labels run into each other. So every log axis that sets no ticks of its
 * own gets them here, from the span of its data (or its range):
 *
 * - more than 2 decades: one label per decade (dtick 1);
 * - else, where that gives 3 or more labels: 1, 2 and 5 of each decade (dtick "D2");
 * - else (under a decade, e.g. perplexities 300 to 420): round values a
 *   nice linear step apart, as tickvals.
 *
 * Both renderers read the result: plotly.js, and the static SVG image
 * (static-svg/axes.ts), which follows the same dtick values.
 */
import type { Figure } from "./figure";
import { linearTicks, niceStep } from "./static-svg/axes";

type Obj = Record<string, unknown>;

/** Positive finite numbers of a trace's x or y (nested arrays flattened: heatmap z is not an axis). */
function positives(v: unknown): number[] {
  if (!Array.isArray(v)) return [];
  return v.flat(2).filter((x): x is number => typeof x === "number" && Number.isFinite(x) && x > 0);
}

/** Where a trace's error bars end along `letter` (plotly's error_x / error_y arrays), so the axis spans them too. */
function errorEnds(t: Obj, letter: string): number[] {
  const e = t[`error_${letter}`] as Obj | undefined, v = t[letter];
  if (!e || e.visible === false || !Array.isArray(e.array) || !Array.isArray(v)) return [];
  const up = e.array as unknown[], down = (Array.isArray(e.arrayminus) ? e.arrayminus : e.array) as unknown[];
  return positives(v.flatMap((x, i) => (typeof x === "number" ? [x + Number(up[i] ?? 0), x - Number(down[i] ?? 0)] : [])));
}

/** The ticks a log axis spanning log10 units [lo, hi] gets (see the module comment). */
export function logTicks(lo: number, hi: number): { dtick: number | "D2" } | { tickvals: number[] } {
  if (hi - lo > 2) return { dtick: 1 };
  let n = 0;
  for (let d = Math.floor(lo); d <= Math.ceil(hi); d++) for (const m of [1, 2, 5]) if (d + Math.log10(m) >= lo - 1e-9 && d + Math.log10(m) <= hi + 1e-9) n++;
  if (n >= 3) return { dtick: "D2" };
  const [vlo, vhi] = [Math.pow(10, lo), Math.pow(10, hi)];
  const step = niceStep(vhi - vlo, 4);
  return { tickvals: linearTicks(vlo, vhi, step).filter((v) => v > 0).map((v) => Number(v.toPrecision(12))) };
}

/** `fig` with ticks chosen for each log axis that has no dtick or tickvals (a copy; the input is unchanged). */
export function readableLogAxes(fig: Figure): Figure {
  const layout = fig.layout ?? {};
  const logAxes = Object.keys(layout).filter((k) => /^[xy]axis\d*$/.test(k) && (layout[k] as Obj | undefined)?.type === "log");
  if (logAxes.length === 0) return fig;
  const out: Obj = { ...layout };
  for (const key of logAxes) {
    const spec = layout[key] as Obj;
    if (spec.dtick !== undefined || spec.tickvals !== undefined || spec.tickmode !== undefined) continue;
    let lo: number, hi: number;
    const range = spec.range;
    if (Array.isArray(range) && range.length === 2 && range.every((r) => typeof r === "number")) [lo, hi] = [Math.min(...(range as number[])), Math.max(...(range as number[]))];
    else {
      // Traces name their axes "x", "x2", ...; the layout names them "xaxis", "xaxis2".
      const letter = key[0], id = `${letter}${key.slice(5)}`;
      const vals = fig.data.filter((t) => ((t[`${letter}axis`] as string | undefined) ?? letter) === id).flatMap((t) => [...positives(t[letter]), ...errorEnds(t, letter)]);
      if (vals.length === 0) continue;
      [lo, hi] = [Math.log10(Math.min(...vals)), Math.log10(Math.max(...vals))];
    }
    out[key] = { ...spec, ...logTicks(lo, hi) };
  }
  return { ...fig, layout: out };
}
