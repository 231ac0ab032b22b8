/**
 * DNGPU (Freivalds & Liepins 2017, arXiv 1702.08727; code LUMII-Syslab/DNGPU):
 * the Neural GPU with a 1-D state [batch, length, maps], one diagonal
 * convolutional gated unit per step, hard nonlinearities and a saturation
 * cost. GN tested only the original Neural GPU (model.ts); this model is the
 * extension of Section 4.5 that asks whether Eq. 1 noise still helps an
 * architecture that trains reliably.
 *
 *   r = hσ(U_r * s + B_r),  g = hσ(U_g * s + B_g),
 *   c = dropout(htanh(U_c * (r s) + B_c)),
 *   s' = mask · (g · shift(s) + (1 - g) · c),
 *
 * hσ(x) = clip(0.5 x + 0.5, 0, 1), htanh(x) = clip(x, -1, 1), * a width-3
 * convolution over positions (zero padding), shift() moves a third of the
 * maps one position right and a third one position left (the diagonal
 * gates). The input is a per-position linear map of the one-hot symbols
 * through htanh; the output a per-position linear map of the final state.
 * Every hσ/htanh input x adds relu(|x| - 0.9) to the saturation cost.
 *
 * Layout: as the Neural GPU (model.ts), the state is a flat bordered matrix
 * [B (L + 2), maps], so a width-3 convolution is one shiftConv with offsets
 * -1, 0, 1 and each shift a row slice of a padded copy: trains on WASM.
 * There the hard functions' and the saturation cost's gradients, the dropout
 * masks and the diagonal shift are one WebAssembly kernel each with the bits
 * of the tfjs ops (engine/wasm-copy.ts; other backends run the ops).
 */
import * as tf from "@tensorflow/tfjs";
import { hardSigmoid, hardTanh, saturationCost } from "../../models/hard-clip";
import { dropoutMaskTensor } from "../../models/hidden-noise";
import { shiftConv } from "../../models/shift-conv";
import { rowShift, rowShiftReady } from "../../engine/wasm-copy";
import { SeedPart, uniformStream } from "../../random";
import { Batch, PAD, VOCAB } from "./task";

export interface DNGPUConfig {
  /** Maps of the state (the code's bmul setting: 96). */
  maps: number;
  /** Weights ~ U(-a, a), a = initScale x the Glorot limit (the code: TF's default Glorot-uniform, initScale 1). */
  initScale: number;
  /** Starting bias of the reset gate (the code: bias_start 0.5). */
  resetBias: number;
  /** Starting bias of the update gate (the code: bias_start 0.7). */
  gateBias: number;
  /** The saturation cost counts |x| above this (the code: 0.9). */
  saturationLimit: number;
}

/** The published bmul model (DNGPU_trainer.py, DNGPU_model.py). */
export const DNGPU_MODEL: DNGPUConfig = { maps: 96, initScale: 1, resetBias: 0.5, gateBias: 0.7, saturationLimit: 0.9 };

/** Width-3 convolution taps in the bordered layout: the neighbour before, the position, the neighbour after. */
const OFFSETS = [-1, 0, 1];

export interface DNGPUForwardOptions {
  /** Keep probability of the candidate's (and input's) dropout (the code: 0.9 for bmul); 1 or absent: none. */
  keep?: number;
  /** Seed of this call's dropout masks (required with keep < 1). */
  seed?: SeedPart[];
  /** Keep the first example's state after each step ([steps + 1, length, maps], for pictures). */
  keepStates?: boolean;
}

export interface DNGPUOutput {
  /** [batch length, VOCAB]. */
  logits: tf.Tensor2D;
  /** The batch's saturation cost, normalised as the code does: sum / (length^2 batch). */
  saturation: tf.Scalar;
  states?: tf.Tensor3D;
}

let instances = 0;

export class DNGPU {
  readonly input: tf.Variable;
  readonly inputBias: tf.Variable;
  /** [3 maps, 2 maps]: the reset gate (first maps columns) and the update gate. */
  readonly gates: tf.Variable;
  readonly gatesBias: tf.Variable;
  /** [3 maps, maps]. */
  readonly candidate: tf.Variable;
  readonly candidateBias: tf.Variable;
  readonly output: tf.Variable;
  readonly outputBias: tf.Variable;
  private disposed = false;

