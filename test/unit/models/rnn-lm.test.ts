/**
 * The recurrent language model: every cell against a plain-JS
 * re-implementation, the hand-written gradients (fused softmax cross-entropy,
 * scatter embedding) against finite differences in double precision, NOISIN's
 * unbiasedness (statistical, fixed seed, stated tolerance), noise and dropout
 * only in training and seeded per step, variational masks constant over time,
 * and the lookups/softmaxes agreeing on cpu and wasm.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../../src/engine";
import { dropoutMask, HiddenStateNoise } from "../../../src/models/hidden-noise";
import { embeddingLookup, fusedSoftmaxCrossEntropy, lmKernels, tfjsSoftmaxCrossEntropy } from "../../../src/models/lm-ops";
import { applyDropout, CellKind, disposeState, LMState, RnnLM, RnnLMConfig } from "../../../src/models/rnn-lm";

before(async () => {
  await selectBackend({ backend: "cpu" });
});

const sig = (x: number) => 1 / (1 + Math.exp(-x));
const act: Record<Exclude<CellKind, "lstm">, (x: number) => number> = { tanh: Math.tanh, sigmoid: sig, relu: (x) => Math.max(0, x) };
const rows = (t: tf.Tensor) => t.arraySync() as number[][];

/** The model's mean cross-entropy and final state, recomputed with plain JS loops from its weights. */
function reference(m: RnnLM, inputs: Int32Array, targets: Int32Array, B: number): { loss: number; h: number[][][]; c: number[][][] } {
  const { hidden: H, cell } = m.config;
  const T = inputs.length / B;
  const E = rows(m.embeddingTable);
  const G = m.gates;
  let xs: number[][][] = Array.from({ length: B }, (_, b) => Array.from({ length: T }, (_, t) => E[inputs[b * T + t]]));
  const hs: number[][][] = [];
  const cs: number[][][] = [];
  for (const p of m.layerParams) {
    const Wx = rows(p.Wx), Wh = rows(p.Wh), bias = p.b.arraySync() as number[];
    const out: number[][][] = [];
    const hl: number[][] = [], cl: number[][] = [];
    for (let b = 0; b < B; b++) {
      let h = new Array(H).fill(0), c = new Array(H).fill(0);
      const seq: number[][] = [];
      for (let t = 0; t < T; t++) {
        const pre = Array.from({ length: G * H }, (_, j) => bias[j] + xs[b][t].reduce((s, x, k) => s + x * Wx[k][j], 0) + h.reduce((s, x, k) => s + x * Wh[k][j], 0));
        if (cell === "lstm") {
          // Gate order i, f, g, o; forget bias 0.
          c = c.map((cv, j) => sig(pre[H + j]) * cv + sig(pre[j]) * Math.tanh(pre[2 * H + j]));
          h = c.map((cv, j) => sig(pre[3 * H + j]) * Math.tanh(cv));
        } else h = pre.map(act[cell]);
        seq.push(h);
      }
      out.push(seq);
      hl.push(h);
      cl.push(c);
    }
    xs = out;
    hs.push(hl);
    cs.push(cl);
  }
  const W = rows(m.softmaxW), sb = m.softmaxB.arraySync() as number[];
  let loss = 0;
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const logits = sb.map((bv, v) => bv + xs[b][t].reduce((s, x, k) => s + x * W[k][v], 0));
      const mx = Math.max(...logits);
      const lse = mx + Math.log(logits.reduce((s, z) => s + Math.exp(z - mx), 0));
      loss += lse - logits[targets[b * T + t]];
    }
  }
  return { loss: loss / (B * T), h: hs, c: cs };
}

function randomIds(n: number, V: number, seed: number): Int32Array {
  let s = seed;
  return Int32Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) % 2147483648), s % V));
}

