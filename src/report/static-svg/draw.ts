/** The drawing steps: each appends one part of the figure to the SVG being built, in the order it stacks. */
import { INK, O, arr, at, clamp, col, f, num, plain, text, titleOf } from "./common";
import { Axis, domain, formatNumber, linearTicks, niceStep, pix, unit } from "./axes";
import { errorBar, heatGrid, scatterMode, traceColor, traceType } from "./data";
import { FigureLayout, entryW, legendRows } from "./layout";
import { colorAt, colorscale, dashAttr, markerSvg, rgb, zRange } from "./paint";

/** The laid-out figure and the SVG being built: body elements, <defs>, and the clip path made for each pair of axes. */
export interface Ctx extends FigureLayout {
  out: string[]; defs: string[]; clips: Map<string, string>;
}

/** The id of the clip path to the rectangle of axes xa and ya, made on first use. */
function clipFor(c: Ctx, xa: Axis, ya: Axis): string {
  const key = `${xa.id}${ya.id}`;
  if (!c.clips.has(key)) {
    const id = `gn-clip-${c.clips.size}`;
    const [x0, x1, y0, y1] = [Math.min(xa.a, xa.b), Math.max(xa.a, xa.b), Math.min(ya.a, ya.b), Math.max(ya.a, ya.b)];
    c.defs.push(`<clipPath id="${id}"><rect x="${f(x0)}" y="${f(y0)}" width="${f(x1 - x0)}" height="${f(y1 - y0)}"/></clipPath>`);
    c.clips.set(key, id);
  }
  return c.clips.get(key)!;
}

/** Grid and zero lines, under the traces. */
export function drawGrid(c: Ctx): void {
  const { axes, P } = c;
  for (const ax of axes.values()) {
    const other = axes.get(String(ax.spec.anchor ?? (ax.letter === "x" ? "y" : "x")));
    const [s0, s1] = other ? [other.a, other.b] : ax.letter === "x" ? [P.b, P.t] : [P.l, P.r];
    const line = (u: number, color: string) => {
      const p = pix(ax, u);
      return ax.letter === "x" ? `<path d="M${f(p)} ${f(s0)}V${f(s1)}" stroke="${color}"/>` : `<path d="M${f(s0)} ${f(p)}H${f(s1)}" stroke="${color}"/>`;
    };
    if (ax.spec.showgrid !== false) c.out.push(...ax.ticks.map((k) => line(k.u, "#eee")));
    if (!ax.log && !ax.cats && ax.spec.zeroline !== false && Math.min(ax.lo, ax.hi) < 0 && Math.max(ax.lo, ax.hi) > 0) c.out.push(line(0, INK));
  }
}

/** One trace's SVG elements and how many cells, bars or points it drew. */
type Drawn = { g: string[]; n: number };

/** Heatmap cells coloured on the trace's colorscale, with texttemplate labels in ink that shows on the cell. */
function drawHeatmap(tr: O, xa: Axis, ya: Axis): Drawn {
  const g: string[] = [];
  let n = 0;
  const { z, xe, ye } = heatGrid(tr, xa, ya);
  const [zlo, zhi] = zRange(tr, z), cs = colorscale(tr), tmpl = typeof tr.texttemplate === "string" ? tr.texttemplate : null;
  z.forEach((row, i) => row.forEach((v, j) => {
    const zv = num(v);
    if (zv === null || j + 1 >= xe.length || i + 1 >= ye.length) return;
    const [x0, x1, y0, y1] = [pix(xa, xe[j]), pix(xa, xe[j + 1]), pix(ya, ye[i]), pix(ya, ye[i + 1])];
    const c = colorAt(cs, (zv - zlo) / (zhi - zlo));
    g.push(`<rect x="${f(Math.min(x0, x1))}" y="${f(Math.min(y0, y1))}" width="${f(Math.abs(x1 - x0))}" height="${f(Math.abs(y1 - y0))}" fill="${rgb(c)}"/>`);
    n++;
    if (tmpl) {
      const label = tmpl.replace(/%\{text\}/g, plain(at(at(tr.text, i), j) ?? "")).replace(/%\{z\}/g, formatNumber(zv));
      const dark = 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2] < 140;
      g.push(text((x0 + x1) / 2, (y0 + y1) / 2 + 4, label, { anchor: "middle", size: Math.min(12, Math.abs(y1 - y0) * 0.6), color: dark ? "#fff" : INK }));
    }
  }));
  return { g, n };
}

