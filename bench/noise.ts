/**
 * `npm run bench` (noise part, bench/noise.ts): what gradient noise costs a
 * training step on wasm, per generator, and the raw generators' speed.
 *
 * Steps: the 20x50 ReLU MLP (batch 32 and 128, clip 10), MemN2N (bAbI tasks 1
 * and 2, per-matrix clip 40) and the 2x200 LSTM LM (batch 20, 20 steps,
 * global clip 5), each with noise off, "xoshiro" (host draw + upload) and
 * "philox" (drawn by the backend's kernel), interleaved per repetition; the
 * table gives median ms per step, the difference to "off", and the noise
 * transform timed alone on the model's parameter shapes as a share of the
 * noiseless step (on a loaded machine the step differences are noise; the
 * transform's own time is the overhead a quiet machine would see), beside the
 * draw's floor on the same shapes (bench/noise-floor.ts: the SIMD fills alone,
 * in place, no engine; what no implementation of this generator on one thread
 * can go below). PyTorch's own
 * randn_like noise overhead on the MLP comes from bench/torch_mlp.py in the
 * same run. Then ns per normal for 88k draws: xoshiro (JS), Philox JS,
 * Philox WebAssembly SIMD into the wasm heap (the kernel, tensor included),
 * Philox WGSL on webgpu when an adapter is present (lavapipe counts).
 * BENCH_REPS repetitions (default 5), BENCH_STEPS timed steps (default 50;
 * the LM a tenth of that).
 */
import * as tf from "@tensorflow/tfjs";
import { deviceLine, selectBackend } from "../src/engine";
import { prepareTask, TaskData } from "../src/families/memn2n";
import { MemN2N, MEMN2N_GATHER_KERNELS } from "../src/models/memn2n";
import { MLP } from "../src/models/mlp";
import { RnnLM } from "../src/models/rnn-lm";
import { addGradientNoise, NoiseGenerator } from "../src/noise/gradient-noise";
import { StepContext } from "../src/noise/transform";
import { philoxFill, PURPOSE, streamKey64 } from "../src/random/philox";
import { philoxNormal } from "../src/random/philox-kernel";
import { fillGaussian } from "../src/random/rng";
import { tableText } from "../src/report/table";
import { median } from "../src/stats";
import { buildOptimizer } from "../src/train/optimizer";
import { noiseFloorUs } from "./noise-floor";
import { fairPeer, peerLine, runPeerLines } from "./peer";
import { msPerLmWindow, msPerStep } from "./timing";

type Noise = "off" | NoiseGenerator;
const NOISES: Noise[] = ["off", "xoshiro", "philox"];
const noiseSpec = (n: Noise, eta: number) => (n === "off" ? null : { eta, seed: 0, generator: n });

async function mlpStep(batch: number, noise: Noise, steps: number): Promise<number> {
  const model = new MLP({ inputSize: 784, hidden: Array(20).fill(50), outputSize: 10, init: { kind: "normal", std: 0.1 }, seed: 0 });
  const opt = buildOptimizer({ lr: 0.1, clip: { globalNorm: 10 }, noise: noiseSpec(noise, 0.01) });
  const x = tf.randomUniform([batch, 784], 0, 1, "float32", 1) as tf.Tensor2D;
  const y = tf.oneHot(tf.randomUniform([batch], 0, 10, "int32", 2) as tf.Tensor1D, 10).toFloat() as tf.Tensor2D;
  const ms = await msPerStep((_, read) => opt.minimize(() => model.loss(x, y), read, model.variables), steps, 20);
  tf.dispose([x, y]);
  opt.dispose();
  model.dispose();
  return ms;
}

async function memn2nStep(data: TaskData, noise: Noise, steps: number): Promise<number> {
  const m = new MemN2N({ vocabSize: data.vocab.length, memorySize: data.memorySize, seed: 0, lookup: "bag" });
  const opt = buildOptimizer({ lr: 0.005, clip: { norm: 40 }, noise: noiseSpec(noise, 0.01) });
  const ms = await msPerStep((s, read) => {
    const b = m.encode(Array.from({ length: 32 }, (_, i) => data.train[(s * 32 + i) % data.train.length]));
    const cost = opt.minimize(() => m.loss(b), read, m.weights);
    b.dispose();
    return cost;
  }, steps, 10);
  opt.dispose();
  m.dispose();
  return ms;
}

