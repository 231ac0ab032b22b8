/**
 * The Philox-4x32-10 reference (src/random/philox.ts): the published known
 * answers, our log/sin/cos against libm, and the normals' statistics.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { logUnit, philox4x32, philoxFill, PURPOSE, seedKey, sinCosTurn, streamKey64 } from "../../../src/random/philox";
import { assertNormal, assertUncorrelated, sameBits } from "../../support/normal-checks";

describe("philox4x32 (Philox-4x32-10)", () => {
  // Random123's known-answer vectors for philox4x32 with 10 rounds (Salmon et al. 2011): counter, key -> output.
  const KAT: Array<[number[], number[], number[]]> = [
    [[0, 0, 0, 0], [0, 0], [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]],
    [[0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff], [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]],
    [[0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0], [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1]],
  ];
  for (const [c, k, want] of KAT) {
    test(`counter ${c.map((x) => x.toString(16))} key ${k.map((x) => x.toString(16))}`, () => {
      const out = [0, 0, 0, 0];
      philox4x32(c[0], c[1], c[2], c[3], k[0], k[1], out);
      assert.deepEqual(out, want);
    });
  }
});

describe("stream keys", () => {
  test("a seed is hashed as its text (7 and \"7\" are one seed, as in the xoshiro keys); different seeds differ", () => {
    assert.deepEqual(seedKey(7), seedKey("7"));
    assert.notDeepEqual(seedKey(7), seedKey(8));
    assert.notDeepEqual(seedKey("run-1"), seedKey("run-2"));
    // FNV-1a 64 of the empty string is its offset basis.
    assert.deepEqual(seedKey(""), [0x84222325, 0xcbf29ce4]);
  });

  test("(seed, parameter, step) each change the key", () => {
    const k = streamKey64(1, 2, 3);
    for (const other of [streamKey64(2, 2, 3), streamKey64(1, 3, 3), streamKey64(1, 2, 4)]) assert.notDeepEqual(other, k);
  });

  test("a parameter index or step that is not a uint32 is a named RangeError", () => {
    assert.throws(() => streamKey64(1, -1, 0), /parameter index must be an integer/);
    assert.throws(() => streamKey64(1, 0, 1.5), /step must be an integer/);
  });
});

describe("f32 log, sin, cos (our polynomials)", () => {
  test("ln(k 2^-24) within 1 ulp-scale of libm on every 97th k in [1, 2^24]", () => {
    let worst = 0;
    for (let k = 1; k <= 1 << 24; k += 97) {
      const want = Math.log(k / 2 ** 24);
      // Relative to the f32 spacing at the answer (absolute near ln = 0).
      const err = Math.abs(logUnit(k) - want) / Math.max(Math.abs(want) * 2 ** -23, 2 ** -24);
      worst = Math.max(worst, err);
    }
    assert.ok(worst < 4, `worst error ${worst} f32 ulps`);
  });

  test("sin and cos of 2 pi j 2^-24 within 2e-7 of libm", () => {
    const sc = [0, 0];
    let worst = 0;
    for (let j = 0; j < 1 << 24; j += 31) {
      sinCosTurn(j, sc);
      const t = (2 * Math.PI * j) / 2 ** 24;
      worst = Math.max(worst, Math.abs(sc[0] - Math.sin(t)), Math.abs(sc[1] - Math.cos(t)));
    }
    assert.ok(worst < 2e-7, `worst error ${worst}`);
  });
});

describe("philoxFill", () => {
  test("any window of a stream equals that window of the whole stream (odd starts and sizes)", () => {
    const key = streamKey64("w", 1, 2);
    const all = philoxFill(new Float32Array(1001), 0, 1001, key, PURPOSE.gradientNoise, 1);
    for (const [start, size] of [[0, 1], [1, 3], [3, 5], [7, 990], [998, 3]]) {
      const part = philoxFill(new Float32Array(size + 2), 1, size, key, PURPOSE.gradientNoise, 1, start);
      assert.ok(sameBits(part.subarray(1, 1 + size), all.subarray(start, start + size)).equal, `window ${start}+${size}`);
    }
  });

  test("bad windows are named errors", () => {
    assert.throws(() => philoxFill(new Float32Array(4), 0, 2, [0, 0], 1, 1, -1), /start and size must be non-negative integers/);
  });

  test("1e5 draws are N(0, std^2): mean, variance, KS", () => {
    for (const std of [1, 0.01]) {
      assertNormal(philoxFill(new Float32Array(100_000), 0, 100_000, streamKey64(7, 3, 120), PURPOSE.gradientNoise, std), std, `std ${std}`);
    }
  });

  test("streams of different parameters, steps, seeds and purposes are uncorrelated", () => {
    const n = 50_000;
    const draw = (seed: number, index: number, step: number, purpose: number) => philoxFill(new Float32Array(n), 0, n, streamKey64(seed, index, step), purpose, 1);
    const base = draw(1, 0, 0, PURPOSE.gradientNoise);
    assertUncorrelated(base, draw(1, 1, 0, PURPOSE.gradientNoise), "next parameter");
    assertUncorrelated(base, draw(1, 0, 1, PURPOSE.gradientNoise), "next step");
    assertUncorrelated(base, draw(2, 0, 0, PURPOSE.gradientNoise), "next seed");
    assertUncorrelated(base, draw(1, 0, 0, PURPOSE.weightNoise), "weight-noise purpose");
    // Within a stream: each element against the next (lanes of one block, and across blocks).
    assertUncorrelated(base.subarray(0, n - 1), base.subarray(1), "neighbouring elements");
  });
});
