/**
 * The global norm of many gradients as one WASM kernel, with the bits of the
 * five kernels per gradient it replaces (noise/clip.ts globalNorm: Abs, Max,
 * then RealDiv, Square, Sum; then Stack, Max, Maximum, AddN, Sqrt, Multiply).
 * A 42-tensor MLP dispatched ~210 small kernels a step for its norm. The two
 * reductions run in wasm-reduce.wat in the orders tfjs-backend-wasm 4.22's Max
 * and Sum use; the few scalar steps between them run here in f64 and are
 * rounded to f32 after each operation, which for +, *, / and sqrt of f32
 * values is the f32 result. test/unit/engine/wasm-reduce.test.ts compares the
 * bits with the taped formula on wasm. The finiteness probe of
 * noise/finite.ts (two kernels per gradient and an AddN) is one kernel too,
 * and Sum over leading axes skips the backend's transpose.
 */
import * as tf from "@tensorflow/tfjs";
import { heapInstance, WasmBackendLike } from "./wasm-heap";
import { REDUCE_WASM_BASE64 } from "./wasm-reduce-wasm";

export const GLOBAL_NORM_KERNEL = "GradnoiseGlobalNorm";
export const NON_FINITE_PROBE_KERNEL = "GradnoiseNonFiniteProbe";

interface Reductions {
  maxabs(p: number, n: number): number;
  sumsq(p: number, n: number, m: number): number;
  probe(p: number, n: number): number;
  colsum(p: number, rows: number, cols: number, out: number): void;
}

function reductionsFor(be: WasmBackendLike): Reductions | null {
  return heapInstance(be, REDUCE_WASM_BASE64) as unknown as Reductions | null;
}

const f32 = Math.fround;

function heapOf(be: WasmBackendLike, inputs: tf.NamedTensorInfoMap): { p: number; n: number }[] {
  return Object.values(inputs).map((g) => ({ p: be.dataIdMap.get(g!.dataId)!.memoryOffset, n: g!.shape.reduce((a, b) => a * b, 1) }));
}

const globalNormKernel: tf.KernelConfig["kernelFunc"] = ({ inputs, backend }) => {
  const be = backend as unknown as WasmBackendLike;
  const r = reductionsFor(be)!;
  const at = heapOf(be, inputs);
  // Max(Stack(Max(Abs(g)) for each g)): the first, then any greater one.
  let m = r.maxabs(at[0].p, at[0].n);
  for (let i = 1; i < at.length; i++) {
    const v = r.maxabs(at[i].p, at[i].n);
    if (v > m) m = v;
  }
  m = Number.isNaN(m) ? m : Math.max(m, f32(1e-30)); // Maximum(m, 1e-30); a NaN norm is NaN whichever way
  // AddN over the per-gradient sums: from 0, in order.
  let total = 0;
  for (const g of at) total = f32(total + r.sumsq(g.p, g.n, m));
  const out = be.makeOutput([], "float32");
  be.typedArrayFromHeap(out)[0] = f32(m * f32(Math.sqrt(total)));
  return out;
};

/** AddN(Sum(g * 0) for each g): +0, or NaN when any element is not finite. */
const probeKernel: tf.KernelConfig["kernelFunc"] = ({ inputs, backend }) => {
  const be = backend as unknown as WasmBackendLike;
  const r = reductionsFor(be)!;
  let total = 0;
  for (const g of heapOf(be, inputs)) total = f32(total + r.probe(g.p, g.n));
  const out = be.makeOutput([], "float32");
  be.typedArrayFromHeap(out)[0] = total;
  return out;
};

type KernelFunc = tf.KernelConfig["kernelFunc"];

/*
 * Sum over leading axes (a bias gradient: [batch, units] -> [units]) without
 * the transpose tfjs-backend-wasm makes first, and four columns at a time;
 * each column is still added in order from its first row, so the bits are the
 * original's. Any other reduction goes to the original kernel.
 */
function leadingAxesSum(original: KernelFunc): KernelFunc {
  return (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
    const be = args.backend as unknown as WasmBackendLike;
    const rank = x.shape.length;
    if (x.dtype !== "float32" || rank < 2) return original(args);
    const axes = tf.util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
    const lead = axes.length;
    if (lead === 0 || lead >= rank || axes.some((a, i) => a !== i)) return original(args); // also duplicates
    if (x.shape.slice(0, lead).some((d) => d === 0)) return original(args); // empty: the original writes nothing
    const r = reductionsFor(be);
    if (!r || typeof be.makeOutput !== "function") return original(args);
    const rows = x.shape.slice(0, lead).reduce((a, b) => a * b, 1);
    const kept = x.shape.slice(lead);
    const out = be.makeOutput(keepDims ? [...Array(lead).fill(1), ...kept] : kept, "float32");
    const cols = kept.reduce((a, b) => a * b, 1);
    if (cols === 0) return out;
    r.colsum(be.dataIdMap.get(x.dataId)!.memoryOffset, rows, cols, be.dataIdMap.get(out.dataId)!.memoryOffset);
    return out;
  };
}

let sumInstalled = false;

/** Whether these reductions can run as one kernel here: the wasm backend with the module instantiated over its heap. */
function ready(kernel: string): boolean {
  if (tf.getBackend() !== "wasm" || !tf.getKernel(kernel, "wasm")) return false;
  return reductionsFor(tf.backend() as unknown as WasmBackendLike) !== null;
}

/** Registers the kernels on wasm and wraps its Sum (once). */
export function installWasmReductions(): void {
  const sum = tf.getKernel("Sum", "wasm");
  if (sum && !sumInstalled) {
    tf.unregisterKernel("Sum", "wasm");
    tf.registerKernel({ ...sum, kernelFunc: leadingAxesSum(sum.kernelFunc) });
    sumInstalled = true;
  }
  if (!tf.getKernel(GLOBAL_NORM_KERNEL, "wasm")) tf.registerKernel({ kernelName: GLOBAL_NORM_KERNEL, backendName: "wasm", kernelFunc: globalNormKernel });
  if (!tf.getKernel(NON_FINITE_PROBE_KERNEL, "wasm")) tf.registerKernel({ kernelName: NON_FINITE_PROBE_KERNEL, backendName: "wasm", kernelFunc: probeKernel });
}

function runOver(kernel: string, grads: readonly tf.Tensor[]): tf.Scalar | null {
  if (grads.length === 0 || !ready(kernel) || grads.some((g) => g.dtype !== "float32" || g.size === 0)) return null;
  const inputs: tf.NamedTensorMap = {};
  grads.forEach((g, i) => (inputs[`g${i}`] = g));
  return tf.engine().runKernel(kernel, inputs, {}) as tf.Scalar;
}

/** globalNorm(grads) by the one kernel (float32, every gradient non-empty), or null where it cannot run. */
export function wasmGlobalNorm(grads: readonly tf.Tensor[]): tf.Scalar | null {
  return runOver(GLOBAL_NORM_KERNEL, grads);
}

/** addN(sum(g * 0) for each g) by one kernel (+0, or NaN if any element is not finite), or null where it cannot run. */
export function wasmNonFiniteProbe(grads: readonly tf.Tensor[]): tf.Scalar | null {
  return runOver(NON_FINITE_PROBE_KERNEL, grads);
}
