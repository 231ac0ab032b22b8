/**
 * Noise schedules (Neelakantan et al., Section 3, Eq. 1):
 * sigma_t^2 = eta / (1 + t)^gamma, eta a variance, t = 0 on the first update,
 * gamma = 0.55 by default. Expected values are computed here by hand.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { annealed, constant, fromFunction, PAPER_GAMMA, scheduleFromConfig } from "../../../src/noise/schedule";

before(async () => {
  await tf.setBackend("cpu");
});

/** Relative closeness for doubles computed along slightly different paths. */
function close(actual: number, expected: number, rel = 1e-12): void {
  assert.ok(
    Math.abs(actual - expected) <= rel * Math.abs(expected),
    `expected ${expected}, got ${actual} (rel tol ${rel})`,
  );
}

describe("annealed()", () => {
  test("t = 0 gives eta exactly (first update uses the full variance)", () => {
    for (const eta of [0.01, 0.3, 1.0, 2.5]) {
      assert.equal(annealed({ eta }).variance(0), eta);
      assert.equal(annealed({ eta, gamma: 0.9 }).variance(0), eta);
    }
  });

  test("t = 1 gives eta / 2^0.55", () => {
    // 2^0.55 = exp(0.55 ln 2) = 1.4640856959456254...
    const twoPow = Math.exp(0.55 * Math.LN2);
    close(twoPow, 1.4640856959456254, 1e-14);
    close(annealed({ eta: 0.01 }).variance(1), 0.01 / twoPow);
    close(annealed({ eta: 1 }).variance(1), 1 / 1.4640856959456254, 1e-14);
  });

  test("t = 99 gives eta / 100^0.55 = eta / 10^1.1", () => {
    // 100^0.55 = 10^1.1 = 12.589254117941675...
    const hundredPow = Math.pow(10, 1.1);
    close(hundredPow, 12.589254117941675, 1e-14);
    close(annealed({ eta: 0.3 }).variance(99), 0.3 / hundredPow);
    close(annealed({ eta: 1 }).variance(99), 0.07943282347242814, 1e-12); // 10^-1.1
  });

  test("gamma defaults to 0.55 (PAPER_GAMMA)", () => {
    assert.equal(PAPER_GAMMA, 0.55);
    const dflt = annealed({ eta: 0.7 });
    const explicit = annealed({ eta: 0.7, gamma: 0.55 });
    const other = annealed({ eta: 0.7, gamma: 0.5 });
    for (const t of [0, 1, 2, 10, 1000]) assert.equal(dflt.variance(t), explicit.variance(t));
    // 0.7 / 11^0.5 vs 0.7 / 11^0.55: the default must not be 0.5
    assert.notEqual(dflt.variance(10), other.variance(10));
    close(other.variance(10), 0.7 / Math.sqrt(11));
  });

  test("custom gamma and general t", () => {
    const s = annealed({ eta: 0.01, gamma: 1 });
    close(s.variance(3), 0.01 / 4);
    close(s.variance(9), 0.001);
    const g0 = annealed({ eta: 0.25, gamma: 0 });
    assert.equal(g0.variance(12345), 0.25);
  });

  test("variance is monotonically non-increasing in t", () => {
    const s = annealed({ eta: 1 });
    let prev = Infinity;
    for (let t = 0; t < 200; t++) {
      const v = s.variance(t);
      assert.ok(v < prev, `variance(${t}) = ${v} not below ${prev}`);
      prev = v;
    }
  });

  test("eta is a variance: variance(0) is eta itself (std 0.1 for eta 0.01, not 0.01)", () => {
    const s = annealed({ eta: 0.01 });
    assert.equal(s.variance(0), 0.01);
    assert.equal(Math.sqrt(s.variance(0)), 0.1);
    close(s.variance(1), 0.01 / Math.pow(2, 0.55));
  });

  test("label mentions eta and gamma", () => {
    const s = annealed({ eta: 0.3 });
    assert.match(s.label, /eta=0\.3/);
    assert.match(s.label, /gamma=0\.55/);
  });

  test("bad eta is rejected with a message naming eta", () => {
    for (const eta of [-0.01, -1, NaN, Infinity, -Infinity]) {
      assert.throws(() => annealed({ eta }), (e: unknown) => {
        assert.ok(e instanceof RangeError);
        assert.match((e as Error).message, /\beta\b/);
        assert.match((e as Error).message, /annealed\(\)/);
        return true;
      });
    }
    assert.throws(() => annealed({ eta: "0.1" as unknown as number }), /eta/);
  });

  test("bad gamma is rejected with a message naming gamma", () => {
    for (const gamma of [-0.55, NaN, Infinity, -Infinity]) {
      assert.throws(() => annealed({ eta: 0.01, gamma }), /annealed\(\): gamma must be a finite number >= 0/);
    }
  });

  test("non-integer or negative t is rejected with a message naming t", () => {
    const s = annealed({ eta: 0.01 });
    for (const t of [-1, 0.5, 1.000001, NaN, Infinity, -Infinity]) {
      assert.throws(() => s.variance(t), /annealed\(\)\.variance\(\): t must be an integer >= 0/);
    }
  });
});

