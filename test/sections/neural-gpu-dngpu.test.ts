/**
 * Section 4.5's DNGPU extension: the plan pairs the arms on shared seeds, the
 * summary counts trials under each threshold on the pairs with the exact
 * McNemar test (verdicts linked to Table 5's claims, carried to DNGPU), the
 * threshold curves are the arms' error distributions, and a smoke sweep trains
 * both arms to finite errors at every test length and resumes without
 * redoing finished trials.
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
import { DNGPU_CONFIGS, DNGPURunRecord, dngpuRows, dngpuThresholdFigure, planDNGPURuns, summarizeDNGPU, trainOperandBits } from "../../src/sections/neural-gpu-dngpu";
import { pairedProportions } from "../../src/stats/proportions";

before(async () => {
  await selectBackend({ backend: "cpu" });
});

// digitErrors: [short test, long test], the short one half the long one.
const rec = (seed: number, arm: "none" | "noise", testError: number, trainError = 0.1) => ({ seed, arm, testError, trainError, digitErrors: [testError / 2, testError], key: `s${seed}/${arm}` }) as DNGPURunRecord;

describe("neural-gpu-dngpu section", () => {
  test("the plan: every seed in both arms; tests at least 10x the longest training operand at every scale", () => {
    const c = DNGPU_CONFIGS.cpu;
    const specs = planDNGPURuns(c);
    assert.equal(specs.length, 2 * c.seeds);
    assert.equal(new Set(specs.map((s) => s.key)).size, specs.length);
    const none = specs.filter((s) => s.arm === "none"), noise = specs.filter((s) => s.arm === "noise");
    assert.deepEqual(none.map((s) => s.seed), noise.map((s) => s.seed));
    assert.equal(planDNGPURuns({ ...c, arms: ["noise"] }).length, c.seeds);
    assert.throws(() => planDNGPURuns({ ...c, arms: ["loud" as "noise"] }), /unknown arm/);
    assert.throws(() => planDNGPURuns({ ...c, testBits: [] }), /testBits must be positive integers/);
    assert.throws(() => planDNGPURuns({ ...c, testChunk: 0 }), /testExamples and testChunk/);
    for (const s of ["smoke", "cpu", "paper"] as const) assert.ok(DNGPU_CONFIGS[s].testBits.at(-1)! >= 10 * trainOperandBits(DNGPU_CONFIGS[s]), s);
    assert.equal(trainOperandBits(DNGPU_CONFIGS.paper), 20);
  });

  test("the summary counts under each threshold on paired trials and links verdicts to Table 5's claims", () => {
    const none = [0.5, 0.04, 0.025, 0.2, 0.015, 0.3];
    const noise = [0.005, 0.04, 0.015, 0.2, 0.005, 0.045];
    const records = [...none.map((e, i) => rec(i + 1, "none", e, 0.2)), ...noise.map((e, i) => rec(i + 1, "noise", e, 0.1)), rec(9, "noise", 0)];
    const s = summarizeDNGPU(records, planDNGPURuns(DNGPU_CONFIGS.smoke));
    assert.equal(s.pairs, 6);
    assert.equal(s.planned, 2);
    const at = (t: number) => s.rows.find((r) => r.threshold === t)!.comparison!;
    assert.deepEqual([0.01, 0.02, 0.03, 0.05].map((t) => [at(t).a.k, at(t).b.k]), [[2, 0], [3, 1], [3, 2], [5, 3]]);
    assert.deepEqual(at(0.05), pairedProportions(noise.map((e) => e < 0.05), none.map((e) => e < 0.05)));
    assert.deepEqual(s.verdicts.map((v) => v.claimId), ["gn-4.5-table5-1pct", "gn-4.5-table5-thresholds", "gn-4.5-table5-thresholds", "gn-4.5-table5-thresholds"]);
    assert.ok(s.verdicts.every((v) => /DNGPU/.test(v.claim) && /original Neural GPU only/.test(v.claim)));
    assert.ok(Math.abs(s.trainError.none - 0.2) < 1e-12 && Math.abs(s.trainError.noise - 0.1) < 1e-12);
    assert.match(String(dngpuRows(s)[0]["DNGPU, with noise [95% CI]"]), /^2 of 6, 33\.3%/);
    const curve = (dngpuThresholdFigure(s).data as { x: number[]; y: number[]; name: string }[]).find((t) => t.name.startsWith("DNGPU, no noise"))!;
    assert.deepEqual(curve.x, [...none].sort((a, b) => a - b));
    assert.deepEqual(curve.y, [1, 2, 3, 4, 5, 6].map((k) => k / 6));
    assert.deepEqual(summarizeDNGPU([], []).verdicts, []);
    // The secondary comparison on the long-test error: paired mean of noise - none, the unpaired seed left out.
    assert.equal(s.errorDifference!.n, 6);
    assert.ok(Math.abs(s.errorDifference!.difference - noise.reduce((a, x, i) => a + x - none[i], 0) / 6) < 1e-12);
    assert.equal(summarizeDNGPU([], []).errorDifference, null);
    assert.ok(Math.abs(s.shortErrorDifference!.difference - s.errorDifference!.difference / 2) < 1e-12, "the short test: half of each error, half the difference");
  });

  test("smoke sweep: both arms train to finite errors at each test length, and resume redoes nothing", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "dngpu-sweep-"));
    const file = path.join(dir, "neural-gpu-dngpu-smoke.jsonl");
    try {
      const ran = await runSweep(planSweep(getExperiment("neural-gpu-dngpu"), "smoke", {}, file));
      assert.equal(ran.length, 4);
      const recs = loadRecords<DNGPURunRecord>(file);
      for (const r of recs) {
        assert.equal(r.digitErrors.length, 2);
        assert.ok(r.digitErrors.every((e) => e >= 0 && e <= 1));
        assert.equal(r.testError, r.digitErrors[1]);
        assert.equal(r.eta === null, r.arm === "none");
      }
      // The arms of a pair differ (the noise reached the weights).
      const [a, b] = [recs.find((r) => r.key === "s1/none")!, recs.find((r) => r.key === "s1/noise")!];
      assert.notDeepEqual(a.loss, b.loss);
      assert.equal((await runSweep(planSweep(getExperiment("neural-gpu-dngpu"), "smoke", {}, file))).length, 0);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});
