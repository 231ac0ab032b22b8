/**
 * Which optional packages are installed, and at what version: the device
 * report (device.ts), backend selection (backend.ts) and the WebGPU probe
 * (webgpu.ts) all ask, so it lives below all three.
 */
import { inNode, nodeRequire } from "./runtime";

/** Installed version of `pkg`, unless missing or an npm alias of another package. */
export function packageVersion(pkg: string): string | undefined {
  // A web page's bundle has no package files to read.
  if (!inNode) return undefined;
  try {
    // Any package, installed or not: absent is an answer.
    const meta = nodeRequire<{ name: string; version: string }>(`${pkg}/package.json`, "packageVersion()");
    // danfojs-node's override installs @tensorflow/tfjs under the name @tensorflow/tfjs-node.
    return meta.name === pkg ? meta.version : undefined;
  } catch {
    return undefined;
  }
}
