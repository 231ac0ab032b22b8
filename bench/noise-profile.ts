/**
 * Where the philox gradient noise's time goes on one 20x50 MLP step (42
 * parameter tensors, 88,210 elements) on wasm, against the draw's floor:
 * `node build/bench/noise-profile.js` (BENCH_CLOCK=cpu for process CPU time).
 * Every part is timed in one process, interleaved per repetition (BENCH_REPS,
 * default 40; each a batch of 20 calls), and reported as the median µs per step:
 *
 * - floor: bench/noise-floor.ts's draw (every tensor filled and added in
 *   place, in a memory of its own: no engine, no tensors, no keys);
 * - simd: the SIMD fill per parameter from the gradients into separate,
 *   preallocated heap buffers (base + noise out of place, as the kernel writes);
 * - outputs: a no-op kernel making the 42 output tensors in one
 *   tf.engine().runKernel call, outputs disposed (the engine's tensor records,
 *   the backend's heap allocations and their disposal);
 * - many: philoxNormalMany, every parameter in one kernel call (segments precomputed);
 * - transform: addGradientNoise(...).transformGradients on the MLP's gradients
 *   (its parameter names, indices as the wrapper gives them), outputs disposed;
 * - keys: the 42 stream keys of a step (streamKeyOf, the seed hashed once).
 *
 * Derived: the kernel's JS = many - simd - outputs; the transform's own JS
 * (keys, segments, names) = transform - many; out of place vs in place = simd - floor.
 */
import "./clock";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../src/engine";
import { MLP } from "../src/models/mlp";
import { addGradientNoise, philoxSegments } from "../src/noise/gradient-noise";
import { StepContext } from "../src/noise/transform";
import { PURPOSE, seedKey, streamKeyOf } from "../src/random/philox";
import { philoxNormalMany, PhiloxSegment } from "../src/random/philox-kernel";
import { philoxSimd } from "../src/random/philox-simd";
import { median } from "../src/stats";
import { floorDraw } from "./noise-floor";

const NOOP = "GradnoiseProfileNoop";

interface WasmBackendLike {
  wasm: { asm: { memory: WebAssembly.Memory }; _malloc(bytes: number): number; _free(at: number): void };
  dataIdMap: { get(id: unknown): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

async function main(): Promise<void> {
  const reps = Number(process.env.BENCH_REPS ?? 40);
  const inner = 20;
  await selectBackend({ backend: "wasm" });
  tf.registerKernel({ kernelName: NOOP, backendName: "wasm", kernelFunc: ({ attrs, backend }) => (attrs as unknown as { shapes: number[][] }).shapes.map((s) => (backend as unknown as WasmBackendLike).makeOutput(s, "float32")) });
  const m = new MLP({ inputSize: 784, hidden: Array(20).fill(50), outputSize: 10, init: { kind: "normal", std: 0.1 }, seed: 0 });
  const shapes = m.variables.map((v) => v.shape);
  const names = m.variables.map((v) => v.name);
  m.dispose();
  const sizes = shapes.map((s) => s.reduce((a, b) => a * b, 1));
  const grads: tf.NamedTensorMap = Object.fromEntries(names.map((n, i) => [n, tf.zeros(shapes[i])]));
  const indices = new Map(names.map((n, i) => [n, i]));
  let step = 5;
  const ctx = { get step() { return step; }, names, paramIndex: (n: string) => indices.get(n)! } as unknown as StepContext;
  const transform = addGradientNoise({ eta: 0.01, seed: 0 });
  const std = 0.05;
  const segs: PhiloxSegment[][] = shapes.map((s, i) => philoxSegments(s, 0, i, 5, names[i]));
  const be = tf.backend() as unknown as WasmBackendLike;
  const simd = philoxSimd(be.wasm.asm.memory);
  const scratch = be.wasm._malloc(64);
  const outs = sizes.map((n) => be.wasm._malloc(4 * n));
  const bases = names.map((n) => be.dataIdMap.get(grads[n].dataId).memoryOffset);
  const floor = floorDraw(sizes);
  const key = seedKey(0);
  const disposeAll = (o: tf.NamedTensorMap | tf.Tensor[]) => { for (const t of Object.values(o)) t.dispose(); };

  const parts: Record<string, () => void> = {
    floor: () => floor(step++),
    simd: () => sizes.forEach((n, i) => simd.fill(outs[i], n, 0, segs[i][0].key, PURPOSE.gradientNoise, std, scratch, bases[i])),
    outputs: () => disposeAll(tf.engine().runKernel(NOOP, grads, { shapes } as unknown as tf.NamedAttrMap) as unknown as tf.Tensor[]),
    many: () => disposeAll(philoxNormalMany(names.map((n, i) => ({ base: grads[n], segments: segs[i] })), std, PURPOSE.gradientNoise)),
    transform: () => {
      step++;
      disposeAll(transform.transformGradients!(grads, ctx));
    },
    keys: () => void names.forEach((_, i) => streamKeyOf(key, i, step)),
  };
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(parts).map((k) => [k, []]));
  const before = tf.memory().numTensors;
  for (let r = 0; r < reps + 3; r++) {
    for (const [k, f] of Object.entries(parts)) {
      const t0 = performance.now();
      for (let j = 0; j < inner; j++) f();
      if (r >= 3) times[k].push(((performance.now() - t0) * 1000) / inner);
    }
  }
  if (tf.memory().numTensors !== before) throw new Error(`tensors leaked: ${before} -> ${tf.memory().numTensors}`);
  const med = Object.fromEntries(Object.entries(times).map(([k, xs]) => [k, median(xs)]));
  console.log(`wasm, MLP 20x50 gradients (${shapes.length} tensors, ${sizes.reduce((a, b) => a + b, 0)} elements), ${process.env.BENCH_CLOCK === "cpu" ? "process CPU time" : "wall clock"}, median of ${reps} x ${inner} calls, µs per step:`);
  for (const [k, v] of Object.entries(med)) console.log(`  ${k.padEnd(10)} ${v.toFixed(1)}`);
  console.log(`  => transform ${(med.transform / med.floor).toFixed(2)}x the floor: out of place vs in place ${(med.simd - med.floor).toFixed(1)}, output tensors ${med.outputs.toFixed(1)}, kernel JS ${(med.many - med.simd - med.outputs).toFixed(1)}, transform JS ${(med.transform - med.many).toFixed(1)} (keys ${med.keys.toFixed(1)})`);
  outs.forEach((o) => be.wasm._free(o));
  be.wasm._free(scratch);
  disposeAll(grads);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
