/**
 * A plotly figure spec drawn as a plain SVG string, with no DOM and no
 * dependencies (it runs in the kernel). figureDiv embeds it as an
 * <img src="data:image/svg+xml;base64,..."> that shows wherever plotly.js
 * never runs: HTML sanitizers (JupyterLab's for untrusted outputs among
 * them) drop <script> and <svg> but keep an img's data: src.
 *
 * It covers what this repository's figures use, and approximates plotly's
 * look rather than its pixels: scatter traces (lines, markers, asymmetric
 * error bars), grouped bars, heatmaps with a colorbar, linear / log /
 * categorical axes with ranges, tickvals, tickformat ".N%", reversed
 * autorange and side "top", subplot domains and anchors, line and rect
 * shapes, text annotations, a horizontal or vertical legend, the title.
 */
import type { Figure } from "./plotly";
import { escapeMarkup } from "./escape";

/** Margins a figure starts from unless its layout says otherwise (plotly's own 80 px leave small plots); figureDiv uses them too. */
export const FIGURE_MARGIN = { t: 50, r: 20, b: 50, l: 60 };

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type O = Record<string, any>;
type Tick = { u: number; label: string };
interface Axis {
  id: string; letter: "x" | "y"; spec: O; log: boolean; cats: string[] | null; angle: number;
  /** Range in axis units (log10 of the value on log axes, the index on categorical ones). */
  lo: number; hi: number; min: number; max: number; pad: boolean; zero: boolean;
  /** Pixels of lo and hi, and of the line the axis sits on. */
  a: number; b: number; pos: number; ticks: Tick[]; labelSpace: number;
}

// plotly.js's defaults (no template): colorway, text and grid colours, colorscales.
const COLORWAY = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
const INK = "#444";
const SCALES: Record<string, [number, string][]> = {
  Blues: [[0, "rgb(5,10,172)"], [0.35, "rgb(40,60,190)"], [0.5, "rgb(70,100,245)"], [0.6, "rgb(90,120,245)"], [0.7, "rgb(106,137,247)"], [1, "rgb(220,220,220)"]],
  RdBu: [[0, "rgb(5,10,172)"], [0.35, "rgb(106,137,247)"], [0.5, "rgb(190,190,190)"], [0.6, "rgb(220,170,132)"], [0.7, "rgb(230,145,90)"], [1, "rgb(178,10,28)"]],
};

/** Coordinates to 0.1 px; never "NaN" (callers drop non-finite points first: this is the last guard). */
const f = (n: number) => (Number.isFinite(n) ? String(Math.round(n * 10) / 10) : "0");
/** Text width estimate without a DOM: average glyph width ~0.55 em for sans-serif. */
const textW = (s: string, size: number) => s.length * size * 0.55;
/** Text without plotly's pseudo-HTML (<br>, <b>, <sup>...); other "<" stay text. */
const plain = (s: unknown) => String(s ?? "").replace(/<br\s*\/?>/gi, " ").replace(/<\/?(b|i|em|u|s|sup|sub|span|a)(\s[^>]*)?>/gi, "");
const titleOf = (t: unknown) => plain(typeof t === "string" ? t : (t as O | undefined)?.text);
const arr = (v: unknown): unknown[] | undefined => (Array.isArray(v) ? v : ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>) : undefined);
const at = (v: unknown, i: number) => (Array.isArray(v) ? v[i] : v);
const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
function num(v: unknown): number | null {
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
  return null;
}
function text(x: number, y: number, s: string, o: { size?: number; anchor?: string; color?: string; rotate?: number; cls?: string } = {}): string {
  const rot = o.rotate ? ` transform="rotate(${o.rotate} ${f(x)} ${f(y)})"` : "";
  return `<text${o.cls ? ` class="${o.cls}"` : ""} x="${f(x)}" y="${f(y)}" font-size="${o.size ?? 12}" fill="${o.color ?? INK}"${o.anchor ? ` text-anchor="${o.anchor}"` : ""}${rot}>${escapeMarkup(s)}</text>`;
}

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
function linearTicks(lo: number, hi: number, step: number): number[] {
  const out: number[] = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9 && out.length < 200; k++) out.push(Number((k * step).toPrecision(12)));
  return out;
}

