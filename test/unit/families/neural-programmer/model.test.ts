/**
 * The Neural Programmer model: its operations, run with the generator's own
 * program forced as the selections, give every generated answer (so the
 * state updates mean what the protocol says); the loss's gradient against
 * central finite differences (float32: tolerances stated); tensor counts
 * flat over training and prediction; seeded training is deterministic and
 * noise, dropout and weight noise each change it.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../../../src/engine";
import {
  defaultTask, encodeBatch, Example, generateExamples, modelFor, npLoss, NPModel, NPTrainOptions, OPERATIONS, PIVOT_SLOTS, predict, STEPS, TaskConfig, TaskKind, tokenize, trainNeuralProgrammer,
} from "../../../../src/families/neural-programmer";

before(async () => {
  await selectBackend({ backend: "cpu" });
});

/** Small tables keep the cpu backend fast; the semantics do not depend on size. */
const small = (kind: TaskKind): TaskConfig => ({ ...defaultTask(kind), train: { rows: [4, 9], range: 100 }, test: { rows: [12, 12], range: 200 } });

/** The reference program as one-hot selections, padded at the front with resets (a no-op on the initial all-rows state). */
function forced(examples: Example[], columns: number) {
  const B = examples.length;
  const ops = Array.from({ length: STEPS }, () => new Float32Array(B * OPERATIONS.length));
  const cols = Array.from({ length: STEPS }, () => new Float32Array(B * columns));
  const beta = new Float32Array(B * PIVOT_SLOTS * 2);
  examples.forEach((e, b) => {
    const prog = [...Array(STEPS - e.program.length).fill({ op: "reset" }), ...e.program];
    prog.forEach((s, t) => {
      ops[t][b * OPERATIONS.length + OPERATIONS.indexOf(s.op)] = 1;
      cols[t][b * columns + (s.column ? "ABCDE".indexOf(s.column) : 0)] = 1;
    });
    // Pivot slots: the question's numbers in order; each comparison reads the number written after its keyword.
    let slot = 0;
    for (const w of e.short.split(" ")) if (w === "greater" || w === "lesser") beta[(b * PIVOT_SLOTS + slot++) * 2 + (w === "greater" ? 0 : 1)] = 1;
  });
  return {
    ops: ops.map((x) => tf.tensor2d(x, [B, OPERATIONS.length])),
    cols: cols.map((x) => tf.tensor2d(x, [B, columns])),
    beta: tf.tensor3d(beta, [B, PIVOT_SLOTS, 2]),
  };
}

