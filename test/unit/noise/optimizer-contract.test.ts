/**
 * The optimizer wrapper's own contract (design review 2026-11-22, bugs 1-5):
 * the run axis is one explicit option honoured by every transform; a
 * checkpoint keeps the step count t; dispose() ends the prefetch worker; a
 * failed update leaves the parameter indices (and so the noise streams) alone;
 * a model saved with its optimizer loads back with the same transforms and step.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the mutable CommonJS module object, to watch Worker
import workerThreads = require("node:worker_threads");
import { clipByGlobalNorm, clipByNorm, clipByValue, scaleByRun } from "../../../src/noise/clip";
import { addGradientNoise } from "../../../src/noise/gradient-noise";
import { addWeightNoise } from "../../../src/noise/weight-noise";
import { TransformedOptimizer, withTransforms } from "../../../src/noise/optimizer";
import { withGradientNoise } from "../../../src/noise/recipe";
import { constant, fromFunction } from "../../../src/noise/schedule";
import { chain, GradientTransform } from "../../../src/noise/transform";

before(async () => {
  await tf.setBackend("cpu");
});

let counter = 0;
function uniq(base: string): string {
  return `wrapper-${base}-${counter++}`;
}

/** max |a_i - b_i| <= tol * max(1, |b_i|) */
function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol * Math.max(1, Math.abs(expected[i])), `${what}[${i}]: got ${actual[i]}, expected ${expected[i]}`);
  }
}

describe("population training is the wrapper's `runs` option (bug 1)", () => {
  test("withGradientNoise(sgd, {seed: [1, 2], clipGlobalNorm: 1}) refuses without runs and clips per run with runs: 2", () => {
    assert.throws(() => withGradientNoise(tf.train.sgd(1), { generator: "xoshiro", eta: 0.01, seed: [1, 2], clipGlobalNorm: 1 }), /seed array \(one seed per run\) is for population training: pass \{ runs: 2 \}/);
    assert.throws(() => withTransforms(tf.train.sgd(1), [addWeightNoise({ generator: "xoshiro", eta: 0.01, seed: [1, 2] })]), /addWeightNoise\(\): .*pass \{ runs: 2 \}/);
    assert.throws(() => withGradientNoise(tf.train.sgd(1), { generator: "xoshiro", eta: 0.01, seed: 1, runs: 2 }), /runs = 2 needs one seed per run/);
    assert.throws(() => withGradientNoise(tf.train.sgd(1), { generator: "xoshiro", eta: 0.01, seed: [1, 2], runs: 2 }, { runs: 3 }), /runs given twice, 2 and 3/);

    const v = tf.variable(tf.zeros([2, 2]), true, uniq("review"));
    const opt = withGradientNoise(tf.train.sgd(1), { generator: "xoshiro", eta: 0, seed: [1, 2], clipGlobalNorm: 1, runs: 2 });
    assert.equal(opt.runs, 2);
    const g = tf.tensor([[30, 40], [0.1, 0]]); // run 0: norm 50, clipped to 1; run 1: norm 0.1, untouched
    opt.applyGradients({ [v.name]: g });
    // The review saw run 1's 0.1 become 0.001 (clipped with run 0's norm).
    assertClose(v.dataSync(), [-0.6, -0.8, -0.1, 0], 1e-6, "per-run clip");
    tf.dispose([v, g]);
    opt.dispose();
  });

  test("every transform acts per run: a population step equals each run's solo step", () => {
    const R = 3;
    const gSeeds = [5, "g-1", 7];
    const wSeeds = [8, 9, "w-2"];
    const lrs = [0.1, 0.05, 0.2];
    const clips = () => [clipByValue(2.5), clipByNorm(3), clipByGlobalNorm(4)];
    // Per-run gradients for P [2, 3] and Q [4]: run 0 large (every clip bites), run 1 tiny, run 2 in between.
    const scale = [10, 0.01, 1];
    const base = (k: number, n: number, r: number) => Array.from({ length: n }, (_, i) => scale[r] * Math.sin(1 + i + 7 * r + 3 * k) * (i + 1));
    const gradsAt = (k: number, r: number) => ({ P: base(k, 6, r), Q: base(k + 10, 4, r) });

    const P = tf.variable(tf.zeros([R, 2, 3]), true, uniq("P"));
    const Q = tf.variable(tf.zeros([R, 4]), true, uniq("Q"));
    const pop = withTransforms(tf.train.sgd(1), [...clips(), addGradientNoise({ generator: "xoshiro", eta: 0.5, seed: gSeeds }), scaleByRun(lrs), addWeightNoise({ generator: "xoshiro", eta: 0.01, seed: wSeeds })], { runs: R });
    const solo = gSeeds.map((_, r) => ({
      P: tf.variable(tf.zeros([2, 3]), true, uniq(`P${r}`)),
      Q: tf.variable(tf.zeros([4]), true, uniq(`Q${r}`)),
      opt: withTransforms(tf.train.sgd(lrs[r]), [...clips(), addGradientNoise({ generator: "xoshiro", eta: 0.5, seed: gSeeds[r] }), addWeightNoise({ generator: "xoshiro", eta: 0.01, seed: wSeeds[r] })]),
    }));
    for (let k = 0; k < 3; k++) {
      const per = gSeeds.map((_, r) => gradsAt(k, r));
      const gP = tf.tensor(per.flatMap((g) => g.P), [R, 2, 3]);
      const gQ = tf.tensor(per.flatMap((g) => g.Q), [R, 4]);
      pop.applyGradients({ [P.name]: gP, [Q.name]: gQ });
      tf.dispose([gP, gQ]);
      solo.forEach((s, r) => {
        const sP = tf.tensor(per[r].P, [2, 3]);
        const sQ = tf.tensor(per[r].Q, [4]);
        s.opt.applyGradients({ [s.P.name]: sP, [s.Q.name]: sQ });
        tf.dispose([sP, sQ]);
      });
    }
    const pv = P.dataSync();
    const qv = Q.dataSync();
    solo.forEach((s, r) => {
      assertClose(pv.subarray(6 * r, 6 * r + 6), s.P.dataSync(), 1e-6, `run ${r} P`);
      assertClose(qv.subarray(4 * r, 4 * r + 4), s.Q.dataSync(), 1e-6, `run ${r} Q`);
      s.opt.dispose();
      tf.dispose([s.P, s.Q]);
    });
    assert.notDeepEqual(Array.from(pv.subarray(0, 6)), Array.from(pv.subarray(6, 12)));
    pop.dispose();
    tf.dispose([P, Q]);
  });
});

