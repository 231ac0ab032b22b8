/**
 * The experiment framework: registry, options and results-file names, the
 * verdict rule, the committed results still giving the pinned tables, the CLI
 * as a user types it, plug-in discovery, and sharded sweeps merging exactly.
 */
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, test } from "node:test";
import { findChromium } from "../../../src/cli/browser";
import { executeNotebook, findJupyterPython, REPO } from "../../../src/cli/jupyter";
import { AnyExperiment, RunRecord, Summary } from "../../../src/experiments/contract";
import { diffRecordFiles } from "../../../src/experiments/merge";
import { applyOverrides, opt, overridesTag, parseOptionValue } from "../../../src/experiments/options";
import { defineExperiment } from "../../../src/experiments/define";
import { experiments, getExperiment } from "../../../src/experiments/registry";
import { appendRecord, trainingCost } from "../../../src/experiments/results";
import { SCALES } from "../../../src/experiments/scale";
import { loadSweep, planSweep, resultsFile, runSweep, sweepCommand } from "../../../src/experiments/sweep";
import { judge } from "../../../src/experiments/verdict";

const CLI = path.join(REPO, "build", "src", "cli", "experiment.js");
const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", env: { ...process.env, GRADNOISE_SCALE: "", ...env } });

describe("registry", () => {
  test("every folder under src/sections is a registered section, in paper order", () => {
    const ids = experiments().map((e) => e.id);
    assert.deepEqual(ids, ["method", "deep-mlp", "memn2n", "neural-programmer", "nram", "neural-gpu", "neural-gpu-dngpu", "lm-ptb", "noisin-noise-level", "noisin-ptb", "noisin-wikitext2", "noise-comparison"]);
    const folders = readdirSync(path.join(REPO, "src", "sections"), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
    assert.deepEqual([...folders].sort(), [...ids].sort());
    assert.throws(() => getExperiment("nope"), /no experiment "nope"; registered: method, deep-mlp, memn2n, neural-programmer, nram, neural-gpu, neural-gpu-dngpu, lm-ptb, noisin-noise-level, noisin-ptb, noisin-wikitext2, noise-comparison/);
  });

  test("each experiment plans unique keys at every scale and names an existing notebook", () => {
    for (const e of experiments()) {
      assert.ok(existsSync(path.join(REPO, "notebooks", e.notebook)), `${e.id}: notebooks/${e.notebook}`);
      for (const s of SCALES) {
        const plan = planSweep(e, s);
        assert.ok(plan.specs.length > 0, `${e.id} ${s}`);
        assert.equal(new Set(plan.specs.map((x) => x.key)).size, plan.specs.length, `${e.id} ${s}: unique keys`);
      }
    }
  });

  test("nothing outside an experiment's folder imports it (the CLI, figures and report go through the registry)", () => {
    const offenders: string[] = [];
    const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? walk(path.join(dir, d.name)) : d.name.endsWith(".ts") ? [path.join(dir, d.name)] : []));
    for (const file of walk(path.join(REPO, "src"))) {
      const text = readFileSync(file, "utf8");
      for (const e of experiments()) {
        if (file.startsWith(path.join(REPO, "src", "sections", e.id) + path.sep)) continue;
        // Other folders reach it as ".../sections/<id>"; siblings under src/sections/ as "../<id>".
        const inSections = file.startsWith(path.join(REPO, "src", "sections") + path.sep);
        const re = new RegExp(`from "[^"]*sections/${e.id}(/[^"]*)?"` + (inSections ? `|from "\\.\\./${e.id}(/[^"]*)?"` : ""));
        if (re.test(text)) offenders.push(`${path.relative(REPO, file)} imports ${e.id}`);
      }
    }
    assert.deepEqual(offenders, []);
  });
});