function runModel(m: RnnLM, inputs: Int32Array, targets: Int32Array, B: number, state: LMState | null, o: { training: boolean; key?: number[] }) {
  return tf.tidy(() => {
    const s0 = state ?? m.zeroState(B);
    const r = m.forward(inputs, targets, B, s0, o);
    return { loss: r.loss.arraySync() as number, h: r.state.h.map(rows), c: r.state.c.map(rows) };
  });
}

const small = (cell: CellKind, extra: Partial<RnnLMConfig> = {}): RnnLM => new RnnLM({ vocabSize: 7, hidden: 3, layers: 2, cell, initScale: 0.5, seed: 11, ...extra });

describe("cells against a plain-JS re-implementation (2 layers, B 2, T 3)", () => {
  for (const cell of ["lstm", "tanh", "sigmoid", "relu"] as CellKind[]) {
    test(`${cell}: loss and final state`, () => {
      const m = small(cell);
      // Non-zero biases so the bias path is checked too.
      m.layerParams.forEach((p, l) => p.b.assign(tf.tensor1d(Array.from({ length: p.b.size }, (_, j) => 0.1 * Math.sin(j + l)))));
      const inputs = randomIds(6, 7, 3), targets = randomIds(6, 7, 4);
      const got = runModel(m, inputs, targets, 2, null, { training: false });
      const want = reference(m, inputs, targets, 2);
      assert.ok(Math.abs(got.loss - want.loss) < 1e-5, `loss ${got.loss} vs ${want.loss}`);
      for (let l = 0; l < 2; l++) for (let b = 0; b < 2; b++) for (let j = 0; j < 3; j++) {
        assert.ok(Math.abs(got.h[l][b][j] - want.h[l][b][j]) < 1e-5, `h[${l}][${b}][${j}]`);
        if (cell === "lstm") assert.ok(Math.abs(got.c[l][b][j] - want.c[l][b][j]) < 1e-5, `c[${l}][${b}][${j}]`);
      }
      m.dispose();
    });
  }

  test("a carried state continues the sequence: two windows equal one long window", () => {
    const m = small("lstm");
    const ids = randomIds(2 * 7, 7, 5);
    const inp = (a: number, b: number) => Int32Array.from([...ids.slice(a, b), ...ids.slice(7 + a, 7 + b)]);
    const whole = runModel(m, inp(0, 6), inp(1, 7), 2, null, { training: false });
    const st = tf.tidy(() => {
      const r = m.forward(inp(0, 3), inp(1, 4), 2, m.zeroState(2), { training: false });
      return { h: r.state.h.map((t) => tf.keep(t)), c: r.state.c.map((t) => tf.keep(t)) };
    });
    const second = runModel(m, inp(3, 6), inp(4, 7), 2, st, { training: false });
    disposeState(st);
    for (let j = 0; j < 3; j++) assert.ok(Math.abs(whole.h[1][0][j] - second.h[1][0][j]) < 1e-6);
    m.dispose();
  });
});

/** Central differences in double precision of `f` at `x`, for the listed entries. */
function numericGrad(f: (x: Float64Array) => number, x: Float64Array, entries: number[], eps = 1e-5): number[] {
  return entries.map((i) => {
    const a = Float64Array.from(x), b = Float64Array.from(x);
    a[i] += eps;
    b[i] -= eps;
    return (f(a) - f(b)) / (2 * eps);
  });
}

