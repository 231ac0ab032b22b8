/**
 * The static SVG image every figure's HTML carries (src/report/static-svg/):
 * well-formed for every registered experiment's figures, with what each trace
 * should draw; points where the data says; embedded by figureDiv; and, in
 * Chromium, shown with JavaScript off or after a sanitizer, gone once plotly
 * draws. The browser tests need Chromium: skipped without it, unless
 * GRADNOISE_REQUIRE_NOTEBOOKS=1 turns the skip into a failure.
 */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { before, describe, test } from "node:test";
import { findChromium, inspectFigures, withChromium } from "../../../src/cli/browser";
import { selectBackend } from "../../../src/engine";
import type { FigureBlock } from "../../../src/experiments";
import { experiments } from "../../../src/experiments/registry";
import { loadSweep, planSweep, runSweep } from "../../../src/experiments/sweep";
import { positionEncodingFigure } from "../../../src/sections/memn2n";
import { scheduleFigure } from "../../../src/sections/method";
import { Figure, figureDiv, standalonePage } from "../../../src/report/plotly";
import { escapeMarkup } from "../../../src/report/escape";
import { figureSvg, niceStep } from "../../../src/report/static-svg";
import { chromiumTool, needTools } from "../../support/tools";

type Trace = Record<string, unknown>;
const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v)) ? Number(v) : null);

/**
 * Every registered experiment's figures: from its committed cpu results where the repository has
 * them, else from its smoke sweep, trained here into a temporary file (seconds). figures() gets the
 * smoke config: memn2n's trains its attention demo from it (seconds instead of the cpu budget's
 * minutes); the others read only what both share.
 */
async function allFigures(): Promise<{ name: string; fig: Figure; height?: number }[]> {
  const out: { name: string; fig: Figure; height?: number }[] = [
    { name: "schedule (notebook 00)", fig: scheduleFigure([0.01, 0.3, 1], 100000) },
    { name: "position encoding (notebook 02)", fig: positionEncodingFigure(6, 20), height: 380 },
  ];
  for (const e of experiments()) {
    const plan = planSweep(e, "cpu");
    let records: unknown[] = loadSweep(plan, () => undefined);
    let config = plan.config;
    if (!records.length) {
      const smoke = { ...planSweep(e, "smoke"), file: path.join(mkdtempSync(path.join(tmpdir(), "gn-svg-")), `${e.id}-smoke.jsonl`) };
      await runSweep(smoke, { warn: () => undefined });
      [records, config] = [loadSweep(smoke, () => undefined), smoke.config];
    }
    const summary = e.summarize(records as never, config);
    const blocks: FigureBlock[] = await e.figures(records as never, summary, planSweep(e, "smoke").config);
    assert.ok(blocks.length > 0, `${e.id} draws no figures`);
    out.push(...blocks.map((b) => ({ name: `${e.id}/${b.name}`, fig: b.fig, height: b.height })));
  }
  return out;
}