async function lmStep(noise: Noise, steps: number): Promise<number> {
  const V = 10000, B = 20, T = 20, warmup = 2;
  const m = new RnnLM({ vocabSize: V, hidden: 200, layers: 2, cell: "lstm", seed: 0, lookup: "scatter", softmax: "fused", hiddenNoise: null });
  const opt = buildOptimizer({ lr: 1, clip: { globalNorm: 5 }, noise: noiseSpec(noise, 0.01), checkFinite: false });
  const ms = await msPerLmWindow(m, opt, { vocab: V, batch: B, window: T, steps, warmup });
  opt.dispose();
  m.dispose();
  return ms;
}

/**
 * The noise transform alone on zero gradients of `shapes` at step 5, ms per
 * call, over samples of `inner` calls whose last result is read back (one
 * element: the backend's work is counted, and the read's own cost, ~50 µs on
 * wasm, is spread over the sample instead of added to every call): step-time
 * differences drown in this machine's load, the transform's own time does not.
 */
async function noiseAloneMs(shapes: number[][], generator: NoiseGenerator, reps: number, inner = 5): Promise<number> {
  const t = addGradientNoise({ eta: 0.01, seed: 0, generator });
  const names = shapes.map((_, i) => `p${i}`);
  const grads = Object.fromEntries(names.map((n, i) => [n, tf.zeros(shapes[i])]));
  const ctx = { step: 5, names, paramIndex: (n: string) => names.indexOf(n) } as unknown as StepContext;
  const xs: number[] = [];
  for (let r = 0; r < reps + 2; r++) {
    const t0 = performance.now();
    let out: tf.NamedTensorMap = {};
    for (let j = 0; j < inner; j++) {
      tf.dispose(Object.values(out));
      out = t.transformGradients!(grads, ctx);
    }
    const last = out[names[names.length - 1]];
    const one = tf.slice(last, Array(last.rank).fill(0), Array(last.rank).fill(1));
    await one.data();
    if (r >= 2) xs.push((performance.now() - t0) / inner);
    tf.dispose([one, ...Object.values(out)]);
  }
  tf.dispose(Object.values(grads));
  t.dispose?.();
  return median(xs);
}

/** ns per normal of `fill` over n draws, median of reps. */
function nsPerNormal(n: number, reps: number, fill: () => void): number {
  fill();
  const xs: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    fill();
    xs.push(((performance.now() - t0) * 1e6) / n);
  }
  return median(xs);
}

/** The WGSL kernel's ns per normal, waited for (a read of one element), on a WebGPU adapter (a software one counts); none: no row. */
async function webgpuRow<T>(n: number, reps: number, key: [number, number], gen: (name: string, ns: number) => T): Promise<T[]> {
  try {
    await selectBackend({ backend: "webgpu", allowSoftwareAdapter: true });
  } catch (e) {
    console.log(`webgpu: not measured (${(e as Error).message.split("\n")[0]})`);
    return [];
  }
  const once = async () => {
    const t = philoxNormal([n], 1, PURPOSE.gradientNoise, [{ offset: 0, size: n, key }]);
    const one = tf.slice(t, [n - 1], [1]);
    await one.data();
    tf.dispose([t, one]);
  };
  await once();
  const xs: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    await once();
    xs.push(((performance.now() - t0) * 1e6) / n);
  }
  const adapter = deviceLine();
  await selectBackend({ backend: "wasm" });
  return [gen(`Philox (WGSL: the webgpu kernel, ${adapter}; includes a 1-element read)`, median(xs))];
}

