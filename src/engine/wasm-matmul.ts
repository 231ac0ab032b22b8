/**
 * The WASM backend's BatchMatMul, with the same bits, several times faster.
 *
 * tfjs-backend-wasm 4.22 hands a product to XNNPACK only when neither side is
 * transposed and there is one batch; everything else (both gradients of
 * every dense layer, every batched product of the Neural Programmer, NRAM and
 * the Neural GPU) runs a blocked scalar loop at ~1-1.5 GFLOP/s, and was the
 * largest kernel time of most steps (docs/performance.md). XNNPACK itself
 * packs its right operand whenever that tensor is new, which in training it
 * is at every call (updated weights, im2col patches). wasm-matmul.wat computes
 * both cases with SIMD tiles whose every lane repeats the backend's own
 * sequence of f32 operations (the loop's blocks of 48 k's; XNNPACK's one
 * block), so the outputs are bit-identical (test/unit/engine/wasm-matmul.test.ts
 * compares them with the original kernel over edge shapes). Broadcast batches
 * and anything unexpected go to the original kernel.
 */
import * as tf from "@tensorflow/tfjs";
import { heapInstance, WasmBackendLike } from "./wasm-heap";
import { MATMUL_WASM_BASE64 } from "./wasm-matmul-wasm";
import { REDUCE_WASM_BASE64 } from "./wasm-reduce-wasm";

type KernelFunc = tf.KernelConfig["kernelFunc"];

interface Tiles {
  matmul(pa: number, pb: number, po: number, m: number, k: number, n: number, rowStride: number, kStride: number, kBlock: number, ld: number): void;
  transpose(src: number, dst: number, rows: number, cols: number): void;
  sparse(pt: number, count: number, pw: number, po: number, n: number, transposeX: number): void;
  compress(px: number, m: number, k: number, pt: number): number;
  blocks(pp: number, pg: number, po: number, blocks: number, rows: number, d: number, grad: number): void;
}

/** Heap scratch per backend module, for a transposed b. */
const scratches = new WeakMap<object, { at: number; bytes: number }>();

function tilesFor(be: WasmBackendLike): Tiles | null {
  const e = heapInstance(be, MATMUL_WASM_BASE64);
  return e && { matmul: e.matmul as Tiles["matmul"], transpose: e.transpose as Tiles["transpose"], sparse: e.sparse as Tiles["sparse"], compress: e.compress as Tiles["compress"], blocks: e.blocks as Tiles["blocks"] };
}

