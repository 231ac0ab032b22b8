/**
 * The Neural Random-Access Machine (Kurach et al. 2016, Section 3) with an
 * LSTM controller (GN Section 4.4: "NRAM uses an LSTM controller").
 *
 * State: R registers and M memory cells, each a distribution over
 * {0..M-1}; registers start at 0 (the NRAM paper's Table 2, step 1), memory
 * holds the input. One timestep:
 * 1. the controller sees P(r_j = 0) per register (their Section 3.1): a ReLU
 *    layer, then an LSTM cell;
 * 2. it emits every selection of the circuit at once: module i's arguments
 *    over (r_1..r_R, o_1..o_{i-1}) (their Eq. 1), register j's new value
 *    over (r, o_1..o_Q) (Eq. 3), and the stop logit x_t (Section 3.3);
 * 3. the modules run in order, READ and WRITE acting on the memory
 *    (Section 3.2: READ(p) = Mem^T p; WRITE(p, a): Mem := (J - p) J^T . Mem
 *    + p a^T, returning a, Appendix C);
 * 4. the registers take their selected values.
 *
 * All selections of a timestep share one softmax: one [B, selectors, S]
 * logit block, S = R + Q, with the sources a selector may not see masked out
 * (exp(-1e9) = 0 exactly in float32), so a timestep's softmax,
 * renormalisation and entropy are three ops, not fifty.
 *
 * Training tricks (Section 4.1), each a config value:
 * - element-wise clipping of the gradient w.r.t. activations to [-C1, C1]
 *   inside the backward pass: an identity whose gradient is clipped, on every
 *   module output, the memory after each WRITE, the registers and the
 *   controller's state;
 * - renormalisation after the softmax and of the registers (x / sum x), an
 *   identity in the backward pass (their footnote 5);
 * - log(max(x, eps)) in the loss and the entropy;
 * - the entropy bonus over every distribution the controller outputs, its
 *   coefficient given per step by the trainer.
 * Loss (Section 3.3): -sum_t p_t log Mem^(t)[out, y], with
 * p_t = f_t prod_{i<t} (1 - f_i) and p_T the remainder.
 */
import * as tf from "@tensorflow/tfjs";
import { gaussian, SeedPart } from "../../random/rng";
import { binaryTable, moduleSequence, ModuleSpec, shiftMatrix } from "./modules";
import { OUT_CELL } from "./task";

export interface NramModelConfig {
  /** Memory cells M (also the integer range). */
  memory: number;
  /** Registers R. */
  registers: number;
  /** Timesteps T (the most the machine may run). */
  timesteps: number;
  /** Width of the controller's ReLU layer and of its LSTM. */
  hidden: number;
  /** Times the 14-module sequence is repeated in one circuit (default 1). */
  repeats?: number;
  /** C1: element-wise clip of activation gradients (Infinity: none). */
  clipActivation: number;
  /** eps of log(max(x, eps)). */
  eps: number;
}

export class NramConfigError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = "NramConfigError";
  }
}

export function checkModelConfig(c: NramModelConfig): void {
  const posInt = (name: string, v: number, min = 1) => {
    if (!Number.isInteger(v) || v < min) throw new NramConfigError(`NRAM: ${name} must be an integer >= ${min}, got ${v}`);
  };
  posInt("memory", c.memory, 4);
  posInt("registers", c.registers);
  posInt("timesteps", c.timesteps);
  posInt("hidden", c.hidden);
  if (c.repeats !== undefined) posInt("repeats", c.repeats);
  if (!(c.clipActivation > 0)) throw new NramConfigError(`NRAM: clipActivation must be positive (Infinity for none), got ${c.clipActivation}`);
  if (!(c.eps > 0 && c.eps < 1)) throw new NramConfigError(`NRAM: eps must be in (0, 1), got ${c.eps}`);
}

/** Where each selector's logits sit in the controller's output. */
export interface CircuitLayout {
  modules: ModuleSpec[];
  /** Sources S = R + Q (registers, then module outputs). */
  sources: number;
  /** Selector rows: for module i, `argRow[i]` is its first argument's row (arity rows). */
  argRow: number[];
  /** First register-selection row (R rows follow). */
  registerRow: number;
  /** Rows in all. */
  selectors: number;
  /** [selectors * S] 0 where a selector may pick the source, -1e9 where not. */
  mask: Float32Array;
}

