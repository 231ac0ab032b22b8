export * from "./classifier";
export * from "./population";
