/**
 * The NRAM family (Neural Random-Access Machines on ListK, GN Sections 4.4
 * and 4.6): the task, the machine, its trainer and the execution trace, shared
 * by the nram section, its notebook and the benchmark.
 */
export * from "./task";
export * from "./modules";
export * from "./model";
export * from "./train";
export * from "./trace";
