/**
 * The results store under tampering and misuse (issue 24): a name that is
 * not a results file's is refused before anything runs or is rewritten;
 * measures are checked against declared types and ranges; every record
 * carries a digest of its content, so an edited record is set aside; a
 * finished run is copied from another sweep only if that sweep counts it;
 * `--out` never evicts another sweep's runs; `--worker` cannot be passed by
 * hand.
 */
import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
import { REPO } from "../../../src/cli/jupyter";
import type { RunSpec } from "../../../src/experiments/contract";
import { withDigest } from "../../../src/experiments/fingerprint";
import { rejectedPath } from "../../../src/experiments/merge";
import { consolidateRecords } from "../../../src/experiments/results";
import { auditSweep, checkedSources, loadSweep, planSweep, resultsFile, settleSweep, SweepPlan } from "../../../src/experiments/sweep";
import { getExperiment } from "../../../src/experiments/registry";
import { identicalLMRun } from "../../../src/families/lm";
import { noiseComparisonSetup, NoiseComparisonConfig } from "../../../src/sections/noise-comparison/run";
import { cli, jsonl, tempDirs } from "../../support/sweep-files";

const tmp = tempDirs();
const committed = (name: string) => readFileSync(path.join(REPO, "results", name), "utf8").trim().split("\n");

/** Table 1's experiment 6 at cpu scale, one run per learning rate 0.1: two planned runs. */
const exp6Plan = (file: string) => planSweep(getExperiment("deep-mlp"), "cpu", { experiments: ["exp6"], runs: 1, lrs: [0.1] }, file);

/** A finished record of `spec` as the sweep writes it (fingerprint, then digest), with `extra` fields. */
function record(plan: SweepPlan, spec: RunSpec, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const c = plan.config as { steps: number; batchSize: number; eta: number; gamma: number };
  const noisy = (spec as { setting?: string }).setting === "With Noise";
  return withDigest({
    ...spec, scale: plan.scale, steps: c.steps, batchSize: c.batchSize, eta: noisy ? c.eta : null, gamma: noisy ? c.gamma : null, dropout: 0,
    testAccuracy: 0.134, diverged: false, curve: { step: [0, 10], loss: [2.3, 2.2] }, evalStep: [10], evalAccuracy: [0.134],
    seconds: 1, engine: "test", date: "2026-01-01T00:00:00.000Z", ...extra, fingerprint: plan.expected.get(spec.key),
  });
}