export function circuitLayout(registers: number, repeats = 1): CircuitLayout {
  const modules = moduleSequence(repeats);
  const R = registers;
  const S = R + modules.length;
  const argRow: number[] = [];
  let rows = 0;
  for (const m of modules) {
    argRow.push(rows);
    rows += m.arity;
  }
  const registerRow = rows;
  rows += R;
  const mask = new Float32Array(rows * S).fill(-1e9);
  modules.forEach((m, i) => {
    for (let a = 0; a < m.arity; a++) mask.fill(0, (argRow[i] + a) * S, (argRow[i] + a) * S + R + i);
  });
  for (let j = 0; j < R; j++) mask.fill(0, (registerRow + j) * S, (registerRow + j + 1) * S);
  return { modules, sources: S, argRow, registerRow, selectors: rows, mask };
}

/** Identity forward; the incoming gradient clipped element-wise to [-c, c] (Section 4.1). */
export function clipGradient<T extends tf.Tensor>(x: T, c: number): T {
  if (!Number.isFinite(c)) return x;
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const v = args[0] as tf.Tensor;
    return { value: tf.clone(v), gradFunc: (dy: tf.Tensor) => [tf.clipByValue(dy, -c, c)] };
  }) as (x: tf.Tensor) => tf.Tensor;
  return f(x) as T;
}

/** x / sum(x) over the last axis forward; the identity (then the clip) backward (footnote 5). */
export function renormalise<T extends tf.Tensor>(x: T, c: number): T {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const v = args[0] as tf.Tensor;
    return { value: tf.div(v, tf.sum(v, -1, true)), gradFunc: (dy: tf.Tensor) => [Number.isFinite(c) ? tf.clipByValue(dy, -c, c) : tf.clone(dy)] };
  }) as (x: tf.Tensor) => tf.Tensor;
  return f(x) as T;
}

export interface NramParams {
  /** Controller input layer [R, H], bias [H]. */
  w1: tf.Variable;
  b1: tf.Variable;
  /** LSTM [2H, 4H] (input then hidden rows; gates i, f, o, g), bias [4H]. */
  wl: tf.Variable;
  bl: tf.Variable;
  /** Output layer [H, selectors * S + 1] (the last column: the stop logit), bias. */
  wo: tf.Variable;
  bo: tf.Variable;
}

/** What one forward pass gives. */
export interface NramForward {
  /** Mean over the batch of -sum_t p_t log max(Mem^(t)[out, y], eps). */
  loss: tf.Scalar;
  /** Mean over the batch of the summed entropy of every controller distribution, per timestep summed. */
  entropy: tf.Scalar;
  /** [B, M] the out cell's distribution, expected over the stopping time: sum_t p_t Mem^(t)[out]. */
  output: tf.Tensor2D;
}

/** Per-timestep tensors the execution trace reads (batch of one). */
export interface TraceTensors {
  /** [selectors, S] selection weights. */
  weights: tf.Tensor[];
  /** [Q, M] module outputs. */
  outputs: tf.Tensor[];
  /** [R, M] registers at the start of the timestep. */
  registers: tf.Tensor[];
  /** [] p_t per timestep. */
  stop: tf.Tensor[];
}

let modelCounter = 0;

export class NramModel {
  readonly layout: CircuitLayout;
  readonly params: NramParams;
  private readonly consts: { mask: tf.Tensor; tables: Map<number, tf.Tensor2D>; shifts: Map<number, tf.Tensor2D>; constants: Map<number, tf.Tensor> };

