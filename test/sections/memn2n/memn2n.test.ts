/**
 * End-To-End Memory Network (Section 4.2): position encoding, temporal
 * encoding with random time shifts, the bag-of-words lookup against a plain
 * gather, attention masking, the linear-start switch, the learning-rate
 * schedule, memory stability over a training loop, learning on task 1, and
 * the sweep's restart selection and resume.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { before, describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { kernelsUsedBy, selectBackend } from "../../../src/engine";
import { MemN2NConfig, MemN2NRunRecord, planMemN2NRuns, summarizeTable2, MEMN2N_CONFIGS, TABLE2_SETTINGS } from "../../../src/sections/memn2n";
import { attentionPicture, prepareTask } from "../../../src/families/memn2n";
import { loadRecords } from "../../../src/experiments/results";
import { planSweep, runSweep } from "../../../src/experiments/sweep";
import { EncodedExample, encodeBatch, MemN2N, MEMN2N_GATHER_KERNELS, MEMN2N_TRAINING_KERNELS, PositionEncoding, positionFactors, positionGamma, positionWeight, referencePositionWeight, timeIndices } from "../../../src/models/memn2n";
import { uniformStream } from "../../../src/random/rng";
import { errorRate, learningRateAt, trainMemN2N } from "../../../src/train/memn2n";
import { pairedPermutationTest } from "../../../src/stats";
import { getExperiment } from "../../../src/experiments/registry";

before(async () => {
  await selectBackend({ requiredKernels: MEMN2N_GATHER_KERNELS });
});

const close = (a: number, b: number, tol: number, what = "") => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

describe("position encoding", () => {
  test("l_kj matches the formula at hand-computed points", () => {
    // J = 4, d = 20: j = 1, k = 1: (1 - 1/4) - (1/20)(1 - 2/4) = 0.75 - 0.025 = 0.725
    close(positionWeight(1, 4, 1, 20), 0.725, 1e-12, "l_11");
    // j = J: (1 - 1) - (k/d)(1 - 2) = k/d
    close(positionWeight(4, 4, 10, 20), 0.5, 1e-12, "l_{10,4}");
    // j = J/2: the weight is 1/2 whatever k is
    close(positionWeight(2, 4, 3, 20), 0.5, 1e-12, "l_{3,2}");
  });

  test("the reference code's variant: hand-computed point, and its factors", () => {
    // W = 4, d = 20, j = 1, k = 1: 1 + 4 (1 - 10.5)(1 - 2.5) / 80 = 1 + 57/80
    close(referencePositionWeight(1, 4, 1, 20), 1.7125, 1e-12, "reference l_11");
    const pe: PositionEncoding = { kind: "reference", words: 9 };
    const g = positionGamma(20, pe);
    for (let j = 1; j <= 9; j++) {
      // J (the sentence's own length) does not matter: one W for every sentence.
      const [a, b] = positionFactors(j, 3, pe);
      for (let k = 1; k <= 20; k++) close(a + b * g[k - 1], referencePositionWeight(j, 9, k, 20), 1e-6, `j=${j} k=${k}`);
    }
  });

  test("alpha_j + beta_j * gamma_k reproduces l_kj for every j, k", () => {
    for (const J of [1, 3, 7, 12]) {
      const g = positionGamma(20);
      for (let j = 1; j <= J; j++) {
        const [a, b] = positionFactors(j, J);
        for (let k = 1; k <= 20; k++) close(a + b * g[k - 1], positionWeight(j, J, k, 20), 1e-6, `J=${J} j=${j} k=${k}`);
      }
    }
  });
});

describe("temporal encoding", () => {
  test("without shifts the newest sentence is time 1", () => {
    assert.deepEqual(timeIndices(4, 50), [4, 3, 2, 1]);
  });

  test("random shifts: distinct, decreasing, within 1..n + ceil(n/10), and both kinds of draw happen", () => {
    let shifted = 0;
    for (let s = 0; s < 200; s++) {
      const t = timeIndices(20, 50, uniformStream("time-test", s));
      assert.equal(t.length, 20);
      for (let i = 1; i < t.length; i++) assert.ok(t[i] < t[i - 1], `not strictly decreasing: ${t}`);
      assert.ok(t[19] >= 1 && t[0] <= 22, `out of range: ${t}`);
      if (t[0] > 20) shifted++;
    }
    // P(no blank) = 1/3 (nBlank uniform on 0..2), so about 2/3 of draws shift; 4 SE ~ 0.13.
    assert.ok(shifted / 200 > 0.5 && shifted / 200 < 0.8, `shifted fraction ${shifted / 200}`);
    // Indices past the memory size are capped at it (the reference's behaviour).
    assert.ok(timeIndices(50, 50, uniformStream("cap", 1)).every((t) => t <= 50));
  });
});

/** A tiny hand-made task: V = 6 words, memory 4. */
function toy(): EncodedExample[] {
  const s = (...w: number[]) => Int32Array.from(w);
  return [
    { sentences: [s(0, 1, 2), s(3, 4), s(1, 5, 2, 0)], question: s(5, 1), answer: 2 },
    { sentences: [s(4)], question: s(0, 3, 3), answer: 4 },
    { sentences: [s(2, 2), s(0), s(1, 1, 1), s(5), s(3)], question: s(4), answer: 5 },
  ];
}

