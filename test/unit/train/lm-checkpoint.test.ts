/**
 * Resuming a language-model run from its snapshot (train/checkpoint.ts):
 * a run killed mid-epoch and resumed ends bit for bit where an uninterrupted
 * one does (weights, history), with Adam's moments, the gradient-noise step,
 * dropout, learned NOISIN and a decaying SGD rate all in play; snapshots of
 * another run are ignored, broken files are named; a sweep interrupted
 * mid-run resumes the run and removes the snapshot once its record is written.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../../src/engine";
import { getExperiment } from "../../../src/experiments/registry";
import { loadRecords } from "../../../src/experiments/results";
import { checkpointFile, planSweep, runSweep } from "../../../src/experiments/sweep";
import { RnnLM, RnnLMConfig } from "../../../src/models/rnn-lm";
import { interrupt, InterruptedError } from "../../../src/engine/interrupt";
import { LMHistory, LMTrainOptions, trainLM } from "../../../src/train/lm";
import { disposeCheckpoint, loadCheckpoint } from "../../../src/train/checkpoint";
import { runSteps } from "../../../src/train/loop";

before(async () => {
  await selectBackend({ backend: "cpu" });
});

const dir = mkdtempSync(path.join(os.tmpdir(), "gradnoise-ckpt-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const ids = Int32Array.from({ length: 3000 }, (_, i) => (i * 7 + (i >> 4)) % 23);
const valid = ids.subarray(0, 400);

async function weights(m: RnnLM): Promise<number[][]> {
  return Promise.all(m.trainableVariables.map(async (v) => Array.from(await v.data())));
}

/** Trains a fresh model; with `stopAfter`, interrupts after that many training windows (the snapshot then holds them). */
async function train(cfg: RnnLMConfig, o: LMTrainOptions, stopAfter?: number): Promise<{ h?: LMHistory; w?: number[][]; resumedAt?: number }> {
  const m = new RnnLM(cfg);
  let windows = 0;
  let resumedAt: number | undefined;
  try {
    const h = await trainLM(m, ids, {
      ...o,
      onResume: (steps) => { resumedAt = steps; windows = steps; },
      onWindow: (k) => {
        o.onWindow?.(k);
        if (k === "train" && ++windows === stopAfter) interrupt();
      },
    });
    return { h, w: await weights(m), resumedAt };
  } catch (e) {
    if (e instanceof InterruptedError) return { resumedAt };
    throw e;
  } finally {
    m.dispose();
  }
}

/** The step a snapshot holds (its tensors freed at once). */
function snapshotStep(file: string, identity: string): number | undefined {
  const s = loadCheckpoint(file, identity);
  if (!s) return undefined;
  disposeCheckpoint(s);
  return s.position.step;
}

const same = (a: LMHistory, b: LMHistory) => {
  assert.deepEqual([b.epoch, b.lr, b.trainPerplexity, b.validPerplexity, b.gamma, b.diverged, b.steps], [a.epoch, a.lr, a.trainPerplexity, a.validPerplexity, a.gamma, a.diverged, a.steps]);
};

