/**
 * Where the philox gradient noise's time goes on one 20x50 MLP step (42
 * parameter tensors, 88,210 elements) on wasm: `node build/bench/noise-profile.js`
 * (BENCH_CLOCK=cpu for process CPU time). Every part is timed in one process,
 * interleaved per repetition (BENCH_REPS, default 40; each a batch of 20
 * calls), and reported as the median µs per step:
 *
 * - transform: addGradientNoise(...).transformGradients on the MLP's gradient
 *   shapes, outputs disposed (wasm kernels run synchronously, so no read);
 * - old: the transform's body before philoxNormalMany (gradnoise 0.2 to
 *   session 26): mapGradients with one philoxNormal per parameter, its
 *   segments from philoxSegments (streamKey64 hashing the seed every time);
 * - keys: philoxSegments for every parameter (the stream keys, streamKey64);
 * - kernels: philoxNormal(shape, std, purpose, segments, g) per parameter with
 *   precomputed segments (engine + kernelFunc JS + SIMD fill);
 * - dispatch: a no-op kernel (makeOutput only) through tf.engine().runKernel
 *   with the same inputs and attrs, per parameter (engine + output record);
 * - simd: the SIMD module's fill (base + noise) per parameter into
 *   preallocated heap buffers, nothing else;
 * - many: philoxNormalMany, every parameter in one kernel call (segments precomputed).
 *
 * kernelFunc JS = kernels - dispatch - simd; the old transform's rest = old - kernels - keys.
 */
import "./clock";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../src/engine";
import { MLP } from "../src/models/mlp";
import { addGradientNoise, philoxSegments } from "../src/noise/gradient-noise";
import { mapGradients, StepContext } from "../src/noise/transform";
import { PURPOSE } from "../src/random/philox";
import { philoxNormal, philoxNormalMany, PhiloxSegment } from "../src/random/philox-kernel";
import { philoxSimd } from "../src/random/philox-simd";
import { median } from "../src/stats";

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
  tf.registerKernel({ kernelName: NOOP, backendName: "wasm", kernelFunc: ({ attrs, backend }) => (backend as unknown as WasmBackendLike).makeOutput((attrs as unknown as { shape: number[] }).shape, "float32") });
  const m = new MLP({ inputSize: 784, hidden: Array(20).fill(50), outputSize: 10, init: { kind: "normal", std: 0.1 }, seed: 0 });
  const shapes = m.variables.map((v) => v.shape);
  m.dispose();
  const names = shapes.map((_, i) => `p${i}`);
  const grads: tf.NamedTensorMap = Object.fromEntries(names.map((n, i) => [n, tf.zeros(shapes[i])]));
  const ctx = { step: 5, names, paramIndex: (n: string) => names.indexOf(n) } as unknown as StepContext;
  const transform = addGradientNoise({ eta: 0.01, seed: 0 });
  const std = 0.05;
  const segs: PhiloxSegment[][] = shapes.map((s, i) => philoxSegments(s, 0, i, 5, names[i]));
  const be = tf.backend() as unknown as WasmBackendLike;
  const simd = philoxSimd(be.wasm.asm.memory);
  const scratch = be.wasm._malloc(64);
  const outs = shapes.map((s) => be.wasm._malloc(4 * s.reduce((a, b) => a * b, 1)));
  const bases = names.map((n) => be.dataIdMap.get(grads[n].dataId).memoryOffset);

  const parts: Record<string, () => void> = {
    transform: () => tf.dispose(Object.values(transform.transformGradients!(grads, ctx))),
    old: () => tf.dispose(Object.values(mapGradients(grads, (g, name) => philoxNormal(g.shape, std, PURPOSE.gradientNoise, philoxSegments(g.shape, 0, ctx.paramIndex(name), 5, name), g)))),
    keys: () => void shapes.map((s, i) => philoxSegments(s, 0, i, 5, names[i])),
    kernels: () => tf.dispose(names.map((n, i) => philoxNormal(shapes[i], std, PURPOSE.gradientNoise, segs[i], grads[n]))),
    dispatch: () => tf.dispose(names.map((n, i) => tf.engine().runKernel(NOOP, { base: grads[n] }, { shape: [...shapes[i]], std, purpose: PURPOSE.gradientNoise, segments: segs[i] } as unknown as tf.NamedAttrMap) as tf.Tensor)),
    simd: () => shapes.forEach((_, i) => simd.fill(outs[i], segs[i][0].size, 0, segs[i][0].key, PURPOSE.gradientNoise, std, scratch, bases[i])),
    many: () => tf.dispose(philoxNormalMany(names.map((n, i) => ({ base: grads[n], segments: segs[i] })), std, PURPOSE.gradientNoise)),
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
  console.log(`wasm, MLP 20x50 gradients (${shapes.length} tensors, ${shapes.reduce((a, s) => a + s.reduce((x, y) => x * y, 1), 0)} elements), ${process.env.BENCH_CLOCK === "cpu" ? "process CPU time" : "wall clock"}, median of ${reps} x ${inner} calls, µs per step:`);
  for (const [k, v] of Object.entries(med)) console.log(`  ${k.padEnd(10)} ${v.toFixed(1)}`);
  console.log(`  => kernelFunc JS ${(med.kernels - med.dispatch - med.simd).toFixed(1)}, engine+makeOutput ${med.dispatch.toFixed(1)}, SIMD ${med.simd.toFixed(1)}, keys ${med.keys.toFixed(1)}, rest of the old transform ${(med.old - med.kernels - med.keys).toFixed(1)}; transform/old ${(med.transform / med.old).toFixed(3)}`);
  outs.forEach((o) => be.wasm._free(o));
  tf.dispose(Object.values(grads));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