describe("checkpoints keep the step count (bug 2)", () => {
  test("after setWeights a fresh wrapper has the saved step and continues the schedule bit for bit", async () => {
    const make = () => withTransforms(tf.train.adam(0.05), [clipByGlobalNorm(1), addGradientNoise({ generator: "xoshiro", eta: 1, seed: 4 })]);
    const a = tf.variable(tf.tensor([1, 2, 3]), true, uniq("ckpt-a"));
    const g = tf.tensor([0.3, -0.2, 0.5]);
    const opt = make();
    for (let k = 0; k < 3; k++) opt.applyGradients({ [a.name]: g });
    const saved = await opt.getWeights();
    assert.deepEqual(saved.slice(0, 2).map((w) => w.name), ["gradnoise/t", "iter"]);

    const b = tf.variable(a.clone(), true, uniq("ckpt-b"));
    const resumed = make();
    await resumed.setWeights(saved);
    assert.equal(resumed.step, 3);
    assert.equal(resumed.iterations, 3);
    // Step t = 3 on both: same noise stream and sigma, same Adam moments.
    opt.applyGradients({ [a.name]: g });
    resumed.applyGradients({ [b.name]: g });
    assert.deepEqual(b.dataSync(), a.dataSync());
    assert.equal(resumed.step, 4);

    // Weights saved without the count (an older version) resume at the inner optimizer's count.
    const legacy = make();
    await legacy.setWeights(saved.slice(1));
    assert.equal(legacy.step, 3);

    tf.dispose([saved[0].tensor, saved[1].tensor]); // the scalars getWeights made; the rest are Adam's live slots
    [opt, resumed, legacy].forEach((o) => o.dispose());
    tf.dispose([a, b, g]);
  });
});

