/**
 * Results you can trust: a results file counts a record for a plan only when
 * it is that plan's finished run, and sets everything else aside (kept in a
 * side file, one warning line each naming file, line and reason); a results
 * file has one writer at a time (a lock naming its holder); tables say how
 * many of the planned runs each row holds and how many diverged, by the one
 * rule in train/divergence.ts.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, test } from "node:test";
import type { RunSpec } from "../../../src/experiments/contract";
import { withDigest } from "../../../src/experiments/fingerprint";
import { acquireLock, LockHeldError, lockPath } from "../../../src/experiments/lock";
import { mergeShardFiles, rejectedPath } from "../../../src/experiments/merge";
import { consolidateRecords, loadRecords } from "../../../src/experiments/results";
import { loadSweep, planSweep, runSweep, settleSweep, SweepPlan } from "../../../src/experiments/sweep";
import { MEMN2N_CONFIGS, MemN2NRunRecord } from "../../../src/sections/memn2n";
import { memn2nFor, prepareTask } from "../../../src/families/memn2n";
import { RunRecord as Table1Record } from "../../../src/sections/deep-mlp";
import { blowUpLoss, lossDiverged } from "../../../src/train/divergence";
import { trainMemN2N } from "../../../src/train/memn2n";
import { getExperiment } from "../../../src/experiments/registry";
import { cli, jsonl, tempDirs } from "../../support/sweep-files";

const tmp = tempDirs();
const sideLines = (file: string) => readFileSync(rejectedPath(file), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { file: string; line: number; key?: string; reason: string; raw: string });

/** Table 1's experiment 6 at cpu scale, one run per learning rate 0.1: two planned runs. */
const exp6Plan = (file: string) => planSweep(getExperiment("deep-mlp"), "cpu", { experiments: ["exp6"], runs: 1, lrs: [0.1] }, file);

/** A finished record of `spec` as the code writes it (fingerprinted), with `extra` fields changed. */
function record(plan: SweepPlan, spec: RunSpec, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const c = plan.config as { steps: number; batchSize: number; eta: number; gamma: number };
  const noisy = (spec as { setting?: string }).setting === "With Noise";
  return withDigest({
    ...spec, fingerprint: plan.expected.get(spec.key), scale: plan.scale, steps: c.steps, batchSize: c.batchSize,
    eta: noisy ? c.eta : null, gamma: noisy ? c.gamma : null, dropout: 0, testAccuracy: 0.5, diverged: false,
    curve: { step: [0, 10], loss: [2.3, 2.2] }, evalStep: [10], evalAccuracy: [0.5], seconds: 1, engine: "test", date: "2026-01-01T00:00:00.000Z",
    ...extra,
  });
}

/** The same record as written before fingerprints (and digests) existed. */
function legacy(plan: SweepPlan, spec: RunSpec, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const r = record(plan, spec, extra);
  delete r.fingerprint;
  delete r.digest;
  return r;
}

