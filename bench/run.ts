/**
 * `npm run bench`: examples per second of the 20x50 ReLU MLP SGD step
 * (Section 4.1's network; global-norm clip 10), gradient noise off and on, on
 * every backend this machine has (bench/backends.ts; BENCH_BACKENDS to pick),
 * and the same workload in PyTorch on one CPU thread when `python3 -c "import
 * torch"` works (Debian python3-torch), all in one run so the ratios compare
 * like with like. The loss is read (`await data()`) every 10 steps, as the
 * trainers log it; the NaN check (default: sync on CPU backends, deferred on a
 * device) is flushed there too. Rows "check ..." time the same noisy step with
 * the NaN check off, sync (a read every step) and deferred (noise/optimizer.ts).
 * Noise is the default generator's (Philox-4x32-10, drawn by one kernel call
 * per step on the device: WASM SIMD here, WGSL on webgpu); the "noise
 * prefetched" rows use the xoshiro stream the committed results pin, drawn on
 * a worker. On wasm the last lines give the draw's own floor and the library's
 * noise transform timed beside it (noise-floor.ts).
 * BENCH_STEPS sets the timed steps per repetition (default 200), BENCH_REPS
 * the repetitions (default 5, variants interleaved so drift hits all alike);
 * the table shows the median and the min-max range.
 */
import * as tf from "@tensorflow/tfjs";
import { devicePacer } from "../src/engine/webgpu";
import { MLP } from "../src/models/mlp";
import { addGradientNoise, clipByGlobalNorm, skipNonFinite } from "../src/noise";
import { FiniteRead } from "../src/noise/finite";
import { withTransforms } from "../src/noise/optimizer";
import { POPULATION_TRAINING_KERNELS, PopulationMLP } from "../src/models/population-mlp";
import { buildOptimizer } from "../src/train/optimizer";
import { tableText } from "../src/report/table";
import { median } from "../src/stats";
import { BenchBackend, benchBackends, use } from "./backends";
import { fairPeer, Peer, peerLine, runPeerLines } from "./peer";
import { boundLine, kernelFloorUs, StepKernels, stepKernels, torchOpFloorUs } from "./bound";
import { floorAndTransformUs, noiseFloorLine } from "./noise-floor";

/** Loss read every this many steps (trainClassifier's default logEvery). */
const READ_EVERY = 10;

interface Row {
  backend: string;
  impl: string;
  check?: string;
  batch: number;
  noise: boolean;
  examplesPerSec: number;
  min?: number;
  max?: number;
}


/** Section 4.1's network, as every row here builds it. */
const NET = { inputSize: 784, hidden: Array(20).fill(50) as number[], outputSize: 10 };

/** One model and optimizer for the bench's step; `step(read)` runs one SGD step, returning the loss when read. */
function makeStep(batch: number, noise: boolean, prefetch = false, check: FiniteRead | false = "auto") {
  const model = new MLP({ ...NET, init: { kind: "normal", std: 0.1 }, seed: 0 });
  // The recipe (skip non-finite, clip, then noise, then SGD), with every way of reading the finiteness check.
  // Noise on the backend (Philox, the default); the prefetched row draws the host streams (xoshiro) on a worker.
  const guard = check === false ? [] : [skipNonFinite({ read: check })];
  const opt = withTransforms(tf.train.sgd(0.1), [...guard, clipByGlobalNorm(10), ...(noise ? [addGradientNoise({ eta: 0.01, seed: 0, ...(prefetch ? { prefetch, generator: "xoshiro" as const } : {}) })] : [])]);
  const x = tf.randomUniform([batch, 784], 0, 1, "float32", 1) as tf.Tensor2D;
  const y = tf.oneHot(tf.randomUniform([batch], 0, 10, "int32", 2) as tf.Tensor1D, 10).toFloat() as tf.Tensor2D;
  return {
    step: (read: boolean) => opt.minimize(() => model.loss(x, y), read, model.variables),
    dispose: () => {
      tf.dispose([x, y]);
      opt.dispose();
      model.dispose();
    },
  };
}

async function benchTfjs(batch: number, noise: boolean, steps: number, warmup = 20, prefetch = false, check: FiniteRead | false = "auto"): Promise<number> {
  const { step, dispose } = makeStep(batch, noise, prefetch, check);
  // Paced as runSteps paces the trainers (on webgpu: each step waits for the one before it).
  const pace = devicePacer();
  let t0 = 0;
  for (let s = 0; s < warmup + steps; s++) {
    if (s === warmup) t0 = performance.now();
    const last = s === warmup + steps - 1;
    const read = s % READ_EVERY === 0 || last;
    const cost = step(read);
    if (cost) {
      await cost.data(); // the loss read when logging: waits for the device's queue
      cost.dispose();
    }
    await pace();
  }
  const secs = (performance.now() - t0) / 1000;
  dispose();
  return (batch * steps) / secs;
}