function unit(ax: Axis, v: unknown): number | null {
  if (ax.cats && typeof v === "string") {
    const i = ax.cats.indexOf(v);
    return i < 0 ? null : i;
  }
  const n = num(v);
  if (n === null) return null;
  return ax.log ? (n > 0 ? Math.log10(n) : null) : n;
}
const pix = (ax: Axis, u: number) => ax.a + ((u - ax.lo) / (ax.hi - ax.lo)) * (ax.b - ax.a);
const domain = (ax: Axis): [number, number] => {
  const d = arr(ax.spec.domain);
  return d && num(d[0]) !== null && num(d[1]) !== null ? [num(d[0])!, num(d[1])!] : [0, 1];
};
const axisKey = (id: string) => `${id[0]}axis${id.slice(1)}`;

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
    const decades = linearTicks(Math.ceil(lo - eps), hi, 1);
    if (decades.length >= 3) {
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

function parseColor(c: string): [number, number, number] {
  const m = /rgba?\(\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)/.exec(c);
  if (m) return [Number(m[1]), Number(m[2]), Number(m[3])];
  let h = c.replace("#", "");
  if (h.length === 3) h = h.replace(/./g, (x) => x + x);
  return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16) || 0) as [number, number, number];
}
function colorAt(scale: [number, string][], p: number): [number, number, number] {
  const q = clamp(p, 0, 1);
  const i = Math.max(1, scale.findIndex(([s]) => s >= q));
  const [s0, c0] = scale[i - 1], [s1, c1] = scale[Math.min(i, scale.length - 1)];
  const w = s1 > s0 ? (q - s0) / (s1 - s0) : 0;
  const [a, b] = [parseColor(c0), parseColor(c1)];
  return a.map((x, k) => Math.round(x + (b[k] - x) * w)) as [number, number, number];
}
const rgb = (c: number[]) => `rgb(${c.join(",")})`;
function colorscale(t: O): [number, string][] {
  const cs: [number, string][] = Array.isArray(t.colorscale) ? t.colorscale : SCALES[String(t.colorscale)] ?? SCALES.RdBu;
  return t.reversescale ? cs.map(([p, c]) => [1 - p, c] as [number, string]).reverse() : cs;
}
function zRange(t: O, z: unknown[][]): [number, number] {
  const vs = z.flat().map(num).filter((v): v is number => v !== null);
  let lo = num(t.zmin) ?? Math.min(...vs), hi = num(t.zmax) ?? Math.max(...vs);
  const mid = num(t.zmid);
  if (mid !== null && num(t.zmin) === null && num(t.zmax) === null) [lo, hi] = [mid - Math.max(mid - lo, hi - mid), mid + Math.max(mid - lo, hi - mid)];
  return Number.isFinite(lo) && Number.isFinite(hi) && hi > lo ? [lo, hi] : [lo === hi && Number.isFinite(lo) ? lo - 1 : 0, Number.isFinite(hi) ? hi : 1];
}

/** plotly's dash patterns, scaled by the line width as plotly does (at least 3 px units). */
function dashAttr(dash: unknown, width: number): string {
  const d = Math.max(width, 3);
  const pat: Record<string, number[]> = { dot: [d, d], dash: [3 * d, 3 * d], longdash: [5 * d, 5 * d], dashdot: [3 * d, d, d, d], longdashdot: [5 * d, 2 * d, d, 2 * d] };
  const p = pat[String(dash)] ?? (typeof dash === "string" && /\d/.test(dash) && dash !== "solid" ? dash.replace(/px/g, "").split(/[ ,]+/).map(Number) : null);
  return p ? ` stroke-dasharray="${p.map(f).join(",")}"` : "";
}

/** Circle, square, diamond, x and star (open variants unfilled); any other symbol as a circle. */
function markerSvg(sym: unknown, x: number, y: number, size: number, color: string, lineW: number): string {
  const s = String(sym ?? "circle"), open = s.includes("-open"), r = size / 2;
  const paint = open ? `fill="none" stroke="${color}" stroke-width="${f(Math.max(lineW, 1))}"` : `fill="${color}"${lineW ? ` stroke="${color}" stroke-width="${f(lineW)}"` : ""}`;
  const poly = (ps: number[][]) => `<path d="M${ps.map(([a, b]) => `${f(x + a)} ${f(y + b)}`).join("L")}Z" ${paint}/>`;
  switch (s.replace(/-open.*$/, "").replace(/-dot$/, "")) {
    case "square": return poly([[-r, -r], [r, -r], [r, r], [-r, r]]);
    case "diamond": return poly([[0, -1.3 * r], [1.3 * r, 0], [0, 1.3 * r], [-1.3 * r, 0]]);
    case "x": {
      const k = 0.3 * r;
      return poly([[-r, -r + k], [-k, 0], [-r, r - k], [-r + k, r], [0, k], [r - k, r], [r, r - k], [k, 0], [r, -r + k], [r - k, -r], [0, -k], [-r + k, -r]]);
    }
    case "star":
      return poly(Array.from({ length: 10 }, (_, i) => {
        const a = (i * Math.PI) / 5 - Math.PI / 2, rr = (i % 2 ? 0.5 : 1.25) * r;
        return [rr * Math.cos(a), rr * Math.sin(a)];
      }));
    default: return `<circle cx="${f(x)}" cy="${f(y)}" r="${f(r)}" ${paint}/>`;
  }
}