describe("the slim contract", () => {
  test("defineExperiment supplies schema, kernels, the plan to summarize, the diverged sentence and the verdicts table", () => {
    const seen: number[] = [];
    const ex = defineExperiment<{ n: number }, { key: string }, RunRecord, Summary>({
      id: "t", section: "0", title: "T", notebook: "x.ipynb",
      configs: { smoke: { n: 1 }, cpu: { n: 2 }, paper: { n: 3 } },
      options: [opt.strings("pick", ["a", "b"], { help: "h", apply: (c, v) => ({ ...c, n: v.length }), tag: (v) => v.join("") })],
      plan: (c) => Array.from({ length: c.n }, (_, i) => ({ key: `k${i}` })),
      run: async () => assert.fail("not run"),
      summarize: (_r, _c, planned) => (seen.push(planned.length), { verdicts: [judge({ claim: "c", paper: 1, ours: 2, interval: [1.5, 2.5], p: 0.01, minP: 0, test: "t", n: 3, margin: 0.5, marginReason: "half" })] }),
      report: { tables: () => [{ name: "main", caption: "Main.", diverged: "left out", rows: [] }], provenance: () => "p" },
    });
    assert.equal(ex.schema, 1);
    assert.deepEqual(ex.requiredKernels, []);
    const s = ex.summarize([], { n: 2 });
    assert.deepEqual(seen, [2], "summarize gets plan(config)");
    assert.equal(s.verdicts[0].kind, "agrees");
    const tables = ex.tables(s, { n: 2 });
    assert.deepEqual(tables.map((t) => t.name), ["main", "verdicts"]);
    assert.match(tables[0].caption, /^Main\. "diverged": runs that diverged \(training loss non-finite .*\); left out\.$/);
    assert.equal(tables[1].rows[0].verdict, "agrees in direction and size");
    assert.equal(defineExperiment(ex), ex, "defining twice changes nothing");
    assert.equal(overridesTag(ex.options, { pick: ["a", "b"] }), "-ab");
    assert.deepEqual(applyOverrides(ex.options, { n: 9 }, { pick: parseOptionValue(ex.options[0], "b") }), { n: 1 });
  });
});

describe("options and results files", () => {
  const deep = () => getExperiment("deep-mlp");
  const mem = () => getExperiment("memn2n");

  test("training cost counts trained runs' seconds and leaves copies out, counting them", () => {
    assert.deepEqual(trainingCost([{ seconds: 120 }, { seconds: 60, reusedFrom: "a.jsonl:3" }, { seconds: 240 }]), { minutes: 6, copied: 1 });
    assert.deepEqual(trainingCost([]), { minutes: 0, copied: 0 });
  });

  test("the tag names what changed, in option order: the committed extension files keep their names", () => {
    const name = (e: AnyExperiment, o: Record<string, never> | object) => path.basename(resultsFile(e, "cpu", o as never));
    assert.equal(name(deep(), {}), "deep-mlp-cpu.jsonl");
    assert.equal(name(deep(), { lrs: [0.1], runs: 3, steps: 20000, experiments: ["exp6"] }), "deep-mlp-cpu-exp6-steps20000-runs3-lr0.1.jsonl");
    assert.equal(name(mem(), { pe: "paper" }), "memn2n-cpu-pepaper.jsonl");
    assert.equal(name(mem(), { pe: "paper", restarts: 10, settings: ["two-stage"], tasks: [16, 18] }), "memn2n-cpu-tasks16+18-twostage-restarts10-pepaper.jsonl");
    for (const e of experiments()) for (const st of e.studies ?? []) assert.ok(existsSync(resultsFile(e, st.scale, st.overrides)), `${e.id}: committed study ${st.title}`);
  });

  test("values are typed and checked; overrides reach the config", () => {
    const opt = (n: string) => mem().options.find((o) => o.name === n)!;
    assert.deepEqual(parseOptionValue(opt("tasks"), "16,18"), [16, 18]);
    assert.throws(() => parseOptionValue(opt("tasks"), ","), /without empty items/);
    assert.throws(() => parseOptionValue(opt("tasks"), "1,1"), /lists a value twice/);
    assert.throws(() => parseOptionValue(opt("tasks"), "0"), /--tasks must be >= 1; got "0"/);
    assert.throws(() => parseOptionValue(opt("restarts"), "2.5"), /--restarts takes integers/);
    assert.throws(() => parseOptionValue(opt("pe"), "both"), /--pe takes paper, reference; got "both"/);
    const cfg = applyOverrides(mem().options, mem().configs.cpu, { eta: 1, tasks: [3] }) as { eta: number; tasks: number[] };
    assert.equal(cfg.eta, 1);
    assert.deepEqual(cfg.tasks, [3]);
    assert.throws(() => applyOverrides(mem().options, mem().configs.cpu, { steps: 5 }), /unknown option\(s\) --steps/);
  });
});

