/**
 * Every notebook executes headless at smoke scale on the webgpu backend
 * (GRADNOISE_BACKEND=webgpu, software adapters allowed: CI has only Mesa's
 * lavapipe). The notebooks print the engine line; the report must name
 * webgpu, so a silent fallback to another backend fails.
 *
 * One notebook by default (00-method): what this adds over the conformance
 * suite, which already trains every registered experiment on webgpu, is the
 * notebook path itself (kernel environment, engine choice, display), and on a
 * software adapter each notebook costs minutes of CI. GRADNOISE_WEBGPU_NOTEBOOKS=all
 * runs every notebook (or a comma-separated list of name prefixes).
 *
 * Needs Jupyter and a WebGPU adapter: skipped with the reason without them,
 * unless GRADNOISE_REQUIRE_NOTEBOOKS=1 or GRADNOISE_REQUIRE_WEBGPU=1 (set by
 * .ci/run) turns the skip into a failure.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, test } from "node:test";
import { executeNotebook, findJupyterPython, listNotebooks } from "../../src/cli/jupyter";
import { prepareWebGPU, WEBGPU_SOFTWARE_ENV } from "../../src/engine";
import { jupyterTool, needTools, webgpuAdapterTool } from "../support/tools";

describe("notebooks on webgpu", async () => {
  const tools = needTools("the notebooks on webgpu (e2e/webgpu-notebooks)", ["GRADNOISE_REQUIRE_NOTEBOOKS", "GRADNOISE_REQUIRE_WEBGPU"], [jupyterTool(findJupyterPython()), webgpuAdapterTool(await prepareWebGPU(true))]);
  const skip = tools.skip;

  const wanted = (process.env.GRADNOISE_WEBGPU_NOTEBOOKS ?? "00").split(",").map((s) => s.trim()).filter(Boolean);
  const chosen = listNotebooks().filter((nb) => wanted.includes("all") || wanted.some((w) => path.basename(nb).startsWith(w)));
  test("the chosen notebooks exist", () => assert.ok(chosen.length > 0, `GRADNOISE_WEBGPU_NOTEBOOKS=${wanted.join(",")} matches no notebook`));

  for (const nb of chosen) {
    const name = path.basename(nb, ".ipynb");
    test(`${name} executes at smoke scale with GRADNOISE_BACKEND=webgpu`, { skip }, () => {
      tools.assertPresent();
      const outDir = mkdtempSync(path.join(tmpdir(), "gn-webgpu-report-"));
      const { html } = executeNotebook(nb, {
        outDir,
        scale: "smoke",
        cellTimeout: 900,
        env: { GRADNOISE_BACKEND: "webgpu", [WEBGPU_SOFTWARE_ENV]: "1", GRADNOISE_RESULTS_DIR: path.join(outDir, "results") },
      });
      const page = readFileSync(html, "utf8");
      assert.match(page, /backend webgpu on /, `${name}: the report's engine line does not name webgpu`);
    });
  }
});
