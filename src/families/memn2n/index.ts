/**
 * The memory-network family (End-To-End Memory Networks on bAbI, GN Section
 * 4.2): what the memn2n section, its notebook and the benchmark share.
 */
export { memn2nFor, prepareTask } from "./task";
export type { TaskData } from "./task";
export { attentionPicture } from "./attention";
export type { AttentionPicture } from "./attention";