describe("hand-written gradients against finite differences", () => {
  test("fused softmax cross-entropy: value, dh, dW, db (N 5, d 4, V 6, a repeated target)", () => {
    const N = 5, d = 4, V = 6;
    const hv = Float64Array.from({ length: N * d }, (_, i) => Math.sin(i + 1));
    const Wv = Float64Array.from({ length: d * V }, (_, i) => 0.5 * Math.cos(3 * i));
    const bv = Float64Array.from({ length: V }, (_, i) => 0.1 * i);
    const tg = [2, 5, 0, 2, 3];
    const lossOf = (h: Float64Array, W: Float64Array, b: Float64Array) => {
      let s = 0;
      for (let n = 0; n < N; n++) {
        const z = Array.from({ length: V }, (_, v) => b[v] + Array.from({ length: d }, (_, k) => h[n * d + k] * W[k * V + v]).reduce((a, c) => a + c, 0));
        const mx = Math.max(...z);
        s += mx + Math.log(z.reduce((a, c) => a + Math.exp(c - mx), 0)) - z[tg[n]];
      }
      return s / N;
    };
    const h = tf.tensor2d(Float32Array.from(hv), [N, d]), W = tf.tensor2d(Float32Array.from(Wv), [d, V]), b = tf.tensor1d(Float32Array.from(bv));
    const t = tf.tensor1d(tg, "int32");
    const value = fusedSoftmaxCrossEntropy(h, W, b, t).arraySync() as number;
    assert.ok(Math.abs(value - lossOf(hv, Wv, bv)) < 1e-5);
    const ref = tfjsSoftmaxCrossEntropy(h, W, b, t).arraySync() as number;
    assert.ok(Math.abs(value - ref) < 1e-5);
    const g = tf.grads((hh: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => fusedSoftmaxCrossEntropy(hh as tf.Tensor2D, ww as tf.Tensor2D, bb as tf.Tensor1D, t))([h, W, b]);
    const all = (n: number) => Array.from({ length: n }, (_, i) => i);
    const checks: [number[], number[]][] = [
      [g[0].dataSync() as unknown as number[], numericGrad((x) => lossOf(x, Wv, bv), hv, all(N * d))],
      [g[1].dataSync() as unknown as number[], numericGrad((x) => lossOf(hv, x, bv), Wv, all(d * V))],
      [g[2].dataSync() as unknown as number[], numericGrad((x) => lossOf(hv, Wv, x), bv, all(V))],
    ];
    for (const [got, want] of checks) for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) < 1e-5, `gradient entry ${i}: ${got[i]} vs ${want[i]}`);
    tf.dispose([h, W, b, t, ...g]);
  });

  test("embedding lookups: scatter and onehot match gather, values and gradients (duplicate ids summed)", () => {
    const V = 5, d = 3;
    const Ev = Float64Array.from({ length: V * d }, (_, i) => Math.sin(2 * i));
    const ids = [3, 1, 3, 0, 3];
    const R = Float64Array.from({ length: ids.length * d }, (_, i) => Math.cos(i));
    // L(E) = sum_n sum_k E[ids[n], k] R[n, k]: the gradient of row v is the sum of R over the positions holding v.
    const lossOf = (E: Float64Array) => ids.reduce((s, v, n) => s + Array.from({ length: d }, (_, k) => E[v * d + k] * R[n * d + k]).reduce((a, c) => a + c, 0), 0);
    const fd = numericGrad(lossOf, Ev, Array.from({ length: V * d }, (_, i) => i));
    const E = tf.tensor2d(Float32Array.from(Ev), [V, d]);
    const Rt = tf.tensor2d(Float32Array.from(R), [ids.length, d]);
    const it = tf.tensor1d(ids, "int32");
    for (const how of ["gather", "scatter", "onehot"] as const) {
      const val = embeddingLookup(E, it, how).dataSync();
      const want = ids.flatMap((v) => Array.from(Ev.slice(v * d, v * d + d)));
      want.forEach((w, i) => assert.ok(Math.abs(val[i] - w) < 1e-6, `${how} value ${i}`));
      const g = tf.grad((e: tf.Tensor) => tf.sum(tf.mul(embeddingLookup(e as tf.Tensor2D, it, how), Rt)))(E).dataSync();
      fd.forEach((w, i) => assert.ok(Math.abs(g[i] - w) < 1e-4, `${how} gradient ${i}: ${g[i]} vs ${w}`));
    }
    tf.dispose([E, Rt, it]);
  });
});