/** A bar trace in its slot, from 0 (the bottom of a log axis) to each value. */
function drawBars(c: Ctx, tr: O, xa: Axis, ya: Axis, color: string): Drawn {
  const g: string[] = [];
  let n = 0;
  const ys = arr(tr.y) ?? [], xs = arr(tr.x) ?? ys.map((_, k) => k), s = c.slots.get(tr)!;
  ys.forEach((v, k) => {
    const ux = unit(xa, xs[k]), uy = unit(ya, v);
    if (ux === null || uy === null) return;
    const [x0, x1, y0, y1] = [pix(xa, ux + s.off - s.w / 2), pix(xa, ux + s.off + s.w / 2), pix(ya, ya.log ? Math.min(ya.lo, ya.hi) : 0), pix(ya, uy)];
    g.push(`<rect class="gn-bar" x="${f(Math.min(x0, x1))}" y="${f(Math.min(y0, y1))}" width="${f(Math.abs(x1 - x0))}" height="${f(Math.abs(y1 - y0))}" fill="${col(at(tr.marker?.color, k), color)}"/>`);
    n++;
  });
  return { g, n };
}

/** A scatter trace: its line, then error bars, then markers on top. */
function drawScatter(tr: O, xa: Axis, ya: Axis, color: string): Drawn {
  const g: string[] = [];
  const ys = arr(tr.y) ?? [], xs = arr(tr.x) ?? ys.map((_, k) => k), mode = scatterMode(tr);
  const pts = ys.map((v, k) => {
    const ux = unit(xa, xs[k]), uy = unit(ya, v);
    return ux === null || uy === null ? null : { x: pix(xa, ux), y: pix(ya, uy), k, v: num(v) };
  });
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
  return { g, n: pts.filter((p) => p).length };
}

/** Every trace, each in a group clipped to its axes' rectangle; returns how many cells, bars and points were drawn. */
export function drawTraces(c: Ctx): number {
  let drawn = 0;
  for (const tr of c.traces) {
    const xa = c.axes.get(tr.xaxis ?? "x")!, ya = c.axes.get(tr.yaxis ?? "y")!, type = traceType(tr), color = traceColor(tr, c.index.get(tr)!);
    const { g, n } = type === "heatmap" ? drawHeatmap(tr, xa, ya) : type === "bar" ? drawBars(c, tr, xa, ya, color) : drawScatter(tr, xa, ya, color);
    drawn += n;
    const op = num(tr.opacity);
    if (g.length) c.out.push(`<g clip-path="url(#${clipFor(c, xa, ya)})"${op !== null && op < 1 ? ` opacity="${op}"` : ""}>${g.join("")}</g>`);
  }
  return drawn;
}

/** Positions for shapes and annotations: "paper", an axis ("x2": data units) or its domain ("y domain": 0-1 along it). */
function place(c: Ctx, ref: unknown, v: unknown, letter: "x" | "y"): number | null {
  const { P } = c;
  const r = String(ref ?? letter), n = num(v);
  if (r === "paper") return n === null ? null : letter === "x" ? P.l + n * P.w : P.b - n * P.h;
  const mm = /^([xy]\d*)( domain)?$/.exec(r), ax = mm && c.axes.get(mm[1]);
  if (!ax) return null;
  if (!mm![2]) {
    const u = unit(ax, v);
    return u === null ? null : pix(ax, u);
  }
  const [d0, d1] = domain(ax), dd = n === null ? null : d0 + n * (d1 - d0);
  return dd === null ? null : letter === "x" ? P.l + dd * P.w : P.b - dd * P.h;
}

