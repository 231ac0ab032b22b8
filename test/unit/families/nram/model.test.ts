/**
 * The NRAM (Kurach et al. 2016, Section 3): the lifted modules agree with the
 * integer ones on point masses, a hand-set circuit runs ListK for k = 0 the
 * way a program would, the gradients match finite differences, the
 * activation clip clips, and a training loop keeps the tensor count flat.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { binaryTable, circuitLayout, clipGradient, generalisationError, listKExample, MODULES, NramModel, NramConfigError, shiftMatrix, trainNram, MODULE_NAMES } from "../../../../src/families/nram";
import { uniformStream } from "../../../../src/random/rng";

before(async () => {
  await tf.setBackend("cpu");
});

describe("modules lifted to distributions (Eq. 2)", () => {
  test("on point masses, every binary table and shift gives the integer result", () => {
    const M = 7;
    for (const name of MODULE_NAMES) {
      const m = MODULES[name];
      if (m.kind === "binary") {
        const t = binaryTable(m, M);
        for (let a = 0; a < M; a++) for (let b = 0; b < M; b++) {
          const row = t.subarray((a * M + b) * M, (a * M + b + 1) * M);
          assert.equal(row.reduce((s, x) => s + x, 0), 1);
          assert.equal(row[m.fn!(a, b, M)], 1, `${name}(${a}, ${b})`);
        }
      }
    }
    // Spot values, written out: SUB wraps mod M, LESS-THAN is 0/1.
    assert.equal(MODULES.SUB.fn!(2, 5, 7), 4);
    assert.equal(MODULES["LESS-THAN"].fn!(2, 5, 7), 1);
    assert.equal(MODULES["LESS-OR-EQUAL-THAN"].fn!(5, 5, 7), 1);
    const inc = shiftMatrix(1, M);
    assert.equal(inc[6 * M + 0], 1, "INC(6) = 0 mod 7");
    const dec = shiftMatrix(-1, M);
    assert.equal(dec[0 * M + 6], 1, "DEC(0) = 6 mod 7");
  });

  test("a mixture's lifted sum is the convolution of the two distributions", async () => {
    const M = 5;
    const model = new NramModel({ memory: M, registers: 1, timesteps: 1, hidden: 2, clipActivation: Infinity, eps: 1e-6 }, 1);
    const A = [0.5, 0.5, 0, 0, 0], B = [0, 0.25, 0, 0.75, 0];
    const t = tf.tensor2d(binaryTable(MODULES.ADD, M), [M * M, M]);
    const out = tf.matMul(tf.reshape(tf.outerProduct(tf.tensor1d(A), tf.tensor1d(B)), [1, M * M]), t);
    const got = Array.from(await out.data());
    // P(A + B = c): 0+1=1 (.125), 0+3=3 (.375), 1+1=2 (.125), 1+3=4 (.375)
    assert.deepEqual(got.map((x) => Math.round(x * 1000) / 1000), [0, 0.125, 0.125, 0.375, 0.375]);
    tf.dispose([t, out]);
    model.dispose();
  });
});

/**
 * Sets the controller to emit one fixed circuit every timestep: weights 0,
 * biases +50 on the chosen sources (the softmax is then a point mass to
 * within e^-50), stop logit -50 (the machine runs all T steps).
 */
function handSetCircuit(model: NramModel, choose: Record<string, string[]>, registers: string[]): void {
  const L = model.layout;
  const R = model.config.registers;
  const names = [...Array.from({ length: R }, (_, j) => `r${j + 1}`), ...L.modules.map((m) => m.name)];
  const bias = new Float32Array(L.selectors * L.sources + 1);
  const pick = (row: number, source: string) => {
    const s = names.indexOf(source);
    assert.ok(s >= 0, source);
    bias[row * L.sources + s] = 50;
  };
  L.modules.forEach((m, i) => (choose[m.name] ?? []).forEach((src, a) => pick(L.argRow[i] + a, src)));
  registers.forEach((src, j) => pick(L.registerRow + j, src));
  bias[L.selectors * L.sources] = -50;
  model.params.wo.assign(tf.zerosLike(model.params.wo));
  model.params.bo.assign(tf.tensor1d(bias));
}

