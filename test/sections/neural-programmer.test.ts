/**
 * Section 4.3 (Neural Programmer): the plan pairs arms run for run (same
 * grid point, same seed), the 4.6 variants get their settings, the summary
 * counts and tests what the records say (checked on synthetic records), every
 * verdict names a claim of the section, and a smoke sweep plans, runs,
 * resumes, summarizes and draws.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { before, describe, test } from "node:test";
import { selectBackend } from "../../src/engine";
import { getExperiment } from "../../src/experiments/registry";
import { loadRecords } from "../../src/experiments/results";
import { planSweep, runSweep } from "../../src/experiments/sweep";
import {
  ablationRows, Arm, ARMS, compareArms, curvesFigure, experiment, fixedVarianceAt, hyperGrid, noiseOf, NP_CONFIGS, NP_TRAINING_KERNELS, NPRunRecord, perfectRows, planNPRuns, summarizeNP, table3Rows, trainNPRun,
} from "../../src/sections/neural-programmer";

before(async () => {
  await selectBackend({ backend: "cpu", requiredKernels: NP_TRAINING_KERNELS });
});

function fake(task: NPRunRecord["task"], arm: Arm, grid: number, seedIndex: number, acc: number): NPRunRecord {
  return {
    key: `${task}/${arm}/g${grid}/s${seedIndex}`, task, arm, grid, seedIndex, seed: 1000 * (grid + 1) + seedIndex + 1, scale: "smoke", hyper: hyperGrid()[grid], batchSize: 50,
    noise: { kind: "none" }, dropout: 0, steps: 1, testSize: 10, finalAccuracy: acc, perfect: acc === 1, diverged: false,
    curve: { evalStep: [1, 2], testAccuracy: [acc / 2, acc], loss: [2, 1] }, seconds: 0, engine: "none", date: "",
  };
}

describe("neural-programmer section", () => {
  test("the grid has 72 distinct points; every arm of a task trains the same grid points and seeds", () => {
    const g = hyperGrid();
    assert.equal(new Set(g.map((p) => JSON.stringify(p))).size, 72);
    const plan = planNPRuns(NP_CONFIGS.cpu);
    assert.equal(new Set(plan.map((s) => s.key)).size, plan.length);
    for (const task of ["single", "five", "text"] as const) {
      const byArm = new Map<string, string[]>();
      for (const s of plan.filter((x) => x.task === task)) byArm.set(s.arm, [...(byArm.get(s.arm) ?? []), `${s.grid}/${s.seed}`]);
      const sets = [...byArm.values()].map((v) => v.join(","));
      assert.ok(sets.length >= 4 && sets.every((x) => x === sets[0]), `${task}: arms pair up`);
    }
    assert.equal(planNPRuns(NP_CONFIGS.paper).filter((s) => s.task === "single" && s.arm === "noise").length, 216);
    assert.throws(() => planNPRuns({ ...NP_CONFIGS.cpu, gridPoints: 73 }), RangeError);
    assert.throws(() => planNPRuns({ ...NP_CONFIGS.cpu, arms: ["loud" as Arm] }), RangeError);
  });

  test("the batch arms run the same number of updates as every arm, on smaller batches", async () => {
    const cfg = NP_CONFIGS.smoke;
    const spec = planNPRuns({ ...cfg, arms: ["batch 10"] })[0];
    let updates = 0;
    const r = await trainNPRun(spec, cfg, { scale: "smoke", onStep: () => updates++ });
    assert.equal(r.batchSize, 10);
    assert.equal(r.steps, cfg.steps);
    assert.equal(updates, cfg.steps);
  });

  test("each arm's noise: annealed eta 1.0; fixed variance log-uniform in [1e-4, 0.1] per grid point; weight noise from 1e-6", () => {
    const c = NP_CONFIGS.cpu;
    assert.deepEqual(noiseOf("noise", c, 0), { kind: "annealed", eta: 1, gamma: 0.55 });
    assert.deepEqual(noiseOf("no noise", c, 0), { kind: "none" });
    assert.deepEqual(noiseOf("weight noise", c, 0), { kind: "weight", eta: 1e-6, gamma: 0.55 });
    const vs = Array.from({ length: 72 }, (_, g) => fixedVarianceAt(c, g));
    assert.ok(vs.every((v) => v >= 1e-4 && v <= 0.1));
    const logs = vs.map((v) => Math.log10(v));
    assert.ok(logs.filter((l) => l < -2.5).length > 15 && logs.filter((l) => l > -2.5).length > 15, "spread over the log range");
  });

  test("the summary counts perfect runs, pairs them for McNemar, and judges each claim under its id", () => {
    const rs: NPRunRecord[] = [];
    for (let g = 0; g < 10; g++) {
      for (const arm of ARMS.filter((a) => !a.startsWith("dropout +"))) {
        if (["five", "text"].includes(arm)) continue;
        rs.push(fake("single", arm, g, 0, arm === "noise" ? (g < 6 ? 1 : 0.9) : arm === "weight noise" ? 0.2 : g === 0 ? 1 : 0.8));
      }
      for (const task of ["five", "text"] as const) for (const arm of ["no noise", "noise", "dropout", "dropout + noise"] as Arm[]) rs.push(fake(task, arm, g, 0, arm.includes("noise") && arm !== "no noise" ? 0.95 : 0.9));
    }
    const s = summarizeNP(rs);
    const c = compareArms(rs, "single", "noise", "no noise")!;
    assert.deepEqual([c.counts.a.k, c.counts.b.k, c.counts.onlyA, c.counts.onlyB, c.counts.n], [6, 1, 5, 0, 10]);
    assert.ok(Math.abs(c.counts.p - 2 * 0.5 ** 5) < 1e-12, "exact McNemar: 5 discordant pairs all one way");
    assert.ok(c.powerAtPaperRates! >= 0 && c.powerAtPaperRates! < 0.2, "10 pairs cannot see 9/216 vs 1/216");
    const five = compareArms(rs, "five", "noise", "no noise")!;
    assert.ok(Math.abs(five.accuracy.difference - 0.05) < 1e-9);
    const ids = new Set(s.verdicts.map((v) => v.claimId));
    for (const id of experiment.claims!.map((x) => x.id)) assert.ok(ids.has(id), `a verdict for ${id}`);
    assert.ok(s.verdicts.every((v) => experiment.claims!.some((x) => x.id === v.claimId)));
    assert.equal(perfectRows(s).find((r) => r.setting === "noise")!.perfect, 6);
    assert.equal(table3Rows(s).length, 8);
    assert.equal(ablationRows(s).find((r) => r.arm === "weight noise")!["best error"], "80.0%");
    assert.equal(curvesFigure(rs, "five").data.length, 4);
  });

  test("a smoke sweep plans, runs, resumes, summarizes and draws", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "gradnoise-np-"));
    try {
      const e = getExperiment("neural-programmer");
      const file = path.join(dir, "neural-programmer-smoke.jsonl");
      const plan = planSweep(e, "smoke", {}, file);
      await runSweep(plan);
      const records = loadRecords<NPRunRecord>(file);
      assert.deepEqual(records.map((r) => r.key).sort(), plan.specs.map((s) => s.key).sort());
      for (const r of records) assert.ok(r.finalAccuracy >= 0 && r.finalAccuracy <= 1 && r.curve.evalStep.length === 2, r.key);
      assert.deepEqual(await runSweep(planSweep(e, "smoke", {}, file)), [], "a finished sweep does nothing");
      const s = e.summarize(records, plan.config);
      assert.ok(e.tables(s, plan.config).some((t) => t.name === "perfect" && t.rows.length === 2));
      const figs = await e.figures(records, s, plan.config);
      assert.ok(figs.length === 2 && figs[0].fig.data.length > 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
