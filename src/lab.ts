/**
 * gradnoise/lab: the reproduction's layers above the library: models, data,
 * trainers and statistics, the experiments framework and the report helpers
 * (plotly figures, tables, notebook display). Kept out of the core entry
 * point so a library user loads none of it. Each section's own
 * helpers (protocol rows, figure builders, types) are `gradnoise/sections/<id>`.
 */
export * as models from "./models";
export * as data from "./data";
export * as train from "./train";
export * as stats from "./stats";
export * as experiments from "./experiments";
export * as report from "./report";
