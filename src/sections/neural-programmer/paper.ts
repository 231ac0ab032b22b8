/**
 * What GN reports for Neural Programmer (Section 4.3, Table 3; Section 4.6),
 * and the arms our sweep trains to compare with it.
 */
import type { TaskKind } from "../../families/neural-programmer";

/** The arms: Section 4.3's four settings and Section 4.6's ablations (batch 50 without noise is the "no noise" arm: 50 is the base batch). */
export const ARMS = ["no noise", "noise", "dropout", "dropout + noise", "fixed noise", "batch 10", "batch 25", "weight noise"] as const;
export type Arm = (typeof ARMS)[number];

/** Which arms each task trains: single column has 4.3's three settings and the 4.6 ablations; five columns and text have Table 3's four. */
export const ARMS_OF: Record<TaskKind, readonly Arm[]> = {
  single: ["no noise", "noise", "dropout", "fixed noise", "batch 10", "batch 25", "weight noise"],
  five: ["no noise", "noise", "dropout", "dropout + noise"],
  text: ["no noise", "noise", "dropout", "dropout + noise"],
};

/** GN 4.3: runs (of 216 = 72 grid points x 3 seeds) reaching 100% test accuracy on single-column questions; 4.6: fixed noise 5, batch sizes 10/25/50 without noise 0. */
export const PERFECT_OF_216: Partial<Record<Arm, number>> = { "no noise": 1, noise: 9, dropout: 0, "fixed noise": 5, "batch 10": 0, "batch 25": 0 };

/** GN Table 3: test accuracy (%) of the best run per setting. */
export const TABLE3: Record<"five" | "text", Record<"no noise" | "noise" | "dropout" | "dropout + noise", number>> = {
  five: { "no noise": 95.3, noise: 98.7, dropout: 97.4, "dropout + noise": 99.2 },
  text: { "no noise": 97.6, noise: 98.8, dropout: 99.1, "dropout + noise": 97.3 },
};

/** GN 4.6: with weight noise (annealed from eta as low as 1e-6) the best Neural Programmer runs still have >= 68% error. */
export const WEIGHT_NOISE_BEST_ERROR = 0.68;

export const TASK_TITLES: Record<TaskKind, string> = { single: "single column", five: "up to five columns", text: "number + text column" };