describe("constant()", () => {
  test("same variance at every step", () => {
    const s = constant(0.04);
    for (const t of [0, 1, 7, 99, 10_000]) assert.equal(s.variance(t), 0.04);
    assert.equal(constant(0).variance(3), 0);
    assert.match(s.label, /0\.04/);
  });

  test("bad variance or t is rejected with the argument named", () => {
    for (const v of [-1, NaN, Infinity]) {
      assert.throws(() => constant(v), /constant\(\): variance must be a finite number >= 0/);
    }
    assert.throws(() => constant(0.1).variance(-2), /constant\(\)\.variance\(\): t must be an integer >= 0/);
    assert.throws(() => constant(0.1).variance(2.5), /\bt must be an integer/);
  });
});

describe("fromFunction()", () => {
  test("passes t through and returns fn(t)", () => {
    const seen: number[] = [];
    const s = fromFunction((t) => {
      seen.push(t);
      return 1 / (t + 2);
    }, "harmonic");
    assert.equal(s.variance(0), 0.5);
    assert.equal(s.variance(2), 0.25);
    assert.deepEqual(seen, [0, 2]);
    assert.equal(s.label, "harmonic");
    assert.equal(fromFunction(() => 1).label, "custom");
  });

  test("negative value fails naming the step", () => {
    const s = fromFunction((t) => 0.1 - 0.05 * t, "linear");
    assert.ok(Math.abs(s.variance(1) - 0.05) < 1e-15);
    assert.throws(() => s.variance(3), (e: unknown) => {
      assert.ok(e instanceof RangeError);
      const m = (e as Error).message;
      assert.match(m, /linear\.variance\(\)/);
      assert.match(m, /variance at step 3\b/);
      assert.match(m, /-0\.05/);
      return true;
    });
  });

  test("NaN or Infinity value fails naming the step", () => {
    const s = fromFunction((t) => (t === 5 ? NaN : t === 6 ? Infinity : 0.01));
    assert.equal(s.variance(4), 0.01);
    assert.throws(() => s.variance(5), /variance at step 5 must be a finite number >= 0, got NaN/);
    assert.throws(() => s.variance(6), /variance at step 6 must be a finite number >= 0, got Infinity/);
  });

  test("non-function fn and bad t are rejected", () => {
    assert.throws(() => fromFunction(0.1 as unknown as (t: number) => number), (e: unknown) => {
      assert.ok(e instanceof TypeError);
      assert.match((e as Error).message, /fromFunction\(\): fn must be a function/);
      return true;
    });
    const s = fromFunction(() => 1, "mine");
    assert.throws(() => s.variance(-1), /mine\.variance\(\): t must be an integer >= 0, got -1/);
    assert.throws(() => s.variance(0.25), /t must be an integer >= 0, got 0\.25/);
  });
});

describe("schedule configs (what a saved optimizer keeps)", () => {
  test("annealed and constant rebuild from their config; fromFunction has none", () => {
    for (const s of [annealed({ eta: 0.3 }), annealed({ eta: 1, gamma: 0.7 }), constant(0.04)]) {
      const back = scheduleFromConfig(JSON.parse(JSON.stringify(s.config)));
      assert.equal(back.label, s.label);
      for (const t of [0, 1, 17, 1000]) assert.equal(back.variance(t), s.variance(t));
    }
    assert.equal(fromFunction(() => 1).config, undefined);
    assert.throws(() => scheduleFromConfig({ kind: "harmonic" } as never), /unknown schedule config/);
  });
});
