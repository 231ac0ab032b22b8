/**
 * gradnoise/lab: the reproduction's experiments framework and report helpers
 * (plotly figures, tables, notebook display). Kept out of the core entry point
 * so a library user loads neither plotly nor report code. Each section's own
 * helpers (protocol rows, figure builders, types) are `gradnoise/sections/<id>`.
 */
export * as experiments from "./experiments";
export * as report from "./report";
