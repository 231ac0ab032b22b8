/**
 * Every notebook executes headless at smoke scale (a type error or exception
 * in any cell fails), and its exported HTML report really draws its plots in
 * Chromium with every request but the report file blocked (self-contained). Needs Jupyter + Chromium: skipped without them, unless
 * GRADNOISE_REQUIRE_NOTEBOOKS=1 (set by .ci/run) turns the skip into a failure.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, test } from "node:test";
import { findChromium, inspectFigures, withChromium } from "../../src/cli/browser";
import { executeNotebook, findJupyterPython, listNotebooks, REPO } from "../../src/cli/jupyter";
import { figureDiv, standalonePage } from "../../src/report/plotly";
import { scheduleFigure } from "../../src/sections/method";
import { chromiumTool, jupyterTool, needTools } from "../support/tools";

const tools = needTools("the notebook reports (e2e/notebooks)", ["GRADNOISE_REQUIRE_NOTEBOOKS"], [jupyterTool(findJupyterPython()), chromiumTool(findChromium())]);
const skip = tools.skip;
const preconditions = tools.assertPresent;

describe("reports", { skip }, () => {
  test("a standalone page with the inlined plotly bundle renders offline", async () => {
    preconditions();
    const dir = mkdtempSync(path.join(tmpdir(), "gn-page-"));
    const file = path.join(dir, "page.html");
    writeFileSync(file, standalonePage("t", [figureDiv(scheduleFigure([0.01, 1]), { id: "f1" })]));
    const figs = await withChromium(async (b) => inspectFigures(await b.newPage(), `file://${file}`));
    assert.deepEqual(figs, [{ id: "f1", svgs: figs[0]?.svgs, traces: 2 }]);
    assert.ok(figs[0].svgs >= 1);
  });

  for (const nb of listNotebooks()) {
    const name = path.basename(nb, ".ipynb");
    test(`${name} executes at smoke scale and its HTML report draws every plot in Chromium`, async () => {
      preconditions();
      const outDir = mkdtempSync(path.join(tmpdir(), "gn-report-"));
      // A fresh results folder, so the sweep really trains instead of loading earlier results.
      const { html } = executeNotebook(nb, { outDir, scale: "smoke", cellTimeout: 600, env: { GRADNOISE_RESULTS_DIR: path.join(outDir, "results") } });
      const shots = path.join(REPO, "reports", "screenshots");
      mkdirSync(shots, { recursive: true });
      // Self-contained: every request but the report file itself is blocked (and recorded).
      const blocked: string[] = [];
      const figs = await withChromium(async (b) => {
        const page = await b.newPage({ viewport: { width: 1200, height: 900 } });
        await page.route("**/*", (route) => {
          if (route.request().url() === `file://${html}`) return route.continue();
          blocked.push(route.request().url());
          return route.abort();
        });
        const f = await inspectFigures(page, `file://${html}`);
        await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
        return f;
      });
      assert.deepEqual(blocked, [], `${name}: the report requested other files`);
      assert.doesNotMatch(readFileSync(html, "utf8"), /In&nbsp;\[&nbsp;\]/, `${name}: unnumbered prompts in the report`);
      assert.ok(figs.length >= 1, `${name}: no figure divs in the report`);
      for (const f of figs) {
        assert.ok(f.svgs >= 1, `${name}: figure ${f.id} has no plotly SVG`);
        assert.ok(f.traces >= 1, `${name}: figure ${f.id} drew no traces`);
      }
    });
  }

  test("a notebook with a TypeScript type error fails headless execution", () => {
    preconditions();
    const dir = mkdtempSync(path.join(tmpdir(), "gn-bad-"));
    const nb = path.join(dir, "bad.ipynb");
    writeFileSync(nb, JSON.stringify({
      nbformat: 4, nbformat_minor: 5,
      metadata: { kernelspec: { name: "gradnoise", display_name: "TypeScript (gradnoise)", language: "typescript" } },
      cells: [{ cell_type: "code", id: "c1", metadata: {}, execution_count: null, outputs: [], source: 'const n: number = "not a number";' }],
    }));
    assert.throws(() => executeNotebook(nb, { outDir: dir, scale: "smoke", cellTimeout: 120 }), /executing .*bad\.ipynb at scale smoke failed/);
  });
});
