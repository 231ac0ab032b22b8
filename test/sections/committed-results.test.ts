/**
 * Every committed record is fingerprinted (issue 23): the records from before
 * fingerprints were stamped once (scripts/stamp-fingerprints.js), so a sweep
 * needs no legacy path to count them. Each committed results file is written
 * by a standard sweep or a declared study, and each of its records carries
 * exactly the fingerprint that sweep computes for it now.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
import { REPO } from "../../src/cli/jupyter";
import type { Overrides } from "../../src/experiments/options";
import { readResultLines } from "../../src/experiments/jsonl";
import { experiments, getExperiment } from "../../src/experiments/registry";
import type { Scale } from "../../src/experiments/scale";
import { auditSweep, planSweep, resultsFile, SweepPlan } from "../../src/experiments/sweep";

const RESULTS = path.join(REPO, "results");

/** The results files git commits (.gitignore: results/*-cpu*.jsonl), without a sweep's local worker, part and side files. */
const committed = existsSync(RESULTS)
  ? readdirSync(RESULTS)
      .filter((f) => /-cpu.*\.jsonl$/.test(f) && !/\.(shard\d+|part-\d+-of-\d+|rejected)\.jsonl$/.test(f))
      .sort()
  : [];

/** File name -> what writes it: every scale's standard sweep and every declared study. */
function writers(): Map<string, { label: string; scale: Scale; overrides: Overrides; id: string }> {
  const out = new Map<string, { label: string; scale: Scale; overrides: Overrides; id: string }>();
  for (const ex of experiments()) {
    const all: [Scale, Overrides, string][] = [
      ...(Object.keys(ex.configs) as Scale[]).map((s): [Scale, Overrides, string] => [s, {}, `${ex.id} at scale ${s}`]),
      ...(ex.studies ?? []).map((st): [Scale, Overrides, string] => [st.scale, st.overrides, `${ex.id} study "${st.title}"`]),
    ];
    for (const [scale, overrides, label] of all) out.set(path.basename(resultsFile(ex, scale, overrides, RESULTS)), { label, scale, overrides, id: ex.id });
  }
  return out;
}

describe("committed results carry the sweep's fingerprints", () => {
  const byFile = writers();

  test("there are committed results files, and a standard sweep or a declared study writes each", () => {
    assert.ok(committed.length >= 18, `found ${committed.length} committed results files in ${RESULTS}`);
    assert.deepEqual(committed.filter((f) => !byFile.has(f)), [], "files no sweep writes");
  });

  for (const file of committed) {
    test(`${file}: every record carries the fingerprint its sweep computes, and every line counts`, () => {
      const w = byFile.get(file);
      assert.ok(w, `no sweep writes ${file}`);
      const plan: SweepPlan = planSweep(getExperiment(w.id), w.scale, w.overrides, path.join(RESULTS, file));
      const lines = readResultLines(plan.file);
      assert.ok(lines.length > 0, `${file} is empty`);
      for (const l of lines) {
        assert.equal(l.error, undefined, `${file}:${l.line}: unreadable`);
        const r = l.value as { key: string; fingerprint?: unknown };
        assert.ok(plan.expected.has(r.key), `${file}:${l.line}: ${JSON.stringify(r.key)} is not a planned run of ${w.label}`);
        assert.equal(r.fingerprint, plan.expected.get(r.key), `${file}:${l.line}: ${JSON.stringify(r.key)}'s fingerprint`);
      }
      const a = auditSweep(plan);
      assert.deepEqual(a.setAside.map((s) => `${s.line}: ${s.reason}`), [], `${file}: lines set aside`);
      assert.equal(a.records.length, lines.length, `${file}: every line is a counted run`);
    });
  }
});
