/**
 * Bad configuration fails where it is written, with the argument named; a
 * NaN/Inf gradient skips its step (skipNonFinite) and is counted; misuse that
 * JS or tfjs would let through or answer with a raw error gets a named error.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { addGradientNoise, NoiseOptions } from "../src/noise/gradient-noise";
import { addWeightNoise } from "../src/noise/weight-noise";
import { clipByGlobalNorm, clipByNorm, clipByValue } from "../src/noise/clip";
import { UnknownOptionError } from "../src/noise/errors";
import { FiniteRead, NonFiniteGuard, skipNonFinite } from "../src/noise/finite";
import { TransformedOptimizer, withTransforms } from "../src/noise/optimizer";
import { withGradientNoise } from "../src/noise/recipe";
import { constant, fromFunction } from "../src/noise/schedule";
import { chainMembers, GradientTransform } from "../src/noise/transform";

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