describe("MemN2N forward", () => {
  for (const pe of [{ kind: "paper" }, { kind: "reference", words: 4 }] as PositionEncoding[]) {
    test(`memory embeddings equal the explicit sum of l_kj * A[word] + T_A[time] (${pe.kind} position encoding)`, () => {
      const m = new MemN2N({ vocabSize: 6, memorySize: 4, embedding: 5, hops: 1, seed: 3, positionEncoding: pe });
      const exs = toy();
      const b = m.encode(exs);
      const E = m.weights[0].arraySync() as number[][];
      const got = tf.tidy(() => m.memoryEmbedding(b, 0).arraySync()) as number[][][];
      const weight = (j: number, J: number, k: number) => (pe.kind === "paper" ? positionWeight(j, J, k, 5) : referencePositionWeight(j, pe.words, k, 5));
      exs.forEach((ex, i) => {
        const kept = ex.sentences.slice(-4);
        const t = timeIndices(kept.length, 4);
        kept.forEach((words, s) => {
          for (let k = 0; k < 5; k++) {
            let want = E[6 + t[s] - 1][k];
            words.forEach((w, j) => (want += weight(j + 1, words.length, k + 1) * E[w][k]));
            close(got[i][s][k], want, 1e-5, `example ${i} slot ${s} dim ${k}`);
          }
        });
        // Slots past the story are empty: zero embedding, zero mask.
        for (let s = kept.length; s < 4; s++) assert.ok(got[i][s].every((v) => v === 0));
      });
      assert.deepEqual(Array.from(b.mask.dataSync()), [1, 1, 1, 0, 1, 0, 0, 0, 1, 1, 1, 1]);
      b.dispose();
      m.dispose();
    });
  }

  test("bag-of-words products and tf.gather give the same logits and gradients", () => {
    const exs = toy();
    const outs = (["bag", "gather"] as const).map((lookup) => {
      const m = new MemN2N({ vocabSize: 6, memorySize: 4, embedding: 5, seed: 9, lookup });
      const b = encodeBatch(exs, 6, 4, { withTokens: true });
      const logits = tf.tidy(() => m.apply(b).logits.arraySync());
      const grads = tf.tidy(() => {
        const { grads } = tf.variableGrads(() => m.loss(b), m.weights);
        return m.weights.map((w) => grads[w.name].arraySync());
      });
      b.dispose();
      m.dispose();
      return { logits, grads };
    });
    const flat = (x: unknown): number[] => (Array.isArray(x) ? x.flatMap(flat) : [x as number]);
    flat(outs[0].logits).forEach((v, i) => close(v, flat(outs[1].logits)[i], 1e-4, `logit ${i}`));
    flat(outs[0].grads).forEach((v, i) => close(v, flat(outs[1].grads)[i], 1e-4, `grad ${i}`));
  });

  test("random time shifts: one timeIndices draw per example, in order; each slot's time word in its alpha bag and last token only", () => {
    const exs = toy();
    const rand = uniformStream("batch-shift", 0);
    const b = encodeBatch(exs, 6, 4, { rand, withTokens: true });
    const twin = uniformStream("batch-shift", 0);
    const want = exs.map((ex) => timeIndices(ex.sentences.slice(-4).length, 4, twin));
    assert.deepEqual(b.times, want);
    assert.equal(rand(), twin(), "the batch drew more or fewer numbers than timeIndices");
    // Seed 0 shifts example 0 and caps two of example 2's indices at 4, so this is not the unshifted layout.
    assert.notDeepEqual(want, exs.map((ex) => timeIndices(ex.sentences.slice(-4).length, 4)));
    const mem = b.memoryBags.arraySync();
    const [ids, alpha, beta] = [b.tokens!.ids.arraySync(), b.tokens!.alpha.arraySync().flat(), b.tokens!.beta.arraySync().flat()];
    const stride = b.tokens!.maxWords + 1;
    want.forEach((t, i) =>
      t.forEach((time, s) => {
        const slot = i * 4 + s;
        assert.deepEqual(mem[slot].slice(6), [1, 2, 3, 4].map((c) => (c === time ? 1 : 0)), `alpha bag, example ${i} slot ${s}`);
        assert.deepEqual(mem[3 * 4 + slot].slice(6), [0, 0, 0, 0], `beta bag, example ${i} slot ${s}`);
        const last = slot * stride + stride - 1;
        assert.deepEqual([ids[last], alpha[last], beta[last]], [6 + time - 1, 1, 0], `last token, example ${i} slot ${s}`);
      }),
    );
    b.dispose();
  });

  test("softmax attention sums to 1 over real sentences and is 0 on empty slots; linear mode is the raw masked scores", () => {
    const m = new MemN2N({ vocabSize: 6, memorySize: 4, embedding: 5, seed: 4 });
    const b = encodeBatch(toy(), 6, 4);
    const soft = tf.tidy(() => m.apply(b).attention.map((a) => a.arraySync()));
    const lin = tf.tidy(() => m.apply(b, { linear: true }).attention.map((a) => a.arraySync()));
    const mask = b.mask.arraySync();
    for (const hop of soft) {
      hop.forEach((row, i) => {
        close(row.reduce((s, x) => s + x, 0), 1, 1e-5, `row ${i}`);
        row.forEach((p, s) => mask[i][s] === 0 && assert.equal(p, 0));
      });
    }
    // Linear scores are not a distribution: some row does not sum to 1, and masked slots are exactly 0.
    assert.ok(lin[0].some((row) => Math.abs(row.reduce((s, x) => s + x, 0) - 1) > 1e-3));
    lin[0].forEach((row, i) => row.forEach((p, s) => mask[i][s] === 0 && assert.equal(p, 0)));
    b.dispose();
    m.dispose();
  });
});

