/**
 * Faster Slice, SplitV, Unpack and Identity kernels for the WASM backend, same values.
 *
 * tfjs-backend-wasm 4.22's Slice reads its whole input with readSync, which
 * copies the input out of the WASM heap on every call: cutting one 20-row
 * time step out of a [400, 800] tensor copies 1.3 MB (measured ~0.6-0.9 ms,
 * against ~20 us for an elementwise op on the step), and a recurrent layer
 * does that every step. This kernel copies only the slice, from a view of
 * the heap. Ranks 1 and 2 of float32/int32/bool; anything else goes to the
 * original kernel.
 */
import * as tf from "@tensorflow/tfjs";

type KernelFunc = tf.KernelConfig["kernelFunc"];

interface WasmHeap {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

type HeapView = Float32Array | Int32Array | Uint8Array;

/*
 * Row r of the block: width values from src at from + r * stride, to dst at r * width.
 * Narrow rows by an element loop: a subarray per row costs more than the copy
 * (measured, 384 rows of 12 floats: 13-16 us against 49-67 us).
 */
function copyRows(src: HeapView, from: number, stride: number, dst: HeapView, rows: number, width: number): void {
  if (width > 64) {
    for (let r = 0; r < rows; r++) dst.set(src.subarray(from + r * stride, from + r * stride + width), r * width);
    return;
  }
  for (let r = 0; r < rows; r++) {
    const s = from + r * stride, d = r * width;
    for (let j = 0; j < width; j++) dst[d + j] = src[s + j];
  }
}

function fastSlice(original: KernelFunc): KernelFunc {
  return (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    const { begin, size } = args.attrs as unknown as { begin: number | number[]; size?: number | number[] };
    const rank = x.shape.length;
    if (x.dtype === "string" || rank < 1 || rank > 2) return original(args);
    const [b, s] = tf.slice_util.parseSliceParams(x as unknown as tf.Tensor, begin, size);
    if (s.some((n) => n <= 0)) return original(args);
    const be = args.backend as unknown as WasmHeap;
    // Internal backend methods (tfjs-backend-wasm 4.x); an older or newer backend without them keeps its own kernel.
    if (typeof be.makeOutput !== "function" || typeof be.typedArrayFromHeap !== "function") return original(args);
    // Output first: its allocation may grow the heap, which detaches older views.
    const out = be.makeOutput(s, x.dtype);
    const xv = be.typedArrayFromHeap(x);
    const ov = be.typedArrayFromHeap(out);
    const cols = rank === 2 ? x.shape[1] : 1;
    if (rank === 1 || (b[1] === 0 && s[1] === cols)) {
      const from = b[0] * cols;
      ov.set(xv.subarray(from, from + s[0] * cols));
    } else {
      copyRows(xv, b[0] * cols + b[1], cols, ov, s[0], s[1]);
    }
    return out;
  };
}

/*
 * SplitV (tf.split, and the gradient of every tf.concat): the WASM kernel
 * calls its own Slice per piece, which reads the whole input each time, so
 * splitting into k pieces copies the input k times. Any rank: viewed as
 * [outer, axis * inner], piece j is a column block [outer, size_j * inner],
 * copied row by row. Measured in an NRAM step (WASM): 119 SplitV calls took
 * 50 ms of 248 ms of kernel time. Copies only: the same values.
 */
function fastSplitV(original: KernelFunc): KernelFunc {
  return (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    const { numOrSizeSplits, axis } = args.attrs as unknown as { numOrSizeSplits: number | number[]; axis: number | number[] };
    const be = args.backend as unknown as WasmHeap;
    if (x.dtype === "string" || x.shape.length < 1 || typeof be.makeOutput !== "function" || typeof be.typedArrayFromHeap !== "function") return original(args);
    const ax = tf.util.parseAxisParam(axis, x.shape)[0];
    const sizes = tf.backend_util.prepareSplitSize(x as unknown as tf.Tensor, numOrSizeSplits, ax);
    const outer = x.shape.slice(0, ax).reduce((a, b) => a * b, 1);
    const inner = x.shape.slice(ax + 1).reduce((a, b) => a * b, 1);
    const row = x.shape[ax] * inner;
    // Outputs first: their allocation may grow the heap, which detaches older views.
    const outs = sizes.map((n) => be.makeOutput(x.shape.map((d, i) => (i === ax ? n : d)), x.dtype));
    const xv = be.typedArrayFromHeap(x);
    let from = 0;
    outs.forEach((out, j) => {
      const ov = be.typedArrayFromHeap(out);
      const width = sizes[j] * inner;
      if (outer === 1) ov.set(xv.subarray(from, from + width));
      else copyRows(xv, from, row, ov, outer, width);
      from += width;
    });
    return outs;
  };
}

/* Unpack (tf.unstack, and every tf.stack's gradient): the same per-piece Slice in the WASM kernel; here each piece [outer, inner] is copied once. */
function fastUnpack(original: KernelFunc): KernelFunc {
  return (args) => {
    const x = args.inputs.value as tf.TensorInfo;
    const be = args.backend as unknown as WasmHeap;
    if (x.dtype === "string" || x.shape.length < 1 || typeof be.makeOutput !== "function" || typeof be.typedArrayFromHeap !== "function") return original(args);
    let ax = (args.attrs as unknown as { axis: number }).axis;
    if (ax < 0) ax += x.shape.length;
    const n = x.shape[ax];
    const outer = x.shape.slice(0, ax).reduce((a, b) => a * b, 1);
    const inner = x.shape.slice(ax + 1).reduce((a, b) => a * b, 1);
    const shape = x.shape.filter((_, i) => i !== ax);
    // Outputs first: their allocation may grow the heap, which detaches older views.
    const outs = Array.from({ length: n }, () => be.makeOutput(shape, x.dtype));
    const xv = be.typedArrayFromHeap(x);
    outs.forEach((out, j) => {
      const ov = be.typedArrayFromHeap(out);
      if (outer === 1) ov.set(xv.subarray(j * inner, (j + 1) * inner));
      else copyRows(xv, j * inner, n * inner, ov, outer, inner);
    });
    return outs;
  };
}

/*
 * Identity (tf.clone; the engine clones every tensor an op saves for its
 * gradient, and customGrad outputs) copies its input on WASM. Tensors are
 * immutable (a variable's assign takes a new buffer), so the output can
 * share the input's buffer, as WASM's own Reshape and the cpu backend's
 * Identity do. An NRAM step ran 1,136 Identity copies.
 */
function sharedIdentity(original: KernelFunc): KernelFunc {
  return (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    const be = args.backend as unknown as { incRef?: (dataId: unknown) => void };
    if (x.dtype === "string" || typeof be.incRef !== "function") return original(args);
    be.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
}

let installed = false;

/** Replaces the WASM backend's Slice, SplitV, Unpack and Identity kernels (once; after @tensorflow/tfjs-backend-wasm has registered them). */
export function installWasmSlice(): void {
  const k = tf.getKernel("Slice", "wasm");
  const split = tf.getKernel("SplitV", "wasm");
  if (installed || !k) return;
  tf.unregisterKernel("Slice", "wasm");
  tf.registerKernel({ ...k, kernelFunc: fastSlice(k.kernelFunc) });
  if (split) {
    tf.unregisterKernel("SplitV", "wasm");
    tf.registerKernel({ ...split, kernelFunc: fastSplitV(split.kernelFunc) });
  }
  const unpack = tf.getKernel("Unpack", "wasm");
  if (unpack) {
    tf.unregisterKernel("Unpack", "wasm");
    tf.registerKernel({ ...unpack, kernelFunc: fastUnpack(unpack.kernelFunc) });
  }
  const identity = tf.getKernel("Identity", "wasm");
  if (identity) {
    tf.unregisterKernel("Identity", "wasm");
    tf.registerKernel({ ...identity, kernelFunc: sharedIdentity(identity.kernelFunc) });
  }
  installed = true;
}
