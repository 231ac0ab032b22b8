export * from "./backend";
export * from "./device";
export * from "./kernel-fills";
export * from "./webgpu";
export * from "./interrupt";
