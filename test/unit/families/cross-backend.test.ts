/**
 * Each family's loss and gradients on WASM equal the cpu backend's, from the
 * same seed and batch. The conformance suite probes kernels one by one with
 * default arguments; this catches a kernel that is right by default and wrong
 * with an argument a model passes (tfjs 4.22's WASM OneHot ignored its dtype,
 * so the Neural Programmer's embeddings were ~0 there while cpu tests passed).
 */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../../src/engine";
import { defaultTask, encodeBatch as npBatch, generateExamples, modelFor, npLoss } from "../../../src/families/neural-programmer";
import { listKExample, NramModel } from "../../../src/families/nram";
import { DNGPU, DNGPU_MODEL, encodeBatch as gpuBatch, NeuralGPU, ORIGINAL_MODEL, randomExamples } from "../../../src/families/neural-gpu";
import { uniformStream } from "../../../src/random/rng";

type LossAndGrads = { loss: number; grads: Map<string, Float32Array> };

/** The loss and every gradient, read back; `build` makes the model and its loss function on the current backend. */
async function lossAndGrads(build: () => { vars: tf.Variable[]; names: string[]; f: () => tf.Scalar; dispose: () => void }): Promise<LossAndGrads> {
  const m = build();
  try {
    const { value, grads } = tf.variableGrads(m.f, m.vars);
    const out: LossAndGrads = { loss: (await value.data())[0], grads: new Map() };
    for (let i = 0; i < m.vars.length; i++) out.grads.set(m.names[i], Float32Array.from(await grads[m.vars[i].name].data()));
    tf.dispose([value, ...Object.values(grads)]);
    return out;
  } finally {
    m.dispose();
  }
}

function assertSame(a: LossAndGrads, b: LossAndGrads, what: string): void {
  assert.ok(Math.abs(a.loss - b.loss) <= 1e-4 * Math.max(1, Math.abs(a.loss)), `${what}: loss cpu ${a.loss} vs wasm ${b.loss}`);
  for (const [name, g] of a.grads) {
    const h = b.grads.get(name)!;
    let scale = 0;
    let diff = 0;
    for (let i = 0; i < g.length; i++) {
      scale = Math.max(scale, Math.abs(g[i]));
      diff = Math.max(diff, Math.abs(g[i] - h[i]));
    }
    // Float32 sums in another order: relative to the gradient's largest entry.
    assert.ok(diff <= 1e-3 * Math.max(scale, 1e-6), `${what}: gradient of ${name} differs by ${diff} (largest entry ${scale})`);
    if (scale > 0) assert.ok(h.some((x) => x !== 0), `${what}: gradient of ${name} is all zero on wasm`);
  }
}

const CASES: Record<string, () => { vars: tf.Variable[]; names: string[]; f: () => tf.Scalar; dispose: () => void }> = {
  "neural-programmer (five columns)": () => {
    const task = { ...defaultTask("five"), train: { rows: [4, 9] as [number, number], range: 100 } };
    const { model, vocab } = modelFor(task, { hidden: 8, initStd: 0.3, seed: 5 });
    const b = npBatch(generateExamples(task, "train", 7, 12), vocab, task.maxColumns, { sumScale: 100 });
    const names = Object.keys(model.weights);
    return { vars: names.map((n) => model.weights[n]), names, f: () => npLoss(model.forward(b), b, { delta: 10, lambda: 50 }), dispose: () => (b.dispose(), model.dispose()) };
  },
  nram: () => {
    const model = new NramModel({ memory: 6, registers: 2, timesteps: 3, hidden: 5, clipActivation: 10, eps: 1e-6 }, 11);
    const rand = uniformStream("cross-backend");
    const exs = Array.from({ length: 4 }, () => listKExample({ memory: 6, maxLength: 1 }, 1, rand));
    const mem = tf.tensor1d(exs.flatMap((e) => Array.from(e.memory)), "int32");
    const tgt = tf.tensor1d(exs.map((e) => e.target), "int32");
    return { vars: model.variables, names: model.variables.map((_, i) => `v${i}`), f: () => model.objective(mem, tgt, 0.05).objective, dispose: () => (tf.dispose([mem, tgt]), model.dispose()) };
  },
  "neural-gpu": () => {
    const m = new NeuralGPU({ ...ORIGINAL_MODEL, maps: 3, rows: 2, relax: 2, initScale: 2 }, "cross");
    const batch = gpuBatch(randomExamples(2, 2, "cross-batch"), 8);
    return { vars: m.weights, names: m.weights.map((_, i) => `v${i}`), f: () => tf.add(NeuralGPU.loss(m.forward(batch).logits, batch), tf.mul(0.1, m.pullLoss())) as tf.Scalar, dispose: () => m.dispose() };
  },
  dngpu: () => {
    const m = new DNGPU({ ...DNGPU_MODEL, maps: 5, initScale: 3 }, "cross");
    const batch = gpuBatch(randomExamples(2, 3, "cross-batch"), 9);
    const f = () => {
      const o = m.forward(batch);
      return tf.add(DNGPU.loss(o.logits, batch), tf.mul(0.5, o.saturation)) as tf.Scalar;
    };
    return { vars: m.weights, names: m.weights.map((_, i) => `v${i}`), f, dispose: () => m.dispose() };
  },
};

describe("families on wasm equal cpu", () => {
  after(async () => {
    await selectBackend({ backend: "cpu" });
  });
  for (const [name, build] of Object.entries(CASES)) {
    test(`${name}: loss and gradients`, async (t) => {
      await selectBackend({ backend: "cpu" });
      const ref = await lossAndGrads(build);
      try {
        await selectBackend({ backend: "wasm" });
      } catch (e) {
        t.skip(`wasm did not load: ${(e as Error).message.split("\n")[0]}`);
        return;
      }
      assertSame(ref, await lossAndGrads(build), name);
    });
  }
});
