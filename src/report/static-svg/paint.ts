/** How things look: colorscales, dash patterns, marker symbols. */
import { O, clamp, f, num } from "./common";

// plotly.js's default colorscales (no template).
const SCALES: Record<string, [number, string][]> = {
  Blues: [[0, "rgb(5,10,172)"], [0.35, "rgb(40,60,190)"], [0.5, "rgb(70,100,245)"], [0.6, "rgb(90,120,245)"], [0.7, "rgb(106,137,247)"], [1, "rgb(220,220,220)"]],
  RdBu: [[0, "rgb(5,10,172)"], [0.35, "rgb(106,137,247)"], [0.5, "rgb(190,190,190)"], [0.6, "rgb(220,170,132)"], [0.7, "rgb(230,145,90)"], [1, "rgb(178,10,28)"]],
};

function parseColor(c: string): [number, number, number] {
  const m = /rgba?\(\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)/.exec(c);
  if (m) return [Number(m[1]), Number(m[2]), Number(m[3])];
  let h = c.replace("#", "");
  if (h.length === 3) h = h.replace(/./g, (x) => x + x);
  return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16) || 0) as [number, number, number];
}
export function colorAt(scale: [number, string][], p: number): [number, number, number] {
  const q = clamp(p, 0, 1);
  const i = Math.max(1, scale.findIndex(([s]) => s >= q));
  const [s0, c0] = scale[i - 1], [s1, c1] = scale[Math.min(i, scale.length - 1)];
  const w = s1 > s0 ? (q - s0) / (s1 - s0) : 0;
  const [a, b] = [parseColor(c0), parseColor(c1)];
  return a.map((x, k) => Math.round(x + (b[k] - x) * w)) as [number, number, number];
}
export const rgb = (c: number[]) => `rgb(${c.join(",")})`;
export function colorscale(t: O): [number, string][] {
  const cs: [number, string][] = Array.isArray(t.colorscale) ? t.colorscale : SCALES[String(t.colorscale)] ?? SCALES.RdBu;
  return t.reversescale ? cs.map(([p, c]) => [1 - p, c] as [number, string]).reverse() : cs;
}
export function zRange(t: O, z: unknown[][]): [number, number] {
  const vs = z.flat().map(num).filter((v): v is number => v !== null);
  let lo = num(t.zmin) ?? Math.min(...vs), hi = num(t.zmax) ?? Math.max(...vs);
  const mid = num(t.zmid);
  if (mid !== null && num(t.zmin) === null && num(t.zmax) === null) [lo, hi] = [mid - Math.max(mid - lo, hi - mid), mid + Math.max(mid - lo, hi - mid)];
  return Number.isFinite(lo) && Number.isFinite(hi) && hi > lo ? [lo, hi] : [lo === hi && Number.isFinite(lo) ? lo - 1 : 0, Number.isFinite(hi) ? hi : 1];
}

/** plotly's dash patterns, scaled by the line width as plotly does (at least 3 px units). */
export function dashAttr(dash: unknown, width: number): string {
  const d = Math.max(width, 3);
  const pat: Record<string, number[]> = { dot: [d, d], dash: [3 * d, 3 * d], longdash: [5 * d, 5 * d], dashdot: [3 * d, d, d, d], longdashdot: [5 * d, 2 * d, d, 2 * d] };
  const p = pat[String(dash)] ?? (typeof dash === "string" && /\d/.test(dash) && dash !== "solid" ? dash.replace(/px/g, "").split(/[ ,]+/).map(Number) : null);
  return p ? ` stroke-dasharray="${p.map(f).join(",")}"` : "";
}

/** Circle, square, diamond, x and star (open variants unfilled); any other symbol as a circle. */
export function markerSvg(sym: unknown, x: number, y: number, size: number, color: string, lineW: number): string {
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
