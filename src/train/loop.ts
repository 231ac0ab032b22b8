/**
 * The step loop both trainers share: `step(i)` for i = 0..steps-1, then
 * `evaluate(i + 1)` every `evalEvery` steps and once at the end; every ~200 ms
 * it yields to the event loop so a notebook can redraw its progress display.
 */
export async function runSteps(steps: number, evalEvery: number, step: (i: number) => void, evaluate: (at: number) => void): Promise<void> {
  let lastYield = Date.now();
  for (let i = 0; i < steps; i++) {
    step(i);
    if (evalEvery > 0 && (i + 1) % evalEvery === 0 && i + 1 < steps) evaluate(i + 1);
    if (Date.now() - lastYield > 200) {
      await new Promise((r) => setImmediate(r));
      lastYield = Date.now();
    }
  }
  evaluate(steps);
}
