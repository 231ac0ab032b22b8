/**
 * The deep-MLP family (ReLU networks trained by SGD with and without
 * gradient noise): what the method section (Section 3's plateau) and the
 * deep-mlp section (Section 4.1, Table 1) share.
 */
export { trainMlpRun } from "./recipe";
export type { MlpRunOutcome, MlpRunSetup } from "./recipe";
