/** Statistics for comparing training runs: summaries, bootstrap intervals and two-sample tests. */
export * from "./summary";
export * from "./tests";
export * from "./plateau";