describe("the results store counts only a plan's finished runs", () => {
  test("every kind of line that does not count is named (file:line, run, reason), then set aside in the side file, never dropped", () => {
    const file = path.join(tmp("store"), "t1.jsonl");
    const plan = exp6Plan(file);
    const [a, b] = plan.specs;
    const smoke = planSweep(getExperiment("deep-mlp"), "smoke", { experiments: ["exp6"], runs: 1, lrs: [0.1] });
    const lines: [unknown, RegExp | null][] = [
      [record(plan, a), null],
      [`{"key":"${b.key}","testAcc`, /:2: unreadable line \(/],
      [{ key: b.key, fingerprint: plan.expected.get(b.key) }, /:3: "exp6\/With Noise\/lr=0\.1\/run0": incomplete record: no "experiment"/],
      [{ key: "task1/one-stage/restart0", task: 1, setting: "one-stage", restart: 0, seed: 101, seconds: 1 }, /:4: "task1\/one-stage\/restart0": no such run in the plan \(deep-mlp at scale "cpu"/],
      [record(plan, b, { fingerprint: smoke.expected.get(b.key) }), /:5: .*fingerprint "[0-9a-f]{16}" is not the plan's [0-9a-f]{16} \(trained with another config, scale or code version\)/],
      [legacy(plan, b), /:6: .*fingerprint missing is not the plan's [0-9a-f]{16}/],
      [record(plan, b, { experiment: "exp5" }), /:7: .*experiment is "exp5", the planned run's is "exp6"/],
      [record(plan, b, { seed: 99 }), /:8: .*seed is 99, the planned run's is 1/],
      [record(plan, b, { testAccuracy: "high" }), /:9: "exp6\/With Noise\/lr=0\.1\/run0": testAccuracy is "high", not a finite number/],
      [record(plan, b, { testAccuracy: null }), /:10: .*testAccuracy is null, not a finite number/],
      ["[1,2]", /:11: not a run record/],
      [record(plan, b), null],
    ];
    writeFileSync(file, jsonl(lines.map(([v]) => v)));
    const before = readFileSync(file, "utf8");

    // Reading (notebooks, figures) warns and counts, and changes nothing.
    const warned: string[] = [];
    const records = loadSweep<Table1Record>(plan, (w) => warned.push(w));
    assert.deepEqual(records.map((r) => [r.key, "fingerprint" in r]), [[a.key, true], [b.key, true]], "the two fingerprinted records of planned runs count");
    const bad = lines.filter(([, re]) => re);
    assert.equal(warned.length, bad.length, warned.join("\n"));
    bad.forEach(([, re], i) => {
      assert.ok(warned[i].startsWith(`${file}:`), warned[i]);
      assert.match(warned[i], re!);
    });
    assert.equal(readFileSync(file, "utf8"), before);
    // The statistics never see the bad accuracy: the summary is made from what counts.
    const s = plan.experiment.summarize(records, plan.config) as { rows: { runs: number; planned: number }[] };
    assert.deepEqual(s.rows.map((r) => [r.runs, r.planned]), [[1, 1], [1, 1]]);

    // A sweep settles the file: what does not count goes to the side file first, verbatim, with its reason.
    const settled: string[] = [];
    settleSweep(plan, (w) => settled.push(w));
    assert.equal(settled.length, bad.length);
    assert.ok(settled.every((w) => w.endsWith(`set aside in ${rejectedPath(file)}`)), settled[0]);
    assert.deepEqual(readFileSync(file, "utf8"), jsonl([lines[0][0], lines[11][0]]));
    const side = sideLines(file);
    assert.deepEqual(side.map((x) => [x.file, x.line]), bad.map((_, i) => [file, [2, 3, 4, 5, 6, 7, 8, 9, 10, 11][i]]));
    assert.equal(side[0].raw, lines[1][0], "the unreadable line is kept as it was");
    assert.match(side[7].reason, /testAccuracy is "high"/);
    // Settling again finds nothing more to set aside and keeps the side file as it is.
    const sideBefore = readFileSync(rejectedPath(file), "utf8");
    settleSweep(plan, () => assert.fail("nothing left to set aside"));
    assert.equal(readFileSync(rejectedPath(file), "utf8"), sideBefore);
  });

  test("repeats of a run: the first record counts, a later different one is set aside, an identical one goes quietly", () => {
    const file = path.join(tmp("dups"), "t1.jsonl");
    const plan = exp6Plan(file);
    const [a, b] = plan.specs;
    const first = record(plan, a, { date: "2026-01-01T00:00:00.000Z" });
    const second = record(plan, a, { date: "2026-01-02T00:00:00.000Z" });
    writeFileSync(file, jsonl([first, record(plan, b), second]));
    writeFileSync(file.replace(".jsonl", ".shard1.jsonl"), jsonl([record(plan, b)]));
    const warned: string[] = [];
    const audit = settleSweep(plan, (w) => warned.push(w));
    assert.deepEqual(audit.records.map((r) => [r.key, r.date]), [[a.key, first.date], [b.key, "2026-01-01T00:00:00.000Z"]]);
    assert.equal(warned.length, 1);
    assert.match(warned[0], /t1\.jsonl:3: "exp6\/No Noise\/lr=0\.1\/run0": a second, different record of this run \(the first, at .*t1\.jsonl:1, is the one counted\)/);
    assert.ok(!existsSync(file.replace(".jsonl", ".shard1.jsonl")), "worker files are merged away");
    assert.equal(readFileSync(file, "utf8"), jsonl([first, record(plan, b)]), "plan order");
  });

  test("consolidating worker files keeps every line it does not carry over in the side file", () => {
    const file = path.join(tmp("consolidate"), "r.jsonl");
    writeFileSync(file, jsonl([{ key: "a", v: 1 }, "not json", { key: "b", v: 1 }]));
    writeFileSync(file.replace(".jsonl", ".shard0.jsonl"), jsonl([{ key: "a", v: 2 }, '{"key": "c", "v": ']));
    const warned: string[] = [];
    const kept = consolidateRecords<{ key: string; v: number }>(file, ["a", "b"], (w) => warned.push(w));
    // The first record of a key is kept, as the sweep's audit and the merge keep it; the later different one is set aside.
    assert.deepEqual(kept, [{ key: "a", v: 1 }, { key: "b", v: 1 }]);
    assert.deepEqual(sideLines(file).map((x) => x.raw).sort(), ["not json", '{"key": "c", "v": ', '{"key":"a","v":2}']);
    assert.equal(warned.length, 3);
    assert.match(warned.join("\n"), /r\.jsonl:2: unreadable line .*; set aside in .*r\.jsonl\.rejected\.jsonl/);
    assert.match(warned.join("\n"), /r\.shard0\.jsonl:1: a second, different record of key "a" \(the first, at .*r\.jsonl:1, is the one kept\)/);
  });

  test("loadRecords, consolidateRecords and the sweep's audit agree: the first record of a key counts, wherever it sits", () => {
    const dir = tmp("first-wins");
    const file = path.join(dir, "r.jsonl");
    const lines = [{ key: "a", v: 1 }, { key: "b", v: 1 }, { key: "a", v: 2 }, { key: "b", v: 1 }];
    writeFileSync(file, jsonl(lines.slice(0, 3)));
    writeFileSync(file.replace(".jsonl", ".shard0.jsonl"), jsonl([{ key: "b", v: 3 }, lines[3]]));
    const warned: string[] = [];
    const loaded = loadRecords<{ key: string; v: number }>(file, (w) => warned.push(w));
    assert.deepEqual(loaded, [{ key: "a", v: 1 }, { key: "b", v: 1 }]);
    assert.equal(warned.length, 2, warned.join("\n"));
    assert.match(warned[0], /r\.jsonl:3: skipping a second, different record of key "a" \(the first, at .*r\.jsonl:1/);
    assert.match(warned[1], /r\.shard0\.jsonl:1: skipping a second, different record of key "b"/);
    assert.deepEqual(consolidateRecords<{ key: string; v: number }>(file, [], () => {}), loaded, "consolidating keeps what loading counted");
    assert.deepEqual(loadRecords(file, () => assert.fail("nothing left to skip")), loaded);
  });

  test("the CLI: reusing --out with another scale or budget refuses and keeps the finished sweep (store-integrity.test.ts has the details)", () => {
    const dir = tmp("rescale");
    const out = path.join(dir, "m.jsonl");
    const smoke = cli(["method", "--scale", "smoke", "--workers", "1", "--out", out]);
    assert.equal(smoke.status, 0, smoke.stderr);
    const before = readFileSync(out, "utf8");
    const cpu = cli(["method", "--scale", "cpu", "--steps", "20", "--seeds", "1", "--workers", "1", "--out", out]);
    assert.equal(cpu.status, 1, cpu.stdout);
    assert.match(cpu.stderr, /m\.jsonl holds 2 record\(s\) of another sweep .*line 1, fingerprint .* is not the plan's/);
    assert.equal(readFileSync(out, "utf8"), before);
  });
});

describe("one writer per results file", { skip: !existsSync("/proc/self/stat") && "reads process start times from Linux's /proc" }, () => {
  /** A process that stays alive until killed, to stand in for a running sweep. */
  const sleeper = () => spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
  const startTicks = (pid: number) => Number(readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ")[19]);
  const fakeLock = (file: string, holder: Record<string, unknown>) => writeFileSync(lockPath(file), JSON.stringify({ host: os.hostname(), started: "2026-01-01T00:00:00.000Z", command: "experiment.js method --scale smoke", ...holder }) + "\n");

  test("a second lock on the same file is refused, naming the holder; a released lock can be taken again", () => {
    const file = path.join(tmp("lock"), "r.jsonl");
    const release = acquireLock(file);
    const holder = JSON.parse(readFileSync(lockPath(file), "utf8"));
    assert.equal(holder.pid, process.pid);
    assert.equal(holder.host, os.hostname());
    assert.ok(!Number.isNaN(Date.parse(holder.started)));
    assert.throws(() => acquireLock(file), (e: unknown) => e instanceof LockHeldError && /locked by this process/.test((e as Error).message));
    release();
    assert.ok(!existsSync(lockPath(file)));
    acquireLock(file)();
  });

  test("a lock held by a running process stops at once naming pid, host and command; once that process is gone it is taken over with a note", async () => {
    const file = path.join(tmp("lock"), "r.jsonl");
    const child = sleeper();
    try {
      fakeLock(file, { pid: child.pid, startTicks: startTicks(child.pid!) });
      assert.throws(() => acquireLock(file), new RegExp(`locked by pid ${child.pid} on ${os.hostname()} since 2026-01-01T00:00:00.000Z \\(experiment\\.js method --scale smoke\\), which is still running`));
    } finally {
      child.kill("SIGKILL");
      await new Promise((r) => child.on("exit", r));
    }
    const notes: string[] = [];
    const release = acquireLock(file, { warn: (m) => notes.push(m) });
    assert.equal(notes.length, 1);
    assert.match(notes[0], new RegExp(`took over the lock on .*r\\.jsonl left by pid ${child.pid} .*which no longer runs`));
    assert.equal(JSON.parse(readFileSync(lockPath(file), "utf8")).pid, process.pid);
    release();
  });

  test("a pid now used by another process does not keep a stale lock alive; a lock from another host is not guessed at", () => {
    const file = path.join(tmp("lock"), "r.jsonl");
    // Our parent is alive, but it started at another time than the recorded holder: the number was reused.
    fakeLock(file, { pid: process.ppid, startTicks: startTicks(process.ppid) + 1 });
    const notes: string[] = [];
    acquireLock(file, { warn: (m) => notes.push(m) })();
    assert.match(notes[0], /took over the lock/);
    fakeLock(file, { pid: 12345, host: "elsewhere.example" });
    assert.throws(() => acquireLock(file), /locked by pid 12345 on elsewhere\.example .*that host cannot be checked from here/);
  });

  test("runSweep and merge take the same lock: nothing is trained or written while another holds it", async () => {
    const file = path.join(tmp("lock"), "m.jsonl");
    const release = acquireLock(file);
    try {
      await assert.rejects(runSweep(planSweep(getExperiment("method"), "smoke", {}, file)), LockHeldError);
      assert.ok(!existsSync(file), "no run was trained");
      const plan = planSweep(getExperiment("method"), "smoke", {}, file);
      writeFileSync(file.replace(".jsonl", ".part-0-of-1.jsonl"), "");
      assert.throws(() => mergeShardFiles({ out: file, inputs: [file.replace(".jsonl", ".part-0-of-1.jsonl")], expected: plan.expected }), LockHeldError);
    } finally {
      release();
    }
  });

  test("the CLI: a second sweep on a file in use stops at once, saying who holds it; a stale lock is taken over", async () => {
    const dir = tmp("lock-cli");
    const file = path.join(dir, "method-smoke.jsonl");
    const child = sleeper();
    try {
      fakeLock(file, { pid: child.pid, startTicks: startTicks(child.pid!) });
      const t0 = Date.now();
      const r = cli(["method", "--scale", "smoke", "--workers", "1"], { GRADNOISE_RESULTS_DIR: dir });
      assert.equal(r.status, 1);
      assert.match(r.stderr, new RegExp(`experiment: .*method-smoke\\.jsonl is locked by pid ${child.pid} on ${os.hostname()}`));
      assert.ok(!existsSync(file), "nothing trained");
      assert.ok(Date.now() - t0 < 15000);
    } finally {
      child.kill("SIGKILL");
      await new Promise((r) => child.on("exit", r));
    }
    const r = cli(["method", "--scale", "smoke", "--workers", "1"], { GRADNOISE_RESULTS_DIR: dir });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /note: took over the lock on .*method-smoke\.jsonl left by pid \d+/);
    assert.ok(!existsSync(lockPath(file)), "released at the end");
  });
});

describe("tables: runs held of planned, and divergence", () => {
  test("each row says how many of its planned runs it holds (Table 1, Table 2, Section 3)", () => {
    const deep = planSweep(getExperiment("deep-mlp"), "cpu");
    const some = loadSweep<Table1Record>(deep).filter((r) => r.key !== "exp1/No Noise/lr=0.1/run0");
    const t1 = deep.experiment.tables(deep.experiment.summarize(some, deep.config), deep.config);
    assert.equal(t1[0].rows[0].runs, "5 of 6");
    assert.equal(t1[0].rows[1].runs, "6 of 6");
    assert.match(t1[0].caption, /6 runs planned per row .*"runs" is how many of them this table holds/);

    const mem = planSweep(getExperiment("memn2n"), "cpu");
    const recs = loadSweep<MemN2NRunRecord>(mem).filter((r) => r.key !== "task3/one-stage/restart1");
    const t2 = mem.experiment.tables(mem.experiment.summarize(recs, mem.config), mem.config);
    assert.deepEqual([t2[0].rows[0].tasks, t2[0].rows[0].restarts, t2[0].rows[1].restarts], ["20 of 20", "59 of 60", "60 of 60"]);

    const method = planSweep(getExperiment("method"), "cpu");
    const m = method.experiment.tables(method.experiment.summarize(loadSweep(method).slice(0, 3), method.config), method.config);
    assert.match(m[0].caption, /Runs held of planned: no noise 2 of 3, with noise 1 of 3\./);
  });

  test("divergence is one rule: a non-finite loss, or one above 1000 x ln(classes)", () => {
    assert.equal(blowUpLoss(10), 1000 * Math.log(10));
    assert.equal(lossDiverged([2.3, 2.2, null], 10), true, "NaN is recorded as null");
    assert.equal(lossDiverged([70, 2.4e10], 30), true, "a finite blow-up (MemN2N, 2.4e10)");
    assert.equal(lossDiverged([2.3, 7.9, 0.3], 10), false, "a spike to 3.4 x ln 10 (the committed maximum) is not");
    assert.equal(lossDiverged([70, 16, 0.5], 80), false, "a linear start's large first epoch is not");
    // The committed results: no run diverged.
    for (const [id, overrides] of [["deep-mlp", {}], ["memn2n", {}], ["memn2n", { pe: "paper" }]] as const) {
      const p = planSweep(getExperiment(id), "cpu", overrides);
      const s = p.experiment.summarize(loadSweep(p), p.config) as { rows: { diverged: number }[] };
      assert.ok(s.rows.every((r) => r.diverged === 0), id);
    }
  });

  test("a blow-up the old code did not flag is counted in its row, and the caption says how averages treat it", () => {
    const mem = planSweep(getExperiment("memn2n"), "cpu");
    const recs = loadSweep<MemN2NRunRecord>(mem).map((r) =>
      r.key === "task1/one-stage + noise/restart2" ? { ...r, diverged: false, curve: { ...r.curve, loss: [...r.curve.loss.slice(0, -1), 2.4e10] } } : r,
    );
    const t = mem.experiment.tables(mem.experiment.summarize(recs, mem.config), mem.config)[0];
    const row = t.rows.find((x) => x.setting === "one-stage + noise")!;
    assert.equal(row.diverged, 1);
    assert.ok(t.rows.filter((x) => x !== row).every((x) => x.diverged === 0));
    assert.match(t.caption, /"diverged": runs that diverged \(training loss non-finite or above 1000 x ln\(classes\).*\); here restarts.*enters the averages only when kept/);

    const deep = planSweep(getExperiment("deep-mlp"), "cpu");
    const d = loadSweep<Table1Record>(deep).map((r) => (r.key === "exp2/No Noise/lr=0.1/run1" ? { ...r, curve: { ...r.curve, loss: [...r.curve.loss, null as unknown as number] } } : r));
    const t1 = deep.experiment.tables(deep.experiment.summarize(d, deep.config), deep.config)[0];
    const flagged = t1.rows.filter((x) => x.diverged !== 0);
    assert.deepEqual(flagged.map((x) => [x.setting, x.runs, x.diverged]), [["No Noise", "6 of 6", 1]], "a NaN loss counts, and the run stays in its row");
    assert.match(t1.caption, /they count in best and average with the accuracy they ended with/);
  });

  test("training records a finite blow-up as diverged (MemN2N with absurd noise)", async () => {
    const task = prepareTask(1, { trainQuestions: 64 });
    const run = async (eta: number) => {
      const model = memn2nFor(task, MEMN2N_CONFIGS.smoke, 2);
      const h = await trainMemN2N(model, task.train, { seed: 2, epochs: 2, linearEpochs: 0, learningRate: 0.01, eta });
      model.dispose();
      return h;
    };
    const wild = await run(1e6);
    assert.ok(wild.loss.every(Number.isFinite), "finite, so only the blow-up rule can catch it");
    assert.equal(wild.diverged, true, `losses ${wild.loss}`);
    assert.equal((await run(0.01)).diverged, false);
  });
});
