/**
 * `npm run bench` (NRAM part): training steps per second of the NRAM on ListK
 * at the section's cpu sizes (10 cells, 4 registers, 5 timesteps, LSTM 32,
 * batch 50; clips 10/10, entropy bonus, Adam), with and without annealed
 * noise, on every backend this machine has (BENCH_BACKENDS to pick), beside
 * the same step in PyTorch (bench/torch_nram.py, one thread) in the same run.
 * Batches are built in JS (in Python for the peer) every step, and the loss
 * and batch error read every step, as the trainer does for its curriculum.
 * BENCH_STEPS (default 20) / BENCH_REPS (default 3). The pure-JS cpu backend
 * (over 2 s a step here) and a software WebGPU adapter (slower still) are
 * benched only when BENCH_BACKENDS names them.
 */
import * as tf from "@tensorflow/tfjs";
import { benchBackends, use, withAndWithoutNoise } from "./backends";
import { fairPeer, Peer, peerLine, runPeer } from "./peer";
import { boundLine, kernelFloorUs, StepKernels, stepKernels, torchOpFloorUs } from "./bound";
import { curriculumBatch, NramModel, nramTransforms } from "../src/families/nram";
import { withTransforms } from "../src/noise/optimizer";
import { tableText } from "../src/report/table";
import { median } from "../src/stats";

const SIZES = { memory: 10, registers: 4, timesteps: 5, hidden: 32, batch: 50, maxLength: 3 };

/** One model and optimizer; `step(s)` builds batch s in JS and runs one step, returning the objective (read every step as the trainer does). */
function makeStep(noise: boolean) {
  const m = new NramModel({ memory: SIZES.memory, registers: SIZES.registers, timesteps: SIZES.timesteps, hidden: SIZES.hidden, clipActivation: 10, eps: 1e-6 }, 0);
  const opt = withTransforms(tf.train.adam(0.01), nramTransforms(10, noise ? { kind: "annealed", eta: 0.01, gamma: 0.55 } : { kind: "none" }, 0));
  return {
    step: (s: number) => {
      const b = curriculumBatch({ memory: SIZES.memory, maxLength: SIZES.maxLength }, SIZES.batch, 2, 0, s);
      return tf.tidy(() => opt.minimize(() => m.objective(tf.tensor1d(b.memory, "int32"), tf.tensor1d(b.target, "int32"), 0.01).objective, true, m.variables)!);
    },
    dispose: () => {
      opt.dispose();
      m.dispose();
    },
  };
}

/** Steps per second over `steps` timed steps after `warmup`. */
async function benchStep(steps: number, noise: boolean, warmup = 3): Promise<number> {
  const { step, dispose } = makeStep(noise);
  let t0 = 0;
  for (let s = 0; s < warmup + steps; s++) {
    if (s === warmup) t0 = performance.now();
    const cost = step(s);
    await cost.data();
    cost.dispose();
  }
  const secs = (performance.now() - t0) / 1000;
  dispose();
  return steps / secs;
}

/** The kernels of one noisy step (after warm-up steps), for the bound line. */
async function profileStep(): Promise<StepKernels> {
  const { step, dispose } = makeStep(true);
  for (let s = 0; s < 3; s++) step(s).dispose();
  const k = await stepKernels(() => step(3));
  dispose();
  return k;
}

function benchTorch(peer: Peer | null, steps: number, reps: number): number[] {
  return peer ? runPeer<number[]>(peer, "torch_nram.py", [SIZES.memory, SIZES.registers, SIZES.timesteps, SIZES.hidden, SIZES.batch, steps, reps]) : [];
}

async function main(): Promise<void> {
  const steps = Number(process.env.BENCH_STEPS ?? 20);
  const reps = Number(process.env.BENCH_REPS ?? 3);
  if (!process.env.BENCH_BACKENDS) process.env.BENCH_BACKENDS = "tensorflow,wasm";
  const { backends, skipped } = await benchBackends([]);
  console.log(`\nbench: NRAM training step on ListK, M ${SIZES.memory}, R ${SIZES.registers}, T ${SIZES.timesteps}, LSTM ${SIZES.hidden}, batch ${SIZES.batch}; median of ${reps} x ${steps} steps; backends:`);
  const torchPeer = fairPeer();
  console.log(`  ${peerLine(torchPeer)}`);
  const torch = benchTorch(torchPeer, steps, reps);
  const peer = torch.length ? median(torch) : NaN;
  const peerFloorUs = torchOpFloorUs(torchPeer);
  const rows: Record<string, string | number>[] = [];
  const bounds: string[] = [];
  for (const b of backends) {
    await use(b, []);
    console.log(`  ${b.label}: ${b.engine}`);
    const { noisy: n, plain: q } = await withAndWithoutNoise(reps, (noise) => benchStep(steps, noise));
    rows.push({
      backend: b.label,
      "steps/s (noise)": n.toFixed(2),
      "ms/step": (1000 / n).toFixed(0),
      "noise overhead": `${((q / n - 1) * 100).toFixed(1)}%`,
      "pytorch steps/s": Number.isNaN(peer) ? "" : peer.toFixed(2),
      "PyTorch / tfjs": Number.isNaN(peer) ? "" : (peer / n).toFixed(2),
    });
    bounds.push(await boundLine({
      label: `${b.label}, noise on`,
      step: await profileStep(),
      floorUs: await kernelFloorUs(),
      stepMs: 1000 / n,
      peerStepMs: Number.isNaN(peer) ? null : 1000 / peer,
      peerFloorUs,
    }));
  }
  for (const s of skipped) console.log(`  not benched: ${s}`);
  console.log(tableText(rows));
  for (const l of bounds) console.log(l);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
