export * from "./classifier";
export * from "./population";
export * from "./memn2n";
export * from "./optimizer";
export { runSteps } from "./loop";
