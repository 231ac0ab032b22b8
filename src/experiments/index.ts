export * from "./scale";
export * from "./plateau";
