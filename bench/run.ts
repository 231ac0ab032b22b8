/**
 * `npm run bench`: examples per second of the 20x50 ReLU MLP SGD step
 * (Section 4.1's network; global-norm clip 10), gradient noise off and on, on
 * the backend the engine picks (GRADNOISE_BACKEND to force one), and the same
 * workload in PyTorch on one CPU thread when `python3 -c "import torch"` works
 * (Debian python3-torch), all in one run so the ratios compare like with like.
 * BENCH_STEPS sets the timed steps per repetition (default 200), BENCH_REPS
 * the repetitions (default 5, noise off and on interleaved so drift hits both
 * alike); the table shows the median and the min-max range.
 */
import * as tf from "@tensorflow/tfjs";
import { spawnSync } from "child_process";
import * as path from "path";
import { deviceLine, selectBackend } from "../src/engine";
import { MLP } from "../src/models/mlp";
import { POPULATION_TRAINING_KERNELS, PopulationMLP } from "../src/models/population-mlp";
import { buildOptimizer } from "../src/train/optimizer";
import { tableText } from "../src/report/table";
import { median } from "../src/stats";

interface Row {
  impl: string;
  batch: number;
  noise: boolean;
  examplesPerSec: number;
  min?: number;
  max?: number;
}


function benchTfjs(batch: number, noise: boolean, steps: number, warmup = 20, prefetch = false): number {
  const model = new MLP({ inputSize: 784, hidden: Array(20).fill(50), outputSize: 10, init: { kind: "normal", std: 0.1 }, seed: 0 });
  const opt = buildOptimizer({ lr: 0.1, clip: { globalNorm: 10 }, noise: noise ? { eta: 0.01, seed: 0, prefetch } : null });
  const x = tf.randomUniform([batch, 784], 0, 1, "float32", 1) as tf.Tensor2D;
  const y = tf.oneHot(tf.randomUniform([batch], 0, 10, "int32", 2) as tf.Tensor1D, 10).toFloat() as tf.Tensor2D;
  let t0 = 0;
  for (let s = 0; s < warmup + steps; s++) {
    if (s === warmup) t0 = performance.now();
    const cost = opt.minimize(() => model.loss(x, y), true, model.variables);
    cost?.dataSync(); // one loss read per step, as the training loop does when logging
    cost?.dispose();
  }
  const secs = (performance.now() - t0) / 1000;
  tf.dispose([x, y]);
  opt.dispose();
  model.dispose();
  return (batch * steps) / secs;
}

/** A population of `runs` nets, each with its own batch, clip, noise stream and learning rate. */
function benchPopulation(runs: number, batch: number, steps: number, warmup = 3): number {
  const seeds = Array.from({ length: runs }, (_, r) => r);
  const model = new PopulationMLP({ inputSize: 784, hidden: Array(20).fill(50), outputSize: 10, init: { kind: "normal", std: 0.1 }, seeds });
  const opt = buildOptimizer({ lr: seeds.map((r) => (r % 2 ? 0.01 : 0.1)), runs, clip: { globalNorm: 10 }, noise: { eta: 0.01, seed: seeds } });
  const x = tf.randomUniform([runs, batch, 784], 0, 1, "float32", 1) as tf.Tensor3D;
  const y = tf.reshape(tf.oneHot(tf.randomUniform([runs * batch], 0, 10, "int32", 2) as tf.Tensor1D, 10), [runs, batch, 10]).toFloat() as tf.Tensor3D;
  let t0 = 0;
  for (let s = 0; s < warmup + steps; s++) {
    if (s === warmup) t0 = performance.now();
    tf.tidy(() => {
      let per: tf.Tensor1D | undefined;
      opt.minimize(() => {
        const l = model.lossPerRun(x, y);
        per = tf.keep(tf.clone(l));
        return tf.sum(l);
      }, false, model.variables);
      per!.dataSync(); // per-run losses read every step
      per!.dispose();
    });
  }
  const secs = (performance.now() - t0) / 1000;
  tf.dispose([x, y]);
  opt.dispose();
  model.dispose();
  return (runs * batch * steps) / secs;
}