  constructor(readonly config: DNGPUConfig, ...seed: SeedPart[]) {
    const { maps: m, initScale, resetBias, gateBias, saturationLimit } = config;
    if (!(Number.isInteger(m) && m >= 3)) throw new RangeError(`DNGPU: maps must be an integer >= 3 (a third shifts each way), got ${m}`);
    if (!(initScale > 0 && saturationLimit > 0 && Number.isFinite(resetBias) && Number.isFinite(gateBias))) throw new RangeError(`DNGPU: need initScale > 0, saturationLimit > 0 and finite biases; got ${initScale}, ${saturationLimit}, ${resetBias}, ${gateBias}`);
    const rand = uniformStream(...seed, "dngpu-init");
    const prefix = `dngpu${++instances}`;
    const uniform = (shape: number[], a: number, name: string) => {
      const n = shape.reduce((x, y) => x * y, 1);
      const v = new Float32Array(n);
      for (let i = 0; i < n; i++) v[i] = a * (2 * rand() - 1);
      return tf.tidy(() => tf.variable(tf.tensor(v, shape), true, `${prefix}/${name}`));
    };
    const constant = (values: number[], name: string) => tf.tidy(() => tf.variable(tf.tensor1d(values), true, `${prefix}/${name}`));
    // Glorot-uniform limits sqrt(6 / (fan in + fan out)); a width-3 kernel [3, m, m] has fans 3m and 3m (TF's rule for conv kernels).
    const glorot = (fanIn: number, fanOut: number) => initScale * Math.sqrt(6 / (fanIn + fanOut));
    // Input and output over the family's 4 symbols (the code's bmul: 13 input and 3 output symbols; the Glorot limits follow the count).
    this.input = uniform([VOCAB, m], glorot(VOCAB, m), "input");
    this.inputBias = constant(new Array(m).fill(0), "input-bias");
    this.gates = uniform([3 * m, 2 * m], glorot(3 * m, 3 * m), "gates");
    this.gatesBias = constant([...new Array(m).fill(resetBias), ...new Array(m).fill(gateBias)], "gates-bias");
    this.candidate = uniform([3 * m, m], glorot(3 * m, 3 * m), "candidate");
    this.candidateBias = constant(new Array(m).fill(0), "candidate-bias");
    this.output = uniform([m, VOCAB], glorot(m, VOCAB), "output");
    this.outputBias = constant(new Array(VOCAB).fill(0), "output-bias");
  }

  get weights(): tf.Variable[] {
    return [this.input, this.inputBias, this.gates, this.gatesBias, this.candidate, this.candidateBias, this.output, this.outputBias];
  }

  get parameterCount(): number {
    return this.weights.reduce((n, w) => n + w.size, 0);
  }

  /** [B (L + 2), 1] masks of the bordered layout: `live` is 1 where input or target is not padding (the code's mask), `inside` 1 at every non-border row. */
  private masks(batch: Batch): { live: tf.Tensor2D; inside: tf.Tensor2D } {
    const L = batch.length, Wp = L + 2, n = batch.size * Wp;
    const live = new Float32Array(n), inside = new Float32Array(n);
    for (let b = 0; b < batch.size; b++) {
      for (let k = 0; k < L; k++) {
        const i = b * L + k;
        inside[b * Wp + k + 1] = 1;
        if (batch.inputs[i] !== PAD || batch.targets[i] !== PAD) live[b * Wp + k + 1] = 1;
      }
    }
    return { live: tf.tensor2d(live, [n, 1]), inside: tf.tensor2d(inside, [n, 1]) };
  }

  /** The code's shift filter: the first maps - 2 floor(maps/3) maps stay, the next third read the position before, the last third the position after. */
  private shift(s: tf.Tensor2D): tf.Tensor2D {
    const [n, m] = s.shape;
    const k = Math.floor(m / 3), still = m - 2 * k;
    if (s.dtype === "float32" && rowShiftReady()) return this.rowShiftOp()(s);
    const padded = tf.pad(tf.slice(s, [0, still], [n, 2 * k]), [[1, 1], [0, 0]]);
    const fromBefore = tf.slice(padded, [0, 0], [n, k]);
    const fromAfter = tf.slice(padded, [2, k], [n, k]);
    return tf.concat([tf.slice(s, [0, 0], [n, still]), fromBefore, fromAfter], 1) as tf.Tensor2D;
  }

  private shiftOp?: (s: tf.Tensor2D) => tf.Tensor2D;