describe("the machine", () => {
  test("a hand-set circuit solves ListK for k = 0: read the head, step to its value, write it to out", async () => {
    const M = 12;
    const model = new NramModel({ memory: M, registers: 2, timesteps: 2, hidden: 4, clipActivation: 10, eps: 1e-6 }, 3);
    // Every step: o_READ = Mem[r1]; o_INC = o_READ + 1; WRITE(TWO, o_READ); r1 := o_INC.
    // Step 1 reads the head pointer (r1 = 0), step 2 the head node's value and writes it to cell 2.
    handSetCircuit(model, { READ: ["r1"], INC: ["READ"], WRITE: ["TWO", "READ"] }, ["INC", "r2"]);
    const rand = uniformStream("k0");
    const mems: number[] = [], targets: number[] = [];
    for (let i = 0; i < 20; i++) {
      let ex = listKExample({ memory: M, maxLength: 4 }, 1 + (i % 4), rand);
      while (ex.k !== 0) ex = listKExample({ memory: M, maxLength: 4 }, 1 + (i % 4), rand);
      mems.push(...ex.memory);
      targets.push(ex.target);
    }
    const { loss, out } = tf.tidy(() => {
      const f = model.forward(tf.tensor1d(mems, "int32"), tf.tensor1d(targets, "int32"));
      return { loss: f.loss, out: tf.argMax(f.output, 1) };
    });
    assert.deepEqual(Array.from(await out.data()), targets);
    assert.ok((await loss.data())[0] < 1e-3, "near-zero loss on a correct program");
    tf.dispose([loss, out]);
    // The same weights on a memory twice as large (lists of one node: k = 0 always) still solve it: the
    // controller's parameters do not depend on M (generalisation, NRAM paper Section 4.4.1).
    assert.equal(await generalisationError(model, { memory: 24, maxLength: 1, timesteps: 2 }, 30), 0);
    // ... and with k > 0 (lists of up to 10 nodes) this k = 0 program fails often.
    assert.ok((await generalisationError(model, { memory: 24, maxLength: 10, timesteps: 2 }, 60)) > 0.3);
    model.dispose();
  });

  test("selection layout: module i sees the registers and modules before it, registers see all", () => {
    const L = circuitLayout(3);
    const S = L.sources;
    const allowed = (row: number) => Array.from(L.mask.subarray(row * S, (row + 1) * S)).filter((x) => x === 0).length;
    const add = MODULE_NAMES.indexOf("ADD");
    assert.equal(allowed(L.argRow[add]), 3 + add);
    assert.equal(allowed(L.registerRow), S);
    assert.equal(L.selectors, 3 + L.modules.reduce((s, m) => s + m.arity, 0));
  });

  test("bad model configs are named errors", () => {
    const ok = { memory: 8, registers: 2, timesteps: 2, hidden: 4, clipActivation: 1, eps: 1e-6 };
    for (const bad of [{ memory: 3 }, { registers: 0 }, { timesteps: 1.5 }, { clipActivation: 0 }, { eps: 0 }, { repeats: 0 }]) {
      assert.throws(() => new NramModel({ ...ok, ...bad }, 1), NramConfigError, JSON.stringify(bad));
    }
  });
});

describe("gradients", () => {
  test("match central finite differences (float64 on the cpu backend is not available: loose float32 tolerance)", async () => {
    const model = new NramModel({ memory: 6, registers: 2, timesteps: 3, hidden: 5, clipActivation: Infinity, eps: 1e-6 }, 11);
    const rand = uniformStream("fd");
    const exs = Array.from({ length: 4 }, () => listKExample({ memory: 6, maxLength: 1 }, 1, rand));
    const mem = tf.tensor1d(exs.flatMap((e) => Array.from(e.memory)), "int32");
    const tgt = tf.tensor1d(exs.map((e) => e.target), "int32");
    const coef = 0.05;
    const f = () => model.objective(mem, tgt, coef).objective;
    const { grads } = tf.variableGrads(f, model.variables);
    const r = uniformStream("fd-coords");
    let checked = 0;
    for (const v of model.variables) {
      const g = await grads[v.name].data();
      const base = await v.data();
      for (let n = 0; n < 4; n++) {
        const i = Math.floor(r() * base.length);
        const h = 1e-2;
        const at = async (d: number) => {
          const x = Float32Array.from(base);
          x[i] += d;
          v.assign(tf.tensor(x, v.shape));
          const y = tf.tidy(f);
          const val = (await y.data())[0];
          y.dispose();
          return val;
        };
        const fd = ((await at(h)) - (await at(-h))) / (2 * h);
        v.assign(tf.tensor(base, v.shape));
        assert.ok(Math.abs(fd - g[i]) <= 2e-3 + 0.05 * Math.abs(fd), `${v.name}[${i}]: autodiff ${g[i]} vs finite difference ${fd}`);
        checked++;
      }
    }
    assert.equal(checked, 24);
    tf.dispose([mem, tgt, ...Object.values(grads)]);
    model.dispose();
  });

  test("the activation clip passes values and clips the incoming gradient element-wise", async () => {
    const x = tf.tensor1d([1, 2, 3]);
    const g = tf.grad((y: tf.Tensor) => tf.sum(tf.mul(clipGradient(y, 0.5), tf.tensor1d([0.1, -2, 7]))))(x);
    assert.deepEqual(Array.from(await g.data()).map((v) => Math.round(v * 100) / 100), [0.1, -0.5, 0.5]);
    tf.dispose([x, g]);
  });
});

