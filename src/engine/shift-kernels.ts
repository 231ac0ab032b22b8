/**
 * Copy kernels for the convolutions of models/shift-conv.ts, written for the
 * WASM backend in JS over the backend's heap: ShiftStack and ShiftSum for the
 * bordered layout (shiftConv), Im2Col3x3 and Flip3x3 for the image without a
 * border (conv3x3, and the Neural GPU's CGRU op).
 *
 * A 3x3 convolution as one product needs its input's nine shifted copies
 * side by side (im2col). With tfjs ops that is a pad, nine slices and a
 * concat along axis 1, and WASM's concat along axis 1 alone costs more than
 * the product it feeds (measured: 1.3 ms for nine [1920, 12] blocks, the
 * product 1.0 ms); nine separate products instead are small and pay
 * XNNPACK's per-call cost nine times. A plain copy loop writes the stacked
 * matrix directly, and its adjoint (a sum of shifted blocks) likewise.
 *
 *   ShiftStack: x [N, C] -> [N, K C], block k of row p = x[p + o_k] (0 outside 0..N-1);
 *               with `transpose`, the same matrix transposed, [K C, N] (for x^T dy).
 *   ShiftSum:   g [N, K C] -> [N, C], row q = sum_k g[q - o_k, block k] (the adjoint).
 *
 * Pure copies and sums in a fixed order: deterministic. ShiftStack and
 * ShiftSum run in WebAssembly (wasm-copy.wat: SIMD copies, and the sum's f32
 * additions in the same order, block by block from +0) where its module
 * instantiates over the heap, in the JS loops below otherwise (measured on
 * DNGPU's code model, 96 maps: 48 ms of a 449 ms step in JS). Other backends
 * get the same values from tfjs ops (shiftStack / shiftSum below choose).
 */
import * as tf from "@tensorflow/tfjs";
import { copyModule, heapAddress } from "./wasm-copy";
import type { WasmBackendLike } from "./wasm-heap";

export const SHIFT_STACK = "GradnoiseShiftStack";
export const SHIFT_SUM = "GradnoiseShiftSum";