async function main(): Promise<void> {
  const reps = Number(process.env.BENCH_REPS ?? 5);
  const steps = Number(process.env.BENCH_STEPS ?? 50);
  await selectBackend({ backend: "wasm", requiredKernels: MEMN2N_GATHER_KERNELS });
  console.log(`Gradient noise overhead on wasm (${reps} interleaved repetitions, medians):`);
  const mlpShapes = () => {
    const m = new MLP({ inputSize: 784, hidden: Array(20).fill(50), outputSize: 10, init: { kind: "normal", std: 0.1 }, seed: 0 });
    const s = m.variables.map((v) => v.shape);
    m.dispose();
    return s;
  };
  const memShapes = (data: TaskData) => {
    const m = new MemN2N({ vocabSize: data.vocab.length, memorySize: data.memorySize, seed: 0, lookup: "bag" });
    const s = m.weights.map((v) => v.shape);
    m.dispose();
    return s;
  };
  const lmShapes = () => {
    const m = new RnnLM({ vocabSize: 10000, hidden: 200, layers: 2, cell: "lstm", seed: 0, lookup: "scatter", softmax: "fused", hiddenNoise: null });
    const s = m.trainableVariables.map((v) => v.shape);
    m.dispose();
    return s;
  };
  const tasks = [1, 2].map((task) => ({ task, data: prepareTask(task) }));
  const models: { name: string; run: (n: Noise) => Promise<number>; shapes: number[][] }[] = [
    { name: "MLP 20x50, batch 32", run: (n) => mlpStep(32, n, steps), shapes: mlpShapes() },
    { name: "MLP 20x50, batch 128", run: (n) => mlpStep(128, n, steps), shapes: mlpShapes() },
    ...tasks.map(({ task, data }) => ({ name: `MemN2N task ${task}, batch 32`, run: (n: Noise) => memn2nStep(data, n, steps), shapes: memShapes(data) })),
    { name: "LSTM LM 2x200, batch 20x20", run: (n) => lmStep(n, Math.max(2, Math.round(steps / 10))), shapes: lmShapes() },
  ];
  const rows: Record<string, string>[] = [];
  for (const m of models) {
    const ms: Record<Noise, number[]> = { off: [], xoshiro: [], philox: [] };
    for (let r = 0; r < reps; r++) for (const n of NOISES) ms[n].push(await m.run(n));
    const off = median(ms.off);
    const pct = (n: Noise) => `${(100 * (median(ms[n]) / off - 1)).toFixed(1)}%`;
    const alone = { xoshiro: await noiseAloneMs(m.shapes, "xoshiro", reps * 4), philox: await noiseAloneMs(m.shapes, "philox", reps * 4) };
    const floorMs = noiseFloorUs(m.shapes.map((s) => s.reduce((x, y) => x * y, 1)), reps * 4, 5) / 1000;
    const share = (ms: number) => `${ms.toFixed(3)} (${((100 * ms) / off).toFixed(1)}%)`;
    const params = m.shapes.reduce((a, s) => a + s.reduce((x, y) => x * y, 1), 0);
    rows.push({ "step (wasm)": m.name, parameters: String(params), "off ms": off.toFixed(2), "xoshiro ms": median(ms.xoshiro).toFixed(2), "philox ms": median(ms.philox).toFixed(2), "step diff xoshiro": pct("xoshiro"), "step diff philox": pct("philox"), "xoshiro alone ms (% of step)": share(alone.xoshiro), "philox alone ms (% of step)": share(alone.philox), "philox floor ms (% of step)": share(floorMs) });
  }
  console.log(tableText(rows));

  const peer = fairPeer();
  console.log(peerLine(peer));
  if (peer) {
    const lines = runPeerLines<{ batch: number; noise: boolean; examplesPerSec: number }>(peer, "torch_mlp.py", [steps * 4, reps]);
    for (const batch of [32, 128]) {
      const on = lines.find((l) => l.batch === batch && l.noise), off = lines.find((l) => l.batch === batch && !l.noise);
      if (on && off) console.log(`PyTorch MLP 20x50, batch ${batch}: randn_like noise overhead ${(100 * (off.examplesPerSec / on.examplesPerSec - 1)).toFixed(1)}% (${off.examplesPerSec.toFixed(0)} -> ${on.examplesPerSec.toFixed(0)} examples/s)`);
    }
  }

  const n = 88_000;
  const out = new Float32Array(n);
  const key = streamKey64(0, 0, 0);
  const gen = (name: string, ns: number) => ({ "generator, 88k normals": name, "ns per normal": ns.toFixed(2) });
  console.log(
    tableText([
      gen("xoshiro128** + polar (JS, host; upload not included)", nsPerNormal(n, reps * 4, () => fillGaussian(out, 1, 0, "grad-noise", 0, 0))),
      gen("Philox-4x32-10 + Box-Muller (JS: the cpu kernel)", nsPerNormal(n, reps * 4, () => philoxFill(out, 0, n, key, PURPOSE.gradientNoise, 1))),
      gen("Philox (WebAssembly SIMD: the wasm kernel, into the heap)", nsPerNormal(n, reps * 4, () => tf.dispose(philoxNormal([n], 1, PURPOSE.gradientNoise, [{ offset: 0, size: n, key }])))),
      ...(await webgpuRow(n, reps * 4, key, gen)),
    ]),
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
