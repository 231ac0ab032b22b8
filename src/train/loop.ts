import { interruptSignal, throwIfInterrupted } from "../engine/interrupt";
import { devicePacer } from "../engine/webgpu";

/**
 * The step loop every trainer shares: `step(i)` for i = 0..steps-1, then
 * `evaluate(i + 1)` every `evalEvery` steps and once at the end. A step may
 * be async (it reads a number with `await data()`, which works on every
 * backend); every ~200 ms the loop yields to the event loop so a notebook can
 * redraw its progress display (and a kernel can see an interrupt). `signal`
 * (default: interruptSignal(), tripped by Kernel > Interrupt) is checked
 * before every step and evaluation: an aborted run throws InterruptedError.
 * `from` skips the steps a resumed run has done (and, at `steps`, the final
 * evaluation too: a snapshot at the end is taken after it). On webgpu each
 * step also waits for the step before it to have run (devicePacer: an unread
 * queue of steps crashed lavapipe).
 */
export async function runSteps(steps: number, evalEvery: number, step: (i: number) => void | Promise<void>, evaluate: (at: number) => void | Promise<void>, signal: AbortSignal = interruptSignal(), from = 0): Promise<void> {
  // A run resumed from a snapshot (checkpoint.ts) starts at `from`: its evaluations up to there are done.
  if (!(Number.isInteger(from) && from >= 0 && from <= steps)) throw new RangeError(`runSteps: from must be an integer in [0, ${steps}], got ${from}`);
  if (from === steps && steps > 0) return;
  let lastYield = Date.now();
  const pace = devicePacer();
  for (let i = from; i < steps; i++) {
    throwIfInterrupted(signal);
    await step(i);
    await pace();
    if (evalEvery > 0 && (i + 1) % evalEvery === 0 && i + 1 < steps) await evaluate(i + 1);
    if (Date.now() - lastYield > 200) {
      await new Promise((r) => setImmediate(r));
      lastYield = Date.now();
    }
  }
  throwIfInterrupted(signal);
  await evaluate(steps);
}
