/**
 * What a run ran on: backend, device, versions. Printed in notebook headers,
 * stored with every result record, and written into environment.md, so every
 * number can say how it was measured.
 */
import * as tf from "@tensorflow/tfjs";
import { packageVersion } from "./package-version";
import { inNode, nodeRequire } from "./runtime";
import { webgpuAdapter, WebGPUAdapterReport } from "./webgpu";

export { packageVersion } from "./package-version";

export interface DeviceReport {
  backend: string;
  gpu: boolean;
  /** GPU name when on a GPU, else the CPU model. */
  device: string;
  cpuModel: string;
  cpuCores: number;
  memoryGiB: number;
  platform: string;
  /** Node's version; in a web page, IN_BROWSER. */
  node: string;
  versions: Record<string, string>;
  flags: Record<string, unknown>;
  /** On webgpu: the adapter (vendor, architecture, software or not) and the limits requested. */
  adapter?: WebGPUAdapterReport;
}

function gpuName(): string | undefined {
  if (!inNode) return undefined;
  try {
    const { execFileSync } = nodeRequire<typeof import("node:child_process")>("node:child_process", "nvidia-smi");
    return execFileSync("nvidia-smi", ["--query-gpu=name", "--format=csv,noheader"], { encoding: "utf8", timeout: 5000 })
      .trim()
      .split("\n")[0];
  } catch {
    return undefined;
  }
}

export function describeDevice(): DeviceReport {
  const backend = tf.getBackend();
  const be = tf.findBackend(backend) as unknown as { isUsingGpuDevice?: boolean } | null;
  const adapter = backend === "webgpu" ? webgpuAdapter() : undefined;
  const gpu = (backend === "tensorflow" && Boolean(be?.isUsingGpuDevice)) || (adapter !== undefined && !adapter.software);
  const host = hostFacts();
  const cpuModel = host.cpuModel;
  const versions: Record<string, string> = { ...(tf.version as Record<string, string>) };
  for (const pkg of ["@tensorflow/tfjs-backend-wasm", "@tensorflow/tfjs-backend-webgpu", "webgpu", "@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"]) {
    const v = packageVersion(pkg);
    if (v) versions[pkg.replace("@tensorflow/", "")] = v;
  }
  const flags: Record<string, unknown> = {};
  if (backend === "wasm") {
    for (const f of ["WASM_HAS_SIMD_SUPPORT", "WASM_HAS_MULTITHREAD_SUPPORT"]) {
      // Both are resolved once the wasm backend has initialised.
      try {
        flags[f] = tf.env().get(f);
      } catch {
        flags[f] = "unknown";
      }
    }
  }
  return {
    backend,
    gpu,
    device: adapter ? adapterName(adapter) : gpu ? (gpuName() ?? "CUDA GPU") : cpuModel,
    ...host,
    versions,
    flags,
    ...(adapter ? { adapter } : {}),
  };
}

/** DeviceReport.node in a web page. */
export const IN_BROWSER = "none (browser)";

type HostFacts = Pick<DeviceReport, "cpuModel" | "cpuCores" | "memoryGiB" | "platform" | "node">;

/** The machine, from Node's os; in a web page, what navigator tells (no CPU model; memory rounded by the browser, 0 when unknown). */
function hostFacts(): HostFacts {
  if (inNode) {
    const os = nodeRequire<typeof import("node:os")>("node:os", "describeDevice()");
    return {
      cpuModel: os.cpus()[0]?.model?.trim() ?? "unknown CPU",
      cpuCores: os.cpus().length,
      memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
      platform: `${os.platform()} ${os.release()} ${os.arch()}`,
      node: process.version,
    };
  }
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number; deviceMemory?: number; userAgent?: string } }).navigator ?? {};
  return { cpuModel: "unknown CPU (browser)", cpuCores: nav.hardwareConcurrency ?? 0, memoryGiB: nav.deviceMemory ?? 0, platform: nav.userAgent ?? "unknown browser", node: IN_BROWSER };
}

function adapterName(a: WebGPUAdapterReport): string {
  return `${a.vendor || "unknown vendor"} ${a.architecture || "unknown architecture"}${a.description ? ` (${a.description})` : a.device ? ` (${a.device})` : ""}`;
}

/** One line for headers and logs. */
export function deviceLine(r: DeviceReport = describeDevice()): string {
  const flags = Object.entries(r.flags)
    .map(([k, v]) => `${k.replace("WASM_HAS_", "").replace("_SUPPORT", "").toLowerCase()}=${v}`)
    .join(" ");
  const where = r.adapter
    ? `${r.adapter.software ? `software WebGPU adapter ${r.device} on CPU ${r.cpuModel}, ${r.cpuCores} cores` : `WebGPU GPU ${r.device}`}; max storage buffers/stage ${r.adapter.limits.maxStorageBuffersPerShaderStage ?? "?"}`
    : r.gpu
      ? `GPU ${r.device}`
      : `CPU ${r.cpuModel}, ${r.cpuCores} cores`;
  const host = r.node === IN_BROWSER ? "in a browser" : `node ${r.node}`;
  return `backend ${r.backend}${flags ? ` (${flags})` : ""} on ${where}; tfjs ${r.versions["tfjs"] ?? r.versions["tfjs-core"]}, ${host}`;
}
