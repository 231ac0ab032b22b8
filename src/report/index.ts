export * from "./plotly";
export * from "./table";
export * from "./display";
export * from "./plots";
export * from "./memn2n-plots";