interface WasmHeap {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

interface ShiftAttrs {
  offsets: number[];
  transpose?: boolean;
}

function heap(backend: unknown): WasmHeap {
  const be = backend as WasmHeap;
  if (typeof be.makeOutput !== "function" || typeof be.typedArrayFromHeap !== "function") throw new Error("shift kernels: this WASM backend does not expose its heap (tfjs-backend-wasm 4.x expected)");
  return be;
}

const stackKernel: tf.KernelConfig["kernelFunc"] = ({ inputs, attrs, backend }) => {
  const x = inputs.x as tf.TensorInfo;
  const { offsets, transpose } = attrs as unknown as ShiftAttrs;
  const [n, c] = x.shape;
  const k = offsets.length;
  const be = heap(backend);
  // Output first: its allocation may grow the heap, which detaches older views.
  const out = be.makeOutput(transpose ? [k * c, n] : [n, k * c], "float32");
  const wasm = copyModule(backend as unknown as WasmBackendLike);
  if (wasm) {
    const xp = heapAddress(backend as unknown as WasmBackendLike, x), op = heapAddress(backend as unknown as WasmBackendLike, out);
    offsets.forEach((o, t) => {
      const lo = Math.min(n, Math.max(0, -o)), hi = Math.max(lo, Math.min(n, n - o));
      if (transpose) wasm.stackt(xp, op, n, c, t, o, lo, hi);
      else wasm.stack(xp, op, n, c, k, t, o, lo, hi);
    });
    return out;
  }
  const xv = be.typedArrayFromHeap(x);
  const ov = be.typedArrayFromHeap(out);
  for (let t = 0; t < k; t++) {
    const o = offsets[t];
    const lo = Math.min(n, Math.max(0, -o)), hi = Math.max(lo, Math.min(n, n - o)); // rows p with 0 <= p + o < n
    if (transpose) {
      for (let j = 0; j < c; j++) {
        const row = (t * c + j) * n;
        ov.fill(0, row, row + lo);
        for (let p = lo; p < hi; p++) ov[row + p] = xv[(p + o) * c + j];
        ov.fill(0, row + hi, row + n);
      }
    } else {
      const w = k * c;
      for (let p = 0; p < n; p++) {
        const dst = p * w + t * c;
        if (p < lo || p >= hi) {
          ov.fill(0, dst, dst + c);
          continue;
        }
        const src = (p + o) * c;
        for (let j = 0; j < c; j++) ov[dst + j] = xv[src + j];
      }
    }
  }
  return out;
};

const sumKernel: tf.KernelConfig["kernelFunc"] = ({ inputs, attrs, backend }) => {
  const g = inputs.x as tf.TensorInfo;
  const { offsets } = attrs as unknown as ShiftAttrs;
  const k = offsets.length;
  const [n, kc] = g.shape;
  const c = kc / k;
  const be = heap(backend);
  const out = be.makeOutput([n, c], "float32");
  const gv = be.typedArrayFromHeap(g);
  const ov = be.typedArrayFromHeap(out);
  ov.fill(0);
  const wasm = copyModule(backend as unknown as WasmBackendLike);
  if (wasm) {
    const gp = heapAddress(backend as unknown as WasmBackendLike, g), op = heapAddress(backend as unknown as WasmBackendLike, out);
    offsets.forEach((o, t) => wasm.sumblock(gp, op, c, k, t, o, Math.max(0, o), Math.min(n, n + o)));
    return out;
  }
  for (let t = 0; t < k; t++) {
    const o = offsets[t];
    // Row p of block t reads x[p + o]: its gradient goes to row q = p + o.
    const lo = Math.max(0, o), hi = Math.min(n, n + o);
    for (let q = lo; q < hi; q++) {
      const src = (q - o) * kc + t * c, dst = q * c;
      for (let j = 0; j < c; j++) ov[dst + j] += gv[src + j];
    }
  }
  return out;
};

let installed = false;

/** Registers both kernels for the WASM backend (once; the registry is per backend name, so before or after the backend loads). */
export function installShiftKernels(): void {
  if (installed) return;
  installed = true;
  for (const [kernelName, kernelFunc] of [[SHIFT_STACK, stackKernel], [SHIFT_SUM, sumKernel]] as const) {
    if (!tf.getKernel(kernelName, "wasm")) tf.registerKernel({ kernelName, backendName: "wasm", kernelFunc });
  }
}

const hasKernel = (name: string) => tf.getKernel(name, tf.getBackend()) !== undefined;

/** x shifted by each offset (zero outside its rows), each block a rank-2 row slice of one padded copy. */
function shifted(x: tf.Tensor2D, offsets: readonly number[]): tf.Tensor2D[] {
  const [n, c] = x.shape;
  const m = Math.max(...offsets.map(Math.abs));
  const xp = m > 0 ? tf.pad(x, [[m, m], [0, 0]]) : x;
  return offsets.map((o) => tf.slice(xp, [m + o, 0], [n, c]));
}

/** [N, K C] (or its transpose [K C, N]): block k of row p is x[p + o_k], zero outside. */
export function shiftStack(x: tf.Tensor2D, offsets: readonly number[], transpose = false): tf.Tensor2D {
  installShiftKernels();
  if (hasKernel(SHIFT_STACK) && x.dtype === "float32") return tf.engine().runKernel(SHIFT_STACK, { x }, { offsets: [...offsets], transpose } as unknown as tf.NamedAttrMap) as tf.Tensor2D;
  return tf.tidy(() => {
    const s = tf.concat(shifted(x, offsets), 1);
    return transpose ? tf.transpose(s) : s;
  });
}

/** The adjoint of shiftStack: [N, K C] -> [N, C], row q = sum_k g[q - o_k, block k]. */
export function shiftSum(g: tf.Tensor2D, offsets: readonly number[]): tf.Tensor2D {
  installShiftKernels();
  if (hasKernel(SHIFT_SUM) && g.dtype === "float32") return tf.engine().runKernel(SHIFT_SUM, { x: g }, { offsets: [...offsets] } as unknown as tf.NamedAttrMap) as tf.Tensor2D;
  const k = offsets.length;
  const c = g.shape[1] / k;
  return tf.tidy(() => tf.addN(offsets.map((o, t) => shifted(tf.slice(g, [0, t * c], [-1, c]), [-o])[0])));
}

/*
 * The same for an image kept without a border: x [B H W, C], row (b, h, w).
 * A 3x3 "same" convolution's tap (dy, dx) reads (h + dy, w + dx), zero
 * outside the image; computing only the inside rows saves the border's share
 * of every product (x2.3 at 2 rows and length 12). The adjoint of a "same"
 * convolution is the same convolution with the kernel flipped, so the
 * backward pass needs this kernel again and no scatter-add.
 */
export const IM2COL = "GradnoiseIm2Col3x3";

/** An image's extent in the flat layout [batch height width, channels]. */
export interface ImageShape {
  batch: number;
  height: number;
  width: number;
}

/** Taps of the 3x3 kernel, row-major over (dy, dx) as tf.conv2d's [3, 3, C, D] filter. */
const TAPS: readonly (readonly [number, number])[] = [-1, 0, 1].flatMap((dy) => [-1, 0, 1].map((dx) => [dy, dx] as const));

/*
 * Output row (b, h, w) is three runs of 3 C values, one per dy; within a run
 * the taps dx = -1, 0, 1 read the consecutive input rows w - 1 .. w + 1, so
 * each run is one copyWithin (memmove) on a view of the whole heap: ~3x faster
 * than an element loop (measured, [1536, 24] -> [1536, 216]: 0.54 vs 1.5 ms).
 */
const im2colKernel: tf.KernelConfig["kernelFunc"] = ({ inputs, attrs, backend }) => {
  const x = inputs.x as tf.TensorInfo;
  const { batch: B, height: H, width: W } = attrs as unknown as ImageShape;
  const c = x.shape[1];
  const run = 3 * c, kc = 9 * c;
  const be = heap(backend);
  const out = be.makeOutput([B * H * W, kc], "float32");
  const xv = be.typedArrayFromHeap(x);
  const ov = be.typedArrayFromHeap(out);
  const mem = new Float32Array(ov.buffer);
  const xo = xv.byteOffset >> 2, oo = ov.byteOffset >> 2;
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      for (let w = 0; w < W; w++) {
        let dst = oo + ((b * H + h) * W + w) * kc;
        const lo = w === 0 ? 1 : 0, hi = w === W - 1 ? 2 : 3; // taps dx + 1 in [lo, hi) are inside
        for (let dy = -1; dy <= 1; dy++, dst += run) {
          const hh = h + dy;
          if (hh < 0 || hh >= H || hi <= lo) {
            mem.fill(0, dst, dst + run);
            continue;
          }
          if (lo > 0) mem.fill(0, dst, dst + lo * c);
          if (hi < 3) mem.fill(0, dst + hi * c, dst + run);
          const src = xo + ((b * H + hh) * W + w - 1 + lo) * c;
          mem.copyWithin(dst + lo * c, src, src + (hi - lo) * c);
        }
      }
    }
  }
  return out;
};

