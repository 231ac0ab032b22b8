/**
 * Reports inline plotly's cartesian bundle (1.5 MB, not the full 4.8 MB), so
 * every trace type we draw must be one it registers: the committed figures,
 * the types the static renderer draws, and any trace type named in src/.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { REPO } from "../../../src/cli/jupyter";
import { assertDrawable, plotlyBundleInfo, registeredTraceTypes } from "../../../src/report/plotly";

const cartesian = plotlyBundleInfo();
const full = registeredTraceTypes(readFileSync(require.resolve("plotly.js-dist-min"), "utf8"));

test("the report inlines plotly's cartesian bundle, which registers scatter, bar and heatmap", () => {
  assert.equal(cartesian.name, "plotly.js-cartesian-dist-min");
  for (const t of ["scatter", "bar", "heatmap"]) assert.ok(cartesian.traces.has(t), `the cartesian bundle lacks ${t}`);
  assert.ok(full.size > cartesian.traces.size + 10, `the full bundle's registrations are read too (${full.size})`);
  assert.ok(!cartesian.traces.has("scatter3d"));
});

test("every trace of the committed figures (figures/*.json) is a type the bundle draws", () => {
  const files = readdirSync(path.join(REPO, "figures")).filter((f) => f.endsWith(".json") && f !== "manifest.json");
  assert.ok(files.length > 0);
  for (const f of files) {
    const fig = JSON.parse(readFileSync(path.join(REPO, "figures", f), "utf8")) as { data: { type?: string }[] };
    for (const t of fig.data) assert.ok(cartesian.traces.has(t.type ?? "scatter"), `${f}: trace type ${t.type} is not in ${cartesian.name}`);
  }
});

test("every plotly trace type named in src/ is in the bundle", () => {
  const named = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith(".ts")) for (const m of readFileSync(p, "utf8").matchAll(/\btype\s*(?::|===|==)\s*["']([a-z0-9]+)["']/g)) if (full.has(m[1])) named.set(m[1], path.relative(REPO, p));
    }
  };
  walk(path.join(REPO, "src"));
  assert.ok(named.has("scatter") && named.has("heatmap"), `found ${[...named.keys()]}`);
  for (const [t, where] of named) assert.ok(cartesian.traces.has(t), `${where} draws "${t}", which ${cartesian.name} lacks`);
});

test("a figure with a trace type the bundle lacks is refused with a named error, not drawn blank", () => {
  assert.throws(() => assertDrawable({ data: [{ type: "scatter3d", x: [1], y: [1], z: [1] }] }), /plotly trace type "scatter3d" is not in plotly\.js-cartesian-dist-min/);
  assert.doesNotThrow(() => assertDrawable({ data: [{ x: [1], y: [1] }, { type: "heatmap", z: [[1]] }] }));
});