function benchTorch(steps: number, reps: number): Row[] {
  const script = path.join(__dirname, "..", "..", "bench", "torch_mlp.py");
  for (const py of ["/usr/bin/python3", "python3"]) {
    if (spawnSync(py, ["-c", "import torch"], { stdio: "ignore" }).status !== 0) continue;
    const r = spawnSync(py, [script, String(steps), String(reps)], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`PyTorch bench failed: ${r.stderr}`);
    return r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Row);
  }
  return [];
}

async function main(): Promise<void> {
  const steps = Number(process.env.BENCH_STEPS ?? 200);
  const reps = Number(process.env.BENCH_REPS ?? 5);
  const popRuns = Number(process.env.BENCH_POP_RUNS ?? 40);
  const popSteps = Number(process.env.BENCH_POP_STEPS ?? 10);
  const choice = await selectBackend({ requiredKernels: POPULATION_TRAINING_KERNELS });
  const engine = deviceLine();
  console.log(`bench: 20x50 ReLU MLP, 784 -> 10, SGD lr 0.1, clip 10, eta 0.01; median of ${reps} x ${steps} timed steps (population: ${Math.min(reps, 3)} x ${popSteps}); ${engine}`);
  const rows: Row[] = [];
  for (const batch of [32, 128]) {
    const runs: Record<string, number[]> = { off: [], on: [], prefetch: [] };
    for (let r = 0; r < reps; r++) {
      runs.off.push(benchTfjs(batch, false, steps));
      runs.on.push(benchTfjs(batch, true, steps));
      runs.prefetch.push(benchTfjs(batch, true, steps, 20, true));
    }
    for (const [kind, noise] of [["off", false], ["on", true], ["prefetch", true]] as const) {
      const xs = runs[kind];
      const impl = `tfjs-${choice.backend}${kind === "prefetch" ? " (noise prefetched)" : ""}`;
      rows.push({ impl, batch, noise, examplesPerSec: median(xs), min: Math.min(...xs), max: Math.max(...xs) });
    }
  }
  for (const batch of [32, 128]) {
    const xs: number[] = [];
    for (let r = 0; r < Math.min(reps, 3); r++) xs.push(benchPopulation(popRuns, batch, popSteps));
    rows.push({ impl: `tfjs-${choice.backend} population x${popRuns}`, batch, noise: true, examplesPerSec: median(xs), min: Math.min(...xs), max: Math.max(...xs) });
  }
  const torch = benchTorch(steps, reps);
  rows.push(...torch);
  const find = (impl: string, batch: number, noise: boolean) => rows.find((r) => r.impl.startsWith(impl) && r.batch === batch && r.noise === noise);
  const base = (r: Row) => r.impl.replace(" (noise prefetched)", "");
  const single = (batch: number) => rows.find((r) => r.impl === `tfjs-${choice.backend}` && r.batch === batch && r.noise)!;
  const out = rows.map((r) => {
    const quiet = rows.find((q) => q.impl === base(r) && q.batch === r.batch && !q.noise);
    const peer = find("pytorch", r.batch, r.noise);
    return {
      impl: r.impl,
      batch: r.batch,
      noise: r.noise ? "on" : "off",
      "examples/s": Math.round(r.examplesPerSec),
      range: r.min !== undefined ? `${Math.round(r.min)}-${Math.round(r.max!)}` : "",
      "noise overhead": r.noise && quiet ? `${((quiet.examplesPerSec / r.examplesPerSec - 1) * 100).toFixed(1)}%` : "",
      "vs single run": r.impl.includes("population") ? `${(r.examplesPerSec / single(r.batch).examplesPerSec).toFixed(2)}x` : "",
      "PyTorch / this": peer && !r.impl.startsWith("pytorch") ? (peer.examplesPerSec / r.examplesPerSec).toFixed(2) : "",
    };
  });
  console.log(tableText(out));
  if (!torch.length) console.log("(PyTorch not found: apt-get install python3-torch to compare)");
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
