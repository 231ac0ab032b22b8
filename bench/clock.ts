/**
 * BENCH_CLOCK=cpu: every bench times with its process's CPU time instead of
 * the wall clock, in tfjs (performance.now replaced here) and in the PyTorch
 * peer (time.perf_counter replaced by time.process_time, bench/peer.ts).
 * Why: on a machine whose cores are shared (sweeps, builds), wall-clock steps
 * move 2-5x between runs while CPU time per step moves ~10-20%, so ratios
 * measured in CPU time carry over between runs; both sides run one compute
 * thread, so CPU time is the work each does. Imported by bench/backends.ts,
 * which every bench loads first.
 */
export const CPU_CLOCK = process.env.BENCH_CLOCK === "cpu";

if (process.env.BENCH_CLOCK !== undefined && !["cpu", "wall"].includes(process.env.BENCH_CLOCK)) {
  throw new RangeError(`BENCH_CLOCK: "cpu" or "wall", got "${process.env.BENCH_CLOCK}"`);
}

if (CPU_CLOCK) {
  // Milliseconds of user + system CPU time of this process (every thread: the engine, GC).
  performance.now = () => {
    const c = process.cpuUsage();
    return (c.user + c.system) / 1000;
  };
}

/** One line for a bench's header: which clock the numbers are in. */
export function clockLine(): string {
  return CPU_CLOCK
    ? "clock: process CPU time (BENCH_CLOCK=cpu), tfjs and the PyTorch peer alike"
    : "clock: wall (BENCH_CLOCK=cpu times process CPU time instead, steadier on a shared machine)";
}
