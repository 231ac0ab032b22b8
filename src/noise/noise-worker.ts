/**
 * Worker thread for NoisePrefetcher: fills the shared buffer with the
 * requested streams, then publishes the job's sequence number. Same
 * fillGaussian, same keys: the values are bit-identical to drawing in place.
 */
import { parentPort, workerData } from "worker_threads";
import { fillGaussian } from "../random/rng";
import type { NoiseJob } from "./prefetch";

const ctrl = new Int32Array(workerData.ctrl as SharedArrayBuffer);
const out = new Float32Array(workerData.out as SharedArrayBuffer);

parentPort!.on("message", (job: NoiseJob) => {
  for (const e of job.entries) fillGaussian(out.subarray(e.offset, e.offset + e.size), job.std, ...e.key);
  Atomics.store(ctrl, 0, job.seq);
  Atomics.notify(ctrl, 0);
});
