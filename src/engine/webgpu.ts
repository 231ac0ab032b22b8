/**
 * TensorFlow.js's WebGPU backend in Node, on Dawn (the optional `webgpu` npm
 * package, which ships its binary): runs on any Vulkan driver, a GPU's or
 * Mesa's software lavapipe. What tfjs's own registration lacks, done here:
 *
 * - Dawn's globals and `navigator.gpu` are installed before the tfjs backend
 *   loads (else "webgpu" never registers);
 * - the device is requested with every limit the adapter has (tfjs asks for
 *   the defaults: 8 storage buffers per stage, and tf.addN of 12 tensors then
 *   silently returns 0);
 * - uncaptured device errors are kept and thrown at the next `await data()`
 *   (and by throwIfDeviceError()), rather than printed and forgotten;
 * - AddN runs in chunks that fit the device's storage buffers per stage
 *   (tfjs binds every input at once: a global-norm clip over 42 parameters
 *   fails validation even at the adapter's 16);
 * - a software adapter (lavapipe, SwiftShader) is refused unless asked for
 *   (GRADNOISE_WEBGPU_SOFTWARE=1 or the allowSoftware option): Dawn falls back
 *   to one silently when no GPU driver is present.
 *
 * In a web page the browser's `navigator.gpu` is WebGPU and the page imports
 * `@tensorflow/tfjs-backend-webgpu` itself, which registers "webgpu" there:
 * prepareWebGPU then reports the adapter, refuses a software one unless
 * asked, and chunks AddN; Dawn and the device-node probe are Node-only.
 */
import * as tf from "@tensorflow/tfjs";
import { packageVersion } from "./package-version";
import { envVar, inNode, nodeRequire } from "./runtime";

export const WEBGPU_SOFTWARE_ENV = "GRADNOISE_WEBGPU_SOFTWARE";

/** What the adapter is and what the device was given. */
export interface WebGPUAdapterReport {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A CPU implementation of Vulkan/WebGPU (lavapipe, SwiftShader), not a GPU. */
  software: boolean;
  /** Limits requested for the device (all the adapter's). */
  limits: Record<string, number>;
  versions: Record<string, string>;
}

