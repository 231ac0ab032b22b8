/**
 * Plotly figures as self-contained HTML. Reports must render offline, so the
 * plotly.js bundle is inlined (never fetched from a CDN), and only once per
 * page or notebook session: a report carries the ~10 MB bundle once, not per figure.
 */
import { readFileSync } from "fs";

export interface Figure {
  data: Record<string, unknown>[];
  layout?: Record<string, unknown>;
  config?: Record<string, unknown>;
}

let bundle: string | undefined;

/** The plotly.js-dist bundle's source. */
export function plotlyBundle(): string {
  if (bundle === undefined) {
    let file: string;
    try {
      file = require.resolve("plotly.js-dist");
    } catch {
      // An optional peer: library users who never draw a figure do not install it.
      throw new Error('drawing figures needs plotly.js-dist, an optional peer dependency of gradnoise: npm install plotly.js-dist@^4.1.1');
    }
    bundle = readFileSync(file, "utf8");
  }
  return bundle;
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
    `<script>window.define = window.__gnDefine;</script>\n`
  );
}

let figureCount = 0;

/** A div and the Plotly.newPlot call that fills it (the bundle must be on the page first). */
export function figureDiv(fig: Figure, opts: { id?: string; height?: number } = {}): string {
  const id = opts.id ?? `gn-fig-${process.pid}-${++figureCount}`;
  const height = opts.height ?? (fig.layout?.height as number | undefined) ?? 420;
  const json = (v: unknown) => JSON.stringify(v ?? {}).replace(/</g, "\\u003c");
  const layout = { margin: { t: 50, r: 20, b: 50, l: 60 }, ...fig.layout, height };
  const config = { responsive: true, displaylogo: false, ...fig.config };
  return (
    `<div id="${id}" class="gn-figure" style="width:100%;height:${height}px"></div>\n` +
    `<script>Plotly.newPlot(${JSON.stringify(id)}, ${json(fig.data)}, ${json(layout)}, ${json(config)});</script>\n`
  );
}

/** A whole HTML page holding `parts` (figures, tables, text) with the bundle inlined once. */
export function standalonePage(title: string, parts: string[]): string {
  const esc = title.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  return (
    `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${esc}</title>\n` +
    `<style>body{font-family:sans-serif;margin:16px;background:#fff}</style>\n${plotlyLoaderHtml()}</head>\n` +
    `<body>\n${parts.join("\n")}\n</body></html>\n`
  );
}
