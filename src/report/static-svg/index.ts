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
 *
 * layout.ts lays the figure out (axes.ts places and ticks the axes over the
 * ranges data.ts finds in the traces); draw.ts then draws it part by part.
 */
import type { Figure } from "../figure";
import { escapeMarkup } from "../escape";
import { num, titleOf } from "./common";
import { Ctx, drawAnnotations, drawAxes, drawColorbar, drawGrid, drawLegend, drawNoData, drawShapes, drawTitle, drawTraces } from "./draw";
import { layoutFigure } from "./layout";

export { formatNumber, niceStep } from "./axes";
export { FIGURE_MARGIN } from "./layout";

/** The figure as an SVG document: `width` defaults to 700 px, `height` to layout.height or 420 px. */
export function figureSvg(fig: Figure, opts: { width?: number; height?: number } = {}): string {
  const c: Ctx = { ...layoutFigure(fig, opts), out: [], defs: [], clips: new Map() };
  // In stacking order: grid under the traces, then shapes, tick labels, annotations, colorbar, legend, title.
  drawGrid(c);
  const drawn = drawTraces(c);
  drawShapes(c);
  drawAxes(c);
  drawAnnotations(c);
  drawColorbar(c);
  if (!drawn) drawNoData(c);
  drawLegend(c);
  drawTitle(c);
  const { W, H, defs, out } = c;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="'Open Sans', verdana, arial, sans-serif">` +
    `<rect width="${W}" height="${H}" fill="#fff"/>${defs.length ? `<defs>${defs.join("")}</defs>` : ""}${out.join("")}</svg>`
  );
}

/** The figure's static image for HTML: an <img> with the SVG inlined as base64, alt text the figure's title. */
export function staticImageHtml(fig: Figure, opts: { width?: number; height?: number } = {}): string {
  const width = opts.width ?? num(fig.layout?.width) ?? 700;
  const svg = figureSvg(fig, { ...opts, width });
  const alt = titleOf(fig.layout?.title) || "figure";
  return `<img class="gn-static" alt="${escapeMarkup(alt)}" style="display:block;width:100%;max-width:${width}px;height:auto" src="data:image/svg+xml;base64,${Buffer.from(svg, "utf8").toString("base64")}">`;
}
