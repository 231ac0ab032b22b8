/**
 * Every committed record carries a valid content digest (issue 24): the
 * records from before digests were stamped once (scripts/stamp-digests.js),
 * so the store can set aside any record edited after it was written.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { test } from "node:test";
import { REPO } from "../../src/cli/jupyter";
import { digestProblem } from "../../src/experiments/fingerprint";
import { readResultLines } from "../../src/experiments/jsonl";
import { committedResultsFiles } from "../../src/experiments/writers";

const RESULTS = path.join(REPO, "results");

test("every committed record carries the digest of its content", () => {
  const files = committedResultsFiles(RESULTS);
  assert.ok(files.length > 0);
  const bad: string[] = [];
  let n = 0;
  for (const f of files) {
    for (const l of readResultLines(path.join(RESULTS, f))) {
      n++;
      const p = l.error ?? digestProblem(l.value as Record<string, unknown>);
      if (p) bad.push(`${f}:${l.line}: ${p}`);
    }
  }
  assert.deepEqual(bad.slice(0, 10), [], `${bad.length} of ${n} committed records lack a valid digest`);
});