describe("training", () => {
  test("tensor count flat from before construction over a run with noise; seeded runs repeat", async () => {
    const cfg = {
      model: { memory: 7, registers: 2, timesteps: 2, hidden: 4, clipActivation: 10, eps: 1e-6 },
      task: { memory: 7, maxLength: 2 },
      steps: 6, batch: 4, learningRate: 0.01, clipGlobal: 5, entropy: { start: 0.1, decay: 0.9 },
      curriculum: { threshold: 0.5, minBatches: 1 }, testSize: 10, logEvery: 2,
    };
    const before = tf.memory().numTensors;
    const a = await trainNram(cfg, { kind: "annealed", eta: 0.01, gamma: 0.55 }, 5);
    assert.equal(tf.memory().numTensors, before);
    const b = await trainNram(cfg, { kind: "annealed", eta: 0.01, gamma: 0.55 }, 5);
    const c = await trainNram(cfg, { kind: "none" }, 5);
    assert.deepEqual(a.curve.loss, b.curve.loss);
    assert.notDeepEqual(a.curve.loss.slice(1), c.curve.loss.slice(1), "noise changes the run");
    const w = await trainNram(cfg, { kind: "weight", eta: 0.01, gamma: 0.55 }, 5);
    assert.equal(tf.memory().numTensors, before);
    assert.deepEqual(a.curve.step, [0, 2, 4, 5]);
    assert.ok(w.testError >= 0 && w.testError <= 1);
    await assert.rejects(trainNram({ ...cfg, task: { memory: 8, maxLength: 2 } }, { kind: "none" }, 1), /memory/);
  });
});

describe("backends", () => {
  test("wasm gives the cpu backend's loss and gradients (float32 tolerance)", async () => {
    await import("@tensorflow/tfjs-backend-wasm");
    const run = async (backend: string) => {
      await tf.setBackend(backend);
      const model = new NramModel({ memory: 7, registers: 3, timesteps: 3, hidden: 6, clipActivation: 1, eps: 1e-6 }, 4);
      const rand = uniformStream("backends");
      const exs = Array.from({ length: 5 }, () => listKExample({ memory: 7, maxLength: 2 }, 2, rand));
      const mem = tf.tensor1d(exs.flatMap((e) => Array.from(e.memory)), "int32");
      const tgt = tf.tensor1d(exs.map((e) => e.target), "int32");
      const { value, grads } = tf.variableGrads(() => model.objective(mem, tgt, 0.05).objective, model.variables);
      const out = { loss: (await value.data())[0], grads: await Promise.all(model.variables.map(async (v) => Array.from(await grads[v.name].data()))) };
      tf.dispose([mem, tgt, value, ...Object.values(grads)]);
      model.dispose();
      return out;
    };
    try {
      const ref = await run("cpu");
      const got = await run("wasm");
      assert.ok(Math.abs(got.loss - ref.loss) <= 1e-5 + 1e-4 * Math.abs(ref.loss), `loss ${got.loss} vs ${ref.loss}`);
      ref.grads.forEach((g, i) => g.forEach((x, j) => assert.ok(Math.abs(got.grads[i][j] - x) <= 1e-5 + 1e-3 * Math.abs(x), `grad ${i}[${j}]: ${got.grads[i][j]} vs ${x}`)));
    } finally {
      await tf.setBackend("cpu");
    }
  });
});
