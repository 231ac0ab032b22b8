import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { before, describe, test } from "node:test";
import { REPO } from "../../../src/cli/jupyter";
import { selectBackend } from "../../../src/engine";
import { DEEP_MLP_CONFIGS, planRuns, RunRecord, summarizeTable1, TABLE1 } from "../../../src/sections/deep-mlp";
import { loadRecords } from "../../../src/experiments/results";
import { planSweep, runSweep } from "../../../src/experiments/sweep";
import { MLP, MLP_TRAINING_KERNELS } from "../../../src/models/mlp";
import { getExperiment } from "../../../src/experiments/registry";
import { VERDICT_LABELS } from "../../../src/experiments/verdict";

before(async () => {
  await selectBackend({ requiredKernels: MLP_TRAINING_KERNELS });
});

describe("Table 1 plan", () => {
  test("six experiments, thirteen rows, the paper's numbers", () => {
    assert.equal(TABLE1.length, 6);
    assert.equal(TABLE1.reduce((n, e) => n + e.rows.length, 0), 13);
    const exp6 = TABLE1.find((e) => e.id === "exp6")!;
    assert.deepEqual(exp6.init, { kind: "zeros" });
    assert.equal(exp6.clip, 10);
    assert.deepEqual(exp6.rows.find((r) => r.setting === "With Noise")!.paper, { best: 0.945, avg: 0.497 });
    assert.equal(TABLE1.find((e) => e.id === "exp1")!.clip, null);
  });

  test("every scale keeps the paper's network and optimiser", () => {
    for (const cfg of Object.values(DEEP_MLP_CONFIGS)) {
      assert.equal(cfg.depth, 20);
      assert.equal(cfg.width, 50);
      assert.deepEqual(cfg.learningRates, [0.1, 0.01]);
      assert.equal(cfg.eta, 0.01);
      assert.equal(cfg.gamma, 0.55);
    }
    assert.equal(DEEP_MLP_CONFIGS.paper.runsPerLr * 2, 40, "paper scale: 40 runs per row");
  });

  test("runs are paired: run i at a learning rate has the same seed in every row", () => {
    const cfg = DEEP_MLP_CONFIGS.cpu;
    const specs = planRuns(cfg);
    assert.equal(specs.length, 13 * cfg.learningRates.length * cfg.runsPerLr);
    assert.equal(new Set(specs.map((s) => s.key)).size, specs.length, "keys are unique");
    const seedOf = new Map<string, Set<number>>();
    for (const s of specs) {
      const k = `${s.lr}/${s.run}`;
      if (!seedOf.has(k)) seedOf.set(k, new Set());
      seedOf.get(k)!.add(s.seed);
    }
    for (const [k, seeds] of seedOf) assert.equal(seeds.size, 1, `${k} has seeds ${[...seeds]}`);
    assert.equal(new Set(specs.map((s) => s.seed)).size, cfg.learningRates.length * cfg.runsPerLr);
  });
});

describe("summary statistics", () => {
  const rec = (experiment: string, setting: RunRecord["setting"], testAccuracy: number, run: number) =>
    ({ key: `${experiment}/${setting}/${run}`, experiment, setting, testAccuracy, diverged: false }) as RunRecord;

  test("best, average and interval per row; tests of with- vs without-noise", () => {
    const no = [0.1135, 0.1135, 0.1135, 0.1135, 0.1135, 0.1135];
    const yes = [0.9, 0.85, 0.95, 0.88, 0.91, 0.93];
    const records = [...no.map((a, i) => rec("exp6", "No Noise", a, i)), ...yes.map((a, i) => rec("exp6", "With Noise", a, i))];
    const { rows, comparisons } = summarizeTable1(records);
    const r = rows.find((x) => x.setting === "With Noise")!;
    assert.equal(r.best, 0.95);
    assert.ok(Math.abs(r.avg - yes.reduce((a, b) => a + b, 0) / 6) < 1e-12);
    assert.ok(r.avgLow <= r.avg && r.avg <= r.avgHigh && r.avgHigh <= 0.95 && r.avgLow >= 0.85);
    assert.equal(rows.find((x) => x.setting === "No Noise")!.avg, 0.1135);
    const c = comparisons[0];
    assert.equal(c.experiment, "exp6");
    assert.ok(c.difference > 0.7);
    // 6 vs 6 fully separated: the exact two-sided permutation p is 2 / C(12, 6) = 0.0022.
    assert.ok(c.pPermutation < 0.01, String(c.pPermutation));
    assert.ok(c.pMannWhitney < 0.01, String(c.pMannWhitney));
    assert.ok(Math.abs(c.paperDifference - (0.497 - 0.101)) < 1e-12);
    // Every noisy run left the plateau, no plain one did: Fisher's p = 2 / C(12, 6).
    assert.deepEqual([c.escapedWith, c.runsWith, c.escapedWithout, c.runsWithout], [6, 6, 0, 6]);
    assert.ok(Math.abs(c.pEscaped - 2 / 924) < 1e-12);
    const same = summarizeTable1([...no.map((a, i) => rec("exp3", "No Noise", a, i)), ...no.map((a, i) => rec("exp3", "With Noise", a, i))]);
    assert.equal(same.comparisons[0].pMannWhitney, 1);
  });

  test("dropout fails (Exp. 1): no verdict while the no-dropout control fails too, a verdict once it escapes", () => {
    const plateau = [0.1135, 0.1135, 0.1135];
    const drop = plateau.map((a, i) => rec("exp1", "No Noise + Dropout", a, i));
    const stuck = summarizeTable1([...drop, ...plateau.map((a, i) => rec("exp1", "No Noise", a, i))]);
    assert.equal(stuck.verdicts.filter((v) => v.claimId === "gn-4.1-dropout-fails").length, 0);
    assert.equal(stuck.unjudged.length, 1);
    assert.equal(stuck.unjudged[0].claimId, "gn-4.1-dropout-fails");
    assert.match(stuck.unjudged[0].reason, /^uninformative: the no-dropout control fails too .*0 of 3 runs/);
    const escaped = summarizeTable1([...drop, ...[0.9, 0.85, 0.95].map((a, i) => rec("exp1", "No Noise", a, i))]);
    assert.deepEqual(escaped.unjudged, []);
    const v = escaped.verdicts.find((x) => x.claimId === "gn-4.1-dropout-fails")!;
    assert.ok(v.ours < -0.7 && v.paper < 0, `${v.ours} ${v.paper}`);
    assert.equal(v.n, 3);
  });
});

