/** The figure laid out: its size, margins, plot area, axes placed and ticked, and the legend's plan. */
import type { Figure } from "../figure";
import { O, num, plain, textW, titleOf } from "./common";
import { Axis, Plot, placeAxes } from "./axes";
import { Slot, barSlots, buildAxes, traceType } from "./data";

/** Margins a figure starts from unless its layout says otherwise (plotly's own 80 px leave small plots); figureDiv uses them too. */
export const FIGURE_MARGIN = { t: 50, r: 20, b: 50, l: 60 };

export interface Legend {
  entries: { t: O; name: string }[]; spec: O; show: boolean; horizontal: boolean;
  /** A column right of the plot: vertical, with no legend.x. */
  right: boolean;
  /** legend.y, -0.1 when unset. */
  y: number;
}

export interface FigureLayout {
  L: O; W: number; H: number; title: string;
  traces: O[];
  /** Each drawn trace's index in fig.data: its default colour and name. */
  index: Map<O, number>;
  axes: Map<string, Axis>; slots: Map<O, Slot>; legend: Legend;
  /** The heatmap whose colorbar is drawn, if any. */
  colorbar: O | undefined;
  P: Plot;
  /** The top margin as the last pass measured it: the title sits in it. */
  top: number;
}

export const entryW = (name: string) => 46 + textW(name, 12);

/** Legend entries: traces that ask for one (plotly's default shows the legend from two entries up). */
function planLegend(traces: O[], index: Map<O, number>, L: O): Legend {
  const entries = traces.filter((t) => traceType(t) !== "heatmap" && t.showlegend !== false).map((t) => ({ t, name: plain(t.name ?? `trace ${index.get(t)}`) }));
  const spec: O = L.legend ?? {};
  const show = entries.length > 0 && (L.showlegend === true || (L.showlegend !== false && entries.length >= 2));
  const horizontal = spec.orientation === "h";
  return { entries, spec, show, horizontal, right: show && !horizontal && num(spec.x) === null, y: num(spec.y) ?? -0.1 };
}

/** A horizontal legend wraps its entries into rows across the figure (width W) from x0, below the plot when legend.y <= 0. */
export function legendRows(lg: Legend, W: number, x0: number): { pos: { e: Legend["entries"][number]; x: number; row: number }[]; h: number } {
  let [x, row] = [x0, 0];
  const pos = lg.entries.map((e) => {
    if (x > x0 && x + entryW(e.name) > W - 4) [x, row] = [x0, row + 1];
    x += entryW(e.name);
    return { e, x: x - entryW(e.name), row };
  });
  return { pos, h: lg.show && lg.horizontal ? (row + 1) * 20 + 4 : 0 };
}

/** The margin the `letter` axes that `pick` selects need: tick labels, a title, `extra`. */
function axisRoom(axes: Map<string, Axis>, letter: string, pick: (ax: Axis) => boolean, extra: number): number {
  return Math.max(0, ...[...axes.values()].filter((ax) => ax.letter === letter && pick(ax)).map((ax) => ax.labelSpace + (titleOf(ax.spec.title) ? 24 : 0) + extra));
}

/** The figure laid out at `opts`' size (else layout.width or 700 px by layout.height or 420 px; at least 200 by 150). */
export function layoutFigure(fig: Figure, opts: { width?: number; height?: number }): FigureLayout {
  const L: O = fig.layout ?? {};
  const W = Math.max(200, opts.width ?? num(L.width) ?? 700), H = Math.max(150, opts.height ?? num(L.height) ?? 420);
  // As figureDiv hands them to plotly: a layout margin replaces FIGURE_MARGIN whole, its missing sides take plotly's defaults.
  const m = (L.margin ? { t: 100, r: 80, b: 80, l: 80, ...L.margin } : FIGURE_MARGIN) as { t: number; r: number; b: number; l: number };
  const traces: O[] = (fig.data ?? []).filter((t) => t && t.visible !== false && t.visible !== "legendonly");
  const index = new Map(traces.map((t) => [t, (fig.data ?? []).indexOf(t)]));
  const axes = buildAxes(traces, L), title = titleOf(L.title);
  const slots = barSlots(traces, axes, L);
  const legend = planLegend(traces, index, L);
  const colorbar = traces.find((t) => traceType(t) === "heatmap" && t.showscale !== false);
  const right = m.r + (legend.right ? Math.max(...legend.entries.map((e) => entryW(e.name))) + 10 : 0) + (colorbar ? 80 : 0);

  // Lay out twice: tick labels measured on the first pass widen the margins for the second (plotly's automargin,
  // always on); the image keeps the figure's size, so a legend below the plot takes its room from the plot.
  let [l, t, b] = [m.l, m.t, m.b];
  let P!: Plot;
  for (let pass = 0; pass < 2; pass++) {
    P = { l, t, r: Math.max(l + 40, W - right), b: Math.max(t + 40, H - b), w: 0, h: 0 };
    [P.w, P.h] = [P.r - P.l, P.b - P.t];
    placeAxes(axes, P);
    l = Math.max(m.l, Math.min(axisRoom(axes, "y", () => true, 6), W * 0.45));
    const legendBelow = legend.y <= 0 ? legendRows(legend, W, P.l + (num(legend.spec.x) ?? 0) * P.w).h + 8 : 0;
    b = Math.max(m.b, Math.min(axisRoom(axes, "x", (ax) => ax.spec.side !== "top", 6) + legendBelow, H * 0.6));
    t = Math.max(m.t, Math.min(axisRoom(axes, "x", (ax) => ax.spec.side === "top", title ? 34 : 8), H * 0.4));
  }
  return { L, W, H, title, traces, index, axes, slots, legend, colorbar, P, top: t };
}
