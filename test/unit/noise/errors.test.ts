/**
 * Bad configuration fails where it is written, with the argument named; a
 * NaN/Inf gradient fails at the step it appears, naming the bad parameter(s),
 * before any parameter is touched.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { addGradientNoise, NoiseOptions } from "../../../src/noise/gradient-noise";
import { addWeightNoise } from "../../../src/noise/weight-noise";
import { clipByGlobalNorm, clipByNorm, clipByValue } from "../../../src/noise/clip";
import { NonFiniteGradientError, TransformedOptimizer, withGradientNoise, withTransforms } from "../../../src/noise/optimizer";
import { constant, fromFunction } from "../../../src/noise/schedule";
import { GradientTransform } from "../../../src/noise/transform";

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

describe("NonFiniteGradientError", () => {
  function setup(opts?: { checkFinite?: boolean }, clip = true) {
    const a = uniq("a");
    const b = uniq("b");
    const va = tf.variable(tf.tensor([1, 2, 3]), true, a);
    const vb = tf.variable(tf.tensor([4, 5]), true, b);
    const opt = clip
      ? withGradientNoise(tf.train.sgd(0.1), { eta: 0.01, seed: 1, clipGlobalNorm: 10 }, opts)
      : withTransforms(tf.train.sgd(0.1), [addGradientNoise({ eta: 0.01, seed: 1 })], opts);
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
    return { a, b, va, vb, opt, goodA, goodB, cleanup };
  }

  for (const [label, badValue] of [
    ["NaN", NaN],
    ["+Infinity", Infinity],
    ["-Infinity", -Infinity],
  ] as const) {
    test(`${label} in one parameter: thrown at step 2 naming only that parameter, nothing updated`, () => {
      const { a, b, va, vb, opt, goodA, goodB, cleanup } = setup();
      const beforeA = Array.from(va.dataSync());
      const beforeB = Array.from(vb.dataSync());
      const badB = tf.tensor([0.4, badValue]);
      let caught: unknown;
      try {
        opt.applyGradients({ [a]: goodA, [b]: badB });
      } catch (e) {
        caught = e;
      }
      assert.ok(caught instanceof NonFiniteGradientError, `expected NonFiniteGradientError, got ${String(caught)}`);
      assert.ok(caught instanceof Error);
      assert.equal(caught.name, "NonFiniteGradientError");
      assert.equal(caught.step, 2);
      assert.deepEqual([...caught.parameters], [b]);
      assert.match(caught.message, /non-finite gradient at step 2 in parameter\(s\): /);
      assert.ok(caught.message.includes(b) && !caught.message.includes(a));
      // The failed update touched nothing and did not advance the counter.
      assert.deepEqual(Array.from(va.dataSync()), beforeA);
      assert.deepEqual(Array.from(vb.dataSync()), beforeB);
      assert.equal(opt.step, 2);
      // A later good update goes through as step 2 -> 3.
      opt.applyGradients({ [a]: goodA, [b]: goodB });
      assert.equal(opt.step, 3);
      badB.dispose();
      cleanup();
    });
  }

  test("both parameters bad: both named, in order; array-form gradients too", () => {
    const { a, b, opt, cleanup } = setup();
    const badA = tf.tensor([Infinity, 0, 0]);
    const badB = tf.tensor([0, NaN]);
    assert.throws(
      () =>
        opt.applyGradients([
          { name: a, tensor: badA },
          { name: b, tensor: badB },
        ]),
      (e: unknown) => {
        assert.ok(e instanceof NonFiniteGradientError);
        assert.equal(e.step, 2);
        assert.deepEqual([...e.parameters], [a, b]);
        return true;
      },
    );
    tf.dispose([badA, badB]);
    cleanup();
  });

  test("huge but finite gradients are not flagged", () => {
    const { a, b, opt, cleanup } = setup();
    const big = tf.tensor([3e38, -3e38, 1e30]);
    const small = tf.tensor([1e-38, 0]);
    opt.applyGradients({ [a]: big, [b]: small });
    assert.equal(opt.step, 3);
    tf.dispose([big, small]);
    cleanup();
  });

  test("checkFinite: false lets a NaN through (it reaches the parameter)", () => {
    const { a, b, va, vb, opt, goodA, cleanup } = setup({ checkFinite: false }, false);
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

  test("checkFinite: false with a global-norm clip spreads one NaN into every parameter", () => {
    const { a, b, va, vb, opt, goodA, cleanup } = setup({ checkFinite: false }, true);
    const badB = tf.tensor([NaN, 0.5]);
    opt.applyGradients({ [a]: goodA, [b]: badB });
    assert.ok(Array.from(va.dataSync()).every(Number.isNaN));
    assert.ok(Array.from(vb.dataSync()).every(Number.isNaN));
    badB.dispose();
    cleanup();
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
