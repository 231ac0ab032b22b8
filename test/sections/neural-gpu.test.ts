/**
 * Section 4.5 (Table 5): the plan pairs the arms on shared seeds and grid
 * points, the summary counts trials under each threshold and compares the
 * pairs with the exact McNemar test (linked to the claims ledger), and a
 * smoke sweep trains both arms to finite errors at every test length and
 * resumes without redoing finished trials.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { before, describe, test } from "node:test";
import { selectBackend } from "../../src/engine";
import { loadRecords } from "../../src/experiments/results";
import { getExperiment } from "../../src/experiments/registry";
import { planSweep, runSweep } from "../../src/experiments/sweep";
import { gridPoints, lengthFigure, NEURAL_GPU_CONFIGS, NeuralGPURunRecord, planNeuralGPURuns, summarizeTable5, table5Rows, thresholdFigure } from "../../src/sections/neural-gpu";
import { pairedProportions } from "../../src/stats/proportions";

before(async () => {
  await selectBackend({ backend: "cpu" });
});

/** A record with only what the summary reads. */
// digitErrors: [short test, long test]; the short one a fixed fraction of the long one so the two comparisons differ.
const rec = (point: number, seed: number, arm: "none" | "noise", testError: number) => ({ point, seed, arm, testError, digitErrors: [testError / 4, testError], key: `p${point}/s${seed}/${arm}` }) as NeuralGPURunRecord;

describe("neural-gpu section", () => {
  test("the plan: every grid point x seed in both arms, the arms sharing seed and hyperparameters", () => {
    const c = NEURAL_GPU_CONFIGS.cpu;
    const specs = planNeuralGPURuns(c);
    assert.equal(gridPoints(c.grid).length, 32);
    assert.equal(specs.length, 32 * c.seeds * 2);
    assert.equal(new Set(specs.map((s) => s.key)).size, specs.length);
    const none = specs.filter((s) => s.arm === "none"), noise = specs.filter((s) => s.arm === "noise");
    none.forEach((s, i) => assert.deepEqual({ ...noise[i], arm: "none", key: s.key }, s));
    assert.equal(new Set(none.map((s) => s.seed)).size, none.length);
    assert.equal(NEURAL_GPU_CONFIGS.paper.trainBits * 10, NEURAL_GPU_CONFIGS.paper.testBits.at(-1));
    assert.ok(NEURAL_GPU_CONFIGS.cpu.testBits.at(-1)! >= 10 * NEURAL_GPU_CONFIGS.cpu.trainBits);
  });

  test("the summary counts under each threshold on paired trials and links verdicts to the ledger", () => {
    // 6 pairs: errors chosen so that counts differ by threshold; one unpaired record is left out.
    const none = [0.5, 0.04, 0.025, 0.2, 0.015, 0.3];
    const noise = [0.005, 0.04, 0.015, 0.2, 0.005, 0.045];
    const records = [...none.map((e, i) => rec(0, i, "none", e)), ...noise.map((e, i) => rec(0, i, "noise", e)), rec(1, 0, "noise", 0)];
    const s = summarizeTable5(records, planNeuralGPURuns(NEURAL_GPU_CONFIGS.smoke));
    assert.equal(s.pairs, 6);
    const at = (t: number) => s.rows.find((r) => r.threshold === t)!.comparison!;
    assert.deepEqual([0.01, 0.02, 0.03, 0.05].map((t) => [at(t).a.k, at(t).b.k]), [[2, 0], [3, 1], [3, 2], [5, 3]]);
    assert.deepEqual(at(0.05), pairedProportions(noise.map((e) => e < 0.05), none.map((e) => e < 0.05)));
    assert.deepEqual(s.verdicts.map((v) => v.claimId), ["gn-4.5-table5-1pct", "gn-4.5-table5-thresholds", "gn-4.5-table5-thresholds", "gn-4.5-table5-thresholds"]);
    assert.equal(s.errors.noise.length, 7);
    assert.deepEqual(s.errors.none, [...none].sort((a, b) => a - b));
    // The secondary comparison: the paired mean of noise - none over the 6 pairs (the unpaired record left out).
    const d = s.errorDifference!;
    assert.equal(d.n, 6);
    assert.ok(Math.abs(d.difference - (noise.reduce((a, x) => a + x, 0) - none.reduce((a, x) => a + x, 0)) / 6) < 1e-12);
    assert.ok(d.low <= d.difference && d.difference <= d.high);
    assert.equal(summarizeTable5([rec(0, 0, "none", 0.5)], []).errorDifference, null, "no pairs, no comparison");
    // And on the short test: a quarter of each error here, so a quarter of the difference.
    assert.ok(Math.abs(s.shortErrorDifference!.difference - d.difference / 4) < 1e-12);
  });

  test("figures: the threshold curves are the fraction of trials at or below each error; error vs length averages per arm", () => {
    const none = [0.5, 0.04, 0.025, 0.2], noise = [0.005, 0.04, 0.015, 0.2];
    const records = [...none.map((e, i) => rec(0, i, "none", e)), ...noise.map((e, i) => rec(0, i, "noise", e))];
    const s = summarizeTable5(records, []);
    const tr = thresholdFigure(s).data as { x: number[]; y: number[]; name: string }[];
    const noiseCurve = tr.find((t) => t.name.startsWith("ours, with noise"))!;
    assert.deepEqual(noiseCurve.x, [0.005, 0.015, 0.04, 0.2]);
    assert.deepEqual(noiseCurve.y, [0.25, 0.5, 0.75, 1]);
    const paper = tr.find((t) => t.name === "paper, with noise (Table 5)")!;
    assert.deepEqual(paper.y.map((y) => Math.round(y * 7290)), [58, 159, 282, 570]);
    assert.match(String(table5Rows(s)[0]["with noise (ours) [95% CI]"]), /^1 of 4, 25\.0%/);
    const withLengths = records.map((r, i) => ({ ...r, testBits: [4, 40], digitErrors: [i / 10, r.testError] }));
    const lf = lengthFigure(withLengths).data as { x: number[]; y: number[]; name: string }[];
    const meanNone = lf.find((t) => t.name === "no noise: mean over trials")!;
    assert.deepEqual(meanNone.x, [4, 40]);
    assert.ok(Math.abs(meanNone.y[0] - 0.15) < 1e-12 && Math.abs(meanNone.y[1] - (0.5 + 0.04 + 0.025 + 0.2) / 4) < 1e-12);
  });

  test("smoke sweep: both arms train to finite errors at each test length, and resume redoes nothing", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "ngpu-sweep-"));
    const file = path.join(dir, "neural-gpu-smoke.jsonl");
    try {
      const ran = await runSweep(planSweep(getExperiment("neural-gpu"), "smoke", {}, file));
      assert.equal(ran.length, 4);
      const recs = loadRecords<NeuralGPURunRecord>(file);
      for (const r of recs) {
        assert.equal(r.digitErrors.length, 2);
        assert.ok(r.digitErrors.every((e) => e >= 0 && e <= 1));
        assert.equal(r.testError, r.digitErrors[1]);
        assert.equal(r.eta === null, r.arm === "none");
      }
      assert.equal((await runSweep(planSweep(getExperiment("neural-gpu"), "smoke", {}, file))).length, 0);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});
