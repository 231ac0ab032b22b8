/**
 * Table 2 of the revised paper (shared/papers/001, Section 4.2) and the
 * reference implementation's per-task test errors.
 */
export type Table2Setting = "one-stage" | "one-stage + noise" | "two-stage" | "two-stage + noise";
export const TABLE2_SETTINGS: readonly Table2Setting[] = ["one-stage", "one-stage + noise", "two-stage", "two-stage + noise"];

/** Table 2 of the revised paper (shared/papers/001, Section 4.2): errors averaged over the 20 tasks. */
export const TABLE2: Readonly<Record<Table2Setting, { train: number; validation: number }>> = {
  "one-stage": { train: 0.105, validation: 0.195 },
  "one-stage + noise": { train: 0.096, validation: 0.166 },
  "two-stage": { train: 0.062, validation: 0.109 },
  "two-stage + noise": { train: 0.059, validation: 0.108 },
};

/**
 * Test error per task of the reference MemN2N (Sukhbaatar et al. 2015, 3 hops,
 * PE LS RN, 1k, per-task models; via shared/REFERENCE.md): the sanity column
 * for our plain two-stage model.
 */
export const REFERENCE_TEST_ERROR: readonly number[] = [
  0.001, 0.082, 0.418, 0.044, 0.137, 0.079, 0.203, 0.117, 0.136, 0.097, 0.007, 0.0, 0.003, 0.009, 0.0, 0.004, 0.51, 0.105, 0.814, 0.0,
];

