/**
 * Which optional packages are installed, and at what version: the device
 * report (device.ts), backend selection (backend.ts) and the WebGPU probe
 * (webgpu.ts) all ask, so it lives below all three.
 */

/** Installed version of `pkg`, unless missing or an npm alias of another package. */
export function packageVersion(pkg: string): string | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- any package, installed or not: absent is an answer
    const meta = require(`${pkg}/package.json`) as { name: string; version: string };
    // danfojs-node's override installs @tensorflow/tfjs under the name @tensorflow/tfjs-node.
    return meta.name === pkg ? meta.version : undefined;
  } catch {
    return undefined;
  }
}
