/**
 * gradnoise: annealed Gaussian gradient noise (Neelakantan et al., Section 3)
 * as composable TensorFlow.js gradient transforms, plus the engine, models,
 * data, training loop and statistics the paper reproductions use.
 *
 * This core entry loads neither the report code (plotly) nor the experiments:
 * those are `gradnoise/lab` (src/lab.ts). Every name here is public API.
 */
export * from "./noise";
export { fillGaussian, gaussian, permutation, streamKey, uniformStream } from "./random";
export type { SeedPart } from "./random";
export { BACKEND_ENV, BACKENDS, describeDevice, deviceLine, fillMissingKernels, kernelsUsedBy, missingKernels, prepareWebGPU, selectBackend, webgpuAdapter } from "./engine";
export type { BackendChoice, BackendName, BackendOptions, DeviceReport, WebGPUAdapterReport } from "./engine";
export * as models from "./models";
export * as data from "./data";
export * as train from "./train";
export * as stats from "./stats";