describe("committed results", () => {
  // Summaries computed by the code at a8ee26b (before the framework), from the same files.
  const pinned = JSON.parse(readFileSync(path.join(REPO, "test", "fixtures", "summaries-a8ee26b.json"), "utf8")) as Record<string, Record<string, unknown[]>>;
  const cases: [string, string, object][] = [
    ["deep-mlp-cpu.jsonl", "deep-mlp", {}],
    ["deep-mlp-cpu-exp6-steps20000-runs3-lr0.1.jsonl", "deep-mlp", { experiments: ["exp6"], steps: 20000, runs: 3, lrs: [0.1] }],
    ["deep-mlp-cpu-exp6-steps40000-runs2-lr0.1.jsonl", "deep-mlp", { experiments: ["exp6"], steps: 40000, runs: 2, lrs: [0.1] }],
    ["memn2n-cpu.jsonl", "memn2n", {}],
    ["memn2n-cpu-pepaper.jsonl", "memn2n", { pe: "paper" }],
    ["memn2n-cpu-tasks16+18-twostage-restarts10-pepaper.jsonl", "memn2n", { tasks: [16, 18], settings: ["two-stage"], restarts: 10, pe: "paper" }],
  ];
  for (const [file, id, overrides] of cases) {
    test(`${file} loads whole and gives the pinned tables`, () => {
      const plan = planSweep(getExperiment(id), "cpu", overrides as never);
      assert.equal(path.basename(plan.file), file);
      // Every line counts, so nothing would be set aside.
      const records = loadSweep(plan, (w) => assert.fail(`a committed line does not count: ${w}`));
      assert.equal(records.length, plan.specs.length, "every planned run is in the committed file");
      const summary = plan.experiment.summarize(records, plan.config) as Record<string, unknown[]>;
      for (const [part, want] of Object.entries(pinned[file])) {
        // Fields added since (escaped counts) are not in the pin; every pinned field must match exactly.
        const got = (summary[part] as Record<string, unknown>[]).map((row, i) => Object.fromEntries(Object.keys(want[i] as object).map((k) => [k, row[k]])));
        assert.deepEqual(got, want, `${file}: ${part}`);
      }
        assert.ok(Array.isArray(summary.verdicts));
    });
  }

  test("Table 2's verdicts at cpu scale, by the one rule", () => {
    const plan = planSweep(getExperiment("memn2n"), "cpu");
    const s = plan.experiment.summarize(loadSweep(plan), plan.config) as { verdicts: { claim: string; verdict: string }[] };
    const of = (prefix: string) => s.verdicts.find((x) => x.claim.startsWith(prefix))!.verdict;
    // Restarts kept by training error, ties by final training loss (never by validation error, the reported metric).
    assert.equal(of("warm start"), "inconclusive: interval too wide", "paper -8.6 points; ours -3.7 [-8.8, +0.4], p = 0.120");
    assert.equal(of("two-stage: validation"), "inconclusive: interval too wide", "paper -0.1 points (none); ours -1.1 [-2.0, -0.2], p = 0.018: significant, but not shown beyond the 0.5-point margin");
    assert.equal(of("one-stage: validation"), "inconclusive: interval too wide", "paper -2.9; ours +0.9 [-0.1, +1.9], p = 0.136");
    assert.equal(of("one-stage: training"), "not reproduced: no difference (within margin)", "paper -0.9; ours +0.1 [-0.0, +0.4]");
    // Test error (the paper reports none): one-stage, noise lowers it by about 0.6 points.
    const one = (s as unknown as { comparisons: { stages: string; testDifference: number; pTest: number }[] }).comparisons.find((c) => c.stages === "one-stage")!;
    assert.ok(Math.abs(one.testDifference + 0.0058) < 0.0005 && one.pTest < 0.05, JSON.stringify(one));
  });
});

