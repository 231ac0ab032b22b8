/**
 * Backend selection: an explicit choice (argument, else the GRADNOISE_BACKEND
 * environment variable), else automatic: a GPU first (tfjs-node-gpu seeing a
 * CUDA device, else WebGPU on a hardware adapter), then the native TensorFlow
 * backend on CPU (tfjs-node), then WASM if it has every kernel the model
 * needs (after filling the gaps we can fill), then the pure-JS `cpu` backend,
 * which has every kernel. A software WebGPU adapter (lavapipe) is used only
 * when asked for (allowSoftwareAdapter, or GRADNOISE_WEBGPU_SOFTWARE=1).
 */
import * as tf from "@tensorflow/tfjs";
import { packageVersion } from "./package-version";
import { fillMissingKernels, missingKernels } from "./kernel-fills";
import { envVar, inNode, nodeRequire } from "./runtime";
import { installWasmMatMul } from "./wasm-matmul";
import { installWasmReductions } from "./wasm-reduce";
import { installWasmSlice } from "./wasm-slice";
import { hasGpuDeviceNode, NO_GPU_NODE, prepareWebGPU, softwareAllowedByEnv, webgpuAdapter, WebGPUAdapterReport } from "./webgpu";

export const BACKENDS = ["tensorflow", "webgpu", "wasm", "cpu", "webgl"] as const;
export type BackendName = (typeof BACKENDS)[number];
export const BACKEND_ENV = "GRADNOISE_BACKEND";

export interface BackendOptions {
  /**
   * A backend name (overrides GRADNOISE_BACKEND), or "auto" / undefined: no
   * preference, so GRADNOISE_BACKEND decides when set (notebooks pass their
   * `backend = "auto"` parameter, and CI sets GRADNOISE_BACKEND=webgpu), else automatic.
   */
  backend?: BackendName | "auto";
  /** Kernel names the model runs (forward and backward); see models' `requiredKernels`. */
  requiredKernels?: readonly string[];
  /** Register JS fills for missing kernels where we have them (default true). */
  fillGaps?: boolean;
  /** Accept a software WebGPU adapter (lavapipe); default: GRADNOISE_WEBGPU_SOFTWARE=1. */
  allowSoftwareAdapter?: boolean;
}

export interface BackendChoice {
  backend: BackendName;
  /** True when tensors live on a GPU (native backend with a CUDA device, or a hardware WebGPU adapter). */
  gpu: boolean;
  /** The WebGPU adapter, when the backend is webgpu. */
  adapter?: WebGPUAdapterReport;
  /** Why this backend, in a sentence. */
  reason: string;
  /** Kernels registered from KERNEL_FILLS to make the choice work. */
  filled: string[];
  /** Backends tried and passed over, with why. */
  passedOver: { backend: BackendName; why: string }[];
}

interface NativeInfo {
  loaded: boolean;
  gpu: boolean;
  why: string;
}

let native: NativeInfo | undefined;

/** Loads tfjs-node-gpu, else tfjs-node, once; reports whether it sees a GPU. */
function loadNative(): NativeInfo {
  if (native) return native;
  if (!inNode) {
    native = { loaded: false, gpu: false, why: "tfjs-node is Node-only (a web page has webgpu, webgl, wasm and cpu)" };
    return native;
  }
  const errors: string[] = [];
  for (const pkg of ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"]) {
    if (packageVersion(pkg) === undefined) {
      errors.push(`${pkg} is not installed (or is an npm alias of another package)`);
      continue;
    }
    try {
      // By name: an optional package, loaded only when asked for.
      nodeRequire(pkg, "tfjs-node");
      if (tf.findBackend("tensorflow") === null) throw new Error("loaded, but registered no 'tensorflow' backend");
      const be = tf.findBackend("tensorflow") as unknown as { isGPUPackage?: boolean; isUsingGpuDevice?: boolean };
      const gpu = Boolean(be.isGPUPackage && be.isUsingGpuDevice);
      native = { loaded: true, gpu, why: `${pkg} loaded${gpu ? " with a GPU" : " (no GPU visible)"}` };
      return native;
    } catch (e) {
      errors.push(`${pkg}: ${(e as Error).message.split("\n")[0]}`);
    }
  }
  native = { loaded: false, gpu: false, why: errors.join("; ") };
  return native;
}

/**
 * Registers the 'wasm' backend (an optional peer dependency); null when it loaded, else why not.
 * A web page imports the backend itself (and says where its .wasm files are, setWasmPaths):
 * a bundler must see that import, and a page that never uses WASM should not carry it.
 */
