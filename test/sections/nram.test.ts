/**
 * Section 4.4 (Table 4) and the NRAM arms of 4.6: the plan pairs every arm on
 * the same seeds, the arms get the noise and batch they name, the summary
 * counts and pairs successes as constructed, and a smoke run returns a full
 * record with its execution trace and leaves no tensors behind.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { armBatch, armNoise, experiment, fixedVariance, listSvg, NRAM_CONFIGS, NramRunRecord, planNramRuns, summarizeNram, timestepSvg, traceList, traceTable, trainNramRun } from "../../src/sections/nram";
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
