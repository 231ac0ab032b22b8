/**
 * The GPU check (scripts/gpu-check.sh) as the device machine would run it,
 * on Mesa's lavapipe: packed here (scripts/gpu-check-pack.sh), then the
 * working tree with .gl/ and .gpucheck/ copied into a scratch folder without
 * node_modules, the check run there with --quick, and its files read back as
 * a later session would commit them (scripts/gpu-check-collect.sh).
 *
 * Cost: 6.5 min on a busy 2-core machine (the pack ~3.7, xz over the node
 * binary and Dawn; the quick check ~2.8), far over CI's budget for a test, so
 * it runs only with GRADNOISE_GPU_CHECK_TEST=1 (CI does not set it: a skip, no
 * time). It also needs a WebGPU adapter (lavapipe) and skips, saying so, without one.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, test } from "node:test";
import { REPO } from "../../src/cli/jupyter";
import { prepareWebGPU } from "../../src/engine";

const GATE = "GRADNOISE_GPU_CHECK_TEST";
const FILES = ["adapter.json", "bench.txt", "conformance.txt", "log.txt", "paper-run.txt", "population.txt", "summary.md"];

async function skipReason(): Promise<string | false> {
  if (process.env[GATE] !== "1") return `${GATE}=1 runs it (packs ~40 MiB and runs the check: ~6.5 min on 2 cores)`;
  const why = await prepareWebGPU(true);
  return why === undefined ? false : `no WebGPU adapter for the check to run on (${why}); Debian 12: sudo bash scripts/setup.sh installs lavapipe`;
}

function sh(cmd: string, cwd: string, env: NodeJS.ProcessEnv = process.env, timeout = 900_000) {
  return spawnSync("bash", ["-c", cmd], { cwd, env, encoding: "utf8", timeout, maxBuffer: 64 << 20 });
}

/** The JSON line a step prints last. */
function lastJson(text: string): Record<string, unknown> {
  const line = text.split("\n").filter((l) => l.startsWith("{")).pop();
  assert.ok(line, `no JSON line in:\n${text.slice(-2000)}`);
  return JSON.parse(line) as Record<string, unknown>;
}

describe("the GPU check, packed and run as on a bare device (lavapipe, --quick)", async () => {
  const skip = await skipReason();
  const sim = skip ? "" : mkdtempSync(path.join(tmpdir(), "gpu-check-device-"));
  const out = path.join(sim, "out");

  test("packs, runs green from a folder without node_modules, and writes the files to commit", { skip, timeout: 1_800_000 }, () => {
    try {
      const pack = sh("bash scripts/gpu-check-pack.sh --no-build", REPO);
      assert.equal(pack.status, 0, `pack failed:\n${pack.stdout}\n${pack.stderr}`);
      assert.match(pack.stdout, /MiB sent in all \(limit 60\)/);
      // What a `run` call sends: tracked and untracked-not-ignored files, plus the carried folders.
      const copy = sh(`git ls-files -co --exclude-standard -z | tar --null -cf - -T - .gl .gpucheck | tar -xf - -C '${sim}'`, REPO);
      assert.equal(copy.status, 0, copy.stderr);
      assert.ok(!readdirSync(sim).includes("node_modules"));

      const env = { ...process.env, GRADNOISE_WEBGPU_SOFTWARE: "1", NODE_PATH: "" };
      const r = sh(`bash scripts/gpu-check.sh --quick --out '${out}'`, sim, env);
      const summary = readFileSync(path.join(out, "summary.md"), "utf8");
      assert.equal(r.status, 0, `the check failed:\n${summary}\n${r.stdout.slice(-4000)}`);
      assert.match(summary, /all passed: yes/);
      for (const s of ["adapter", "conformance", "bench", "population", "paper-run"]) assert.match(summary, new RegExp(`\\| ${s} \\| passed \\|`));
      assert.deepEqual(readdirSync(out).sort(), FILES);

      // Every file names the adapter (as software: lavapipe is no GPU), tfjs and node.
      for (const f of FILES.filter((x) => x.endsWith(".txt") && x !== "log.txt")) {
        const head = readFileSync(path.join(out, f), "utf8").split("\n")[0];
        assert.match(head, /adapter: SOFTWARE adapter \(not a GPU\) .+ \| tfjs \d+\.\d+\.\d+ \| node v\d+/, `${f}: ${head}`);
      }
      const adapter = JSON.parse(readFileSync(path.join(out, "adapter.json"), "utf8")) as Record<string, unknown>;
      assert.equal(adapter.software, true);
      assert.equal(adapter.gpu, false);
      assert.match(String(adapter.tfjs), /^\d+\.\d+\.\d+$/);

      assert.match(readFileSync(path.join(out, "conformance.txt"), "utf8"), /ℹ fail 0/);
      assert.match(readFileSync(path.join(out, "bench.txt"), "utf8"), /webgpu \(software, /);
      const pop = lastJson(readFileSync(path.join(out, "population.txt"), "utf8")) as { population: { runStepsPerSec: number }; loopOfSingles: { runStepsPerSec: number } };
      assert.ok(pop.population.runStepsPerSec > 0 && pop.loopOfSingles.runStepsPerSec > 0, JSON.stringify(pop));
      const paper = lastJson(readFileSync(path.join(out, "paper-run.txt"), "utf8")) as { testAccuracy: number; steps: number };
      assert.ok(paper.testAccuracy >= 0 && paper.testAccuracy <= 1 && paper.steps > 0, JSON.stringify(paper));

      // Filed as a later session would: results/device/<date>-<vendor>-software/.
      const c = sh(`bash scripts/gpu-check-collect.sh '${out}'`, sim);
      assert.equal(c.status, 0, c.stderr);
      const dir = summary.match(/results folder: (results\/device\/[^/]+)\//)![1];
      assert.match(dir, /-software$/);
      assert.deepEqual(readdirSync(path.join(sim, dir)).sort(), FILES);
    } finally {
      // GRADNOISE_KEEP_GPU_CHECK=1 keeps the scratch folder for a look.
      if (process.env.GRADNOISE_KEEP_GPU_CHECK !== "1") rmSync(sim, { recursive: true, force: true });
    }
  });

  test("without GRADNOISE_WEBGPU_SOFTWARE the adapter step refuses lavapipe, saying it is no GPU", { skip }, () => {
    // The packed bundle's own node and compiled step.
    const run = mkdtempSync(path.join(tmpdir(), "gpu-check-bundle-"));
    const unpack = sh(`tar -xJf .gpucheck/bundle.tar.xz -C '${run}'`, REPO);
    assert.equal(unpack.status, 0, unpack.stderr);
    const env = { ...process.env };
    delete env.GRADNOISE_WEBGPU_SOFTWARE;
    const r = spawnSync(path.join(run, "bin", "node"), [path.join(run, "build", "scripts", "gpu-check", "adapter.js")], { env, encoding: "utf8" });
    rmSync(run, { recursive: true, force: true });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /only a SOFTWARE adapter was found .+: not a GPU/);
    assert.equal((lastJsonOf(r.stdout) as { software: boolean }).software, true);
  });
});

/** The pretty-printed JSON object the adapter step prints. */
function lastJsonOf(text: string): unknown {
  return JSON.parse(text.slice(text.indexOf("{\n"), text.lastIndexOf("\n}") + 2));
}
