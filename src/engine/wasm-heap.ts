/**
 * Our WebAssembly modules instantiated over tfjs-backend-wasm's own heap, so
 * that they read and write its tensors in place (engine/wasm-matmul.ts,
 * engine/wasm-reduce.ts). One instance per module and backend; null where the
 * heap cannot be imported (a threaded build's shared memory) or SIMD is
 * missing, in which case the callers keep the backend's own kernels.
 */
import type * as tf from "@tensorflow/tfjs";

/* tfjs-backend-wasm 4.x internals: its Emscripten module and tensor records. */
export interface WasmBackendLike {
  wasm: { asm?: { memory?: WebAssembly.Memory }; _malloc(bytes: number): number; _free(at: number): void };
  dataIdMap: { get(id: unknown): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
}

const modules = new Map<string, WebAssembly.Module>();
const instances = new Map<string, WeakMap<object, WebAssembly.Exports | null>>();

/** The exports of the module (base64 bytes) over `be`'s heap, or null. */
export function heapInstance(be: WasmBackendLike, base64: string): WebAssembly.Exports | null {
  let byBackend = instances.get(base64);
  if (!byBackend) instances.set(base64, (byBackend = new WeakMap()));
  const known = byBackend.get(be.wasm);
  if (known !== undefined) return known;
  let e: WebAssembly.Exports | null = null;
  try {
    const memory = be.wasm.asm?.memory;
    if (memory instanceof WebAssembly.Memory && typeof be.wasm._malloc === "function") {
      let m = modules.get(base64);
      if (!m) modules.set(base64, (m = new WebAssembly.Module(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)))));
      e = new WebAssembly.Instance(m, { env: { memory } }).exports;
    }
  } catch {
    e = null; // no SIMD, or a shared memory the module does not declare
  }
  byBackend.set(be.wasm, e);
  return e;
}