describe("training", () => {
  test("linear start: the first linearEpochs epochs run without the memory softmax, then every step has it", async () => {
    const calls: boolean[] = [];
    class Spy extends MemN2N {
      override apply(b: Parameters<MemN2N["apply"]>[0], opts: { linear?: boolean } = {}) {
        calls.push(Boolean(opts.linear));
        return super.apply(b, opts);
      }
    }
    const m = new Spy({ vocabSize: 6, memorySize: 4, embedding: 5, seed: 1 });
    const data = Array.from({ length: 8 }, (_, i) => toy()[i % 3]);
    const h = await trainMemN2N(m, data, { seed: 1, epochs: 3, linearEpochs: 2, learningRate: 0.005, eta: 0.01, batchSize: 4 });
    m.dispose();
    // 8 examples / batch 4 = 2 steps per epoch: 4 linear steps, then 6 softmax steps.
    assert.deepEqual(calls, [true, true, true, true, false, false, false, false, false, false]);
    assert.equal(h.switchEpoch, 2);
    assert.equal(h.steps, 10);
  });

  test("learning rate halves every 25 softmax-stage epochs", () => {
    assert.equal(learningRateAt(0.01, 1), 0.01);
    assert.equal(learningRateAt(0.01, 24), 0.01);
    assert.equal(learningRateAt(0.01, 25), 0.005);
    assert.equal(learningRateAt(0.01, 50), 0.0025);
    assert.equal(learningRateAt(0.005, 100), 0.005 / 16);
  });

  test("numTensors stays flat over a training loop with clipping and noise, and returns to its start", async () => {
    const task = prepareTask(1, { trainQuestions: 256 });
    const start = tf.memory().numTensors;
    const m = new MemN2N({ vocabSize: task.vocab.length, memorySize: task.memorySize, seed: 2 });
    const withModel = tf.memory().numTensors;
    const perEpoch: number[] = [];
    await trainMemN2N(m, task.train, {
      seed: 2, epochs: 4, linearEpochs: 2, learningRate: 0.005, eta: 0.01, validation: task.validation,
      onEpoch: () => perEpoch.push(tf.memory().numTensors),
    });
    assert.equal(new Set(perEpoch).size, 1, `tensor count drifted: ${perEpoch}`);
    await errorRate(m, task.test.slice(0, 300));
    // The optimizer (its learning-rate scalar) is gone once training returns; the model's tensors remain.
    assert.equal(tf.memory().numTensors, withModel);
    m.dispose();
    assert.equal(tf.memory().numTensors, start);
  });

  test("learns task 1 (single supporting fact): test error falls from chance to under 20% in 25 epochs; same seed, same run", async () => {
    const task = prepareTask(1);
    const run = async () => {
      const m = new MemN2N({ vocabSize: task.vocab.length, memorySize: task.memorySize, seed: 101 });
      const before = await errorRate(m, task.test);
      const h = await trainMemN2N(m, task.train, { seed: 101, epochs: 15, linearEpochs: 10, learningRate: 0.005, eta: null });
      const after = await errorRate(m, task.test);
      const pic = await attentionPicture(m, task, 0);
      m.dispose();
      return { before, after, loss: h.loss, pic };
    };
    const a = await run();
    // 6 places to answer from: chance is ~5/6 wrong.
    assert.ok(a.before > 0.6, `untrained error ${a.before}`);
    assert.ok(a.after < 0.2, `trained error ${a.after}`);
    // The picture: the last hop reads the supporting fact more than any other sentence.
    const last = a.pic.attention[a.pic.attention.length - 1];
    assert.equal(last.indexOf(Math.max(...last)), a.pic.supporting[0], JSON.stringify(a.pic));
    const b = await run();
    assert.deepEqual(b.loss, a.loss, "a seed must give the same run");
  });
});

