/**
 * GN Section 4.4, Table 4, and the NRAM lines of Section 4.6: the numbers we
 * compare with (fractions of runs).
 */

/** Table 4: fraction of the same 100 seeds reaching 100% accuracy, per top setting. */
export const TABLE4 = [
  { setting: 1, plain: 0.01, noise: 0.05 },
  { setting: 2, plain: 0.0, noise: 0.22 },
  { setting: 3, plain: 0.03, noise: 0.07 },
] as const;

/** Table 4's averages over the three settings. */
export const TABLE4_AVERAGE = { plain: 0.013, noise: 0.113 } as const;

/** Section 4.6, NRAM: fixed noise (180 runs per setting) never reaches error 0. */
export const FIXED_NOISE = { successes: 0, runs: 180 } as const;

/** Section 4.6, NRAM, no noise: runs of 100 reaching error 0 per batch size (50 was the best results' size). */
export const BATCH_SIZES = [
  { batch: 50, successes: 2, runs: 100 },
  { batch: 10, successes: 1, runs: 100 },
  { batch: 25, successes: 0, runs: 100 },
] as const;

/** Section 4.6, NRAM: annealed weight noise (starting variance down to 1e-6) leaves at best 57% error. */
export const WEIGHT_NOISE_BEST_ERROR = 0.57;
