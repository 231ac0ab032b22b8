/**
 * The benches' timed loops: warm-up steps, then timed ones, each step's loss
 * awaited and disposed (its read is what makes the backend finish the step).
 * Timed with performance.now, which bench/clock.ts turns into process CPU time
 * under BENCH_CLOCK=cpu.
 */
import type * as tf from "@tensorflow/tfjs";
import { BpttStream } from "../src/data/bptt";
import { disposeState, RnnLM } from "../src/models/rnn-lm";
import { lmTrainStep } from "../src/train/lm";

/**
 * Milliseconds per timed step of `step(s, read)`: `read` is true every 10th
 * step and on the last (as the trainers log); a step may return null when it
 * was not asked to read its loss.
 */
export async function msPerStep(step: (s: number, read: boolean) => tf.Scalar | null, steps: number, warmup: number): Promise<number> {
  let t0 = 0;
  for (let s = 0; s < warmup + steps; s++) {
    if (s === warmup) t0 = performance.now();
    const cost = step(s, s % 10 === 0 || s === warmup + steps - 1);
    if (cost) {
      await cost.data();
      cost.dispose();
    }
  }
  return (performance.now() - t0) / steps;
}

/**
 * BPTT windows of `m` trained by `opt` on a fixed pseudo-random token stream
 * (batch x window tokens per step, the state carried across windows as in
 * training): `run(i)` trains on window i and returns its loss.
 */
export function lmWindows(m: RnnLM, opt: tf.Optimizer, o: { vocab: number; batch: number; window: number; windows: number }): { run: (i: number) => tf.Scalar; dispose: () => void } {
  let s = 0x2545f491;
  const ids = Int32Array.from({ length: o.batch * (o.window * o.windows + 1) }, () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0), s % o.vocab));
  const stream = new BpttStream(ids, o.batch, o.window);
  let state = m.zeroState(o.batch);
  return {
    run: (i) => {
      const r = lmTrainStep(m, opt, stream.window(i), state, [i], o.window);
      state = r.state;
      return r.loss;
    },
    dispose: () => disposeState(state),
  };
}

/** Milliseconds per timed BPTT window (lmWindows), the loss read every window. */
export async function msPerLmWindow(m: RnnLM, opt: tf.Optimizer, o: { vocab: number; batch: number; window: number; steps: number; warmup: number }): Promise<number> {
  const w = lmWindows(m, opt, { ...o, windows: o.warmup + o.steps });
  let t0 = 0;
  for (let i = 0; i < o.warmup + o.steps; i++) {
    if (i === o.warmup) t0 = performance.now();
    const loss = w.run(i);
    await loss.data();
    loss.dispose();
  }
  const ms = (performance.now() - t0) / o.steps;
  w.dispose();
  return ms;
}

/** A bench's model and optimizer made fresh: `step(i)` runs training step i and returns its loss. */
export interface MadeStep {
  step: (i: number) => tf.Scalar;
  dispose: () => void;
}

/** Milliseconds per timed step of a freshly made step (the loss read every step, as the trainers that read it do). */
export async function msPerMadeStep(make: () => MadeStep, steps: number, warmup = 2): Promise<number> {
  const { step, dispose } = make();
  const ms = await msPerStep((i) => step(i), steps, warmup);
  dispose();
  return ms;
}
