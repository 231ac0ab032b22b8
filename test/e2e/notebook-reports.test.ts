/**
 * Issue 11's pieces that need no browser: table alignment by column type,
 * the parameters-cell convention (injection and CLI flags), self-contained
 * HTML post-processing, and the project's own kernelspec; and issue 28's
 * reader's check (support/report-check.ts) of an exported report in Chromium.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { checkoutJupyterPath, declaredParameters, executeNotebook, findJupyterPython, injectParameters, KERNEL_NAME, listNotebooks, registerKernel, REPO } from "../../src/cli/jupyter";
import { parseNotebooksArgs } from "../../src/cli/notebooks";
import { findChromium, withChromium } from "../../src/cli/browser";
import { figureDiv, plotlyLoaderHtml } from "../../src/report/plotly";
import { variantFile } from "../../src/report/reader";
import { externalReferences, selfContainedHtml } from "../../src/report/standalone";
import { columnAlignments, tableHtml } from "../../src/report/table";
import { scheduleFigure } from "../../src/sections/method";
import { checkReport } from "../support/report-check";
import { chromiumTool, jupyterTool, needTools } from "../support/tools";

const python = findJupyterPython();
const tools = needTools("the notebook CLI, kernel and export tests (e2e/notebook-reports)", ["GRADNOISE_REQUIRE_NOTEBOOKS"], [jupyterTool(python)]);
const chromium = needTools("the reader's check of an exported report (e2e/notebook-reports)", ["GRADNOISE_REQUIRE_NOTEBOOKS"], [jupyterTool(python), chromiumTool(findChromium())]);

test("tables align each column, header included, by the type of its cells", () => {
  const rows = [{ setting: "with noise", accuracy: 0.91, share: "12.5%", ci: "0.91 ± 0.02", note: "" }, { setting: "no noise", accuracy: 0.2, share: "3%", ci: "0.2 ± 0.1", note: "diverged" }];
  assert.deepEqual(columnAlignments({ columns: Object.keys(rows[0]), values: rows.map((r) => Object.values(r)) }), ["left", "right", "right", "right", "left"]);
  const html = tableHtml(rows);
  assert.match(html, /<th style="text-align:left">setting<\/th><th style="text-align:right">accuracy<\/th>/);
  assert.match(html, /<td style="text-align:right">0\.9100<\/td>/);
  assert.doesNotMatch(html, /<th>/);
});

const nb = (cells: { source: string; tags?: string[] }[]) => ({
  nbformat: 4, nbformat_minor: 5, metadata: {},
  cells: cells.map((c, i) => ({ cell_type: "code", id: `c${i}`, source: c.source, metadata: c.tags ? { tags: c.tags } : {}, outputs: [], execution_count: null })),
});

test("parameters are injected in a cell after the one tagged `parameters` (papermill's convention)", () => {
  const book = nb([{ source: "// intro" }, { source: 'let scale: "smoke" | "cpu" = "cpu";\nlet options = {};', tags: ["parameters"] }, { source: "run(scale)" }]);
  assert.deepEqual(declaredParameters(book.cells[1]), ["scale", "options"]);
  const out = injectParameters(book, { scale: "smoke", options: { seeds: [1, 2] } });
  assert.equal(out.cells.length, 4);
  assert.deepEqual(out.cells[2].metadata.tags, ["injected-parameters"]);
  assert.match(out.cells[2].source as string, /^\/\/ Parameters injected by npm run notebooks\nscale = "smoke";\noptions = \{"seeds":\[1,2\]\};$/);
  assert.equal(out.cells[3].source, "run(scale)");
  assert.equal(book.cells.length, 3, "the input notebook is not changed");
  assert.throws(() => injectParameters(book, { seeds: 3 }), /declares scale, options; not seeds/);
  assert.throws(() => injectParameters(nb([{ source: "let scale = 1;" }]), { scale: "smoke" }), /no cell tagged "parameters"/);
  assert.equal(injectParameters(book, {}), book);
});

test("every notebook has a parameters cell declaring scale, backend and options, and names the project's kernel", () => {
  for (const file of listNotebooks()) {
    const book = JSON.parse(readFileSync(file, "utf8"));
    const cell = book.cells.find((c: { metadata: { tags?: string[] } }) => (c.metadata.tags ?? []).includes("parameters"));
    assert.ok(cell, `${path.basename(file)}: no cell tagged "parameters"`);
    for (const p of ["scale", "backend", "options"]) assert.ok(declaredParameters(cell).includes(p), `${path.basename(file)}: the parameters cell does not declare \`let ${p}\``);
    assert.equal(book.metadata.kernelspec?.name, KERNEL_NAME, `${path.basename(file)}: kernelspec is not "${KERNEL_NAME}"`);
    const text = book.cells.map((c: { source: string[] | string }) => [c.source].flat().join("")).join("\n");
    assert.match(text, /lab\.report\.initNotebook\(\)/, `${path.basename(file)}: no lab.report.initNotebook() call`);
  }
});

test("npm run notebooks takes --scale, --backend and -p NAME VALUE (JSON where it parses)", () => {
  const a = parseNotebooksArgs(["--scale", "smoke", "01", "--backend", "wasm", "-p", "options", '{"seeds":[1]}', "-p", "label", "x y"], {});
  assert.deepEqual(a, { names: ["01"], scale: "smoke", parameters: { backend: "wasm", options: { seeds: [1] }, label: "x y" }, keepNotebook: false, exports: [], help: false });
  assert.deepEqual(parseNotebooksArgs(["--export", "a.ipynb", "--export", "b.ipynb"], {}).exports, ["a.ipynb", "b.ipynb"]);
  assert.equal(parseNotebooksArgs(["--help"], {}).help, true);
  assert.throws(() => parseNotebooksArgs(["--export"], {}), /--export needs a saved .ipynb file/);
  assert.equal(parseNotebooksArgs([], { GRADNOISE_SCALE: "paper" }).scale, "paper");
  assert.equal(parseNotebooksArgs([], {}).scale, undefined);
  assert.throws(() => parseNotebooksArgs(["--scale", "huge"], {}), /--scale must be one of/);
  assert.throws(() => parseNotebooksArgs(["--bogus"], {}), /unknown option --bogus \(npm run notebooks -- --help\)/);
});

test("npm run notebooks -- --help prints the options; --export writes a self-contained report of a saved notebook without executing it", { skip: tools.skip }, () => {
  tools.assertPresent();
  const cli = path.join(REPO, "dist", "cli", "notebooks.js");
  const help = spawnSync(process.execPath, [cli, "--help"], { encoding: "utf8" });
  assert.equal(help.status, 0, help.stderr);
  for (const flag of ["--scale", "--backend", "-p NAME VALUE", "--keep-notebook", "--export", "--help"]) assert.ok(help.stdout.includes(flag), `--help lacks ${flag}`);
  // A notebook as a Jupyter client saves it: one cell with a saved output that executing would change.
  const dir = mkdtempSync(path.join(tmpdir(), "gn-export-"));
  const name = `gn-export-test-${process.pid}`;
  const file = path.join(dir, `${name}.ipynb`);
  const book = nb([{ source: "1 + 1" }]);
  (book.cells[0] as { outputs: unknown[] }).outputs = [{ output_type: "stream", name: "stdout", text: "saved output 4242\n" }];
  book.cells.unshift({ cell_type: "markdown", id: "m", source: "Equation $e^{i\\pi} + 1 = 0$", metadata: {} } as never);
  writeFileSync(file, JSON.stringify(book));
  const out = path.join(REPO, "reports", `${name}.html`);
  try {
    const r = spawnSync(process.execPath, [cli, "--export", file], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /nothing executed/);
    const html = readFileSync(out, "utf8");
    assert.ok(html.includes("saved output 4242"), "the saved output is in the report");
    assert.deepEqual(externalReferences(html), [], "the report references nothing outside itself");
    const bad = spawnSync(process.execPath, [cli, "--export", path.join(dir, "missing.ipynb")], { encoding: "utf8" });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /missing\.ipynb: not an \.ipynb file that exists/);
  } finally {
    rmSync(out, { force: true });
    rmSync(variantFile(out, "none"), { force: true });
  }
});

test("an export is made self-contained: local/CDN scripts dropped, equations typeset to SVG (no MathJax runtime), anything else external refused", () => {
  const exported =
    '<html><head><script src="file:///usr/share/javascript/jquery/jquery.min.js"></script><script src="file:///usr/share/javascript/requirejs/require.min.js"></script>\n' +
    '<!-- Load mathjax -->\n<script src="file:///usr/share/javascript/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe"> </script>\n<script type="text/x-mathjax-config">init_mathjax();</script>\n<!-- End of mathjax configuration --></head><body><p>$x^2$</p></body></html>';
  assert.equal(externalReferences(exported).length, 3);
  const out = selfContainedHtml(exported);
  assert.deepEqual(externalReferences(out), []);
  assert.doesNotMatch(out, /usr\/share\/javascript|x-mathjax-config|<script/);
  assert.match(out, /<p><mjx-container class="MathJax" jax="SVG"><svg /);
  assert.ok(out.length < 20000, `a page with one equation weighs ${out.length} bytes: no MathJax runtime inlined`);
  assert.throws(() => selfContainedHtml('<html><head><link rel="stylesheet" href="https://cdn.example/x.css"></head></html>'), /not self-contained/);
});

test("a report a reader enjoys: npm run notebooks -- --export writes the report (title, contents, folded code with a working toggle, outputs whole, figures, offline, under 2.5 MB) and its code-free variant", { skip: chromium.skip }, async () => {
  chromium.assertPresent();
  const dir = mkdtempSync(path.join(tmpdir(), "gn-reader-"));
  const name = `gn-reader-test-${process.pid}`;
  const file = path.join(dir, `${name}.ipynb`);
  const md = (source: string) => ({ cell_type: "markdown", id: `m${source.length}`, metadata: {}, source });
  const cell = (source: string, outputs: unknown[], metadata: Record<string, unknown> = {}) => ({ cell_type: "code", id: `c${source.length}`, metadata, execution_count: null, source, outputs });
  const long = Array.from({ length: 120 }, (_, i) => `row ${i}`).join("\n");
  const book = {
    nbformat: 4, nbformat_minor: 5, metadata: { kernelspec: { name: KERNEL_NAME, display_name: "TypeScript (gradnoise)", language: "typescript" } },
    cells: [
      md("# Section 3 — The method\n\nAt step $t$ the variance is $$\\sigma_t^2 = \\frac{\\eta}{(1+t)^\\gamma}.$$"),
      cell('let scale: "smoke" | "cpu" = "cpu";', [], { tags: ["parameters"] }),
      cell("lab.report.initNotebook();", [{ output_type: "display_data", metadata: {}, data: { "text/html": plotlyLoaderHtml() } }]),
      md("## Eq. 1: the schedule"),
      cell("console.log(rows);", [{ output_type: "stream", name: "stdout", text: long }], { scrolled: true }),
      md("## A figure"),
      cell("lab.report.showFigure(fig);", [{ output_type: "display_data", metadata: {}, data: { "text/html": figureDiv(scheduleFigure([0.01, 1]), { id: "f1" }) } }]),
    ],
  };
  writeFileSync(file, JSON.stringify(book));
  const out = path.join(REPO, "reports", `${name}.html`);
  try {
    const r = spawnSync(process.execPath, [path.join(REPO, "dist", "cli", "notebooks.js"), "--export", file], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`without code: ${name}\\.nocode\\.html`));
    const s = await withChromium((b) => checkReport(b, out, name));
    assert.equal(s.title, "Section 3 — The method");
    assert.equal(s.contents, 2);
    assert.equal(s.folds, 4);
    assert.equal(s.figures, 1);
  } finally {
    rmSync(out, { force: true });
    rmSync(variantFile(out, "none"), { force: true });
  }
});

test("a figure waits for plotly.js when its script runs first, and says how to get it", () => {
  const html = figureDiv({ data: [{ type: "scatter", x: [1], y: [1] }] }, { id: "f" });
  assert.match(html, /if \(window\.Plotly\) draw\(\); else \{ \(window\.__gnPending = window\.__gnPending \|\| \[\]\)\.push\(draw\)/);
  assert.match(html, /initNotebook/);
});

test("the kernelspec points at this checkout's tslab, under the project's name", () => {
  const spec = JSON.parse(readFileSync(path.join(checkoutJupyterPath(), "kernels", KERNEL_NAME, "kernel.json"), "utf8"));
  assert.equal(spec.argv[0], process.execPath);
  assert.equal(spec.argv[1], path.join(REPO, "node_modules", "tslab", "bin", "tslab"));
  assert.deepEqual(spec.argv.slice(2), ["kernel", "--config-path", "{connection_file}"]);
  assert.equal(spec.interrupt_mode, "signal");
});

test("npm run kernel registers for the user only (JUPYTER_DATA_DIR), not machine-wide", { skip: tools.skip }, () => {
  tools.assertPresent();
  const data = mkdtempSync(path.join(tmpdir(), "gn-jdata-"));
  const saved = process.env.JUPYTER_DATA_DIR;
  process.env.JUPYTER_DATA_DIR = data;
  try {
    const where = registerKernel(python!, { name: "gradnoise-test", quiet: true });
    assert.equal(path.resolve(where), path.join(data, "kernels", "gradnoise-test"));
    const spec = JSON.parse(readFileSync(path.join(where, "kernel.json"), "utf8"));
    assert.equal(spec.argv[1], path.join(REPO, "node_modules", "tslab", "bin", "tslab"));
    assert.equal(spec.display_name, "TypeScript (gradnoise-test)");
    assert.ok(!existsSync("/usr/local/share/jupyter/kernels/gradnoise-test"));
  } finally {
    if (saved === undefined) delete process.env.JUPYTER_DATA_DIR;
    else process.env.JUPYTER_DATA_DIR = saved;
  }
});

test("a notebook that fails headless names the cell and shows the kernel's error text (tslab sends none in the error reply)", { skip: tools.skip }, () => {
  tools.assertPresent();
  const dir = mkdtempSync(path.join(tmpdir(), "gn-fail-"));
  const file = path.join(dir, "fails.ipynb");
  const book = { ...nb([{ source: "let x: number = 1;" }, { source: "let y: string = x;" }, { source: "console.log('never');" }]), metadata: { kernelspec: { name: KERNEL_NAME, display_name: "TypeScript (gradnoise)", language: "typescript" } } };
  writeFileSync(file, JSON.stringify(book));
  assert.throws(
    () => executeNotebook(file, { outDir: dir, cellTimeout: 120 }),
    (e: Error) => {
      assert.match(e.message, /code cell 2 of the notebook failed:\nlet y: string = x;/);
      assert.match(e.message, /Type 'number' is not assignable to type 'string'/);
      assert.doesNotMatch(e.message, /<Error>:/);
      return true;
    },
  );
});
