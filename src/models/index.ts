export { initLabel, initStd, initWeights, randomWalkStd, SIMPLE_INIT } from "./init";
export type { InitScheme } from "./init";
export { MLP, MLP_TRAINING_KERNELS } from "./mlp";
export type { MLPConfig } from "./mlp";
export { matMul2d, populationMatMul } from "./dense";
export { PopulationMLP, POPULATION_TRAINING_KERNELS } from "./population-mlp";
export type { PopulationMLPConfig } from "./population-mlp";
export { encodeBatch, MemN2N, MEMN2N_GATHER_KERNELS, MEMN2N_TRAINING_KERNELS, PAPER_ENCODING, positionWeight, referencePositionWeight } from "./memn2n";
export type { EncodedExample, MemN2NBatch, MemN2NOptions, MemN2NOutput, PositionEncoding } from "./memn2n";
