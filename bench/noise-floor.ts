/**
 * The generator's own arithmetic, as a floor under the noise overhead of a
 * step: drawing a step's gradient noise (Philox-4x32-10 + Box-Muller, the
 * WASM SIMD kernel, src/random/philox.wat) into a memory of its own, with the
 * add onto the gradient, and nothing else (no engine, no tensors, no keys).
 * No implementation of this generator on one WASM thread can add less than
 * this to a step; a target below it is below the draw itself.
 */
import * as tf from "@tensorflow/tfjs";
import { addGradientNoise } from "../src/noise/gradient-noise";
import { StepContext } from "../src/noise/transform";
import { philoxSimd } from "../src/random/philox-simd";
import { PURPOSE } from "../src/random/philox";
import { median } from "../src/stats";

/** One step's floor draw for tensors of `sizes` elements: `draw(step)` fills and adds every tensor in place, in a memory of its own. */
export function floorDraw(sizes: readonly number[]): (step: number) => void {
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
  return (step) => sizes.forEach((n, i) => simd.fill(at[i], n, 0, [i + 1, step], PURPOSE.gradientNoise, 0.05, 0, at[i]));
}

/** Median µs to draw and add normals for tensors of `sizes` elements (one step's gradients), over `reps` x `inner` draws. */
export function noiseFloorUs(sizes: readonly number[], reps = 30, inner = 10): number {
  const draw = floorDraw(sizes);
  const xs: number[] = [];
  for (let r = 0; r < reps + 3; r++) {
    const t0 = performance.now();
    for (let j = 0; j < inner; j++) draw(r * inner + j);
    if (r >= 3) xs.push(((performance.now() - t0) * 1000) / inner);
  }
  return median(xs);
}

/**
 * The floor and the library's noise transform on gradients of `shapes`, timed
 * interleaved in one process (median µs per step of each, over `reps` x
 * `inner` calls): addGradientNoise's default (philox) transform on the current
 * backend (wasm: its kernels run synchronously, so nothing is read back),
 * outputs disposed. The difference is what the library adds around the draw:
 * the stream keys, one output tensor per parameter, the kernel call.
 */
export function floorAndTransformUs(shapes: readonly number[][], reps = 30, inner = 10): { floorUs: number; transformUs: number } {
  const floor = floorDraw(shapes.map((s) => s.reduce((a, b) => a * b, 1)));
  const names = shapes.map((_, i) => `p${i}`);
  const index = new Map(names.map((n, i) => [n, i]));
  const grads: tf.NamedTensorMap = Object.fromEntries(names.map((n, i) => [n, tf.zeros(shapes[i] as number[])]));
  const transform = addGradientNoise({ eta: 0.01, seed: 0 });
  let step = 0;
  const ctx = { get step() { return step; }, names, paramIndex: (n: string) => index.get(n)! } as unknown as StepContext;
  const once = () => {
    const out = transform.transformGradients!(grads, ctx);
    for (const n of names) out[n].dispose();
  };
  const xs = { floor: [] as number[], transform: [] as number[] };
  for (let r = 0; r < reps + 3; r++) {
    for (const [k, f] of [["floor", () => floor(step)], ["transform", once]] as const) {
      const t0 = performance.now();
      for (let j = 0; j < inner; j++, step++) f();
      if (r >= 3) xs[k].push(((performance.now() - t0) * 1000) / inner);
    }
  }
  tf.dispose(Object.values(grads));
  return { floorUs: median(xs.floor), transformUs: median(xs.transform) };
}

/**
 * The floor line: what the draw alone costs against a step without noise,
 * beside the measured overhead (a step difference) and, when given, the
 * library's transform timed beside the floor (floorAndTransformUs).
 */
export function noiseFloorLine(label: string, elements: number, floorUs: number, quietStepMs: number, measuredOverhead: number, transformUs?: number): string {
  const share = floorUs / 1000 / quietStepMs;
  const transform = transformUs === undefined
    ? ""
    : `; the library's transform alone ${transformUs.toFixed(0)} µs (${(transformUs / floorUs).toFixed(2)}x the floor, ${((100 * transformUs) / 1000 / quietStepMs).toFixed(1)}% of the step)`;
  return `${label}, noise floor: drawing the step's ${elements.toLocaleString("en-US")} normals alone (Philox-4x32-10 + Box-Muller, WASM SIMD, added in place; no engine, no tensors) takes ${floorUs.toFixed(0)} µs, ${(100 * share).toFixed(1)}% of the step without noise; measured overhead ${(100 * measuredOverhead).toFixed(1)}%${transform}` +
    (share > 0.05 ? ": a 5% target is below what the draw alone costs here (one thread)" : "");
}
