export { batchIndices, batchTensors, checkDataset, split, subset } from "./dataset";
export type { Dataset } from "./dataset";
export { gaussianClusters } from "./synthetic";
export type { ClustersOptions } from "./synthetic";
export { findMnistDir, loadMnist, MNIST_FILES, readIdxFile } from "./mnist";
export type { MnistOptions, MnistSplit } from "./mnist";
export { babiVocabulary, BabiFormatError, downloadBabi, findBabiDir, holdOut, loadBabiTask, parseBabi, tokenize } from "./babi";
export type { BabiExample, BabiTask } from "./babi";
