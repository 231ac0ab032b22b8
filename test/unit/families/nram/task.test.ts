/**
 * ListK (NRAM paper Appendix A): every example's target is what an
 * independent walk of its memory gives, the layout is as documented, the
 * curriculum samples as Appendix B says, and bad configs fail by name.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { uniformStream } from "../../../../src/random/rng";
import { Curriculum, curriculumBatch, listKExample, ListKConfigError, sampleDifficulty, testSet } from "../../../../src/families/nram";

/** Follows the pointers from cell 0 k times (cell 1), NULL-checked; returns the node's value. */
function walk(mem: ArrayLike<number>): number {
  let node = mem[0];
  const seen = new Set<number>();
  for (let hop = 0; hop < mem[1]; hop++) {
    assert.ok(node !== 0, "walked past NULL");
    assert.ok(!seen.has(node), "cycle");
    seen.add(node);
    node = mem[node];
  }
  assert.ok(node !== 0 && node + 1 < mem.length, `bad node address ${node}`);
  return mem[node + 1];
}

/** Length of the list from cell 0 to NULL. */
function listLength(mem: ArrayLike<number>): number {
  let n = 0;
  for (let node = mem[0]; node !== 0; node = mem[node]) {
    n++;
    assert.ok(n <= mem.length, "no NULL terminator");
  }
  return n;
}

describe("ListK examples", () => {
  test("every target equals an independent list walk; lists are NULL-terminated and k < length", () => {
    const rand = uniformStream("listk-test-walk");
    for (const memory of [9, 12, 24, 51]) {
      const maxLength = Math.floor((memory - 3) / 2);
      for (let i = 0; i < 300; i++) {
        const length = 1 + Math.floor(rand() * maxLength);
        const ex = listKExample({ memory, maxLength }, length, rand);
        assert.equal(ex.memory.length, memory);
        assert.equal(walk(ex.memory), ex.target);
        assert.equal(listLength(ex.memory), length);
        assert.ok(ex.memory[1] < length);
        assert.equal(ex.memory[2], 0, "out starts at 0");
        assert.ok(ex.target >= 1 && ex.target < memory);
        // Nodes start at odd offsets from 3 and do not overlap the fixed cells.
        for (const a of ex.nodes) assert.ok(a >= 3 && (a - 3) % 2 === 0 && a + 1 < memory);
      }
    }
  });

  test("batches and test sets: packed rows are the examples, seeded", () => {
    const cfg = { memory: 12, maxLength: 4 };
    const a = curriculumBatch(cfg, 20, 2, 7, "x");
    const b = curriculumBatch(cfg, 20, 2, 7, "x");
    const c = curriculumBatch(cfg, 20, 2, 8, "x");
    assert.deepEqual(a.memory, b.memory);
    assert.notDeepEqual(a.memory, c.memory);
    for (let i = 0; i < a.size; i++) assert.equal(walk(a.memory.subarray(i * 12, (i + 1) * 12)), a.target[i]);
    const t = testSet({ memory: 24, maxLength: 10 }, 100, "gen");
    assert.equal(t.size, 100);
    assert.ok(Math.max(...t.lengths) > 4, "generalisation set reaches longer lists");
  });

  test("malformed configs are named errors", () => {
    const rand = uniformStream("bad");
    assert.throws(() => listKExample({ memory: 10, maxLength: 4 }, 1, rand), ListKConfigError); // 4 nodes need 11 cells
    assert.throws(() => listKExample({ memory: 4, maxLength: 1 }, 1, rand), ListKConfigError);
    assert.throws(() => listKExample({ memory: 12, maxLength: 0 }, 1, rand), ListKConfigError);
    assert.throws(() => listKExample({ memory: 12, maxLength: 4 }, 5, rand), ListKConfigError);
    assert.throws(() => listKExample({ memory: 12.5, maxLength: 4 }, 1, rand), ListKConfigError);
    assert.throws(() => new Curriculum(4, 0, 1), ListKConfigError);
    assert.throws(() => new Curriculum(4, 0.1, -1), ListKConfigError);
  });
});

describe("curriculum (Appendix B)", () => {
  test("difficulties: 65% at D + e, 25% uniform up to it, 10% uniform over all; never above max", () => {
    const rand = uniformStream("difficulty");
    const n = 20000;
    const counts = new Array(11).fill(0);
    for (let i = 0; i < n; i++) counts[sampleDifficulty(3, 10, rand)]++;
    assert.equal(counts[0], 0);
    // P(d = 3) = 0.65 * P(e = 0) + 0.25 * E[1/(3+e) ...] + 0.1/10 > 0.65/2
    assert.ok(counts[3] / n > 0.4 && counts[3] / n < 0.5, `P(d=3) = ${counts[3] / n}`);
    // d = 10 needs e >= 7 (p 2^-7) or the 10% branch: small but present.
    assert.ok(counts[10] > 0 && counts[10] / n < 0.03);
    for (let i = 0; i < 1000; i++) assert.ok(sampleDifficulty(10, 10, rand) <= 10);
  });

  test("the level rises under the threshold, at most every minBatches batches, up to max", () => {
    const c = new Curriculum(3, 0.1, 2);
    assert.equal(c.update(0.5), false);
    assert.equal(c.update(0.05), true); // second batch: allowed
    assert.equal(c.level, 2);
    assert.equal(c.update(0.0), false); // one batch since the raise
    assert.equal(c.update(0.0), true);
    assert.equal(c.level, 3);
    c.update(0);
    assert.equal(c.update(0), false);
    assert.equal(c.level, 3);
  });
});