/** Line and rect shapes (over the traces, under the tick labels). */
export function drawShapes(c: Ctx): void {
  for (const s of arr(c.L.shapes) ?? []) {
    const sh = s as O, [x0, x1, y0, y1] = [place(c, sh.xref, sh.x0, "x"), place(c, sh.xref, sh.x1, "x"), place(c, sh.yref, sh.y0, "y"), place(c, sh.yref, sh.y1, "y")];
    if (x0 === null || x1 === null || y0 === null || y1 === null) continue;
    const w = num(sh.line?.width) ?? 2, stroke = `stroke="${col(sh.line?.color, INK)}" stroke-width="${f(w)}"${dashAttr(sh.line?.dash, w)}`;
    const op = num(sh.opacity) !== null ? ` opacity="${num(sh.opacity)}"` : "";
    if (sh.type === "line") c.out.push(`<path d="M${f(x0)} ${f(y0)}L${f(x1)} ${f(y1)}" ${stroke}${op}/>`);
    else if (sh.type === "rect" || sh.type === undefined) c.out.push(`<rect x="${f(Math.min(x0, x1))}" y="${f(Math.min(y0, y1))}" width="${f(Math.abs(x1 - x0))}" height="${f(Math.abs(y1 - y0))}" fill="${col(sh.fillcolor, "none")}" ${stroke}${op}/>`);
  }
}

/** Tick labels and axis titles. */
export function drawAxes(c: Ctx): void {
  for (const ax of c.axes.values()) {
    const labels: string[] = [];
    const top = ax.letter === "x" && ax.spec.side === "top";
    for (const k of ax.ticks) {
      const p = pix(ax, k.u);
      if (ax.letter === "y") labels.push(text(ax.pos - 6, p + 4, k.label, { anchor: "end" }));
      else if (ax.angle) labels.push(text(p + (Math.abs(ax.angle) > 45 ? 4 : 0), top ? ax.pos - 8 : ax.pos + 14, k.label, { anchor: (ax.angle < 0) !== top ? "end" : "start", rotate: ax.angle }));
      else labels.push(text(p, top ? ax.pos - 8 : ax.pos + 18, k.label, { anchor: "middle" }));
    }
    c.out.push(`<g class="gn-ticks" data-axis="${ax.id}">${labels.join("")}</g>`);
    const name = titleOf(ax.spec.title), mid = (ax.a + ax.b) / 2;
    if (!name) continue;
    if (ax.letter === "y") c.out.push(text(ax.pos - ax.labelSpace - 12, mid, name, { anchor: "middle", size: 14, rotate: -90, cls: "gn-axis-title" }));
    else c.out.push(text(mid, top ? ax.pos - ax.labelSpace - 10 : ax.pos + ax.labelSpace + 18, name, { anchor: "middle", size: 14, cls: "gn-axis-title" }));
  }
}

/** Text annotations (arrows are not drawn). */
export function drawAnnotations(c: Ctx): void {
  for (const a of arr(c.L.annotations) ?? []) {
    const an = a as O, x = place(c, an.xref, an.x, "x"), y = place(c, an.yref, an.y, "y"), size = num(an.font?.size) ?? 12;
    if (x === null || y === null || an.visible === false) continue;
    const dy = an.yanchor === "top" ? size * 0.8 : an.yanchor === "bottom" ? -2 : size * 0.35;
    c.out.push(text(x, y + dy, plain(an.text), { size, anchor: an.xanchor === "left" ? "start" : an.xanchor === "right" ? "end" : "middle" }));
  }
}

/** The first shown heatmap's colorbar right of the plot: a gradient, ticks over its z range, its title. */
export function drawColorbar(c: Ctx): void {
  const { colorbar, P } = c;
  if (!colorbar) return;
  const { z } = heatGrid(colorbar, c.axes.get(colorbar.xaxis ?? "x")!, c.axes.get(colorbar.yaxis ?? "y")!);
  const [zlo, zhi] = zRange(colorbar, z), x = P.r + 20;
  c.defs.push(`<linearGradient id="gn-cbar" x1="0" y1="1" x2="0" y2="0">${colorscale(colorbar).map(([p, cc]) => `<stop offset="${f(p * 100)}%" stop-color="${col(cc, INK)}"/>`).join("")}</linearGradient>`);
  c.out.push(`<rect x="${f(x)}" y="${f(P.t)}" width="14" height="${f(P.h)}" fill="url(#gn-cbar)"/>`);
  const step = niceStep(zhi - zlo, 5);
  for (const v of linearTicks(zlo, zhi, step)) c.out.push(text(x + 18, P.b - ((v - zlo) / (zhi - zlo)) * P.h + 4, formatNumber(v, step)));
  const ct = titleOf(colorbar.colorbar?.title);
  if (ct) c.out.push(text(x, P.t - 8, ct));
}

