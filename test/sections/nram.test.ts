/**
 * Section 4.4 (Table 4) and the NRAM arms of 4.6: the plan pairs every arm on
 * the same seeds, the arms get the noise and batch they name, the summary
 * counts and pairs successes as constructed, and a smoke run returns a full
 * record with its execution trace and leaves no tensors behind.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { armBatch, armNoise, experiment, fixedVariance, listSvg, NRAM_CONFIGS, NramRunRecord, planNramRuns, rankSearch, SEARCH_GRID, searchSentences, SETTINGS, summarizeNram, table4Letter, timestepSvg, traceList, traceTable, trainNramRun } from "../../src/sections/nram";
import { planSweep } from "../../src/experiments/sweep";
import { studyTables } from "../../src/experiments/studies";
import { getExperiment } from "../../src/experiments/registry";

before(async () => {
  await tf.setBackend("cpu");
});

describe("nram plan", () => {
  test("Table 4 arms on every setting, the 4.6 arms on setting 1, the same seeds everywhere", () => {
    const c = { ...NRAM_CONFIGS.cpu, seeds: 3 };
    const plan = planNramRuns(c);
    assert.equal(plan.length, 3 * 2 * 3 + 4 * 3);
    assert.equal(new Set(plan.map((p) => p.key)).size, plan.length);
    for (const s of [0, 1, 2]) for (const arm of ["plain", "noise"]) assert.deepEqual(plan.filter((p) => p.setting === s && p.arm === arm).map((p) => p.seed), [1, 2, 3]);
    assert.ok(plan.filter((p) => p.setting > 0).every((p) => p.arm === "plain" || p.arm === "noise"));
    assert.throws(() => planNramRuns({ ...c, arms: ["nope" as never] }), /unknown arm/);
    assert.equal(getExperiment("nram").section, "4.4");
    assert.equal(experiment.claims.length, 4);
  });

  test("each arm gets the noise and batch it names; fixed variances are log-uniform on [1e-4, 0.1] and seeded", () => {
    const c = NRAM_CONFIGS.cpu;
    assert.deepEqual(armNoise(c, "noise", 1), { kind: "annealed", eta: 0.01, gamma: 0.55 });
    assert.deepEqual(armNoise(c, "plain", 1), { kind: "none" });
    assert.equal(armNoise(c, "weight", 1).kind, "weight");
    assert.equal(armBatch(c, "batch10"), 10);
    assert.equal(armBatch(c, "batch25"), 25);
    assert.equal(armBatch(c, "plain"), c.batch);
    const vs = Array.from({ length: 200 }, (_, i) => fixedVariance(c, i + 1));
    assert.ok(vs.every((v) => v >= 1e-4 && v <= 0.1));
    const logs = vs.map(Math.log10);
    const below = logs.filter((l) => l < -2.5).length; // the log-scale midpoint
    assert.ok(below > 70 && below < 130, `log-uniform: ${below} of 200 below 10^-2.5`);
    assert.equal(fixedVariance(c, 7), fixedVariance(c, 7));
    const ex = traceList(c);
    assert.equal(ex.length, c.maxLength);
    assert.equal(ex.k, ex.length - 1);
  });
});

describe("nram summary", () => {
  const rec = (setting: number, arm: NramRunRecord["arm"], seed: number, success: boolean): NramRunRecord => ({
    key: `setting${setting + 1}/${arm}/seed${seed}`, setting, arm, seed, scale: "cpu", settingName: "s", batch: 50, noise: { kind: "none" },
    testError: success ? 0 : 0.5, success, generalisationError: 0.5, level: 3, skipped: 0, curve: { step: [0], loss: [1], batchError: [1], level: [1] }, trace: [], seconds: 1, engine: "x", date: "d",
  });

  test("counts, pairs and the McNemar table come out as constructed", () => {
    const records: NramRunRecord[] = [];
    // Setting 1: noise succeeds on seeds 1-4, plain on seed 5 only; setting 2: noise on seed 1, plain on seed 1.
    for (let seed = 1; seed <= 6; seed++) {
      records.push(rec(0, "noise", seed, seed <= 4), rec(0, "plain", seed, seed === 5));
      records.push(rec(1, "noise", seed, seed === 1), rec(1, "plain", seed, seed === 1));
      records.push(rec(0, "fixed", seed, false), rec(0, "batch10", seed, false), rec(0, "batch25", seed, false), rec(0, "weight", seed, false));
    }
    const s = summarizeNram(records);
    const t1 = s.table4[0];
    assert.equal(t1.test.n, 6);
    assert.equal(t1.test.a.k, 4);
    assert.equal(t1.test.b.k, 1);
    assert.equal(t1.test.onlyA, 4);
    assert.equal(t1.test.onlyB, 1);
    const pooled = s.table4.find((r) => r.what.startsWith("all settings"))!;
    assert.equal(pooled.test.n, 12);
    assert.equal(pooled.test.a.k, 5);
    assert.ok(pooled.power! > 0 && pooled.power! < 1);
    assert.equal(s.ablations.length, 4);
    assert.equal(s.ablations[0].test.onlyA, 4, "noise vs fixed on setting 1");
    assert.deepEqual([...new Set(s.verdicts.map((v) => v.claimId))].sort(), ["gn-4.4-listk-success", "gn-4.6-nram-batch-size", "gn-4.6-nram-fixed-noise", "gn-4.6-nram-weight-noise"]);
    const arm = s.arms.find((a) => a.setting === 0 && a.arm === "noise")!;
    assert.equal(arm.successes, 4);
    assert.ok(arm.low > 0.2 && arm.high < 0.96);
  });

  test("the secondary test-error comparison pairs seeds and sees a shift the counts cannot (no run at error 0)", () => {
    const records: NramRunRecord[] = [];
    // No run succeeds; noise lowers every seed's error by 10 points (+/- 2).
    for (let seed = 1; seed <= 10; seed++) {
      const base = 0.3 + 0.03 * seed;
      records.push({ ...rec(0, "plain", seed, false), testError: base }, { ...rec(0, "noise", seed, false), testError: base - 0.1 + (seed % 2 ? 0.02 : -0.02) });
    }
    // An unpaired noise run (seed 11) must not enter the comparison.
    records.push({ ...rec(0, "noise", 11, false), testError: 0.9 });
    const s = summarizeNram(records);
    assert.equal(s.table4[0].test.diff, 0, "the counts: 0 vs 0");
    const e = s.table4Error.find((r) => r.what === "setting 1")!;
    assert.equal(e.test.n, 10);
    assert.ok(Math.abs(e.test.difference + 0.1) < 1e-9, `difference ${e.test.difference}`);
    assert.ok(e.test.high < 0 && e.test.low > -0.13, `interval [${e.test.low}, ${e.test.high}]`);
    assert.ok(e.test.p < 0.01);
    assert.deepEqual(s.table4Error.map((r) => r.what), ["setting 1"], "no pooled row over a single setting");
    assert.ok(!s.table4.some((r) => r.what.startsWith("all settings")), "nor in Table 4");
  });
});

describe("nram settings search", () => {
  test("the grid holds 12 distinct settings, A-C among them; the study plans held-out seeds and keeps Table 4's plan", () => {
    assert.equal(SEARCH_GRID.length, 12);
    assert.equal(new Set(SEARCH_GRID.map((s) => s.name)).size, 12);
    assert.deepEqual(SEARCH_GRID.map(table4Letter).filter(Boolean).sort(), ["A", "B", "C"]);
    SETTINGS.forEach((s, i) => assert.equal(table4Letter(s), "ABC"[i]));
    const study = experiment.studies!.find((s) => s.overrides.settings === "search")!;
    const plan = planSweep(experiment, study.scale, study.overrides);
    assert.equal(plan.specs.length, 12 * 2 * 2);
    assert.deepEqual([...new Set(plan.specs.map((p) => (p as { seed: number }).seed))], [1001, 1002]);
    assert.ok(plan.specs.every((p) => ["plain", "noise"].includes((p as { arm: string }).arm)));
    assert.match(plan.file, /nram-cpu-.*\.jsonl$/, "its own results file");
    // Table 4's sweep: seeds from 1, its own three settings, and the same fingerprints as without the new options.
    const standard = planSweep(experiment, "cpu");
    assert.equal(standard.config.search, undefined);
    assert.equal(standard.config.firstSeed, undefined);
    assert.deepEqual(standard.config.settings, SETTINGS);
    assert.ok(standard.specs.every((p) => p.key.endsWith(`seed${(p as { seed: number }).seed}`)));
    assert.throws(() => planNramRuns({ ...NRAM_CONFIGS.cpu, firstSeed: 0 }), /firstSeed/);
  });

  const rec = (setting: number, arm: NramRunRecord["arm"], seed: number, testError: number, level = 2): NramRunRecord => ({
    key: `setting${setting + 1}/${arm}/seed${seed}`, setting, arm, seed, scale: "cpu", settingName: "s", batch: 50, noise: { kind: "none" },
    testError, success: testError === 0, generalisationError: 0.5, level, skipped: 0, curve: { step: [0], loss: [1], batchError: [1], level: [1] }, trace: [], seconds: 1, engine: "x", date: "d",
  });

  test("ranks within each arm by mean test error, ties by level then grid order; a search judges nothing", () => {
    const records = [
      // plain: setting 2 best (0.1), then settings 0 and 3 tie on error (0.4), 3 reached a higher level; setting 1 last.
      rec(0, "plain", 1001, 0.4), rec(0, "plain", 1002, 0.4),
      rec(1, "plain", 1001, 0.9), rec(1, "plain", 1002, 0.7),
      rec(2, "plain", 1001, 0.0), rec(2, "plain", 1002, 0.2),
      rec(3, "plain", 1001, 0.3, 3), rec(3, "plain", 1002, 0.5, 3),
      // noise: settings 0 and 1 tie on error and level: grid order decides.
      rec(0, "noise", 1001, 0.2), rec(1, "noise", 1001, 0.2), rec(2, "noise", 1001, 0.6),
    ];
    const c = { ...NRAM_CONFIGS.cpu, settings: SEARCH_GRID.slice(0, 4), search: true, firstSeed: 1001, seeds: 2, arms: ["plain" as const, "noise" as const] };
    const s = experiment.summarize(records, c);
    assert.deepEqual(s.verdicts, []);
    const plain = s.search!.filter((r) => r.arm === "plain");
    assert.deepEqual(plain.map((r) => [r.setting, r.rank]), [[2, 1], [3, 2], [0, 3], [1, 4]]);
    assert.equal(plain[0].successes, 1);
    assert.ok(Math.abs(plain[0].meanTestError - 0.1) < 1e-12);
    const noise = s.search!.filter((r) => r.arm === "noise");
    assert.deepEqual(noise.map((r) => r.setting), [0, 1, 2], "setting 3 has no noise records: left out");
    assert.deepEqual(rankSearch([]), []);
    const tables = experiment.tables(s, c);
    assert.deepEqual(tables.filter((t) => t.rows.length).map((t) => t.name), ["search", "arms"]);
    const top = tables[0].rows.filter((r) => String(r.rank).includes("top 3"));
    assert.equal(top.length, 6, "three per arm");
    const study = experiment.studies!.find((x) => x.overrides.settings === "search")!;
    const shown = studyTables(experiment, { study, file: "f", command: "c", planned: 48, ownPlanned: 48, ownFinished: records.length, borrowed: 0, config: c, records, summary: s });
    assert.deepEqual(shown.map((t) => t.name), ["search", "arms"], "no empty verdicts table");
    const names = c.settings.map((x) => x.name);
    const letter = (i: number) => (i === 2 ? "A" : i === 0 ? "B" : undefined);
    const said = searchSentences(s.search!, names, letter);
    assert.equal(said.length, 2);
    assert.match(said[0], /^\*\*plain\*\*: the search's top 3 of 4: lr 0.003, entropy 0.1, clips 1\/1 \(A\); /);
    assert.match(said[0], /Table 4's settings rank A 1st, B 3rd: 2 of 2 would have been chosen/);
    assert.match(said[1], /rank A 3rd, B 1st: 2 of 2/);
  });
});

describe("nram run (smoke)", () => {
  test("one run: a full record with a trace per timestep; no tensors left", async () => {
    const c = NRAM_CONFIGS.smoke;
    const before = tf.memory().numTensors;
    const r = await trainNramRun({ key: "k", setting: 0, arm: "noise", seed: 1 }, c, { scale: "smoke" });
    assert.equal(tf.memory().numTensors, before);
    assert.equal(r.trace.length, c.timesteps);
    assert.equal(r.trace[0].registers.length, c.registers);
    assert.deepEqual(r.trace[0].memory, Array.from(traceList(c).memory), "the trace starts from the trace list");
    assert.ok(r.testError >= 0 && r.testError <= 1);
    assert.equal(r.success, r.testError === 0);
    assert.ok(r.generalisationError >= 0 && r.generalisationError <= 1);
    const rows = traceTable(r);
    assert.equal(rows.length, c.timesteps);
    assert.ok(String(rows[0].READ).startsWith("p:"));
    assert.match(timestepSvg(), /<svg[\s\S]*WRITE[\s\S]*<\/svg>/);
    assert.match(listSvg(traceList(NRAM_CONFIGS.cpu)), /head[\s\S]*out/);
  });
});
