/** Spec access, number and text helpers shared by every part of the static SVG. */
import { escapeMarkup } from "../escape";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type O = Record<string, any>;

// plotly.js's defaults (no template): colorway and text colour.
export const COLORWAY = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
export const INK = "#444";

/** Coordinates to 0.1 px; never "NaN" (callers drop non-finite points first: this is the last guard). */
export const f = (n: number) => (Number.isFinite(n) ? String(Math.round(n * 10) / 10) : "0");
/** Text width estimate without a DOM: average glyph width ~0.55 em for sans-serif. */
export const textW = (s: string, size: number) => s.length * size * 0.55;
/** Text without plotly's pseudo-HTML (<br>, <b>, <sup>...); other "<" stay text. */
export const plain = (s: unknown) => String(s ?? "").replace(/<br\s*\/?>/gi, " ").replace(/<\/?(b|i|em|u|s|sup|sub|span|a)(\s[^>]*)?>/gi, "");
export const titleOf = (t: unknown) => plain(typeof t === "string" ? t : (t as O | undefined)?.text);
export const arr = (v: unknown): unknown[] | undefined => (Array.isArray(v) ? v : ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>) : undefined);
export const at = (v: unknown, i: number) => (Array.isArray(v) ? v[i] : v);
export const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
export function num(v: unknown): number | null {
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
  return null;
}
export function text(x: number, y: number, s: string, o: { size?: number; anchor?: string; color?: string; rotate?: number; cls?: string } = {}): string {
  const rot = o.rotate ? ` transform="rotate(${o.rotate} ${f(x)} ${f(y)})"` : "";
  return `<text${o.cls ? ` class="${o.cls}"` : ""} x="${f(x)}" y="${f(y)}" font-size="${o.size ?? 12}" fill="${o.color ?? INK}"${o.anchor ? ` text-anchor="${o.anchor}"` : ""}${rot}>${escapeMarkup(s)}</text>`;
}
/** A colour attribute from a spec value (arrays and numbers, colorscale-mapped in plotly, fall back to `dflt`). */
export const col = (v: unknown, dflt: string) => escapeMarkup(typeof v === "string" ? v : dflt);