describe("fused recurrent layer (recurrent-layer.ts)", () => {
  const cases: [CellKind, Partial<RnnLMConfig>][] = [
    ["lstm", { dropout: { kind: "standard", rate: 0.3 } }],
    ["lstm", { dropout: { kind: "variational", rate: 0.3 }, hiddenNoise: { kind: "multiplicative", gamma: 0.2, learned: true } }],
    ["tanh", { hiddenNoise: { gamma: 0.3, learned: true, floor: 0.05 } }],
    ["sigmoid", { hiddenNoise: { kind: "multiplicative", gamma: 0.3 } }],
    ["relu", { dropout: { kind: "variational", rate: 0.3 } }],
  ];
  for (const [cell, extra] of cases) {
    test(`${cell} ${JSON.stringify(extra)}: loss, final state and every gradient match the taped cell ops from a carried non-zero state`, () => {
      const B = 3, T = 4;
      const inp = randomIds(B * T, 7, 8), tgt = randomIds(B * T, 7, 9);
      const run = (recurrence: "fused" | "taped") => {
        const m = small(cell, { recurrence, ...extra });
        const out = tf.tidy(() => {
          // A first window makes the second one start from a non-zero state.
          const s0 = m.forward(inp, tgt, B, m.zeroState(B), { training: false }).state;
          let state: number[][] = [];
          const { value, grads } = tf.variableGrads(() => {
            const r = m.forward(inp, tgt, B, s0, { training: true, key: [1] });
            state = [...r.state.h, ...r.state.c].map((t) => Array.from(t.dataSync()));
            return r.loss;
          }, m.trainableVariables);
          return { loss: value.dataSync()[0], state, grads: Object.values(grads).map((g) => Array.from(g.dataSync())) };
        });
        m.dispose();
        return out;
      };
      const fused = run("fused"), taped = run("taped");
      assert.equal(fused.loss, taped.loss);
      assert.equal(fused.grads.length, taped.grads.length);
      fused.state.forEach((a, i) => assert.deepEqual(a, taped.state[i]));
      fused.grads.forEach((g, i) => g.forEach((v, j) => assert.ok(Math.abs(v - taped.grads[i][j]) <= 1e-6 * Math.max(1, Math.abs(v)), `gradient ${i} entry ${j}: ${v} vs ${taped.grads[i][j]}`)));
    });
  }
});