function scratch(be: WasmBackendLike, bytes: number): number {
  let s = scratches.get(be.wasm);
  if (!s) scratches.set(be.wasm, (s = { at: 0, bytes: 0 }));
  if (s.bytes < bytes) {
    if (s.at) be.wasm._free(s.at);
    s.bytes = Math.max(bytes, 2 * s.bytes);
    s.at = be.wasm._malloc(s.bytes);
  }
  return s.at;
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Columns per call of the tiles (the order of independent outputs does not change any bit). */
const COLUMN_BLOCK = 64;

interface Operands {
  a: tf.TensorInfo;
  b: tf.TensorInfo;
  transposeA: boolean;
  transposeB: boolean;
}

/** The product's sizes, or null where the tiles do not apply (another dtype, broadcast batches, a shape mismatch). */
function sizesOf({ a, b, transposeA, transposeB }: Operands): { batch: number; m: number; k: number; n: number } | null {
  const ra = a.shape.length, rb = b.shape.length;
  if (a.dtype !== "float32" || b.dtype !== "float32" || ra < 2 || rb < 2) return null;
  const batch = size(a.shape.slice(0, -2));
  if (batch !== size(b.shape.slice(0, -2))) return null;
  const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  if (k !== (transposeB ? b.shape[rb - 1] : b.shape[rb - 2])) return null;
  return { batch, m: transposeA ? a.shape[ra - 1] : a.shape[ra - 2], k, n: transposeB ? b.shape[rb - 2] : b.shape[rb - 1] };
}

/** a . b by the tiles, summing k in blocks of kBlock (48: the scalar loop's order; k: XNNPACK's). */
function tiledProduct(be: WasmBackendLike, t: Tiles, o: Operands, s: { batch: number; m: number; k: number; n: number }, kBlock: number): tf.TensorInfo {
  const { batch, m, k, n } = s;
  const outShape = [...tf.broadcast_util.assertAndGetBroadcastShape(o.a.shape.slice(0, -2), o.b.shape.slice(0, -2)), m, n];
  const out = be.makeOutput(outShape, "float32");
  if (batch * m * n === 0) return out;
  // Addresses after every allocation: growing the heap keeps addresses (only views detach).
  const tmp = o.transposeB ? scratch(be, 4 * k * n) : 0;
  const pa = be.dataIdMap.get(o.a.dataId)!.memoryOffset;
  const pb = be.dataIdMap.get(o.b.dataId)!.memoryOffset;
  const po = be.dataIdMap.get(out.dataId)!.memoryOffset;
  // a's element (i, k): row stride and k stride in elements; a transposed a is read in place.
  const [rowStride, kStride] = o.transposeA ? [1, m] : [k, 1];
  for (let i = 0; i < batch; i++) {
    let bAt = pb + 4 * i * k * n;
    if (o.transposeB) {
      t.transpose(bAt, tmp, n, k); // b[i] is [n, k]; the tiles read [k, n]
      bAt = tmp;
    }
    // Blocks of COLUMN_BLOCK columns: a block of b stays in cache while every row of a passes it (a wide b, such as a
    // softmax's [200, 10000], streamed from memory once per four rows otherwise).
    for (let j = 0; j < n; j += COLUMN_BLOCK) {
      t.matmul(pa + 4 * i * m * k, bAt + 4 * j, po + 4 * (i * m * n + j), m, k, Math.min(COLUMN_BLOCK, n - j), rowStride, kStride, Math.max(1, kBlock), n);
    }
  }
  return out;
}

function simdBatchMatMul(original: KernelFunc): KernelFunc {
  return (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
    const be = args.backend as unknown as WasmBackendLike;
    const o = { a, b, transposeA, transposeB };
    const s = sizesOf(o); // null: the original handles it (and names a mismatch)
    if (!s || typeof be.makeOutput !== "function") return original(args);
    // The backend's order: XNNPACK (no transpose, one batch) sums every k in one run; its scalar loop in blocks of 48.
    const xnnpack = !transposeA && !transposeB && s.batch === 1;
    if (xnnpack && s.k === 0) return original(args); // XNNPACK refuses 0 input channels and leaves the output as it was: not ours to imitate
    const t = tilesFor(be);
    if (!t) return original(args);
    return tiledProduct(be, t, o, s, xnnpack ? s.k : 48);
  };
}

export const MATMUL_EXPLICIT_KERNEL = "GradnoiseMatMulExplicitTranspose";

/*
 * a^T . b or a . b^T with the bits of a transpose materialised first and then
 * a plain product (XNNPACK's order: every k in one run), the formulation the
 * hand-written backwards use (models/dense.ts: WASM's transposed products were
 * slow); here without the copy and its kernel. Matrices only.
 */
const explicitKernel: KernelFunc = (args) => {
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
  const be = args.backend as unknown as WasmBackendLike;
  const o = { a, b, transposeA, transposeB };
  const s = sizesOf(o);
  const t = tilesFor(be);
  if (!s || !t || a.shape.length !== 2 || b.shape.length !== 2) throw new Error(`${MATMUL_EXPLICIT_KERNEL}: float32 matrices with matching inner sizes, got [${a.shape}] and [${b.shape}]`);
  return tiledProduct(be, t, o, s, s.k);
};

/**
 * tf.matMul(transposeA ? a^T : a, transposeB ? b^T : b) for matrices, with the
 * transposes as explicit tf.transpose calls: the same bits on every backend,
 * and on WASM one kernel that reads the transposed operand in place.
 */
export function matMulExplicit(a: tf.Tensor2D, b: tf.Tensor2D, transposeA: boolean, transposeB: boolean): tf.Tensor2D {
  if (tf.getBackend() === "wasm" && tf.getKernel(MATMUL_EXPLICIT_KERNEL, "wasm") && tilesFor(tf.backend() as unknown as WasmBackendLike) && a.dtype === "float32" && b.dtype === "float32") {
    return tf.engine().runKernel(MATMUL_EXPLICIT_KERNEL, { a, b }, { transposeA, transposeB }) as tf.Tensor2D;
  }
  return tf.tidy(() => tf.matMul(transposeA ? tf.transpose(a, [1, 0]) : a, transposeB ? tf.transpose(b, [1, 0]) : b));
}

export const DATA_MATMUL_KERNEL = "GradnoiseDataMatMul";

/** A data matrix's nonzero entries as triples on the heap (wasm-matmul.wat "compress"). */
interface Triples {
  dataId: unknown;
  m: number;
  k: number;
  at: number;
  bytes: number;
  count: number;
}

/**
 * The last two data matrices' triples per backend module: a step multiplies
 * the same memory bags by every E_k, forward and backward. A tensor's data
 * never changes under its dataId (held here, so not reused while cached).
 */
const tripleCache = new WeakMap<object, Triples[]>();

function triplesOf(be: WasmBackendLike, t: Tiles, x: tf.TensorInfo): Triples {
  let cache = tripleCache.get(be.wasm);
  if (!cache) tripleCache.set(be.wasm, (cache = []));
  const [m, k] = x.shape;
  const hit = cache.find((c) => c.dataId === x.dataId && c.m === m && c.k === k);
  if (hit) return hit;
  const px = be.dataIdMap.get(x.dataId)!.memoryOffset;
  const count = t.compress(px, m, k, 0);
  // Reuse the older entry's buffer (grown when short); malloc keeps x's address.
  const c = cache.length < 2 ? { dataId: null, m: 0, k: 0, at: 0, bytes: 0, count: 0 } : cache.pop()!;
  if (c.bytes < 12 * count) {
    if (c.at) be.wasm._free(c.at);
    c.bytes = Math.max(12 * count, 2 * c.bytes, 12);
    c.at = be.wasm._malloc(c.bytes);
  }
  Object.assign(c, { dataId: x.dataId, m, k, count: t.compress(be.dataIdMap.get(x.dataId)!.memoryOffset, m, k, c.at) });
  cache.unshift(c);
  return c;
}

/*
 * x . w (transposeX false) or x^T . w (true) for a data matrix x that is
 * mostly zeros (MemN2N's bags of words: a few words in 83 columns), with the
 * bits of the dense products they replace (BatchMatMul's XNNPACK order, and
 * the explicit kernel's): the same terms in the same order from +0, less the
 * ones where x is zero, which add nothing to the bits while w is finite
 * (wasm-matmul.wat, "sparse"). A w with an Inf or NaN (0 * Inf is NaN) takes
 * the dense kernels. The bags are ~2% nonzero: the dense products were most
 * of MemN2N's step.
 */
const dataKernel: KernelFunc = (args) => {
  const { a: x, b: w } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const { transposeA } = args.attrs as unknown as { transposeA: boolean };
  const be = args.backend as unknown as WasmBackendLike;
  const o = { a: x, b: w, transposeA, transposeB: false };
  const s = sizesOf(o);
  const t = tilesFor(be);
  const probe = heapInstance(be, REDUCE_WASM_BASE64)?.probe as ((p: number, n: number) => number) | undefined;
  if (!s || !t || !probe || x.shape.length !== 2 || w.shape.length !== 2) throw new Error(`${DATA_MATMUL_KERNEL}: float32 matrices with matching inner sizes, got [${x.shape}] and [${w.shape}]`);
  // probe: +0, or NaN when an element is not finite (noise/finite.ts's Sum(w * 0)).
  const finite = s.m * s.k * s.n > 0 && probe(be.dataIdMap.get(w.dataId)!.memoryOffset, size(w.shape)) === 0;
  if (!finite) {
    if (transposeA) return explicitKernel(args);
    return tf.getKernel("BatchMatMul", "wasm")!.kernelFunc({ ...args, attrs: { transposeA: false, transposeB: false } });
  }
  const tr = triplesOf(be, t, x);
  const out = be.makeOutput([s.m, s.n], "float32");
  be.typedArrayFromHeap(out).fill(0);
  // Addresses after every allocation (growing the heap keeps addresses, only views detach).
  t.sparse(tr.at, tr.count, be.dataIdMap.get(w.dataId)!.memoryOffset, be.dataIdMap.get(out.dataId)!.memoryOffset, s.n, transposeA ? 1 : 0);
  return out;
};

export const BLOCK_SUM_KERNEL = "GradnoiseBlockSumProduct";
export const BLOCK_SUM_GRAD_KERNEL = "GradnoiseBlockSumProductGrad";

type Disposer = WasmBackendLike & { disposeData(dataId: unknown, force?: boolean): boolean };

/*
 * sum over b of gamma[b] * (x_b . w), x = [B*R, K] as B stacked blocks of R
 * rows, gamma [B, 1, d]: MemN2N's position-encoded bag embedding, which the
 * taped path computes as dataMatMul, Reshape [B, R, d], Multiply by gamma and
 * Sum over axis 0. Here the product is dataKernel's (same bits) into a
 * scratch tensor, and the rest one pass (wasm-matmul.wat "blocks") with the
 * f32 operations of Multiply and of Sum over the leading axis (from +0, block
 * after block: wasm-reduce colsum's order), so the bits are the taped path's.
 */
const blockSumKernel: KernelFunc = (args) => {
  const { x, w, gamma } = args.inputs as { x: tf.TensorInfo; w: tf.TensorInfo; gamma: tf.TensorInfo };
  const be = args.backend as unknown as Disposer;
  const B = gamma.shape[0];
  const d = w.shape[1];
  const R = x.shape[0] / B;
  const both = dataKernel({ inputs: { a: x, b: w }, attrs: { transposeA: false }, backend: args.backend }) as tf.TensorInfo;
  const out = be.makeOutput([R, d], "float32");
  const at = (t: tf.TensorInfo) => be.dataIdMap.get(t.dataId)!.memoryOffset;
  tilesFor(be)!.blocks(at(both), at(gamma), at(out), B, R, d, 0);
  be.disposeData(both.dataId, true);
  return out;
};

/*
 * The weight gradient of blockSumKernel: x^T . [gamma_0 * dy; ...], the blocks
 * as the tape's gradients of Sum (dy * ones) and Multiply (times gamma_b) give
 * them (dy * 1 is dy), then dataKernel's transposed product.
 */
const blockSumGradKernel: KernelFunc = (args) => {
  const { x, dy, gamma } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo; gamma: tf.TensorInfo };
  const be = args.backend as unknown as Disposer;
  const B = gamma.shape[0];
  const [R, d] = dy.shape;
  const blocks = be.makeOutput([B * R, d], "float32");
  const at = (t: tf.TensorInfo) => be.dataIdMap.get(t.dataId)!.memoryOffset;
  tilesFor(be)!.blocks(at(dy), at(gamma), at(blocks), B, R, d, 1);
  const dw = dataKernel({ inputs: { a: x, b: blocks }, attrs: { transposeA: true }, backend: args.backend }) as tf.TensorInfo;
  be.disposeData(blocks.dataId, true);
  return dw;
};

