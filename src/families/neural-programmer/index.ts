/**
 * The Neural Programmer family (GN Section 4.3 and its Section 4.6
 * ablations): the synthetic table task, the model, its trainer and the
 * induced programs, shared by the section, its notebook and the bench.
 */
export * from "./data";
export * from "./batch";
export * from "./model";
export * from "./train";