export const FLIP3X3 = "GradnoiseFlip3x3";

/* w [9 C, D] -> [9 D, C], block s = (block 8 - s)^T: a reverse and a batched transpose in one small loop (the two tfjs kernels cost ~1 ms on WASM for a [216, 48] kernel). */
const flipKernel: tf.KernelConfig["kernelFunc"] = ({ inputs, backend }) => {
  const w = inputs.x as tf.TensorInfo;
  const [kc, d] = w.shape;
  const c = kc / 9;
  const be = heap(backend);
  const out = be.makeOutput([9 * d, c], "float32");
  const wv = be.typedArrayFromHeap(w);
  const ov = be.typedArrayFromHeap(out);
  for (let s = 0; s < 9; s++) {
    for (let e = 0; e < d; e++) {
      const dst = (s * d + e) * c, src = (8 - s) * c * d + e;
      for (let j = 0; j < c; j++) ov[dst + j] = wv[src + j * d];
    }
  }
  return out;
};

let installedImage = false;

function installImageKernels(): void {
  if (installedImage) return;
  installedImage = true;
  if (!tf.getKernel(IM2COL, "wasm")) tf.registerKernel({ kernelName: IM2COL, backendName: "wasm", kernelFunc: im2colKernel });
  if (!tf.getKernel(FLIP3X3, "wasm")) tf.registerKernel({ kernelName: FLIP3X3, backendName: "wasm", kernelFunc: flipKernel });
}

/**
 * A 3x3 kernel [9 C, D] (tf.conv2d's [3, 3, C, D] flattened) as the kernel of
 * the adjoint convolution, [9 D, C]: taps reversed, each block transposed.
 */
export function flip3x3(w: tf.Tensor2D): tf.Tensor2D {
  if (w.rank !== 2 || w.shape[0] % 9 !== 0) throw new RangeError(`flip3x3(): need [9 C, D], got [${w.shape}]`);
  installImageKernels();
  if (hasKernel(FLIP3X3) && w.dtype === "float32") return tf.engine().runKernel(FLIP3X3, { x: w }) as tf.Tensor2D;
  const c = w.shape[0] / 9, d = w.shape[1];
  return tf.tidy(() => tf.reshape(tf.transpose(tf.reverse(tf.reshape(w, [9, c, d]), 0), [0, 2, 1]), [9 * d, c]) as tf.Tensor2D);
}

/** [B H W, 9 C]: block (dy, dx) of row (b, h, w) is x at (b, h + dy, w + dx), zero outside the image. */
export function im2col3x3(x: tf.Tensor2D, im: ImageShape): tf.Tensor2D {
  for (const k of ["batch", "height", "width"] as const) if (!(Number.isInteger(im[k]) && im[k] >= 1)) throw new RangeError(`im2col3x3(): ${k} must be a positive integer, got ${im[k]}`);
  if (x.rank !== 2 || x.shape[0] !== im.batch * im.height * im.width) throw new RangeError(`im2col3x3(): need ${im.batch * im.height * im.width} rows for a ${im.batch} x ${im.height} x ${im.width} image, got [${x.shape}]`);
  installImageKernels();
  const { batch: b, height: h, width: w } = im;
  if (hasKernel(IM2COL) && x.dtype === "float32") return tf.engine().runKernel(IM2COL, { x }, { batch: b, height: h, width: w } as unknown as tf.NamedAttrMap) as tf.Tensor2D;
  const c = x.shape[1];
  return tf.tidy(() => {
    const xp = tf.pad(tf.reshape(x, [b, h, w, c]), [[0, 0], [1, 1], [1, 1], [0, 0]]);
    return tf.reshape(tf.concat(TAPS.map(([dy, dx]) => tf.slice(xp, [0, 1 + dy, 1 + dx, 0], [b, h, w, c])), 3), [b * h * w, 9 * c]) as tf.Tensor2D;
  });
}