// Minimal shapes of the WebGPU objects used here (the DOM lib's types are not relied on:
// `webgpu` is optional and its types may be absent).
interface GPUAdapterLike {
  info?: { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
  limits: object;
  features: { has(name: string): boolean };
  requestDevice(d: { requiredFeatures?: string[]; requiredLimits?: Record<string, number> }): Promise<GPUDeviceLike>;
}
interface GPUDeviceLike {
  onuncapturederror: ((ev: { error?: { message?: string } }) => void) | null;
  lost?: Promise<{ reason?: string; message?: string }>;
}
interface GPULike {
  requestAdapter(o?: { powerPreference?: string }): Promise<GPUAdapterLike | null>;
}

/** Start of the error a synchronous read of device data throws on webgpu. */
export const SYNC_READ_ERROR = "synchronous read on webgpu";

let adapterReport: WebGPUAdapterReport | undefined;
const deviceErrors: string[] = [];

/** The adapter the webgpu backend runs on, once it has initialised. */
export function webgpuAdapter(): WebGPUAdapterReport | undefined {
  return adapterReport;
}

/** Throws (and clears) the device errors WebGPU reported since the last call. */
export function throwIfDeviceError(): void {
  if (deviceErrors.length === 0) return;
  const msgs = deviceErrors.splice(0);
  throw new Error(`WebGPU device error${msgs.length > 1 ? `s (${msgs.length})` : ""}: ${msgs.join(" | ")}`);
}

function adapterLimits(adapter: GPUAdapterLike): Record<string, number> {
  // GPUSupportedLimits exposes its values as prototype getters: walk the prototype's keys.
  const out: Record<string, number> = {};
  const proto = Object.getPrototypeOf(adapter.limits) as object;
  for (const k of Object.keys(Object.getOwnPropertyDescriptors(proto))) {
    const v = (adapter.limits as Record<string, unknown>)[k];
    if (typeof v === "number") out[k] = v;
  }
  return out;
}

function isSoftware(adapter: GPUAdapterLike): boolean {
  const i = adapter.info ?? {};
  return i.architecture === "software" || i.isFallbackAdapter === true || adapter.isFallbackAdapter === true;
}

let loaded: { gpu: GPULike; WebGPUBackend: new (device: unknown, info: unknown) => tf.KernelBackend } | string | undefined;

/** Loads Dawn and the tfjs WebGPU backend once; returns why not on failure. */
function load(): string | undefined {
  if (typeof loaded === "string") return loaded;
  if (loaded) return undefined;
  // Dawn (the webgpu package, prebuilt binaries) and tfjs's backend are optional peers, like WASM's,
  // so a consumer who does not use WebGPU downloads neither; the backend matches their tfjs version.
  if (packageVersion("webgpu") === undefined) {
    loaded = "the webgpu package (Dawn) is not installed (an optional peer: npm install webgpu@0.6.2)";
    return loaded;
  }
  if (packageVersion("@tensorflow/tfjs-backend-webgpu") === undefined) {
    loaded = `@tensorflow/tfjs-backend-webgpu is not installed (optional: npm install @tensorflow/tfjs-backend-webgpu@${tf.version["tfjs-core"]})`;
    return loaded;
  }
  try {
    // By name: optional packages, which TypeScript and bundlers need not resolve.
    const dawn = nodeRequire<{ create(flags: string[]): GPULike; globals: Record<string, unknown> }>("webgpu", "Dawn (the webgpu package)");
    const g = globalThis as Record<string, unknown> & { navigator?: { gpu?: GPULike } };
    for (const [k, v] of Object.entries(dawn.globals)) if (!(k in g)) g[k] = v;
    // Loaded before navigator.gpu exists, tfjs's module registers no "webgpu" of its own
    // (with default limits and printed errors); we register ours below.
    const mod = nodeRequire<{ WebGPUBackend: new (device: unknown, info: unknown) => tf.KernelBackend }>("@tensorflow/tfjs-backend-webgpu", "loading tfjs-backend-webgpu by name");
    const gpu = g.navigator?.gpu ?? dawn.create([]);
    // Node 21+ defines navigator; Node 20 has none.
    if (!g.navigator) g.navigator = {};
    if (!g.navigator.gpu) g.navigator.gpu = gpu;
    loaded = { gpu, WebGPUBackend: mod.WebGPUBackend };
    chunkAddN();
    return undefined;
  } catch (e) {
    loaded = `webgpu failed to load: ${(e as Error).message.split("\n")[0]}`;
    return loaded;
  }
}

/**
 * Replaces webgpu's AddN by one that sums at most (storage buffers per stage - 1)
 * inputs per program (one buffer is the output), then sums the partial sums.
 */
function chunkAddN(): void {
  const kernel = tf.getKernel("AddN", "webgpu");
  if (!kernel) return;
  const original = kernel.kernelFunc;
  type Args = Parameters<typeof original>[0];
  const addN = (args: Args): tf.TensorInfo => {
    const xs = args.inputs as unknown as tf.TensorInfo[];
    const be = args.backend as unknown as { device: { limits: { maxStorageBuffersPerShaderStage: number } }; disposeData(id: object): void };
    const max = Math.max(2, be.device.limits.maxStorageBuffersPerShaderStage - 1);
    if (xs.length <= max) return original(args) as tf.TensorInfo;
    const partial: tf.TensorInfo[] = [];
    for (let i = 0; i < xs.length; i += max) {
      const chunk = xs.slice(i, i + max);
      partial.push(chunk.length === 1 ? chunk[0] : (original({ ...args, inputs: chunk as unknown as tf.NamedTensorInfoMap }) as tf.TensorInfo));
    }
    const out = addN({ ...args, inputs: partial as unknown as tf.NamedTensorInfoMap });
    for (const p of partial) if (!xs.includes(p)) be.disposeData(p.dataId);
    return out;
  };
  tf.unregisterKernel("AddN", "webgpu");
  tf.registerKernel({ ...kernel, kernelFunc: addN as typeof original });
}

/**
 * Paces a loop that queues device work without reading anything back (a
 * training loop that reads its loss every 10 steps): call it once per step and
 * await it. On webgpu it resolves once the work queued before the *previous*
 * call has run, so the queue holds at most about two steps; elsewhere it
 * resolves at once (no value changes: it only waits).
 *
 * Why: every dispatch binds its buffers through a new bind group, which Dawn
 * recycles only after it has seen that dispatch complete, and it looks only
 * while JS awaits a device promise. Unpaced, a population of 40 MLPs (10,245
 * dispatches a step) kept every step's bind groups alive; lavapipe maps a 4 KiB
 * page per descriptor set, so at the kernel's 65,530 mappings per process
 * (vm.max_map_count) its descriptor-pool allocation wrote through a failed map:
 * a segfault at the 7th unread step (docs/gpu-check.md). A GPU driver would
 * instead grow host and device memory without bound.
 */
export function devicePacer(): () => Promise<void> {
  let previous: Promise<void> | undefined;
  return async () => {
    if (tf.getBackend() !== "webgpu") return;
    const queue = (tf.backend() as unknown as { queue?: { onSubmittedWorkDone(): Promise<void> } }).queue;
    if (!queue) return;
    // A failure here is a lost device, which the device's own handlers report at the next read.
    const done = queue.onSubmittedWorkDone().catch(() => undefined);
    const wait = previous;
    previous = done;
    if (wait) await wait;
  };
}

let registeredSoftware: boolean | undefined;

/**
 * Whether a Linux machine has a GPU device node a Vulkan driver could use
 * (DRM render nodes, NVIDIA's nodes, WSL's /dev/dxg). Without one Dawn can
 * only find a software adapter, so the automatic choice need not load Dawn
 * (which prints limit warnings on lavapipe and costs start-up time).
 * Other platforms (Metal, D3D12) have no such nodes: true there.
 */
export function hasGpuDeviceNode(): boolean {
  // A browser decides for itself (a software adapter says so: isSoftware()).
  if (!inNode || process.platform !== "linux") return true;
  const { existsSync, readdirSync } = nodeRequire<typeof import("node:fs")>("node:fs", "the GPU device-node probe");
  const list = (dir: string) => {
    try {
      return readdirSync(dir);
    } catch {
      return [];
    }
  };
  return list("/dev/dri").some((f) => f.startsWith("renderD")) || existsSync("/dev/nvidia0") || existsSync("/dev/dxg");
}

/** Why the automatic choice passes WebGPU over without loading Dawn. */
export const NO_GPU_NODE = `only a software adapter could be available here (no GPU device node: /dev/dri/renderD*, /dev/nvidia0, /dev/dxg); set ${WEBGPU_SOFTWARE_ENV}=1 to use one`;

/**
 * Registers the "webgpu" backend with our device set-up, replacing tfjs's own
 * registration. Resolves to undefined when an acceptable adapter exists, else
 * to why not. `allowSoftware` admits a software adapter.
 */
export async function prepareWebGPU(allowSoftware: boolean): Promise<string | undefined> {
  if (!inNode) return prepareInPage(allowSoftware);
  const why = load();
  if (why) return why;
  const { gpu, WebGPUBackend } = loaded as Exclude<typeof loaded, string | undefined>;
  const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
  if (!adapter) {
    return "no WebGPU adapter (no Vulkan driver: install a GPU's driver, or Mesa >= 25's lavapipe for a software one; Debian 12's Mesa 22 is rejected by Dawn)";
  }
  const software = isSoftware(adapter);
  const info = adapter.info ?? {};
  const name = `${info.vendor || "?"} ${info.architecture || "?"} (${info.description || info.device || "no description"})`;
  if (software && !allowSoftware) {
    return `only a software adapter is available (${name}); set ${WEBGPU_SOFTWARE_ENV}=1 to use it`;
  }
  // Ours is registered already: keep it (a second device would orphan its tensors).
  // (tf.findBackend would start initialising a registered factory: not used here.)
  if (registeredSoftware === software && adapterReport) return undefined;
  if (tf.findBackendFactory("webgpu") !== null) tf.removeBackend("webgpu");
  const limits = adapterLimits(adapter);
  tf.registerBackend(
    "webgpu",
    async () => {
      const requiredFeatures = ["timestamp-query", "bgra8unorm-storage"].filter((f) => adapter.features.has(f));
      const device = await adapter.requestDevice({ requiredFeatures, requiredLimits: limits });
      device.onuncapturederror = (ev) => {
        deviceErrors.push(ev.error?.message?.split("\n")[0] ?? String(ev));
      };
      // "destroyed" is our own doing (tf.removeBackend); any other loss is an error.
      void device.lost?.then((l) => {
        if (l.reason !== "destroyed") deviceErrors.push(`device lost: ${l.reason ?? ""} ${l.message ?? ""}`.trim());
      });
      const backend = new WebGPUBackend(device, adapter.info);
      // Every awaited read is a point where the queue has run: report what failed there.
      const read = backend.read.bind(backend);
      backend.read = async (dataId: object) => {
        const values = await read(dataId);
        throwIfDeviceError();
        return values;
      };
      // In Node a synchronous read of device data fails deep in tfjs ("OffscreenCanvas is not
      // defined"): say what it is. Values already on the host still read synchronously.
      const readSync = backend.readSync.bind(backend);
      backend.readSync = (dataId: object) => {
        try {
          return readSync(dataId);
        } catch (e) {
          if (!/OffscreenCanvas/.test((e as Error).message)) throw e;
          throw new Error(`${SYNC_READ_ERROR}: dataSync()/arraySync() of data on the device; use \`await tensor.data()\``);
        }
      };
      return backend;
    },
    // Below cpu's priority: never tfjs's default by accident; selectBackend picks it by name.
    0,
  );
  registeredSoftware = software;
  const versions: Record<string, string> = {};
  for (const pkg of ["webgpu", "@tensorflow/tfjs-backend-webgpu"]) versions[pkg.replace("@tensorflow/", "")] = packageVersion(pkg) ?? "?";
  adapterReport = {
    vendor: info.vendor ?? "",
    architecture: info.architecture ?? "",
    device: info.device ?? "",
    description: info.description ?? "",
    software,
    limits,
    versions,
  };
  return undefined;
}

let pageChunked = false;

/** prepareWebGPU in a web page: the browser's adapter, the page's own "webgpu" registration. */
async function prepareInPage(allowSoftware: boolean): Promise<string | undefined> {
  const gpu = (globalThis as { navigator?: { gpu?: GPULike } }).navigator?.gpu;
  if (!gpu) return "this browser offers no WebGPU (navigator.gpu is undefined)";
  if (tf.findBackendFactory("webgpu") === null) return 'the webgpu backend is not registered: import "@tensorflow/tfjs-backend-webgpu" in your page';
  const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
  if (!adapter) return "navigator.gpu.requestAdapter() found no adapter";
  const software = isSoftware(adapter);
  const info = adapter.info ?? {};
  if (software && !allowSoftware) return `only a software adapter is available (${info.vendor || "?"} ${info.architecture || "?"}); pass allowSoftwareAdapter: true to use it`;
  if (!pageChunked) {
    chunkAddN();
    pageChunked = true;
  }
  // tfjs's own registration requests the default limits; these are the adapter's.
  adapterReport = { vendor: info.vendor ?? "", architecture: info.architecture ?? "", device: info.device ?? "", description: info.description ?? "", software, limits: adapterLimits(adapter), versions: {} };
  return undefined;
}

/** The software-adapter permission from the environment (none in a browser). */
export function softwareAllowedByEnv(): boolean {
  const v = envVar(WEBGPU_SOFTWARE_ENV);
  return v !== undefined && v !== "" && v !== "0" && v.toLowerCase() !== "false";
}
