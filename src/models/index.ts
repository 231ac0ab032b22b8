export * from "./init";
export * from "./mlp";
