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
 *
 * "GradnoisePhiloxNormalMany" (philoxNormalMany) draws several tensors in one
 * kernel call, each by the same code as the one-tensor kernel: gradient noise
 * costs one engine dispatch per step, not one per parameter.
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

function checkSegments(shape: readonly number[], segments: readonly PhiloxSegment[], where = "philoxNormal()"): number {
  let total = 1;
  for (let i = 0; i < shape.length; i++) total *= shape[i];
  // The segments must tile the tensor: the wasm output is uninitialised heap.
  // Callers give them in order (one per run); only when they are not is a sorted copy checked.
  let next = 0;
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i];
    if (s.offset !== next || !(Number.isInteger(s.size) && s.size >= 0)) {
      next = -1;
      break;
    }
    next += s.size;
  }
  if (next === total) return total;
  next = 0;
  for (const s of [...segments].sort((a, b) => a.offset - b.offset)) {
    if (!(Number.isInteger(s.offset) && Number.isInteger(s.size) && s.size >= 0) || s.offset !== next) {
      throw new RangeError(`${where}: segments must tile the ${total} elements of shape [${shape}] without gaps or overlaps; found one at ${s.offset} of ${s.size} elements where element ${next} was next`);
    }
    next += s.size;
  }
  if (next !== total) throw new RangeError(`${where}: segments cover ${next} of the ${total} elements of shape [${shape}]`);
  return total;
}

function fillJs(out: Float32Array, segments: readonly PhiloxSegment[], purpose: number, std: number): Float32Array {
  for (const s of segments) philoxFill(out, s.offset, s.size, s.key, purpose, std);
  return out;
}

/** out[i] = base[i] + out[i], f32-rounded (the store rounds the exact double sum once: tf.add's bits). */
function addInto(out: Float32Array, base: ArrayLike<number>): Float32Array {
  for (let i = 0; i < out.length; i++) out[i] = base[i] + out[i];
  return out;
}

/** One tensor's noise (base + noise with `base`); `total` is the checked element count of `shape`. */
type Draw = (shape: number[], total: number, segments: readonly PhiloxSegment[], std: number, purpose: number, base: tf.TensorInfo | undefined) => tf.TensorInfo;

/** A backend's Draw, with what it needs from the backend looked up once per kernel call, not once per tensor. */
type DrawOn = (backend: unknown) => Draw;

const cpuDraw: DrawOn = (backend) => {
  const be = backend as { makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo; readSync(id: unknown): ArrayLike<number> };
  return (shape, total, segments, std, purpose, base) => {
    const values = fillJs(new Float32Array(total), segments, purpose, std);
    if (base) addInto(values, be.readSync(base.dataId));
    return be.makeTensorInfo(shape, "float32", values);
  };
};

/* tfjs-backend-wasm 4.x internals: its Emscripten module (heap, malloc, the WebAssembly.Memory) and tensor records. */
interface WasmBackendLike {
  wasm: { asm?: { memory?: WebAssembly.Memory }; _malloc(bytes: number): number };
  dataIdMap: { get(id: unknown): { memoryOffset: number } };
  /** With `memoryOffset`: a tensor record for memory already malloc'd on the heap (the backend frees it on dispose, as its own). */
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number): tf.TensorInfo;
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

const wasmDraw: DrawOn = (backend) => {
  const be = backend as WasmBackendLike;
  const t = wasmTarget(be);
  return (shape, total, segments, std, purpose, base) => {
    if (total === 0) return be.makeOutput(shape, "float32");
    if (t.inHeap) {
      // Allocated here (as makeOutput would) so its address needs no lookup in the backend's records.
      const at = be.wasm._malloc(4 * total) >>> 0;
      const out = be.makeOutput(shape, "float32", at);
      const from = base ? be.dataIdMap.get(base.dataId).memoryOffset : undefined;
      for (const s of segments) t.simd.fill(at + 4 * s.offset, s.size, 0, s.key, purpose, std, t.scratch, from === undefined ? undefined : from + 4 * s.offset);
      return out;
    }
    const out = be.makeOutput(shape, "float32");
    const need = 64 + 4 * total;
    const have = t.simd.memory.buffer.byteLength;
    if (have < need) t.simd.memory.grow(Math.ceil((need - have) / 65536));
    for (const s of segments) t.simd.fill(64 + 4 * s.offset, s.size, 0, s.key, purpose, std, 0);
    const values = be.typedArrayFromHeap(out);
    values.set(new Float32Array(t.simd.memory.buffer, 64, total));
    if (base) addInto(values, be.typedArrayFromHeap(base));
    return out;
  };
};

/* The webgpu kernel draws per segment already; several tensors are several of its calls. */
const webgpuDraw: DrawOn = (backend) => (shape, _total, segments, std, purpose, base) =>
  webgpuPhiloxKernel({ inputs: base ? { base } : {}, attrs: { shape, std, purpose, segments } as unknown as tf.NamedAttrMap, backend: backend as tf.KernelBackend }) as tf.TensorInfo;

function singleKernel(drawOn: DrawOn): tf.KernelConfig["kernelFunc"] {
  return ({ inputs, attrs, backend }) => {
    const a = attrs as unknown as PhiloxAttrs;
    const total = checkSegments(a.shape, a.segments);
    return drawOn(backend)(a.shape, total, a.segments, a.std, a.purpose, inputs.base);
  };
}

interface PhiloxManyAttrs {
  /** Part i's output shape and segments; with `base`, its input is inputs[i] and the output base + noise. */
  parts: readonly { shape: number[]; segments: readonly PhiloxSegment[]; base: boolean }[];
  std: number;
  purpose: number;
}

