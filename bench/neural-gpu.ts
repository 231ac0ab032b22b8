/**
 * `npm run bench` (part): the Neural GPU's training step and its 3x3
 * convolution alone, beside PyTorch on one thread (bench/torch_neural_gpu.py,
 * same shapes, same run). Two sizes: the cpu scale's trials (12 maps, 2 rows,
 * length 12, batch 16) and the original model (24 maps, 4 rows) at length 12,
 * batch 32. The step is the trainer's (Adam eps 1e-4, clip 1, annealed noise
 * eta 1, dropout, relaxation 6 sets with its pull); the noise overhead compares
 * it with the same step without noise. The conv is conv3x3 (what the model
 * trains with) forward + backward on the model's gates shape; tf.conv2d beside
 * it where the backend can train it (not wasm). BENCH_BACKENDS picks backends
 * (default: every one present); BENCH_STEPS (default 5) and BENCH_REPS (3).
 */
import * as tf from "@tensorflow/tfjs";
import { BenchBackend, benchBackends, use, withAndWithoutNoise } from "./backends";
import { fairPeer, Peer, peerLine, runPeer } from "./peer";
import { boundLine, kernelFloorUs, kernelsOfMadeStep, torchOpFloorUs } from "./bound";
import { encodeBatch, NeuralGPU, ORIGINAL_MODEL, randomExamples } from "../src/families/neural-gpu";
import { conv3x3 } from "../src/models/shift-conv";
import { withTransforms } from "../src/noise/optimizer";
import { recipeTransforms } from "../src/noise/recipe";
import { tableText } from "../src/report/table";
import { median } from "../src/stats";
import { gaussian } from "../src/random";
import { msPerMadeStep } from "./timing";

interface Size { label: string; maps: number; rows: number; length: number; batch: number }
const SIZES: Size[] = [
  { label: "cpu trials", maps: 12, rows: 2, length: 12, batch: 16 },
  { label: "original model", maps: 24, rows: 4, length: 12, batch: 32 },
];

/** One model and optimizer; `step(i)` builds batch i in JS and runs one training step, returning the loss (read every step as the trainer does). */
function makeStep(s: Size, noise: boolean) {
  const model = new NeuralGPU({ ...ORIGINAL_MODEL, maps: s.maps, rows: s.rows }, 0);
  const opt = withTransforms(tf.train.adam(1e-3, 0.9, 0.999, 1e-4), recipeTransforms({ clip: { globalNorm: 1 }, noise: noise ? { eta: 1, gamma: 0.55, seed: 0 } : null }));
  const d = (s.length - 1) >> 1;
  return {
    step: (i: number) => {
      const batch = encodeBatch(randomExamples(s.batch, d, "bench", i), s.length);
      return opt.minimize(() => tf.add(NeuralGPU.loss(model.forward(batch, { dropout: 0.09, seed: ["bench", i] }).logits, batch), tf.mul(5e-4, model.pullLoss())) as tf.Scalar, true, model.weights)!;
    },
    dispose: () => {
      opt.dispose();
      model.dispose();
    },
  };
}

/** Milliseconds per forward + backward of one gates convolution ([2 maps, maps, 3, 3] on the image). */
async function convMs(s: Size, kind: "shift" | "conv2d", calls = 20): Promise<number> {
  const { maps: m, rows, length: L, batch: B } = s;
  const cells = B * rows * L;
  const x2 = tf.tensor2d(gaussian(cells * m, 1, "bench-x"), [cells, m]);
  const w2 = tf.tensor2d(gaussian(9 * m * 2 * m, 0.1, "bench-w"), [9 * m, 2 * m]);
  const x4 = tf.tensor4d(gaussian(B * rows * L * m, 1, "bench-x4"), [B, rows, L, m]);
  const w4 = tf.reshape(w2, [3, 3, m, 2 * m]) as tf.Tensor4D;
  const image = { batch: B, height: rows, width: L };
  const once = async () => {
    const g = tf.tidy(() => kind === "shift"
      ? tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(conv3x3(a as tf.Tensor2D, b as tf.Tensor2D, image)))([x2, w2])
      : tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, "same")))([x4, w4]));
    await g[1].data();
    tf.dispose(g);
  };
  for (let i = 0; i < 3; i++) await once();
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) await once();
  const ms = (performance.now() - t0) / calls;
  tf.dispose([x2, w2, x4, w4]);
  return ms;
}

function torchPeer(peer: Peer | null, s: Size, steps: number, reps: number): { step: number; conv: number } | null {
  if (!peer) return null;
  const o = runPeer<{ step_ms: number[]; conv_ms: number[] }>(peer, "torch_neural_gpu.py", [s.maps, s.rows, s.length, s.batch, 6, steps, reps]);
  return { step: median(o.step_ms), conv: median(o.conv_ms) };
}

async function main(): Promise<void> {
  const steps = Number(process.env.BENCH_STEPS ?? 5);
  const reps = Number(process.env.BENCH_REPS ?? 3);
  const { backends, skipped } = await benchBackends([]);
  console.log(`\nbench: Neural GPU training step and 3x3 convolution (forward + backward); median of ${reps} x ${steps} steps; backends:`);
  const torch = fairPeer();
  console.log(`  ${peerLine(torch)}`);
  const peers = SIZES.map((s) => torchPeer(torch, s, steps, reps));
  const peerFloorUs = torchOpFloorUs(torch);
  const rows: Record<string, string | number>[] = [];
  const bounds: string[] = [];
  const bench = async (b: BenchBackend) => {
    await use(b, []);
    console.log(`  ${b.label}: ${b.engine}`);
    for (const [k, s] of SIZES.entries()) {
      const { noisy: step, plain } = await withAndWithoutNoise(reps, (noise) => msPerMadeStep(() => makeStep(s, noise), steps));
      const conv = await convMs(s, "shift");
      const conv2d = b.name === "wasm" ? NaN : await convMs(s, "conv2d");
      const peer = peers[k];
      rows.push({
        backend: b.label,
        size: `${s.label}: ${s.maps} maps, ${s.rows} rows, length ${s.length}, batch ${s.batch}`,
        "step (ms)": step.toFixed(0),
        "noise overhead": `${((step / plain - 1) * 100).toFixed(1)}%`,
        "pytorch step (ms)": peer ? peer.step.toFixed(0) : "",
        "ours / pytorch (step)": peer ? (step / peer.step).toFixed(2) : "",
        "conv3x3 f+b (ms)": conv.toFixed(2),
        "tf.conv2d f+b (ms)": Number.isNaN(conv2d) ? "cannot train" : conv2d.toFixed(2),
        "pytorch conv f+b (ms)": peer ? peer.conv.toFixed(2) : "",
      });
      bounds.push(await boundLine({
        label: `${b.label}, ${s.label}, noise on`,
        step: await kernelsOfMadeStep(() => makeStep(s, true)),
        floorUs: await kernelFloorUs(),
        stepMs: step,
        peerStepMs: peer ? peer.step : null,
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
