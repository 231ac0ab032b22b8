export * from "./scale";
export * from "./plateau";
export * from "./results";
export * from "./deep-mlp";
export * from "./memn2n";
