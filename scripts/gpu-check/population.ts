/**
 * GPU check, step "population": the 20x50 ReLU MLP (Table 1's net; clip 10,
 * noise eta 0.01, SGD) trained as one population of R runs (PopulationMLP)
 * against a loop of R single runs, run-steps per second each, on one
 * backend. Synthetic batches (the speed does not depend on MNIST's pixels);
 * losses are read every 10 steps, as the trainers log them, and at the end;
 * between reads each step waits for the one before it, as runSteps does
 * (devicePacer: unpaced, the population of 40 crashed lavapipe).
 */
import * as tf from "@tensorflow/tfjs";
import { deviceLine, devicePacer, selectBackend, softwareAllowedByEnv } from "../../src/engine";
import { MLP } from "../../src/models/mlp";
import { POPULATION_TRAINING_KERNELS, PopulationMLP } from "../../src/models/population-mlp";
import { buildOptimizer } from "../../src/train/optimizer";
import { runStep, stepArgs } from "./args";

const NET = { inputSize: 784, hidden: Array(20).fill(50) as number[], outputSize: 10, init: { kind: "normal" as const, std: 0.1 } };
const READ_EVERY = 10;

function batch(runs: number | null, b: number): { x: tf.Tensor; y: tf.Tensor } {
  const lead = runs === null ? [] : [runs];
  const n = (runs ?? 1) * b;
  return tf.tidy(() => ({
    x: tf.randomUniform([...lead, b, 784], 0, 1, "float32", 1),
    y: tf.reshape(tf.oneHot(tf.randomUniform([n], 0, 10, "int32", 2) as tf.Tensor1D, 10), [...lead, b, 10]).toFloat(),
  }));
}

/** Seconds for `steps` steps of one population of `runs` nets (after `warmup` untimed steps). */
async function population(runs: number, b: number, steps: number, warmup: number): Promise<number> {
  const seeds = Array.from({ length: runs }, (_, r) => r);
  const model = new PopulationMLP({ ...NET, seeds });
  const opt = buildOptimizer({ lr: 0.1, runs, clip: { globalNorm: 10 }, noise: { eta: 0.01, seed: seeds } });
  const { x, y } = batch(runs, b);
  const pace = devicePacer();
  let t0 = 0;
  try {
    for (let s = 0; s < warmup + steps; s++) {
      if (s === warmup) t0 = performance.now();
      const read = s % READ_EVERY === 0 || s === warmup + steps - 1;
      const cost = opt.minimize(() => tf.sum(model.lossPerRun(x as tf.Tensor3D, y as tf.Tensor3D)), read, model.variables);
      if (cost) {
        await cost.data();
        cost.dispose();
      }
      await pace();
    }
    return (performance.now() - t0) / 1000;
  } finally {
    tf.dispose([x, y]);
    opt.dispose();
    model.dispose();
  }
}

/** Seconds for `runs` single runs one after another, `steps` steps each, building each run's net and optimizer inside the timing. */
async function loop(runs: number, b: number, steps: number): Promise<number> {
  const { x, y } = batch(null, b);
  const pace = devicePacer();
  const t0 = performance.now();
  try {
    for (let r = 0; r < runs; r++) {
      const model = new MLP({ ...NET, seed: r });
      const opt = buildOptimizer({ lr: 0.1, clip: { globalNorm: 10 }, noise: { eta: 0.01, seed: r } });
      for (let s = 0; s < steps; s++) {
        const read = s % READ_EVERY === 0 || s === steps - 1;
        const cost = opt.minimize(() => model.loss(x as tf.Tensor2D, y as tf.Tensor2D), read, model.variables);
        if (cost) {
          await cost.data();
          cost.dispose();
        }
        await pace();
      }
      opt.dispose();
      model.dispose();
    }
    return (performance.now() - t0) / 1000;
  } finally {
    tf.dispose([x, y]);
  }
}

runStep(async () => {
  const args = stepArgs("population", process.argv.slice(2), { runs: [40, 8], steps: [100, 4], batch: [32, 32] });
  const { runs, steps, batch: b } = args.ints;
  await selectBackend({ backend: args.backend, requiredKernels: POPULATION_TRAINING_KERNELS, allowSoftwareAdapter: softwareAllowedByEnv() });
  console.log(`population: ${deviceLine()}`);
  console.log(`population: 20x50 ReLU MLP, batch ${b}, SGD lr 0.1, clip 10, noise eta 0.01; ${runs} runs x ${steps} steps, as one population and as a loop of single runs`);
  // Warm-up: compile every kernel of both paths once (shader compilation is not training speed).
  await loop(1, b, 3);
  const popSecs = await population(runs, b, steps, 3);
  console.log(`population: one population of ${runs}: ${steps} steps in ${popSecs.toFixed(2)} s`);
  const loopSecs = await loop(runs, b, steps);
  const result = {
    step: "population",
    engine: deviceLine(),
    tfjs: tf.version["tfjs-core"],
    node: process.version,
    runs,
    steps,
    batch: b,
    population: { seconds: popSecs, runStepsPerSec: (runs * steps) / popSecs, examplesPerSec: (runs * steps * b) / popSecs },
    loopOfSingles: { seconds: loopSecs, runStepsPerSec: (runs * steps) / loopSecs, examplesPerSec: (runs * steps * b) / loopSecs },
    populationSpeedup: loopSecs / popSecs,
  };
  console.log(`population: one population of ${runs}: ${result.population.runStepsPerSec.toFixed(1)} run-steps/s; loop of ${runs} single runs: ${result.loopOfSingles.runStepsPerSec.toFixed(1)} run-steps/s; population ${result.populationSpeedup.toFixed(2)}x the loop`);
  console.log(JSON.stringify(result));
});
