/**
 * Log axes label decades, or 1-2-5, or round values under a decade: never
 * every digit. What plotly.js is given (the figure's div and its mime bundle)
 * and the static SVG image agree, and an axis that sets its own ticks is left alone.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Figure } from "../../../src/report/figure";
import { logTicks, readableLogAxes } from "../../../src/report/log-axes";
import { figureDiv, plotlyMimeData } from "../../../src/report/plotly";
import { figureSvg } from "../../../src/report/static-svg";

const tickLabels = (svg: string, axis: string) =>
  [...(new RegExp(`<g class="gn-ticks" data-axis="${axis}">(.*?)</g>`).exec(svg)?.[1] ?? "").matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
const line = (x: number[], y: number[], axes: Record<string, unknown> = {}): Figure => ({ data: [{ type: "scatter", mode: "lines", x, y, ...axes }], layout: {} });

test("the ticks follow the span: decades past 2 decades, 1-2-5 below, round values under a decade", () => {
  assert.deepEqual(logTicks(0, 5), { dtick: 1 });
  assert.deepEqual(logTicks(Math.log10(0.002), Math.log10(0.1)), { dtick: "D2" });
  assert.deepEqual(logTicks(Math.log10(300), Math.log10(420)), { tickvals: [300, 350, 400] });
});

test("every log axis without ticks of its own gets them, subplots included; the input is unchanged", () => {
  const fig: Figure = {
    data: [{ type: "scatter", x: [1, 100000], y: [0.1, 0.0031] }, { type: "scatter", x: [1, 2], y: [310, 415], xaxis: "x2", yaxis: "y2" }],
    layout: { xaxis: { type: "log" }, yaxis: { type: "log" }, xaxis2: { type: "log", dtick: 0.5 }, yaxis2: { type: "log" } },
  };
  const out = readableLogAxes(fig).layout!;
  assert.equal((out.xaxis as { dtick: unknown }).dtick, 1);
  assert.equal((out.yaxis as { dtick: unknown }).dtick, "D2");
  assert.equal((out.xaxis2 as { dtick: unknown }).dtick, 0.5, "its own dtick is kept");
  assert.deepEqual((out.yaxis2 as { tickvals: unknown }).tickvals, [350, 400]);
  assert.equal((fig.layout!.xaxis as { dtick?: unknown }).dtick, undefined);
  // Error bars count: points over 1.5 decades whose bars reach 3 get decades.
  const bars = readableLogAxes({ data: [{ x: [0, 1], y: [100, 3000], error_y: { type: "data", array: [0, 20000], arrayminus: [50, 0] } }], layout: { yaxis: { type: "log" } } }).layout!;
  assert.equal((bars.yaxis as { dtick: unknown }).dtick, 1);
  // A set range wins over the data (plotly's log range is in log10 units).
  const ranged = readableLogAxes({ data: [{ x: [1, 2], y: [1, 2] }], layout: { yaxis: { type: "log", range: [-3, 1] } } }).layout!;
  assert.equal((ranged.yaxis as { dtick: unknown }).dtick, 1);
});

test("plotly.js and the static image get the same readable ticks", () => {
  // sigma_t over 100,000 updates: five decades of x, 1.5 of y (Eq. 1's figure).
  const t = Array.from({ length: 50 }, (_, i) => Math.round(Math.pow(100000, i / 49)));
  const fig: Figure = { data: [{ type: "scatter", mode: "lines", x: t, y: t.map((s) => Math.sqrt(0.01 / Math.pow(s, 0.55))) }], layout: { xaxis: { type: "log" }, yaxis: { type: "log" } } };
  const mime = plotlyMimeData(fig) as { layout: Record<string, { dtick?: unknown }> };
  assert.equal(mime.layout.xaxis.dtick, 1);
  assert.equal(mime.layout.yaxis.dtick, "D2");
  assert.match(figureDiv(fig), /"xaxis":\{"type":"log","dtick":1\}/);
  const svg = figureSvg(readableLogAxes(fig), { height: 420 });
  const x = tickLabels(svg, "x");
  assert.ok(x.length >= 3 && x.every((l) => /^10*$|^100k$|^\d+k?$/.test(l)), `x labels: ${x}`);
  assert.ok(x.every((l) => Number(l.replace("k", "000")) % 10 === 0 || l === "1"), `x labels only at decades: ${x}`);
  const y = tickLabels(svg, "y").map(Number);
  assert.ok(y.length >= 3 && y.every((v) => [1, 2, 5].includes(Number((v / Math.pow(10, Math.floor(Math.log10(v) + 1e-9))).toFixed(6)))), `y labels 1-2-5 only: ${y}`);
  // Under a decade: the round tickvals, labelled as values.
  assert.deepEqual(tickLabels(figureSvg(readableLogAxes({ ...line([0, 1], [310, 415]), layout: { yaxis: { type: "log" } } })), "y"), ["350", "400"]);
});
