/**
 * gradnoise: annealed Gaussian gradient noise (Neelakantan et al., Section 3)
 * as composable TensorFlow.js gradient transforms, plus the engine, models,
 * data, training loop and report helpers the paper reproductions use.
 */
export * from "./noise";
export * as engine from "./engine";
export * as models from "./models";
export * as data from "./data";
export * as train from "./train";
export * as experiments from "./experiments";
export * as report from "./report";
export * as stats from "./stats";
export { selectBackend, describeDevice, deviceLine } from "./engine";
export { MLP, MemN2N } from "./models";
