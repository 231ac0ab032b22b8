/**
 * Binary multiplication: every target is the BigInt product (LSB first), the
 * layout (operands padded to equal length, operator between), length bins,
 * seeded draws, and the original trainer's curriculum.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { BIT0, BIT1, binLength, Curriculum, decodeBits, encodeBatch, multiplication, OP, PAD, randomExamples } from "../../../../src/families/neural-gpu/task";

describe("binary multiplication task", () => {
  test("every target is the BigInt product, LSB first, at short and long lengths", () => {
    for (const d of [1, 3, 20, 200]) {
      for (const e of randomExamples(50, d, "targets")) {
        assert.equal(e.input.length, 2 * d + 1);
        assert.equal(e.input[d], OP);
        const a = decodeBits(e.input.slice(0, d)), b = decodeBits(e.input.slice(d + 1));
        assert.equal(a, e.a);
        assert.equal(b, e.b);
        assert.equal(decodeBits(e.target), a * b);
        assert.equal(e.target.length, 2 * d + 1);
        assert.equal(e.target[2 * d], PAD);
        assert.ok(e.target.slice(0, 2 * d).every((s) => s === BIT0 || s === BIT1));
      }
    }
  });

  test("LSB first with leading zeros: 6 x 3 on 3 bits", () => {
    const e = multiplication(6n, 3n, 3);
    assert.deepEqual(e.input, [BIT0, BIT1, BIT1, OP, BIT1, BIT1, BIT0]);
    // 18 = 010010 LSB first: 0 1 0 0 1 0
    assert.deepEqual(e.target, [BIT0, BIT1, BIT0, BIT0, BIT1, BIT0, PAD]);
    assert.throws(() => multiplication(8n, 1n, 3), RangeError);
  });

  test("seeded: same seed same examples, another seed others", () => {
    const key = (s: string) => randomExamples(20, 8, s).map((e) => `${e.a}x${e.b}`).join();
    assert.equal(key("a"), key("a"));
    assert.notEqual(key("a"), key("b"));
  });

  test("length bins and batch padding", () => {
    assert.equal(binLength(7), 8);
    assert.equal(binLength(9), 12);
    assert.equal(binLength(41), 48);
    assert.equal(binLength(401), 401);
    const b = encodeBatch([multiplication(1n, 1n, 1), multiplication(5n, 5n, 3)]);
    assert.equal(b.length, 8);
    assert.deepEqual(Array.from(b.inputs.slice(0, 8)), [BIT1, OP, BIT1, PAD, PAD, PAD, PAD, PAD]);
    assert.throws(() => encodeBatch([multiplication(5n, 5n, 3)], 4), RangeError);
  });

  test("curriculum: draws within [min, max], mostly at most the bound, grows only below the threshold", () => {
    const c = new Curriculum({ minBits: 1, maxBits: 20, startBits: 3, threshold: 0.12, pHarder: 0.6, pAnywhere: 0.25 }, "cur");
    const draws = Array.from({ length: 4000 }, () => c.next());
    assert.ok(draws.every((d) => d >= 1 && d <= 20));
    const above = draws.filter((d) => d > 3).length / draws.length;
    // Only the 25% "anywhere" branch can exceed the bound: P(max(d1, U[1,20]) > 3) = 0.25 * (1 - (3/20) * P(d1 <= 3)) ~ 0.21.
    assert.ok(above > 0.17 && above < 0.25, `share above the bound ${above}`);
    assert.equal(c.report(0.2), false);
    assert.equal(c.bound, 3);
    assert.equal(c.report(0.05), true);
    assert.equal(c.bound, 4);
    assert.throws(() => new Curriculum({ minBits: 1, maxBits: 5, startBits: 6, threshold: 0.1, pHarder: 0.6, pAnywhere: 0.25 }), RangeError);
  });
});