describe("fingerprints", () => {
  test("a record trained with another config does not count as done, and is redone", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "gn-fp-"));
    try {
      const file = path.join(dir, "m.jsonl");
      const plan = planSweep(getExperiment("method"), "smoke", { steps: 20 }, file);
      const other = planSweep(getExperiment("method"), "smoke", { steps: 30 }, file);
      const key = plan.specs[0].key;
      appendRecord(file, { key, fingerprint: other.expected.get(key)!, testAccuracy: 0.99 } as never);
      assert.equal(loadSweep(plan).length, 0, "the 30-step record is not this plan's");
      const ran = await runSweep(plan);
      assert.deepEqual(ran.map((s) => s.key), plan.specs.map((s) => s.key), "both runs are trained");
      const recs = loadSweep(plan) as unknown as { key: string; fingerprint: string }[];
      assert.equal(recs.length, plan.specs.length);
      assert.ok(recs.every((r) => r.fingerprint === plan.expected.get(r.key)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the CLI as a user types it", () => {
  test("list shows every experiment with its section, scales and results files", () => {
    const r = cli(["list"]);
    assert.equal(r.status, 0, r.stderr);
    for (const e of experiments()) {
      assert.match(r.stdout, new RegExp(`${e.id} +${e.section.replace(".", "\\.")} +${e.title.slice(0, 12)}`));
      assert.ok(r.stdout.includes(path.relative(process.cwd(), resultsFile(e, "cpu"))), `${e.id}'s cpu results file`);
    }
    assert.match(r.stdout, /\* memn2n +.*memn2n-cpu-pepaper\.jsonl/);
  });

  test("--help lists every experiment's options", () => {
    const r = cli(["--help"]);
    assert.equal(r.status, 0, r.stderr);
    for (const e of experiments()) for (const o of e.options) assert.ok(r.stdout.includes(`--${o.name} `), `${e.id} --${o.name}`);
    assert.match(cli(["memn2n", "--help"]).stdout, /--pe paper\|reference +position encoding/);
  });

  test("stray, repeated, single-dash and empty arguments are errors, before any training", () => {
    const results = mkdtempSync(path.join(tmpdir(), "gn-args-"));
    const env = { GRADNOISE_RESULTS_DIR: results };
    try {
      const refused: [string[], RegExp][] = [
        [["deep-mlp", "smoke"], /unexpected argument "smoke"/],
        [["deep-mlp", "-workers", "1"], /flags take two dashes: --workers/],
        [["deep-mlp", "--scale", "smoke", "--scale", "cpu"], /--scale is given twice/],
        [["memn2n", "--scale", "smoke", "--tasks", ","], /--tasks takes a comma-separated list without empty items/],
        [["deep-mlp", "--scale"], /--scale needs a value/],
        [["list", "x"], /list takes no arguments/],
      ];
      for (const [args, re] of refused) {
        const r = cli(args, env);
        assert.equal(r.status, 1, args.join(" "));
        assert.match(r.stderr, re);
        assert.equal(r.stdout, "", `${args.join(" ")}: nothing started`);
      }
      assert.deepEqual(readdirSync(results), [], "no results file was made");
      const t0 = Date.now();
      const bad = cli(["method", "--scale", "smoke", "--out", "/proc/nonexist/x.jsonl"]);
      assert.equal(bad.status, 1);
      assert.match(bad.stderr, /cannot write \/proc\/nonexist\/x\.jsonl/);
      assert.doesNotMatch(bad.stderr + bad.stdout, /saved|runs, /, "refused before planning any training");
      assert.ok(Date.now() - t0 < 15000, "no spinning mkdir");
    } finally {
      rmSync(results, { recursive: true, force: true });
    }
  });
});

describe("stopping a sweep", { skip: !existsSync("/proc/self/stat") && "reads process state from Linux's /proc" }, () => {
  /** The CLI started in its own process group, its output collected; `closed` resolves once every process holding its stderr (the workers too) is gone. */
  function start(args: string[], env: NodeJS.ProcessEnv) {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, GRADNOISE_SCALE: "", ...env }, stdio: ["ignore", "pipe", "pipe"], detached: true });
    const out = { stdout: "", stderr: "" };
    child.stdout!.on("data", (d) => (out.stdout += d));
    child.stderr!.on("data", (d) => (out.stderr += d));
    const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("close", (code, signal) => resolve({ code, signal })));
    return { child, out, closed };
  }
  const until = async (what: string, ok: () => boolean, ms = 30000) => {
    const t0 = Date.now();
    while (!ok()) {
      if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  /** Pids whose parent is `pid` (Linux /proc). */
  const childrenOf = (pid: number) =>
    readdirSync("/proc").filter((d) => /^\d+$/.test(d)).map(Number).filter((p) => {
      try {
        return /^PPid:\s+(\d+)$/m.exec(readFileSync(`/proc/${p}/status`, "utf8"))?.[1] === String(pid);
      } catch {
        return false;
      }
    });
  /** Does a live (not zombie) process of group `pgid` remain? (An orphan's zombie may wait a while for init to reap it.) */
  const groupAlive = (pgid: number) =>
    readdirSync("/proc").some((d) => {
      try {
        const [state, , pgrp] = readFileSync(`/proc/${d}/stat`, "utf8").split(") ")[1].split(" ");
        return /^\d+$/.test(d) && Number(pgrp) === pgid && state !== "Z" && state !== "X";
      } catch {
        return false;
      }
    });
  const args = ["deep-mlp", "--scale", "smoke", "--experiments", "exp6", "--workers", "2"];
  const noStack = /EPIPE|Error|\n\s+at /;

  test("SIGTERM (what schedulers send) stops it like Ctrl-C: workers stop quietly, exit 143, lock released, the same command resumes", async () => {
    const results = mkdtempSync(path.join(tmpdir(), "gn-term-"));
    try {
      const run = start(args, { GRADNOISE_RESULTS_DIR: results });
      await until("a worker to start training", () => /runs;/.test(run.out.stderr));
      const workers = childrenOf(run.child.pid!);
      assert.equal(workers.length, 2, "two workers running");
      run.child.kill("SIGTERM");
      const end = await run.closed;
      assert.equal(end.code, 143);
      assert.match(run.out.stderr, /stopped by SIGTERM: finished runs are saved in .*deep-mlp-smoke-exp6\.jsonl; run the same command to resume/);
      assert.doesNotMatch(run.out.stderr, noStack);
      await until("the workers to be gone (no worker outlives the sweep)", () => !groupAlive(run.child.pid!), 5000);
      assert.ok(!existsSync(path.join(results, "deep-mlp-smoke-exp6.jsonl.lock")), "the lock is released");
      const again = cli(args, { GRADNOISE_RESULTS_DIR: results });
      assert.equal(again.status, 0, again.stderr);
      assert.match(again.stdout, /4 of 4 planned runs/);
    } finally {
      rmSync(results, { recursive: true, force: true });
    }
  });

  test("a worker killed by a signal is reported by the signal's name", async () => {
    const results = mkdtempSync(path.join(tmpdir(), "gn-kill-"));
    try {
      const run = start(args, { GRADNOISE_RESULTS_DIR: results });
      await until("a worker to start training", () => /runs;/.test(run.out.stderr));
      process.kill(childrenOf(run.child.pid!)[0], "SIGKILL");
      const end = await run.closed;
      assert.equal(end.code, 1);
      assert.match(run.out.stderr, /experiment: worker \d was killed by SIGKILL .*; finished runs are saved in /);
      assert.doesNotMatch(run.out.stderr, /code null/);
      assert.ok(!existsSync(path.join(results, "deep-mlp-smoke-exp6.jsonl.lock")));
    } finally {
      rmSync(results, { recursive: true, force: true });
    }
  });

  test("when the parent dies (kill -9), its workers exit quietly instead of training on or dying with EPIPE", async () => {
    const results = mkdtempSync(path.join(tmpdir(), "gn-orphan-"));
    try {
      const run = start(args, { GRADNOISE_RESULTS_DIR: results });
      await until("a worker to start training", () => /runs;/.test(run.out.stderr));
      const pgid = run.child.pid!;
      process.kill(pgid, "SIGKILL");
      await until("the orphaned workers to exit", () => !groupAlive(pgid), 15000);
      await run.closed;
      assert.doesNotMatch(run.out.stderr, noStack);
      // The dead parent's lock is stale: the next sweep takes it over, says so, and finishes.
      const again = cli(args, { GRADNOISE_RESULTS_DIR: results });
      assert.equal(again.status, 0, again.stderr);
      assert.match(again.stderr, /note: took over the lock on .* left by pid \d+ .*which no longer runs/);
    } finally {
      rmSync(results, { recursive: true, force: true });
    }
  });
});

