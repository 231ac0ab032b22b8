/**
 * Figure and table builders of every section, on the committed records and on
 * small hand-made ones whose right answer is known: what each trace holds,
 * not just that a figure exists.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { loadSweep, planSweep } from "../../src/experiments/sweep";
import { MNIST_PLATEAU, RunRecord, summarizeTable1, table1AccuracyFigure, table1LossFigure, table1Rows, TABLE1 } from "../../src/sections/deep-mlp";
import { attentionFigure, curvesFigure, MemN2NRunRecord, perTaskFigure, perTaskRows, positionEncodingFigure, summarizeTable2, table2Rows } from "../../src/sections/memn2n";
import { PLATEAU_CONFIGS, plateauFigures, PlateauRecord, plateauRows } from "../../src/sections/method";
import { leftPlateau } from "../../src/stats";
import { getExperiment } from "../../src/experiments/registry";
import { labelFigure } from "../../src/experiments/figure-label";
import { lmConditionRows, lmCurvesFigure, LMRecordLike, lmPaperFigure } from "../../src/families/lm/report";

type Trace = Record<string, unknown> & { x?: unknown[]; y?: unknown[]; name?: string };
const traces = (f: { data: Record<string, unknown>[] }) => f.data as Trace[];

describe("Table 1 figures", () => {
  const run = (experiment: string, setting: RunRecord["setting"], lr: number, i: number, loss: (number | null)[], acc: number) =>
    ({ key: `${experiment}/${setting}/lr=${lr}/run${i}`, experiment, setting, lr, run: i, testAccuracy: acc, diverged: false, curve: { step: loss.map((_, k) => 10 * k), loss } }) as unknown as RunRecord;

  test("the loss panel draws the true median: the mean of the middle two for an even count, NaN and null skipped", () => {
    const recs = [
      run("exp6", "No Noise", 0.1, 0, [2.0, 1.0], 0.1),
      run("exp6", "No Noise", 0.1, 1, [4.0, 3.0], 0.1),
      run("exp6", "No Noise", 0.1, 2, [1.0, null], 0.1),
      run("exp6", "No Noise", 0.1, 3, [3.0, 5.0], 0.1),
      run("exp6", "No Noise", 0.01, 0, [100, 100], 0.1), // another lr: not in the lr 0.1 panel
    ];
    const t = traces(table1LossFigure(recs, 0.1)).filter((x) => x.name === "No Noise");
    assert.equal(t.length, 1);
    assert.deepEqual(t[0].x, [0, 10]);
    assert.deepEqual(t[0].y, [2.5, 3.0], "step 0: median of 1,2,3,4 = 2.5; step 10: median of 1,3,5 = 3");
  });

  test("the accuracy figure has one point per committed run and the paper's best and average per row", () => {
    const plan = planSweep(getExperiment("deep-mlp"), "cpu");
    const recs = loadSweep<RunRecord>(plan);
    const t = traces(table1AccuracyFigure(recs));
    const points = t.filter((x) => String(x.name).includes("one point per run"));
    assert.equal(points.reduce((n, x) => n + (x.y as number[]).length, 0), recs.length);
    // The paper's best is a maximum over its 40 runs: the legend says so, and how many runs ours are.
    const best = t.find((x) => String(x.name).startsWith("paper: best of its 40 runs per row"))!;
    assert.deepEqual(best.y, TABLE1.flatMap((e) => e.rows.map((r) => r.paper.best)));
    assert.match(String(best.name), /ours: 6 per row, so expect a lower best/);
    // One row per (experiment, setting) the records hold; "left plateau" counts that row's runs above the one-class plateau.
    const rows = table1Rows(summarizeTable1(recs).rows);
    const cells = TABLE1.flatMap((e) => e.rows.map((row) => ({ e, setting: row.setting, rs: recs.filter((r) => r.experiment === e.id && r.setting === row.setting) }))).filter((c) => c.rs.length > 0);
    assert.ok(cells.length > 0, "the committed deep-mlp results hold no Table 1 row");
    assert.deepEqual(rows.map((r) => [r.experiment, r.setting]), cells.map((c) => [c.e.title, c.setting]));
    for (const c of cells) {
      const row = rows.find((r) => r.experiment === c.e.title && r.setting === c.setting)!;
      assert.equal(row["left plateau"], `${c.rs.filter((r) => leftPlateau(r.testAccuracy, MNIST_PLATEAU)).length} of ${c.rs.length}`, `${c.e.title}, ${c.setting}`);
    }
  });
});

describe("language-model figures and every figure's title", () => {
  const rec = (condition: string, seed: number, test: number | null, diverged = false) =>
    ({ key: `${condition}/${seed}`, condition, seed, testPerplexity: test, validPerplexity: test, diverged, epoch: [1, 2], validCurve: [test, test] }) as LMRecordLike;

  test("perplexity beside the paper's: log axis, geometric mean with a log-t interval that stays above zero, diverged runs flagged", () => {
    // 3 seeds spread over hundreds: an arithmetic t interval would reach far below zero.
    const recs = [rec("a", 1, 150), rec("a", 2, 900), rec("a", 3, 3000), rec("b", 1, 200), rec("b", 2, 210), rec("b", 3, null, true)];
    const rows = lmConditionRows(recs, [{ condition: "a", paper: { test: 100 } }, { condition: "b" }]);
    assert.ok(rows[0].testLow < 0, "the arithmetic interval is the one that fails");
    const f = lmPaperFigure(recs, rows);
    assert.equal((f.layout!.yaxis as { type: string }).type, "log");
    const ours = traces(f).find((x) => String(x.name).startsWith("ours: geometric mean"))! as Trace & { error_y: { array: number[]; arrayminus: number[] } };
    const gm = Math.exp((Math.log(150) + Math.log(900) + Math.log(3000)) / 3);
    assert.ok(Math.abs((ours.y as number[])[0] - gm) < 1e-9);
    assert.ok((ours.y as number[])[0] - ours.error_y.arrayminus[0] > 0, "lower end above zero");
    assert.ok(Math.abs((ours.y as number[])[1] - Math.sqrt(200 * 210)) < 1e-9, "the diverged run is left out");
    assert.deepEqual((f.layout!.annotations as { x: string; text: string }[]).map((a) => [a.x, a.text]), [["b", "1/3"]]);
  });

  test("curves: a style gives each condition its colour and dash; legends count runs and diverged ones", () => {
    const recs = [rec("a", 1, 100), rec("b", 1, 100), rec("b", 2, null, true)];
    const f = lmCurvesFigure(recs, ["a", "b"], "t", "valid", (c) => (c === "a" ? { color: "#111", dash: "dot" } : { color: "#222" }));
    const thick = traces(f).filter((x) => x.name);
    assert.deepEqual(thick.map((x) => [x.name, (x.line as { color: string; dash?: string }).color, (x.line as { dash?: string }).dash]), [["a (1 run)", "#111", "dot"], ["b (2 runs, 1 diverged)", "#222", undefined]]);
  });

  test("labelFigure ends both titles with the scale and the runs behind the figure, once", () => {
    const block = { name: "x", title: "T", fig: { data: [], layout: { title: { text: "inner" } } } };
    const once = labelFigure(block, "cpu", 78);
    assert.equal(once.title, "T (scale cpu, 78 runs)");
    assert.equal((once.fig.layout!.title as { text: string }).text, "inner (scale cpu, 78 runs)");
    assert.deepEqual(labelFigure(once, "cpu", 78), once);
    assert.equal(labelFigure({ ...block, fig: { data: [] } }, "smoke", 1).title, "T (scale smoke, 1 run)");
    assert.equal(labelFigure({ ...block, runs: 1 }, "cpu", 240).title, "T (scale cpu, 1 run)", "a model trained for the figure");
    assert.equal(labelFigure({ ...block, runs: 0 }, "cpu", 6).title, "T (closed form, no runs)");
  });
});

describe("Table 2 figures", () => {
  const plan = planSweep(getExperiment("memn2n"), "cpu");
  const recs = loadSweep<MemN2NRunRecord>(plan);
  const s = summarizeTable2(recs);

  test("per task: one bar series per setting with each kept restart's test error, and the reference", () => {
    const t = traces(perTaskFigure(s.selected));
    assert.deepEqual(t.map((x) => x.name).slice(0, 4), ["one-stage", "one-stage + noise", "two-stage", "two-stage + noise"]);
    const two = t.find((x) => x.name === "two-stage")!;
    assert.equal((two.y as number[])[15], s.selected.find((x) => x.task === 16 && x.setting === "two-stage")!.testError);
    assert.equal(((t[4].y as number[])[18]), 0.814, "reference task 19");
    assert.equal(perTaskRows(s.selected).length, 20);
    assert.equal(table2Rows(s.rows).length, 4);
  });

  test("curves: loss and validation traces per setting, averaged over the kept restarts", () => {
    const t = traces(curvesFigure(recs, s.selected));
    assert.equal(t.length, 8);
    const kept = s.selected.filter((x) => x.setting === "one-stage").map((x) => recs.find((r) => r.task === x.task && r.setting === "one-stage" && r.restart === x.restart)!);
    const meanFirst = kept.reduce((a, r) => a + r.curve.loss[0], 0) / kept.length;
    assert.ok(Math.abs((t[0].y as number[])[0] - meanFirst) < 1e-12);
  });

  test("attention heatmap: one row per sentence, one column per hop, supporting facts starred", () => {
    const f = attentionFigure({ sentences: ["a b", "c d", "e f"], question: "q", answer: "x", predicted: "x", supporting: [1], attention: [[0.1, 0.8, 0.1], [0.2, 0.2, 0.6]] });
    const h = traces(f)[0];
    assert.deepEqual(h.z, [[0.1, 0.2], [0.8, 0.2], [0.1, 0.6]]);
    assert.deepEqual(h.y, ["1. a b", "★ 2. c d", "3. e f"]);
    const pe = traces(positionEncodingFigure(6, 20))[0];
    assert.equal((pe.z as number[][]).length, 20);
  });
});

describe("Section 3 figures", () => {
  test("the demo's loss and accuracy traces come from the records, with the plateau line", () => {
    const cfg = PLATEAU_CONFIGS.cpu;
    const plan = planSweep(getExperiment("method"), "cpu");
    const recs = loadSweep<PlateauRecord>(plan);
    assert.equal(recs.length, plan.specs.length, "results/method-cpu.jsonl holds every planned run");
    const figs = plateauFigures({ config: cfg, majorityRate: 0.092, runs: recs });
    assert.equal(traces(figs.loss).length, recs.length, "one loss trace per run");
    const acc = traces(figs.accuracy);
    assert.deepEqual(acc[acc.length - 1].y, [0.092, 0.092]);
    assert.deepEqual(acc[0].y, [0.092, ...recs[0].history.evalAccuracy]);
    assert.deepEqual(plateauRows({ config: cfg, majorityRate: 0.092, runs: recs }).map((r) => r["test accuracy"]), recs.map((r) => r.testAccuracy));
  });
});