/** "no data" across the middle of a figure that drew nothing. */
export function drawNoData(c: Ctx): void {
  const { P } = c;
  c.out.push(text(P.l + P.w / 2, P.t + P.h / 2, "no data", { anchor: "middle", size: 14, color: "#888" }));
}

/** A legend entry's sample at (x, y): a bar's square, else a scatter's line and marker as the trace draws them. */
function legendSample(c: Ctx, tr: O, x: number, y: number): string {
  const type = traceType(tr), color = traceColor(tr, c.index.get(tr)!), mode = scatterMode(tr);
  if (type === "bar") return `<rect x="${f(x + 9)}" y="${f(y - 6)}" width="12" height="12" fill="${color}"/>`;
  const w = Math.min(num(tr.line?.width) ?? 2, 4);
  const line = mode.includes("lines") ? `<path d="M${f(x)} ${f(y)}h30" stroke="${color}" stroke-width="${f(w)}"${dashAttr(tr.line?.dash, w)}/>` : "";
  const mk: O = tr.marker ?? {};
  return line + (mode.includes("markers") ? markerSvg(at(mk.symbol, 0), x + 15, y, Math.min(num(at(mk.size, 0)) ?? 6, 12), col(at(mk.color, 0), color), num(mk.line?.width) ?? 0) : "");
}

/** Legend: one row of wrapped entries below the plot (orientation "h"), else a column at legend.x/y or right of the plot. */
export function drawLegend(c: Ctx): void {
  const { legend: lg, axes, P } = c;
  if (!lg.show) return;
  const items: string[] = [];
  const put = (e: { t: O; name: string }, x: number, y: number) => items.push(legendSample(c, e.t, x, y) + text(x + 38, y + 4, e.name));
  if (lg.horizontal) {
    const below = Math.max(0, ...[...axes.values()].filter((ax) => ax.letter === "x" && ax.spec.side !== "top").map((ax) => ax.labelSpace + (titleOf(ax.spec.title) ? 26 : 4)));
    const rows = legendRows(lg, c.W, P.l + (num(lg.spec.x) ?? 0) * P.w);
    const top = Math.min(lg.y <= 0 ? Math.max(P.b - lg.y * P.h, P.b + below) : P.b - lg.y * P.h, c.H - rows.h);
    for (const r of rows.pos) put(r.e, r.x, top + 10 + r.row * 20);
  } else {
    const bw = Math.max(...lg.entries.map((e) => entryW(e.name))), bh = lg.entries.length * 20 + 6;
    let [x0, y0] = [P.r + 10, P.t];
    if (!lg.right) {
      const lx = num(lg.spec.x)!, lyv = num(lg.spec.y) ?? 1;
      const xa = lg.spec.xanchor && lg.spec.xanchor !== "auto" ? lg.spec.xanchor : lx >= 2 / 3 ? "right" : lx <= 1 / 3 ? "left" : "center";
      const ya = lg.spec.yanchor && lg.spec.yanchor !== "auto" ? lg.spec.yanchor : lyv >= 2 / 3 ? "top" : lyv <= 1 / 3 ? "bottom" : "middle";
      x0 = P.l + lx * P.w - (xa === "right" ? bw : xa === "center" ? bw / 2 : 0);
      y0 = P.b - lyv * P.h - (ya === "bottom" ? bh : ya === "middle" ? bh / 2 : 0);
      items.push(`<rect x="${f(x0)}" y="${f(y0)}" width="${f(bw)}" height="${f(bh)}" fill="#fff" fill-opacity="0.85"/>`);
    }
    lg.entries.forEach((e, i) => put(e, x0 + 4, y0 + 13 + i * 20));
  }
  c.out.push(`<g class="gn-legend">${items.join("")}</g>`);
}

/** The title, centred in the top margin and shrunk to fit the width. */
export function drawTitle(c: Ctx): void {
  const { title, W, top } = c;
  if (!title) return;
  const size = clamp((W - 20) / (title.length * 0.6), 10, 17);
  c.out.push(text(W / 2, Math.max(size + 4, Math.min(top / 2 + size / 3, top - 30)), title, { size, anchor: "middle", cls: "gn-title" }));
}