describe("a new section is one folder", () => {
  // A toy section written with the slim contract (docs/adding-a-section.md): the spec's required
  // members, one named table, a verdict (the framework adds the verdicts table) and one figure.
  const TOY = `const { defineExperiment } = require("../../experiments/define");
const { opt } = require("../../experiments/options");
const { judge } = require("../../experiments/verdict");
exports.experiment = defineExperiment({
  id: "toy", section: "9.9", title: "Toy", notebook: "99-toy.ipynb",
  configs: { smoke: { n: 3 }, cpu: { n: 4 }, paper: { n: 5 } },
  options: [opt.int("n", { help: "runs", apply: (c, n) => ({ ...c, n }) })],
  plan: (c) => Array.from({ length: c.n }, (_, i) => ({ key: "run" + i, i })),
  run: async (s) => ({ ...s, value: s.i * s.i, seconds: 0, engine: "none", date: "" }),
  summarize: (rs, _c, planned) => ({ total: rs.reduce((a, r) => a + r.value, 0), planned: planned.length,
    verdicts: [judge({ claim: "toy: total above zero", paper: 4, ours: rs.length, interval: [rs.length, rs.length], p: 0.01, minP: 0, test: "none", n: rs.length, margin: 0.5, marginReason: "half a unit", unit: "raw" })] }),
  report: {
    tables: (s) => [{ name: "total", caption: "toy total", rows: [{ total: s.total, planned: s.planned }] }],
    figures: async (rs) => [{ name: "toy-values", title: "Toy values", fig: { data: [{ x: rs.map((r) => r.i), y: rs.map((r) => r.value), type: "bar" }], layout: {} } }],
    provenance: (c) => "toy, " + c.n + " runs",
  },
});
`;
  const NOTEBOOK = {
    nbformat: 4, nbformat_minor: 5,
    metadata: { kernelspec: { name: "gradnoise", display_name: "TypeScript (gradnoise)", language: "typescript" } },
    cells: [
      { cell_type: "code", id: "p", metadata: { tags: ["parameters"] }, execution_count: null, outputs: [], source: 'let scale: "smoke" | "cpu" | "paper" = "cpu";' },
      {
        cell_type: "code", id: "c", metadata: {}, execution_count: null, outputs: [],
        source: [
          'import * as lab from "../dist/lab";',
          "lab.report.initNotebook();",
          'const run = await lab.experiments.open("toy", { scale: scale, train: true });',
          "lab.report.showMarkdown(run.loaded);",
          "lab.report.showTables([run.tables.total, run.tables.verdicts]);",
          'lab.report.showFigure(run.figures["toy-values"].fig);',
        ].join("\n"),
      },
    ],
  };
  const folders = ["build/src/sections/toy", "dist/sections/toy"].map((d) => path.join(REPO, d));
  const notebook = path.join(REPO, "notebooks", "99-toy.ipynb");
  const add = () => {
    for (const d of folders) {
      mkdirSync(d, { recursive: true });
      writeFileSync(path.join(d, "index.js"), TOY);
    }
    writeFileSync(notebook, JSON.stringify(NOTEBOOK, null, 1) + "\n");
  };
  const remove = () => {
    for (const d of folders) rmSync(d, { recursive: true, force: true });
    rmSync(notebook, { force: true });
  };

  test("a folder dropped under sections/ (and its notebook) is listed, runs from the CLI and gets its figures and report", () => {
    const results = mkdtempSync(path.join(tmpdir(), "gn-toy-"));
    add();
    // The figures CLI writes beside the committed figures: new files go afterwards, changed ones are put back.
    const outDirs = ["figures", path.join("docs", "results")].map((d) => path.join(REPO, d));
    const readme = readFileSync(path.join(REPO, "README.md"), "utf8");
    const before = new Map(outDirs.flatMap((d) => (existsSync(d) ? readdirSync(d).map((f): [string, string] => [path.join(d, f), readFileSync(path.join(d, f), "latin1")]) : [])));
    try {
      assert.match(cli(["list"]).stdout, /toy +9\.9 +Toy +99-toy\.ipynb/);
      const r = cli(["toy", "--scale", "smoke", "--n", "4", "--workers", "1"], { GRADNOISE_RESULTS_DIR: results });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /4 runs, 0 already in .*toy-smoke-n4\.jsonl/);
      assert.match(r.stdout, /toy total\n.*total.*planned.*\n.*14 .*4/);
      assert.match(r.stdout, /toy: total above zero.*agrees/, "the framework's verdicts table");
      const std = cli(["toy", "--scale", "smoke", "--workers", "1"], { GRADNOISE_RESULTS_DIR: results });
      assert.equal(std.status, 0, std.stderr);
      if (findChromium()) {
        const figures = (...args: string[]) => spawnSync(process.execPath, [path.join(REPO, "build", "src", "cli", "figures.js"), ...args], { encoding: "utf8", env: { ...process.env, GRADNOISE_SCALE: "smoke", GRADNOISE_RESULTS_DIR: results } });
        // A sweep still running: refused unless --partial, which draws what is there and says how much that is.
        const file = path.join(results, "toy-smoke.jsonl");
        const full = readFileSync(file, "utf8");
        writeFileSync(file, full.trim().split("\n").slice(0, 2).join("\n") + "\n");
        const refused = figures("toy");
        assert.notEqual(refused.status, 0);
        assert.match(refused.stderr, /has 2 of 3 runs.*--partial/);
        const part = figures("toy", "--partial");
        assert.equal(part.status, 0, part.stderr);
        assert.match(readFileSync(path.join(REPO, "docs", "results", "toy-smoke.md"), "utf8"), /Runs: 2 of 3 planned[\s\S]*toy-values-smoke\.png/);
        const entry = (JSON.parse(readFileSync(path.join(REPO, "figures", "manifest.json"), "utf8")) as { file: string; source: string; command: string }[]).find((m) => m.file === "toy-values-smoke.png")!;
        assert.match(entry.source, /Partial sweep: 2 of 3 planned runs/);
        assert.match(entry.command, /npm run figures -- toy --partial$/);
        assert.match(figures("--partial").stderr, /--partial draws only the experiments named/);
        writeFileSync(file, full);
        const f = figures("toy");
        assert.equal(f.status, 0, f.stderr);
        const page = path.join(REPO, "docs", "results", "toy-smoke.md");
        assert.ok(existsSync(page), "the toy's results page is written");
        assert.match(readFileSync(page, "utf8"), /toy total/);
        assert.ok(existsSync(path.join(REPO, "figures", "toy-values-smoke.png")), "the toy's figure is rendered");
        // README's status table holds the committed cpu results: a smoke run of figures leaves it alone.
        assert.equal(readFileSync(path.join(REPO, "README.md"), "utf8"), readme);
      }
    } finally {
      remove();
      rmSync(results, { recursive: true, force: true });
      for (const d of outDirs) {
        for (const f of existsSync(d) ? readdirSync(d) : []) {
          const file = path.join(d, f);
          if (!before.has(file)) rmSync(file, { force: true });
          else if (readFileSync(file, "latin1") !== before.get(file)) writeFileSync(file, before.get(file)!, "latin1");
        }
      }
    }
  });

  test("its notebook, opening the section by id through gradnoise/lab, executes headless", { skip: !process.env.GRADNOISE_REQUIRE_NOTEBOOKS && (!findJupyterPython() || !findChromium()) ? "needs Jupyter and Chromium; see README" : false }, () => {
    const outDir = mkdtempSync(path.join(tmpdir(), "gn-toy-nb-"));
    add();
    try {
      const { html } = executeNotebook(notebook, { outDir, scale: "smoke", cellTimeout: 300, env: { GRADNOISE_RESULTS_DIR: path.join(outDir, "results") } });
      const text = readFileSync(html, "utf8");
      assert.match(text, /3 of 3 runs loaded/);
      assert.match(text, /toy: total above zero/);
    } finally {
      remove();
      rmSync(outDir, { recursive: true, force: true });
    }
  });

  test("nothing outside a section's folder names it: the CLIs, the framework and the entry points go through the registry", () => {
    const files = ["src/cli", "src/experiments"].flatMap((d) => readdirSync(path.join(REPO, d)).filter((f) => f.endsWith(".ts")).map((f) => path.join(d, f)));
    const offenders: string[] = [];
    for (const file of [...files, "src/lab.ts", "src/index.ts"]) {
      // Code only: comments may use an id as an example.
      const code = readFileSync(path.join(REPO, file), "utf8").replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
      for (const e of experiments()) if (new RegExp(`["'\`/]${e.id}["'\`/]`).test(code)) offenders.push(`${file} names ${e.id}`);
    }
    assert.deepEqual(offenders, []);
  });
});