const traceType = (t: O) => String(t.type ?? "scatter");
/** A colour attribute from a spec value (arrays and numbers, colorscale-mapped in plotly, fall back to `dflt`). */
const col = (v: unknown, dflt: string) => escapeMarkup(typeof v === "string" ? v : dflt);
const traceColor = (t: O, i: number): string => col(traceType(t) === "bar" ? t.marker?.color : t.line?.color ?? t.marker?.color, COLORWAY[i % COLORWAY.length]);
const scatterMode = (t: O) => String(t.mode ?? ((arr(t.y)?.length ?? 0) <= 20 ? "lines+markers" : "lines"));

/** Each bar trace's offset and width in x units: grouped side by side in 0.8 of the smallest x spacing. */
function barSlots(traces: O[], axes: Map<string, Axis>, L: O): Map<O, { off: number; w: number }> {
  const slots = new Map<O, { off: number; w: number }>();
  const byAxis = new Map<string, O[]>();
  for (const t of traces) if (traceType(t) === "bar") byAxis.set(t.xaxis ?? "x", [...(byAxis.get(t.xaxis ?? "x") ?? []), t]);
  for (const [id, ts] of byAxis) {
    const ax = axes.get(id)!;
    const us = [...new Set(ts.flatMap((t) => (arr(t.x) ?? []).map((v) => unit(ax, v)).filter((u): u is number => u !== null)))].sort((a, b) => a - b);
    const gaps = us.slice(1).map((u, i) => u - us[i]).filter((d) => d > 0);
    const group = 0.8 * (gaps.length ? Math.min(...gaps) : 1), n = L.barmode === "overlay" ? 1 : ts.length;
    ts.forEach((t, i) => slots.set(t, { off: n === 1 ? 0 : (i - (n - 1) / 2) * (group / n), w: group / n }));
  }
  return slots;
}

/** Cell edges of heatmap centres `us` (midpoints between neighbours, half a spacing beyond the ends). */
function edges(us: number[]): number[] {
  if (us.length === 1) return [us[0] - 0.5, us[0] + 0.5];
  const mids = us.slice(1).map((u, i) => (u + us[i]) / 2);
  return [us[0] - (mids[0] - us[0]), ...mids, us[us.length - 1] + (us[us.length - 1] - mids[mids.length - 1])];
}
function heatGrid(t: O, xa: Axis, ya: Axis): { z: unknown[][]; xe: number[]; ye: number[] } {
  const z = (arr(t.z) ?? []).map((row) => arr(row) ?? []);
  const nx = Math.max(0, ...z.map((r) => r.length));
  const xs = arr(t.x) ?? Array.from({ length: nx }, (_, j) => j), ys = arr(t.y) ?? z.map((_, i) => i);
  const xu = xs.slice(0, nx).map((v) => unit(xa, v)), yu = ys.slice(0, z.length).map((v) => unit(ya, v));
  if (!xu.length || !yu.length || xu.some((u) => u === null) || yu.some((u) => u === null)) return { z: [], xe: [], ye: [] };
  return { z, xe: edges(xu as number[]), ye: edges(yu as number[]) };
}

