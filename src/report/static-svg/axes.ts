/** Axes: their units and pixels, where they sit in the plot area, and their ticks. */
import { O, arr, clamp, num, plain, textW } from "./common";

export type Tick = { u: number; label: string };
export interface Axis {
  id: string; letter: "x" | "y"; spec: O; log: boolean; cats: string[] | null; angle: number;
  /** Range in axis units (log10 of the value on log axes, the index on categorical ones). */
  lo: number; hi: number; min: number; max: number; pad: boolean; zero: boolean;
  /** Pixels of lo and hi, and of the line the axis sits on. */
  a: number; b: number; pos: number; ticks: Tick[]; labelSpace: number;
}
/** The plot area in pixels: its edges and size. */
export interface Plot { l: number; t: number; r: number; b: number; w: number; h: number }

/** A readable number: trailing zeros trimmed, decimals from the tick step, k/M/B above 10^4, exponent below 10^-3. */
export function formatNumber(v: number, step?: number): string {
  const a = Math.abs(v);
  if (a < (step ?? 1) * 1e-9) return "0";
  if (a >= 1e4) {
    const [d, s] = a >= 1e9 ? [1e9, "B"] : a >= 1e6 ? [1e6, "M"] : [1e3, "k"];
    return formatNumber(v / d, step === undefined ? undefined : step / d) + s;
  }
  if (a < 1e-3) return Number(v.toPrecision(3)).toExponential();
  if (step === undefined) return String(Number(v.toPrecision(4)));
  return String(Number(v.toFixed(clamp(Math.ceil(-Math.log10(step) - 1e-9), 0, 10))));
}

/** The smallest 1, 2 or 5 x 10^k step giving at most `target` intervals over `span` (plotly rounds its rough step up too). */
export function niceStep(span: number, target: number): number {
  const raw = span / Math.max(1, target);
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const m = raw / p;
  return (m <= 1 + 1e-9 ? 1 : m <= 2 + 1e-9 ? 2 : m <= 5 + 1e-9 ? 5 : 10) * p;
}
export function linearTicks(lo: number, hi: number, step: number): number[] {
  const out: number[] = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9 && out.length < 200; k++) out.push(Number((k * step).toPrecision(12)));
  return out;
}

export function unit(ax: Axis, v: unknown): number | null {
  if (ax.cats && typeof v === "string") {
    const i = ax.cats.indexOf(v);
    return i < 0 ? null : i;
  }
  const n = num(v);
  if (n === null) return null;
  return ax.log ? (n > 0 ? Math.log10(n) : null) : n;
}
export const pix = (ax: Axis, u: number) => ax.a + ((u - ax.lo) / (ax.hi - ax.lo)) * (ax.b - ax.a);
export const domain = (ax: Axis): [number, number] => {
  const d = arr(ax.spec.domain);
  return d && num(d[0]) !== null && num(d[1]) !== null ? [num(d[0])!, num(d[1])!] : [0, 1];
};
export const axisKey = (id: string) => `${id[0]}axis${id.slice(1)}`;

function tickLabel(ax: Axis, u: number, step?: number): string {
  const v = ax.log ? Number(Math.pow(10, u).toPrecision(12)) : u;
  const pct = /^\.(\d+)%$/.exec(String(ax.spec.tickformat ?? ""));
  return pct ? `${(v * 100).toFixed(Number(pct[1]))}%` : formatNumber(v, ax.log ? undefined : step);
}

