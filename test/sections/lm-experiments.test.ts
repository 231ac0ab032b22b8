/**
 * The language-model experiments (lm-ptb: GN Section 4.6; noisin-ptb,
 * noisin-noise-level, noisin-wikitext2: NOISIN Tables 2-3 and Figure 2;
 * noise-comparison: beyond both papers): their statistics (per-condition
 * rows, pairing by seed, overfitting, the 2 x 2 interaction, rows won; the
 * t tests themselves are checked in test/unit/stats/ttest.test.ts), the
 * trainer's divergence rule, and a smoke sweep of each that plans, runs,
 * resumes, summarizes and draws.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { selectBackend } from "../../src/engine";
import { getExperiment } from "../../src/experiments/registry";
import { loadRecords, SweepProgress } from "../../src/experiments/results";
import { planSweep, runSweep } from "../../src/experiments/sweep";
import { interactionTerms, NoiseComparisonRecord } from "../../src/sections/noise-comparison";
import { gammaCondition, NOISE_LEVEL_CONFIGS, NoiseLevelRecord, summarizeNoiseLevel } from "../../src/sections/noisin-noise-level";
import { REPO } from "../../src/cli/jupyter";
import { loadCorpus } from "../../src/data/corpus";
import { bestRegulariserCounts, NOISIN_PTB_CONFIGS, noisinPtbSetup, NoisinPtbSummary, planNoisinPtb } from "../../src/sections/noisin-ptb";
import { RnnLM } from "../../src/models/rnn-lm";
import { studentTTwoSided } from "../../src/stats/ttest";
import { evaluationWindows, perplexity, trainLM } from "../../src/train/lm";
import { identicalLMRun, LMSetup, runLMSetup, ZAREMBA_SMALL } from "../../src/families/lm";
import { lmCompare, lmConditionRows, lmDifferenceFigure, LMRecordLike, overfitting } from "../../src/families/lm/report";

before(async () => {
  await selectBackend({ backend: "wasm" });
});

const close = (a: number, b: number, tol: number, what = "") => assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b} (tolerance ${tol})`);

const rec = (condition: string, seed: number, test: number | null, o: Partial<LMRecordLike> = {}): LMRecordLike => ({
  key: `${condition}/${seed}`, condition, seed, validPerplexity: test === null ? null : test + 5, testPerplexity: test, diverged: test === null, epoch: [1, 2, 3], validCurve: [300, 200, 210], ...o,
});

describe("per-condition rows and comparisons", () => {
  test("rows: means and t intervals over the runs that did not diverge; diverged runs are counted", () => {
    const rows = lmConditionRows([rec("a", 1, 100), rec("a", 2, 104), rec("a", 3, 109), rec("a", 4, null), rec("b", 1, 90)], [{ condition: "a", paper: { test: 95 } }, { condition: "b" }, { condition: "c" }], [{ condition: "a" }, { condition: "a" }, { condition: "a" }, { condition: "a" }, { condition: "b" }, { condition: "c" }]);
    assert.deepEqual(rows.map((r) => [r.condition, r.runs, r.planned, r.diverged]), [["a", 4, 4, 1], ["b", 1, 1, 0]]);
    close(rows[0].test, 104.33333333333333, 1e-9);
    close(rows[0].testLow, 93.13173597064512, 1e-7);
    close(rows[0].valid, 109.33333333333333, 1e-9);
    assert.equal(rows[0].paperTest, 95);
    assert.equal(rows[0].testMedian, 104);
    assert.deepEqual([rows[1].test, rows[1].testLow, rows[1].testHigh, rows[1].testMedian], [90, 90, 90, 90]);
  });

  test("rows refuse records trained with different model formulations, naming the groups", () => {
    const fused = { formulation: { recurrence: "fused", softmax: "fused", lookup: "scatter" } };
    const taped = { formulation: { recurrence: "taped", softmax: "fused", lookup: "scatter" } };
    const conds = [{ condition: "a" }];
    assert.equal(lmConditionRows([rec("a", 1, 100, fused), rec("a", 2, 104, fused)], conds)[0].runs, 2);
    assert.equal(lmConditionRows([rec("a", 1, 100), rec("a", 2, 104)], conds)[0].runs, 2, "older records, all unrecorded: one group");
    assert.throws(() => lmConditionRows([rec("a", 1, 100, fused), rec("a", 2, 104, taped)], conds), /mix model formulations.*recurrence fused.*1 run\(s\), e\.g\. a\/1.*recurrence taped.*a\/2/);
    assert.throws(() => lmConditionRows([rec("a", 1, 100, fused), rec("a", 2, 104)], conds), /not recorded: 1 run\(s\), e\.g\. a\/2/);
  });

  test("comparisons pair by seed and leave out diverged and unpaired runs", () => {
    const rs = [rec("x", 1, 1), rec("x", 2, 2), rec("x", 3, 3), rec("x", 4, 4.5), rec("y", 1, 0), rec("y", 2, 0.5), rec("y", 3, 0), rec("y", 4, 0), rec("y", 5, 7), rec("x", 6, null), rec("y", 6, 1)];
    const c = lmCompare(rs, "x", "y")!;
    assert.equal(c.pairs, 4);
    close(c.p, 0.05078186628649378, 1e-9);
    close(c.difference, 2.5, 1e-12);
    assert.equal(lmCompare([rec("x", 1, 1), rec("y", 1, 2)], "x", "y"), undefined, "one pair is no test");
  });

  test("relative-difference figure: per seed a / b - 1 in %, diverged and unpaired runs out, the paper's ratio, the verdicts' log-ratio t interval over seeds", () => {
    const rs = [rec("x", 1, 110), rec("x", 2, 99), rec("x", 3, null), rec("x", 4, 120), rec("y", 1, 100), rec("y", 2, 100), rec("y", 3, 100), rec("z", 1, 50)];
    const f = lmDifferenceFigure(rs, [{ a: "x", b: "y", label: "x vs y", paper: { a: 98, b: 95 } }, { a: "z", b: "y" }]);
    const [dots, means, paper] = f.data as { x: string[]; y: (number | null)[]; error_y?: { array: number[]; arrayminus: number[] } }[];
    assert.deepEqual(dots.x, ["x vs y", "x vs y", "z vs y"]);
    dots.y.forEach((v, i) => close(v!, [10, -1, -50][i], 1e-9));
    // The verdicts' scale: exp(mean log ratio) - 1, with the t interval of the log ratios over seeds (two seeds: t(0.975, 1) = 12.706).
    const logs = [Math.log(1.1), Math.log(0.99)];
    const m = (logs[0] + logs[1]) / 2;
    const half = (12.706204736 * Math.sqrt((logs[0] - m) ** 2 + (logs[1] - m) ** 2)) / Math.sqrt(2);
    close(means.y[0]!, 100 * Math.expm1(m), 1e-9);
    close(means.error_y!.array[0], 100 * (Math.expm1(m + half) - Math.expm1(m)), 1e-4);
    close(means.error_y!.arrayminus[0], 100 * (Math.expm1(m) - Math.expm1(m - half)), 1e-4);
    assert.equal(means.y[1], -50, "one pair: its value, no interval");
    assert.deepEqual(means.error_y!.array.slice(1), [0]);
    close(paper.y[0]!, 100 * (98 / 95 - 1), 1e-9);
    assert.equal(paper.y[1], null);
  });

  test("overfitting: best epoch and the last epoch's rise above it", () => {
    assert.deepEqual(overfitting({ epoch: [1, 2, 3, 4], validCurve: [300, 200, 210, 230] }), { bestEpoch: 2, best: 200, last: 230, rise: 30 });
    assert.deepEqual(overfitting({ epoch: [1, 2], validCurve: [300, 250] }), { bestEpoch: 2, best: 250, last: 250, rise: 0 });
    assert.equal(overfitting({ epoch: [1, 2], validCurve: [300, null] }), undefined, "a last epoch without a number");
  });

  test("noise level: per-seed slopes over gamma, a t test over seeds, monotone seeds; too few gammas give no trend", () => {
    const c = { ...NOISE_LEVEL_CONFIGS.smoke, gammas: [0, 0.1, 0.4], seeds: 3 };
    // Validation perplexity 100 + k gamma; seed s has k = 10 s, so slopes per +0.1 are 1, 2, 3 (mean 2, sd 1).
    // Its curve ends `rise` above its best epoch: 6, 4, 0 as gamma grows on seeds 1 and 2; seed 3's goes back up at 0.4.
    const r = (gamma: number, seed: number, rise: number): NoiseLevelRecord =>
      ({ ...rec(gammaCondition(gamma), seed, 100 + 10 * seed * gamma - 5, { epoch: [1, 2], validCurve: [200, 200 + rise] }), gamma }) as unknown as NoiseLevelRecord;
    const rises: Record<number, number[]> = { 1: [6, 4, 0], 2: [6, 4, 0], 3: [6, 0, 4] };
    const rs = [1, 2, 3].flatMap((s) => c.gammas.map((g, i) => r(g, s, rises[s][i])));
    rs.push({ ...r(0.1, 4, 1), diverged: true } as NoiseLevelRecord);
    const t = summarizeNoiseLevel(rs, c).trends;
    const valid = t.find((x) => x.measure === "valid ppl")!;
    assert.equal(valid.seeds, 3, "the diverged run is left out");
    close(valid.slope, 2, 1e-9);
    // t = 2 / (1 / sqrt 3) = 3.4641 on 2 df; half-width 4.3027 / sqrt 3.
    close(valid.p, studentTTwoSided(2 * Math.sqrt(3), 2), 1e-12);
    close(valid.high - valid.slope, 4.302652729749462 / Math.sqrt(3), 1e-7);
    assert.equal(valid.monotone, 3);
    const rise = t.find((x) => x.measure === "rise above best")!;
    assert.ok(rise.slope < 0);
    assert.equal(rise.monotone, 2, "seed 3's rise goes back up at the largest gamma");
    assert.deepEqual(summarizeNoiseLevel(rs.filter((x) => x.gamma !== 0.4), c).trends, [], "two gammas per seed: no trend");
  });

  test("the 2 x 2 interaction: (both - hidden) - (gradient - neither) per complete seed", () => {
    const r = (condition: string, seed: number, t: number) => ({ ...rec(condition, seed, t) }) as unknown as NoiseComparisonRecord;
    const rs = [r("neither", 1, 100), r("gradient noise", 1, 98), r("hidden-state noise", 1, 95), r("both", 1, 90), r("neither", 2, 100), r("gradient noise", 2, 100)];
    assert.deepEqual(interactionTerms(rs), [{ seed: 1, value: -3 }]);
  });

  test("rows won per regulariser, ours and the paper's (Table 2: NOISIN 2, NOISIN* 2, dropout 1, none 1)", () => {
    const c = { ...NOISIN_PTB_CONFIGS.smoke, layers: [1], activations: ["tanh" as const] };
    const row = (condition: string, test: number) => ({ condition, runs: 1, diverged: 0, valid: test, validLow: test, validHigh: test, test, testLow: test, testHigh: test, testMedian: test });
    const s: NoisinPtbSummary = { rows: [row("1-layer tanh, NOISIN", 150), row("1-layer tanh, NOISIN*", 140), row("1-layer tanh, dropout", 160), row("1-layer tanh, none", 145)], comparisons: [], verdicts: [] };
    assert.deepEqual(bestRegulariserCounts(s, c), [{ regulariser: "NOISIN", ours: 0, paper: 1 }, { regulariser: "NOISIN*", ours: 1, paper: 0 }, { regulariser: "dropout", ours: 0, paper: 0 }, { regulariser: "none", ours: 0, paper: 0 }]);
    const all = bestRegulariserCounts({ rows: [], comparisons: [], verdicts: [] }, NOISIN_PTB_CONFIGS.cpu);
    assert.deepEqual(all.map((x) => x.paper), [2, 2, 1, 1]);
  });
});

describe("Table 2's plan", () => {
  test("seed outermost: every prefix of whole seeds covers every row of the table, each run once", () => {
    const c = NOISIN_PTB_CONFIGS.cpu;
    const specs = planNoisinPtb(c);
    const rows = c.layers.length * c.activations.length * c.regularisers.length;
    assert.equal(specs.length, rows * c.seeds);
    assert.equal(new Set(specs.map((s) => s.key)).size, specs.length);
    for (let s = 1; s <= c.seeds; s++) {
      const block = specs.slice((s - 1) * rows, s * rows);
      assert.ok(block.every((x) => x.seed === s), `runs ${(s - 1) * rows}-${s * rows - 1} are seed ${s}'s`);
      assert.equal(new Set(block.map((x) => x.condition)).size, rows);
    }
  });
});

describe("the trainer's divergence rule (train/divergence.ts)", () => {
  // At lr 1e6 without clipping the losses stay finite (2.1, then 5.8e24, 9.4e5, ...: the fused
  // softmax is stable): only the blow-up branch (> 1000 ln 8 nats) catches this run.
  test("a blown-up run is marked diverged and stops; a sane one is not", async () => {
    const ids = Int32Array.from({ length: 2000 }, (_, i) => (i * 7 + (i >> 3)) % 8);
    const run = async (lr: number) => {
      const m = new RnnLM({ vocabSize: 8, hidden: 8, layers: 1, cell: "relu", initScale: 0.5, seed: 3 });
      const h = await trainLM(m, ids, { seed: 3, epochs: 2, batch: 4, steps: 5, optimizer: "sgd", lr, clipGlobalNorm: null });
      m.dispose();
      return h;
    };
    const bad = await run(1e6);
    assert.equal(bad.diverged, true);
    assert.ok(bad.trainPerplexity.every((p) => Number.isNaN(p)), "a diverged epoch has no training perplexity");
    const good = await run(0.1);
    assert.equal(good.diverged, false);
  });
});

describe("runLMSetup: one run as the experiments describe it", () => {
  test("a fraction of the training windows per epoch, the curve and the final perplexities on the first tokens; same seed, same run", async () => {
    const ids = Int32Array.from({ length: 4000 }, (_, i) => (i * 7 + (i >> 3)) % 8);
    const corpus = { vocab: Array.from({ length: 8 }, (_, i) => `w${i}`), train: ids, valid: ids.subarray(0, 900), test: ids.subarray(1000, 1900) };
    const s: LMSetup = {
      corpus: "ptb", cell: "lstm", layers: 1, hidden: 8, initScale: 0.1, dropout: { kind: "standard", rate: 0.2 }, hiddenNoise: { gamma: 0.2, learned: true, floor: 0.1 }, gradientNoise: { eta: 0.01, gamma: 0.55 },
      optimizer: "adam", lr: 0.01, lrDecay: null, decayAfter: 0, clip: 5, loss: "mean", batch: 4, steps: 10, epochs: 3,
      trainFraction: 0.25, curveValidTokens: 200, evalTokens: 500, evalBatch: 2, evalSteps: 7,
    };
    const ticks: [number, number][] = [];
    const a = await runLMSetup(s, corpus, 5, (done, total) => ticks.push([done, total]));
    // Progress after every window, each evaluation window at a third of a training window: 3 x 24 training
    // windows; per epoch the 200-token curve in 2 rows of 100 (99 targets, ceil(99 / 7) = 15 windows); then
    // the first 500 tokens of valid and of test (2 rows of 250: ceil(249 / 7) = 36 windows each).
    const evalWindows = 3 * 15 + 36 + 36;
    assert.equal(evaluationWindows(corpus.valid.subarray(0, 500), 2, 7), 36);
    assert.equal(ticks.length, 72 + evalWindows);
    close(ticks[0][1], 72 + evalWindows / 3, 1e-9);
    assert.ok(ticks.every(([d, t], i) => t === ticks[0][1] && (i === 0 || d > ticks[i - 1][0])), "one total, done strictly increasing");
    close(ticks[ticks.length - 1][0], ticks[0][1], 1e-9);
    // 4000 tokens in 4 rows of 1000: 99 windows of 10 steps; a quarter is 24 windows of 40 tokens.
    assert.deepEqual([a.windowsPerEpoch, a.tokensPerEpoch, a.epoch], [24, 960, [1, 2, 3]]);
    assert.deepEqual(a.formulation, { recurrence: "fused", softmax: "fused", lookup: "scatter" }, "the model's formulations are recorded");
    assert.equal(a.learnedGamma.length, 3, "learned gamma per epoch");
    assert.ok(a.learnedGamma.every((g) => g[0] > 0.1), "above its floor");
    assert.ok(a.validCurve[2]! < a.validCurve[0]!, `learns: ${a.validCurve}`);
    const b = await runLMSetup(s, corpus, 5);
    assert.deepEqual(b.validCurve, a.validCurve);
    assert.equal(b.testPerplexity, a.testPerplexity);
    // The final numbers are on the first evalTokens tokens only: a model evaluated on them agrees.
    const m = new RnnLM({ vocabSize: 8, hidden: 8, layers: 1, cell: "lstm", seed: 5 });
    const whole = (await perplexity(m, corpus.valid, { batch: 2, steps: 7 })).perplexity;
    const head = (await perplexity(m, corpus.valid.subarray(0, 500), { batch: 2, steps: 7 })).perplexity;
    m.dispose();
    assert.notEqual(whole, head, "the fixture's splits differ from their heads");
    const c = await runLMSetup({ ...s, epochs: 1, evalTokens: null }, { ...corpus, valid: corpus.valid.subarray(0, 500), test: corpus.test.subarray(0, 500) }, 5);
    const d = await runLMSetup({ ...s, epochs: 1 }, corpus, 5);
    assert.equal(d.validPerplexity, c.validPerplexity);
    assert.equal(d.testPerplexity, c.testPerplexity);
  });
});

describe("smoke sweeps: plan, run, resume, summarize, tables, figures", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "gradnoise-lm-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  for (const id of ["lm-ptb", "noisin-ptb", "noisin-noise-level", "noisin-wikitext2", "noise-comparison"]) {
    test(id, async () => {
      const e = getExperiment(id);
      const file = path.join(dir, `${id}-smoke.jsonl`);
      const plan = planSweep(e, "smoke", {}, file);
      await runSweep(plan);
      const records = loadRecords<LMRecordLike & { key: string }>(file);
      assert.deepEqual(records.map((r) => r.key).sort(), plan.specs.map((s) => s.key).sort(), "one record per planned run");
      for (const r of records) {
        assert.equal(r.diverged, false, `${r.key} diverged at smoke scale`);
        assert.ok(r.testPerplexity! > 1 && Number.isFinite(r.testPerplexity!), `${r.key}: test perplexity ${r.testPerplexity}`);
        assert.equal(r.validCurve.length, r.epoch.length);
      }
      assert.deepEqual(await runSweep(planSweep(e, "smoke", {}, file)), [], "a finished sweep does nothing");
      const s = e.summarize(records, plan.config);
      const rows = (s as { rows: { runs: number; planned?: number }[] }).rows;
      assert.ok(rows.length > 0 && rows.every((r) => r.runs === r.planned), "every row complete");
      const tables = e.tables(s, plan.config);
      assert.ok(tables.length >= 1 && tables[0].rows.length === rows.length);
      const figs = await e.figures(records, s, plan.config);
      assert.ok(figs.length >= 2 && figs.every((f) => f.fig.data.length > 0), "figures have data");
      assert.match(e.provenance(plan.config), /seeds 1-/);
    });
  }

  test("a run identical to a finished one of another sweep (same setup, seed, formulation) is copied, and training it again gives the same record", async () => {
    // The noise comparison's "neither" and "gradient noise" rows are Section 4.6's no-dropout rows (eta 0 and its eta).
    const nc = loadRecords<LMRecordLike & { key: string; reusedFrom?: string; eta?: number }>(path.join(dir, "noise-comparison-smoke.jsonl"));
    const lm = loadRecords<LMRecordLike & { key: string; eta: number; dropoutSetting: string }>(path.join(dir, "lm-ptb-smoke.jsonl"));
    const eta = (getExperiment("noise-comparison").configs.smoke as { eta: number }).eta;
    for (const [cond, lmEta] of [["neither", 0], ["gradient noise", eta]] as const) {
      for (const r of nc.filter((x) => x.condition === cond)) {
        const twin = lm.find((x) => x.dropoutSetting === "no dropout" && x.eta === lmEta && x.seed === r.seed)!;
        assert.match(r.reusedFrom ?? "", /^lm-ptb-smoke\.jsonl:\d+$/, `${r.key} was trained again`);
        assert.equal(r.testPerplexity, twin.testPerplexity);
        assert.deepEqual(r.validCurve, twin.validCurve);
      }
    }
    for (const r of nc.filter((x) => x.condition === "hidden-state noise" || x.condition === "both")) assert.equal(r.reusedFrom, undefined, `${r.key}: no identical run exists`);
    // Copies are progress that took no training: the sweep reports them as free (time estimates leave them out).
    const seen: SweepProgress[] = [];
    const again = path.join(dir, "noise-comparison-smoke-copies.jsonl");
    await runSweep(planSweep(getExperiment("noise-comparison"), "smoke", { settings: ["neither", "gradient noise"] }, again), { onProgress: (p) => seen.push(p) });
    assert.deepEqual(seen.map((p) => [p.ran, p.free]), [[1, 1], [2, 2], [3, 3], [4, 4]]);
    assert.ok(loadRecords<{ key: string; reusedFrom?: string }>(again).every((r) => /^lm-ptb-smoke\.jsonl:/.test(r.reusedFrom ?? "")), "copied from the original, never from a copy");
    // The copy is what training gives: the "neither" row trained from scratch in an empty folder.
    const fresh = mkdtempSync(path.join(os.tmpdir(), "gradnoise-lm-fresh-"));
    try {
      const e = getExperiment("noise-comparison");
      const file = path.join(fresh, "noise-comparison-smoke.jsonl");
      await runSweep(planSweep(e, "smoke", { settings: ["neither"] }, file));
      const trained = loadRecords<LMRecordLike & { key: string; reusedFrom?: string; trainCurve: number[] }>(file);
      assert.equal(trained.length, 2);
      for (const t of trained) {
        const copy = nc.find((x) => x.key === t.key)! as LMRecordLike & { trainCurve?: unknown };
        assert.equal(t.reusedFrom, undefined);
        assert.deepEqual([t.validPerplexity, t.testPerplexity, t.validCurve, t.trainCurve], [copy.validPerplexity, copy.testPerplexity, copy.validCurve, copy.trainCurve]);
      }
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });
});

describe("identicalLMRun", () => {
  const setup: LMSetup = { ...ZAREMBA_SMALL, hidden: 8 };
  const outcome = { validPerplexity: 1, testPerplexity: 1, diverged: false, epoch: [], lr: [], trainCurve: [], validCurve: [], learnedGamma: [], windowsPerEpoch: 1, tokensPerEpoch: 1, parameters: 1, trainSeconds: 1 };
  const fused = { recurrence: "fused", softmax: "fused", lookup: "scatter" };
  const found = (recs: Record<string, unknown>[]) => (m: (r: Record<string, unknown>) => boolean) => recs.filter(m).map((record, i) => ({ record, where: `f.jsonl:${i + 1}` }));
  test("matches setup (any key order), seed and formulation; not a copy of a copy, not a record missing outcome fields", () => {
    const reordered = Object.fromEntries(Object.entries(JSON.parse(JSON.stringify(setup))).reverse());
    assert.ok(identicalLMRun(setup, 1, found([{ seed: 1, setup: reordered, formulation: fused, ...outcome }])));
    assert.equal(identicalLMRun(setup, 2, found([{ seed: 1, setup, formulation: fused, ...outcome }])), undefined, "other seed");
    assert.equal(identicalLMRun({ ...setup, epochs: 2 }, 1, found([{ seed: 1, setup, formulation: fused, ...outcome }])), undefined, "other setup");
    assert.equal(identicalLMRun(setup, 1, found([{ seed: 1, setup, formulation: { ...fused, recurrence: "taped" }, ...outcome }])), undefined, "other recurrence");
    assert.equal(identicalLMRun(setup, 1, found([{ seed: 1, setup, ...outcome }])), undefined, "formulation not recorded");
    assert.equal(identicalLMRun(setup, 1, found([{ seed: 1, setup, formulation: fused, ...outcome, reusedFrom: "x.jsonl:1" }])), undefined, "a copy");
    const { testPerplexity: _, ...partial } = outcome;
    assert.equal(identicalLMRun(setup, 1, found([{ seed: 1, setup, formulation: fused, ...partial }])), undefined, "fields missing");
  });
});

describe("scripts/diagnostics/noisin-ptb-state.js, from a shell", () => {
  const script = path.join(REPO, "scripts", "diagnostics", "noisin-ptb-state.js");
  test("logs every window without changing the run: its training losses give the record's training perplexities, its streams the validation perplexity", async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), "gn-diag-"));
    try {
      const r = spawnSync(process.execPath, [script, "2", "tanh", "none", "1", "--scale", "smoke", "--streams", "--out", out], { cwd: REPO, encoding: "utf8", timeout: 120000 });
      assert.equal(r.status, 0, r.stderr);
      const d = JSON.parse(readFileSync(path.join(out, "noisin-ptb-smoke-L2-tanh-none-1.json"), "utf8"));
      const setup = noisinPtbSetup({ layers: 2, activation: "tanh", regulariser: "none" }, NOISIN_PTB_CONFIGS.smoke);
      const direct = await runLMSetup(setup, loadCorpus("ptb"), 1);
      assert.equal(d.validPerplexity, direct.validPerplexity, "watching the forward passes must not change the run");
      assert.equal(d.testPerplexity, direct.testPerplexity);
      const train = (d.windows as { training: boolean; loss: number; layers: { meanAbs: number; saturated: number }[] }[]).filter((w) => w.training);
      assert.equal(train.length, direct.windowsPerEpoch * direct.epoch.length);
      direct.trainCurve.forEach((ppl, i) => {
        const ws = train.slice(i * direct.windowsPerEpoch, (i + 1) * direct.windowsPerEpoch);
        const fromLog = Math.exp(ws.reduce((a, w) => a + w.loss, 0) / ws.length);
        assert.ok(Math.abs(fromLog / ppl! - 1) < 1e-3, `epoch ${i + 1}: ${fromLog} from the log, ${ppl} recorded`);
      });
      for (const w of d.windows) {
        assert.equal(w.layers.length, 2);
        for (const l of w.layers) assert.ok(l.meanAbs >= 0 && l.meanAbs <= 1 && l.saturated >= 0 && l.saturated <= 1, JSON.stringify(l));
      }
      assert.equal(d.epochs.length, direct.epoch.length);
      // --streams: the record's validation evaluation row by row; together they give its perplexity.
      assert.equal(d.streams.length, setup.evalBatch);
      const logMean = (d.streams as number[]).reduce((a, p) => a + Math.log(p), 0) / d.streams.length;
      assert.ok(Math.abs(logMean - Math.log(direct.validPerplexity!)) < 1e-5, `${Math.exp(logMean)} vs ${direct.validPerplexity}`);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
  test("bad arguments: usage and exit code 2", () => {
    const r = spawnSync(process.execPath, [script, "3", "tanh", "none", "1"], { cwd: REPO, encoding: "utf8" });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /usage: noisin-ptb-state\.js <layers 1\|2>/);
    const lr = spawnSync(process.execPath, [script, "1", "tanh", "none", "1", "--lr", "0"], { cwd: REPO, encoding: "utf8" });
    assert.equal(lr.status, 2, "a learning rate must be positive");
  });
});