/** Several tensors' noise in one kernel call: one engine dispatch instead of one per tensor (gradient noise: one per parameter). */
function manyKernel(drawOn: DrawOn): tf.KernelConfig["kernelFunc"] {
  return ({ inputs, attrs, backend }) => {
    const { parts, std, purpose } = attrs as unknown as PhiloxManyAttrs;
    // Every part is checked before any output exists: a bad one leaves nothing allocated.
    const totals = new Array<number>(parts.length);
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if (p.base && !inputs[i]) throw new TypeError(`philoxNormalMany(): part ${i} has a base but inputs[${i}] is missing`);
      totals[i] = checkSegments(p.shape, p.segments, `philoxNormalMany(): part ${i}`);
    }
    const draw = drawOn(backend);
    const outs = new Array<tf.TensorInfo>(parts.length);
    for (let i = 0; i < parts.length; i++) outs[i] = draw(parts[i].shape, totals[i], parts[i].segments, std, purpose, parts[i].base ? inputs[i] : undefined);
    return outs;
  };
}

/** The many-tensor kernel's name: one call draws every part (philoxNormalMany). */
export const PHILOX_MANY_KERNEL = "GradnoisePhiloxNormalMany";

/** Both noise kernels (a backend without them gets the same values from JS: they never decide a backend). */
export const PHILOX_KERNELS: readonly string[] = [PHILOX_KERNEL, PHILOX_MANY_KERNEL];

const KERNELS: Record<string, { one: tf.KernelConfig["kernelFunc"]; many: tf.KernelConfig["kernelFunc"] }> = {
  cpu: { one: singleKernel(cpuDraw), many: manyKernel(cpuDraw) },
  wasm: { one: singleKernel(wasmDraw), many: manyKernel(wasmDraw) },
  webgpu: { one: webgpuPhiloxKernel, many: manyKernel(webgpuDraw) },
};

/** Whether the current backend draws Philox noise itself (else the JS values are uploaded). */
export function philoxOnBackend(backend = tf.getBackend()): boolean {
  if (tf.getKernel(PHILOX_KERNEL, backend)) return true;
  const k = KERNELS[backend];
  if (!k) return false;
  tf.registerKernel({ kernelName: PHILOX_KERNEL, backendName: backend, kernelFunc: k.one });
  tf.registerKernel({ kernelName: PHILOX_MANY_KERNEL, backendName: backend, kernelFunc: k.many });
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
  const values = fillJs(new Float32Array(total), segments, purpose, std);
  if (!base) return tf.tensor(values, shape, "float32");
  return tf.tidy(() => tf.add(base.reshape(shape), tf.tensor(values, shape, "float32")));
}

/** One tensor of philoxNormalMany: its segments, and a base (noise added to it) or a shape, or both. */
export interface PhiloxPart {
  segments: PhiloxSegment[];
  /** float32, as many elements as the shape; the output is base + noise. */
  base?: tf.Tensor;
  /** Default: the base's shape. */
  shape?: number[];
}

/**
 * philoxNormal for several tensors in one kernel call: output i has the bits
 * of philoxNormal(shape_i, std, purpose, parts[i].segments, parts[i].base) on
 * cpu and wasm (webgpu: the same WGSL dispatches, the same bound), with one
 * engine dispatch instead of one per tensor (gradient noise: 42 per step of
 * the 20x50 MLP; docs/noise-generator.md). Inputs are not disposed.
 */
export function philoxNormalMany(parts: readonly PhiloxPart[], std: number, purpose: number): tf.Tensor[] {
  const where = "philoxNormalMany()";
  if (!Array.isArray(parts)) throw new TypeError(`${where}: parts must be an array of { segments, base?, shape? }`);
  const specs: PhiloxManyAttrs["parts"][number][] = new Array(parts.length);
  const inputs: Record<number, tf.Tensor> = {};
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (p == null || typeof p !== "object" || !Array.isArray(p.segments)) throw new TypeError(`${where}: part ${i} must be an object with a segments array`);
    const base = p.base;
    if (base !== undefined && base.isDisposed) throw new TypeError(`${where}: part ${i}'s base is disposed`);
    const shape = p.shape !== undefined ? [...p.shape] : base?.shape;
    if (shape === undefined) throw new TypeError(`${where}: part ${i} needs a shape or a base`);
    const total = checkSegments(shape, p.segments, `${where}: part ${i}`);
    if (base !== undefined) {
      if (!(base.dtype === "float32" && base.size === total)) throw new TypeError(`${where}: part ${i}'s base must be float32 with the ${total} elements of shape [${shape}], got ${base.dtype} of shape [${base.shape}]`);
      inputs[i] = base;
    }
    specs[i] = { shape, segments: p.segments, base: base !== undefined };
  }
  if (parts.length === 0) return [];
  const backend = tf.getBackend();
  const onDevice = philoxOnBackend(backend) && tf.getKernel(PHILOX_MANY_KERNEL, backend) !== undefined && (backend !== "webgpu" || parts.every((p) => webgpuFits(p.segments)));
  if (!onDevice) return specs.map((s, i) => philoxNormal(s.shape, std, purpose, parts[i].segments, parts[i].base));
  const attrs: PhiloxManyAttrs = { parts: specs, std, purpose };
  return tf.engine().runKernel(PHILOX_MANY_KERNEL, inputs as unknown as tf.NamedTensorMap, attrs as unknown as tf.NamedAttrMap) as unknown as tf.Tensor[];
}