/** The kernels of one noisy step (after a few warm-up steps), for the bound line. */
async function profileStep(batch: number): Promise<StepKernels> {
  const { step, dispose } = makeStep(batch, true);
  for (let s = 0; s < 3; s++) step(false);
  const k = await stepKernels(() => step(true));
  dispose();
  return k;
}

/** A population of `runs` nets, each with its own batch, clip, noise stream and learning rate. */
async function benchPopulation(runs: number, batch: number, steps: number, warmup = 3): Promise<number> {
  const seeds = Array.from({ length: runs }, (_, r) => r);
  const model = new PopulationMLP({ ...NET, init: { kind: "normal", std: 0.1 }, seeds });
  const opt = buildOptimizer({ lr: seeds.map((r) => (r % 2 ? 0.01 : 0.1)), runs, clip: { globalNorm: 10 }, noise: { eta: 0.01, seed: seeds } });
  const x = tf.randomUniform([runs, batch, 784], 0, 1, "float32", 1) as tf.Tensor3D;
  const y = tf.reshape(tf.oneHot(tf.randomUniform([runs * batch], 0, 10, "int32", 2) as tf.Tensor1D, 10), [runs, batch, 10]).toFloat() as tf.Tensor3D;
  let t0 = 0;
  for (let s = 0; s < warmup + steps; s++) {
    if (s === warmup) t0 = performance.now();
    let per: tf.Tensor1D | undefined;
    tf.tidy(() => {
      opt.minimize(() => {
        const l = model.lossPerRun(x, y);
        per = tf.keep(tf.clone(l));
        return tf.sum(l);
      }, false, model.variables);
    });
    await per!.data(); // per-run losses read every step
    per!.dispose();
  }
  const secs = (performance.now() - t0) / 1000;
  tf.dispose([x, y]);
  opt.dispose();
  model.dispose();
  return (runs * batch * steps) / secs;
}

function benchTorch(peer: Peer | null, steps: number, reps: number): Row[] {
  return peer ? runPeerLines<Row>(peer, "torch_mlp.py", [steps, reps]) : [];
}

/** The wasm draw's floor and the library's transform beside it (noise-floor.ts), for the noise floor lines. */
let noiseFloor: { backend: string; us: number; transformUs: number; elements: number } | undefined;

/** Shapes of the bench MLP's parameters (one step's gradients). */
function mlpShapes(): number[][] {
  const dims = [NET.inputSize, ...NET.hidden, NET.outputSize];
  return dims.slice(1).flatMap((out, i) => [[dims[i], out], [out]]);
}

/** Per backend and batch: the noisy step's kernels and the floor per kernel, for the bound lines. */
const profiles: { backend: string; batch: number; floorUs: number; kernels: StepKernels }[] = [];

async function benchBackend(b: BenchBackend, steps: number, reps: number, popRuns: number, popSteps: number): Promise<Row[]> {
  await use(b, POPULATION_TRAINING_KERNELS);
  console.log(`  ${b.label}: ${b.engine}`);
  const rows: Row[] = [];
  for (const batch of [32, 128]) {
    const runs: Record<string, number[]> = { off: [], on: [], prefetch: [] };
    for (let r = 0; r < reps; r++) {
      runs.off.push(await benchTfjs(batch, false, steps));
      runs.on.push(await benchTfjs(batch, true, steps));
      runs.prefetch.push(await benchTfjs(batch, true, steps, 20, true));
    }
    for (const [kind, noise] of [["off", false], ["on", true], ["prefetch", true]] as const) {
      const xs = runs[kind];
      const impl = `tfjs${kind === "prefetch" ? " (noise prefetched)" : ""}`;
      rows.push({ backend: b.label, impl, batch, noise, examplesPerSec: median(xs), min: Math.min(...xs), max: Math.max(...xs) });
    }
  }
  // The NaN check's cost, batch 128, noise on. webgpu cannot read synchronously: no "sync" there.
  const checks: (FiniteRead | false)[] = b.name === "webgpu" ? [false, "deferred"] : [false, "sync", "deferred"];
  const byCheck = new Map<FiniteRead | false, number[]>(checks.map((c) => [c, []]));
  for (let r = 0; r < reps; r++) for (const c of checks) byCheck.get(c)!.push(await benchTfjs(128, true, steps, 20, false, c));
  for (const c of checks) {
    const xs = byCheck.get(c)!;
    rows.push({ backend: b.label, impl: "tfjs", check: c === false ? "off" : String(c), batch: 128, noise: true, examplesPerSec: median(xs), min: Math.min(...xs), max: Math.max(...xs) });
  }
  // What bounds the step: its kernels (noise on) and this backend's floor per kernel, measured now.
  const floorUs = await kernelFloorUs();
  if (b.name === "wasm") {
    const { floorUs: drawUs, transformUs } = floorAndTransformUs(mlpShapes());
    noiseFloor = { backend: b.label, us: drawUs, transformUs, elements: mlpShapes().reduce((a, s) => a + s.reduce((x, y) => x * y, 1), 0) };
  }
  for (const batch of [32, 128]) profiles.push({ backend: b.label, batch, floorUs, kernels: await profileStep(batch) });
  if (popRuns > 0) {
    for (const batch of [32, 128]) {
      const xs: number[] = [];
      for (let r = 0; r < Math.min(reps, 3); r++) xs.push(await benchPopulation(popRuns, batch, popSteps));
      rows.push({ backend: b.label, impl: `tfjs population x${popRuns}`, batch, noise: true, examplesPerSec: median(xs), min: Math.min(...xs), max: Math.max(...xs) });
    }
  }
  return rows;
}

