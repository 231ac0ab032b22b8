/**
 * Every committed record is fingerprinted (issue 23): the records from before
 * fingerprints were stamped once (a one-off script, removed once it could stamp
 * nothing: git show 39dac24:scripts/stamp-fingerprints.js), so a sweep
 * needs no legacy path to count them. Each committed results file is written
 * by a standard sweep or a declared study, and each of its records carries
 * exactly the fingerprint that sweep computes for it now.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { describe, test } from "node:test";
import { REPO } from "../../src/cli/jupyter";
import { readResultLines } from "../../src/experiments/jsonl";
import { auditSweep, planSweep, SweepPlan } from "../../src/experiments/sweep";
import { committedResultsFiles, sweepWriters } from "../../src/experiments/writers";

const RESULTS = path.join(REPO, "results");

const committed = committedResultsFiles(RESULTS);

describe("committed results carry the sweep's fingerprints", () => {
  const byFile = sweepWriters(RESULTS);

  test("there are committed results files, and a standard sweep or a declared study writes each", () => {
    assert.ok(committed.length >= 18, `found ${committed.length} committed results files in ${RESULTS}`);
    assert.deepEqual(committed.filter((f) => !byFile.has(f)), [], "files no sweep writes");
  });

  for (const file of committed) {
    test(`${file}: every record carries the fingerprint its sweep computes, and every line counts`, () => {
      const w = byFile.get(file);
      assert.ok(w, `no sweep writes ${file}`);
      const plan: SweepPlan = planSweep(w.ex, w.scale, w.overrides, path.join(RESULTS, file));
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