describe("neural-programmer model", () => {
  for (const kind of ["single", "five", "text"] as TaskKind[]) {
    test(`${kind}: the generator's programs, forced through the operations with hard selection, give the generator's answers`, () => {
      const task = small(kind);
      const examples = generateExamples(task, "train", 5, 150);
      const { model, vocab } = modelFor(task, { hidden: 4, initStd: 0.1, seed: 1 });
      const b = encodeBatch(examples, vocab, task.maxColumns);
      const f = forced(examples, task.maxColumns);
      const out = tf.tidy(() => {
        const r = model.forward(b, { hard: true, force: f });
        return { scalar: r.scalar.arraySync(), lookup: r.lookup.arraySync() };
      });
      examples.forEach((e, i) => {
        if (e.answer.type === "scalar") assert.ok(Math.abs(out.scalar[i] - e.answer.value) < 1e-3, `${e.short}: ${out.scalar[i]} vs ${e.answer.value}`);
        else e.answer.cells.forEach((row, r) => row.forEach((on, j) => assert.equal(out.lookup[i][r][j] > 0.5, on, `${e.short}: cell ${r},${j}`)));
      });
      tf.dispose([...f.ops, ...f.cols, f.beta]);
      b.dispose();
      model.dispose();
    });
  }

  test("sums and differences are scored in units of sumScale, counts in 1; a bad sumScale is a named error", () => {
    const task = small("single");
    const all = generateExamples(task, "train", 21, 200);
    const count = all.find((e) => e.program[e.program.length - 1].op === "count")!;
    const sum = all.find((e) => e.program[e.program.length - 1].op === "sum")!;
    const diff = all.find((e) => e.program[e.program.length - 1].op === "difference")!;
    const { vocab } = modelFor(task, { hidden: 4, initStd: 0.1, seed: 1 });
    // The same raw error (300) on each answer, Huber in its quadratic part: 0.5 (300 / unit)^2.
    const lossOf = (e: Example, sumScale: number) => {
      const b = encodeBatch([e], vocab, 1, { sumScale });
      try {
        return tf.tidy(() => {
          const out = { scalar: tf.add(b.scalarTarget, 300) as tf.Tensor1D, lookup: tf.zerosLike(b.values) as tf.Tensor3D, ops: [], cols: [] };
          return npLoss(out, b, { delta: 1e6, lambda: 1 }).arraySync() as number;
        });
      } finally {
        b.dispose();
      }
    };
    const near = (a: number, b: number) => Math.abs(a - b) <= 1e-3 * b;
    assert.ok(near(lossOf(count, 100), 45000), "a count keeps unit 1");
    assert.ok(near(lossOf(sum, 100), 4.5), "a sum is scored in hundreds");
    assert.ok(near(lossOf(diff, 100), 4.5), "a difference too");
    assert.ok(near(lossOf(sum, 1), 45000), "sumScale 1 is the literal loss");
    assert.throws(() => encodeBatch([sum], vocab, 1, { sumScale: 0 }), /sumScale must be a positive number/);
  });

  test("the loss's gradient matches central finite differences along random directions (float32: eps 1e-2, 3% relative)", () => {
    const task = small("five");
    const examples = generateExamples(task, "train", 9, 6);
    assert.ok(examples.some((e) => e.answer.type === "lookup") && examples.some((e) => e.answer.type === "scalar"));
    const { model, vocab } = modelFor(task, { hidden: 5, initStd: 0.3, seed: 3 });
    const b = encodeBatch(examples, vocab, task.maxColumns);
    const vars = model.variables;
    // Huber's kink is the one non-smooth point: delta large so every scalar error is in the quadratic part.
    const loss = () => npLoss(model.forward(b), b, { delta: 1e6, lambda: 30 });
    const { grads } = tf.variableGrads(loss, vars);
    for (let d = 0; d < 3; d++) {
      // Seeds from 1: tfjs draws an unseeded (Math.random) stream for seed 0.
      const dirs = vars.map((v, k) => tf.randomNormal(v.shape, 0, 1, "float32", 100 * d + k + 1));
      const analytic = tf.tidy(() => tf.addN(vars.map((v, k) => tf.sum(tf.mul(grads[v.name], dirs[k])))).arraySync() as number);
      const eps = 1e-2;
      const at = (sign: number) => {
        const saved = vars.map((v) => v.clone());
        vars.forEach((v, k) => v.assign(tf.tidy(() => tf.add(v, tf.mul(dirs[k], sign * eps)))));
        const l = tf.tidy(() => loss().arraySync() as number);
        vars.forEach((v, k) => v.assign(saved[k]));
        tf.dispose(saved);
        return l;
      };
      const numeric = (at(1) - at(-1)) / (2 * eps);
      assert.ok(Math.abs(numeric - analytic) <= 0.03 * Math.max(Math.abs(analytic), 1), `direction ${d}: analytic ${analytic}, numeric ${numeric}`);
      tf.dispose(dirs);
    }
    tf.dispose(Object.values(grads));
    b.dispose();
    model.dispose();
  });

  const opts = (task: TaskConfig, extra: Partial<NPTrainOptions> = {}): NPTrainOptions => ({
    task, dataSeed: 1, seed: 2, hidden: 6, initStd: 0.1, steps: 4, batchSize: 5, learningRate: 0.01, clipNorm: 10, noise: { kind: "none" },
    dropout: 0, trainSize: 50, testSize: 10, evalEvery: 2, tolerance: 0.01, delta: 10, lambda: 10, ...extra,
  });
  const run = async (o: NPTrainOptions) => {
    const { model, vocab } = modelFor(o.task, { hidden: o.hidden, initStd: o.initStd, seed: o.seed });
    const h = await trainNeuralProgrammer(model, vocab, o);
    const w = model.variables.map((v) => Array.from(v.dataSync()));
    model.dispose();
    return { h, w };
  };

  test("training and prediction leave the tensor count flat (counted from before the model), and report finite curves", async () => {
    const task = small("text");
    const before = tf.memory().numTensors;
    const { h } = await run(opts(task, { noise: { kind: "annealed", eta: 1, gamma: 0.55 }, dropout: 0.3 }));
    assert.equal(tf.memory().numTensors, before);
    assert.deepEqual(h.evalStep, [2, 4]);
    assert.ok(h.loss.every(Number.isFinite) && h.testAccuracy.every((a) => a >= 0 && a <= 1));
    assert.equal(h.correct.length, 10);
  });

  test("a seed fixes training; gradient noise, fixed noise, weight noise and dropout each change the weights", async () => {
    const task = small("single");
    const base = await run(opts(task));
    assert.deepEqual((await run(opts(task))).w, base.w);
    for (const extra of [
      { noise: { kind: "annealed", eta: 1, gamma: 0.55 } },
      { noise: { kind: "fixed", variance: 0.01 } },
      { noise: { kind: "weight", eta: 1e-6, gamma: 0.55 } },
      { dropout: 0.5 },
    ] as Partial<NPTrainOptions>[]) {
      assert.notDeepEqual((await run(opts(task, extra))).w, base.w, JSON.stringify(extra));
    }
  });

  test("predict reads the program the hard selection ran, and bad training options are named", async () => {
    const task = small("five");
    const { model, vocab } = modelFor(task, { hidden: 4, initStd: 0.1, seed: 1 });
    const es = generateExamples(task, "test", 1, 5);
    const ps = await predict(model, vocab, es, 0.01);
    assert.ok(ps.every((p) => p.program.length === STEPS && p.program.every((s) => OPERATIONS.includes(s.op))));
    for (const bad of [{ steps: 0 }, { learningRate: -1 }, { dropout: 1 }, { batchSize: 2.5 }]) {
      await assert.rejects(trainNeuralProgrammer(model, vocab, opts(task, bad as Partial<NPTrainOptions>)), RangeError);
    }
    assert.throws(() => new NPModel({ vocabSize: 10, hidden: 0, columns: 1, columnWordIds: [1], initStd: 0.1, seed: 1 }), RangeError);
    assert.equal(tokenize("greater -1.25 A sum A").numbers[0], -1.25);
    model.dispose();
  });
});
