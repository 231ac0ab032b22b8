/**
 * The language-model trainer: Zaremba's schedule, perplexity of a uniform
 * model equal to the vocabulary size, a tiny LM learning a repetitive
 * corpus (SGD + clip + gradient noise and Adam + NOISIN), determinism by
 * seed, and tf.memory().numTensors flat over training and back to where it
 * was before the model was built.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../../src/engine";
import { RnnLM } from "../../../src/models/rnn-lm";
import { perplexity, trainLM, zarembaLearningRate } from "../../../src/train/lm";
import { InterruptedError } from "../../../src/engine/interrupt";

before(async () => {
  await selectBackend({ backend: "cpu" });
});

/** "w0 w1 ... w6 <eos>" repeated: ids 0..7, perfectly predictable after one token. */
function repetitive(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i % 8);
}

describe("schedule and evaluation", () => {
  test("Zaremba's schedule: lr 1 for epochs 1-4, then halved each epoch", () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map((e) => zarembaLearningRate(e, 1, 0.5, 4)), [1, 1, 1, 1, 0.5, 0.25, 0.125]);
  });

  test("a uniform model's perplexity is the vocabulary size, over the whole split", async () => {
    const m = new RnnLM({ vocabSize: 37, hidden: 4, layers: 1, cell: "tanh", seed: 1 });
    m.softmaxW.assign(tf.zeros(m.softmaxW.shape));
    const ids = Int32Array.from({ length: 503 }, (_, i) => (i * 7) % 37);
    const r = await perplexity(m, ids, { batch: 4, steps: 9 });
    assert.ok(Math.abs(r.perplexity - 37) < 1e-3, `perplexity ${r.perplexity}`);
    // Rows of floor(503 / 4) = 125 tokens: 124 predicted per row.
    assert.equal(r.tokens, 4 * 124);
    m.dispose();
  });

  test("perStream: each row's perplexity is that row evaluated alone; together they give the split's", async () => {
    const m = new RnnLM({ vocabSize: 37, hidden: 6, layers: 2, cell: "lstm", seed: 2 });
    // Row 2 of 4 repeats one token: the model's loss there differs from the mixed rows.
    const ids = Int32Array.from({ length: 503 }, (_, i) => (Math.floor(i / 125) === 2 ? 5 : (i * 7) % 37));
    const before = tf.memory().numTensors;
    const whole = await perplexity(m, ids, { batch: 4, steps: 9 });
    const rows = await perplexity(m, ids, { batch: 4, steps: 9, perStream: true });
    assert.equal(tf.memory().numTensors, before, "nothing left behind");
    assert.equal(whole.streams, undefined, "only when asked");
    assert.equal(rows.streams!.length, 4);
    assert.ok(Math.abs(rows.perplexity / whole.perplexity - 1) < 1e-5, `${rows.perplexity} vs ${whole.perplexity}`);
    for (let r = 0; r < 4; r++) {
      // Row r is tokens [125 r, 125 (r + 1)); alone, at batch 1, it predicts the same 124 tokens from the same zero state.
      const alone = await perplexity(m, ids.subarray(125 * r, 125 * (r + 1)), { batch: 1, steps: 9 });
      assert.ok(Math.abs(rows.streams![r] / alone.perplexity - 1) < 1e-5, `row ${r}: ${rows.streams![r]} vs ${alone.perplexity}`);
    }
    assert.ok(new Set(rows.streams!.map((p) => p.toFixed(3))).size > 1, "rows differ, so the test can tell them apart");
    // The split's cross-entropy is the mean of the rows' (every row predicts the same number of tokens).
    const meanLog = rows.streams!.reduce((a, p) => a + Math.log(p), 0) / 4;
    assert.ok(Math.abs(meanLog - rows.crossEntropy) < 1e-9);
    m.dispose();
  });

  test("evaluation stops when its signal aborts (Kernel > Interrupt), mid-split, releasing its tensors", async () => {
    const m = new RnnLM({ vocabSize: 37, hidden: 4, layers: 1, cell: "lstm", seed: 1 });
    const ids = Int32Array.from({ length: 4000 }, (_, i) => (i * 7) % 37);
    const before = tf.memory().numTensors;
    const c = new AbortController();
    let seen = 0;
    await assert.rejects(perplexity(m, ids, { batch: 4, steps: 9, signal: c.signal, onWindow: () => { if (++seen === 5) c.abort(new InterruptedError()); } }), InterruptedError);
    assert.equal(seen, 5, "no window after the abort");
    assert.equal(tf.memory().numTensors, before, "the carried state is disposed");
    // An abort from outside (a SIGINT handler) is seen too: evaluation yields to the event loop while it runs.
    const c2 = new AbortController();
    let windows = 0;
    const run = perplexity(m, Int32Array.from({ length: 200000 }, (_, i) => (i * 7) % 37), { batch: 4, steps: 9, signal: c2.signal, onWindow: () => { windows++; } });
    setTimeout(() => c2.abort(new InterruptedError()), 300);
    await assert.rejects(run, InterruptedError);
    assert.ok(windows < 5556, `stopped early (${windows} of 5556 windows)`);
    m.dispose();
  });
});

