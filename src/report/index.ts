export * from "./plotly";
export * from "./table";
export * from "./display";
export * from "./diagram";