describe("NOISIN hidden-state noise", () => {
  /**
   * Unbiasedness, E[z_t | z_{t-1}] = f(U x_t + W z_{t-1}): 4000 copies of the
   * same input and previous state in one batch get independent noise (seed
   * 11, step key [0]); the mean over copies must match the deterministic step
   * to within 4.5 standard errors (gamma / sqrt(4000)) in every unit, and the
   * spread must be gamma to within 5%. With a fixed seed the outcome is fixed;
   * the tolerance says how unlikely a failure of a correct implementation is
   * (~7e-6 per unit, two-sided).
   */
  for (const kind of ["additive", "multiplicative"] as const) {
    test(`${kind}: the mean over noise samples is the deterministic transition`, () => {
      const B = 4000, H = 6, gamma = 0.5;
      const m = new RnnLM({ vocabSize: 5, hidden: H, layers: 2, cell: "tanh", initScale: 0.8, seed: 11, hiddenNoise: { kind, gamma } });
      const inputs = new Int32Array(B).fill(2), targets = new Int32Array(B).fill(1);
      // A previous state that is not zero, the same for every copy.
      const prev = (): LMState => ({ h: [0, 1].map((l) => tf.tile(tf.tensor2d([[0.3, -0.2, 0.5, -0.7, 0.1, 0.9]].map((r) => r.map((x) => x * (l + 1)))), [B, 1]) as tf.Tensor2D), c: [] });
      const det = tf.tidy(() => m.run(inputs.subarray(0, 1), 1, { h: prev().h.map((t) => t.slice([0, 0], [1, H])), c: [] }, { training: false }).state.h.map(rows));
      const noisy = tf.tidy(() => {
        const s = m.run(inputs, B, prev(), { training: true, key: [0] }).state;
        // Layer 0 here; layer 1's input is layer 0's noisy output, so only layer 0 is conditioned on the same inputs.
        const z = s.h[0];
        const mean = tf.mean(z, 0);
        const sd = tf.sqrt(tf.mean(tf.square(tf.sub(z, mean)), 0));
        return { mean: mean.arraySync() as number[], sd: sd.arraySync() as number[] };
      });
      const se = gamma / Math.sqrt(B);
      for (let j = 0; j < H; j++) {
        const want = det[0][0][j];
        const spread = kind === "additive" ? gamma : gamma * Math.abs(want);
        assert.ok(Math.abs(noisy.mean[j] - want) <= 4.5 * (kind === "additive" ? se : spread / Math.sqrt(B)), `unit ${j}: mean ${noisy.mean[j]} vs deterministic ${want}`);
        assert.ok(Math.abs(noisy.sd[j] / spread - 1) < 0.05, `unit ${j}: sd ${noisy.sd[j]} vs ${spread}`);
      }
      void targets;
      m.dispose();
    });
  }

  test("off at evaluation; seeded per step in training", () => {
    const base = { vocabSize: 9, hidden: 5, layers: 2, cell: "lstm" as CellKind, seed: 4 };
    const plain = new RnnLM(base);
    const noisy = new RnnLM({ ...base, hiddenNoise: { gamma: [0.3, 0.6] } });
    const inp = randomIds(12, 9, 1), tgt = randomIds(12, 9, 2);
    const evalPlain = runModel(plain, inp, tgt, 3, null, { training: false }).loss;
    assert.equal(runModel(noisy, inp, tgt, 3, null, { training: false }).loss, evalPlain);
    const a = runModel(noisy, inp, tgt, 3, null, { training: true, key: [7] }).loss;
    assert.equal(runModel(noisy, inp, tgt, 3, null, { training: true, key: [7] }).loss, a);
    assert.notEqual(runModel(noisy, inp, tgt, 3, null, { training: true, key: [8] }).loss, a);
    assert.notEqual(a, evalPlain);
    assert.throws(() => runModel(noisy, inp, tgt, 3, null, { training: true }), /needs a step key/);
    plain.dispose();
    noisy.dispose();
  });

  test("learned gamma: starts at its value, stays above the floor, and gets a gradient", async () => {
    const n = new HiddenStateNoise({ gamma: [0.5, 0.2], learned: true, floor: 0.1 }, 2, 1);
    const g = await n.gammas();
    assert.ok(Math.abs(g[0] - 0.5) < 1e-6 && Math.abs(g[1] - 0.2) < 1e-6);
    n.rho[1].assign(tf.scalar(-50));
    assert.ok((await n.gammas())[1] >= 0.1);
    const h = tf.ones([4, 3]);
    const eps = n.eps([4, 3], 0, [0]);
    const { grads } = tf.variableGrads(() => tf.sum(tf.square(n.apply(h, 0, eps))) as tf.Scalar, [n.rho[0]]);
    assert.ok(Math.abs(grads[n.rho[0].name].dataSync()[0]) > 0);
    tf.dispose([h, eps, ...Object.values(grads)]);
    assert.throws(() => new HiddenStateNoise({ gamma: 0.05, learned: true, floor: 0.1 }, 1, 1), /above its floor/);
    n.dispose();
  });
});