  constructor(readonly config: NramModelConfig, seed: SeedPart) {
    checkModelConfig(config);
    const { memory: M, registers: R, hidden: H } = config;
    this.layout = circuitLayout(R, config.repeats ?? 1);
    const L = this.layout;
    const id = modelCounter++;
    // Glorot-normal weights from the seed's own streams; zero biases but the LSTM's forget gate (1).
    // tf.variable shares its initial tensor's data: free the initial tensor itself.
    const variable = (name: string, init: tf.Tensor) => {
      const v = tf.variable(init, true, `nram${id}/${name}`);
      init.dispose();
      return v;
    };
    const glorot = (name: string, rows: number, cols: number) =>
      variable(name, tf.tensor2d(gaussian(rows * cols, Math.sqrt(2 / (rows + cols)), seed, "nram-init", name), [rows, cols]));
    const bl = new Float32Array(4 * H);
    bl.fill(1, H, 2 * H);
    this.params = {
      w1: glorot("w1", R, H),
      b1: variable("b1", tf.zeros([H])),
      wl: glorot("wl", 2 * H, 4 * H),
      bl: variable("bl", tf.tensor1d(bl)),
      wo: glorot("wo", H, L.selectors * L.sources + 1),
      bo: variable("bo", tf.zeros([L.selectors * L.sources + 1])),
    };
    const tables = new Map<number, tf.Tensor2D>();
    const shifts = new Map<number, tf.Tensor2D>();
    const constants = new Map<number, tf.Tensor>();
    L.modules.forEach((m, i) => {
      if (m.kind === "binary" && !tables.has(i)) tables.set(i, tf.keep(tf.tensor2d(binaryTable(m, M), [M * M, M])));
      if (m.kind === "shift" && !shifts.has(m.value!)) shifts.set(m.value!, tf.keep(tf.tensor2d(shiftMatrix(m.value!, M), [M, M])));
      if (m.kind === "constant" && !constants.has(m.value!)) {
        const v = new Float32Array(M);
        v[m.value! % M] = 1;
        constants.set(m.value!, tf.keep(tf.tensor3d(v, [1, 1, M])));
      }
    });
    this.consts = { mask: tf.keep(tf.tensor2d(L.mask, [L.selectors, L.sources])), tables, shifts, constants };
  }

  get variables(): tf.Variable[] {
    return Object.values(this.params);
  }

