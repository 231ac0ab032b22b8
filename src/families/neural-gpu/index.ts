/**
 * The Neural GPU family (GN Section 4.5): binary multiplication, the model
 * (CGRUs over a mental image, parameter-sharing relaxation) and its
 * trainer, and DNGPU (the extension: dngpu.ts, adamax.ts, dngpu-train.ts); what the neural-gpu section, its notebook and the bench share.
 */
export * from "./task";
export * from "./model";
export * from "./train";
export * from "./dngpu";
export * from "./adamax";
export * from "./dngpu-train";