describe("sweeps", () => {
  test("a smoke sweep writes one record per run and resumes after an interruption without redoing finished runs", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "gn-sweep-"));
    const file = path.join(dir, "deep-mlp-smoke.jsonl");
    const ran = await runSweep(planSweep(getExperiment("deep-mlp"), "smoke", {}, file));
    const specs = planRuns(DEEP_MLP_CONFIGS.smoke);
    assert.equal(ran.length, specs.length);
    const first = loadRecords<RunRecord>(file);
    assert.equal(first.length, specs.length);
    const r0 = first[0];
    assert.equal(r0.steps, 8);
    assert.equal(r0.curve.step.length, r0.curve.loss.length);
    assert.ok(r0.evalAccuracy.length >= 2 && r0.testAccuracy >= 0 && r0.testAccuracy <= 1);
    assert.match(r0.engine, /^backend /);
    const dropoutRun = first.find((r) => r.setting === "No Noise + Dropout")!;
    assert.equal(dropoutRun.dropout, 0.5);
    assert.equal(first.find((r) => r.setting === "With Noise")!.eta, 0.01);

    // Interrupt: keep 20 records, then a line cut off mid-write.
    const lines = readFileSync(file, "utf8").trim().split("\n");
    writeFileSync(file, lines.slice(0, 20).join("\n") + "\n");
    appendFileSync(file, lines[20].slice(0, 50));
    const warnings: string[] = [];
    assert.equal(loadRecords<RunRecord>(file, (w) => warnings.push(w)).length, 20);
    assert.match(warnings[0], /:21: skipping unreadable record/);

    const redone = await runSweep(planSweep(getExperiment("deep-mlp"), "smoke", {}, file));
    assert.deepEqual(redone.map((s) => s.key).sort(), specs.slice(20).map((s) => s.key).sort(), "only the lost runs are redone");
    const after = loadRecords<RunRecord>(file, () => undefined);
    assert.equal(after.length, specs.length);
    for (const r of first.slice(0, 20)) assert.equal(after.find((x) => x.key === r.key)!.date, r.date, `${r.key} was redone`);
    // Deterministic: a redone run reproduces its first result.
    for (const r of first.slice(21)) assert.deepEqual(after.find((x) => x.key === r.key)!.curve, r.curve, `${r.key} differs on rerun`);
    assert.deepEqual(await runSweep(planSweep(getExperiment("deep-mlp"), "smoke", {}, file)), [], "a finished sweep does nothing");
  });

  test("the CLI runs a sweep on two workers, prints the table beside the paper, and resumes", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "gn-cli-"));
    const out = path.join(dir, "t1.jsonl");
    const cli = path.join(REPO, "build", "src", "cli", "experiment.js");
    const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", env: { ...process.env, GRADNOISE_SCALE: "" } });
    const r = run("deep-mlp", "--scale", "smoke", "--workers", "2", "--out", out);
    assert.equal(r.status, 0, r.stderr);
    // Workers wrote shards; the parent merged them into one file in plan order.
    assert.ok(!existsSync(path.join(dir, "t1.shard0.jsonl")) && !existsSync(path.join(dir, "t1.shard1.jsonl")), "shards are merged away");
    const merged = readFileSync(out, "utf8").trim().split("\n").map((l) => (JSON.parse(l) as RunRecord).key);
    assert.deepEqual(merged, planRuns(DEEP_MLP_CONFIGS.smoke).map((s) => s.key));
    assert.match(r.stdout, /smoke scale, 26 of 26 planned runs/);
    assert.match(r.stdout, /Bad Init \(Zero Init\) \+ Gradient Clip = 10 +With Noise .*94\.5%/);
    assert.match(r.stdout, /p, permutation/);
    assert.match(r.stdout, new RegExp(`\\*\\*(${VERDICT_LABELS.map((l) => l.replace(/[()]/g, "\\$&")).join("|")})\\*\\*`));
    const again = run("deep-mlp", "--scale", "smoke", "--out", out, "--workers", "1");
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /26 runs, 26 already in .*, 0 to do/);
    assert.match(run("bogus").stderr, /no experiment "bogus"; registered: method, deep-mlp, memn2n/);
    assert.match(run("deep-mlp", "--scale", "huge").stderr, /--scale must be one of smoke, cpu, paper; got "huge"/);
    assert.match(run("deep-mlp", "--workers", "0", "--scale", "smoke").stderr, /--workers must be a positive integer/);
    assert.match(run("deep-mlp", "--scale", "smoke", "--experiments", "exp9").stderr, /--experiments takes exp1, exp2, exp3, exp4, exp5, exp6; got "exp9"/);
    assert.match(run("deep-mlp", "--scale", "smoke", "--lrs", "0.1,-1").stderr, /--lrs must be positive; got "-1"/);
  });

  test("an extension study (one experiment, other budget) gets its own results file and records its settings", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "gn-ext-"));
    const cli = path.join(REPO, "build", "src", "cli", "experiment.js");
    // GRADNOISE_RESULTS_DIR keeps the test out of the checkout's results/.
    const r = spawnSync(process.execPath, [cli, "deep-mlp", "--scale", "smoke", "--experiments", "exp6", "--steps", "12", "--lrs", "0.1", "--runs", "2", "--workers", "2"], {
      encoding: "utf8", cwd: dir, env: { ...process.env, GRADNOISE_SCALE: "", GRADNOISE_RESULTS_DIR: dir },
    });
    assert.equal(r.status, 0, r.stderr);
    const file = path.join(dir, "deep-mlp-smoke-exp6-steps12-runs2-lr0.1.jsonl");
    try {
      const recs = loadRecords<RunRecord>(file);
      assert.equal(recs.length, 4, "2 rows x 1 lr x 2 runs");
      assert.ok(recs.every((x) => x.experiment === "exp6" && x.steps === 12 && x.lr === 0.1));
      assert.match(r.stdout, /with --experiments exp6 --steps 12 --runs 2 --lrs 0.1: 4 runs/);
    } finally {
      rmSync(file, { force: true });
    }
  });
});

