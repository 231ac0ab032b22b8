export * from "./classifier";
export * from "./population";
export * from "./memn2n";
