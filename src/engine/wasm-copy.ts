/**
 * Element-wise masks and copies as WebAssembly over tfjs-backend-wasm's heap
 * (wasm-copy.wat), with the bits of the tfjs ops they replace:
 *
 * - clipGrad: clipByValue's gradient, where(x >= lo && x <= hi, dy, 0), in
 *   one pass instead of five kernels (GreaterEqual, LessEqual, LogicalAnd,
 *   ZerosLike, Select: ~1.3 ms each over DNGPU's 86k-element gates, the
 *   backend's scalar comparison kernels), optionally times the scale a hard
 *   sigmoid's affine map puts before the clip (its Multiply gradient).
 * - saturationGrad: the gradient of a saturation cost sum(relu(|x| - lim) rows)
 *   (the hard nonlinearities' penalty), one kernel instead of the taped
 *   chain's ten (Fill, Multiply, Cast, Multiply, Step, Cast, Multiply, Cast,
 *   Step, Multiply), with its f32 multiplies in the same order.
 * - wasmDropoutMask: models/hidden-noise.ts dropoutMask's xoshiro128** loop
 *   writing the mask straight into a tensor on the heap (no JS loop over
 *   Float32Array, no upload copy).
 * - rowShift: column blocks moved by whole rows in one copy (DNGPU's diagonal
 *   shift: a slice, a pad, three slices and a concat on tfjs, and eight
 *   kernels for their gradient).
 * - the shift convolutions' copies and sums (engine/shift-kernels.ts uses
 *   copyModule() when it is there, its JS loops otherwise).
 *
 * Other backends, and a wasm build whose heap cannot be imported, get the
 * tfjs ops. test/unit/engine/wasm-copy.test.ts compares bits on wasm.
 */
import * as tf from "@tensorflow/tfjs";
import { heapInstance, WasmBackendLike } from "./wasm-heap";
import { COPY_WASM_BASE64 } from "./wasm-copy-wasm";

export const CLIP_GRAD_KERNEL = "GradnoiseClipGrad";
export const SATURATION_GRAD_KERNEL = "GradnoiseSaturationGrad";
export const DROPOUT_MASK_KERNEL = "GradnoiseDropoutMask";
export const ROW_SHIFT_KERNEL = "GradnoiseRowShift";

/** The module's exports (byte addresses and sizes as i32). */
export interface CopyModule {
  clipgrad(x: number, dy: number, out: number, n: number, lo: number, hi: number, scale: number, scaled: number): void;
  satgrad(x: number, rows: number, out: number, n: number, c: number, dy: number, lim: number): void;
  dropout(out: number, n: number, s0: number, s1: number, s2: number, s3: number, threshold: number, scale: number): void;
  moveblock(src: number, dst: number, n: number, m: number, col0: number, w: number, shift: number, addzero: number): void;
  stack(x: number, out: number, n: number, c: number, k: number, t: number, o: number, lo: number, hi: number): void;
  stackt(x: number, out: number, n: number, c: number, t: number, o: number, lo: number, hi: number): void;
  sumblock(g: number, out: number, c: number, k: number, t: number, o: number, lo: number, hi: number): void;
}

/** The module over `be`'s heap, or null where it cannot be instantiated. */
export function copyModule(be: WasmBackendLike): CopyModule | null {
  return heapInstance(be, COPY_WASM_BASE64) as unknown as CopyModule | null;
}

/** A tensor's byte address on the backend's heap. */
export const heapAddress = (be: WasmBackendLike, t: tf.TensorInfo): number => be.dataIdMap.get(t.dataId)!.memoryOffset;

const size = (t: tf.TensorInfo) => t.shape.reduce((a, b) => a * b, 1);

