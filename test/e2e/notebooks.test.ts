/**
 * Every notebook executes headless at smoke scale (a type error or exception
 * in any cell fails), and its exported HTML report passes a reader's check in
 * Chromium with every request but the report file blocked (self-contained):
 * title, contents, folded code, the code-free variant, every plot drawn, size. Needs Jupyter + Chromium: skipped without them, unless
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
import { checkReport } from "../support/report-check";
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
    test(`${name} executes at smoke scale and its HTML report passes a reader's check in Chromium`, async () => {
      preconditions();
      const outDir = mkdtempSync(path.join(tmpdir(), "gn-report-"));
      // A fresh results folder, so the sweep really trains instead of loading earlier results.
      const { html } = executeNotebook(nb, { outDir, scale: "smoke", cellTimeout: 600, env: { GRADNOISE_RESULTS_DIR: path.join(outDir, "results") } });
      const shots = path.join(REPO, "reports", "screenshots");
      mkdirSync(shots, { recursive: true });
      // The reader's check (support/report-check.ts): title, contents, folded code and its toggle, the
      // code-free variant, outputs whole, every figure drawn, under 2.5 MB, with every request but the file blocked.
      const summary = await withChromium((b) => checkReport(b, html, name, { screenshot: path.join(shots, `${name}.png`) }));
      console.log(`# ${name} at smoke: ${summary.bytes} bytes (${summary.nocodeBytes} without code), ${summary.figures} figures, ${summary.folds} folded cells, ${summary.contents} contents entries`);
      assert.doesNotMatch(readFileSync(html, "utf8"), /In&nbsp;\[&nbsp;\]/, `${name}: unnumbered prompts in the report`);
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