test("MEMN2N_TRAINING_KERNELS is exactly what training (both stages, clip, noise, validation) uses", async () => {
  // On cpu: the declared list is what a backend needs without the WASM-only fused kernels (engine/wasm-reduce.ts), which stand in for some of these.
  await selectBackend({ backend: "cpu" });
  const task = prepareTask(1, { trainQuestions: 64 });
  const m = new MemN2N({ vocabSize: task.vocab.length, memorySize: task.memorySize, seed: 5 });
  const used = await kernelsUsedBy(async () => {
    await trainMemN2N(m, task.train, { seed: 5, epochs: 1, linearEpochs: 1, learningRate: 0.005, eta: 0.01, validation: task.validation.slice(0, 20) });
  });
  m.dispose();
  assert.deepEqual(used.filter((k) => !MEMN2N_TRAINING_KERNELS.includes(k)), [], "declare these in MEMN2N_TRAINING_KERNELS");
  assert.deepEqual(MEMN2N_TRAINING_KERNELS.filter((k) => !used.includes(k)), [], "declared but not used");
  await selectBackend({ requiredKernels: MEMN2N_GATHER_KERNELS });
});

describe("Table 2 sweep", () => {
  test("restarts are paired across settings; the kept restart is the one with the lowest training error", () => {
    const specs = planMemN2NRuns({ ...MEMN2N_CONFIGS.cpu, tasks: [2, 3] });
    assert.equal(specs.length, 2 * 4 * 3);
    for (const task of [2, 3]) for (let r = 0; r < 3; r++) {
      assert.equal(new Set(specs.filter((s) => s.task === task && s.restart === r).map((s) => s.seed)).size, 1);
    }
    assert.equal(new Set(specs.map((s) => s.seed)).size, 6);

    const rec = (task: number, setting: (typeof TABLE2_SETTINGS)[number], restart: number, train: number, val: number, loss = 1): MemN2NRunRecord =>
      ({ key: `task${task}/${setting}/restart${restart}`, task, setting, restart, taskName: `t${task}`, trainError: train, validationError: val, testError: val + 0.01, curve: { epoch: [1, 2], loss: [9, loss], batchError: [], evalEpoch: [], validationError: [] } }) as unknown as MemN2NRunRecord;
    const records: MemN2NRunRecord[] = [];
    for (let task = 1; task <= 6; task++) {
      records.push(rec(task, "one-stage", 0, 0.3, 0.4), rec(task, "one-stage", 1, 0.1, 0.5), rec(task, "one-stage", 2, 0.2, 0.1));
      // A tie on training error: restart 1 has the lower final training loss (and the higher validation error).
      records.push(rec(task, "one-stage + noise", 0, 0.05, 0.1, 0.3), rec(task, "one-stage + noise", 1, 0.05, 0.15, 0.2));
    }
    const { selected, rows, comparisons } = summarizeTable2(records);
    const one = selected.filter((s) => s.setting === "one-stage");
    assert.ok(one.every((s) => s.restart === 1 && s.validationError === 0.5), "lowest training error wins even with a worse validation error");
    assert.ok(selected.filter((s) => s.setting === "one-stage + noise").every((s) => s.restart === 1 && s.trainLoss === 0.2), "ties go to the lower final training loss, never to the lower validation error");
    const tie = [rec(1, "two-stage", 0, 0.05, 0.3, 0.2), rec(1, "two-stage", 1, 0.05, 0.1, 0.2)];
    assert.equal(summarizeTable2(tie).selected[0].restart, 0, "a full tie goes to the lower restart index");
    const r = rows.find((x) => x.setting === "one-stage")!;
    close(r.trainError, 0.1, 1e-12);
    close(r.validationError, 0.5, 1e-12);
    const c = comparisons.find((x) => x.stages === "one-stage")!;
    close(c.validationDifference, -0.35, 1e-12);
    // All 6 pairs point the same way: the smallest two-sided sign-flip p is 2/64.
    close(c.pValidation, 2 / 64, 0.01);
  });

  test("an extension study narrows settings and changes restarts; unknown settings are refused", () => {
    const { config, specs: planned } = planSweep(getExperiment("memn2n"), "cpu", { tasks: [16, 18], settings: ["two-stage"], restarts: 10 });
    const cfg = config as MemN2NConfig;
    const specs = planned as ReturnType<typeof planMemN2NRuns>;
    assert.equal(cfg.restarts, 10);
    assert.equal(specs.length, 20);
    assert.ok(specs.every((x) => x.setting === "two-stage"));
    // Restarts 0-2 are the main sweep's runs (same keys and seeds); 3-9 are new.
    const main = planMemN2NRuns({ ...MEMN2N_CONFIGS.cpu, tasks: [16] }).filter((x) => x.setting === "two-stage");
    for (const m of main) assert.deepEqual(specs.find((x) => x.key === m.key), m);
    assert.throws(() => planMemN2NRuns({ ...MEMN2N_CONFIGS.cpu, settings: ["three-stage" as never] }), /unknown setting\(s\) three-stage/);
    assert.throws(() => planMemN2NRuns({ ...MEMN2N_CONFIGS.cpu, tasks: [21] }), /bAbI tasks are 1\.\.20; got 21/);
  });

  test("paired permutation test: p ~ 1 for a null difference, exact-looking p for all-positive pairs, uniform-ish under the null", () => {
    assert.ok(pairedPermutationTest([1, 2, 3], [1, 2, 3], { seed: 1 }).pValue > 0.99);
    close(pairedPermutationTest([1, 2, 3, 4, 5, 6, 7, 8], [0, 1, 2, 3, 4, 5, 6, 7], { seed: 1 }).pValue, 2 / 256, 0.004);
    // Type I error at 0.05 over 200 null datasets: expected 10, 4 SE ~ 12.
    let rejections = 0;
    for (let s = 0; s < 200; s++) {
      const r = uniformStream("null", s);
      const a = Array.from({ length: 12 }, () => r());
      const b = Array.from({ length: 12 }, () => r());
      if (pairedPermutationTest(a, b, { seed: s, permutations: 500 }).pValue <= 0.05) rejections++;
    }
    assert.ok(rejections <= 22, `rejections ${rejections}/200`);
    assert.throws(() => pairedPermutationTest([1], [1, 2], { seed: 1 }), /equal lengths/);
  });

  test("the CLI runs chosen tasks on two workers with another eta, prints Table 2 beside the paper, and rejects bad flags", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "memn2n-cli-"));
    const out = path.join(dir, "t2.jsonl");
    const cli = path.join(__dirname, "..", "..", "..", "src", "cli", "experiment.js");
    const run = (...args: string[]) => spawnSync(process.execPath, [cli, "memn2n", ...args], { encoding: "utf8", env: { ...process.env, GRADNOISE_SCALE: "" } });
    try {
      const r = run("--scale", "smoke", "--tasks", "1,4", "--eta", "1", "--workers", "2", "--out", out);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /with --tasks 1,4 --eta 1: 8 runs/);
      assert.match(r.stdout, /smoke scale, 8 of 8 planned runs/);
      assert.match(r.stdout, /two-stage \+ noise +2 +.*5\.9%/);
      assert.match(r.stdout, /p \(sign-flip\)/);
      assert.match(r.stdout, /two-stage: validation error, with noise minus without:\*\* paper -0\.1 points/);
      const recs = loadRecords<MemN2NRunRecord>(out);
      assert.deepEqual([...new Set(recs.map((x) => x.task))].sort(), [1, 4]);
      assert.ok(recs.every((x) => x.eta === (x.setting.endsWith("noise") ? 1 : null)));
      assert.match(run("--scale", "smoke", "--tasks", "21").stderr, /--tasks must be <= 20; got "21"/);
      assert.match(run("--scale", "smoke", "--steps", "5").stderr, /unknown option --steps for memn2n/);
      assert.match(run("--scale", "smoke", "--eta", "-1").stderr, /--eta must be positive; got "-1"/);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  test("smoke sweep writes one record per run and resumes without redoing finished runs", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "memn2n-sweep-"));
    const file = path.join(dir, "memn2n-smoke.jsonl");
    try {
      const ran = await runSweep(planSweep(getExperiment("memn2n"), "smoke", {}, file));
      assert.equal(ran.length, 4);
      const recs = loadRecords<MemN2NRunRecord>(file);
      assert.deepEqual(recs.map((r) => r.setting).sort(), [...TABLE2_SETTINGS].sort());
      for (const r of recs) {
        assert.equal(r.curve.epoch.length, r.epochs + r.linearEpochs);
        assert.ok(r.trainError >= 0 && r.trainError <= 1 && r.testError >= 0 && r.testError <= 1);
        assert.equal(r.eta === null, !r.setting.endsWith("noise"));
      }
      assert.equal((await runSweep(planSweep(getExperiment("memn2n"), "smoke", {}, file))).length, 0, "nothing is redone");
      // Drop one record (as if the run was killed before it finished): only it is redone.
      const lines = readFileSync(file, "utf8").trim().split("\n");
      writeFileSync(file, lines.slice(1).join("\n") + "\n");
      const again = await runSweep(planSweep(getExperiment("memn2n"), "smoke", {}, file));
      assert.deepEqual(again.map((s) => s.key), [JSON.parse(lines[0]).key]);
      const redone = loadRecords<MemN2NRunRecord>(file).find((r) => r.key === again[0].key)!;
      assert.deepEqual(redone.curve.loss, JSON.parse(lines[0]).curve.loss, "the redone run is the same run");
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});