/** Well-formed XML, checked by a tag stack: every tag closes in order, attributes quoted, text escaped, one root. */
function assertWellFormed(xml: string, what: string): void {
  const stack: string[] = [];
  let roots = 0;
  for (const m of xml.matchAll(/<[^>]*>|[^<]+/g)) {
    const tok = m[0];
    if (!tok.startsWith("<")) {
      assert.doesNotMatch(tok, /&(?!(amp|lt|gt|quot|apos|#\d+);)|>/, `${what}: unescaped text ${tok.slice(0, 40)}`);
      assert.ok(stack.length > 0 || !tok.trim(), `${what}: text outside the root`);
      continue;
    }
    const close = /^<\/([A-Za-z][\w:-]*)\s*>$/.exec(tok);
    if (close) {
      assert.equal(stack.pop(), close[1], `${what}: </${close[1]}> closes the wrong element`);
      continue;
    }
    const open = /^<([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<&]*(?:&(?:amp|lt|gt|quot|apos);[^"<&]*)*")*)\s*(\/?)>$/.exec(tok);
    assert.ok(open, `${what}: malformed tag ${tok.slice(0, 80)}`);
    if (stack.length === 0) roots++;
    if (!open[3]) stack.push(open[1]);
  }
  assert.deepEqual(stack, [], `${what}: unclosed elements`);
  assert.equal(roots, 1, `${what}: one root element`);
}

const count = (s: string, re: RegExp) => (s.match(re) ?? []).length;
const titleText = (t: unknown) => (typeof t === "string" ? t : (t as { text?: string } | undefined)?.text ?? "");
/** The [x, y] points of every gn-line path, in order. */
const linePoints = (svg: string) => [...svg.matchAll(/class="gn-line" d="([^"]+)"/g)].map((m) => [...m[1].matchAll(/[ML](-?[\d.]+) (-?[\d.]+)/g)].map((p) => [Number(p[1]), Number(p[2])]));
/** The plot area: the first clip rectangle. */
const plotArea = (svg: string) => {
  const m = /<clipPath id="[^"]+"><rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"/.exec(svg)!;
  const [x, y, w, h] = m.slice(1).map(Number);
  return { x0: x, x1: x + w, y0: y, y1: y + h };
};
const tickLabels = (svg: string, axis: string) =>
  [...(new RegExp(`<g class="gn-ticks" data-axis="${axis}">(.*?)</g>`).exec(svg)?.[1] ?? "").matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);

describe("static SVG of every registered experiment's figures", () => {
  let figs: { name: string; fig: Figure; height?: number }[] = [];
  before(async () => {
    await selectBackend({ backend: "wasm" });
    figs = await allFigures();
  });

  test("well-formed, one line per line trace and one rect per bar, titles shown, no NaN", () => {
    assert.ok(figs.length >= 10, `${figs.length} figures`);
    for (const { name, fig, height } of figs) {
      const svg = figureSvg(fig, { height });
      assertWellFormed(svg, name);
      assert.doesNotMatch(svg, /NaN|Infinity|undefined/, `${name}: NaN, Infinity or undefined in the SVG`);
      const data = fig.data.filter((t) => t.visible !== false) as Trace[];
      const drawable = (t: Trace) => {
        const ys = (t.y as unknown[]) ?? [], xs = (t.x as unknown[] | undefined) ?? ys.map((_, k) => k);
        return ys.some((y, k) => num(y) !== null && xs[k] !== null && xs[k] !== undefined);
      };
      const lines = data.filter((t) => (t.type ?? "scatter") === "scatter" && String(t.mode ?? "lines").includes("lines") && drawable(t));
      assert.equal(count(svg, /class="gn-line"/g), lines.length, `${name}: line paths`);
      const bars = data.filter((t) => t.type === "bar").reduce((n, t) => n + ((t.y as unknown[]) ?? []).filter((y) => num(y) !== null).length, 0);
      assert.equal(count(svg, /class="gn-bar"/g), bars, `${name}: bars`);
      const layout = fig.layout ?? {};
      const title = titleText(layout.title);
      if (title) assert.ok(svg.includes(`>${escapeMarkup(title)}</text>`), `${name}: the title`);
      for (const [k, ax] of Object.entries(layout)) {
        const at = /^[xy]axis\d*$/.test(k) ? titleText((ax as { title?: unknown }).title) : "";
        if (at) assert.ok(svg.includes(`>${escapeMarkup(at)}</text>`), `${name}: ${k} title "${at}"`);
      }
    }
  });
});

describe("static SVG geometry", () => {
  test("y = x over 0..10 runs from the plot area's lower left to its upper right, monotonically", () => {
    const x = Array.from({ length: 11 }, (_, i) => i);
    const svg = figureSvg({ data: [{ type: "scatter", mode: "lines", x, y: x }], layout: { title: "y = x" } });
    const [pts] = linePoints(svg), a = plotArea(svg);
    assert.equal(pts.length, 11);
    for (let i = 1; i < pts.length; i++) assert.ok(pts[i][0] > pts[i - 1][0] && pts[i][1] < pts[i - 1][1], `point ${i} moves right and up`);
    for (const [px, py] of pts) assert.ok(px >= a.x0 - 0.1 && px <= a.x1 + 0.1 && py >= a.y0 - 0.1 && py <= a.y1 + 0.1, `${px},${py} inside the plot area`);
    assert.ok(Math.abs(pts[0][0] - a.x0) < 1 && Math.abs(pts[10][0] - a.x1) < 1, "lines span the x axis exactly");
    assert.ok(pts[0][1] > (a.y0 + a.y1) / 2 && pts[10][1] < (a.y0 + a.y1) / 2);
  });

  test("null, NaN and non-finite values break the line; nothing non-finite reaches the SVG", () => {
    const svg = figureSvg({ data: [{ type: "scatter", mode: "lines+markers", x: [0, 1, 2, 3, 4, 5], y: [1, null, 2, NaN, Infinity, 3] }] });
    assert.equal(count(svg.match(/class="gn-line" d="([^"]+)"/)![1], /M/g), 3, "three pieces: 1 | 2 | 3");
    assert.equal(count(svg, /<circle /g), 3);
    assert.doesNotMatch(svg, /NaN|Infinity|undefined/);
  });

  test("a log axis puts 1, 10 and 100 equally apart, labelled at the decades", () => {
    const svg = figureSvg({ data: [{ type: "scatter", mode: "markers", x: [1, 10, 100], y: [1, 2, 3] }], layout: { xaxis: { type: "log" } } });
    const cx = [...svg.matchAll(/<circle cx="([\d.]+)"/g)].map((m) => Number(m[1]));
    assert.equal(cx.length, 3);
    assert.ok(Math.abs(cx[1] - cx[0] - (cx[2] - cx[1])) < 0.3, `spacing ${cx[1] - cx[0]} vs ${cx[2] - cx[1]}`);
    assert.deepEqual(tickLabels(svg, "x").filter((l) => ["1", "10", "100"].includes(l)), ["1", "10", "100"]);
    // A short log range adds 2 and 5 between the decades.
    const short = figureSvg({ data: [{ type: "scatter", mode: "lines", x: [1, 2, 3], y: [1, 30, 60] }], layout: { yaxis: { type: "log" } } });
    assert.deepEqual(tickLabels(short, "y"), ["1", "2", "5", "10", "20", "50"]);
  });

  test("linear ticks step by 1, 2 or 5 x 10^k", () => {
    for (const [lo, hi] of [[0, 0.73], [3, 987], [-0.02, 0.05], [120, 121.3], [0, 2.5]]) {
      const svg = figureSvg({ data: [{ type: "scatter", mode: "lines", x: [0, 1], y: [lo, hi] }] });
      const v = tickLabels(svg, "y").map(Number);
      assert.ok(v.length >= 3 && v.every(Number.isFinite), `[${lo}, ${hi}]: ${v}`);
      const step = v[1] - v[0];
      for (let i = 2; i < v.length; i++) assert.ok(Math.abs(v[i] - v[i - 1] - step) < step * 1e-6, `[${lo}, ${hi}]: uneven ${v}`);
      const mant = step / Math.pow(10, Math.floor(Math.log10(step) + 1e-9));
      assert.ok([1, 2, 5].some((m) => Math.abs(mant - m) < 1e-6), `[${lo}, ${hi}]: step ${step}`);
    }
    assert.deepEqual([niceStep(10, 5), niceStep(0.7, 5), niceStep(900, 4), niceStep(1, 10)], [2, 0.2, 500, 0.1]);
  });

  test("categories, grouped bars, error bars, subplots, shapes, annotations, a legend and empty figures", () => {
    const svg = figureSvg({
      data: [
        { type: "bar", name: "a", x: ["p", "q"], y: [1, 2] },
        { type: "bar", name: "b", x: ["p", "q"], y: [1.5, null] },
        { type: "scatter", mode: "markers", name: "c & <d>", x: ["p", "q"], y: [1, 2], error_y: { type: "data", symmetric: false, array: [0.2, 0.1], arrayminus: [0.1, 0.3] }, xaxis: "x2", yaxis: "y2" },
      ],
      layout: {
        barmode: "group", xaxis: { domain: [0, 0.45] }, xaxis2: { domain: [0.55, 1], anchor: "y2" }, yaxis2: { anchor: "x2" },
        shapes: [{ type: "line", xref: "x2", yref: "y2 domain", x0: "p", x1: "p", y0: 0, y1: 1 }], annotations: [{ text: "note", xref: "paper", yref: "paper", x: 0.5, y: 1, showarrow: false }],
      },
    });
    assertWellFormed(svg, "mixed");
    assert.equal(count(svg, /class="gn-bar"/g), 3);
    assert.ok(svg.includes("c &amp; &lt;d&gt;") && svg.includes(">note</text>"));
    assert.deepEqual(tickLabels(svg, "x"), ["p", "q"]);
    const empty = figureSvg({ data: [], layout: { title: { text: "nothing" } } });
    assertWellFormed(empty, "empty");
    assert.match(empty, />no data<\/text>/);
  });
});

describe("figureDiv embeds the static image", () => {
  test("an img whose data: URI decodes to figureSvg(fig), removed by draw() before Plotly.newPlot", () => {
    const fig = scheduleFigure([0.01, 1]);
    const html = figureDiv(fig, { id: "f" });
    const m = /<div id="f" class="gn-figure"[^>]*><img class="gn-static" alt="([^"]*)" style="[^"]*max-width:700px[^"]*" src="data:image\/svg\+xml;base64,([A-Za-z0-9+/=]+)"><\/div>/.exec(html);
    assert.ok(m, "the img sits inside the figure div");
    assert.equal(Buffer.from(m[2], "base64").toString("utf8"), figureSvg(fig));
    assert.equal(m[1], escapeMarkup(titleText(fig.layout!.title)));
    assert.match(html, /querySelectorAll\("\.gn-missing, \.gn-static"\)\.forEach\(function \(n\) \{ n\.remove\(\); \}\); Plotly\.newPlot/);
    assert.match(html, /insertAdjacentHTML\("afterbegin"/, "the missing-plotly note goes above the image");
  });
});

const tools = needTools("the static image in Chromium (unit/report/static-svg)", ["GRADNOISE_REQUIRE_NOTEBOOKS"], [chromiumTool(findChromium())]);
const skip = tools.skip;

describe("the static image in Chromium", { skip }, () => {
  let figs: { name: string; fig: Figure; height?: number }[] = [];
  const dir = mkdtempSync(path.join(tmpdir(), "gn-static-"));
  before(async () => {
    await selectBackend({ backend: "wasm" });
    figs = await allFigures();
  });
  const divs = () => figs.map((f, i) => figureDiv(f.fig, { id: `fig${i}`, height: f.height }));
  type Shown = { id: string; natural: number; w: number; h: number; visible: boolean };
  const images = (page: import("playwright-core").Page) =>
    page.$$eval("img.gn-static", (els) => els.map((e) => {
      const img = e as HTMLImageElement, r = img.getBoundingClientRect();
      return { id: img.parentElement?.id ?? "", natural: img.naturalWidth, w: r.width, h: r.height, visible: getComputedStyle(img).display !== "none" && r.width > 0 };
    }));
  const assertShown = (shown: Shown[], what: string) => {
    assert.equal(shown.length, figs.length, `${what}: one image per figure`);
    for (const s of shown) assert.ok(s.natural > 0 && s.w > 100 && s.h > 100 && s.visible, `${what}: ${figs[Number(s.id.slice(3))]?.name} shows ${JSON.stringify(s)}`);
  };

  test("with JavaScript disabled every figure shows its static image", async () => {
    tools.assertPresent();
    const file = path.join(dir, "page.html");
    writeFileSync(file, standalonePage("static", divs()));
    const shown = await withChromium(async (b) => {
      const page = await (await b.newContext({ javaScriptEnabled: false })).newPage();
      await page.goto(`file://${file}`, { waitUntil: "load" });
      return images(page);
    });
    assertShown(shown, "no JavaScript");
  });

  test("with JavaScript plotly draws every figure and no static image is left", async () => {
    const file = path.join(dir, "page.html");
    writeFileSync(file, standalonePage("static", divs()));
    const [drawn, left] = await withChromium(async (b) => {
      const page = await b.newPage();
      const d = await inspectFigures(page, `file://${file}`);
      return [d, (await images(page)).filter((s) => s.visible)] as const;
    });
    assert.equal(drawn.length, figs.length);
    for (const d of drawn) assert.ok(d.svgs >= 1, `${figs[Number(d.id.slice(3))].name}: plotly did not draw`);
    assert.deepEqual(left, [], "static images left beside plotly's figures");
  });

  test("after JupyterLab's sanitizer (scripts and svg dropped, img src kept) the images still show", async () => {
    // The two rules of JupyterLab's sanitizer (packages/apputils/src/sanitizer.ts) that matter here:
    // <script> and <svg> are not in its allowedTags, so they go; <img> with its src is allowed and its
    // src is not scheme-checked (allowedSchemesAppliedToAttributes leaves src out), so data: URIs stay.
    const sanitized = divs().map((h) => h.replace(/<script\b[\s\S]*?<\/script>/gi, "").replace(/<svg\b[\s\S]*?<\/svg>/gi, ""));
    for (const h of sanitized) assert.match(h, /<img class="gn-static"[^>]* src="data:image\/svg\+xml;base64,/);
    const file = path.join(dir, "sanitized.html");
    writeFileSync(file, `<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head><body>\n${sanitized.join("\n")}\n</body></html>\n`);
    const shown = await withChromium(async (b) => {
      const page = await b.newPage();
      await page.goto(`file://${file}`, { waitUntil: "load" });
      return images(page);
    });
    assertShown(shown, "sanitized");
  });
});
