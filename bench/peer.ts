/**
 * The PyTorch peer every bench compares against: Debian's python3-torch, one
 * thread, on an optimised BLAS. Fairness is checked, not assumed: Debian's
 * torch links whatever libblas.so.3 the alternatives system points at (its
 * build says BLAS_INFO=generic either way), and the reference BLAS is ~5x
 * slower on the MLP step than OpenBLAS (issue 29). OpenBLAS's pthread build
 * also starts a thread per core unless told otherwise, and torch's
 * set_num_threads(1) does not reach it when torch was not built against
 * OpenBLAS, so every peer runs with the BLAS thread variables set to 1.
 *
 * A peer on the reference BLAS is an error (with the apt-get line), unless
 * BENCH_ALLOW_REFERENCE_BLAS=1, which labels every ratio as against a weak peer.
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { clockLine, CPU_CLOCK } from "./clock";

export interface Peer {
  python: string;
  torch: string;
  /** The BLAS library the peer's process loaded (a file name), e.g. libopenblasp-r0.3.21.so. */
  blas: string;
  /** OpenBLAS (or another optimised BLAS): a fair peer. */
  optimisedBlas: boolean;
  /** Threads the peer ran with: torch's intra-op threads and the BLAS's own (OpenBLAS: openblas_get_num_threads). */
  threads: { torch: number; blas: number | null };
}

/** Environment for every peer process: one thread everywhere. */
export const PEER_ENV: NodeJS.ProcessEnv = { ...process.env, OMP_NUM_THREADS: "1", OPENBLAS_NUM_THREADS: "1", MKL_NUM_THREADS: "1" };

// Run in the peer's own interpreter: loads torch, does one matmul so the BLAS is mapped, then reads
// which BLAS library the process has mapped and how many threads each layer uses.
const PROBE = `
import ctypes, json, os, torch
torch.set_num_threads(1)
a = torch.randn(64, 64); (a @ a).sum().item()
libs = sorted({l.split()[-1] for l in open("/proc/self/maps") if "blas" in l.split()[-1]})
real = sorted({os.path.basename(os.path.realpath(l)) for l in libs})
blas_threads = None
for l in libs:
    try:
        blas_threads = ctypes.CDLL(l).openblas_get_num_threads(); break
    except (OSError, AttributeError):
        pass
print(json.dumps({"torch": torch.__version__, "libs": real, "torch_threads": torch.get_num_threads(), "blas_threads": blas_threads}))
`;

let cached: Peer | null | undefined;

/** The peer on this machine, or null when no python has torch. Cached. */
export function findPeer(): Peer | null {
  if (cached !== undefined) return cached;
  cached = null;
  for (const py of ["/usr/bin/python3", "python3"]) {
    const r = spawnSync(py, ["-c", PROBE], { encoding: "utf8", env: PEER_ENV });
    if (r.status !== 0) continue;
    const p = JSON.parse(r.stdout.trim().split("\n").pop()!) as { torch: string; libs: string[]; torch_threads: number; blas_threads: number | null };
    const optimised = p.libs.find((l) => /openblas|mkl|blis/i.test(l));
    cached = {
      python: py,
      torch: p.torch,
      blas: optimised ?? (p.libs.join(", ") || "none found"),
      optimisedBlas: optimised !== undefined,
      threads: { torch: p.torch_threads, blas: p.blas_threads },
    };
    break;
  }
  return cached;
}

/** One line for a bench's header: what the peer is, on which BLAS, with how many threads. */
export function peerLine(p: Peer | null): string {
  if (!p) return `PyTorch peer: not found (apt-get install python3-torch to compare); ${clockLine()}`;
  const blasThreads = p.threads.blas === null ? "" : `, BLAS threads ${p.threads.blas}`;
  return `PyTorch peer: torch ${p.torch} (${p.python}), BLAS ${p.blas}${p.optimisedBlas ? "" : " (REFERENCE BLAS: a weak peer)"}, torch threads ${p.threads.torch}${blasThreads}; ${clockLine()}`;
}

/**
 * The peer, checked fair; null (with a line printed) when there is none.
 * Throws on the reference BLAS unless BENCH_ALLOW_REFERENCE_BLAS=1.
 */
export function fairPeer(env: NodeJS.ProcessEnv = process.env, p: Peer | null = findPeer()): Peer | null {
  if (p && !p.optimisedBlas && env.BENCH_ALLOW_REFERENCE_BLAS !== "1") {
    throw new Error(`the PyTorch peer runs on the reference BLAS (${p.blas}), ~5x slower than an optimised one: every ratio would flatter tfjs. Install OpenBLAS (apt-get install libopenblas0-pthread) or set BENCH_ALLOW_REFERENCE_BLAS=1 to compare anyway, labelled.`);
  }
  return p;
}

/** Python that makes the peer's timers read its process's CPU time under BENCH_CLOCK=cpu (bench/clock.ts); empty otherwise. */
export function peerClockPrelude(): string {
  return CPU_CLOCK ? "import time; time.perf_counter = time.process_time\n" : "";
}

/** Runs bench/<script> in the peer with these arguments; every line of its stdout parsed as JSON. */
export function runPeerLines<T>(p: Peer, script: string, args: readonly (string | number)[]): T[] {
  const file = path.join(__dirname, "..", "..", "bench", script);
  // Under BENCH_CLOCK=cpu the script runs as __main__ after the clock is replaced.
  const argv = CPU_CLOCK
    ? ["-c", `${peerClockPrelude()}import runpy, sys; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name="__main__")`, file, ...args.map(String)]
    : [file, ...args.map(String)];
  const r = spawnSync(p.python, argv, { encoding: "utf8", env: PEER_ENV });
  if (r.status !== 0) throw new Error(`PyTorch bench ${script} failed: ${r.stderr}`);
  return r.stdout.trim().split("\n").map((l) => JSON.parse(l) as T);
}

/** Runs bench/<script> in the peer; its stdout's last line parsed as JSON. */
export function runPeer<T>(p: Peer, script: string, args: readonly (string | number)[]): T {
  return runPeerLines<T>(p, script, args).pop()!;
}
