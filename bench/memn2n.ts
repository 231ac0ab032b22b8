/**
 * `npm run bench` (second part): questions per second of one MemN2N SGD step
 * (3 hops, d 20, batch 32, per-matrix clip 40, annealed noise eta 0.01) on a
 * short-story task (bAbI 1, 10 memory slots) and a long-story one (task 2,
 * 50 slots), comparing the two ways to embed: weighted bags of words times
 * the embedding matrix (what the library trains with) and tf.gather (whose
 * gradient WASM lacks; the engine fills UnsortedSegmentSum in JS). The same
 * step in PyTorch (nn.Embedding lookups, one thread) runs in the same
 * process tree for the ratio; the noise overhead compares the bag step with
 * and without noise. Every backend this machine has (bench/backends.ts;
 * BENCH_BACKENDS to pick); the loss is read with `await data()` every 10
 * steps, as the trainers log. BENCH_STEPS / BENCH_REPS as in bench/run.ts.
 */
import { BenchBackend, benchBackends, use } from "./backends";
import { fairPeer, Peer, peerLine, runPeer } from "./peer";
import { boundLine, kernelFloorUs, StepKernels, stepKernels, torchOpFloorUs } from "./bound";
import { prepareTask, TaskData } from "../src/families/memn2n";
import { MemN2N, MEMN2N_GATHER_KERNELS } from "../src/models/memn2n";
import { buildOptimizer } from "../src/train/optimizer";
import { tableText } from "../src/report/table";
import { median } from "../src/stats";
import { msPerStep } from "./timing";


/** One model and optimizer; `step(s, read)` builds step s's batch in JS and runs one SGD step, returning the loss when read. */
function makeStep(data: TaskData, lookup: "bag" | "gather", noise: boolean) {
  const m = new MemN2N({ vocabSize: data.vocab.length, memorySize: data.memorySize, seed: 0, lookup });
  const opt = buildOptimizer({ lr: 0.005, clip: { norm: 40 }, noise: noise ? { eta: 0.01, seed: 0 } : null });
  return {
    step: (s: number, read: boolean) => {
      const ex = Array.from({ length: 32 }, (_, i) => data.train[(s * 32 + i) % data.train.length]);
      const b = m.encode(ex);
      const cost = opt.minimize(() => m.loss(b), read, m.weights);
      b.dispose();
      return cost;
    },
    dispose: () => {
      opt.dispose();
      m.dispose();
    },
  };
}

/** Questions per second over `steps` timed steps, batches built in JS every step as in training. */
async function benchStep(data: TaskData, lookup: "bag" | "gather", steps: number, noise = true, warmup = 10): Promise<number> {
  const { step, dispose } = makeStep(data, lookup, noise);
  const secs = (await msPerStep(step, steps, warmup)) * steps / 1000;
  dispose();
  return (32 * steps) / secs;
}

/** The kernels of one noisy bag-of-words step (after warm-up steps), for the bound line. */
async function profileStep(data: TaskData): Promise<StepKernels> {
  const { step, dispose } = makeStep(data, "bag", true);
  for (let s = 0; s < 3; s++) step(s, false);
  const k = await stepKernels(() => step(3, true));
  dispose();
  return k;
}

function benchTorch(peer: Peer | null, tasks: { task: number; data: TaskData }[], steps: number, reps: number): Record<number, number[]> {
  const out: Record<number, number[]> = {};
  if (!peer) return out;
  for (const { task, data } of tasks) {
    // The peer gets the shapes only (vocabulary, memory slots, longest sentence); it draws random word ids.
    const words = Math.max(...data.train.flatMap((e) => e.sentences.map((s) => s.length)));
    out[task] = runPeer<number[]>(peer, "torch_memn2n.py", [data.vocab.length, data.memorySize, words, steps, reps]);
  }
  return out;
}

async function main(): Promise<void> {
  const steps = Number(process.env.BENCH_STEPS ?? 100);
  const reps = Number(process.env.BENCH_REPS ?? 5);
  const { backends, skipped } = await benchBackends(MEMN2N_GATHER_KERNELS);
  console.log(`\nbench: MemN2N step, 3 hops, d 20, batch 32, clip 40 per matrix, noise eta 0.01; median of ${reps} x ${steps} steps; backends:`);
  const tasks = [1, 2].map((task) => ({ task, data: prepareTask(task) }));
  const peer = fairPeer();
  console.log(`  ${peerLine(peer)}`);
  const torch = benchTorch(peer, tasks, steps, reps);
  const peerFloorUs = torchOpFloorUs(peer);
  const rows: Record<string, string | number>[] = [];
  const bounds: string[] = [];
  const bench = async (b: BenchBackend) => {
    await use(b, MEMN2N_GATHER_KERNELS);
    console.log(`  ${b.label}: ${b.engine}`);
    for (const { task, data } of tasks) {
      const r: Record<string, number[]> = { bag: [], gather: [], quiet: [] };
      for (let i = 0; i < reps; i++) {
        for (const k of ["bag", "gather"] as const) r[k].push(await benchStep(data, k, steps));
        r.quiet.push(await benchStep(data, "bag", steps, false));
      }
      const bag = median(r.bag);
      const quiet = median(r.quiet);
      const gather = median(r.gather);
      const peer = torch[task] ? median(torch[task]) : NaN;
      rows.push({
        backend: b.label,
        task: `${task} (V ${data.vocab.length}, ${data.memorySize} slots)`,
        "bags (q/s)": Math.round(bag),
        "gather (q/s)": Math.round(gather),
        "bags / gather": (bag / gather).toFixed(2),
        "noise overhead (bags)": `${((quiet / bag - 1) * 100).toFixed(1)}%`,
        "pytorch (q/s)": Number.isNaN(peer) ? "" : Math.round(peer),
        "PyTorch / bags": Number.isNaN(peer) ? "" : (peer / bag).toFixed(2),
      });
      bounds.push(await boundLine({
        label: `${b.label}, task ${task}, bags, noise on`,
        step: await profileStep(data),
        floorUs: await kernelFloorUs(),
        stepMs: (1000 * 32) / bag,
        peerStepMs: Number.isNaN(peer) ? null : (1000 * 32) / peer,
        peerFloorUs,
      }));
    }
  };
  for (const b of backends) await bench(b);
  for (const s of skipped) console.log(`  not benched: ${s}`);
  console.log(tableText(rows));
  for (const l of bounds) console.log(l);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
