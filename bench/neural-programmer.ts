/**
 * `npm run bench` (Neural Programmer part): questions per second of one
 * training step of the Section 4.3 model (d 32, batch 50, T 4, Adam, global
 * clip 10, annealed noise eta 1.0 after the clip) on the single-column and
 * five-column tasks, beside the same step in PyTorch (one thread, random
 * inputs of the same shapes) run in the same process tree. Three tfjs
 * numbers: the step as training runs it (questions generated and encoded in
 * JS every step), the step on a batch encoded once (the model alone, what
 * the PyTorch peer measures), and the same without noise (the noise
 * overhead). The loss is read with `await data()` every 10 steps. Every
 * backend this machine has (bench/backends.ts; BENCH_BACKENDS to pick);
 * BENCH_STEPS / BENCH_REPS as in bench/run.ts.
 */
import * as tf from "@tensorflow/tfjs";
import { BenchBackend, benchBackends, use } from "./backends";
import { fairPeer, Peer, peerLine, runPeer } from "./peer";
import { boundLine, kernelFloorUs, StepKernels, stepKernels, torchOpFloorUs } from "./bound";
import { defaultTask, encodeBatch, generateExample, modelFor, npLoss, NPBatch, TaskConfig, TaskKind } from "../src/families/neural-programmer";
import { NP_TRAINING_KERNELS } from "../src/sections/neural-programmer";
import { buildOptimizer } from "../src/train/optimizer";
import { tableText } from "../src/report/table";
import { median } from "../src/stats";
import { msPerStep } from "./timing";

const D = 32;
const B = 50;

/** One model and optimizer; `step(s, read)` runs one step on batch s (`fixed`: one batch encoded once, else generated and encoded every step as in training). */
function makeStep(task: TaskConfig, o: { noise: boolean; fixed: boolean }) {
  const { model, vocab } = modelFor(task, { hidden: D, initStd: 0.1, seed: 0 });
  const opt = buildOptimizer({ optimizer: "adam", lr: 0.003, clip: { globalNorm: 10 }, noise: o.noise ? { eta: 1, seed: 0 } : null, checkFinite: false });
  const make = (s: number) => encodeBatch(Array.from({ length: B }, (_, i) => generateExample(task, "train", 0, s * B + i)), vocab, task.maxColumns);
  const once = o.fixed ? make(0) : undefined;
  return {
    step: (s: number, read: boolean) => {
      const b: NPBatch = once ?? make(s);
      const cost = opt.minimize(() => npLoss(model.forward(b), b, { delta: 10, lambda: 50 }), read, model.variables);
      if (!once) b.dispose();
      return cost;
    },
    dispose: () => {
      once?.dispose();
      opt.dispose();
      model.dispose();
    },
  };
}

/** Questions per second over `steps` timed steps. */
async function benchStep(task: TaskConfig, steps: number, o: { noise: boolean; fixed: boolean }, warmup = 5): Promise<number> {
  const { step, dispose } = makeStep(task, o);
  const secs = (await msPerStep(step, steps, warmup)) * steps / 1000;
  dispose();
  return (B * steps) / secs;
}

/** The kernels of one noisy model step (batch encoded once, after warm-up steps), for the bound line. */
async function profileStep(task: TaskConfig): Promise<StepKernels> {
  const { step, dispose } = makeStep(task, { noise: true, fixed: true });
  for (let s = 0; s < 3; s++) step(s, false);
  const k = await stepKernels(() => step(3, true));
  dispose();
  return k;
}

/** The shapes a batch of this task has (question length, rows, columns), for the PyTorch peer. */
function shapes(task: TaskConfig): { V: number; L: number; M: number; C: number } {
  const { vocab } = modelFor(task, { hidden: 2, initStd: 0.1, seed: 0 });
  const b = encodeBatch(Array.from({ length: B }, (_, i) => generateExample(task, "train", 0, i)), vocab, task.maxColumns);
  const out = { V: vocab.length, L: b.tokens.shape[1], M: b.values.shape[1], C: b.values.shape[2] };
  b.dispose();
  return out;
}

function benchTorch(peer: Peer | null, s: { V: number; L: number; M: number; C: number }, steps: number, reps: number, noise: boolean): number[] {
  return peer ? runPeer<number[]>(peer, "torch_neural_programmer.py", [s.V, D, B, s.L, s.M, s.C, steps, reps, noise ? 1 : 0]) : [];
}

async function main(): Promise<void> {
  const steps = Number(process.env.BENCH_STEPS ?? 50);
  const reps = Number(process.env.BENCH_REPS ?? 3);
  const { backends, skipped } = await benchBackends(NP_TRAINING_KERNELS);
  console.log(`\nbench: Neural Programmer step, d ${D}, batch ${B}, T 4, Adam, clip 10, noise eta 1.0; median of ${reps} x ${steps} steps; backends:`);
  const kinds: TaskKind[] = ["single", "five"];
  const peer = fairPeer();
  console.log(`  ${peerLine(peer)}`);
  const torch = Object.fromEntries(kinds.map((k) => {
    const s = shapes(defaultTask(k));
    return [k, { s, noisy: benchTorch(peer, s, steps, reps, true), quiet: benchTorch(peer, s, steps, reps, false) }];
  }));
  const peerFloorUs = torchOpFloorUs(peer);
  const rows: Record<string, string | number>[] = [];
  const bounds: string[] = [];
  const bench = async (b: BenchBackend) => {
    await use(b, NP_TRAINING_KERNELS);
    console.log(`  ${b.label}: ${b.engine}`);
    for (const kind of kinds) {
      const task = defaultTask(kind);
      const r = { train: [] as number[], model: [] as number[], quiet: [] as number[] };
      for (let i = 0; i < reps; i++) {
        r.train.push(await benchStep(task, steps, { noise: true, fixed: false }));
        r.model.push(await benchStep(task, steps, { noise: true, fixed: true }));
        r.quiet.push(await benchStep(task, steps, { noise: false, fixed: true }));
      }
      const [train, model, quiet] = [median(r.train), median(r.model), median(r.quiet)];
      const t = torch[kind];
      const peerRate = t.noisy.length ? median(t.noisy) : NaN;
      rows.push({
        backend: b.label,
        task: `${kind} (L ${t.s.L}, M ${t.s.M}, C ${t.s.C})`,
        "training step (q/s)": Math.round(train),
        "model step (q/s)": Math.round(model),
        "noise overhead": `${((quiet / model - 1) * 100).toFixed(1)}%`,
        "pytorch (q/s)": Number.isNaN(peerRate) ? "" : Math.round(peerRate),
        "pytorch noise overhead": t.quiet.length ? `${((median(t.quiet) / peerRate - 1) * 100).toFixed(1)}%` : "",
        "PyTorch / model step": Number.isNaN(peerRate) ? "" : (peerRate / model).toFixed(2),
      });
      bounds.push(await boundLine({
        label: `${b.label}, ${kind}, model step, noise on`,
        step: await profileStep(task),
        floorUs: await kernelFloorUs(),
        stepMs: (1000 * B) / model,
        peerStepMs: Number.isNaN(peerRate) ? null : (1000 * B) / peerRate,
        peerFloorUs,
      }));
    }
  };
  for (const b of backends) await bench(b);
  for (const s of skipped) console.log(`  not benched: ${s}`);
  console.log(tableText(rows));
  for (const l of bounds) console.log(l);
  void tf;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
