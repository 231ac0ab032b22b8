// The public seeded streams; streamState is an implementation detail of fillGaussian.
export { fillGaussian, gaussian, permutation, streamKey, uniformStream } from "./rng";
export type { SeedPart } from "./rng";
