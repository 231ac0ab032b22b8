/**
 * The prefetch worker, loaded when first asked for. prefetch.ts needs Node's
 * worker_threads, and its hand-over blocks the training thread on
 * Atomics.wait, which a page's main thread may not do: prefetching is
 * Node-only, and a browser bundle of the core never contains it.
 */
import { inNode, NodeOnlyError, nodeRequire } from "../engine/runtime";
import type { NoisePrefetcher } from "./prefetch";

/** Refuses `prefetch: true` up front outside Node (where: the caller, for the message). */
export function checkPrefetchAvailable(where: string): void {
  if (!inNode) throw new NodeOnlyError(`${where}: prefetch (a worker thread drawing the next step's noise)`);
}

export function newPrefetcher(capacity: number): NoisePrefetcher {
  checkPrefetchAvailable("newPrefetcher()");
  // An absolute path: nodeRequire resolves from engine/, this module lives in noise/.
  const { NoisePrefetcher } = nodeRequire<typeof import("./prefetch")>(`${__dirname}/prefetch`, "the noise prefetch worker");
  return new NoisePrefetcher(capacity);
}