/** Axes named by traces or the layout, typed (log, categorical) and ranged in their units. */
function buildAxes(traces: O[], L: O): Map<string, Axis> {
  const ids = new Set(Object.keys(L).map((k) => /^([xy])axis(\d*)$/.exec(k)).filter((m): m is RegExpExecArray => !!m).map((m) => m[1] + m[2]));
  for (const t of traces) [t.xaxis ?? "x", t.yaxis ?? "y"].forEach((id) => ids.add(String(id)));
  for (const l of ["x", "y"]) if (![...ids].some((id) => id[0] === l)) ids.add(l);
  const axes = new Map<string, Axis>();
  for (const id of ids) {
    const spec: O = L[axisKey(id)] ?? {}, letter = id[0] as "x" | "y";
    const raw = traces.flatMap((t) => {
      if ((letter === "x" ? t.xaxis ?? "x" : t.yaxis ?? "y") !== id) return [];
      return arr(letter === "x" ? t.x : t.y) ?? [];
    });
    const category = spec.type === "category" || (!spec.type && raw.some((v) => typeof v === "string" && num(v) === null));
    const cats = category ? [...new Set(raw.filter((v): v is string => typeof v === "string"))] : null;
    axes.set(id, { id, letter, spec, log: spec.type === "log", cats, angle: num(spec.tickangle) ?? 0, lo: 0, hi: 1, min: Infinity, max: -Infinity, pad: false, zero: false, a: 0, b: 1, pos: 0, ticks: [], labelSpace: 0 });
  }
  const grow = (ax: Axis, ...us: (number | null)[]) => {
    for (const u of us) if (u !== null && Number.isFinite(u)) [ax.min, ax.max] = [Math.min(ax.min, u), Math.max(ax.max, u)];
  };
  const slots = barSlots(traces, axes, L);
  for (const t of traces) {
    const xa = axes.get(t.xaxis ?? "x")!, ya = axes.get(t.yaxis ?? "y")!, type = traceType(t);
    if (type === "heatmap") {
      const g = heatGrid(t, xa, ya);
      if (g.z.length) grow(xa, g.xe[0], g.xe[g.xe.length - 1]), grow(ya, g.ye[0], g.ye[g.ye.length - 1]);
      continue;
    }
    const ys = arr(t.y) ?? [], xs = arr(t.x) ?? ys.map((_, k) => k);
    ys.forEach((v, k) => {
      const ux = unit(xa, xs[k]), uy = unit(ya, v);
      if (ux === null || uy === null) return;
      if (type === "bar") {
        const s = slots.get(t)!;
        grow(xa, ux + s.off - s.w / 2, ux + s.off + s.w / 2), grow(ya, uy, ya.log ? null : 0);
        ya.pad = ya.zero = true;
        return;
      }
      grow(xa, ux), grow(ya, uy);
      const e = errorBar(t, k, num(v), ya);
      if (e) grow(ya, e[0], e[1]);
      xa.pad ||= scatterMode(t).includes("markers") || !!e;
      ya.pad = true;
    });
  }
  for (const ax of axes.values()) {
    const r = arr(ax.spec.range);
    if (r && num(r[0]) !== null && num(r[1]) !== null) [ax.lo, ax.hi] = [num(r[0])!, num(r[1])!];
    else if (ax.cats) [ax.lo, ax.hi] = [Math.min(-0.5, ax.min), Math.max(ax.cats.length - 0.5, ax.max)];
    else if (ax.min <= ax.max) {
      let [lo, hi] = [ax.min, ax.max];
      if (lo === hi) [lo, hi] = [lo - (ax.log || lo === 0 ? 0.5 : Math.abs(lo) * 0.1), hi + (ax.log || hi === 0 ? 0.5 : Math.abs(hi) * 0.1)];
      const p = ax.pad ? (hi - lo) * 0.05 : 0;
      [ax.lo, ax.hi] = [ax.zero && lo === 0 ? 0 : lo - p, ax.zero && hi === 0 ? 0 : hi + p];
    }
    if (ax.spec.autorange === "reversed") [ax.lo, ax.hi] = [ax.hi, ax.lo];
  }
  return axes;
}

/** [low, high] of point k's error bar in axis units, or null. */
function errorBar(t: O, k: number, y: number | null, ya: Axis): [number | null, number | null] | null {
  const e: O | undefined = t.error_y;
  if (!e || e.visible === false || y === null) return null;
  const plus = num(at(e.array, k)) ?? num(e.value), minus = e.symmetric === false ? num(at(e.arrayminus, k)) ?? num(e.valueminus) : plus;
  if (plus === null && minus === null) return null;
  return [unit(ya, y - (minus ?? 0)), unit(ya, y + (plus ?? 0))];
}