test("dropout: a fresh seeded mask each training step, none at evaluation", () => {
  const m = new MLP({ inputSize: 6, hidden: [16, 16], outputSize: 3, init: { kind: "he" }, seed: 4, dropout: 0.5 });
  const x = tf.randomNormal([8, 6], 0, 1, "float32", 3) as tf.Tensor2D;
  const at = (step?: number) => Array.from(tf.tidy(() => m.logits(x, step).dataSync()));
  assert.deepEqual(at(0), at(0), "same step, same mask");
  assert.notDeepEqual(at(0), at(1), "a new mask each step");
  assert.deepEqual(at(), at(), "evaluation is deterministic");
  assert.notDeepEqual(at(), at(0), "evaluation drops nothing");
  assert.throws(() => new MLP({ inputSize: 6, hidden: [4], outputSize: 3, init: { kind: "he" }, seed: 1, dropout: 1 }), /dropout must be in \[0, 1\)/);
  x.dispose();
  m.dispose();
});

describe("extension studies", () => {
  test("plateauExitRows: one line per row, counting the runs whose evaluations left the plateau and when", async () => {
    const { plateauExitRows } = await import("../../../src/sections/deep-mlp");
    const run = (setting: "No Noise" | "With Noise", acc: number[], final: number) =>
      ({ title: "Bad Init", setting, lr: 0.1, steps: 3000, evalStep: [1000, 2000, 3000], evalAccuracy: acc, testAccuracy: final }) as unknown as RunRecord;
    const rows = plateauExitRows([
      run("With Noise", [0.11, 0.9, 0.93], 0.93), run("With Noise", [0.9, 0.92, 0.95], 0.95), run("No Noise", [0.11, 0.11, 0.11], 0.1135),
    ]);
    assert.deepEqual(rows, [
      { row: "Bad Init: With Noise, lr 0.1", runs: "2", "left the plateau": "2 of 2", "first evaluation above it (update)": "1,000 to 2,000", "final test accuracy": "93.0% to 95.0%" },
      { row: "Bad Init: No Noise, lr 0.1", runs: "1", "left the plateau": "0 of 1", "first evaluation above it (update)": "none within 3,000", "final test accuracy": "11.3%" },
    ]);
  });
});
