/**
 * Interrupting long work (issue 11): runSteps and runSweep stop at the next
 * step once interrupt() trips their signal (in a kernel: Kernel > Interrupt),
 * the trainers dispose what they built, and finished runs stay recorded.
 * The notebook-level behaviour is tested in a real client (test/e2e/notebook-client.test.ts).
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../../src/engine/backend";
import { planSweep, runSweep } from "../../../src/experiments/sweep";
import { experiment as deepMlp } from "../../../src/sections/deep-mlp";
import { experiment as method } from "../../../src/sections/method";
import { runSteps } from "../../../src/train/loop";
import { interrupt, InterruptedError, interruptSignal } from "../../../src/engine/interrupt";

test("runSteps stops at the next step after interrupt() and throws InterruptedError", async () => {
  let ran = 0;
  let evaluated = 0;
  await assert.rejects(
    runSteps(1000, 0, (i) => {
      ran++;
      if (i === 9) interrupt();
    }, () => { evaluated++; }),
    InterruptedError,
  );
  assert.equal(ran, 10);
  assert.equal(evaluated, 0);
  // Outside a kernel the next piece of work gets a fresh signal.
  assert.equal(interruptSignal().aborted, false);
  await runSteps(3, 0, () => { ran++; }, () => { evaluated++; });
  assert.equal(ran, 13);
  assert.equal(evaluated, 1);
});

test("an explicit signal already aborted stops runSteps before its first step", async () => {
  const c = new AbortController();
  c.abort();
  let ran = 0;
  await assert.rejects(runSteps(5, 0, () => { ran++; }, () => undefined, c.signal), /abort/i);
  assert.equal(ran, 0);
});

test("an interrupted sweep releases its tensors, keeps finished runs, and resumes; a full sweep leaks none", async () => {
  await selectBackend({ backend: "cpu" });
  const dir = mkdtempSync(path.join(tmpdir(), "gn-interrupt-"));
  const plan = planSweep(method, "smoke", {}, path.join(dir, "method-smoke.jsonl"));
  assert.ok(plan.specs.length >= 2);
  const before = tf.memory().numTensors;
  let steps = 0;
  // Interrupt in the second run, a few steps in.
  await assert.rejects(
    runSweep(plan, { warn: () => undefined, onProgress: (p) => { if (p.ran === 1 && p.step >= 20 && steps++ === 0) interrupt(); } }),
    InterruptedError,
  );
  assert.equal(tf.memory().numTensors, before, "tensors left behind by the interrupted run");
  const lines = readFileSync(plan.file, "utf8").trim().split("\n");
  assert.equal(lines.length, 1, "the finished first run is recorded, the interrupted one is not");
  // Resuming trains only the rest, and leaves the tensor count where it was.
  const ran = await runSweep(plan, { warn: () => undefined });
  assert.equal(ran.length, plan.specs.length - 1);
  assert.equal(tf.memory().numTensors, before, "tensors left behind by a completed sweep");
  assert.ok(existsSync(plan.file));
});

// trainRun disposes its model and optimiser in a finally (the sweep's fallback alone would leave the optimiser's state).
test("an interrupted Table 1 run leaves no tensors", async () => {
  await selectBackend({ backend: "cpu" });
  const dir = mkdtempSync(path.join(tmpdir(), "gn-interrupt-"));
  const plan = planSweep(deepMlp, "smoke", {}, path.join(dir, "deep-mlp-smoke.jsonl"));
  const before = tf.memory().numTensors;
  let fired = false;
  await assert.rejects(
    runSweep(plan, { warn: () => undefined, onProgress: (p) => { if (p.step >= 5 && !fired) { fired = true; interrupt(); } } }),
    InterruptedError,
  );
  assert.ok(fired);
  assert.equal(tf.memory().numTensors, before, "tensors left behind by the interrupted run");
});
