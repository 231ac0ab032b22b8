/**
 * JS implementations of kernels a backend lacks, registered on demand.
 *
 * The WASM backend has no UnsortedSegmentSum, the gradient of tf.gather: any
 * embedding lookup fails to train there. A plain loop over the backend's own
 * buffers is enough for the sizes this project uses and keeps the rest of the
 * model on the fast backend.
 */
import * as tf from "@tensorflow/tfjs";
import { PHILOX_KERNELS } from "../random/philox-kernel";
import { MATMUL_EXPLICIT_KERNEL } from "./wasm-matmul";
import { GLOBAL_NORM_KERNEL, NON_FINITE_PROBE_KERNEL } from "./wasm-reduce";

/** Our kernels with a formulation in standard kernels wherever they are not registered: never a reason to pass a backend over. */
const OWN_KERNELS = new Set([...PHILOX_KERNELS, MATMUL_EXPLICIT_KERNEL, GLOBAL_NORM_KERNEL, NON_FINITE_PROBE_KERNEL]);

type KernelFunc = tf.KernelConfig["kernelFunc"];

interface WasmLike {
  readSync(dataId: unknown): ArrayLike<number>;
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number, values?: ArrayLike<number>): tf.TensorInfo;
}

const unsortedSegmentSum: KernelFunc = ({ inputs, attrs, backend }) => {
  const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const numSegments = (attrs as unknown as { numSegments: number }).numSegments;
  const be = backend as unknown as WasmLike;
  const xs = be.readSync(x.dataId);
  const ids = be.readSync(segmentIds.dataId);
  const inner = ids.length === 0 ? 0 : xs.length / ids.length;
  const out = x.dtype === "int32" ? new Int32Array(numSegments * inner) : new Float32Array(numSegments * inner);
  for (let i = 0; i < ids.length; i++) {
    const s = ids[i];
    if (s < 0 || s >= numSegments) continue; // TF drops out-of-range ids
    const o = s * inner;
    const src = i * inner;
    for (let j = 0; j < inner; j++) out[o + j] += xs[src + j];
  }
  const shape = [numSegments, ...x.shape.slice(segmentIds.shape.length)];
  return be.makeOutput(shape, x.dtype, undefined, out);
};

/** Fills available per backend, by kernel name. */
export const KERNEL_FILLS: Readonly<Record<string, Readonly<Record<string, KernelFunc>>>> = {
  wasm: { UnsortedSegmentSum: unsortedSegmentSum },
};

/** Kernel names that `backend` has not registered. */
export function missingKernels(backend: string, kernels: readonly string[]): string[] {
  return kernels.filter((k) => tf.getKernel(k, backend) === undefined);
}

/** Registers the fills we have for `backend`'s missing `kernels`; returns the names filled. */
export function fillMissingKernels(backend: string, kernels: readonly string[]): string[] {
  const fills = KERNEL_FILLS[backend] ?? {};
  const filled: string[] = [];
  for (const k of missingKernels(backend, kernels)) {
    if (fills[k]) {
      tf.registerKernel({ kernelName: k, backendName: backend, kernelFunc: fills[k] });
      filled.push(k);
    }
  }
  return filled;
}

/**
 * The kernels `fn` runs on the current backend (forward and backward), from
 * tf.profile. Profiles also list op scopes such as "softmaxCrossEntropy__op";
 * only names registered as kernels somewhere are kept. Our own kernels are
 * left out (the Philox noise, and the WASM-only products and reductions): a
 * backend without them gets the same numbers another way, so they must never
 * decide which backend a model runs on.
 */
export async function kernelsUsedBy(fn: () => void | Promise<void>): Promise<string[]> {
  const info = await tf.profile(async () => {
    await fn();
  });
  const backend = tf.getBackend();
  const names = new Set(info.kernels.map((k) => k.name));
  return [...names].filter((n) => !OWN_KERNELS.has(n) && tf.getKernel(n, backend) !== undefined).sort();
}
