/**
 * Node or a web page. The core entry (src/index.ts) bundles for browsers
 * (esbuild, Vite), so no module on its path imports a Node built-in: the
 * Node-only features (the native backend, Dawn's WebGPU, device details from
 * `os`, the noise prefetch worker) load what they need through nodeRequire,
 * which a bundler does not follow and which refuses by name outside Node.
 */

/** True in Node (and in tslab's kernel, which is Node); false in a web page or a Web Worker. */
export const inNode: boolean = typeof process === "object" && process !== null && typeof process.versions?.node === "string";

/** Thrown where a Node-only feature is used in a browser. */
export class NodeOnlyError extends Error {
  constructor(feature: string) {
    super(`${feature} is Node-only (see docs/browser.md)`);
    this.name = "NodeOnlyError";
  }
}

/**
 * require(id) in Node. `id` is a Node built-in or a package name (resolved
 * from this package, like a static import would be); `feature` names what
 * needs it, for the error elsewhere.
 */
export function nodeRequire<T>(id: string, feature: string): T {
  if (!inNode || typeof require !== "function") throw new NodeOnlyError(feature);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- by a variable on purpose: bundlers leave it alone
  return require(id) as T;
}

/** An environment variable in Node; undefined in a browser (which has none). */
export function envVar(name: string): string | undefined {
  return inNode ? process.env[name] : undefined;
}
