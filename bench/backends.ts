/**
 * The backends a bench runs on: every one this machine has that runs the
 * workload (tensorflow, webgpu, wasm, cpu), or those in BENCH_BACKENDS
 * (comma-separated). A software WebGPU adapter (lavapipe) is benched too, and
 * labelled as such: a bench measures what is there, it does not pick.
 */
import "./clock"; // BENCH_CLOCK=cpu must replace the clock before any bench reads it
import { BACKENDS, BackendName, deviceLine, selectBackend } from "../src/engine";
import { median } from "../src/stats";

export interface BenchBackend {
  name: BackendName;
  /** The table's backend column: the name, and the adapter on webgpu. */
  label: string;
  /** deviceLine() on it. */
  engine: string;
  /** Runs on a GPU (not a software adapter, not a CPU backend). */
  gpu: boolean;
}

const ORDER: BackendName[] = ["tensorflow", "webgpu", "wasm", "cpu"];

/** Selects each backend in turn; the caller runs its workload after each `use()`. */
export async function benchBackends(requiredKernels: readonly string[]): Promise<{ backends: BenchBackend[]; skipped: string[] }> {
  const wanted = process.env.BENCH_BACKENDS ? (process.env.BENCH_BACKENDS.split(",").map((s) => s.trim()) as BackendName[]) : ORDER;
  for (const w of wanted) if (!(BACKENDS as readonly string[]).includes(w)) throw new RangeError(`BENCH_BACKENDS: unknown backend "${w}"`);
  const backends: BenchBackend[] = [];
  const skipped: string[] = [];
  for (const name of wanted) {
    try {
      const c = await selectBackend({ backend: name, requiredKernels, allowSoftwareAdapter: true });
      const a = c.adapter;
      const label = a ? `webgpu (${a.software ? "software, " : ""}${a.vendor} ${a.architecture})` : name;
      backends.push({ name, label, engine: deviceLine(), gpu: c.gpu });
    } catch (e) {
      skipped.push(`${name}: ${(e as Error).message.replace(/^selectBackend\(\): /, "")}`);
    }
  }
  return { backends, skipped };
}

/** Makes `b` the current backend again (selection is cached: cheap). */
export async function use(b: BenchBackend, requiredKernels: readonly string[]): Promise<void> {
  await selectBackend({ backend: b.name, requiredKernels, allowSoftwareAdapter: true });
}

/**
 * The median of `reps` measurements with noise and `reps` without, interleaved
 * (noise, none, noise, ...) so that a drift in the machine's load falls on both.
 */
export async function withAndWithoutNoise(reps: number, measure: (noise: boolean) => Promise<number>): Promise<{ noisy: number; plain: number }> {
  const noisy: number[] = [], plain: number[] = [];
  for (let i = 0; i < reps; i++) {
    noisy.push(await measure(true));
    plain.push(await measure(false));
  }
  return { noisy: median(noisy), plain: median(plain) };
}
