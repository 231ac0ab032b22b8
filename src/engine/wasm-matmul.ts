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
import { MATMUL_WASM_BASE64 } from "./wasm-matmul-wasm";

type KernelFunc = tf.KernelConfig["kernelFunc"];

/* tfjs-backend-wasm 4.x internals: its Emscripten module and tensor records. */
interface WasmBackendLike {
  wasm: { asm?: { memory?: WebAssembly.Memory }; _malloc(bytes: number): number; _free(at: number): void };
  dataIdMap: { get(id: unknown): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

interface Tiles {
  matmul(pa: number, pb: number, po: number, m: number, k: number, n: number, rowStride: number, kStride: number, kBlock: number): void;
  transpose(src: number, dst: number, rows: number, cols: number): void;
  /** Heap scratch for a transposed b: its byte address and size. */
  scratch: number;
  scratchBytes: number;
}

let compiled: WebAssembly.Module | undefined;
/** Per backend module: its tiles, or null where its heap cannot be imported (a threaded build). */
const targets = new WeakMap<object, Tiles | null>();

function tilesFor(be: WasmBackendLike): Tiles | null {
  const known = targets.get(be.wasm);
  if (known !== undefined) return known;
  let t: Tiles | null = null;
  try {
    const memory = be.wasm.asm?.memory;
    if (memory instanceof WebAssembly.Memory && typeof be.wasm._malloc === "function") {
      compiled ??= new WebAssembly.Module(Uint8Array.from(atob(MATMUL_WASM_BASE64), (c) => c.charCodeAt(0)));
      const e = new WebAssembly.Instance(compiled, { env: { memory } }).exports;
      t = { matmul: e.matmul as Tiles["matmul"], transpose: e.transpose as Tiles["transpose"], scratch: 0, scratchBytes: 0 };
    }
  } catch {
    t = null; // no SIMD, or a shared memory this module does not declare: keep the original kernel
  }
  targets.set(be.wasm, t);
  return t;
}

function scratch(be: WasmBackendLike, t: Tiles, bytes: number): number {
  if (t.scratchBytes < bytes) {
    if (t.scratch) be.wasm._free(t.scratch);
    t.scratchBytes = Math.max(bytes, 2 * t.scratchBytes);
    t.scratch = be.wasm._malloc(t.scratchBytes);
  }
  return t.scratch;
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function simdBatchMatMul(original: KernelFunc): KernelFunc {
  return (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
    const be = args.backend as unknown as WasmBackendLike;
    const ra = a.shape.length, rb = b.shape.length;
    if (a.dtype !== "float32" || b.dtype !== "float32" || ra < 2 || rb < 2) return original(args);
    const batchA = size(a.shape.slice(0, -2)), batchB = size(b.shape.slice(0, -2));
    if (batchA !== batchB) return original(args); // broadcast batches keep the original's handling
    const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
    const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
    const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
    const kb = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
    if (k !== kb || typeof be.makeOutput !== "function") return original(args); // the original names the mismatch
    // The backend's order: XNNPACK (no transpose, one batch) sums every k in one run; its scalar loop in blocks of 48.
    const xnnpack = !transposeA && !transposeB && batchA === 1;
    if (xnnpack && k === 0) return original(args); // XNNPACK refuses 0 input channels and leaves the output as it was: not ours to imitate
    const t = tilesFor(be);
    if (!t) return original(args);
    const outShape = [...tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2)), m, n];
    const out = be.makeOutput(outShape, "float32");
    if (batchA * m * n === 0) return out;
    // Addresses after every allocation: growing the heap keeps addresses (only views detach).
    const tmp = transposeB ? scratch(be, t, 4 * k * n) : 0;
    const pa = be.dataIdMap.get(a.dataId)!.memoryOffset;
    const pb = be.dataIdMap.get(b.dataId)!.memoryOffset;
    const po = be.dataIdMap.get(out.dataId)!.memoryOffset;
    // a's element (i, k): row stride and k stride in elements; a transposed a is read in place.
    const [rowStride, kStride] = transposeA ? [1, m] : [k, 1];
    for (let i = 0; i < batchA; i++) {
      let bAt = pb + 4 * i * k * n;
      if (transposeB) {
        t.transpose(bAt, tmp, n, k); // b[i] is [n, k]; the tiles read [k, n]
        bAt = tmp;
      }
      t.matmul(pa + 4 * i * m * k, bAt, po + 4 * i * m * n, m, k, n, rowStride, kStride, xnnpack ? Math.max(1, k) : 48);
    }
    return out;
  };
}

let installed = false;

/** Replaces the WASM backend's BatchMatMul (once; after @tensorflow/tfjs-backend-wasm has registered it). */
export function installWasmMatMul(): void {
  const k = tf.getKernel("BatchMatMul", "wasm");
  if (installed || !k) return;
  tf.unregisterKernel("BatchMatMul", "wasm");
  tf.registerKernel({ ...k, kernelFunc: simdBatchMatMul(k.kernelFunc) });
  installed = true;
}
