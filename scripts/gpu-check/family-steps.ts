/**
 * GPU check, step "family-steps" (issues 26 and 27): one training step of the
 * Neural GPU at Table 5's paper size (original model: 24 maps, 4 rows, 6
 * relaxation sets; 20-bit operands, batch 64) and of the NRAM at Table 4's
 * paper size (24 cells, lists of 10, 14 timesteps, batch 50), timed on the
 * adapter for a few seconds each: ms per step, and what one paper trial and
 * each paper table would take at that speed. The lease is minutes; a paper
 * trial is 20,000-30,000 steps, so this says by how far, measured, rather
 * than running a fraction of one. The step is the family's own (the bench's
 * recipe: Adam, clipping, annealed noise, batches built in JS every step,
 * the loss read every step as the trainers read it). `--quick`: the cpu
 * scale's sizes, 2 timed steps (lavapipe).
 */
import * as tf from "@tensorflow/tfjs";
import { deviceLine, selectBackend, softwareAllowedByEnv } from "../../src/engine";
import { encodeBatch, NeuralGPU, ORIGINAL_MODEL, randomExamples } from "../../src/families/neural-gpu";
import { curriculumBatch, NramModel, nramTransforms } from "../../src/families/nram";
import { getExperiment } from "../../src/experiments/registry";
import { withTransforms } from "../../src/noise/optimizer";
import { recipeTransforms } from "../../src/noise/recipe";
import { runStep, stepArgs } from "./args";

interface Made { step: (i: number) => tf.Scalar; dispose: () => void }

/** Warm-up steps, then timed steps until `steps` ran or `seconds` passed (at least 1): ms per step. */
async function msPerStep(make: () => Made, steps: number, seconds: number, warmup = 2): Promise<{ ms: number; timed: number }> {
  const m = make();
  try {
    for (let i = 0; i < warmup; i++) {
      const l = m.step(i);
      await l.data();
      l.dispose();
    }
    const t0 = performance.now();
    let n = 0;
    while (n < steps && (n === 0 || performance.now() - t0 < seconds * 1000)) {
      const l = m.step(warmup + n);
      await l.data();
      l.dispose();
      n++;
    }
    const out = { ms: (performance.now() - t0) / n, timed: n };
    m.dispose();
    return out;
  } catch (e) {
    // The step's own error, not one from disposing what it left half-built.
    try {
      m.dispose();
    } catch {
      /* ignored: the step's error is the one to report */
    }
    throw e;
  }
}