/** Whether blockSumProduct runs as its two kernels here (WASM with the tiles). */
export function blockSumProductFused(): boolean {
  return tf.getBackend() === "wasm" && !!tf.getKernel(BLOCK_SUM_KERNEL, "wasm") && !!tilesFor(tf.backend() as unknown as WasmBackendLike);
}

/**
 * sum over b of gamma[b] * (x_b . w) for x [B*R, K] (B blocks of R rows of
 * data, mostly zeros), w [K, d], gamma [B, 1, d]: [R, d], with a gradient for
 * w only, bit-identical to tf.sum(tf.mul(dataMatMul(x, w).reshape([B, R, d]),
 * gamma), 0) and its taped gradient, as one kernel each way. WASM only
 * (blockSumProductFused); callers keep the taped ops elsewhere.
 */
export function blockSumProduct(x: tf.Tensor2D, w: tf.Tensor2D, gamma: tf.Tensor3D): tf.Tensor2D {
  if (x.dtype !== "float32" || w.dtype !== "float32" || gamma.dtype !== "float32" || gamma.shape[1] !== 1 || gamma.shape[2] !== w.shape[1] || x.shape[0] % gamma.shape[0] !== 0) {
    throw new Error(`blockSumProduct: float32 x [B*R, K], w [K, d], gamma [B, 1, d], got [${x.shape}], [${w.shape}], [${gamma.shape}]`);
  }
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [wIn, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
    // Saved, not captured: a caller may create x inside the loss function, which the tape disposes before the backward.
    save([x, gamma]);
    return {
      value: tf.engine().runKernel(BLOCK_SUM_KERNEL, { x, w: wIn, gamma }) as tf.Tensor2D,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.engine().runKernel(BLOCK_SUM_GRAD_KERNEL, { x: saved[0], dy, gamma: saved[1] }) as tf.Tensor2D,
    };
  });
  return op(w) as tf.Tensor2D;
}

