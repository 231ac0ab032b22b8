import { flushFiniteChecks } from "../noise/optimizer";
import { interruptSignal, throwIfInterrupted } from "./interrupt";

/**
 * The step loop every trainer shares: `step(i)` for i = 0..steps-1, then
 * `evaluate(i + 1)` every `evalEvery` steps and once at the end. A step may
 * be async (it reads a number with `await data()`, which works on every
 * backend); every ~200 ms the loop yields to the event loop so a notebook can
 * redraw its progress display (and a kernel can see an interrupt). `signal`
 * (default: interruptSignal(), tripped by Kernel > Interrupt) is checked
 * before every step and evaluation: an aborted run throws InterruptedError.
 */
export async function runSteps(steps: number, evalEvery: number, step: (i: number) => void | Promise<void>, evaluate: (at: number) => void | Promise<void>, signal: AbortSignal = interruptSignal()): Promise<void> {
  let lastYield = Date.now();
  for (let i = 0; i < steps; i++) {
    throwIfInterrupted(signal);
    await step(i);
    if (evalEvery > 0 && (i + 1) % evalEvery === 0 && i + 1 < steps) {
      await flushFiniteChecks();
      await evaluate(i + 1);
    }
    if (Date.now() - lastYield > 200) {
      // Deferred NaN checks (noise/optimizer.ts) are read here, not every step: no per-step stall.
      await flushFiniteChecks();
      await new Promise((r) => setImmediate(r));
      lastYield = Date.now();
    }
  }
  throwIfInterrupted(signal);
  await flushFiniteChecks();
  await evaluate(steps);
}
