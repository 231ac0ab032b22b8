/**
 * Jupyter's own kernel protocol suite (Debian's python3-jupyter-kernel-test 0.4.5:
 * kernel_info, execute with stdout/stderr/errors/results/display data, is_complete,
 * completion, inspection, history) against this checkout's kernel (tslab with
 * patches/, build/jupyter first on JUPYTER_PATH). Every test the suite has a sample
 * for must pass; a skip is allowed only where tslab has nothing to test (NOT_APPLICABLE).
 * Needs Jupyter and the suite: skipped without them unless GRADNOISE_REQUIRE_NOTEBOOKS=1.
 * About 20 s.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, test } from "node:test";
import { checkoutJupyterEnv, findJupyterPython, REPO } from "../../src/cli/jupyter";
import { jupyterTool, kernelTestTool, needTools } from "../support/tools";

const python = findJupyterPython();
const tools = needTools("Jupyter's kernel protocol suite (e2e/kernel-protocol)", ["GRADNOISE_REQUIRE_NOTEBOOKS"], [jupyterTool(python), kernelTestTool(python)]);

/** The suite's tests without a sample for this kernel, and why (any other skip fails). */
const NOT_APPLICABLE: Record<string, string> = {
  test_clear_output: "tslab has no API that clears a cell's output, so there is no code to send",
  test_pager: "tslab has no pager (no help payloads), so there is no code to send",
};

describe("the kernel and Jupyter's protocol suite", { skip: tools.skip }, () => {
  test("every applicable test of python3-jupyter-kernel-test passes against this checkout's kernel", (t) => {
    tools.assertPresent();
    const r = spawnSync(python!, ["-m", "unittest", "-v", "kernel_protocol_test"], {
      cwd: path.join(REPO, "test", "e2e"),
      env: checkoutJupyterEnv(),
      encoding: "utf8",
      timeout: 300000,
    });
    const out = `${r.stdout}\n${r.stderr}`;
    // unittest -v: "test_x (module.Class.test_x) ... ok | skipped '...' | FAIL | ERROR", then "Ran N tests".
    const results = new Map([...out.matchAll(/^(test_\w+) \([\w.]+\)(?: \([^)]*\))? \.\.\. (ok|skipped.*|FAIL|ERROR)$/gm)].map((m) => [m[1], m[2]]));
    const failures = [...out.matchAll(/^(FAIL|ERROR): (test_\w+).*$/gm)].map((m) => m[0]);
    assert.deepEqual(failures, [], `the suite failed:\n${out.slice(-6000)}`);
    assert.equal(r.status, 0, `the suite exited ${r.status}:\n${out.slice(-6000)}`);
    assert.match(out, /^OK\b/m);
    const skipped = [...results].filter(([, v]) => v.startsWith("skipped")).map(([k]) => k).sort();
    assert.deepEqual(skipped, Object.keys(NOT_APPLICABLE).sort(), `skipped: ${skipped.join(", ")}`);
    for (const name of skipped) t.diagnostic(`${name} skipped: ${NOT_APPLICABLE[name]}`);
    const passed = [...results].filter(([, v]) => v === "ok").map(([k]) => k);
    // The suite's twelve tests: all but the not-applicable ones ran and passed.
    assert.equal(passed.length + skipped.length, 12, `results: ${JSON.stringify([...results])}`);
    assert.match(out, /^Ran 12 tests/m);
  });
});
