/**
 * GPU check, step "paper-run": one run of a Table 1 row at the paper scale's
 * configuration (deep-mlp, experiment 1 "Simple Init, No Gradient Clip",
 * "With Noise", lr 0.01; MNIST, 20x50 ReLU, batch 32) for a few hundred
 * updates instead of the paper's 50,000, through the experiment registry as
 * a sweep would run it: test accuracy, seconds, and what a whole run and the
 * whole table (40 runs per row) would take at that speed.
 */
import * as tf from "@tensorflow/tfjs";
import { deviceLine, selectBackend, softwareAllowedByEnv } from "../../src/engine";
import type { RunContext } from "../../src/experiments/contract";
import { getExperiment } from "../../src/experiments/registry";
import { TABLE1 } from "../../src/sections/deep-mlp/paper";
import type { DeepMlpConfig, RunRecord, RunSpec } from "../../src/sections/deep-mlp/run";
import { runStep, stepArgs } from "./args";

runStep(async () => {
  const args = stepArgs("paper-run", process.argv.slice(2), { steps: [500, 20] });
  const e = getExperiment("deep-mlp");
  const paper = e.configs.paper as unknown as DeepMlpConfig;
  const steps = args.ints.steps;
  const config: DeepMlpConfig = { ...paper, experiments: ["exp1"], settings: ["With Noise"], learningRates: [0.01], runsPerLr: 1, steps, evalEvery: steps };
  await selectBackend({ backend: args.backend, requiredKernels: e.requiredKernels, allowSoftwareAdapter: softwareAllowedByEnv() });
  console.log(`paper-run: ${deviceLine()}`);
  const spec = e.plan(config as never)[0] as unknown as RunSpec;
  console.log(`paper-run: deep-mlp ${spec.key} at the paper scale's settings (${paper.depth}x${paper.width}, batch ${paper.batchSize}, eta ${paper.eta}, gamma ${paper.gamma}) for ${steps} of its ${paper.steps} updates`);
  const ctx: RunContext = { scale: "paper", cache: new Map() };
  const t0 = performance.now();
  const record = (await e.run(spec as never, config as never, ctx)) as unknown as RunRecord;
  const wall = (performance.now() - t0) / 1000;
  const perStep = record.seconds / steps;
  const rows = TABLE1.reduce((n, x) => n + x.rows.length, 0);
  const result = {
    step: "paper-run",
    engine: record.engine,
    tfjs: tf.version["tfjs-core"],
    node: process.version,
    run: spec.key,
    steps,
    batchSize: record.batchSize,
    testAccuracy: record.testAccuracy,
    diverged: record.diverged,
    trainSeconds: record.seconds,
    wallSeconds: wall,
    stepsPerSec: steps / record.seconds,
    projected: { oneRunOfPaperSteps_h: (perStep * paper.steps) / 3600, runsPerRow: paper.runsPerLr * paper.learningRates.length, table1Rows: rows },
  };
  console.log(`paper-run: ${steps} updates in ${record.seconds.toFixed(1)} s (${result.stepsPerSec.toFixed(1)} steps/s), test accuracy ${(record.testAccuracy * 100).toFixed(2)}%${record.diverged ? " (diverged)" : ""}; a full run of ${paper.steps} updates: ~${result.projected.oneRunOfPaperSteps_h.toFixed(2)} h at this speed`);
  console.log(JSON.stringify(result));
});
