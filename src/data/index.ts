export * from "./dataset";
export * from "./synthetic";
