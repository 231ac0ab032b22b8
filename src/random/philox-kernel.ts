/**
 * Philox Gaussian noise drawn by the backend that holds the tensors: a tfjs
 * kernel ("GradnoisePhiloxNormal") with the JS reference on cpu and the
 * WebAssembly SIMD module on wasm, writing straight into the wasm backend's
 * heap, and WGSL on webgpu (philox-webgpu.ts; within a few ulps). Any other
 * backend gets the JS values uploaded (the same numbers as cpu).
 *
 * An optional input `base` (float32, as many elements) makes the kernel write
 * base + noise in the same pass: f32 addition is correctly rounded, so the
 * bits are those of tf.add(base, noise) on cpu and wasm, one dispatch and one
 * pass over memory fewer (gradient noise adds to each gradient this way).
 */
import * as tf from "@tensorflow/tfjs";
import { philoxFill } from "./philox";
import { philoxSimd, PhiloxSimd } from "./philox-simd";
import { webgpuFits, webgpuPhiloxKernel } from "./philox-webgpu";

export const PHILOX_KERNEL = "GradnoisePhiloxNormal";

/** Output elements offset .. offset+size-1 are stream elements 0 .. size-1 of `key`. */
export interface PhiloxSegment {
  offset: number;
  size: number;
  key: readonly [number, number];
}

interface PhiloxAttrs {
  shape: number[];
  std: number;
  purpose: number;
  segments: PhiloxSegment[];
}

function checkSegments(shape: number[], segments: readonly PhiloxSegment[]): number {
  const total = shape.reduce((a, b) => a * b, 1);
  // The segments must tile the tensor: the wasm output is uninitialised heap.
  let next = 0;
  for (const s of [...segments].sort((a, b) => a.offset - b.offset)) {
    if (!(Number.isInteger(s.offset) && Number.isInteger(s.size) && s.size >= 0) || s.offset !== next) {
      throw new RangeError(`philoxNormal(): segments must tile the ${total} elements of shape [${shape}] without gaps or overlaps; found one at ${s.offset} of ${s.size} elements where element ${next} was next`);
    }
    next += s.size;
  }
  if (next !== total) throw new RangeError(`philoxNormal(): segments cover ${next} of the ${total} elements of shape [${shape}]`);
  return total;
}

function fillJs(out: Float32Array, a: PhiloxAttrs): Float32Array {
  for (const s of a.segments) philoxFill(out, s.offset, s.size, s.key, a.purpose, a.std);
  return out;
}

/** out[i] = base[i] + out[i], f32-rounded (the store rounds the exact double sum once: tf.add's bits). */
function addInto(out: Float32Array, base: ArrayLike<number>): Float32Array {
  for (let i = 0; i < out.length; i++) out[i] = base[i] + out[i];
  return out;
}

const cpuKernel: tf.KernelConfig["kernelFunc"] = ({ inputs, attrs, backend }) => {
  const a = attrs as unknown as PhiloxAttrs;
  const be = backend as unknown as { makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo; readSync(id: unknown): ArrayLike<number> };
  const values = fillJs(new Float32Array(checkSegments(a.shape, a.segments)), a);
  if (inputs.base) addInto(values, be.readSync(inputs.base.dataId));
  return be.makeTensorInfo(a.shape, "float32", values);
};

