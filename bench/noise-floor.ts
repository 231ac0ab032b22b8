/**
 * The generator's own arithmetic, as a floor under the noise overhead of a
 * step: drawing a step's gradient noise (Philox-4x32-10 + Box-Muller, the
 * WASM SIMD kernel, src/random/philox.wat) into a memory of its own, with the
 * add onto the gradient, and nothing else (no engine, no tensors, no keys).
 * No implementation of this generator on one WASM thread can add less than
 * this to a step; a target below it is below the draw itself.
 */
import { philoxSimd } from "../src/random/philox-simd";
import { PURPOSE } from "../src/random/philox";
import { median } from "../src/stats";

/** Median µs to draw and add normals for tensors of `sizes` elements (one step's gradients), over `reps` x `inner` draws. */
export function noiseFloorUs(sizes: readonly number[], reps = 30, inner = 10): number {
  const total = sizes.reduce((a, b) => a + b, 0);
  const bytes = 4 * total + 64 + 16 * sizes.length;
  const memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / 65536) + 1 });
  const simd = philoxSimd(memory);
  const at: number[] = [];
  let next = 64;
  for (const n of sizes) {
    at.push(next);
    next += 4 * n + 16;
  }
  const draw = (step: number) => sizes.forEach((n, i) => simd.fill(at[i], n, 0, [i + 1, step], PURPOSE.gradientNoise, 0.05, 0, at[i]));
  const xs: number[] = [];
  for (let r = 0; r < reps + 3; r++) {
    const t0 = performance.now();
    for (let j = 0; j < inner; j++) draw(r * inner + j);
    if (r >= 3) xs.push(((performance.now() - t0) * 1000) / inner);
  }
  return median(xs);
}

/** The floor line: what the draw alone costs against a step without noise, beside the measured overhead. */
export function noiseFloorLine(label: string, elements: number, floorUs: number, quietStepMs: number, measuredOverhead: number): string {
  const share = floorUs / 1000 / quietStepMs;
  return `${label}, noise floor: drawing the step's ${elements.toLocaleString("en-US")} normals alone (Philox-4x32-10 + Box-Muller, WASM SIMD, added in place; no engine, no tensors) takes ${floorUs.toFixed(0)} µs, ${(100 * share).toFixed(1)}% of the step without noise; measured overhead ${(100 * measuredOverhead).toFixed(1)}%` +
    (share > 0.05 ? ": a 5% target is below what the draw alone costs here (one thread)" : "");
}