async function main(): Promise<void> {
  const steps = Number(process.env.BENCH_STEPS ?? 200);
  const reps = Number(process.env.BENCH_REPS ?? 5);
  const popRuns = Number(process.env.BENCH_POP_RUNS ?? 40);
  const popSteps = Number(process.env.BENCH_POP_STEPS ?? 10);
  const { backends, skipped } = await benchBackends(POPULATION_TRAINING_KERNELS);
  console.log(`bench: 20x50 ReLU MLP, 784 -> 10, SGD lr 0.1, clip 10, eta 0.01; median of ${reps} x ${steps} timed steps (population: ${Math.min(reps, 3)} x ${popSteps}); loss read every ${READ_EVERY} steps; backends:`);
  const rows: Row[] = [];
  for (const b of backends) {
    const mine = await benchBackend(b, steps, reps, popRuns, popSteps);
    for (const r of mine) console.log(`  ${JSON.stringify(r)}`); // progress, and kept if a later backend fails
    rows.push(...mine);
  }
  for (const s of skipped) console.log(`  not benched: ${s}`);
  const peer = fairPeer();
  console.log(`  ${peerLine(peer)}`);
  const torch = benchTorch(peer, steps, reps).map((r) => ({ ...r, backend: "pytorch cpu (1 thread)" }));
  rows.push(...torch);
  const peerOf = (batch: number, noise: boolean) => torch.find((r) => r.batch === batch && r.noise === noise);
  const base = (r: Row) => r.impl.replace(" (noise prefetched)", "");
  const single = (r: Row) => rows.find((q) => q.backend === r.backend && q.impl === "tfjs" && !q.check && q.batch === r.batch && q.noise)!;
  const out = rows.map((r) => {
    const quiet = rows.find((q) => q.backend === r.backend && q.impl === base(r) && !q.check && q.batch === r.batch && !q.noise);
    const checkOff = rows.find((q) => q.backend === r.backend && q.check === "off" && q.batch === r.batch);
    const peer = peerOf(r.batch, r.noise);
    return {
      backend: r.backend,
      impl: r.impl,
      "NaN check": r.check ?? (r.backend.startsWith("pytorch") ? "" : "default"),
      batch: r.batch,
      noise: r.noise ? "on" : "off",
      "examples/s": Math.round(r.examplesPerSec),
      range: r.min !== undefined ? `${Math.round(r.min)}-${Math.round(r.max!)}` : "",
      overhead: r.check && r.check !== "off" && checkOff
        ? `check ${((checkOff.examplesPerSec / r.examplesPerSec - 1) * 100).toFixed(1)}%`
        : r.noise && !r.check && quiet ? `noise ${((quiet.examplesPerSec / r.examplesPerSec - 1) * 100).toFixed(1)}%` : "",
      "vs single run": r.impl.includes("population") ? `${(r.examplesPerSec / single(r).examplesPerSec).toFixed(2)}x` : "",
      "PyTorch / this": peer && !r.backend.startsWith("pytorch") && !r.check ? (peer.examplesPerSec / r.examplesPerSec).toFixed(2) : "",
    };
  });
  console.log(tableText(out));
  const peerFloorUs = torchOpFloorUs(peer);
  for (const p of profiles) {
    const mine = rows.find((r) => r.backend === p.backend && r.impl === "tfjs" && !r.check && r.batch === p.batch && r.noise)!;
    const theirs = peerOf(p.batch, true);
    console.log(await boundLine({
      label: `${p.backend}, batch ${p.batch}, noise on`,
      step: p.kernels,
      floorUs: p.floorUs,
      stepMs: (1000 * p.batch) / mine.examplesPerSec,
      peerStepMs: theirs ? (1000 * p.batch) / theirs.examplesPerSec : null,
      peerFloorUs,
    }));
  }
  const floor = noiseFloor;
  for (const batch of floor ? [32, 128] : []) {
    const of = (noise: boolean) => rows.find((r) => r.backend === floor!.backend && r.impl === "tfjs" && !r.check && r.batch === batch && r.noise === noise)!;
    const [quiet, noisy] = [of(false), of(true)];
    console.log(noiseFloorLine(`${floor!.backend}, batch ${batch}`, floor!.elements, floor!.us, (1000 * batch) / quiet.examplesPerSec, quiet.examplesPerSec / noisy.examplesPerSec - 1, floor!.transformUs));
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
