/**
 * The GPU check (scripts/gpu-check.sh) as the device machine would run it,
 * on Mesa's lavapipe: packed here (scripts/gpu-check-pack.sh), then the
 * working tree with .gl/ and .gpucheck/ copied into a scratch folder without
 * node_modules, the device's very command run there (no --quick: the check
 * itself picks the small sizes for a software adapter), and its files read
 * back as a later session would commit them (scripts/gpu-check-collect.sh).
 *
 * Cost: ~6.5 min on a busy 2-core machine (the pack ~3.7, xz over the node
 * binary and Dawn; the check ~3), far over CI's budget for a test, so it runs
 * only with GRADNOISE_GPU_CHECK_TEST=1 (CI does not set it: a skip, no time).
 * It also needs a WebGPU adapter (lavapipe) and skips, saying so, without one.
 * The argument checks at the top run always: they stop before anything is unpacked.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, test } from "node:test";
import { REPO } from "../../src/cli/jupyter";
import { prepareWebGPU } from "../../src/engine";

const GATE = "GRADNOISE_GPU_CHECK_TEST";
const FILES = ["adapter.json", "bench.txt", "conformance.txt", "family-steps.txt", "log.txt", "paper-run.txt", "population.txt", "summary.md"];

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

describe("gpu-check.sh's arguments (checked before anything is unpacked or written)", () => {
  const out = path.join(tmpdir(), `gpu-check-args-${process.pid}`);
  const check = (args: string) => sh(`bash scripts/gpu-check.sh ${args}`, REPO, process.env, 30_000);

  test("--quick and --full together are an error, and nothing is written", () => {
    for (const args of [`--quick --full --out '${out}'`, `--full --out '${out}' --quick`]) {
      const r = check(args);
      assert.equal(r.status, 2, r.stdout + r.stderr);
      assert.match(r.stderr, /--quick and --full exclude each other/);
      assert.equal(existsSync(out), false);
    }
  });

  test("an unknown argument or an --out without a folder is an error", () => {
    const r = check(`--quik --out '${out}'`);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /unknown argument --quik \(takes --quick or --full, --out DIR/);
    const o = check("--out");
    assert.equal(o.status, 2);
    assert.match(o.stderr, /--out needs a folder/);
    assert.equal(existsSync(out), false);
  });

  test("--help says how the sizes are chosen and what --quick and --full do", () => {
    const r = check("--help");
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Usage: bash scripts\/gpu-check.sh \[--quick \| --full\] \[--out DIR\]$/m);
    assert.match(r.stdout, /a software one\s+\(lavapipe, SwiftShader; only with GRADNOISE_WEBGPU_SOFTWARE=1\) the small ones/);
    assert.match(r.stdout, /^ {2}--quick {4}small sizes whatever the adapter/m);
    assert.match(r.stdout, /^ {2}--full {5}full sizes even on a software adapter/m);
    assert.doesNotMatch(r.stdout, /^#/m);
  });
});

describe("the GPU check, packed and run as on a bare device (lavapipe, the device's command)", async () => {
  const skip = await skipReason();
  const sim = skip ? "" : mkdtempSync(path.join(tmpdir(), "gpu-check-device-"));
  const out = path.join(sim, "out");

  test("packs, runs green with the small sizes from a folder without node_modules, and writes the files to commit", { skip, timeout: 1_800_000 }, () => {
    try {
      const pack = sh("bash scripts/gpu-check-pack.sh --no-build", REPO);
      assert.equal(pack.status, 0, `pack failed:\n${pack.stdout}\n${pack.stderr}`);
      assert.match(pack.stdout, /MiB sent in all \(limit 60\)/);
      // What a `run` call sends: tracked and untracked-not-ignored files, plus the carried folders.
      const copy = sh(`git ls-files -co --exclude-standard -z | tar --null -cf - -T - .gl .gpucheck | tar -xf - -C '${sim}'`, REPO);
      assert.equal(copy.status, 0, copy.stderr);
      assert.ok(!readdirSync(sim).includes("node_modules"));

      const env = { ...process.env, GRADNOISE_WEBGPU_SOFTWARE: "1", NODE_PATH: "" };
      // The command docs/gpu-check.md gives for the device, as is: no --quick.
      const r = sh(`bash scripts/gpu-check.sh --out '${out}'`, sim, env);
      const summary = readFileSync(path.join(out, "summary.md"), "utf8");
      assert.equal(r.status, 0, `the check failed:\n${summary}\n${r.stdout.slice(-4000)}`);
      assert.match(summary, /all passed: yes/);
      assert.match(summary, /^- sizes: software adapter: small sizes \(conformance without the smoke runs, .+population 8 runs x 4 steps, paper-run 20 updates, family steps at the cpu scale's sizes\)$/m);
      for (const s of ["adapter", "conformance", "bench", "population", "paper-run", "family-steps"]) assert.match(summary, new RegExp(`\\| ${s} \\| passed \\|`));
      assert.deepEqual(readdirSync(out).sort(), FILES);

      // Every file names the adapter (as software: lavapipe is no GPU), the sizes, tfjs and node.
      for (const f of FILES.filter((x) => x.endsWith(".txt") && x !== "log.txt")) {
        const head = readFileSync(path.join(out, f), "utf8").split("\n")[0];
        assert.match(head, /adapter: SOFTWARE adapter \(not a GPU\) .+ \| software adapter: small sizes \| tfjs \d+\.\d+\.\d+ \| node v\d+/, `${f}: ${head}`);
      }
      // The small sizes were the ones run, not only named (the population's and paper-run's below).
      assert.match(readFileSync(path.join(out, "bench.txt"), "utf8"), /^# small sizes: only build\/bench\/\S+ /m);
      const adapter = JSON.parse(readFileSync(path.join(out, "adapter.json"), "utf8")) as Record<string, unknown>;
      assert.equal(adapter.software, true);
      assert.equal(adapter.gpu, false);
      assert.match(String(adapter.tfjs), /^\d+\.\d+\.\d+$/);

      assert.match(readFileSync(path.join(out, "conformance.txt"), "utf8"), /ℹ fail 0/);
      assert.match(readFileSync(path.join(out, "bench.txt"), "utf8"), /webgpu \(software, /);
      const pop = lastJson(readFileSync(path.join(out, "population.txt"), "utf8")) as { runs: number; steps: number; population: { runStepsPerSec: number }; loopOfSingles: { runStepsPerSec: number } };
      assert.ok(pop.population.runStepsPerSec > 0 && pop.loopOfSingles.runStepsPerSec > 0, JSON.stringify(pop));
      assert.deepEqual([pop.runs, pop.steps], [8, 4]);
      const paper = lastJson(readFileSync(path.join(out, "paper-run.txt"), "utf8")) as { testAccuracy: number; steps: number };
      assert.ok(paper.testAccuracy >= 0 && paper.testAccuracy <= 1, JSON.stringify(paper));
      assert.equal(paper.steps, 20);
      // The family steps ran at the cpu scale's sizes (small sizes), a positive time per step each.
      const fam = lastJson(readFileSync(path.join(out, "family-steps.txt"), "utf8")) as { scale: string; neuralGpu: { msPerStep: number; maps: number }; nram: { msPerStep: number; memory: number } };
      assert.equal(fam.scale, "cpu");
      assert.ok(fam.neuralGpu.msPerStep > 0 && fam.nram.msPerStep > 0, JSON.stringify(fam));
      assert.deepEqual([fam.neuralGpu.maps, fam.nram.memory], [12, 10]);

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
