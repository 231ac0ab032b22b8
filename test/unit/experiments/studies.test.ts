/**
 * Extension studies (issue 13): a study that reruns part of a comparison is
 * completed by the standard sweep's paired runs; the options the studies use
 * (MemN2N fixed noise, Table 1 rows) reach training and the results-file name.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { getExperiment } from "../../../src/experiments/registry";
import { loadStudies, loadStudy, studySlug } from "../../../src/experiments/studies";
import { loadSweep, planSweep, resultsFile, runSweep } from "../../../src/experiments/sweep";
import type { AnyExperiment, RunRecord } from "../../../src/experiments/contract";
import { RESULTS_ENV } from "../../../src/experiments/paths";
import { trainMemN2N } from "../../../src/train/memn2n";
import { memn2nFor, prepareTask } from "../../../src/families/memn2n";
import { MNIST_PLATEAU } from "../../../src/sections/deep-mlp/paper";
import { TABLE2 } from "../../../src/sections/memn2n/paper";
import type { Table2Summary } from "../../../src/sections/memn2n/summary";

const memn2n = getExperiment("memn2n");
const deepMlp = getExperiment("deep-mlp");

describe("studies completed by the standard sweep", () => {
  test("the committed eta = 1.0 study: its 120 noisy runs beside the standard sweep's 120 plain runs, paired by key", () => {
    const st = memn2n.studies!.find((s) => s.overrides.eta === 1)!;
    const r = loadStudy(memn2n, st, () => {})!;
    assert.equal(r.ownFinished, 120);
    assert.equal(r.borrowed, 120);
    assert.equal(r.planned, 240);
    const setting = (x: RunRecord) => (x as unknown as { setting: string }).setting;
    const settings = (rs: RunRecord[]) => [...new Set(rs.map(setting))].sort();
    assert.deepEqual(settings(r.records), ["one-stage", "one-stage + noise", "two-stage", "two-stage + noise"]);
    // The borrowed runs are the standard sweep's own records, untouched.
    const base = new Map(loadSweep(planSweep(memn2n, "cpu"), () => {}).map((x) => [x.key, x]));
    for (const x of r.records.filter((y) => !setting(y).endsWith("+ noise"))) assert.deepEqual(x, base.get(x.key));
    for (const x of r.records.filter((y) => setting(y).endsWith("+ noise"))) assert.equal((x as unknown as { eta: number }).eta, 1);
    // Summarised under the comparison's config: every one of the 20 tasks is a pair.
    const cmp = (r.summary as unknown as { comparisons: { procedure: string; tasks: number }[] }).comparisons;
    assert.ok(cmp.length >= 2 && cmp.every((c) => c.tasks === 20), JSON.stringify(cmp));
  });

  test("a study that declares no comparison borrows nothing", () => {
    const st = deepMlp.studies!.find((s) => s.overrides.steps === 20000)!;
    const r = loadStudy(deepMlp, st, () => {})!;
    assert.equal(r.borrowed, 0);
    assert.equal(r.records.length, r.ownFinished);
    assert.ok(r.records.every((x) => (x as unknown as { steps: number }).steps === 20000));
  });
});

describe("study figures from the committed cpu results", () => {
  type Trace = { name?: string; x: number[]; y: number[]; line?: { color?: string; dash?: string }; error_y?: { array: number[]; arrayminus: number[] }; showlegend?: boolean };
  const standard = (ex: AnyExperiment) => {
    const plan = planSweep(ex, "cpu");
    const records = loadSweep(plan, () => {});
    return { config: plan.config, records, summary: ex.summarize(records, plan.config) };
  };

  test("deep-mlp: one accuracy-curve figure per study, one line per run coloured by setting, the plateau dashed", async () => {
    const base = standard(deepMlp);
    const studies = loadStudies(deepMlp, "cpu", () => {}, base.records);
    assert.equal(studies.length, 5);
    const blocks = await deepMlp.studyFigures!(studies, base.config, base);
    assert.equal(blocks.length, 5);
    assert.deepEqual(blocks.map((b) => b.name), studies.map((r) => studySlug(r.study)));
    assert.equal(new Set(blocks.map((b) => b.name)).size, 5);
    assert.ok(blocks.some((b) => b.name === "study-zero-init-40000-updates-10-pairs-power-study"), blocks.map((b) => b.name).join());
    for (const [i, b] of blocks.entries()) {
      const r = studies[i];
      assert.match(b.title, new RegExp(`^${r.study.title.replace(/[()]/g, "\\$&")}`));
      assert.ok(b.source?.includes(path.relative(process.cwd(), r.file)) && b.source.includes(r.command), b.source);
      const data = b.fig.data as Trace[];
      const plateau = data.filter((t) => t.name?.includes("plateau"));
      assert.equal(plateau.length, 1);
      assert.equal(plateau[0].line?.dash, "dash");
      assert.deepEqual(plateau[0].y, [MNIST_PLATEAU, MNIST_PLATEAU]);
      const runs = data.filter((t) => !t.name?.includes("plateau"));
      assert.equal(runs.length, r.records.length, "one trace per run");
      const recs = r.records as unknown as { key: string; setting: string; evalStep: number[]; evalAccuracy: number[] }[];
      for (const x of recs) {
        const t = runs.find((u) => (u as unknown as { text: string[] }).text[0].startsWith(x.key))!;
        assert.ok(t, x.key);
        assert.deepEqual(t.x, x.evalStep);
        assert.deepEqual(t.y, x.evalAccuracy);
        assert.ok(t.y.every((v) => Number.isFinite(v) && v >= 0 && v <= 1));
        assert.equal(t.line?.color, x.setting === "No Noise" ? "#d62728" : "#1f77b4");
      }
      // One legend entry per setting (and experiment), not per run.
      assert.equal(runs.filter((t) => t.showlegend).length, new Set(runs.map((t) => t.name)).size);
    }
  });

  test("memn2n: one figure over the noise variants, the standard sweep's annealed noise first, means inside their intervals", async () => {
    const base = standard(memn2n);
    const studies = loadStudies(memn2n, "cpu", () => {}, base.records);
    const variants = studies.filter((r) => r.study.completes);
    assert.equal(variants.length, 3);
    const blocks = await memn2n.studyFigures!(studies, base.config, base);
    assert.deepEqual(blocks.map((b) => b.name), ["study-memn2n-noise-variants"]);
    for (const r of variants) assert.ok(blocks[0].source?.includes(r.command), r.command);
    const data = blocks[0].fig.data as Trace[];
    const sets = [base.summary as Table2Summary, ...variants.map((r) => r.summary as Table2Summary)];
    for (const stages of ["one-stage", "two-stage"] as const) {
      const ours = data.find((t) => t.name?.startsWith(`${stages}: noise - none`))!;
      const paper = data.find((t) => t.name?.startsWith(`${stages}: paper`))!;
      assert.equal(ours.y.length, 4);
      ours.y.forEach((y, k) => {
        // The mean is the summary's paired comparison (points) and lies inside its interval.
        const cmp = sets[k].comparisons.find((c) => c.stages === stages)!;
        assert.equal(cmp.tasks, 20);
        assert.ok(Math.abs(y - 100 * cmp.validationDifference) < 1e-9, `${stages} ${k}: ${y} vs ${cmp.validationDifference}`);
        const [up, down] = [ours.error_y!.array[k], ours.error_y!.arrayminus[k]];
        assert.ok(Number.isFinite(y) && Number.isFinite(up) && Number.isFinite(down), `${up} ${down}`);
        assert.ok(up >= 0 && down >= 0 && up + down > 0, `interval [${y - down}, ${y + up}]`);
      });
      const want = 100 * (TABLE2[`${stages} + noise`].validation - TABLE2[stages].validation);
      assert.ok(paper.y.every((v) => Math.abs(v - want) < 1e-9), JSON.stringify(paper.y));
    }
  });
});

describe("MemN2N fixed noise (--fixed-std)", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "gn-studies-"));
  const old = process.env[RESULTS_ENV];
  // Set when this suite starts, not when it is declared (the suite above reads the committed results).
  before(() => (process.env[RESULTS_ENV] = dir));
  after(() => {
    if (old === undefined) delete process.env[RESULTS_ENV];
    else process.env[RESULTS_ENV] = old;
    rmSync(dir, { recursive: true, force: true });
  });

  test("a smoke study of the noisy settings, completed by the plain smoke runs; the noise is constant and does act", async () => {
    const overrides = { "fixed-std": 0.05, settings: ["one-stage + noise", "two-stage + noise"] };
    assert.equal(path.basename(resultsFile(memn2n, "smoke", overrides)), "memn2n-smoke-std0.05-onestage+noise+twostage+noise.jsonl");
    await runSweep(planSweep(memn2n, "smoke"), { warn: () => {} });
    await runSweep(planSweep(memn2n, "smoke", overrides), { warn: () => {} });
    const ex: AnyExperiment = { ...memn2n, studies: [{ title: "t", scale: "smoke", overrides, completes: { "fixed-std": 0.05 } }] };
    const r = loadStudy(ex, ex.studies![0], () => {})!;
    assert.equal(r.ownFinished, 2);
    assert.equal(r.borrowed, 2);
    const byKey = new Map(r.records.map((x) => [x.key, x as unknown as { fixedStd?: number; eta: number | null; gamma: number | null; curve: { loss: number[] } }]));
    const noisy = byKey.get("task1/one-stage + noise/restart0")!;
    const plain = byKey.get("task1/one-stage/restart0")!;
    assert.equal(noisy.fixedStd, 0.05);
    assert.equal(noisy.eta, null);
    assert.equal(noisy.gamma, null);
    assert.equal(plain.fixedStd, undefined);
    // Same seed, same data order: only the noise differs, and it changes the losses.
    assert.notDeepEqual(noisy.curve.loss, plain.curve.loss);
  });

  test("a constant std differs from Eq. 1's annealed noise of the same initial size, and eta with fixedStd is refused", async () => {
    const data = prepareTask(1, { trainQuestions: 64 });
    const run = async (o: { eta: number | null; fixedStd?: number }) => {
      const m = memn2nFor(data, { positionEncoding: "reference" }, 7);
      const h = await trainMemN2N(m, data.train, { seed: 7, epochs: 3, linearEpochs: 0, learningRate: 0.01, ...o });
      m.dispose();
      return h.loss;
    };
    // Eq. 1 at t = 0 has variance eta; a constant std sqrt(eta) matches it on the first step only.
    const annealed = await run({ eta: 0.01 });
    const fixed = await run({ eta: null, fixedStd: 0.1 });
    assert.notDeepEqual(annealed, fixed);
    assert.deepEqual(await run({ eta: null, fixedStd: 0.1 }), fixed, "same seed, same fixed-noise run");
    await assert.rejects(run({ eta: 0.01, fixedStd: 0.1 }), /give eta or fixedStd, not both/);
    await assert.rejects(run({ eta: null, fixedStd: -1 }), /fixedStd must be a positive number/);
  });
});

describe("Table 1 rows (--settings)", () => {
  test("only the named rows are planned, with the seeds of the full plan; the file is tagged; unknown rows are refused", () => {
    const full = planSweep(deepMlp, "cpu", { experiments: ["exp1"] }).specs;
    const part = planSweep(deepMlp, "cpu", { experiments: ["exp1"], settings: ["No Noise", "With Noise"] });
    assert.deepEqual(part.specs, full.filter((s) => s.setting !== "No Noise + Dropout"));
    assert.equal(path.basename(part.file), "deep-mlp-cpu-exp1-nonoise+withnoise.jsonl");
    assert.throws(() => planSweep(deepMlp, "cpu", { settings: ["Noise"] }), /unknown Table 1 setting\(s\) Noise/);
  });
});