/** The figure as an SVG document: `width` defaults to 700 px, `height` to layout.height or 420 px. */
export function figureSvg(fig: Figure, opts: { width?: number; height?: number } = {}): string {
  const L: O = fig.layout ?? {};
  const W = Math.max(200, opts.width ?? num(L.width) ?? 700), H0 = Math.max(150, opts.height ?? num(L.height) ?? 420);
  // As figureDiv hands them to plotly: a layout margin replaces FIGURE_MARGIN whole, its missing sides take plotly's defaults.
  const m = (L.margin ? { t: 100, r: 80, b: 80, l: 80, ...L.margin } : FIGURE_MARGIN) as { t: number; r: number; b: number; l: number };
  const traces: O[] = (fig.data ?? []).filter((t) => t && t.visible !== false && t.visible !== "legendonly");
  const index = new Map(traces.map((t) => [t, (fig.data ?? []).indexOf(t)]));
  const axes = buildAxes(traces, L), title = titleOf(L.title);
  const slots = barSlots(traces, axes, L);

  // Legend entries: traces that ask for one (plotly's default shows the legend from two entries up).
  const entries = traces.filter((t) => traceType(t) !== "heatmap" && t.showlegend !== false).map((t) => ({ t, name: plain(t.name ?? `trace ${index.get(t)}`) }));
  const lg: O = L.legend ?? {};
  const showLegend = entries.length > 0 && (L.showlegend === true || (L.showlegend !== false && entries.length >= 2));
  const horizontal = lg.orientation === "h", entryW = (name: string) => 46 + textW(name, 12);
  const legendRight = showLegend && !horizontal && num(lg.x) === null;
  const colorbar = traces.find((t) => traceType(t) === "heatmap" && t.showscale !== false);
  const right = m.r + (legendRight ? Math.max(...entries.map((e) => entryW(e.name))) + 10 : 0) + (colorbar ? 80 : 0);

  // A horizontal legend wraps its entries into rows across the figure, below the plot when legend.y <= 0.
  const ly = num(lg.y) ?? -0.1, hRows = (x0: number) => {
    let [x, row] = [x0, 0];
    const pos = entries.map((e) => {
      if (x > x0 && x + entryW(e.name) > W - 4) [x, row] = [x0, row + 1];
      x += entryW(e.name);
      return { e, x: x - entryW(e.name), row };
    });
    return { pos, h: showLegend && horizontal ? (row + 1) * 20 + 4 : 0 };
  };

  // Lay out twice: tick labels measured on the first pass widen the margins for the second (plotly's automargin,
  // always on); the image keeps the figure's size, so a legend below the plot takes its room from the plot.
  let [l, t, b] = [m.l, m.t, m.b];
  let P = { l, t, r: W - right, b: H0 - b, w: 0, h: 0 };
  for (let pass = 0; pass < 2; pass++) {
    P = { l, t, r: Math.max(l + 40, W - right), b: Math.max(t + 40, H0 - b), w: 0, h: 0 };
    [P.w, P.h] = [P.r - P.l, P.b - P.t];
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
    const need = (letter: string, pick: (ax: Axis) => boolean, extra: number) =>
      Math.max(0, ...[...axes.values()].filter((ax) => ax.letter === letter && pick(ax)).map((ax) => ax.labelSpace + (titleOf(ax.spec.title) ? 24 : 0) + extra));
    l = Math.max(m.l, Math.min(need("y", () => true, 6), W * 0.45));
    const legendBelow = ly <= 0 ? hRows(P.l + (num(lg.x) ?? 0) * P.w).h + 8 : 0;
    b = Math.max(m.b, Math.min(need("x", (ax) => ax.spec.side !== "top", 6) + legendBelow, H0 * 0.6));
    t = Math.max(m.t, Math.min(need("x", (ax) => ax.spec.side === "top", title ? 34 : 8), H0 * 0.4));
  }

  const out: string[] = [];
  const defs: string[] = [];
  const clips = new Map<string, string>();
  const clip = (xa: Axis, ya: Axis) => {
    const key = `${xa.id}${ya.id}`;
    if (!clips.has(key)) {
      const id = `gn-clip-${clips.size}`;
      const [x0, x1, y0, y1] = [Math.min(xa.a, xa.b), Math.max(xa.a, xa.b), Math.min(ya.a, ya.b), Math.max(ya.a, ya.b)];
      defs.push(`<clipPath id="${id}"><rect x="${f(x0)}" y="${f(y0)}" width="${f(x1 - x0)}" height="${f(y1 - y0)}"/></clipPath>`);
      clips.set(key, id);
    }
    return clips.get(key)!;
  };

  // Grid and zero lines, under the traces.
  for (const ax of axes.values()) {
    const other = axes.get(String(ax.spec.anchor ?? (ax.letter === "x" ? "y" : "x")));
    const [s0, s1] = other ? [other.a, other.b] : ax.letter === "x" ? [P.b, P.t] : [P.l, P.r];
    const line = (u: number, color: string) => {
      const p = pix(ax, u);
      return ax.letter === "x" ? `<path d="M${f(p)} ${f(s0)}V${f(s1)}" stroke="${color}"/>` : `<path d="M${f(s0)} ${f(p)}H${f(s1)}" stroke="${color}"/>`;
    };
    if (ax.spec.showgrid !== false) out.push(...ax.ticks.map((k) => line(k.u, "#eee")));
    if (!ax.log && !ax.cats && ax.spec.zeroline !== false && Math.min(ax.lo, ax.hi) < 0 && Math.max(ax.lo, ax.hi) > 0) out.push(line(0, INK));
  }

  let drawn = 0;
  for (const tr of traces) {
    const xa = axes.get(tr.xaxis ?? "x")!, ya = axes.get(tr.yaxis ?? "y")!, type = traceType(tr), color = traceColor(tr, index.get(tr)!);
    const g: string[] = [];
    if (type === "heatmap") {
      const { z, xe, ye } = heatGrid(tr, xa, ya);
      const [zlo, zhi] = zRange(tr, z), cs = colorscale(tr), tmpl = typeof tr.texttemplate === "string" ? tr.texttemplate : null;
      z.forEach((row, i) => row.forEach((v, j) => {
        const zv = num(v);
        if (zv === null || j + 1 >= xe.length || i + 1 >= ye.length) return;
        const [x0, x1, y0, y1] = [pix(xa, xe[j]), pix(xa, xe[j + 1]), pix(ya, ye[i]), pix(ya, ye[i + 1])];
        const c = colorAt(cs, (zv - zlo) / (zhi - zlo));
        g.push(`<rect x="${f(Math.min(x0, x1))}" y="${f(Math.min(y0, y1))}" width="${f(Math.abs(x1 - x0))}" height="${f(Math.abs(y1 - y0))}" fill="${rgb(c)}"/>`);
        drawn++;
        if (tmpl) {
          const label = tmpl.replace(/%\{text\}/g, plain(at(at(tr.text, i), j) ?? "")).replace(/%\{z\}/g, formatNumber(zv));
          const dark = 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2] < 140;
          g.push(text((x0 + x1) / 2, (y0 + y1) / 2 + 4, label, { anchor: "middle", size: Math.min(12, Math.abs(y1 - y0) * 0.6), color: dark ? "#fff" : INK }));
        }
      }));
    } else if (type === "bar") {
      const ys = arr(tr.y) ?? [], xs = arr(tr.x) ?? ys.map((_, k) => k), s = slots.get(tr)!;
      ys.forEach((v, k) => {
        const ux = unit(xa, xs[k]), uy = unit(ya, v);
        if (ux === null || uy === null) return;
        const [x0, x1, y0, y1] = [pix(xa, ux + s.off - s.w / 2), pix(xa, ux + s.off + s.w / 2), pix(ya, ya.log ? Math.min(ya.lo, ya.hi) : 0), pix(ya, uy)];
        g.push(`<rect class="gn-bar" x="${f(Math.min(x0, x1))}" y="${f(Math.min(y0, y1))}" width="${f(Math.abs(x1 - x0))}" height="${f(Math.abs(y1 - y0))}" fill="${col(at(tr.marker?.color, k), color)}"/>`);
        drawn++;
      });
    } else {
      const ys = arr(tr.y) ?? [], xs = arr(tr.x) ?? ys.map((_, k) => k), mode = scatterMode(tr);
      const pts = ys.map((v, k) => {
        const ux = unit(xa, xs[k]), uy = unit(ya, v);
        return ux === null || uy === null ? null : { x: pix(xa, ux), y: pix(ya, uy), k, v: num(v) };
      });
      drawn += pts.filter((p) => p).length;
      if (mode.includes("lines")) {
        // A null, NaN or non-positive (log) value breaks the line, as plotly's connectgaps: false does.
        let d = "", pen = false;
        for (const p of pts) {
          if (p) d += `${pen ? "L" : "M"}${f(p.x)} ${f(p.y)}`;
          pen = !!p;
        }
        const w = num(tr.line?.width) ?? 2;
        if (d) g.push(`<path class="gn-line" d="${d}" fill="none" stroke="${color}" stroke-width="${f(w)}"${dashAttr(tr.line?.dash, w)} stroke-linejoin="round"/>`);
      }
      for (const p of pts) {
        const e = p && errorBar(tr, p.k, p.v, ya);
        if (!p || !e) continue;
        const [y0, y1] = [pix(ya, e[0] ?? Math.min(ya.lo, ya.hi)), pix(ya, e[1] ?? Math.max(ya.lo, ya.hi))];
        g.push(`<path d="M${f(p.x)} ${f(y0)}V${f(y1)}M${f(p.x - 4)} ${f(y0)}h8M${f(p.x - 4)} ${f(y1)}h8" stroke="${color}" stroke-width="1.5" fill="none"/>`);
      }
      if (mode.includes("markers")) {
        const mk: O = tr.marker ?? {}, op = num(mk.opacity);
        const shapes = pts.map((p) => (p ? markerSvg(at(mk.symbol, p.k), p.x, p.y, num(at(mk.size, p.k)) ?? 6, col(at(mk.color, p.k), color), num(mk.line?.width) ?? 0) : "")).join("");
        if (shapes) g.push(op !== null && op < 1 ? `<g opacity="${op}">${shapes}</g>` : shapes);
      }
    }
    const op = num(tr.opacity);
    if (g.length) out.push(`<g clip-path="url(#${clip(xa, ya)})"${op !== null && op < 1 ? ` opacity="${op}"` : ""}>${g.join("")}</g>`);
  }

  // Positions for shapes and annotations: "paper", an axis ("x2": data units) or its domain ("y domain": 0-1 along it).
  const at2 = (ref: unknown, v: unknown, letter: "x" | "y"): number | null => {
    const r = String(ref ?? letter), n = num(v);
    if (r === "paper") return n === null ? null : letter === "x" ? P.l + n * P.w : P.b - n * P.h;
    const mm = /^([xy]\d*)( domain)?$/.exec(r), ax = mm && axes.get(mm[1]);
    if (!ax) return null;
    if (!mm![2]) {
      const u = unit(ax, v);
      return u === null ? null : pix(ax, u);
    }
    const [d0, d1] = domain(ax), dd = n === null ? null : d0 + n * (d1 - d0);
    return dd === null ? null : letter === "x" ? P.l + dd * P.w : P.b - dd * P.h;
  };
  for (const s of arr(L.shapes) ?? []) {
    const sh = s as O, [x0, x1, y0, y1] = [at2(sh.xref, sh.x0, "x"), at2(sh.xref, sh.x1, "x"), at2(sh.yref, sh.y0, "y"), at2(sh.yref, sh.y1, "y")];
    if (x0 === null || x1 === null || y0 === null || y1 === null) continue;
    const w = num(sh.line?.width) ?? 2, stroke = `stroke="${col(sh.line?.color, INK)}" stroke-width="${f(w)}"${dashAttr(sh.line?.dash, w)}`;
    const op = num(sh.opacity) !== null ? ` opacity="${num(sh.opacity)}"` : "";
    if (sh.type === "line") out.push(`<path d="M${f(x0)} ${f(y0)}L${f(x1)} ${f(y1)}" ${stroke}${op}/>`);
    else if (sh.type === "rect" || sh.type === undefined) out.push(`<rect x="${f(Math.min(x0, x1))}" y="${f(Math.min(y0, y1))}" width="${f(Math.abs(x1 - x0))}" height="${f(Math.abs(y1 - y0))}" fill="${col(sh.fillcolor, "none")}" ${stroke}${op}/>`);
  }

  // Tick labels and axis titles.
  for (const ax of axes.values()) {
    const labels: string[] = [];
    const top = ax.letter === "x" && ax.spec.side === "top";
    for (const k of ax.ticks) {
      const p = pix(ax, k.u);
      if (ax.letter === "y") labels.push(text(ax.pos - 6, p + 4, k.label, { anchor: "end" }));
      else if (ax.angle) labels.push(text(p + (Math.abs(ax.angle) > 45 ? 4 : 0), top ? ax.pos - 8 : ax.pos + 14, k.label, { anchor: (ax.angle < 0) !== top ? "end" : "start", rotate: ax.angle }));
      else labels.push(text(p, top ? ax.pos - 8 : ax.pos + 18, k.label, { anchor: "middle" }));
    }
    out.push(`<g class="gn-ticks" data-axis="${ax.id}">${labels.join("")}</g>`);
    const at = titleOf(ax.spec.title), mid = (ax.a + ax.b) / 2;
    if (!at) continue;
    if (ax.letter === "y") out.push(text(ax.pos - ax.labelSpace - 12, mid, at, { anchor: "middle", size: 14, rotate: -90, cls: "gn-axis-title" }));
    else out.push(text(mid, top ? ax.pos - ax.labelSpace - 10 : ax.pos + ax.labelSpace + 18, at, { anchor: "middle", size: 14, cls: "gn-axis-title" }));
  }

  for (const a of arr(L.annotations) ?? []) {
    const an = a as O, x = at2(an.xref, an.x, "x"), y = at2(an.yref, an.y, "y"), size = num(an.font?.size) ?? 12;
    if (x === null || y === null || an.visible === false) continue;
    const dy = an.yanchor === "top" ? size * 0.8 : an.yanchor === "bottom" ? -2 : size * 0.35;
    out.push(text(x, y + dy, plain(an.text), { size, anchor: an.xanchor === "left" ? "start" : an.xanchor === "right" ? "end" : "middle" }));
  }

  if (colorbar) {
    const { z } = heatGrid(colorbar, axes.get(colorbar.xaxis ?? "x")!, axes.get(colorbar.yaxis ?? "y")!);
    const [zlo, zhi] = zRange(colorbar, z), x = P.r + 20;
    defs.push(`<linearGradient id="gn-cbar" x1="0" y1="1" x2="0" y2="0">${colorscale(colorbar).map(([p, c]) => `<stop offset="${f(p * 100)}%" stop-color="${col(c, INK)}"/>`).join("")}</linearGradient>`);
    out.push(`<rect x="${f(x)}" y="${f(P.t)}" width="14" height="${f(P.h)}" fill="url(#gn-cbar)"/>`);
    const step = niceStep(zhi - zlo, 5);
    for (const v of linearTicks(zlo, zhi, step)) out.push(text(x + 18, P.b - ((v - zlo) / (zhi - zlo)) * P.h + 4, formatNumber(v, step)));
    const ct = titleOf(colorbar.colorbar?.title);
    if (ct) out.push(text(x, P.t - 8, ct));
  }

  if (!drawn) out.push(text(P.l + P.w / 2, P.t + P.h / 2, "no data", { anchor: "middle", size: 14, color: "#888" }));

  // Legend: one row of wrapped entries below the plot (orientation "h"), else a column at legend.x/y or right of the plot.
  if (showLegend) {
    const sample = (tr: O, x: number, y: number): string => {
      const type = traceType(tr), color = traceColor(tr, index.get(tr)!), mode = scatterMode(tr);
      if (type === "bar") return `<rect x="${f(x + 9)}" y="${f(y - 6)}" width="12" height="12" fill="${color}"/>`;
      const w = Math.min(num(tr.line?.width) ?? 2, 4);
      const line = mode.includes("lines") ? `<path d="M${f(x)} ${f(y)}h30" stroke="${color}" stroke-width="${f(w)}"${dashAttr(tr.line?.dash, w)}/>` : "";
      const mk: O = tr.marker ?? {};
      return line + (mode.includes("markers") ? markerSvg(at(mk.symbol, 0), x + 15, y, Math.min(num(at(mk.size, 0)) ?? 6, 12), col(at(mk.color, 0), color), num(mk.line?.width) ?? 0) : "");
    };
    const items: string[] = [];
    const put = (e: { t: O; name: string }, x: number, y: number) => items.push(sample(e.t, x, y) + text(x + 38, y + 4, e.name));
    if (horizontal) {
      const below = Math.max(0, ...[...axes.values()].filter((ax) => ax.letter === "x" && ax.spec.side !== "top").map((ax) => ax.labelSpace + (titleOf(ax.spec.title) ? 26 : 4)));
      const rows = hRows(P.l + (num(lg.x) ?? 0) * P.w);
      const top = Math.min(ly <= 0 ? Math.max(P.b - ly * P.h, P.b + below) : P.b - ly * P.h, H0 - rows.h);
      for (const r of rows.pos) put(r.e, r.x, top + 10 + r.row * 20);
    } else {
      const bw = Math.max(...entries.map((e) => entryW(e.name))), bh = entries.length * 20 + 6;
      let [x0, y0] = [P.r + 10, P.t];
      if (!legendRight) {
        const lx = num(lg.x)!, lyv = num(lg.y) ?? 1;
        const xa = lg.xanchor && lg.xanchor !== "auto" ? lg.xanchor : lx >= 2 / 3 ? "right" : lx <= 1 / 3 ? "left" : "center";
        const ya = lg.yanchor && lg.yanchor !== "auto" ? lg.yanchor : lyv >= 2 / 3 ? "top" : lyv <= 1 / 3 ? "bottom" : "middle";
        x0 = P.l + lx * P.w - (xa === "right" ? bw : xa === "center" ? bw / 2 : 0);
        y0 = P.b - lyv * P.h - (ya === "bottom" ? bh : ya === "middle" ? bh / 2 : 0);
        items.push(`<rect x="${f(x0)}" y="${f(y0)}" width="${f(bw)}" height="${f(bh)}" fill="#fff" fill-opacity="0.85"/>`);
      }
      entries.forEach((e, i) => put(e, x0 + 4, y0 + 13 + i * 20));
    }
    out.push(`<g class="gn-legend">${items.join("")}</g>`);
  }

  if (title) {
    const size = clamp((W - 20) / (title.length * 0.6), 10, 17);
    out.push(text(W / 2, Math.max(size + 4, Math.min(t / 2 + size / 3, t - 30)), title, { size, anchor: "middle", cls: "gn-title" }));
  }

  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H0}" viewBox="0 0 ${W} ${H0}" font-family="'Open Sans', verdana, arial, sans-serif">` +
    `<rect width="${W}" height="${H0}" fill="#fff"/>${defs.length ? `<defs>${defs.join("")}</defs>` : ""}${out.join("")}</svg>`
  );
}

/** The figure's static image for HTML: an <img> with the SVG inlined as base64, alt text the figure's title. */
export function staticImageHtml(fig: Figure, opts: { width?: number; height?: number } = {}): string {
  const width = opts.width ?? num(fig.layout?.width) ?? 700;
  const svg = figureSvg(fig, { ...opts, width });
  const alt = titleOf(fig.layout?.title) || "figure";
  return `<img class="gn-static" alt="${escapeMarkup(alt)}" style="display:block;width:100%;max-width:${width}px;height:auto" src="data:image/svg+xml;base64,${Buffer.from(svg, "utf8").toString("base64")}">`;
}