describe("dispose() ends the prefetch worker (bug 3)", () => {
  test("five wrappers with prefetch: true, disposed: five worker threads exit", async () => {
    const Original = workerThreads.Worker;
    const exits: Promise<number>[] = [];
    class Watched extends Original {
      constructor(...args: ConstructorParameters<typeof Original>) {
        super(...args);
        exits.push(new Promise((resolve) => this.once("exit", resolve)));
      }
    }
    (workerThreads as { Worker: typeof Original }).Worker = Watched;
    try {
      for (let i = 0; i < 5; i++) {
        const v = tf.variable(tf.zeros([64]), true, uniq("pf"));
        const g = tf.ones([64]);
        const opt = withTransforms(tf.train.sgd(0.1), [clipByGlobalNorm(1), addGradientNoise({ generator: "xoshiro", eta: 0.1, seed: i, prefetch: true })]);
        opt.applyGradients({ [v.name]: g }); // starts the worker and asks it for step 1
        opt.dispose();
        tf.dispose([v, g]);
      }
    } finally {
      (workerThreads as { Worker: typeof Original }).Worker = Original;
    }
    assert.equal(exits.length, 5, "one worker per wrapper");
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), 10_000)));
    const result = await Promise.race([Promise.all(exits), timeout]);
    clearTimeout(timer);
    assert.notEqual(result, "timeout", "worker threads still alive 10 s after dispose()");
  });
});

describe("a failed update does not consume a parameter index (bug 4)", () => {
  test("after failed updates every parameter gets the noise of a wrapper that never saw them", () => {
    const run = (withFailures: boolean) => {
      const a = tf.variable(tf.zeros([4]), true, uniq("a"));
      const b = tf.variable(tf.zeros([3]), true, uniq("b"));
      let explode = false;
      const boom: GradientTransform = {
        name: "boom",
        transformGradients: (grads) => {
          if (explode) throw new Error("boom");
          return grads;
        },
      };
      // boom comes after the noise, so the failing step has already asked for indices.
      const opt = withTransforms(tf.train.sgd(1), [addGradientNoise({ generator: "xoshiro", eta: 1, seed: 6 }), boom]);
      const za = tf.zeros([4]);
      const zb = tf.zeros([3]);
      if (withFailures) {
        // (A non-finite gradient is no failure: skipNonFinite() skips and counts that step.)
        assert.throws(() => opt.applyGradients({ [uniq("typo")]: za })); // a mistyped variable name
        explode = true;
        assert.throws(() => opt.applyGradients({ [b.name]: zb, [a.name]: za }), /boom/);
        explode = false;
        assert.equal(opt.step, 0);
      }
      for (let k = 0; k < 2; k++) opt.applyGradients({ [a.name]: za, [b.name]: zb }); // a is index 0, b index 1
      const out = [Array.from(a.dataSync()), Array.from(b.dataSync())];
      opt.dispose();
      tf.dispose([a, b, za, zb]);
      return out;
    };
    assert.deepEqual(run(true), run(false));
  });
});

describe("bad gradients fail before any work, naming the parameter", () => {
  test("an unregistered name, a shape that is not the variable's, a missing run axis", () => {
    const v = tf.variable(tf.zeros([2, 3]), true, uniq("shape"));
    const opt = withTransforms(tf.train.sgd(1), [addGradientNoise({ generator: "xoshiro", eta: 1, seed: 1 })]);
    const g3 = tf.zeros([3]);
    assert.throws(() => opt.applyGradients({ "no-such-variable": g3 }), /TransformedOptimizer: no variable named "no-such-variable" is registered/);
    // tf.sub would broadcast [3] against [2, 3] and update silently.
    assert.throws(() => opt.applyGradients({ [v.name]: g3 }), /the gradient of ".*shape-\d+" has shape \[3\], the variable \[2, 3\]/);
    const pop = withTransforms(tf.train.sgd(1), [addGradientNoise({ generator: "xoshiro", eta: 1, seed: [1, 2, 3] })], { runs: 3 });
    const g = tf.zeros([2, 3]);
    assert.throws(() => pop.applyGradients({ [v.name]: g }), /with runs = 3, axis 0 of every parameter indexes the runs, but ".*shape-\d+" has shape \[2, 3\]/);
    assert.equal(opt.step + pop.step, 0);
    tf.dispose([v, g3, g]);
    opt.dispose();
    pop.dispose();
  });
});