/* tfjs-backend-wasm 4.x internals: its Emscripten module (heap, malloc, the WebAssembly.Memory) and tensor records. */
interface WasmBackendLike {
  wasm: { asm?: { memory?: WebAssembly.Memory }; _malloc(bytes: number): number };
  dataIdMap: { get(id: unknown): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
}

interface WasmTarget {
  simd: PhiloxSimd;
  /** 64 bytes of the kernel's memory for partial groups. */
  scratch: number;
  /** True when the kernel writes into the backend's heap itself; else into its own memory, then one copy. */
  inHeap: boolean;
}

const wasmTargets = new WeakMap<object, WasmTarget>();

function wasmTarget(be: WasmBackendLike): WasmTarget {
  let t = wasmTargets.get(be.wasm);
  if (t) return t;
  const memory = be.wasm.asm?.memory;
  try {
    if (!(memory instanceof WebAssembly.Memory)) throw new Error("no heap memory to import");
    t = { simd: philoxSimd(memory), scratch: be.wasm._malloc(64), inHeap: true };
  } catch {
    // A shared (threaded) heap, or another build of the backend: the kernel's own memory, then a copy.
    t = { simd: philoxSimd(new WebAssembly.Memory({ initial: 1 })), scratch: 0, inHeap: false };
  }
  wasmTargets.set(be.wasm, t);
  return t;
}

const wasmKernel: tf.KernelConfig["kernelFunc"] = ({ inputs, attrs, backend }) => {
  const a = attrs as unknown as PhiloxAttrs;
  const be = backend as unknown as WasmBackendLike;
  const total = checkSegments(a.shape, a.segments);
  const out = be.makeOutput(a.shape, "float32");
  if (total === 0) return out;
  const t = wasmTarget(be);
  if (t.inHeap) {
    const at = be.dataIdMap.get(out.dataId).memoryOffset;
    const from = inputs.base ? be.dataIdMap.get(inputs.base.dataId).memoryOffset : undefined;
    for (const s of a.segments) t.simd.fill(at + 4 * s.offset, s.size, 0, s.key, a.purpose, a.std, t.scratch, from === undefined ? undefined : from + 4 * s.offset);
    return out;
  }
  const need = 64 + 4 * total;
  const have = t.simd.memory.buffer.byteLength;
  if (have < need) t.simd.memory.grow(Math.ceil((need - have) / 65536));
  for (const s of a.segments) t.simd.fill(64 + 4 * s.offset, s.size, 0, s.key, a.purpose, a.std, 0);
  const values = be.typedArrayFromHeap(out);
  values.set(new Float32Array(t.simd.memory.buffer, 64, total));
  if (inputs.base) addInto(values, be.typedArrayFromHeap(inputs.base));
  return out;
};

const KERNELS: Record<string, tf.KernelConfig["kernelFunc"]> = { cpu: cpuKernel, wasm: wasmKernel, webgpu: webgpuPhiloxKernel };

/** Whether the current backend draws Philox noise itself (else the JS values are uploaded). */
export function philoxOnBackend(backend = tf.getBackend()): boolean {
  if (tf.getKernel(PHILOX_KERNEL, backend)) return true;
  const k = KERNELS[backend];
  if (!k) return false;
  tf.registerKernel({ kernelName: PHILOX_KERNEL, backendName: backend, kernelFunc: k });
  return true;
}

/**
 * A float32 tensor of `shape` of N(0, std^2) Philox noise, drawn on the
 * current backend; `segments` tile it (a population: one per run). With
 * `base` (float32, as many elements as `shape`), base + noise in one kernel:
 * the bits of tf.add(base, noise) on cpu and wasm.
 */
export function philoxNormal(shape: number[], std: number, purpose: number, segments: PhiloxSegment[], base?: tf.Tensor): tf.Tensor {
  const total = checkSegments(shape, segments);
  if (base && !(base.dtype === "float32" && base.size === total)) {
    throw new TypeError(`philoxNormal(): base must be float32 with the ${total} elements of shape [${shape}], got ${base.dtype} of shape [${base.shape}]`);
  }
  const attrs: PhiloxAttrs = { shape: [...shape], std, purpose, segments };
  const onDevice = philoxOnBackend() && (tf.getBackend() !== "webgpu" || webgpuFits(segments));
  if (onDevice) return tf.engine().runKernel(PHILOX_KERNEL, base ? { base } : {}, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
  const values = fillJs(new Float32Array(total), attrs);
  if (!base) return tf.tensor(values, shape, "float32");
  return tf.tidy(() => tf.add(base.reshape(shape), tf.tensor(values, shape, "float32")));
}
