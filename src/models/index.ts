export * from "./init";
export * from "./mlp";
export * from "./dense";
export * from "./population-mlp";
export * from "./memn2n";
