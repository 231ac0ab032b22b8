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
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, test } from "node:test";
import { REPO } from "../../../src/cli/jupyter";
import { auditSweep, planSweep } from "../../../src/experiments/sweep";
import { getExperiment } from "../../../src/experiments/registry";

const dirs: string[] = [];
const tmp = (what: string) => {
  const d = mkdtempSync(path.join(os.tmpdir(), `gn-${what}-`));
  dirs.push(d);
  return d;
};
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const jsonl = (values: unknown[]) => values.map((v) => (typeof v === "string" ? v : JSON.stringify(v))).join("\n") + "\n";
const committed = (name: string) => readFileSync(path.join(REPO, "results", name), "utf8").trim().split("\n");


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
    const edit = (i: number, extra: Record<string, unknown>) => JSON.stringify({ ...lines[i], ...extra });
    const infinite = edit(4, { testPerplexity: 123456 }).replace('"testPerplexity":123456', '"testPerplexity":1e999');
    const cases: [string, RegExp | null][] = [
      [edit(0, { testPerplexity: "abc" }), /:1: "neither\/seed1": testPerplexity is "abc", not a finite number/],
      [edit(1, { testPerplexity: null }), /:2: .*testPerplexity is null, allowed only when the run diverged/],
      [edit(2, { testPerplexity: -1 }), /:3: .*testPerplexity is -1, out of range \(must be >= 1\)/],
      [edit(3, { validCurve: ["x"] }), /:4: .*validCurve\[0\] is "x", not a finite number/],
      [infinite, /:5: .*testPerplexity is Infinity, not a finite number/],
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

