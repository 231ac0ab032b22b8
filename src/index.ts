/**
 * gradnoise: annealed Gaussian gradient noise (Neelakantan et al., Section 3;
 * Eq. 1: sigma_t^2 = eta / (1 + t)^gamma) as composable TensorFlow.js gradient
 * transforms: noise schedules, the transforms, the optimizer wrappers, seeded
 * random streams and backend selection.
 *
 * The reproduction's models, data, trainers, statistics, experiments and
 * report code are `gradnoise/lab` (src/lab.ts). Every name here is public API
 * (semver from 0.2.0), listed one by one.
 */
export {
  addGradientNoise,
  addWeightNoise,
  annealed,
  chain,
  clipByGlobalNorm,
  clipByNorm,
  clipByValue,
  constant,
  DisposedError,
  fromFunction,
  globalNorm,
  mapGradients,
  PAPER_GAMMA,
  scaleByRun,
  skipNonFinite,
  TransformedOptimizer,
  UnknownOptionError,
  withGradientNoise,
  withTransforms,
} from "./noise";
export type {
  AnnealedOptions,
  FiniteRead,
  GradientNoiseTransform,
  GradientTransform,
  NamedTensor,
  NoiseOptions,
  NoiseSchedule,
  NonFiniteGuard,
  PaperNoiseOptions,
  ScheduleConfig,
  SkipNonFiniteOptions,
  StepContext,
  TransformConfig,
  TransformedOptimizerOptions,
} from "./noise";
export { fillGaussian, gaussian, permutation, streamKey, uniformStream } from "./random";
export type { SeedPart } from "./random";
// From the engine's modules directly: engine/index.ts also serves the package's own internals.
export { BACKEND_ENV, BACKENDS, selectBackend } from "./engine/backend";
export type { BackendChoice, BackendName, BackendOptions } from "./engine/backend";
export { describeDevice, deviceLine } from "./engine/device";
export type { DeviceReport } from "./engine/device";
export { fillMissingKernels, kernelsUsedBy, missingKernels } from "./engine/kernel-fills";
export { devicePacer, prepareWebGPU, webgpuAdapter } from "./engine/webgpu";
// Thrown by what works only in Node (prefetch, tfjs-node, Dawn) when used in a web page (docs/browser.md).
export { NodeOnlyError } from "./engine/runtime";
export type { WebGPUAdapterReport } from "./engine/webgpu";
// Stopping long work: Kernel > Interrupt in a notebook, or interrupt() from your own code; loops throw InterruptedError.
export { interrupt, InterruptedError, interruptSignal } from "./engine/interrupt";
