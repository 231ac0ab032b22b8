export * from "./plotly";
export * from "./table";
export * from "./display";
export { INTERRUPTED_LINE, interrupt, InterruptedError, interruptSignal, throwIfInterrupted } from "../train/interrupt";
