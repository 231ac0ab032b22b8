/**
 * What notebook 00 shows beside the demo: the paper's protocol for the
 * experiment the demo miniaturises (Table 1, Experiment 6), and a direct check
 * that the wrapper draws the variance Eq. 1 promises.
 */
import * as tf from "@tensorflow/tfjs";
import { buildOptimizer } from "../../train/optimizer";
import { annealed } from "../../noise/schedule";
import type { Cell } from "../../report/table";
import type { PlateauConfig } from "./run";

/** Table 1, Experiment 6 as the paper runs it (Section 4.1). */
export const PAPER_EXP6_PROTOCOL = {
  depth: 20, width: 50, learningRate: "0.1 and 0.01", clipGlobalNorm: 10, eta: 0.01, gamma: 0.55, data: "MNIST", runs: "40 per setting",
} as const;

/** The paper's protocol beside this scale's, one row per setting. */
export function protocolRows(cfg: PlateauConfig, scale: string): Record<string, Cell>[] {
  const here: Record<keyof typeof PAPER_EXP6_PROTOCOL, Cell> = {
    depth: cfg.depth, width: cfg.width, learningRate: cfg.learningRate, clipGlobalNorm: cfg.clipGlobalNorm, eta: cfg.eta, gamma: cfg.gamma,
    data: `synthetic clusters (${cfg.data.train} train / ${cfg.data.test} test, ${cfg.data.features} features, ${cfg.data.classes} classes)`,
    runs: `${cfg.seeds.length} per setting, ${cfg.steps} steps of batch ${cfg.batchSize}`,
  };
  return (Object.keys(PAPER_EXP6_PROTOCOL) as (keyof typeof PAPER_EXP6_PROTOCOL)[]).map((k) => ({ setting: k, "paper (Table 1, Exp. 6)": PAPER_EXP6_PROTOCOL[k], [`this run (${scale})`]: here[k] }));
}

/**
 * Empirical variance of the noise at steps `steps`: SGD with learning rate 1
 * on a zero gradient moves each weight by exactly minus the noise, so the
 * weights' change is `n` draws of step t's noise. The ratio to Eq. 1's
 * variance has standard error sqrt(2/n).
 */
export async function noiseVarianceRows(opts: { eta: number; seed: number; steps: number[]; n?: number }): Promise<Record<string, Cell>[]> {
  const n = opts.n ?? 100000;
  const probe = tf.tidy(() => tf.variable(tf.zeros([n]), true, `noise-probe-${Date.now()}-${Math.random()}`)); // tidy frees the initial tensor
  const opt = buildOptimizer({ lr: 1, noise: { eta: opts.eta, seed: opts.seed } });
  const schedule = annealed({ eta: opts.eta });
  const rows: Record<string, Cell>[] = [];
  try {
    for (const t of opts.steps) {
      opt.step = t; // jump the wrapper's counter to step t
      const before = await probe.data();
      const zero = tf.zerosLike(probe);
      opt.applyGradients({ [probe.name]: zero });
      zero.dispose();
      const after = await probe.data();
      let s = 0;
      let s2 = 0;
      for (let i = 0; i < n; i++) {
        const d = before[i] - after[i];
        s += d;
        s2 += d * d;
      }
      const mean = s / n;
      const v = s2 / n - mean * mean;
      rows.push({ t, "schedule variance": schedule.variance(t), "empirical variance": v, ratio: v / schedule.variance(t), "empirical mean": mean });
    }
  } finally {
    opt.dispose();
    probe.dispose();
  }
  return rows;
}
