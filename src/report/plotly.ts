/**
 * Plotly figures as self-contained HTML. Reports must render offline, so the
 * plotly.js bundle is inlined (never fetched from a CDN), and only once per
 * page or notebook session: a report carries the bundle once, not per figure.
 * Each figure's div also holds a static SVG image of it (static-svg/), shown
 * where scripts never run (untrusted JupyterLab outputs, nbviewer, viewers
 * without JavaScript) and removed when plotly draws.
 */
import { readFileSync } from "fs";
import { escapeMarkup } from "./escape";
import type { Figure } from "./figure";
import { readableLogAxes } from "./log-axes";
import { FIGURE_MARGIN, staticImageHtml } from "./static-svg";

export type { Figure } from "./figure";

/**
 * The bundles we can inline, smallest first. The cartesian build (1.5 MB)
 * holds every trace type we draw (scatter, bar, heatmap); the full builds
 * (4.8 MB minified, 10 MB not) are what a library user may have instead.
 */
export const PLOTLY_BUNDLES = ["plotly.js-cartesian-dist-min", "plotly.js-dist-min", "plotly.js-dist"] as const;

let bundle: { name: string; source: string; traces: Set<string> } | undefined;

function loadBundle(): NonNullable<typeof bundle> {
  if (bundle === undefined) {
    for (const name of PLOTLY_BUNDLES) {
      let file: string;
      try {
        file = require.resolve(name);
      } catch {
        continue;
      }
      const source = readFileSync(file, "utf8");
      bundle = { name, source, traces: registeredTraceTypes(source) };
      return bundle;
    }
    // An optional peer: library users who never draw a figure do not install it.
    throw new Error(`drawing figures needs plotly.js, an optional peer dependency of gradnoise: npm install plotly.js-cartesian-dist-min@^4.1.1 (or plotly.js-dist-min)`);
  }
  return bundle;
}

/** The trace types a plotly.js bundle registers (each trace module declares `moduleType:"trace",name:"..."`). */
export function registeredTraceTypes(source: string): Set<string> {
  return new Set([...source.matchAll(/moduleType\s*:\s*["']trace["']\s*,\s*name\s*:\s*["']([a-z0-9]+)["']/g)].map((m) => m[1]));
}

/** The plotly.js bundle's source: the first of PLOTLY_BUNDLES installed. */
export function plotlyBundle(): string {
  return loadBundle().source;
}

/** Which of PLOTLY_BUNDLES is inlined, and the trace types it can draw. */
export function plotlyBundleInfo(): { name: string; traces: ReadonlySet<string> } {
  const b = loadBundle();
  return { name: b.name, traces: b.traces };
}

/**
 * Refuses a figure the inlined bundle cannot draw: plotly.js would only warn
 * in the browser console and leave the plot empty.
 */
export function assertDrawable(fig: Figure): void {
  const { name, traces } = plotlyBundleInfo();
  if (traces.size === 0) return; // a build whose registrations we cannot read: let plotly decide
  const missing = [...new Set((fig.data ?? []).map((t) => String((t as { type?: unknown }).type ?? "scatter")))].filter((t) => !traces.has(t));
  if (missing.length) {
    throw new Error(`plotly trace type ${missing.map((t) => `"${t}"`).join(", ")} is not in ${name} (it has ${[...traces].join(", ")}); install plotly.js-dist-min and uninstall ${name}, or draw another type`);
  }
}

/**
 * A script that defines window.Plotly. The bundle is UMD: where require.js is
 * on the page (classic Jupyter templates) it would register an AMD module and
 * leave window.Plotly undefined, so `define` is hidden while it runs.
 * "</script" inside the bundle's strings would end the tag early: escape it.
 */
export function plotlyLoaderHtml(): string {
  const src = plotlyBundle().replace(/<\/script/gi, "<\\/script");
  return (
    `<script>window.__gnDefine = window.define; window.define = undefined;</script>\n` +
    `<script>${src}</script>\n` +
    // Figures whose script ran before the bundle (out-of-order outputs) queued themselves: draw them now.
    `<script>window.define = window.__gnDefine; (window.__gnPending || []).splice(0).forEach(function (f) { f(); });</script>\n`
  );
}

/** Shown in a figure's place while plotly.js is missing from the page (no bundle output above it). */
export const MISSING_PLOTLY_NOTE = "plotly.js is not loaded on this page: run the notebook's first code cell (it calls lab.report.initNotebook()), then this cell.";

let figureCount = 0;

/**
 * A div and the Plotly.newPlot call that fills it (the bundle must be on the page first). Until
 * plotly draws, the div shows the figure's static image: plotly.js would draw beside it, so draw()
 * removes it first.
 */
export function figureDiv(spec: Figure, opts: { id?: string; height?: number } = {}): string {
  assertDrawable(spec);
  const fig = readableLogAxes(spec);
  const id = opts.id ?? `gn-fig-${process.pid}-${++figureCount}`;
  const height = opts.height ?? (fig.layout?.height as number | undefined) ?? 420;
  const json = (v: unknown) => JSON.stringify(v ?? {}).replace(/</g, "\\u003c");
  const layout = { margin: FIGURE_MARGIN, ...fig.layout, height };
  const config = { responsive: true, displaylogo: false, ...fig.config };
  // Draws at once when plotly.js is on the page, else waits in a queue the bundle flushes; after 3 s
  // without it the div says how to get it, above the static image (a notebook saved without its bundle output, issue 11).
  const draw =
    `(function () { var id = ${JSON.stringify(id)};` +
    ` function draw() { var el = document.getElementById(id); if (!el) return; el.querySelectorAll(".gn-missing, .gn-static").forEach(function (n) { n.remove(); });` +
    ` Plotly.newPlot(el, ${json(fig.data)}, ${json(layout)}, ${json(config)}); }` +
    ` if (window.Plotly) draw(); else { (window.__gnPending = window.__gnPending || []).push(draw);` +
    ` setTimeout(function () { var el = document.getElementById(id); if (!window.Plotly && el && !el.querySelector(".gn-missing"))` +
    ` el.insertAdjacentHTML("afterbegin", ${json(`<p class="gn-missing" style="color:#a00">${MISSING_PLOTLY_NOTE}</p>`)}); }, 3000); } })();`;
  return `<div id="${id}" class="gn-figure" style="width:100%;height:${height}px">${staticImageHtml(fig, { height })}</div>\n<script>${draw}</script>\n`;
}

/** The figure as plotly's own mime bundle (application/vnd.plotly.v1+json), which JupyterLab's plotly extension renders without scripts. */
export function plotlyMimeData(spec: Figure, opts: { height?: number } = {}): { data: unknown; layout: unknown; config: unknown } {
  const fig = readableLogAxes(spec);
  const height = opts.height ?? (fig.layout?.height as number | undefined) ?? 420;
  return { data: fig.data, layout: { margin: FIGURE_MARGIN, ...fig.layout, height }, config: { displaylogo: false, ...fig.config } };
}

/** A whole HTML page holding `parts` (figures, tables, text) with the bundle inlined once. */
export function standalonePage(title: string, parts: string[]): string {
  const esc = escapeMarkup(title);
  return (
    `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${esc}</title>\n` +
    `<style>body{font-family:sans-serif;margin:16px;background:#fff}</style>\n${plotlyLoaderHtml()}</head>\n` +
    `<body>\n${parts.join("\n")}\n</body></html>\n`
  );
}
