/**
 * The step loop every trainer shares: `step(i)` for i = 0..steps-1, then
 * `evaluate(i + 1)` every `evalEvery` steps and once at the end. A step may
 * be async (it reads a number with `await data()`, which works on every
 * backend); every ~200 ms the loop yields to the event loop so a notebook can
 * redraw its progress display.
 */
export async function runSteps(steps: number, evalEvery: number, step: (i: number) => void | Promise<void>, evaluate: (at: number) => void | Promise<void>): Promise<void> {
  let lastYield = Date.now();
  for (let i = 0; i < steps; i++) {
    await step(i);
    if (evalEvery > 0 && (i + 1) % evalEvery === 0 && i + 1 < steps) await evaluate(i + 1);
    if (Date.now() - lastYield > 200) {
      await new Promise((r) => setImmediate(r));
      lastYield = Date.now();
    }
  }
  await evaluate(steps);
}
