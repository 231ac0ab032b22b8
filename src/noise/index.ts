export * from "./schedule";
export * from "./transform";
export * from "./clip";
export * from "./gradient-noise";
export * from "./weight-noise";
export * from "./optimizer";
export { requireSeed } from "./validate";