describe("dropout", () => {
  test("masks: seeded, fresh per key, the stated keep fraction, inverted scale", () => {
    const a = dropoutMask(20000, 0.6, 1, "x", 0);
    assert.deepEqual(a, dropoutMask(20000, 0.6, 1, "x", 0));
    assert.notDeepEqual(a, dropoutMask(20000, 0.6, 1, "x", 1));
    const kept = a.filter((v) => v > 0);
    // Binomial sd of the kept fraction: sqrt(0.24 / 20000) = 0.0035; 5 sd tolerance.
    assert.ok(Math.abs(kept.length / 20000 - 0.6) < 0.0175);
    assert.ok(kept.every((v) => Math.abs(v - 1 / 0.6) < 1e-6));
  });

  test("variational: one mask per sequence, the same at every time step; standard: fresh per step", () => {
    const T = 4, B = 3, d = 50;
    const x = tf.ones([T * B, d]) as tf.Tensor2D;
    const pattern = (kind: "standard" | "variational") => rows(applyDropout(x, T, B, { kind, rate: 0.5 }, 1, [0], "in0"));
    const v = pattern("variational");
    for (let t = 1; t < T; t++) for (let b = 0; b < B; b++) assert.deepEqual(v[t * B + b], v[b]);
    assert.notDeepEqual(v[0], v[1]); // sequences get their own masks
    const s = pattern("standard");
    assert.notDeepEqual(s[B], s[0]);
    x.dispose();
  });

  test("in the model: off at evaluation, seeded per step key", () => {
    for (const kind of ["standard", "variational"] as const) {
      const m = new RnnLM({ vocabSize: 9, hidden: 6, layers: 2, cell: "lstm", seed: 2, dropout: { kind, rate: 0.5 } });
      const ref = new RnnLM({ vocabSize: 9, hidden: 6, layers: 2, cell: "lstm", seed: 2 });
      const inp = randomIds(10, 9, 3), tgt = randomIds(10, 9, 4);
      assert.equal(runModel(m, inp, tgt, 2, null, { training: false }).loss, runModel(ref, inp, tgt, 2, null, { training: false }).loss);
      const a = runModel(m, inp, tgt, 2, null, { training: true, key: [1] }).loss;
      assert.equal(runModel(m, inp, tgt, 2, null, { training: true, key: [1] }).loss, a);
      assert.notEqual(runModel(m, inp, tgt, 2, null, { training: true, key: [2] }).loss, a);
      m.dispose();
      ref.dispose();
    }
  });
});

describe("backends", () => {
  test("wasm gives cpu's loss and gradients for every lookup and softmax", async (t) => {
    const cfg: RnnLMConfig = { vocabSize: 30, hidden: 8, layers: 2, cell: "lstm", seed: 3 };
    const inp = randomIds(12, 30, 5), tgt = randomIds(12, 30, 6);
    const measure = () => {
      const out: number[][] = [];
      for (const lookup of ["gather", "scatter", "onehot"] as const) {
        for (const softmax of ["fused", "tfjs"] as const) {
          const m = new RnnLM({ ...cfg, lookup, softmax });
          const r = tf.tidy(() => {
            const { value, grads } = tf.variableGrads(() => m.forward(inp, tgt, 3, m.zeroState(3), { training: false }).loss, m.trainableVariables);
            return [value.dataSync()[0], ...Object.values(grads).map((g) => tf.sum(tf.abs(g)).dataSync()[0])];
          });
          out.push(r);
          m.dispose();
        }
      }
      return out;
    };
    const cpu = measure();
    try {
      await selectBackend({ backend: "wasm", requiredKernels: [...lmKernels("gather"), ...lmKernels("scatter")] });
    } catch (e) {
      t.skip(`wasm unavailable: ${(e as Error).message}`);
      return;
    }
    try {
      const wasm = measure();
      cpu.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - wasm[i][j]) <= 1e-4 * Math.max(1, Math.abs(v)), `variant ${i} entry ${j}: cpu ${v} wasm ${wasm[i][j]}`)));
      // And the variants agree with each other.
      cpu.forEach((row) => row.forEach((v, j) => assert.ok(Math.abs(v - cpu[0][j]) <= 1e-4 * Math.max(1, Math.abs(v)))));
    } finally {
      await selectBackend({ backend: "cpu" });
    }
  });
});
