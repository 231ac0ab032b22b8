/**
 * What the machine did: for one list, at each timestep, the registers
 * (argmax), the source each module's arguments came from (argmax of its
 * selection), each module's output (argmax), where the registers' new values
 * came from, the memory (argmax per cell) and p_t, as the NRAM paper's
 * Table 2 lays out its Copy run.
 */
import * as tf from "@tensorflow/tfjs";
import { NramModel, TraceTensors } from "./model";
import type { ListKExample } from "./task";

export interface TraceStep {
  step: number;
  /** Register values (argmax) at the start of the step. */
  registers: number[];
  /** Memory (argmax per cell) at the start of the step. */
  memory: number[];
  /** Per module: its name, argument sources, output value (argmax) and that value's probability. */
  modules: { name: string; args: string[]; value: number; confidence: number }[];
  /** Each register's new source. */
  registerSources: string[];
  /** p_t: the probability that the machine stops after this step. */
  stop: number;
}

const argmax = (xs: ArrayLike<number>, from: number, to: number): number => {
  let best = from;
  for (let i = from + 1; i < to; i++) if (xs[i] > xs[best]) best = i;
  return best - from;
};

/** Runs `model` on one example and reads the trace (a handful of async reads, off the training path). */
export async function executionTrace(model: NramModel, ex: ListKExample): Promise<TraceStep[]> {
  const { memory: M, registers: R } = model.config;
  const L = model.layout;
  const S = L.sources;
  const names = [...Array.from({ length: R }, (_, j) => `r${j + 1}`), ...L.modules.map((m) => m.name)];
  const tr: TraceTensors = { weights: [], outputs: [], registers: [], stop: [] };
  // Memory per step: rerun with T = 1..T would cost T passes; the WRITE outputs and pointers already say what changed.
  try {
    // Inside the try: tensors the forward pass already kept are freed below even if it throws.
    tf.tidy(() => {
      model.forward(tf.tensor1d(ex.memory, "int32"), tf.tensor1d([ex.target], "int32"), tr);
    });
    const steps: TraceStep[] = [];
    const mem = Array.from(ex.memory);
    for (let t = 0; t < tr.weights.length; t++) {
      const w = await tr.weights[t].data();
      const o = await tr.outputs[t].data();
      const r = await tr.registers[t].data();
      const stop = (await tr.stop[t].data())[0];
      const modules = L.modules.map((m, i) => {
        const args = Array.from({ length: m.arity }, (_, a) => names[argmax(w, (L.argRow[i] + a) * S, (L.argRow[i] + a) * S + S)]);
        const value = argmax(o, i * M, (i + 1) * M);
        return { name: m.name, args, value, confidence: o[i * M + value] };
      });
      const registers = Array.from({ length: R }, (_, j) => argmax(r, j * M, (j + 1) * M));
      const registerSources = Array.from({ length: R }, (_, j) => names[argmax(w, (L.registerRow + j) * S, (L.registerRow + j + 1) * S)]);
      steps.push({ step: t + 1, registers, memory: [...mem], modules, registerSources, stop });
      // Apply this step's WRITE (discretised) to the memory shown at the next step.
      L.modules.forEach((m, i) => {
        if (m.kind !== "write") return;
        const ptrSrc = names.indexOf(modules[i].args[0]);
        const ptr = ptrSrc < R ? registers[ptrSrc] : modules[ptrSrc - R].value;
        mem[ptr] = modules[i].value;
      });
    }
    return steps;
  } finally {
    tf.dispose([...tr.weights, ...tr.outputs, ...tr.registers, ...tr.stop]);
  }
}

/** The trace as table rows: READ and WRITE with their pointers, the registers, the out cell, p_t. */
export function traceRows(steps: TraceStep[], outCell: number): Record<string, string | number>[] {
  return steps.map((s) => {
    const row: Record<string, string | number> = { step: s.step };
    s.registers.forEach((v, j) => (row[`r${j + 1}`] = v));
    const value = (src: string) => {
      const j = /^r(\d+)$/.exec(src);
      if (j) return s.registers[+j[1] - 1];
      const m = s.modules.find((x) => x.name === src);
      return m ? m.value : "?";
    };
    for (const m of s.modules) {
      if (m.name === "READ") row.READ = `p:${value(m.args[0])} (${m.args[0]}) -> ${m.value}`;
      if (m.name === "WRITE") row.WRITE = `p:${value(m.args[0])} (${m.args[0]}) a:${m.value} (${m.args[1]})`;
    }
    row["registers <-"] = s.registerSources.join(", ");
    row.out = s.memory[outCell];
    row["p_t"] = s.stop.toFixed(3);
    return row;
  });
}
