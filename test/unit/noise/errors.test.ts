/**
 * Bad configuration fails where it is written, with the argument named; a
 * NaN/Inf gradient skips its step (skipNonFinite) and is counted; misuse that
 * JS or tfjs would let through or answer with a raw error gets a named error.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { addGradientNoise, NoiseOptions } from "../../../src/noise/gradient-noise";
import { addWeightNoise } from "../../../src/noise/weight-noise";
import { clipByGlobalNorm, clipByNorm, clipByValue } from "../../../src/noise/clip";
import { DisposedError, UnknownOptionError } from "../../../src/noise/errors";
import { FiniteRead, NonFiniteGuard, skipNonFinite } from "../../../src/noise/finite";
import { TransformedOptimizer, withTransforms } from "../../../src/noise/optimizer";
import { withGradientNoise } from "../../../src/noise/recipe";
import { annealed, constant, fromFunction } from "../../../src/noise/schedule";
import { chainMembers, GradientTransform } from "../../../src/noise/transform";
import { Dataset, DatasetError, TokenIdError } from "../../../src/data/dataset";
import { MLP } from "../../../src/models/mlp";
import { encodeBatch, MemN2N } from "../../../src/models/memn2n";
import { disposeState, RnnLM } from "../../../src/models/rnn-lm";
import { trainClassifier } from "../../../src/train/classifier";
import { mean } from "../../../src/stats/summary";
import { pairedTTest, tInterval, welchInterval, welchTTest } from "../../../src/stats/ttest";

before(async () => {
  await tf.setBackend("cpu");
});

let counter = 0;
function uniq(base: string): string {
  return `errors-${base}-${counter++}`;
}

const asOpts = (o: unknown) => o as NoiseOptions;

describe("noise transform options", () => {
  for (const [fname, make] of [
    ["addGradientNoise", addGradientNoise],
    ["addWeightNoise", addWeightNoise],
  ] as const) {
    const where = `${fname}\\(\\)`;

    test(`${fname}: eta or schedule is required`, () => {
      assert.throws(() => make(asOpts({ seed: 1 })), (e: unknown) => {
        assert.ok(e instanceof TypeError);
        assert.match((e as Error).message, new RegExp(`^${where}: eta \\(or a schedule\\) is required`));
        return true;
      });
      // gamma alone is not enough
      assert.throws(() => make(asOpts({ seed: 1, gamma: 0.55 })), /eta \(or a schedule\) is required/);
    });

    test(`${fname}: schedule together with eta or gamma is rejected`, () => {
      assert.throws(() => make({ seed: 1, eta: 0.01, schedule: constant(0.01) }), new RegExp(`${where}: give either schedule or eta/gamma, not both`));
      assert.throws(() => make({ seed: 1, gamma: 0.5, schedule: constant(0.01) }), /not both/);
    });

    test(`${fname}: negative / NaN / infinite eta and NaN gamma are rejected, naming the argument`, () => {
      for (const eta of [-0.01, NaN, Infinity]) {
        assert.throws(() => make({ seed: 1, eta }), (e: unknown) => {
          assert.ok(e instanceof RangeError);
          assert.match((e as Error).message, /annealed\(\): eta must be a finite number >= 0/);
          return true;
        });
      }
      for (const gamma of [NaN, -1, Infinity]) {
        assert.throws(() => make({ seed: 1, eta: 0.01, gamma }), /annealed\(\): gamma must be a finite number >= 0/);
      }
    });

    test(`${fname}: bad seeds are rejected`, () => {
      for (const seed of [0.5, "", undefined, null, NaN, Infinity, 2 ** 53, {}]) {
        assert.throws(() => make(asOpts({ seed, eta: 0.01 })), (e: unknown) => {
          assert.ok(e instanceof TypeError, `seed ${String(seed)}`);
          assert.match((e as Error).message, new RegExp(`^${where}: seed must be a non-empty string or a safe integer`));
          return true;
        });
      }
      // valid seeds: non-empty strings and safe integers, including 0 and negatives
      for (const seed of ["s", 0, -3, Number.MAX_SAFE_INTEGER]) make({ seed, eta: 0.01 });
    });

    test(`${fname}: missing options object`, () => {
      assert.throws(() => make(asOpts(undefined)), new RegExp(`${where}: options object required`));
      assert.throws(() => make(asOpts(0.01)), /options object required/);
    });
  }

  test("withGradientNoise validates its noise options and clip", () => {
    assert.throws(() => withGradientNoise(tf.train.sgd(0.1), asOpts({ seed: 1 })), /addGradientNoise\(\): eta \(or a schedule\) is required/);
    assert.throws(() => withGradientNoise(tf.train.sgd(0.1), { seed: 1, eta: 0.01, clipGlobalNorm: 0 }), /clipByGlobalNorm\(\): maxNorm must be a finite number > 0/);
    assert.throws(() => withGradientNoise(tf.train.sgd(0.1), asOpts(undefined)), /options object required|seed/);
  });
});

describe("clip arguments", () => {
  test("clipByGlobalNorm(0 / -1 / NaN / Infinity) is rejected naming maxNorm", () => {
    for (const v of [0, -1, NaN, Infinity]) {
      assert.throws(() => clipByGlobalNorm(v), (e: unknown) => {
        assert.ok(e instanceof RangeError);
        assert.match((e as Error).message, /^clipByGlobalNorm\(\): maxNorm must be a finite number > 0, got /);
        return true;
      });
    }
    assert.throws(() => clipByGlobalNorm("1" as unknown as number), /maxNorm/);
  });

  test("clipByNorm and clipByValue reject non-positive limits", () => {
    for (const v of [0, -2, NaN]) {
      assert.throws(() => clipByNorm(v), /^RangeError: clipByNorm\(\): maxNorm must be a finite number > 0/);
      assert.throws(() => clipByValue(v), /^RangeError: clipByValue\(\): limit must be a finite number > 0/);
    }
  });
});

describe("withTransforms arguments", () => {
  test("a non-optimizer inner is rejected", () => {
    const notOptimizers: unknown[] = [{}, 42, "sgd", { applyGradients() {} }, tf.train];
    for (const inner of notOptimizers) {
      assert.throws(() => withTransforms(inner as tf.Optimizer, [clipByGlobalNorm(1)]), (e: unknown) => {
        assert.ok(e instanceof TypeError);
        assert.match((e as Error).message, /TransformedOptimizer: inner must be a tf\.Optimizer/);
        return true;
      });
    }
  });

  test("a null or undefined inner is rejected with the library's own message", () => {
    // tf.Optimizer has a duck-typing Symbol.hasInstance that reads `instance.minimize`,
    // so `null instanceof tf.Optimizer` itself throws before the wrapper's check can
    // report the bad argument.
    for (const inner of [null, undefined]) {
      assert.throws(() => withTransforms(inner as unknown as tf.Optimizer, [clipByGlobalNorm(1)]), (e: unknown) => {
        assert.ok(e instanceof TypeError);
        assert.match((e as Error).message, /TransformedOptimizer: inner must be a tf\.Optimizer/);
        return true;
      });
    }
  });

  test("a non-transform is rejected", () => {
    assert.throws(() => withTransforms(tf.train.sgd(0.1), null as unknown as GradientTransform), /transform must be a GradientTransform/);
    assert.throws(() => withTransforms(tf.train.sgd(0.1), [clipByGlobalNorm(1), 5 as unknown as GradientTransform]), /chain\(\): argument 1 is not a GradientTransform/);
    assert.throws(() => new TransformedOptimizer(tf.train.sgd(0.1), {} as GradientTransform), /transform must be a GradientTransform/);
  });
});

describe("skipNonFinite: a NaN/Inf gradient skips the update and is counted", () => {
  function setup(opts: { skip?: boolean; read?: FiniteRead } = {}, clip = true) {
    const a = uniq("a");
    const b = uniq("b");
    const va = tf.variable(tf.tensor([1, 2, 3]), true, a);
    const vb = tf.variable(tf.tensor([4, 5]), true, b);
    const skip = opts.skip === false ? false : { read: opts.read ?? "auto" };
    const opt = clip
      ? withGradientNoise(tf.train.sgd(0.1), { eta: 0.01, seed: 1, clipGlobalNorm: 10, skipNonFinite: skip })
      : withTransforms(tf.train.sgd(0.1), [...(skip ? [skipNonFinite(skip)] : []), addGradientNoise({ eta: 0.01, seed: 1 })]);
    const guard = chainMembers(opt.transform).find((t) => t.config?.kind === "skipNonFinite") as NonFiniteGuard | undefined;
    const goodA = tf.tensor([0.1, 0.2, 0.3]);
    const goodB = tf.tensor([0.4, 0.5]);
    // two good steps: the wrapper's step is now 2
    opt.applyGradients({ [a]: goodA, [b]: goodB });
    opt.applyGradients({ [a]: goodA, [b]: goodB });
    assert.equal(opt.step, 2);
    const cleanup = () => {
      tf.dispose([va, vb, goodA, goodB]);
      opt.dispose();
    };
    return { a, b, va, vb, opt, guard, goodA, goodB, cleanup };
  }

  for (const read of ["sync", "deferred"] as const) {
    for (const [label, badValue] of [
      ["NaN", NaN],
      ["+Infinity", Infinity],
      ["-Infinity", -Infinity],
    ] as const) {
      test(`${label} in one parameter (${read}): nothing updated, the step counted as skipped`, async () => {
        const { a, b, va, vb, opt, guard, goodA, goodB, cleanup } = setup({ read });
        const beforeA = Array.from(va.dataSync());
        const beforeB = Array.from(vb.dataSync());
        const badB = tf.tensor([0.4, badValue]);
        opt.applyGradients({ [a]: goodA, [b]: badB });
        assert.deepEqual(Array.from(va.dataSync()), beforeA);
        assert.deepEqual(Array.from(vb.dataSync()), beforeB);
        // t counts steps taken, the skipped one too (optax's apply_if_finite leaves the inner count alone;
        // here the schedule moves on, so a deferred read needs no rewind).
        assert.equal(opt.step, 3);
        assert.equal(await guard!.skippedSteps(), 1);
        opt.applyGradients({ [a]: goodA, [b]: goodB });
        assert.equal(opt.step, 4);
        assert.notDeepEqual(Array.from(va.dataSync()), beforeA);
        assert.equal(await guard!.skippedSteps(), 1);
        badB.dispose();
        cleanup();
      });
    }
  }

  test("sync and deferred reads leave Adam's state as if the bad step never came (bit for bit)", () => {
    const run = (guard: GradientTransform[], withBad: boolean) => {
      const n = uniq("adam");
      const v = tf.variable(tf.tensor([1, -2, 3]), true, n);
      const opt = withTransforms(tf.train.adam(0.1), [...guard, clipByGlobalNorm(10)]);
      const good = [tf.tensor([0.3, -0.1, 0.2]), tf.tensor([-0.2, 0.4, 0.1]), tf.tensor([0.5, 0.5, -0.5])];
      const bad = tf.tensor([0.1, NaN, 0.1]);
      opt.applyGradients({ [n]: good[0] });
      if (withBad) opt.applyGradients({ [n]: bad });
      opt.applyGradients({ [n]: good[1] });
      opt.applyGradients({ [n]: good[2] });
      const out = Array.from(v.dataSync());
      tf.dispose([v, bad, ...good]);
      opt.dispose();
      return out;
    };
    const clean = run([], false);
    assert.deepEqual(run([skipNonFinite({ read: "sync" })], true), clean);
    assert.deepEqual(run([skipNonFinite({ read: "deferred" })], true), clean);
  });

  test("a deferred read costs two kernels per written variable and one condition per shape, and copies nothing", async () => {
    // Six variables of two shapes, SGD (no state): the deferred update adds one no-copy Reshape (the value
    // before) and one Select per variable, and three kernels (Add, Greater and the scalar's own) per distinct
    // shape; no Identity of a variable (a copy on stock WASM), which tf.clone and tf.where's broadcasts would add.
    const vars = [0, 1, 2, 3, 4, 5].map((i) => tf.variable(i < 4 ? tf.ones([3, 2]) : tf.ones([5]), true, uniq("cost")));
    const grads = Object.fromEntries(vars.map((v) => [v.name, tf.onesLike(v)]));
    const kernels = async (read: "sync" | "deferred") => {
      const opt = withTransforms(tf.train.sgd(0.1), [skipNonFinite({ read })]);
      opt.applyGradients(grads);
      const p = await tf.profile(() => opt.applyGradients(grads));
      opt.dispose();
      const by = new Map<string, number>();
      for (const k of p.kernels) by.set(k.name, (by.get(k.name) ?? 0) + 1);
      const copies = p.kernels.filter((k) => k.name === "Identity" && k.inputShapes.some((s) => s !== undefined && s.length > 0)).length;
      return { total: p.kernels.length, by, copies };
    };
    const sync = await kernels("sync");
    const deferred = await kernels("deferred");
    assert.equal(deferred.by.get("Select"), 6);
    assert.equal(deferred.by.get("Greater"), 2, "one condition per distinct shape");
    assert.equal(deferred.copies, sync.copies, "no copy of a variable (the flag's scalar clone aside)");
    assert.ok(deferred.total - sync.total <= 2 * 6 + 3 * 2 + 6, `deferred adds ${deferred.total - sync.total} kernels`);
    tf.dispose([...vars, ...Object.values(grads)]);
  });

  test("both parameters bad, array-form gradients: one skipped step", async () => {
    const { a, b, va, opt, guard, cleanup } = setup();
    const beforeA = Array.from(va.dataSync());
    const badA = tf.tensor([Infinity, 0, 0]);
    const badB = tf.tensor([0, NaN]);
    opt.applyGradients([
      { name: a, tensor: badA },
      { name: b, tensor: badB },
    ]);
    assert.deepEqual(Array.from(va.dataSync()), beforeA);
    assert.equal(await guard!.skippedSteps(), 1);
    tf.dispose([badA, badB]);
    cleanup();
  });

  test("huge but finite gradients are not skipped", async () => {
    const { a, b, opt, guard, cleanup } = setup();
    const big = tf.tensor([3e38, -3e38, 1e30]);
    const small = tf.tensor([1e-38, 0]);
    opt.applyGradients({ [a]: big, [b]: small });
    assert.equal(opt.step, 3);
    assert.equal(await guard!.skippedSteps(), 0);
    tf.dispose([big, small]);
    cleanup();
  });

  test("skipNonFinite: false lets a NaN through (it reaches the parameter)", () => {
    const { a, b, va, vb, opt, guard, goodA, cleanup } = setup({ skip: false }, false);
    assert.equal(guard, undefined);
    const badB = tf.tensor([NaN, 0.5]);
    opt.applyGradients({ [a]: goodA, [b]: badB });
    assert.equal(opt.step, 3);
    const vbv = vb.dataSync();
    assert.ok(Number.isNaN(vbv[0]), "NaN element of b");
    assert.ok(Number.isFinite(vbv[1]), "other element of b is untouched by the NaN without clipping");
    assert.ok(Array.from(va.dataSync()).every(Number.isFinite));
    badB.dispose();
    cleanup();
  });

  test("skipNonFinite: false with a global-norm clip spreads one NaN into every parameter", () => {
    const { a, b, va, vb, opt, goodA, cleanup } = setup({ skip: false }, true);
    const badB = tf.tensor([NaN, 0.5]);
    opt.applyGradients({ [a]: goodA, [b]: badB });
    assert.ok(Array.from(va.dataSync()).every(Number.isNaN));
    assert.ok(Array.from(vb.dataSync()).every(Number.isNaN));
    badB.dispose();
    cleanup();
  });

  test("the old checkFinite option is refused, pointing to skipNonFinite", () => {
    assert.throws(() => withTransforms(tf.train.sgd(0.1), [], { checkFinite: false } as never), (e: unknown) => e instanceof UnknownOptionError && /skipNonFinite/.test(e.message));
  });
});

describe("schedule errors surface at the step", () => {
  test("a custom schedule that turns NaN fails at that step of training", () => {
    const name = uniq("sched");
    const v = tf.variable(tf.zeros([2]), true, name);
    const g = tf.zeros([2]);
    const opt = withTransforms(tf.train.sgd(0.1), [
      addGradientNoise({ seed: 1, schedule: fromFunction((t) => (t < 2 ? 0.01 : NaN), "broken") }),
    ]);
    opt.applyGradients({ [name]: g });
    opt.applyGradients({ [name]: g });
    assert.throws(() => opt.applyGradients({ [name]: g }), /broken\.variance\(\): variance at step 2 must be a finite number >= 0, got NaN/);
    assert.equal(opt.step, 2);
    tf.dispose([v, g]);
    opt.dispose();
  });
});

describe("misuse found by installing the package gets a named error that says what to do", () => {
  const tiny = (n: number, labels: number[]): Dataset => ({ x: new Float32Array(n * 2), y: Int32Array.from(labels), n, features: 2, classes: 3 });
  const mlp = () => new MLP({ inputSize: 2, hidden: [4], outputSize: 3, init: { kind: "normal", std: 0.1 }, seed: 1 });

  test("trainClassifier refuses labels outside [0, classes) (they would train with loss 0) and a label count that is not n", async () => {
    const model = mlp();
    const opt = withGradientNoise(tf.train.sgd(0.1), { eta: 0.01, seed: 1 });
    const opts = { steps: 2, batchSize: 4, seed: 1 };
    await assert.rejects(trainClassifier(model, opt, tiny(8, [0, 1, 2, 3, 0, 1, 2, 7]), opts), (e: unknown) => e instanceof DatasetError && /label 3 at row 3 is outside \[0, 3\)/.test(e.message));
    await assert.rejects(trainClassifier(model, opt, tiny(64, Array(10).fill(0)), opts), (e: unknown) => e instanceof DatasetError && /y has 10 labels for n = 64/.test(e.message));
    await assert.rejects(trainClassifier(model, opt, tiny(8, Array(8).fill(0)), { ...opts, evalData: tiny(4, [0, 0, 0, -1]) }), DatasetError);
    assert.equal(opt.step, 0, "nothing trained");
    opt.dispose();
    model.dispose();
  });

  test("a mistyped option key is refused, naming the known ones (clipping would silently be off)", () => {
    const sgd = () => tf.train.sgd(0.1);
    assert.throws(() => withGradientNoise(sgd(), { eta: 0.01, seed: 1, clipNorm: 10 } as never), (e: unknown) => e instanceof UnknownOptionError && e.key === "clipNorm" && /clipGlobalNorm/.test(e.message));
    assert.throws(() => withGradientNoise(sgd(), { eta: 0.01, seed: 1, gama: 0.55 } as never), (e: unknown) => e instanceof UnknownOptionError && /did you mean gamma/.test(e.message));
    assert.throws(() => addGradientNoise({ eta: 0.01, seed: 1, gama: 0.55 } as never), (e: unknown) => e instanceof UnknownOptionError && /addGradientNoise\(\)/.test(e.message));
    assert.throws(() => addWeightNoise({ eta: 0.01, seed: 1, gamma: 0.5, seeds: [1] } as never), UnknownOptionError);
    assert.throws(() => annealed({ eta: 0.01, gama: 0.55 } as never), (e: unknown) => e instanceof UnknownOptionError && /the options are eta, gamma/.test(e.message));
    assert.throws(() => skipNonFinite({ mode: "sync" } as never), UnknownOptionError);
    assert.throws(() => withTransforms(sgd(), [], { run: 2 } as never), UnknownOptionError);
  });

  test("models need a seed: unseeded, every model would be identical", () => {
    assert.throws(() => new RnnLM({ vocabSize: 10, hidden: 4, layers: 1, cell: "lstm" } as never), /RnnLM: seed must be/);
    assert.throws(() => new MemN2N({ vocabSize: 10, memorySize: 3 } as never), /MemN2N: seed must be/);
    assert.throws(() => new MLP({ inputSize: 2, hidden: [4], outputSize: 3, init: { kind: "normal", std: 0.1 } } as never), /MLP: seed must be/);
  });

  test("use after dispose() is a DisposedError, not tfjs's \"reading 'backend'\"", () => {
    const m = mlp();
    m.dispose();
    m.dispose(); // twice is fine
    assert.throws(() => m.logits(tf.zeros([1, 2]) as tf.Tensor2D), (e: unknown) => e instanceof DisposedError && /MLP was disposed/.test(e.message));
    const lm = new RnnLM({ vocabSize: 10, hidden: 4, layers: 1, cell: "lstm", seed: 1 });
    lm.dispose();
    assert.throws(() => lm.forward(new Int32Array([1, 2]), new Int32Array([2, 3]), 1, lm.zeroState(1), { training: false }), DisposedError);
    const n = uniq("disposed");
    const v = tf.variable(tf.zeros([2]), true, n);
    const opt = withGradientNoise(tf.train.sgd(0.1), { eta: 0.01, seed: 1 });
    opt.dispose();
    const g = tf.ones([2]);
    assert.throws(() => opt.applyGradients({ [n]: g }), (e: unknown) => e instanceof DisposedError && /TransformedOptimizer/.test(e.message));
    tf.dispose([v, g]);
  });

  test("a token id >= vocabSize is named on the JS arrays (not tfjs's GatherV2 message)", () => {
    const lm = new RnnLM({ vocabSize: 10, hidden: 4, layers: 1, cell: "lstm", seed: 1 });
    const state = lm.zeroState(1);
    assert.throws(() => tf.tidy(() => void lm.forward(new Int32Array([1, 12]), new Int32Array([2, 3]), 1, state, { training: false })), (e: unknown) => e instanceof TokenIdError && /inputs\[1\] = 12/.test(e.message) && /\[0, 10\)/.test(e.message));
    assert.throws(() => tf.tidy(() => void lm.forward(new Int32Array([1, 2]), new Int32Array([2, 10]), 1, state, { training: false })), TokenIdError);
    disposeState(state);
    lm.dispose();
    const ex = { sentences: [Int32Array.from([1, 2]), Int32Array.from([3, 11])], question: Int32Array.from([1]), answer: 2 };
    assert.throws(() => encodeBatch([ex], 10, 3), (e: unknown) => e instanceof TokenIdError && /sentences\[1\]\[1\] = 11/.test(e.message));
    assert.throws(() => encodeBatch([{ ...ex, sentences: [Int32Array.from([1])], answer: 10 }], 10, 3), /answer\[0\] = 10/);
  });

  test("statistics refuse non-finite values alike (tInterval returned NaN where pairedTTest refused)", () => {
    assert.throws(() => tInterval([1, NaN, 3]), /tInterval: xs must hold only finite numbers .*; xs\[1\] is NaN/);
    assert.throws(() => pairedTTest([1, 2, Infinity], [1, 2, Infinity]), /pairedTTest: a must hold only finite numbers/);
    assert.throws(() => welchTTest([1, 2], [3, NaN]), /welchTTest: b must hold only finite numbers/);
    assert.throws(() => welchInterval([NaN], [1, 2]), /welchInterval: a must hold only finite numbers/);
    assert.throws(() => mean([1, NaN]), /finite/);
  });
});
