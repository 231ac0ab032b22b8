/**
 * JupyterLab's own output rendering, in Chromium, for notebook outputs.
 *
 * JupyterLab's Python server is not installable here, but what draws a
 * notebook's outputs is front-end code published on npm: @jupyterlab/outputarea
 * (one OutputArea per code cell), @jupyterlab/rendermime (the standard renderer
 * factories) and @jupyterlab/apputils (the Sanitizer applied to untrusted HTML).
 * jupyterlab-outputs.entry.mjs wires them the way a notebook does; esbuild bundles
 * it into build/jupyterlab-outputs/ at test time (nothing bundled is committed).
 *
 * (npm test hands node --test build/test/unit, sections and e2e, not
 * build/test/support/: this helper defines no tests and is only imported.)
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import type { Page } from "playwright-core";
import { REPO } from "../../src/cli/jupyter";

/** One nbformat v4 output, as stored in an .ipynb file. */
export interface NbOutput {
  output_type: string;
  data?: Record<string, unknown>;
  text?: string | string[];
  [key: string]: unknown;
}

export interface RenderedImage {
  className: string;
  /** The first 40 characters of src. */
  src: string;
  naturalWidth: number;
  naturalHeight: number;
  /** Laid-out size in CSS pixels. */
  width: number;
  height: number;
}

export interface RenderedOutput {
  /** Index among the code cells passed in, and of the output within its cell (consecutive stream outputs merge, as in JupyterLab). */
  cell: number;
  index: number;
  outputType: string;
  mimeTypes: string[];
  /** The mime type JupyterLab renders: rendermime.preferredMimeType(data, trusted ? "any" : "ensure"). */
  mime: string | null;
  /** The rendered node's data-mime-type (differs from `mime` only when rendering failed). */
  renderedMime: string | null;
  /** The output node's HTML, script bodies replaced by their length. */
  html: string;
  /** <script> elements left in the output (the sanitizer removes them when untrusted). */
  scripts: number;
  tables: number;
  images: RenderedImage[];
  /** Plotly drew here (an svg.main-svg). */
  plotlyDrawn: boolean;
  traces: number;
}

export interface JupyterLabRender {
  trusted: boolean;
  /** window.Plotly exists: some script ran (the bundle output's). */
  plotlyLoaded: boolean;
  /** Requests the page tried to make (all blocked: the outputs must be self-contained). */
  requests: string[];
  outputs: RenderedOutput[];
}

const PACKAGES = ["@jupyterlab/outputarea", "@jupyterlab/rendermime", "@jupyterlab/apputils"] as const;

/** The installed versions of the JupyterLab packages the harness uses. */
export function jupyterLabVersions(): Record<string, string> {
  return Object.fromEntries(
    PACKAGES.map((p) => [p, (JSON.parse(readFileSync(path.join(REPO, "node_modules", p, "package.json"), "utf8")) as { version: string }).version]),
  );
}

let bundled: Promise<{ js: string; css: string }> | undefined;

/** Bundles the browser entry (once per process) into build/jupyterlab-outputs/. */
export function bundleJupyterLabOutputs(): Promise<{ js: string; css: string }> {
  bundled ??= (async () => {
    const entry = path.join(REPO, "test", "support", "jupyterlab-outputs.entry.mjs");
    const outdir = path.join(REPO, "build", "jupyterlab-outputs");
    mkdirSync(outdir, { recursive: true });
    // A dev dependency: loaded only when a test asks for the harness.
    const esbuild = await import("esbuild");
    await esbuild.build({
      entryPoints: { bundle: entry },
      bundle: true,
      format: "iife",
      platform: "browser",
      outdir,
      loader: { ".svg": "dataurl" }, // icons referenced by JupyterLab's CSS
      logLevel: "error",
    });
    const js = path.join(outdir, "bundle.js");
    const css = path.join(outdir, "bundle.css");
    if (!existsSync(js) || !existsSync(css)) throw new Error(`esbuild did not write ${js} and ${css}`);
    return { js, css };
  })();
  return bundled;
}

const isJsonMime = (m: string) => m === "application/json" || (m.startsWith("application/") && m.endsWith("+json"));
const joined = (v: unknown) => (Array.isArray(v) && v.every((l) => typeof l === "string") ? v.join("") : v);

/**
 * The outputs of each code cell of an .ipynb file, as JupyterLab receives
 * them: its server reads notebooks with nbformat, which joins multiline strings
 * (stream text, non-JSON mime data) that the file stores as lists of lines.
 * JupyterLab's front end does not join them itself: an HTML output passed as a
 * list would be rendered as the list's comma-joined toString.
 */
export function notebookOutputs(file: string): NbOutput[][] {
  const nb = JSON.parse(readFileSync(file, "utf8")) as { cells: { cell_type: string; outputs?: NbOutput[] }[] };
  return nb.cells
    .filter((c) => c.cell_type === "code")
    .map((c) =>
      (c.outputs ?? []).map((o) => ({
        ...o,
        ...(o.text !== undefined ? { text: joined(o.text) as string } : {}),
        ...(o.data ? { data: Object.fromEntries(Object.entries(o.data).map(([k, v]) => [k, isJsonMime(k) ? v : joined(v)])) } : {}),
      })),
    );
}

/**
 * Renders `cells` (each code cell's outputs, in order) in a fresh page as a
 * JupyterLab notebook would, trusted or not, with every network request
 * blocked; waits until images have loaded and, if trusted, plotly has drawn
 * every figure (or `timeoutMs` passed), then reports each output.
 */
export async function renderOutputsInJupyterLab(
  page: Page,
  cells: NbOutput[][],
  opts: { trusted: boolean; timeoutMs?: number },
): Promise<JupyterLabRender> {
  const { js, css } = await bundleJupyterLabOutputs();
  const requests: string[] = [];
  await page.route("**/*", (route) => {
    requests.push(route.request().url());
    return route.abort();
  });
  await page.setContent(`<!DOCTYPE html><html><head><meta charset="utf-8"><style>${readFileSync(css, "utf8")}</style></head><body></body></html>`);
  await page.addScriptTag({ content: readFileSync(js, "utf8") });
  await page.evaluate(([c, trusted]) => (window as unknown as { gnJupyterLab: { render(c: unknown, t: boolean): number } }).gnJupyterLab.render(c, trusted), [cells, opts.trusted] as const);
  await page
    .waitForFunction(() => (window as unknown as { gnJupyterLab: { ready(): boolean } }).gnJupyterLab.ready(), undefined, { timeout: opts.timeoutMs ?? 30000 })
    .catch(() => undefined); // report whatever rendered; callers assert
  const seen = await page.evaluate(() => (window as unknown as { gnJupyterLab: { inspect(): Omit<JupyterLabRender, "trusted" | "requests"> } }).gnJupyterLab.inspect());
  return { trusted: opts.trusted, requests, ...seen };
}
