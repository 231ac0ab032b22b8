// The public API, named one by one: internals (resolveSchedule, noiseLayout,
// streamNoise, gradientNoiseKey, recipeTransforms, ...) stay importable by path
// inside the package without freezing the stream-key format as API.
export { annealed, constant, fromFunction, PAPER_GAMMA } from "./schedule";
export type { AnnealedOptions, NoiseSchedule, ScheduleConfig } from "./schedule";
export { chain, mapGradients } from "./transform";
export type { GradientTransform, StepContext, TransformConfig } from "./transform";
export { skipNonFinite } from "./finite";
export type { FiniteRead, NonFiniteGuard, SkipNonFiniteOptions } from "./finite";
export { clipByGlobalNorm, clipByNorm, clipByValue, globalNorm, scaleByRun } from "./clip";
export { addGradientNoise } from "./gradient-noise";
export type { GradientNoiseTransform, NoiseGenerator, NoiseOptions } from "./gradient-noise";
export { addWeightNoise } from "./weight-noise";
export { TransformedOptimizer, withTransforms } from "./optimizer";
export type { NamedTensor, TransformedOptimizerOptions } from "./optimizer";
export { withGradientNoise } from "./recipe";
export type { PaperNoiseOptions } from "./recipe";
export { DisposedError, UnknownOptionError } from "./errors";