describe("sharded sweeps", () => {
  test("three shards merged are record for record one unsharded sweep (timings aside)", () => {
    const one = mkdtempSync(path.join(tmpdir(), "gn-one-"));
    const three = mkdtempSync(path.join(tmpdir(), "gn-three-"));
    try {
      const args = ["deep-mlp", "--scale", "smoke", "--experiments", "exp1,exp6", "--workers", "1"];
      const whole = cli(args, { GRADNOISE_RESULTS_DIR: one });
      assert.equal(whole.status, 0, whole.stderr);
      for (let i = 0; i < 3; i++) {
        // Slurm's variables for task i of --array=0-2 pick the shard, as on a cluster.
        const r = cli(args, { GRADNOISE_RESULTS_DIR: three, SLURM_ARRAY_TASK_ID: String(i), SLURM_ARRAY_TASK_MIN: "0", SLURM_ARRAY_TASK_COUNT: "3" });
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, new RegExp(`shard ${i}/3 .*: [34] runs`));
      }
      const name = "deep-mlp-smoke-exp1+exp6.jsonl";
      assert.deepEqual(readdirSync(three).sort(), [0, 1, 2].map((i) => name.replace(".jsonl", `.part-${i}-of-3.jsonl`)));
      const m = cli(["merge", "deep-mlp", "--scale", "smoke", "--experiments", "exp1,exp6"], { GRADNOISE_RESULTS_DIR: three });
      assert.equal(m.status, 0, m.stderr);
      assert.match(m.stdout, /merged 3 part\(s\) .*: 10 of 10 runs/);
      assert.deepEqual(diffRecordFiles(path.join(one, name), path.join(three, name), { ignore: ["seconds", "date", "digest"] }), []);
      // A part from another config is refused, named by file and line.
      writeFileSync(path.join(three, name.replace(".jsonl", ".part-0-of-1.jsonl")), readFileSync(path.join(three, name), "utf8").split("\n")[0].replace(/"fingerprint":"[0-9a-f]+"/, '"fingerprint":"0000000000000000"') + "\n");
      const refused = cli(["merge", "deep-mlp", "--scale", "smoke", "--experiments", "exp1,exp6"], { GRADNOISE_RESULTS_DIR: three });
      assert.equal(refused.status, 1);
      assert.match(refused.stderr, /part-0-of-1\.jsonl:1: .*fingerprint/);
    } finally {
      rmSync(one, { recursive: true, force: true });
      rmSync(three, { recursive: true, force: true });
    }
  });
});

test("sweepCommand gives a command a shell reads back word for word (settings with spaces are quoted)", () => {
  const cmd = sweepCommand(getExperiment("memn2n"), "cpu", { "fixed-std": 0.0316, settings: ["one-stage + noise", "two-stage + noise"] });
  assert.equal(cmd, "npm run experiment -- memn2n --scale cpu --fixed-std 0.0316 --settings 'one-stage + noise,two-stage + noise'");
  const words = execFileSync("sh", ["-c", `for w in ${cmd.replace(/^npm run experiment -- /, "")}; do printf '%s\\n' "$w"; done`], { encoding: "utf8" }).trimEnd().split("\n");
  assert.deepEqual(words, ["memn2n", "--scale", "cpu", "--fixed-std", "0.0316", "--settings", "one-stage + noise,two-stage + noise"]);
  assert.match(sweepCommand(getExperiment("deep-mlp"), "cpu", { settings: ["No Noise"] }), /--settings 'No Noise'$/);
});
