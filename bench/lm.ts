/**
 * `node build/bench/lm.js`: tokens per second of one truncated-BPTT SGD step
 * (Zaremba's recipe: time-summed loss, global clip 5, lr 1, state carried)
 * for the 2x200 LSTM LM (Zaremba small, Section 4.6) and the 1x256 tanh RNN
 * LM (NOISIN Figure 2's size), batch 20, 20 steps, 10k vocabulary, random
 * ids. Every embedding lookup (gather with the engine's fill on WASM, a
 * ScatterNd custom gradient, one-hot product) x softmax (fused with a
 * hand-written gradient, tfjs's softmaxCrossEntropy), then the default
 * variant with gradient noise (eta 0.01) and with NOISIN; the same step in
 * PyTorch (bench/torch_lm.py, one thread) in the same run for the ratio.
 * BENCH_STEPS (default 5) timed steps after 2 warm-up steps, BENCH_REPS
 * (default 2) repetitions, median; every backend this machine has
 * (bench/backends.ts; BENCH_BACKENDS to pick). The noise row gets a bound
 * line (bench/bound.ts).
 */
import * as tf from "@tensorflow/tfjs";
import { benchBackends, use } from "./backends";
import { fairPeer, Peer, peerLine, runPeer } from "./peer";
import { EmbeddingLookup, lmKernels, SoftmaxFormulation } from "../src/models/lm-ops";
import { CellKind, RnnLM } from "../src/models/rnn-lm";
import { tableText } from "../src/report/table";
import { buildOptimizer } from "../src/train/optimizer";
import { median } from "../src/stats";
import { boundLine, kernelFloorUs, stepKernels, torchOpFloorUs } from "./bound";
import { lmWindows, msPerLmWindow } from "./timing";

const V = 10000, B = 20, T = 20;

interface Variant {
  lookup: EmbeddingLookup;
  softmax: SoftmaxFormulation;
  noise?: boolean;
  noisin?: boolean;
}


async function benchStep(cell: CellKind, layers: number, hidden: number, v: Variant, steps: number, warmup = 2): Promise<number> {
  const m = new RnnLM({ vocabSize: V, hidden, layers, cell, seed: 0, lookup: v.lookup, softmax: v.softmax, hiddenNoise: v.noisin ? { gamma: 0.1 } : null });
  const opt = buildOptimizer({ lr: 1, clip: { globalNorm: 5 }, noise: v.noise ? { eta: 0.01, seed: 0 } : null, checkFinite: false });
  const secs = (await msPerLmWindow(m, opt, { vocab: V, batch: B, window: T, steps, warmup })) * steps / 1000;
  opt.dispose();
  m.dispose();
  return (B * T * steps) / secs;
}

/** The bound line of one window of the default formulation with gradient noise (as the noise row). */
async function boundOf(label: string, cell: CellKind, layers: number, hidden: number, tps: number, peer: number, peerFloorUs: number | null): Promise<string> {
  const m = new RnnLM({ vocabSize: V, hidden, layers, cell, seed: 0, lookup: "scatter", softmax: "fused" });
  const opt = buildOptimizer({ lr: 1, clip: { globalNorm: 5 }, noise: { eta: 0.01, seed: 0 }, checkFinite: false });
  const w = lmWindows(m, opt, { vocab: V, batch: B, window: T, windows: 3 });
  for (let i = 0; i < 2; i++) w.run(i).dispose();
  const step = await stepKernels(() => w.run(2));
  w.dispose();
  opt.dispose();
  m.dispose();
  const toMs = (tokensPerSec: number) => (1000 * B * T) / tokensPerSec;
  return boundLine({ label, step, floorUs: await kernelFloorUs(), stepMs: toMs(tps), peerStepMs: Number.isNaN(peer) ? null : toMs(peer), peerFloorUs });
}

function benchTorch(peer: Peer | null, cell: CellKind, layers: number, hidden: number, steps: number, reps: number): number[] | null {
  return peer && runPeer<number[]>(peer, "torch_lm.py", [cell, layers, hidden, V, B, T, steps, reps]);
}

async function main(): Promise<void> {
  const steps = Number(process.env.BENCH_STEPS ?? 5);
  const reps = Number(process.env.BENCH_REPS ?? 2);
  const kernels = [...lmKernels("gather"), ...lmKernels("scatter")];
  const { backends, skipped } = await benchBackends(kernels);
  console.log(`\nbench: LM SGD step, batch ${B}, ${T} steps, vocabulary ${V}, clip 5; median of ${reps} x ${steps} steps; backends:`);
  for (const b of backends) console.log(`  ${b.label}: ${b.engine}`);
  for (const s of skipped) console.log(`  not benched: ${s}`);
  const models: [string, CellKind, number, number][] = [
    ["LSTM 2x200", "lstm", 2, 200],
    ["tanh RNN 1x256", "tanh", 1, 256],
  ];
  const variants: Variant[] = [
    { lookup: "gather", softmax: "fused" },
    { lookup: "scatter", softmax: "fused" },
    { lookup: "onehot", softmax: "fused" },
    { lookup: "gather", softmax: "tfjs" },
    // The noise variants on the default formulation (RnnLM's: scatter lookup, fused softmax).
    { lookup: "scatter", softmax: "fused", noise: true },
    { lookup: "scatter", softmax: "fused", noisin: true },
  ];
  const torchPeer = fairPeer();
  console.log(`  ${peerLine(torchPeer)}`);
  const only = process.env.BENCH_MODELS?.split(",");
  const rows: Record<string, string | number>[] = [];
  const bounds: string[] = [];
  const peerFloorUs = torchOpFloorUs(torchPeer);
  for (const [label, cell, layers, hidden] of models) {
    if (only && !only.includes(cell)) continue;
    const torch = benchTorch(torchPeer, cell, layers, hidden, steps, reps);
    const peer = torch ? median(torch) : NaN;
    for (const b of backends) for (const v of variants) {
      await use(b, kernels);
      const xs: number[] = [];
      for (let r = 0; r < reps; r++) xs.push(await benchStep(cell, layers, hidden, v, steps));
      const tps = median(xs);
      rows.push({
        backend: b.label,
        model: label,
        variant: `${v.lookup} + ${v.softmax}${v.noise ? " + grad noise" : ""}${v.noisin ? " + NOISIN" : ""}`,
        "tfjs (tokens/s)": Math.round(tps),
        "pytorch (tokens/s)": Number.isNaN(peer) ? "" : Math.round(peer),
        "PyTorch / tfjs": Number.isNaN(peer) ? "" : (peer / tps).toFixed(2),
      });
      console.log(JSON.stringify(rows[rows.length - 1]));
      if (v.noise) bounds.push(await boundOf(`${b.label}, ${label}, scatter + fused + grad noise`, cell, layers, hidden, tps, peer, peerFloorUs));
    }
  }
  console.log(tableText(rows));
  for (const l of bounds) console.log(l);
  if (tf.memory().numTensors > 0) console.log(`(tensors left: ${tf.memory().numTensors})`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