const clipGradKernel: tf.KernelConfig["kernelFunc"] = ({ inputs, attrs, backend }) => {
  const be = backend as unknown as WasmBackendLike;
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { lo, hi, scale } = attrs as unknown as { lo: number; hi: number; scale: number };
  const out = be.makeOutput(dy.shape, "float32");
  // lo, hi and scale arrive as f32 parameters: the float32 scalars tfjs makes of the numbers.
  if (size(dy) > 0) copyModule(be)!.clipgrad(heapAddress(be, x), heapAddress(be, dy), heapAddress(be, out), size(dy), lo, hi, scale, scale === 1 ? 0 : 1);
  return out;
};

const saturationGradKernel: tf.KernelConfig["kernelFunc"] = ({ inputs, attrs, backend }) => {
  const be = backend as unknown as WasmBackendLike;
  const { x, rows, dy } = inputs as { x: tf.TensorInfo; rows: tf.TensorInfo; dy: tf.TensorInfo };
  const { limit } = attrs as unknown as { limit: number };
  const out = be.makeOutput(x.shape, "float32");
  const [n, c] = x.shape;
  // dy is this kernel's input on the heap: reading it here is no download.
  const d = be.typedArrayFromHeap(dy)[0];
  if (n * c > 0) copyModule(be)!.satgrad(heapAddress(be, x), heapAddress(be, rows), heapAddress(be, out), n, c, d, limit);
  return out;
};

const dropoutMaskKernel: tf.KernelConfig["kernelFunc"] = ({ attrs, backend }) => {
  const be = backend as unknown as WasmBackendLike;
  const { shape, state, keep } = attrs as unknown as { shape: number[]; state: number[]; keep: number };
  const out = be.makeOutput(shape, "float32");
  const n = shape.reduce((a, b) => a * b, 1);
  // As the JS loop: u < keep 2^32 compared in f64, the kept value 1 / keep stored as float32.
  if (n > 0) copyModule(be)!.dropout(heapAddress(be, out), n, state[0] | 0, state[1] | 0, state[2] | 0, state[3] | 0, keep * 4294967296, 1 / keep);
  return out;
};

/* Column blocks of x [n, m], each moved by whole rows: block b (columns start_b .. start_b + width_b - 1) of row p is x[p + shift_b], +0 outside (+ 0 added to each moved value with addZero). */
const rowShiftKernel: tf.KernelConfig["kernelFunc"] = ({ inputs, attrs, backend }) => {
  const be = backend as unknown as WasmBackendLike;
  const x = inputs.x as tf.TensorInfo;
  const { blocks, addZero } = attrs as unknown as { blocks: [number, number, number][]; addZero: boolean };
  const out = be.makeOutput(x.shape, "float32");
  const [n, m] = x.shape;
  const wasm = copyModule(be)!, xp = heapAddress(be, x), op = heapAddress(be, out);
  for (const [start, width, shift] of blocks) wasm.moveblock(xp, op, n, m, start, width, shift, addZero ? 1 : 0);
  return out;
};

/** Registers the kernels on wasm (once; the registry is per backend name). */
export function installWasmCopy(): void {
  if (!tf.getKernel(CLIP_GRAD_KERNEL, "wasm")) tf.registerKernel({ kernelName: CLIP_GRAD_KERNEL, backendName: "wasm", kernelFunc: clipGradKernel });
  if (!tf.getKernel(SATURATION_GRAD_KERNEL, "wasm")) tf.registerKernel({ kernelName: SATURATION_GRAD_KERNEL, backendName: "wasm", kernelFunc: saturationGradKernel });
  if (!tf.getKernel(ROW_SHIFT_KERNEL, "wasm")) tf.registerKernel({ kernelName: ROW_SHIFT_KERNEL, backendName: "wasm", kernelFunc: rowShiftKernel });
  if (!tf.getKernel(DROPOUT_MASK_KERNEL, "wasm")) tf.registerKernel({ kernelName: DROPOUT_MASK_KERNEL, backendName: "wasm", kernelFunc: dropoutMaskKernel });
}

function ready(kernel: string): boolean {
  installWasmCopy();
  if (tf.getBackend() !== "wasm" || !tf.getKernel(kernel, "wasm")) return false;
  return copyModule(tf.backend() as unknown as WasmBackendLike) !== null;
}