/**
 * tf.matMul(x, w) (transposeX false) or matMulExplicit(x, w, true, false), for
 * a data matrix x of mostly zeros: on WASM one kernel that skips x's zeros
 * with the same bits; elsewhere exactly those calls.
 */
export function dataProduct(x: tf.Tensor2D, w: tf.Tensor2D, transposeX: boolean): tf.Tensor2D {
  if (tf.getBackend() === "wasm" && tf.getKernel(DATA_MATMUL_KERNEL, "wasm") && tilesFor(tf.backend() as unknown as WasmBackendLike) && x.dtype === "float32" && w.dtype === "float32") {
    return tf.engine().runKernel(DATA_MATMUL_KERNEL, { a: x, b: w }, { transposeA: transposeX }) as tf.Tensor2D;
  }
  return transposeX ? matMulExplicit(x, w, true, false) : tf.matMul(x, w);
}

let installed = false;

/** Replaces the WASM backend's BatchMatMul (once; after @tensorflow/tfjs-backend-wasm has registered it). */
export function installWasmMatMul(): void {
  const k = tf.getKernel("BatchMatMul", "wasm");
  if (installed || !k) return;
  tf.unregisterKernel("BatchMatMul", "wasm");
  tf.registerKernel({ ...k, kernelFunc: simdBatchMatMul(k.kernelFunc) });
  if (!tf.getKernel(MATMUL_EXPLICIT_KERNEL, "wasm")) tf.registerKernel({ kernelName: MATMUL_EXPLICIT_KERNEL, backendName: "wasm", kernelFunc: explicitKernel });
  if (!tf.getKernel(DATA_MATMUL_KERNEL, "wasm")) tf.registerKernel({ kernelName: DATA_MATMUL_KERNEL, backendName: "wasm", kernelFunc: dataKernel });
  if (!tf.getKernel(BLOCK_SUM_KERNEL, "wasm")) tf.registerKernel({ kernelName: BLOCK_SUM_KERNEL, backendName: "wasm", kernelFunc: blockSumKernel });
  if (!tf.getKernel(BLOCK_SUM_GRAD_KERNEL, "wasm")) tf.registerKernel({ kernelName: BLOCK_SUM_GRAD_KERNEL, backendName: "wasm", kernelFunc: blockSumGradKernel });
  installed = true;
}