/** Ticks from tickvals, categories, log decades (with 2 and 5 on short ranges) or a 1/2/5 step (dtick where given). */
function makeTicks(ax: Axis): Tick[] {
  const s = ax.spec, len = Math.abs(ax.b - ax.a) || 1;
  const lo = Math.min(ax.lo, ax.hi), hi = Math.max(ax.lo, ax.hi), eps = (hi - lo) * 1e-9;
  const inside = (t: { u: number | null }): t is Tick => t.u !== null && t.u >= lo - eps && t.u <= hi + eps;
  const target = clamp(Math.round(len / (ax.letter === "x" ? 80 : 40)), 3, 10);
  const vals = arr(s.tickvals);
  if (vals) {
    const txt = arr(s.ticktext);
    return vals.map((v, i) => ({ u: unit(ax, v), label: txt ? plain(txt[i]) : "" })).filter(inside).map((t) => ({ u: t.u, label: t.label || tickLabel(ax, t.u) }));
  }
  if (ax.cats) {
    // Thin dense categories: ~14 px per label across the text (rotated or y), the label's width along an x axis.
    const per = ax.letter === "y" || ax.angle ? 14 / (ax.angle ? Math.abs(Math.sin((ax.angle * Math.PI) / 180)) : 1) : Math.max(...ax.cats.map((c) => textW(c, 12))) + 8;
    const k = Math.max(1, Math.ceil((ax.cats.length * per) / len));
    return ax.cats.map((c, i) => ({ u: i, label: c })).filter((t, i) => i % k === 0 && inside(t));
  }
  if (ax.log) {
    // dtick as plotly reads it (log-axes.ts sets it): 1, every decade; "D2", 1, 2 and 5 of each.
    const decades = linearTicks(Math.ceil(lo - eps), hi, 1);
    if (s.dtick === 1 || (s.dtick !== "D2" && decades.length >= 3)) {
      const k = Math.ceil(decades.length / target);
      return decades.filter((d) => d % k === 0).map((u) => ({ u, label: tickLabel(ax, u) }));
    }
    const us: number[] = [];
    for (let d = Math.floor(lo); d <= Math.ceil(hi); d++) for (const m of [1, 2, 5]) us.push(d + Math.log10(m));
    const ts = us.map((u) => ({ u, label: tickLabel(ax, u) })).filter(inside);
    if (ts.length >= 2) return ts;
    // Less than a 1-2-5 step wide (e.g. perplexities 300 to 420): plain steps of the values, placed on the log scale.
    const [vlo, vhi] = [Math.pow(10, lo), Math.pow(10, hi)];
    const step = niceStep(vhi - vlo, Math.max(2, target / 2));
    return linearTicks(vlo, vhi, step).filter((v) => v > 0).map((v) => ({ u: Math.log10(v), label: tickLabel({ ...ax, log: false }, v, step) }));
  }
  const dt = num(s.dtick);
  const step = dt !== null && dt > 0 && (hi - lo) / dt <= 50 ? dt : niceStep(hi - lo, target);
  return linearTicks(lo, hi, step).map((u) => ({ u, label: tickLabel(ax, u, step) }));
}

/** One layout pass for every axis: its pixels in the plot area `P`, its tick angle, ticks and the room its labels take. */
export function placeAxes(axes: Map<string, Axis>, P: Plot): void {
  for (const ax of axes.values()) {
    const [d0, d1] = domain(ax);
    const anchor = axes.get(String(ax.spec.anchor ?? (ax.letter === "x" ? "y" : "x")));
    const [a0, a1] = anchor ? domain(anchor) : [0, 1];
    // a and b are the domain's ends; a reversed axis has lo > hi, which pix() maps the right way round.
    if (ax.letter === "x") [ax.a, ax.b, ax.pos] = [P.l + d0 * P.w, P.l + d1 * P.w, ax.spec.side === "top" ? P.b - a1 * P.h : P.b - a0 * P.h];
    else [ax.a, ax.b, ax.pos] = [P.b - d0 * P.h, P.b - d1 * P.h, P.l + a0 * P.w];
    // Categorical x labels that would collide turn 30 degrees, or 90 where that is not enough (plotly's auto tickangle).
    if (ax.letter === "x" && ax.cats && num(ax.spec.tickangle) === null) {
      const len = Math.abs(ax.b - ax.a);
      ax.angle = ax.cats.reduce((s, c) => s + textW(c, 12) + 8, 0) <= len ? 0 : ax.cats.length * 28 <= len ? -30 : -90;
    }
    ax.ticks = makeTicks(ax);
    const wMax = Math.max(0, ...ax.ticks.map((k) => textW(k.label, 12)));
    const sin = Math.abs(Math.sin((ax.angle * Math.PI) / 180));
    ax.labelSpace = ax.letter === "y" ? wMax + 6 : ax.angle ? wMax * sin + 16 : 18;
  }
}