describe("learning", () => {
  test("SGD (Zaremba's recipe: time-summed loss, clip 5) with gradient noise learns a repetitive corpus", async () => {
    const m = new RnnLM({ vocabSize: 8, hidden: 16, layers: 2, cell: "lstm", seed: 5, dropout: { kind: "standard", rate: 0.1 } });
    const before = (await perplexity(m, repetitive(400), { batch: 4, steps: 10 })).perplexity;
    const h = await trainLM(m, repetitive(2000), { seed: 5, epochs: 6, batch: 4, steps: 10, optimizer: "sgd", lr: 1, lrDecay: 0.5, decayAfter: 4, gradientNoise: { eta: 0.001 }, valid: repetitive(400), evalBatch: 4, evalSteps: 10 });
    assert.ok(before > 6, `untrained perplexity ${before}`);
    const last = h.validPerplexity[h.validPerplexity.length - 1];
    assert.ok(last < 1.5, `validation perplexity ${h.validPerplexity.join(", ")}`);
    assert.deepEqual(h.lr, [1, 1, 1, 1, 0.5, 0.25]);
    assert.equal(h.diverged, false);
    m.dispose();
  });

  test("Adam with NOISIN (learned gamma, floor) learns it too; gamma stays above its floor", async () => {
    const m = new RnnLM({ vocabSize: 8, hidden: 16, layers: 1, cell: "sigmoid", seed: 6, hiddenNoise: { gamma: 0.2, learned: true, floor: 0.05 } });
    const h = await trainLM(m, repetitive(2000), { seed: 6, epochs: 5, batch: 4, steps: 10, optimizer: "adam", lr: 0.02, loss: "mean", valid: repetitive(400), evalBatch: 4 });
    const last = h.validPerplexity[h.validPerplexity.length - 1];
    assert.ok(last < 2, `validation perplexity ${h.validPerplexity.join(", ")}`);
    assert.equal(h.gamma.length, 5);
    assert.ok(h.gamma.every((g) => g[0] >= 0.05));
    m.dispose();
  });

  test("same seed, same run (noise, dropout and NOISIN streams included)", async () => {
    const run = async () => {
      const m = new RnnLM({ vocabSize: 8, hidden: 8, layers: 1, cell: "relu", seed: 9, dropout: { kind: "variational", rate: 0.3 }, hiddenNoise: { gamma: 0.1 } });
      const h = await trainLM(m, repetitive(600), { seed: 9, epochs: 2, batch: 3, steps: 6, optimizer: "sgd", lr: 0.5, gradientNoise: { eta: 0.01 } });
      const w = await m.softmaxW.data();
      m.dispose();
      return { ppl: h.trainPerplexity, w: Array.from(w.slice(0, 10)) };
    };
    assert.deepEqual(await run(), await run());
  });
});

describe("memory", () => {
  test("numTensors is flat over epochs and back to its start after dispose (counted before the model is built)", async () => {
    const start = tf.memory().numTensors;
    const m = new RnnLM({ vocabSize: 8, hidden: 8, layers: 2, cell: "lstm", seed: 3, dropout: { kind: "variational", rate: 0.2 }, hiddenNoise: { gamma: 0.1, learned: true, floor: 0.01 } });
    const counts: number[] = [];
    await trainLM(m, repetitive(800), {
      seed: 3, epochs: 4, batch: 4, steps: 8, optimizer: "adam", lr: 0.01, gradientNoise: { eta: 0.01 }, valid: repetitive(200), evalBatch: 2,
      onEpoch: () => counts.push(tf.memory().numTensors),
    });
    // Adam's moments appear in the first epoch; from then on nothing accumulates.
    assert.ok(counts.slice(1).every((c) => c === counts[0]), `numTensors per epoch: ${counts.join(", ")}`);
    m.dispose();
    assert.equal(tf.memory().numTensors, start);
  });
});