/**
 * The gradient of clipByValue(z, lo, hi) given dy, times `scale` (the
 * gradient through z = scale x + b): tfjs's own formula,
 * where(logicalAnd(greaterEqual(z, lo), lessEqual(z, hi)), dy, zerosLike(dy)),
 * then mul(., scale) unless scale is 1; one kernel on wasm with those bits.
 */
export function clipGrad(z: tf.Tensor, dy: tf.Tensor, lo: number, hi: number, scale = 1): tf.Tensor {
  if (z.dtype === "float32" && dy.dtype === "float32" && tf.util.arraysEqual(z.shape, dy.shape) && ready(CLIP_GRAD_KERNEL)) {
    return tf.engine().runKernel(CLIP_GRAD_KERNEL, { x: z, dy }, { lo: Math.fround(lo), hi: Math.fround(hi), scale: Math.fround(scale) } as unknown as tf.NamedAttrMap) as tf.Tensor;
  }
  return tf.tidy(() => {
    const g = tf.where(tf.logicalAnd(tf.greaterEqual(z, lo), tf.lessEqual(z, hi)), dy, tf.zerosLike(dy));
    return scale === 1 ? g : tf.mul(g, scale);
  });
}

/**
 * The gradient of sum(relu(|x| - limit) rows) (x [n, c], rows [n, 1]) given
 * the scalar dy, as tfjs's tape computes it: dy times ones (Sum), times rows
 * (Multiply), times step(|x| - limit) (Relu), times step(x, -1) (Abs); one
 * kernel on wasm with those bits, the ops elsewhere.
 */
export function saturationGrad(x: tf.Tensor2D, rows: tf.Tensor2D, limit: number, dy: tf.Scalar): tf.Tensor2D {
  const [n, c] = x.shape;
  if (x.dtype === "float32" && rows.dtype === "float32" && dy.dtype === "float32" && tf.util.arraysEqual(rows.shape, [n, 1]) && dy.size === 1 && ready(SATURATION_GRAD_KERNEL)) {
    return tf.engine().runKernel(SATURATION_GRAD_KERNEL, { x, rows, dy }, { limit: Math.fround(limit) } as unknown as tf.NamedAttrMap) as tf.Tensor2D;
  }
  return tf.tidy(() => {
    const d = tf.mul(tf.mul(tf.reshape(dy, [1, 1]), tf.ones([n, c], "float32")), rows);
    return tf.mul(tf.mul(d, tf.step(tf.sub(tf.abs(x), limit))), tf.step(x, -1)) as tf.Tensor2D;
  });
}

/**
 * An inverted-dropout mask of `shape` from a xoshiro128** state (the stream's
 * streamState) by one kernel on wasm, the bits of models/hidden-noise.ts
 * dropoutMask; null elsewhere (the caller draws it in JS).
 */
export function wasmDropoutMask(shape: number[], state: Uint32Array, keep: number): tf.Tensor | null {
  if (!ready(DROPOUT_MASK_KERNEL)) return null;
  return tf.engine().runKernel(DROPOUT_MASK_KERNEL, {}, { shape, state: Array.from(state), keep } as unknown as tf.NamedAttrMap) as tf.Tensor;
}

/** Whether rowShift runs as one kernel here (wasm, the module instantiated over the heap). */
export const rowShiftReady = (): boolean => ready(ROW_SHIFT_KERNEL);

/**
 * x [n, m] float32 with each column block [start, width, shift] moved by
 * whole rows (row p of the block reads row p + shift, +0 outside); with
 * addZero each moved value gets + 0 (-0 becomes +0). One kernel on wasm
 * (check rowShiftReady() first).
 */
export function rowShift(x: tf.Tensor2D, blocks: [number, number, number][], addZero: boolean): tf.Tensor2D {
  return tf.engine().runKernel(ROW_SHIFT_KERNEL, { x }, { blocks, addZero } as unknown as tf.NamedAttrMap) as tf.Tensor2D;
}
