/** Statistics for comparing training runs: summaries, bootstrap intervals and two-sample tests. */
export { bootstrapCI, mean, median, quantile, slope, std } from "./summary";
export type { BootstrapCI, BootstrapOptions } from "./summary";
export { erfc, fisherExact, formatP, mannWhitneyU, normalCdf, pairedPermutationTest, permutationTest } from "./tests";
export type { Alternative, MannWhitneyOptions, MannWhitneyResult, PairedPermutationOptions, PermutationTestOptions, PermutationTestResult } from "./tests";
export { leftPlateau, PLATEAU_MARGIN } from "./plateau";
export { pairedTTest, studentTQuantile, studentTTwoSided, tInterval, welchInterval, welchTTest } from "./ttest";
export type { TTestResult } from "./ttest";
export { binomialCdf, binomialTwoSided, clopperPearson, detectableRate, pairedPower, pairedProportions } from "./proportions";
export type { ArmCount, PairedProportions } from "./proportions";
