export * from "./dataset";
export * from "./synthetic";
export * from "./mnist";
