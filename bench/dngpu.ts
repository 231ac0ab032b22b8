/**
 * `npm run bench` (part): DNGPU's training step (the Neural GPU family's
 * extension model) beside PyTorch on one thread (bench/torch_dngpu.py, same
 * model and shapes, same run). Two sizes: the cpu scale's trials (16 maps,
 * bins 5, 9, 13, 8 examples each) and the code's 96 maps on its two shortest
 * bins (8, 12) at 32 each. The step is the trainer's: every bin, the
 * saturation cost, dropout keep 0.9, global-norm clip 1, then annealed noise
 * eta 1, then the code's clipped AdaMax; the noise overhead compares it with
 * the same step without noise. BENCH_BACKENDS picks backends (default: every
 * one present); BENCH_STEPS (default 5) and BENCH_REPS (3).
 */
import * as tf from "@tensorflow/tfjs";
import { BenchBackend, benchBackends, use, withAndWithoutNoise } from "./backends";
import { fairPeer, Peer, peerLine, runPeer } from "./peer";
import { boundLine, kernelFloorUs, kernelsOfMadeStep, torchOpFloorUs } from "./bound";
import { ClippedAdamax, DNGPU, DNGPU_MODEL, dngpuLearningRate, encodeBatch, randomExamples } from "../src/families/neural-gpu";
import { withTransforms } from "../src/noise/optimizer";
import { recipeTransforms } from "../src/noise/recipe";
import { tableText } from "../src/report/table";
import { median } from "../src/stats";
import { msPerMadeStep } from "./timing";

interface Size { label: string; maps: number; bins: number[]; batch: number }
const SIZES: Size[] = [
  { label: "cpu trials", maps: 16, bins: [5, 9, 13], batch: 8 },
  { label: "the code's model, short bins", maps: 96, bins: [8, 12], batch: 32 },
];

/** One model and optimizer; `step(i)` builds step i's batches (one per bin) in JS and runs one step, returning the loss (read every step as the trainer does). */
function makeStep(s: Size, noise: boolean) {
  const model = new DNGPU({ ...DNGPU_MODEL, maps: s.maps }, 0);
  const opt = withTransforms(new ClippedAdamax({ learningRate: dngpuLearningRate(s.maps), beta2: 0.99 }), recipeTransforms({ clip: { globalNorm: 1 }, noise: noise ? { eta: 1, gamma: 0.55, seed: 0 } : null }));
  return {
    step: (i: number) => {
      const batches = s.bins.map((L) => encodeBatch(randomExamples(s.batch, (L - 1) >> 1, "bench", i, L), L));
      return opt.minimize(() => {
        let total: tf.Scalar = tf.scalar(0);
        batches.forEach((b, k) => {
          const o = model.forward(b, { keep: 0.9, seed: ["bench", i, k] });
          total = tf.add(total, tf.add(DNGPU.loss(o.logits, b), tf.mul(1e-3, o.saturation))) as tf.Scalar;
        });
        return tf.div(total, s.bins.length) as tf.Scalar;
      }, true, model.weights)!;
    },
    dispose: () => {
      opt.dispose();
      model.dispose();
    },
  };
}

function torchPeer(peer: Peer | null, s: Size, steps: number, reps: number): number | null {
  return peer && median(runPeer<{ step_ms: number[] }>(peer, "torch_dngpu.py", [s.maps, s.batch, steps, reps, ...s.bins]).step_ms);
}

async function main(): Promise<void> {
  const steps = Number(process.env.BENCH_STEPS ?? 5);
  const reps = Number(process.env.BENCH_REPS ?? 3);
  const { backends, skipped } = await benchBackends([]);
  console.log(`\nbench: DNGPU training step (every bin); median of ${reps} x ${steps} steps; backends:`);
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
      const peer = peers[k];
      rows.push({
        backend: b.label,
        size: `${s.label}: ${s.maps} maps, bins ${s.bins.join("/")}, ${s.batch} per bin`,
        "step (ms)": step.toFixed(0),
        "noise overhead": `${((step / plain - 1) * 100).toFixed(1)}%`,
        "pytorch step (ms)": peer ? peer.toFixed(0) : "",
        "ours / pytorch (step)": peer ? (step / peer).toFixed(2) : "",
      });
      bounds.push(await boundLine({
        label: `${b.label}, ${s.label}, noise on`,
        step: await kernelsOfMadeStep(() => makeStep(s, true)),
        floorUs: await kernelFloorUs(),
        stepMs: step,
        peerStepMs: peer,
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
