/**
 * One rule for every test that needs a tool from outside node_modules (Jupyter's
 * Python with nbconvert/nbclient, the classic Notebook server, Chromium, a WebGPU
 * adapter such as Mesa's lavapipe):
 *
 * - the tool is there: the test runs;
 * - it is missing and a variable that requires it is set (GRADNOISE_REQUIRE_NOTEBOOKS=1,
 *   GRADNOISE_REQUIRE_WEBGPU=1: .ci/run sets both): the test runs and fails at its first
 *   line (`gate.assertPresent()`), naming what is missing and how to install it;
 * - it is missing and nothing requires it: the test is skipped with node:test's `skip`
 *   (so the runner's summary counts it under "skipped"), the reason naming the tool and
 *   the install command, and one warning line goes to stderr.
 *
 * A test never returns early or passes when its tool is absent.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";

/** The variables that turn a missing tool into a failure (README, .ci/run, scripts/setup.sh). */
export type Requirement = "GRADNOISE_REQUIRE_NOTEBOOKS" | "GRADNOISE_REQUIRE_WEBGPU";

/** A missing tool and the command that installs it. */
export interface Missing {
  tool: string;
  install: string;
}

const SETUP = "bash scripts/setup.sh";

/** Jupyter's Python with nbconvert, nbclient and jupyter_client (src/cli/jupyter.ts findJupyterPython). */
export function jupyterTool(python: string | null | undefined): Missing | undefined {
  if (python) return undefined;
  return { tool: "Jupyter (a Python with nbconvert, nbclient and jupyter_client)", install: `${SETUP} (Debian: apt-get install jupyter-nbconvert python3-nbclient jupyter-client)` };
}

/** The classic Notebook server (`python3 -m notebook`), in the Python that has Jupyter. */
export function notebookServerTool(python: string | null | undefined): Missing | undefined {
  if (python && spawnSync(python, ["-c", "import notebook"], { stdio: "ignore" }).status === 0) return undefined;
  return { tool: "the Jupyter Notebook server (python3 -m notebook)", install: `${SETUP} (Debian: apt-get install jupyter-notebook)` };
}

/** Jupyter's kernel protocol suite (Debian's python3-jupyter-kernel-test), in the Python that has Jupyter. */
export function kernelTestTool(python: string | null | undefined): Missing | undefined {
  if (python && spawnSync(python, ["-c", "import jupyter_kernel_test"], { stdio: "ignore" }).status === 0) return undefined;
  return { tool: "Jupyter's kernel protocol suite (jupyter_kernel_test)", install: `${SETUP} (Debian: apt-get install python3-jupyter-kernel-test)` };
}

/** Chromium (src/cli/browser.ts findChromium; CHROMIUM_PATH to point elsewhere). */
export function chromiumTool(found: string | null | undefined): Missing | undefined {
  if (found) return undefined;
  return { tool: "Chromium", install: `${SETUP} (Debian: apt-get install chromium fonts-liberation; or set CHROMIUM_PATH)` };
}

/** A WebGPU adapter; `why` is what prepareWebGPU() returned (undefined when there is one). */
export function webgpuAdapterTool(why: string | undefined): Missing | undefined {
  if (why === undefined) return undefined;
  return {
    tool: `a WebGPU adapter (${why})`,
    install: `sudo GRADNOISE_REQUIRE_WEBGPU=1 ${SETUP} (Debian 12: apt-get install -t bookworm-backports mesa-vulkan-drivers libvulkan1, Mesa >= 25's lavapipe), or a GPU with its Vulkan driver`,
  };
}

export interface ToolGate {
  /** For node:test's `skip` option: false when the test must run, else the reason. */
  skip: string | false;
  /** What is missing (empty when everything is there). */
  missing: Missing[];
  /** The variable that requires the tools and is set, if any. */
  requiredBy: Requirement | undefined;
  /** First line of each gated test (or its `before`): fails naming what is missing and how to install it. */
  assertPresent(): void;
}

function describeMissing(missing: Missing[]): string {
  return missing.map((m) => `${m.tool} (install: ${m.install})`).join("; ");
}

/**
 * The gate for `what` (the tests' subject, for the messages), which needs the tools whose
 * checks are given (undefined = present) and is required by any of `requiredBy`.
 */
export function needTools(what: string, requiredBy: Requirement[], checks: (Missing | undefined)[]): ToolGate {
  const missing = checks.filter((m): m is Missing => m !== undefined);
  const setVar = requiredBy.find((v) => process.env[v] === "1");
  if (missing.length === 0) return { skip: false, missing, requiredBy: setVar, assertPresent: () => {} };
  const list = describeMissing(missing);
  if (setVar) {
    return {
      skip: false,
      missing,
      requiredBy: setVar,
      assertPresent: () => assert.fail(`${setVar}=1 but ${what} cannot run: missing ${list}`),
    };
  }
  const reason = `needs ${list}; ${requiredBy.map((v) => `${v}=1`).join(" or ")} makes this a failure`;
  process.stderr.write(`WARNING: skipping ${what}: ${reason}\n`);
  return {
    skip: reason,
    missing,
    requiredBy: undefined,
    assertPresent: () => assert.fail(`${what} ran without ${list}`),
  };
}