describe("results file names", () => {
  test("the CLI refuses an --out that is not a results file's name before training, naming the rule, and leaves the file as it was", () => {
    const dir = tmp("names");
    const out = path.join(dir, "r1.json");
    const r = cli(["method", "--scale", "smoke", "--workers", "1", "--out", out]);
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stderr, /r1\.json: a results file's name must end in "\.jsonl"/);
    assert.ok(!existsSync(out), "nothing written");
    writeFileSync(out, jsonl([{ key: "seed1/no noise", testAccuracy: 0.5 }, "half a line"]));
    const before = readFileSync(out, "utf8");
    const again = cli(["method", "--scale", "smoke", "--workers", "1", "--out", out]);
    assert.equal(again.status, 1);
    assert.equal(readFileSync(out, "utf8"), before, "a file it cannot read as results is never rewritten");
    const side = cli(["method", "--scale", "smoke", "--workers", "1", "--out", path.join(dir, "m.jsonl.rejected.jsonl")]);
    assert.equal(side.status, 1);
    assert.match(side.stderr, /side file/);
  });

  test("the store's rewrite paths refuse such a name and drop nothing", () => {
    const file = path.join(tmp("names"), "r.json");
    writeFileSync(file, jsonl([{ key: "a", v: 1 }, "not json"]));
    const before = readFileSync(file, "utf8");
    assert.throws(() => planSweep(getExperiment("method"), "smoke", {}, file), /r\.json: a results file's name must end in "\.jsonl"/);
    assert.throws(() => consolidateRecords(file), /must end in "\.jsonl"/);
    assert.equal(readFileSync(file, "utf8"), before);
  });

  test("an --out that is a directory is named", () => {
    const dir = path.join(tmp("names"), "d.jsonl");
    mkdirSync(dir);
    const r = cli(["method", "--scale", "smoke", "--workers", "1", "--out", dir]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /d\.jsonl.*it is a directory/);
  });
});

describe("measures have declared types and ranges", () => {
  test("every section declares its measures with a type", () => {
    for (const id of ["deep-mlp", "memn2n", "method", "lm-ptb", "noise-comparison", "noisin-ptb", "noisin-noise-level", "noisin-wikitext2"]) {
      const m = getExperiment(id).measures;
      assert.ok(Object.keys(m).length > 0, id);
      for (const [field, spec] of Object.entries(m)) assert.ok(["number", "number[]", "boolean"].includes(spec.type), `${id}.${field}`);
    }
    assert.deepEqual(getExperiment("noise-comparison").measures.diverged, { type: "boolean" });
  });

  test("an LM record with a perplexity that is not a number >= 1, a curve of non-numbers or a non-boolean 'diverged' is set aside; a diverged run's null counts", () => {
    const file = path.join(tmp("measures"), "noise-comparison-cpu.jsonl");
    const plan = planSweep(getExperiment("noise-comparison"), "cpu", {}, file);
    const lines = committed("noise-comparison-cpu.jsonl").map((l) => JSON.parse(l) as Record<string, unknown>);
    const edit = (i: number, extra: Record<string, unknown>) => JSON.stringify(withDigest({ ...lines[i], ...extra }));
    const infinite = edit(4, { testPerplexity: 123456 }).replace('"testPerplexity":123456', '"testPerplexity":1e999');
    const cases: [string, RegExp | null][] = [
      [edit(0, { testPerplexity: "abc" }), /:1: "neither\/seed1": testPerplexity is "abc", not a finite number/],
      [edit(1, { testPerplexity: null }), /:2: .*testPerplexity is null, allowed only when the run diverged/],
      [edit(2, { testPerplexity: -1 }), /:3: .*testPerplexity is -1, out of range \(must be >= 1\)/],
      [edit(3, { validCurve: ["x"] }), /:4: .*validCurve\[0\] is "x", not a finite number/],
      [infinite, /:5: .*testPerplexity is 1e999 \(read as Infinity\), not a finite number/],
      [edit(5, { diverged: "no" }), /:6: .*diverged is "no", not a boolean/],
      [edit(6, { diverged: true, testPerplexity: null, validPerplexity: null, validCurve: [900, null], trainCurve: [null] }), null],
      ...lines.slice(7).map((l): [string, null] => [JSON.stringify(l), null]),
    ];
    writeFileSync(file, jsonl(cases.map(([l]) => l)));
    const a = auditSweep(plan);
    assert.equal(a.records.length, cases.filter(([, re]) => re === null).length, a.setAside.map((s) => s.reason).join("\n"));
    cases.filter(([, re]) => re).forEach(([, re], i) => assert.match(`${a.setAside[i].file}:${a.setAside[i].line}: ${JSON.stringify(a.setAside[i].key)}: ${a.setAside[i].reason}`, re!));
  });
});

describe("every record carries a digest of its content", () => {
  test("an edited record (accuracy, steps, batch size) or one without a digest is set aside with file:line and reason", () => {
    const file = path.join(tmp("digest"), "t.jsonl");
    const plan = exp6Plan(file);
    const [a, b] = plan.specs;
    const good = JSON.stringify(record(plan, a));
    const lines = [
      good.replace('"testAccuracy":0.134', '"testAccuracy":0.987'),
      good.replace(/"steps":\d+/, '"steps":5'),
      good.replace(/"batchSize":\d+/, '"batchSize":1'),
      JSON.stringify({ ...record(plan, b), digest: undefined }),
    ];
    writeFileSync(file, jsonl(lines));
    const warned: string[] = [];
    assert.deepEqual(loadSweep(plan, (w) => warned.push(w)), []);
    assert.equal(warned.length, 4, warned.join("\n"));
    for (const i of [0, 1, 2]) assert.match(warned[i], new RegExp(`t\\.jsonl:${i + 1}: "exp6/No Noise/lr=0\\.1/run0": digest does not match the content \\(edited after it was written`));
    assert.match(warned[3], /t\.jsonl:4: .*no digest/);
    const s = plan.experiment.summarize([], plan.config) as { rows: { runs: number }[] };
    assert.ok(s.rows.every((r) => r.runs === 0), "the edited accuracy never reaches a table");
  });

  test("two different records of one run: the first counts, the later is set aside (in the side file on settling)", () => {
    const file = path.join(tmp("digest"), "t.jsonl");
    const plan = exp6Plan(file);
    const [a] = plan.specs;
    const first = record(plan, a);
    const later = record(plan, a, { testAccuracy: 0.987 });
    writeFileSync(file, jsonl([first, later]));
    const warned: string[] = [];
    const audit = settleSweep(plan, (w) => warned.push(w));
    assert.deepEqual(audit.records.map((r) => (r as unknown as { testAccuracy: number }).testAccuracy), [0.134]);
    assert.equal(warned.length, 1);
    assert.match(warned[0], /t\.jsonl:2: "exp6\/No Noise\/lr=0\.1\/run0": a second, different record of this run \(the first, at .*t\.jsonl:1, is the one counted\)/);
    assert.equal(readFileSync(file, "utf8"), jsonl([first]));
    assert.equal(JSON.parse(readFileSync(rejectedPath(file), "utf8").trim()).raw, JSON.stringify(later));
  });
});

describe("copying a finished run from another sweep", () => {
  test("only records their own sweep counts are offered: a hand-edited perplexity or a wrong fingerprint is never copied", () => {
    const dir = tmp("copy");
    const source = path.join(dir, "lm-ptb-cpu.jsonl");
    copyFileSync(path.join(REPO, "results", "lm-ptb-cpu.jsonl"), source);
    const plan = planSweep(getExperiment("noise-comparison"), "cpu", {}, path.join(dir, "noise-comparison-cpu.jsonl"));
    const c = plan.config as NoiseComparisonConfig;
    const find = (m: (r: Record<string, unknown>) => boolean) => checkedSources(plan, m);
    const twin = (condition: string, seed: number) => identicalLMRun(noiseComparisonSetup({ condition } as never, c), seed, find);
    // The committed noise comparison copied its "neither" and "gradient noise" rows from lines 10-15.
    assert.equal(twin("neither", 1)?.where, "lm-ptb-cpu.jsonl:10");
    assert.equal(twin("neither", 2)?.where, "lm-ptb-cpu.jsonl:11");
    const lines = readFileSync(source, "utf8").split("\n");
    lines[9] = lines[9].replace(/"testPerplexity":[0-9.]+/, '"testPerplexity":42');
    const r11 = JSON.parse(lines[10]) as Record<string, unknown>;
    lines[10] = JSON.stringify(withDigest({ ...r11, fingerprint: "0123456789abcdef" }));
    writeFileSync(source, lines.join("\n"));
    assert.equal(twin("neither", 1), undefined, "an edited record is not copied");
    assert.equal(twin("neither", 2), undefined, "a record of another plan is not copied");
    assert.equal(twin("neither", 3)?.where, "lm-ptb-cpu.jsonl:12", "the others still are");
    // A file no registered sweep writes is never a source.
    copyFileSync(path.join(REPO, "results", "lm-ptb-cpu.jsonl"), path.join(dir, "lm-ptb-cpu-mine.jsonl"));
    assert.ok(find(() => true).every((f) => f.where.startsWith("lm-ptb-cpu.jsonl:")));
  });
});

describe("the CLI guards a finished sweep", () => {
  test("reusing --out with other options refuses, naming the file those options own, and changes nothing; --workers is capped", () => {
    const dir = tmp("reuse");
    const out = path.join(dir, "m.jsonl");
    const smoke = cli(["method", "--scale", "smoke", "--workers", "999", "--out", out]);
    assert.equal(smoke.status, 0, smoke.stderr);
    assert.match(smoke.stderr, /note: --workers 999 capped at \d+ \(/);
    const before = readFileSync(out, "utf8");
    const cpu = cli(["method", "--scale", "cpu", "--steps", "20", "--seeds", "1", "--workers", "1", "--out", out], { GRADNOISE_RESULTS_DIR: dir });
    assert.equal(cpu.status, 1, cpu.stdout);
    const own = path.basename(resultsFile(getExperiment("method"), "cpu", { steps: 20, seeds: 1 }));
    assert.match(cpu.stderr, new RegExp(`m\\.jsonl holds 2 record\\(s\\) of another sweep .*nothing was changed\\. The file these options own is .*${own.replace(/[.+]/g, "\\$&")}`));
    assert.equal(readFileSync(out, "utf8"), before);
    assert.ok(!existsSync(rejectedPath(out)), "nothing set aside");
  });

  test("a sweep gets an estimated time; one over the bound is refused before anything changes, unless --yes", () => {
    const dir = tmp("budget");
    const out = path.join(dir, "m.jsonl");
    const huge = cli(["method", "--scale", "smoke", "--steps", "1e12", "--workers", "1", "--out", out]);
    assert.equal(huge.status, 1, huge.stdout);
    assert.match(huge.stderr, /estimated .* at 1 worker\(s\), over the bound of 24 h .*pass --yes to start it anyway/);
    assert.ok(!existsSync(out), "nothing trained or written");
    const small = cli(["method", "--scale", "smoke", "--workers", "1", "--out", out]);
    assert.equal(small.status, 0, small.stderr);
    assert.match(small.stdout, /estimated time: .*measured on .*method-cpu\.jsonl/);
  });

  test("--worker cannot be passed from a shell", () => {
    const dir = tmp("worker");
    const r = cli(["method", "--scale", "smoke", "--out", path.join(dir, "m.jsonl"), "--worker", "0/1"]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /--worker is internal/);
    assert.ok(!existsSync(path.join(dir, "m.jsonl")));
  });
});