describe("model.save({includeOptimizer: true}) and tf.loadLayersModel (bug 5)", () => {
  const xs = tf.tensor2d(Array.from({ length: 16 * 3 }, (_, i) => Math.sin(i)), [16, 3]);
  const ys = tf.tensor2d(Array.from({ length: 16 }, (_, i) => Math.cos(i)), [16, 1]);
  const fitOpts = { epochs: 1, batchSize: 4, shuffle: false, verbose: 0 as const };

  function compiled(optimizer: tf.Optimizer): tf.Sequential {
    const m = tf.sequential();
    m.add(tf.layers.dense({ units: 5, inputShape: [3], activation: "relu", kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }));
    m.add(tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }));
    m.compile({ optimizer, loss: "meanSquaredError" });
    return m;
  }

  /** Saves to memory as a file would hold it (the JSON parts through JSON), then loads. */
  async function roundTrip(m: tf.LayersModel): Promise<tf.LayersModel> {
    let artifacts: tf.io.ModelArtifacts | undefined;
    await m.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
      }),
      { includeOptimizer: true },
    );
    const { modelTopology, trainingConfig, weightSpecs } = JSON.parse(JSON.stringify({ ...artifacts!, weightData: undefined }));
    return tf.loadLayersModel(tf.io.fromMemory({ modelTopology, trainingConfig, weightSpecs, weightData: artifacts!.weightData }));
  }

  test("the loaded model's optimizer has the same inner optimizer, transforms and step, and fit continues identically", async () => {
    const opt = withTransforms(tf.train.adam(0.01), [
      clipByValue(5),
      chain(clipByGlobalNorm(2), clipByNorm(1.5)),
      // Underscores: tfjs camel-cases strings in a loaded training config; the seeds must survive.
      addGradientNoise({ generator: "xoshiro", eta: 0.01, seed: "grad_seed", prefetch: false }),
      addWeightNoise({ generator: "xoshiro", schedule: constant(1e-6), seed: "w_1" }),
    ]);
    const m = compiled(opt);
    await m.fit(xs, ys, fitOpts);
    assert.equal(opt.step, 4);

    const loaded = await roundTrip(m);
    const lopt = loaded.optimizer as TransformedOptimizer;
    assert.ok(lopt instanceof TransformedOptimizer, `loaded optimizer is ${lopt?.getClassName()}`);
    assert.ok(!(tf.train.sgd(1) instanceof TransformedOptimizer), "instanceof checks the class, not tfjs's duck type");
    assert.equal(lopt.step, 4);
    assert.equal(lopt.transform.name, opt.transform.name);
    assert.match(lopt.transform.name, /seed=grad_seed\).*seed=w_1\)/);
    assert.deepEqual(lopt.getConfig(), opt.getConfig());
    assert.equal(lopt.inner.getClassName(), "Adam");

    await m.fit(xs, ys, fitOpts);
    await loaded.fit(xs, ys, fitOpts);
    assert.equal(lopt.step, 8);
    const w = (x: tf.LayersModel) => x.getWeights().map((t) => Array.from(t.dataSync()));
    assert.deepEqual(w(loaded), w(m));
    loaded.dispose();
    lopt.dispose();
    m.dispose();
    opt.dispose();
  });

  test("population options, scaleByRun and a constant schedule survive getConfig / fromConfig", () => {
    const opt = withTransforms(tf.train.momentum(0.1, 0.9, true), [clipByGlobalNorm(1), addGradientNoise({ generator: "xoshiro", schedule: constant(0.2), seed: [1, "b_2"], prefetch: true }), scaleByRun([0.5, 2])], { runs: 2 });
    opt.step = 12;
    const back = TransformedOptimizer.fromConfig(TransformedOptimizer, JSON.parse(JSON.stringify(opt.getConfig()))) as TransformedOptimizer;
    assert.equal(back.transform.name, opt.transform.name);
    assert.equal(back.runs, 2);
    assert.equal(back.step, 12);
    assert.deepEqual(back.getConfig(), opt.getConfig());
    assert.deepEqual(back.inner.getConfig(), { learningRate: 0.1, momentum: 0.9, useNesterov: true });
    back.dispose();
    opt.dispose();
  });

  test("a transform that cannot be rebuilt from plain data: saving works, loading names it", async () => {
    const spy: GradientTransform = { name: "mySpy", transformGradients: (g) => g };
    for (const [transform, name] of [
      [spy, "mySpy"],
      [addGradientNoise({ generator: "xoshiro", seed: 1, schedule: fromFunction(() => 0.01, "mySchedule") }), "addGradientNoise(mySchedule, seed=1)"],
    ] as const) {
      const opt = withTransforms(tf.train.sgd(0.1), [clipByGlobalNorm(1), transform]);
      const m = compiled(opt);
      await m.fit(xs, ys, fitOpts);
      await assert.rejects(roundTrip(m), (e: Error) => {
        assert.match(e.message, new RegExp(`transform "${name.replace(/[()]/g, "\\$&")}" cannot be restored from a saved config`));
        assert.match(e.message, /withTransforms\(\).*setWeights\(\)/);
        return true;
      });
      m.dispose();
      opt.dispose();
    }
  });
});