  /*
   * On wasm the shift above as one copy kernel, and its gradient as one too:
   * the taped gradient sums the two slices' zero-padded gradients, disjoint
   * blocks, so each element is the moved dy + 0 (a -0 becomes +0); the
   * kernel adds that + 0. The shift's node sits where the first slice's did,
   * so the state's gradient sums its parts in the same order.
   */
  private rowShiftOp(): (s: tf.Tensor2D) => tf.Tensor2D {
    if (this.shiftOp) return this.shiftOp;
    const m = this.config.maps, k = Math.floor(m / 3), still = m - 2 * k;
    this.shiftOp = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
      value: rowShift(args[0] as tf.Tensor2D, [[0, still, 0], [still, k, -1], [still + k, k, 1]], false),
      gradFunc: (dy: tf.Tensor) => rowShift(dy as tf.Tensor2D, [[0, still, 0], [still, k, 1], [still + k, k, -1]], true),
    })) as (s: tf.Tensor2D) => tf.Tensor2D;
    return this.shiftOp;
  }

  /** sum relu(|x| - limit) over the rows where `rows` is 1. */
  private saturation(x: tf.Tensor2D, rows: tf.Tensor2D): tf.Scalar {
    return saturationCost(x, rows, this.config.saturationLimit);
  }

  forward(batch: Batch, o: DNGPUForwardOptions = {}): DNGPUOutput {
    if (this.disposed) throw new Error("DNGPU: disposed");
    const keep = o.keep ?? 1;
    if (!(keep > 0 && keep <= 1)) throw new RangeError(`DNGPU.forward(): keep must be in (0, 1], got ${keep}`);
    if (keep < 1 && !o.seed) throw new RangeError("DNGPU.forward(): dropout (keep < 1) needs a seed");
    const m = this.config.maps, L = batch.length, B = batch.size, cells = B * (L + 2);
    const drop = (x: tf.Tensor2D, ...part: SeedPart[]) => (keep < 1 ? (tf.mul(x, dropoutMaskTensor([cells, m], keep, ...o.seed!, ...part)) as tf.Tensor2D) : x);
    return tf.tidy(() => {
      const { live, inside } = this.masks(batch);
      const oneHot = tf.oneHot(tf.tensor1d(batch.inputs, "int32"), VOCAB).toFloat() as tf.Tensor2D;
      const pre = tf.add(tf.matMul(oneHot, this.input as tf.Tensor2D), this.inputBias) as tf.Tensor2D;
      // The code weights the input layer's saturation by the length (it is counted once, the unit's terms once per step).
      let sat = tf.mul(tf.sum(tf.relu(tf.sub(tf.abs(pre), this.config.saturationLimit))), L) as tf.Scalar;
      const bordered = tf.reshape(tf.pad(tf.reshape(hardTanh(pre), [B, L, m]), [[0, 0], [1, 1], [0, 0]]), [cells, m]) as tf.Tensor2D;
      let s = tf.mul(drop(bordered, "input"), live) as tf.Tensor2D;
      const kept: tf.Tensor[] = o.keepStates ? [this.firstExample(s, B, L)] : [];
      for (let t = 0; t < L; t++) {
        const prev = s, prevSat = sat;
        // One tidy per step: without a gradient tape the step's intermediates go at once (long tests run hundreds of steps).
        [s, sat] = tf.tidy(() => {
          const gr = tf.add(shiftConv(prev, this.gates as tf.Tensor2D, OFFSETS), this.gatesBias) as tf.Tensor2D;
          const rg = hardSigmoid(gr);
          const r = tf.slice(rg, [0, 0], [cells, m]), g = tf.slice(rg, [0, m], [cells, m]);
          const cPre = tf.add(shiftConv(tf.mul(r, prev) as tf.Tensor2D, this.candidate as tf.Tensor2D, OFFSETS), this.candidateBias) as tf.Tensor2D;
          const c = drop(hardTanh(cPre), "step", t);
          const next = tf.mul(tf.add(tf.mul(g, this.shift(prev)), tf.mul(tf.sub(1, g), c)), live) as tf.Tensor2D;
          return [next, tf.add(prevSat, tf.add(this.saturation(gr, inside), this.saturation(cPre, inside))) as tf.Scalar];
        });
        prev.dispose();
        prevSat.dispose();
        if (o.keepStates) kept.push(this.firstExample(s, B, L));
      }
      const last = tf.reshape(tf.slice(tf.reshape(s, [B, L + 2, m]), [0, 1, 0], [B, L, m]), [B * L, m]) as tf.Tensor2D;
      const logits = tf.add(tf.matMul(last, this.output as tf.Tensor2D), this.outputBias) as tf.Tensor2D;
      const saturation = tf.div(sat, L * L * B) as tf.Scalar;
      return o.keepStates ? { logits, saturation, states: tf.stack(kept) as tf.Tensor3D } : { logits, saturation };
    });
  }

  private firstExample(s: tf.Tensor2D, B: number, L: number): tf.Tensor2D {
    return tf.reshape(tf.slice(tf.reshape(s, [B, L + 2, this.config.maps]), [0, 1, 0], [1, L, this.config.maps]), [L, this.config.maps]) as tf.Tensor2D;
  }

  /** The code's loss: cross-entropy averaged over every position of the padded length (padding's target is PAD), then over examples. */
  static loss(logits: tf.Tensor2D, batch: Batch): tf.Scalar {
    return tf.tidy(() => {
      const target = tf.oneHot(tf.tensor1d(batch.targets, "int32"), VOCAB).toFloat();
      return tf.neg(tf.mean(tf.sum(tf.mul(target, tf.logSoftmax(logits)), 1))) as tf.Scalar;
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    tf.dispose(this.weights);
  }
}
