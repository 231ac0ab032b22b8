export * from "./rng";
