/**
 * Small hand-drawn diagrams (boxes, arrows, labels) as standalone SVG, and
 * the markdown that shows one inline: a data URI, so it needs no file, no
 * network and no trust (a notebook output, an exported report, offline).
 */
import { escapeMarkup } from "./escape";

/** An SVG drawing as a markdown image (base64 data URI). */
export function svgMarkdown(svg: string, alt = "diagram"): string {
  return `![${alt.replace(/[[\]]/g, "")}](data:image/svg+xml;base64,${Buffer.from(svg, "utf8").toString("base64")})`;
}

const FONT = `font-family="sans-serif"`;

/** A rounded box with centred lines of text (lines split on "\n"). */
export function svgBox(x: number, y: number, w: number, h: number, label: string, fill = "#f5f5f5", fontSize = 12): string {
  const lines = label.split("\n");
  return `<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="6" fill="${fill}" stroke="#333"/>` +
    lines.map((l, i) => `<text x="${x + w / 2}" y="${y + h / 2 + (i - (lines.length - 1) / 2) * (fontSize + 3) + fontSize / 3}" text-anchor="middle" font-size="${fontSize}" ${FONT}>${escapeMarkup(l)}</text>`).join("");
}

/** Left-aligned text at (x, y). */
export function svgText(x: number, y: number, text: string, fontSize = 11, fill = "#444", anchor: "start" | "middle" | "end" = "start"): string {
  return `<text x="${x}" y="${y}" font-size="${fontSize}" fill="${fill}" text-anchor="${anchor}" ${FONT}>${escapeMarkup(text)}</text>`;
}

/** An arrow from (x1, y1) to (x2, y2). */
export function svgArrow(x1: number, y1: number, x2: number, y2: number, color = "#333"): string {
  return `<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="${color}" marker-end="url(#arrow)"/>`;
}

/** The whole drawing: its size, the arrowhead marker, and the parts. */
export function svgDrawing(width: number, height: number, parts: readonly string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker></defs>`,
    ...parts,
    `</svg>`,
  ].join("");
}
