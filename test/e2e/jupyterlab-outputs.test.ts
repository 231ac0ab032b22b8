/**
 * A notebook's saved outputs as JupyterLab itself renders them: its output
 * area and renderers from npm (@jupyterlab/outputarea, rendermime, apputils'
 * Sanitizer; test/support/jupyterlab-outputs.ts) in Chromium, on the outputs
 * of a notebook executed headless at smoke scale.
 *
 * - Trusted (reopening a notebook you executed and saved: JupyterLab signed it
 *   and trusts it again): the bundle output's script loads plotly, and every
 *   figure's script draws it.
 * - Untrusted (a notebook from elsewhere, e.g. a clone of this repository):
 *   the sanitizer strips every <script> (and <svg>), so no figure can draw;
 *   each must still show its static image (the data: URL <img class="gn-static">
 *   inside the figure's HTML), and tables still show.
 *
 * Not covered: the Python server (contents, signatures, kernels) and
 * labextensions such as jupyterlab-plotly, whose renderer for
 * application/vnd.plotly.v1+json would take precedence over text/html.
 *
 * One notebook by default (00-method, the cheapest to execute); set
 * GRADNOISE_JUPYTERLAB_NOTEBOOKS=all (or comma-separated name prefixes) for
 * more. Needs Jupyter + Chromium: skipped without them, unless
 * GRADNOISE_REQUIRE_NOTEBOOKS=1 (set by .ci/run) turns the skip into a failure.
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { before, describe, test } from "node:test";
import { findChromium, withChromium } from "../../src/cli/browser";
import { executeNotebook, findJupyterPython, listNotebooks } from "../../src/cli/jupyter";
import { chromiumTool, jupyterTool, needTools } from "../support/tools";
import { jupyterLabVersions, notebookOutputs, type NbOutput, renderOutputsInJupyterLab, type RenderedOutput } from "../support/jupyterlab-outputs";

const PLOTLY_MIME = "application/vnd.plotly.v1+json";
const tools = needTools("notebook outputs in JupyterLab's output area (e2e/jupyterlab-outputs)", ["GRADNOISE_REQUIRE_NOTEBOOKS"], [jupyterTool(findJupyterPython()), chromiumTool(findChromium())]);
const skip = tools.skip;

const wanted = (process.env.GRADNOISE_JUPYTERLAB_NOTEBOOKS ?? "00").split(",").map((s) => s.trim()).filter(Boolean);
const chosen = listNotebooks().filter((nb) => wanted.includes("all") || wanted.some((w) => path.basename(nb).startsWith(w)));

const sourceHtml = (cells: NbOutput[][], o: RenderedOutput) => String(cells[o.cell][o.index]?.data?.["text/html"] ?? "");
const isFigure = (o: RenderedOutput) => o.mimeTypes.includes(PLOTLY_MIME);

test("the chosen notebooks exist", () => assert.ok(chosen.length > 0, `GRADNOISE_JUPYTERLAB_NOTEBOOKS=${wanted.join(",")} matches no notebook`));

for (const nb of chosen) {
  const name = path.basename(nb, ".ipynb");
  describe(`${name}'s outputs in JupyterLab's output area (${Object.entries(jupyterLabVersions()).map(([p, v]) => `${p.replace("@jupyterlab/", "")} ${v}`).join(", ")})`, { skip }, () => {
    let cells: NbOutput[][] = [];
    before(() => {
      tools.assertPresent();
      const outDir = mkdtempSync(path.join(tmpdir(), "gn-jupyterlab-"));
      executeNotebook(nb, { outDir, scale: "smoke", cellTimeout: 600, keepNotebook: true, env: { GRADNOISE_RESULTS_DIR: path.join(outDir, "results") } });
      cells = notebookOutputs(path.join(outDir, `${name}.ipynb`));
    });

    const render = (trusted: boolean) =>
      withChromium(async (b) => renderOutputsInJupyterLab(await b.newPage({ viewport: { width: 1200, height: 900 } }), cells, { trusted }));

    const checkTables = (outputs: RenderedOutput[]) => {
      const tables = outputs.filter((o) => /<table/.test(sourceHtml(cells, o)));
      assert.ok(tables.length >= 1, `${name}: no table outputs`);
      for (const t of tables) {
        assert.equal(t.mime, "text/html", `${name}: table in cell ${t.cell} rendered as ${t.mime}`);
        assert.ok(t.tables >= 1, `${name}: table in cell ${t.cell} shows no <table>`);
      }
    };

    test("trusted (a notebook you saved, reopened): the bundle loads plotly and every figure draws", async (t) => {
      const r = await render(true);
      assert.deepEqual(r.requests, [], `${name}: the outputs requested other files`);
      const figs = r.outputs.filter(isFigure);
      assert.ok(figs.length >= 1, `${name}: no figure outputs`);
      // standardRendererFactories has no renderer for application/vnd.plotly.v1+json (that is the
      // jupyterlab-plotly labextension's), so JupyterLab picks text/html from the bundle.
      t.diagnostic(`figure outputs render as: ${[...new Set(figs.map((f) => f.mime))].join(", ")} (trusted)`);
      assert.ok(r.plotlyLoaded, `${name}: the bundle output's script did not load plotly`);
      for (const f of figs) {
        const at = `${name}: figure in cell ${f.cell} (output ${f.index})`;
        assert.equal(f.mime, "text/html", `${at}: rendered as ${f.mime}`);
        assert.equal(f.renderedMime, "text/html", `${at}: renderer failed`);
        assert.ok(f.plotlyDrawn, `${at}: plotly did not draw`);
        assert.ok(f.traces >= 1, `${at}: no traces drawn`);
        assert.deepEqual(f.images.filter((i) => i.className.includes("gn-static")), [], `${at}: the static image stayed after plotly drew`);
      }
      checkTables(r.outputs);
    });

    test("untrusted (a notebook from elsewhere): no script runs, every figure shows its static image", async (t) => {
      const r = await render(false);
      assert.deepEqual(r.requests, [], `${name}: the outputs requested other files`);
      const figs = r.outputs.filter(isFigure);
      assert.ok(figs.length >= 1, `${name}: no figure outputs`);
      // Untrusted, JupyterLab still picks text/html: its HTML renderer counts as safe because it sanitizes.
      t.diagnostic(`figure outputs render as: ${[...new Set(figs.map((f) => f.mime))].join(", ")} (untrusted)`);
      assert.equal(r.plotlyLoaded, false, `${name}: a script ran in an untrusted notebook`);
      assert.deepEqual(r.outputs.filter((o) => o.scripts > 0).map((o) => o.cell), [], `${name}: <script>s survived the sanitizer`);
      for (const f of figs) {
        const at = `${name}: figure in cell ${f.cell} (output ${f.index})`;
        assert.equal(f.mime, "text/html", `${at}: rendered as ${f.mime}`);
        assert.equal(f.plotlyDrawn, false, `${at}: plotly drew without trust`);
        const shown = f.images.filter((i) => i.naturalWidth > 0 && i.width > 100 && i.height > 100);
        assert.ok(shown.length >= 1, `${at}: no static image shown (images: ${JSON.stringify(f.images)})`);
      }
      checkTables(r.outputs);
    });
  });
}