describe("a killed run resumes from its snapshot and ends where an uninterrupted one ends", () => {
  const cfgAdam: RnnLMConfig = { vocabSize: 23, hidden: 8, layers: 2, cell: "lstm", seed: 3, dropout: { kind: "standard", rate: 0.2 }, hiddenNoise: { gamma: 0.2, learned: true, floor: 0.05 } };
  const adam: LMTrainOptions = { seed: 3, epochs: 3, batch: 4, steps: 5, optimizer: "adam", lr: 0.01, loss: "mean", gradientNoise: { eta: 0.01 }, maxWindowsPerEpoch: 20, valid, evalBatch: 2, evalSteps: 7 };

  test("Adam + gradient noise + dropout + learned NOISIN, killed mid-epoch 2: same weights and history, bit for bit, no tensors left", async () => {
    const start = tf.memory().numTensors;
    const a = await train(cfgAdam, adam);
    const file = path.join(dir, "adam.ckpt");
    const ck = { file, identity: "run-a", everySeconds: 0 };
    const killed = await train(cfgAdam, { ...adam, checkpoint: ck }, 27);
    assert.equal(killed.h, undefined, "the first attempt was interrupted");
    assert.equal(snapshotStep(file, "run-a"), 27, "the snapshot holds the 27 finished steps");
    const resumed = await train(cfgAdam, { ...adam, checkpoint: ck });
    assert.equal(resumed.resumedAt, 27);
    same(a.h!, resumed.h!);
    assert.deepEqual(resumed.w, a.w);
    assert.ok(resumed.h!.seconds > 0);
    assert.equal(tf.memory().numTensors, start, "tensors left behind");
  });

  test("SGD with Zaremba's decay, killed at an epoch's end and inside epoch 3 (the rate is restored mid-epoch)", async () => {
    const cfg: RnnLMConfig = { vocabSize: 23, hidden: 8, layers: 1, cell: "tanh", seed: 4 };
    const sgd: LMTrainOptions = { seed: 4, epochs: 4, batch: 4, steps: 5, optimizer: "sgd", lr: 1, lrDecay: 0.5, decayAfter: 1, gradientNoise: { eta: 0.01 }, maxWindowsPerEpoch: 10, valid, evalBatch: 2, evalSteps: 7 };
    const a = await train(cfg, sgd);
    assert.deepEqual(a.h!.lr, [1, 0.5, 0.25, 0.125]);
    for (const stop of [20, 24]) {
      const ck = { file: path.join(dir, `sgd-${stop}.ckpt`), identity: "run-b", everySeconds: 0 };
      await train(cfg, { ...sgd, checkpoint: ck }, stop);
      const r = await train(cfg, { ...sgd, checkpoint: ck });
      // Stopped after step 20, epoch 2's last: the snapshot is the one taken after that epoch's evaluation.
      assert.equal(r.resumedAt, stop);
      same(a.h!, r.h!);
      assert.deepEqual(r.w, a.w);
    }
  });

  test("a finished run's snapshot resumes to the same result without training; another run's snapshot is ignored", async () => {
    const cfg: RnnLMConfig = { vocabSize: 23, hidden: 8, layers: 1, cell: "tanh", seed: 5 };
    const o: LMTrainOptions = { seed: 5, epochs: 2, batch: 4, steps: 5, optimizer: "sgd", lr: 1, maxWindowsPerEpoch: 6, valid, evalBatch: 2, evalSteps: 7 };
    const ck = { file: path.join(dir, "done.ckpt"), identity: "run-c", everySeconds: 0 };
    const a = await train(cfg, { ...o, checkpoint: ck });
    assert.equal(snapshotStep(ck.file, "run-c"), 12, "the last snapshot follows the last evaluation");
    let windows = 0;
    const b = await train(cfg, { ...o, checkpoint: ck, onWindow: () => { windows++; } });
    assert.equal(b.resumedAt, 12);
    same(a.h!, b.h!);
    assert.deepEqual(b.w, a.w);
    // The same file under another identity: a fresh run (it equals one without any snapshot).
    const fresh = await train({ ...cfg, seed: 6 }, { ...o, seed: 6, checkpoint: { ...ck, identity: "run-d" } });
    const plain = await train({ ...cfg, seed: 6 }, { ...o, seed: 6 });
    assert.equal(fresh.resumedAt, undefined);
    same(plain.h!, fresh.h!);
    assert.equal(windows, 0);
  });

  test("a file that is not a snapshot, or is cut short, is an error naming it", async () => {
    const junk = path.join(dir, "junk.ckpt");
    writeFileSync(junk, "hello\n");
    assert.throws(() => loadCheckpoint(junk, "x"), /junk\.ckpt: not a usable training checkpoint \(no checkpoint header\); delete it/);
    const cfg: RnnLMConfig = { vocabSize: 23, hidden: 8, layers: 1, cell: "tanh", seed: 7 };
    const ck = { file: path.join(dir, "cut.ckpt"), identity: "run-e", everySeconds: 0 };
    await train(cfg, { seed: 7, epochs: 1, batch: 4, steps: 5, optimizer: "sgd", lr: 1, maxWindowsPerEpoch: 4, checkpoint: ck });
    const { readFileSync } = await import("node:fs");
    const whole = readFileSync(ck.file);
    writeFileSync(ck.file, whole.subarray(0, whole.length - 10));
    assert.throws(() => loadCheckpoint(ck.file, "run-e"), /cut\.ckpt: .*bytes of tensors, the header says/);
    // A snapshot of a differently shaped model under the same identity: refused, naming the file, nothing left behind.
    writeFileSync(ck.file, whole);
    const before = tf.memory().numTensors;
    const wide = new RnnLM({ ...cfg, hidden: 9 });
    await assert.rejects(trainLM(wide, ids, { seed: 7, epochs: 1, batch: 4, steps: 5, optimizer: "sgd", lr: 1, maxWindowsPerEpoch: 4, checkpoint: ck }), /cut\.ckpt: the snapshot's tensors do not fit this model; delete it/);
    wide.dispose();
    assert.equal(tf.memory().numTensors, before);
  });
});

test("runSteps from k: steps k.. and the evaluations after k; from the end: nothing", async () => {
  const seen: string[] = [];
  await runSteps(6, 2, (i) => { seen.push(`s${i}`); }, (at) => { seen.push(`e${at}`); }, undefined, 3);
  assert.deepEqual(seen, ["s3", "e4", "s4", "s5", "e6"]);
  const none: string[] = [];
  await runSteps(6, 2, (i) => { none.push(`s${i}`); }, (at) => { none.push(`e${at}`); }, undefined, 6);
  assert.deepEqual(none, []);
  await assert.rejects(runSteps(6, 2, () => {}, () => {}, undefined, 7), /from must be an integer in \[0, 6\]/);
});

test("a sweep interrupted mid-run resumes that run from its snapshot; the record equals an uninterrupted sweep's; the snapshot goes", async () => {
  const e = getExperiment("lm-ptb");
  const opts = { seeds: 1, etas: [0.001], dropout: ["dropout"] };
  const plain = path.join(dir, "plain", "lm-ptb-smoke.jsonl");
  await runSweep(planSweep(e, "smoke", opts, plain));
  const file = path.join(dir, "killed", "lm-ptb-smoke.jsonl");
  const plan = planSweep(e, "smoke", opts, file);
  const key = plan.specs[0].key;
  // Interrupt once the run is past its first epoch (smoke: 2 epochs of 3 windows): the epoch-1 snapshot exists.
  await assert.rejects(runSweep(plan, { onProgress: (p) => { if (p.step / p.steps > 0.6) interrupt(); } }), InterruptedError);
  const ck = checkpointFile(file, key);
  assert.ok(existsSync(ck), "a snapshot was left for the interrupted run");
  assert.equal(loadRecords(file).length, 0, "no record yet");
  const seen: { step: number; steps: number; free: number }[] = [];
  await runSweep(planSweep(e, "smoke", opts, file), { onProgress: (p) => seen.push(p) });
  // The restored part is reported first, as free progress (time estimates leave it out).
  assert.ok(seen[0].free > 0 && seen[0].free < 1 && seen[0].free === seen[0].step / seen[0].steps, `first report ${JSON.stringify(seen[0])}`);
  assert.equal(seen[seen.length - 1].free, seen[0].free);
  const [a] = loadRecords<{ key: string } & Record<string, unknown>>(plain);
  const [b] = loadRecords<{ key: string } & Record<string, unknown>>(file);
  for (const k of ["validPerplexity", "testPerplexity", "trainCurve", "validCurve", "epoch", "lr", "fingerprint"]) assert.deepEqual(b[k], a[k], k);
  assert.equal(existsSync(ck), false, "the snapshot is removed once the record is written");
});
