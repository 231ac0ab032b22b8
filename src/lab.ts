/**
 * gradnoise/lab: the reproduction's experiments framework and report helpers
 * (plotly figures, tables, notebook display). Kept out of the core entry point
 * so a library user loads neither plotly nor report code.
 */
export * as experiments from "./experiments";
export * as report from "./report";