async function loadWasm(): Promise<string | null> {
  if (!inNode) {
    if (tf.findBackendFactory("wasm") !== null) return null;
    return 'the wasm backend is not registered: import "@tensorflow/tfjs-backend-wasm" in your page and call its setWasmPaths() (docs/browser.md)';
  }
  try {
    // Requiring it registers the 'wasm' backend with tfjs-core.
    nodeRequire("@tensorflow/tfjs-backend-wasm", "loading the WASM backend by name");
    return null;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code !== "MODULE_NOT_FOUND") return `@tensorflow/tfjs-backend-wasm failed to load: ${err.message.split("\n")[0]}`;
    return `@tensorflow/tfjs-backend-wasm is not installed (optional: npm install @tensorflow/tfjs-backend-wasm@${tf.version["tfjs-core"]} for a faster CPU backend)`;
  }
}

function requested(opts: BackendOptions): BackendName | "auto" {
  const given = opts.backend === "auto" ? undefined : opts.backend;
  const value = given ?? envVar(BACKEND_ENV) ?? "auto";
  if (value === "auto" || (BACKENDS as readonly string[]).includes(value)) return value as BackendName | "auto";
  const source = given !== undefined ? "backend option" : `${BACKEND_ENV} environment variable`;
  throw new RangeError(`selectBackend(): ${source} must be one of auto, ${BACKENDS.join(", ")}; got "${value}"`);
}

/** Makes `name` usable for `kernels`, or says why not. */
async function prepare(name: BackendName, kernels: readonly string[], fill: boolean, software: boolean): Promise<{ ok: boolean; why: string; filled: string[]; gpu: boolean }> {
  let gpu = false;
  if (name === "webgpu") {
    const why = await prepareWebGPU(software);
    if (why) return { ok: false, why, filled: [], gpu };
    gpu = !webgpuAdapter()!.software;
  } else if (name === "tensorflow") {
    const n = loadNative();
    if (!n.loaded) return { ok: false, why: n.why, filled: [], gpu };
    gpu = n.gpu;
  } else if (name === "wasm") {
    const why = await loadWasm();
    if (why) return { ok: false, why, filled: [], gpu };
    installWasmSlice();
    installWasmMatMul();
    installWasmReductions();
  }
  if (tf.findBackendFactory(name) === null) return { ok: false, why: `backend '${name}' is not registered`, filled: [], gpu };
  const filled = fill ? fillMissingKernels(name, kernels) : [];
  const missing = missingKernels(name, kernels);
  if (missing.length > 0) return { ok: false, why: `lacks kernel(s) ${missing.join(", ")}`, filled, gpu };
  const ok = await tf.setBackend(name);
  if (!ok) return { ok: false, why: `tf.setBackend('${name}') failed to initialise`, filled, gpu };
  return { ok: true, why: "", filled, gpu };
}

export async function selectBackend(opts: BackendOptions = {}): Promise<BackendChoice> {
  const choice = requested(opts);
  const kernels = opts.requiredKernels ?? [];
  const fill = opts.fillGaps ?? true;
  const software = opts.allowSoftwareAdapter ?? softwareAllowedByEnv();
  const passedOver: BackendChoice["passedOver"] = [];
  const adapterOf = (name: BackendName) => (name === "webgpu" ? { adapter: webgpuAdapter() } : {});

  if (choice !== "auto") {
    const r = await prepare(choice, kernels, fill, software);
    if (!r.ok) throw new Error(`selectBackend(): requested backend '${choice}' cannot run this model: ${r.why}`);
    return { backend: choice, gpu: r.gpu, reason: `requested explicitly`, filled: r.filled, passedOver, ...adapterOf(choice) };
  }

  const n = loadNative();
  // GPUs first; the native CPU backend before WASM.
  const order: BackendName[] = n.loaded ? (n.gpu ? ["tensorflow", "webgpu", "wasm", "cpu"] : ["webgpu", "tensorflow", "wasm", "cpu"]) : ["webgpu", "wasm", "cpu"];
  if (!n.loaded) passedOver.push({ backend: "tensorflow", why: n.why });
  for (const name of order) {
    if (name === "webgpu" && !software && !hasGpuDeviceNode()) {
      passedOver.push({ backend: name, why: NO_GPU_NODE });
      continue;
    }
    const r = await prepare(name, kernels, fill, software);
    if (r.ok) {
      const reason =
        name === "tensorflow"
          ? n.why
          : name === "webgpu"
            ? `WebGPU on ${r.gpu ? "a GPU" : "a software adapter (asked for)"}`
            : name === "wasm"
              ? "fastest CPU backend available that has every required kernel"
              : "fallback: the pure-JS backend has every kernel";
      return { backend: name, gpu: r.gpu, reason, filled: r.filled, passedOver, ...adapterOf(name) };
    }
    passedOver.push({ backend: name, why: r.why });
  }
  throw new Error(`selectBackend(): no backend can run this model: ${passedOver.map((p) => `${p.backend} ${p.why}`).join("; ")}`);
}
