/** What the traces hold, in axis units: their type and colour, bar slots, heatmap cells, error bars, and the axes ranged over them. */
import { COLORWAY, O, arr, at, col, num } from "./common";
import { Axis, axisKey, unit } from "./axes";

/** A bar's offset from its x and its width, in x units. */
export type Slot = { off: number; w: number };

export const traceType = (t: O) => String(t.type ?? "scatter");
export const traceColor = (t: O, i: number): string => col(traceType(t) === "bar" ? t.marker?.color : t.line?.color ?? t.marker?.color, COLORWAY[i % COLORWAY.length]);
export const scatterMode = (t: O) => String(t.mode ?? ((arr(t.y)?.length ?? 0) <= 20 ? "lines+markers" : "lines"));

/** Each bar trace's offset and width in x units: grouped side by side in 0.8 of the smallest x spacing. */
export function barSlots(traces: O[], axes: Map<string, Axis>, L: O): Map<O, Slot> {
  const slots = new Map<O, Slot>();
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
export function heatGrid(t: O, xa: Axis, ya: Axis): { z: unknown[][]; xe: number[]; ye: number[] } {
  const z = (arr(t.z) ?? []).map((row) => arr(row) ?? []);
  const nx = Math.max(0, ...z.map((r) => r.length));
  const xs = arr(t.x) ?? Array.from({ length: nx }, (_, j) => j), ys = arr(t.y) ?? z.map((_, i) => i);
  const xu = xs.slice(0, nx).map((v) => unit(xa, v)), yu = ys.slice(0, z.length).map((v) => unit(ya, v));
  if (!xu.length || !yu.length || xu.some((u) => u === null) || yu.some((u) => u === null)) return { z: [], xe: [], ye: [] };
  return { z, xe: edges(xu as number[]), ye: edges(yu as number[]) };
}

/** Axes named by traces or the layout, typed (log, categorical) and ranged in their units. */
export function buildAxes(traces: O[], L: O): Map<string, Axis> {
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
      if (g.z.length) {
        grow(xa, g.xe[0], g.xe[g.xe.length - 1]);
        grow(ya, g.ye[0], g.ye[g.ye.length - 1]);
      }
      continue;
    }
    const ys = arr(t.y) ?? [], xs = arr(t.x) ?? ys.map((_, k) => k);
    ys.forEach((v, k) => {
      const ux = unit(xa, xs[k]), uy = unit(ya, v);
      if (ux === null || uy === null) return;
      if (type === "bar") {
        const s = slots.get(t)!;
        grow(xa, ux + s.off - s.w / 2, ux + s.off + s.w / 2);
        grow(ya, uy, ya.log ? null : 0);
        ya.pad = ya.zero = true;
        return;
      }
      grow(xa, ux);
      grow(ya, uy);
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
export function errorBar(t: O, k: number, y: number | null, ya: Axis): [number | null, number | null] | null {
  const e: O | undefined = t.error_y;
  if (!e || e.visible === false || y === null) return null;
  const plus = num(at(e.array, k)) ?? num(e.value), minus = e.symmetric === false ? num(at(e.arrayminus, k)) ?? num(e.valueminus) : plus;
  if (plus === null && minus === null) return null;
  return [unit(ya, y - (minus ?? 0)), unit(ya, y + (plus ?? 0))];
}
