/**
 * The WebAssembly SIMD Philox kernel: its committed bytes are a fresh
 * assembly of philox.wat, and it computes the JS reference's values to the bit.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { philoxFill, PURPOSE, streamKey64 } from "../../../src/random/philox";
import { philoxSimd, philoxSimdNormals } from "../../../src/random/philox-simd";
import { PHILOX_WASM_BASE64 } from "../../../src/random/philox-wasm";
import { sameBits } from "../../support/normal-checks";

// build/test/unit/random -> the repository root.
const root = path.resolve(__dirname, "../../../..");

describe("philox.wat", () => {
  test("the committed module (philox-wasm.ts) is a fresh assembly of philox.wat (run node scripts/assemble-wat.cjs after editing it)", async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { assembleWat, PHILOX_WAT } = require(path.join(root, "scripts/wat.cjs")) as { assembleWat(text: string): Promise<Uint8Array>; PHILOX_WAT: string };
    const fresh = await assembleWat(readFileSync(path.join(root, PHILOX_WAT), "utf8"));
    assert.equal(Buffer.from(fresh).toString("base64"), PHILOX_WASM_BASE64);
  });

  // Runs of whole 16-element groups go to $group in one call, partial ones one at a time: both, and where they meet.
  test("SIMD and JS give the same bits, for sizes that are not multiples of 4 and odd starts", () => {
    for (const [seed, start, n, std] of [[7, 0, 1, 1], [7, 0, 16, 1], [7, 3, 37, 0.3], [8, 1, 1, 2], ["s", 5, 10_003, 0.01], [9, 17, 15, 1], [9, 0, 100_000, 1e-3], [4, 0, 32, 1], [4, 16, 48, 1], [4, 0, 63, 1], [4, 32, 65, 0.5]] as Array<[string | number, number, number, number]>) {
      const key = streamKey64(seed, 3, 120);
      const js = philoxFill(new Float32Array(n), 0, n, key, PURPOSE.gradientNoise, std, start);
      const simd = philoxSimdNormals(n, start, key, PURPOSE.gradientNoise, std);
      const same = sameBits(js, simd);
      assert.ok(same.equal, `seed ${seed} start ${start} n ${n}: element ${same.first} differs: ${js[same.first]} vs ${simd[same.first]}`);
    }
  });

  test("writes exactly its window: the bytes around the output are untouched", () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const f32 = new Float32Array(memory.buffer);
    f32.fill(123);
    philoxSimd(memory).fill(64 + 4 * 3, 5, 2, [1, 2], PURPOSE.gradientNoise, 1, 0);
    assert.equal(f32[16 + 2], 123);
    assert.equal(f32[16 + 3 + 5], 123);
    assert.ok(sameBits(f32.slice(19, 24), philoxFill(new Float32Array(5), 0, 5, [1, 2], PURPOSE.gradientNoise, 1, 2)).equal);
  });

  test("a window beyond 2^32 elements is a named RangeError", () => {
    const simd = philoxSimd(new WebAssembly.Memory({ initial: 1 }));
    assert.throws(() => simd.fill(64, 16, 2 ** 32 - 8, [0, 0], 1, 1, 0), /outside \[0, 2\^32 - 16\)/);
  });
});