  /**
   * The forward pass over a batch: `memory` [B * M] int32 initial cells,
   * `target` [B] int32. Call inside tf.tidy (or optimizer.minimize).
   */
  forward(memory: tf.Tensor1D, target: tf.Tensor1D, trace?: TraceTensors): NramForward {
    const { memory: M, registers: R, timesteps: T, hidden: H, clipActivation: C1, eps } = this.config;
    const L = this.layout;
    const S = L.sources;
    const B = target.shape[0];
    const p = this.params;
    const clip = <X extends tf.Tensor>(x: X) => clipGradient(x, C1);
    let mem = tf.reshape(tf.oneHot(memory, M).toFloat(), [B, M, M]) as tf.Tensor3D;
    let regs = tf.tile(this.consts.constants.get(0) ?? tf.oneHot(tf.tensor1d([0], "int32"), M).reshape([1, 1, M]), [B, R, 1]) as tf.Tensor3D;
    let h = tf.zeros([B, H]) as tf.Tensor2D;
    let c = tf.zeros([B, H]) as tf.Tensor2D;
    const targetHot = tf.oneHot(target, M).toFloat() as tf.Tensor2D;
    let notDone = tf.ones([B]) as tf.Tensor1D;
    let loss = tf.scalar(0);
    let entropy = tf.scalar(0);
    let output = tf.zeros([B, M]) as tf.Tensor2D;
    for (let t = 0; t < T; t++) {
      if (trace) trace.registers.push(tf.keep(tf.reshape(regs, [R, M])));
      // 1-2. The controller: P(r_j = 0), a ReLU layer, an LSTM cell.
      const zeroP = tf.reshape(tf.slice(regs, [0, 0, 0], [B, R, 1]), [B, R]);
      const x = tf.relu(tf.add(tf.matMul(zeroP, p.w1), p.b1));
      const gates = tf.add(tf.matMul(tf.concat([x, h], 1), p.wl), p.bl);
      const [gi, gf, go, gg] = tf.split(gates, 4, 1);
      c = clip(tf.add(tf.mul(tf.sigmoid(gf), c), tf.mul(tf.sigmoid(gi), tf.tanh(gg))));
      h = clip(tf.mul(tf.sigmoid(go), tf.tanh(c)));
      const out = tf.add(tf.matMul(h, p.wo), p.bo);
      const logits = tf.add(tf.reshape(tf.slice(out, [0, 0], [B, L.selectors * S]), [B, L.selectors, S]), this.consts.mask);
      const stopLogit = tf.reshape(tf.slice(out, [0, L.selectors * S], [B, 1]), [B]);
      // One softmax for every selection of the circuit, renormalised (Section 4.1).
      const w = renormalise(tf.softmax(logits), C1) as tf.Tensor3D;
      if (trace) trace.weights.push(tf.keep(tf.reshape(w, [L.selectors, S])));
      // Entropy of each selection, log(max(w, eps)); masked entries are 0 and add nothing.
      entropy = tf.add(entropy, tf.div(tf.neg(tf.sum(tf.mul(w, tf.log(tf.maximum(w, eps))))), B));
      // 3. The modules, in order; sources grow by one output per module.
      let sources = regs;
      const outs: tf.Tensor3D[] = [];
      L.modules.forEach((m, i) => {
        const args = m.arity > 0 ? (tf.matMul(tf.slice(w, [0, L.argRow[i], 0], [B, m.arity, R + i]), sources) as tf.Tensor3D) : undefined;
        let o: tf.Tensor3D;
        switch (m.kind) {
          case "read":
            o = tf.matMul(args!, mem) as tf.Tensor3D; // [B, 1, M] = p^T Mem
            break;
          case "constant":
            o = tf.tile(this.consts.constants.get(m.value!)!, [B, 1, 1]) as tf.Tensor3D;
            break;
          case "shift":
            o = tf.reshape(tf.matMul(tf.reshape(args!, [B, M]), this.consts.shifts.get(m.value!)!), [B, 1, M]);
            break;
          case "binary": {
            const [a, b] = tf.split(args!, 2, 1);
            // A_a B_b by broadcasting: WASM's batched matMul (and its transposed gradient) is a slow path (docs/performance.md).
            const outer = tf.mul(tf.reshape(a, [B, M, 1]), b); // [B, M, M]
            o = tf.reshape(tf.matMul(tf.reshape(outer, [B, M * M]), this.consts.tables.get(i)!), [B, 1, M]);
            break;
          }
          case "write": {
            const [ptr, val] = tf.split(args!, 2, 1);
            const pc = tf.reshape(ptr, [B, M, 1]);
            // (J - p) J^T . Mem + p a^T
            mem = clip(tf.add(tf.mul(tf.sub(1, pc), mem), tf.matMul(pc, val))) as tf.Tensor3D;
            o = val as tf.Tensor3D;
            break;
          }
        }
        o = clip(o!);
        outs.push(o);
        sources = tf.concat([sources, o], 1) as tf.Tensor3D;
      });
      if (trace) trace.outputs.push(tf.keep(tf.reshape(tf.concat(outs, 1), [L.modules.length, M])));
      // 4. New registers: each a mixture of all sources (Eq. 3), renormalised.
      regs = clip(renormalise(tf.matMul(tf.slice(w, [0, L.registerRow, 0], [B, R, S]), sources) as tf.Tensor3D, C1));
      // Stopping (Section 3.3): p_t = f_t prod_{i<t}(1 - f_i); the last step takes the rest.
      let pt: tf.Tensor1D;
      if (t < T - 1) {
        const f = tf.sigmoid(stopLogit);
        pt = tf.mul(f, notDone);
        notDone = tf.mul(notDone, tf.sub(1, f));
      } else pt = notDone;
      const outCell = tf.reshape(tf.slice(mem, [0, OUT_CELL, 0], [B, 1, M]), [B, M]);
      const logp = tf.log(tf.maximum(tf.sum(tf.mul(outCell, targetHot), 1), eps));
      loss = tf.sub(loss, tf.div(tf.sum(tf.mul(pt, logp)), B));
      output = tf.add(output, tf.mul(tf.reshape(pt, [B, 1]), outCell));
      if (trace) trace.stop.push(tf.keep(tf.reshape(pt, [])));
    }
    return { loss: loss as tf.Scalar, entropy: entropy as tf.Scalar, output };
  }

  /** The objective the trainer minimises: loss - coef * entropy (Section 4.1's entropy bonus). */
  objective(memory: tf.Tensor1D, target: tf.Tensor1D, entropyCoef: number): { objective: tf.Scalar; loss: tf.Scalar; output: tf.Tensor2D } {
    const f = this.forward(memory, target);
    const objective = entropyCoef > 0 ? (tf.sub(f.loss, tf.mul(entropyCoef, f.entropy)) as tf.Scalar) : f.loss;
    return { objective, loss: f.loss, output: f.output };
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
    this.consts.mask.dispose();
    for (const m of [this.consts.tables, this.consts.shifts, this.consts.constants]) for (const t of m.values()) t.dispose();
  }
}
