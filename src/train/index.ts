export { accuracy, trainClassifier } from "./classifier";
export type { Classifier, Progress, TrainHistory, TrainOptions } from "./classifier";
export { populationBatch, trainPopulation } from "./population";
export type { PopulationHistory, PopulationTrainOptions } from "./population";
export { encodeExamples, errorRate, learningRateAt, trainMemN2N } from "./memn2n";
export type { MemN2NHistory, MemN2NTrainOptions } from "./memn2n";
export { buildOptimizer, setLearningRate } from "./optimizer";
export type { OptimizerName, OptimizerSpec } from "./optimizer";
export { runSteps } from "./loop";