runStep(async () => {
  const args = stepArgs("family-steps", process.argv.slice(2), { steps: [40, 2], seconds: [25, 60] });
  const quick = args.quick;
  const ngpu = getExperiment("neural-gpu").configs[quick ? "cpu" : "paper"] as unknown as { model: typeof ORIGINAL_MODEL; batchSize: number; trainBits: number; steps: number; seeds: number; grid: Record<string, number[]> };
  const nram = getExperiment("nram").configs[quick ? "cpu" : "paper"] as unknown as { memory: number; maxLength: number; timesteps: number; hidden: number; registers: number; batch: number; steps: number; seeds: number; settings: unknown[] };
  await selectBackend({ backend: args.backend, requiredKernels: [...getExperiment("neural-gpu").requiredKernels, ...getExperiment("nram").requiredKernels], allowSoftwareAdapter: softwareAllowedByEnv() });
  console.log(`family-steps: ${deviceLine()}`);
  const scale = quick ? "cpu" : "paper";

  // Neural GPU: the step at the longest training length (the curriculum ends there), so a trial's time is at most steps x this.
  const bits = ngpu.trainBits;
  const ngpuStep = (): Made => {
    const model = new NeuralGPU(ngpu.model, 0);
    const opt = withTransforms(tf.train.adam(3e-3, 0.9, 0.999, 1e-4), recipeTransforms({ clip: { globalNorm: 1 }, noise: { eta: 1, gamma: 0.55, seed: 0 } }));
    return {
      step: (i) => {
        const batch = encodeBatch(randomExamples(ngpu.batchSize, bits, "family-steps", i));
        return opt.minimize(() => tf.add(NeuralGPU.loss(model.forward(batch, { dropout: 0.09, seed: ["family-steps", i] }).logits, batch), tf.mul(5e-4, model.pullLoss())) as tf.Scalar, true, model.weights)!;
      },
      dispose: () => {
        opt.dispose();
        model.dispose();
      },
    };
  };
  const length = encodeBatch(randomExamples(1, bits, "family-steps", "length")).length;
  const g = await msPerStep(ngpuStep, args.ints.steps, args.ints.seconds);
  const gridPoints = Object.values(ngpu.grid).reduce((n, v) => n * v.length, 1);
  const ngpuTrials = gridPoints * ngpu.seeds;
  const ngpuTrialH = (g.ms * ngpu.steps) / 3.6e6;
  console.log(`family-steps: neural-gpu (${scale} size: ${ngpu.model.maps} maps, ${ngpu.model.rows} rows, ${ngpu.model.relax} relaxation sets, ${bits}-bit operands = length ${length}, batch ${ngpu.batchSize}, noise on): ${g.ms.toFixed(1)} ms/step over ${g.timed} steps; a ${ngpu.steps}-step trial at most ${ngpuTrialH.toFixed(2)} h; ${ngpuTrials} trials per arm ${(ngpuTrialH * ngpuTrials).toFixed(0)} hours per arm, one trial at a time`);

  // NRAM: the hardest curriculum level (the longest lists), the same for every step of the run once reached.
  const nramStep = (): Made => {
    const m = new NramModel({ memory: nram.memory, registers: nram.registers, timesteps: nram.timesteps, hidden: nram.hidden, clipActivation: 10, eps: 1e-6 }, 0);
    const opt = withTransforms(tf.train.adam(0.01), nramTransforms(10, { kind: "annealed", eta: 0.01, gamma: 0.55 }, 0));
    return {
      step: (i) => {
        const b = curriculumBatch({ memory: nram.memory, maxLength: nram.maxLength }, nram.batch, nram.maxLength, 0, i);
        return tf.tidy(() => opt.minimize(() => m.objective(tf.tensor1d(b.memory, "int32"), tf.tensor1d(b.target, "int32"), 0.01).objective, true, m.variables)!);
      },
      dispose: () => {
        opt.dispose();
        m.dispose();
      },
    };
  };
  const r = await msPerStep(nramStep, args.ints.steps, args.ints.seconds);
  const nramRuns = nram.settings.length * 2 * nram.seeds;
  const nramRunH = (r.ms * nram.steps) / 3.6e6;
  console.log(`family-steps: nram (${scale} size: ${nram.memory} cells, lists of ${nram.maxLength}, ${nram.timesteps} timesteps, LSTM ${nram.hidden}, batch ${nram.batch}, noise on): ${r.ms.toFixed(1)} ms/step over ${r.timed} steps; a ${nram.steps}-step run ${nramRunH.toFixed(2)} h; Table 4's ${nramRuns} runs ${(nramRunH * nramRuns).toFixed(0)} hours, one run at a time`);
  console.log(JSON.stringify({
    step: "family-steps",
    engine: deviceLine(),
    tfjs: tf.version["tfjs-core"],
    node: process.version,
    scale,
    neuralGpu: { maps: ngpu.model.maps, rows: ngpu.model.rows, relax: ngpu.model.relax, bits, length, batch: ngpu.batchSize, msPerStep: g.ms, timedSteps: g.timed, stepsPerTrial: ngpu.steps, trialHoursAtMost: ngpuTrialH, trialsPerArm: ngpuTrials },
    nram: { memory: nram.memory, maxLength: nram.maxLength, timesteps: nram.timesteps, hidden: nram.hidden, batch: nram.batch, msPerStep: r.ms, timedSteps: r.timed, stepsPerRun: nram.steps, runHours: nramRunH, table4Runs: nramRuns },
  }));
});
