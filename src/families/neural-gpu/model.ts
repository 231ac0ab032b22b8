/**
 * The Neural GPU (Kaiser & Sutskever 2016; GN Section 4.5): a mental image s
 * of `rows` x L cells with `maps` channels, s_0's first row the embedded
 * input; `layers` CGRUs per step, L steps; logits O s_fin[first row].
 *
 *   CGRU(s) = u * s + (1 - u) * tanh(U * (r * s) + B),
 *   u = sigma'(U' * s + B'), r = sigma'(U'' * s + B''),
 *   sigma'(x) = max(0, min(1, 1.2 sigmoid(x) - 0.1)),
 *
 * with * a 3x3 convolution (zero padding). The image is kept as a flat
 * matrix [B rows L, maps] so each convolution is one product over the
 * stacked taps, and a CGRU is one op with a hand-written gradient (cgru.ts);
 * a mask zeroes the columns of padded input positions after every CGRU (the
 * original code zeroes the state at padded positions). Parameter-sharing relaxation: `relax`
 * parameter sets, set t mod relax used at step t, a pull term towards their
 * mean; averaged into one set before testing.
 */
import * as tf from "@tensorflow/tfjs";
import { dropoutMask } from "../../models/hidden-noise";
import { ImageShape } from "../../models/shift-conv";
import { cgruOp } from "./cgru";
import { SeedPart, uniformStream } from "../../random";
import { Batch, PAD, VOCAB } from "./task";

export interface NeuralGPUConfig {
  /** Channels m of the mental image (the original: 24). */
  maps: number;
  /** Rows w of the mental image (the original: 4). */
  rows: number;
  /** CGRUs per step, l (the original: 2). */
  layers: number;
  /** Parameter sets of the relaxation, r (the original: 6; 1 = plain sharing). */
  relax: number;
  /** Convolution weights ~ U(-a, a), a = initScale / sqrt(9 maps) (a grid axis; the original's init_weight). */
  initScale: number;
  /** Embedding ~ U(-embedScale, embedScale) (the original code: 1.7). */
  embedScale: number;
  /** Initial bias of the gates u and r (the original code starts gate biases at 1; unknown in the paper). */
  gateBias: number;
  /** The gate's cutoff: sigma'(x) = clip(c sigmoid(x) - (c - 1)/2, 0, 1), c = 1.2 (the paper). */
  cutoff: number;
}

export const ORIGINAL_MODEL: NeuralGPUConfig = { maps: 24, rows: 4, layers: 2, relax: 6, initScale: 1, embedScale: 1.7, gateBias: 1, cutoff: 1.2 };

interface CGRUParams {
  /** [9 maps, 2 maps]: the gates u (first maps columns) and r, one product. */
  gates: tf.Variable;
  gatesBias: tf.Variable;
  /** [9 maps, maps]: the candidate. */
  candidate: tf.Variable;
  candidateBias: tf.Variable;
}

export interface ForwardOptions {
  /** Dropout rate on the image at every step (training only). */
  dropout?: number;
  /** Seed of this call's dropout masks (required with dropout). */
  seed?: SeedPart[];
  /** Keep the image after each step (the pictures); costs memory, not for training. */
  keepStates?: boolean;
}

export interface Geometry {
  batch: number;
  length: number;
  rows: number;
  /** Rows of the flat layout, batch rows length. */
  cells: number;
  image: ImageShape;
}

/** Variable names are global in tfjs: each model gets its own prefix. */
let instances = 0;

export class NeuralGPU {
  readonly embedding: tf.Variable;
  readonly output: tf.Variable;
  readonly outputBias: tf.Variable;
  /** cgru[set][layer]. */
  readonly cgru: CGRUParams[][];
  private disposed = false;

  constructor(readonly config: NeuralGPUConfig, ...seed: SeedPart[]) {
    const { maps: m, layers, relax, initScale, embedScale, gateBias, cutoff } = config;
    for (const [k, v] of Object.entries({ maps: m, rows: config.rows, layers, relax })) {
      if (!(Number.isInteger(v) && v >= 1)) throw new RangeError(`NeuralGPU: ${k} must be a positive integer, got ${v}`);
    }
    if (!(initScale > 0 && embedScale > 0 && cutoff >= 1)) throw new RangeError(`NeuralGPU: need initScale > 0, embedScale > 0, cutoff >= 1; got ${initScale}, ${embedScale}, ${cutoff}`);
    const rand = uniformStream(...seed, "neural-gpu-init");
    const prefix = `ngpu${++instances}`;
    const uniform = (shape: number[], a: number, name: string) => {
      const n = shape.reduce((x, y) => x * y, 1);
      const v = new Float32Array(n);
      for (let i = 0; i < n; i++) v[i] = a * (2 * rand() - 1);
      return tf.tidy(() => tf.variable(tf.tensor(v, shape), true, `${prefix}/${name}`));
    };
    const a = initScale / Math.sqrt(9 * m);
    const emb = uniform([VOCAB, m], embedScale, "embedding");
    this.embedding = emb;
    this.output = uniform([m, VOCAB], 1 / Math.sqrt(m), "output");
    this.outputBias = tf.tidy(() => tf.variable(tf.zeros([VOCAB]), true, `${prefix}/output-bias`));
    // One draw per layer, copied into every relaxation set: the sets start equal (the original initialises each separately; equal starts are our choice, so the pull term starts at zero).
    const base = Array.from({ length: layers }, (_, l) => ({
      gates: uniform([9 * m, 2 * m], a, `l${l}/gates`),
      candidate: uniform([9 * m, m], a, `l${l}/candidate`),
    }));
    this.cgru = tf.tidy(() =>
      Array.from({ length: relax }, (_, s) =>
        base.map((b, l) => ({
          gates: s === 0 ? b.gates : tf.variable(b.gates.clone(), true, `${prefix}/r${s}/l${l}/gates`),
          gatesBias: tf.variable(tf.fill([2 * m], gateBias), true, `${prefix}/r${s}/l${l}/gates-bias`),
          candidate: s === 0 ? b.candidate : tf.variable(b.candidate.clone(), true, `${prefix}/r${s}/l${l}/candidate`),
          candidateBias: tf.variable(tf.zeros([m]), true, `${prefix}/r${s}/l${l}/candidate-bias`),
        })),
      ),
    );
  }

  get weights(): tf.Variable[] {
    return [this.embedding, this.output, this.outputBias, ...this.cgru.flatMap((set) => set.flatMap((p) => [p.gates, p.gatesBias, p.candidate, p.candidateBias]))];
  }

  get parameterCount(): number {
    return this.weights.reduce((n, w) => n + w.size, 0);
  }

  geometry(batch: Batch): Geometry {
    const { rows } = this.config;
    return { batch: batch.size, length: batch.length, rows, cells: batch.size * rows * batch.length, image: { batch: batch.size, height: rows, width: batch.length } };
  }

  /** [cells, 1]: 1 at columns whose input is not padding, else 0. */
  private mask(batch: Batch, g: Geometry): tf.Tensor2D {
    const v = new Float32Array(g.cells);
    for (let b = 0; b < g.batch; b++) {
      for (let k = 0; k < g.length; k++) {
        if (batch.inputs[b * g.length + k] === PAD) continue;
        for (let h = 0; h < g.rows; h++) v[(b * g.rows + h) * g.length + k] = 1;
      }
    }
    return tf.tensor2d(v, [g.cells, 1]);
  }

  /** The image after embedding: [cells, maps]. */
  private embed(batch: Batch, g: Geometry): tf.Tensor2D {
    const { maps: m, rows } = this.config;
    const oneHot = tf.oneHot(tf.tensor1d(batch.inputs, "int32"), VOCAB).toFloat() as tf.Tensor2D;
    const e = tf.reshape(tf.matMul(oneHot, this.embedding as tf.Tensor2D), [g.batch, 1, g.length, m]);
    return tf.reshape(tf.pad(e, [[0, 0], [0, rows - 1], [0, 0], [0, 0]]), [g.cells, m]) as tf.Tensor2D;
  }

  /** The first row's cells, [batch length, maps]. */
  private firstRow(s: tf.Tensor2D, g: Geometry): tf.Tensor2D {
    const m = this.config.maps;
    const img = tf.reshape(s, [g.batch, g.rows, g.length, m]);
    return tf.reshape(tf.slice(img, [0, 0, 0, 0], [g.batch, 1, g.length, m]), [g.batch * g.length, m]) as tf.Tensor2D;
  }

  /**
   * Logits [batch length, VOCAB] after `batch.length` steps (and, with
   * keepStates, the first example's image [steps, rows, length, maps]).
   */
  forward(batch: Batch, o: ForwardOptions = {}): { logits: tf.Tensor2D; states?: tf.Tensor4D } {
    if (this.disposed) throw new Error("NeuralGPU: disposed");
    const dropout = o.dropout ?? 0;
    if (!(dropout >= 0 && dropout < 1)) throw new RangeError(`NeuralGPU.forward(): dropout must be in [0, 1), got ${dropout}`);
    if (dropout > 0 && !o.seed) throw new RangeError("NeuralGPU.forward(): dropout needs a seed");
    const g = this.geometry(batch);
    const { maps: m, relax, layers } = this.config;
    return tf.tidy(() => {
      const mask = this.mask(batch, g);
      const cgru = cgruOp(g.image, this.config.cutoff);
      let s = tf.mul(this.embed(batch, g), mask) as tf.Tensor2D;
      const kept: tf.Tensor[] = [];
      for (let t = 0; t < g.length; t++) {
        // One tidy per step: without a gradient tape the step's intermediates go at once (long test inputs run hundreds of steps).
        const prev = s;
        s = tf.tidy(() => {
          let x = prev;
          if (dropout > 0) x = tf.mul(x, tf.tensor2d(dropoutMask(g.cells * m, 1 - dropout, ...o.seed!, "dropout", t), [g.cells, m])) as tf.Tensor2D;
          const set = this.cgru[t % relax];
          for (let l = 0; l < layers; l++) x = cgru(x, set[l].gates as tf.Tensor2D, set[l].gatesBias as tf.Tensor1D, set[l].candidate as tf.Tensor2D, set[l].candidateBias as tf.Tensor1D, mask);
          return x;
        });
        if (t > 0 && !o.keepStates) prev.dispose();
        if (o.keepStates) {
          // The first example's whole image at this step: [rows, length, maps].
          kept.push(tf.reshape(tf.slice(s, [0, 0], [g.rows * g.length, m]), [g.rows, g.length, m]));
        }
      }
      const logits = tf.add(tf.matMul(this.firstRow(s, g), this.output as tf.Tensor2D), this.outputBias) as tf.Tensor2D;
      return o.keepStates ? { logits, states: tf.stack(kept) as tf.Tensor4D } : { logits };
    });
  }

  /** Mean cross-entropy over positions whose input or target is not padding (the original's loss). */
  static loss(logits: tf.Tensor2D, batch: Batch): tf.Scalar {
    return tf.tidy(() => {
      const w = new Float32Array(batch.inputs.length);
      for (let i = 0; i < w.length; i++) w[i] = batch.inputs[i] !== PAD || batch.targets[i] !== PAD ? 1 : 0;
      const weights = tf.tensor1d(w);
      const target = tf.oneHot(tf.tensor1d(batch.targets, "int32"), VOCAB).toFloat();
      const nll = tf.neg(tf.sum(tf.mul(target, tf.logSoftmax(logits)), 1));
      return tf.div(tf.sum(tf.mul(nll, weights)), Math.max(1, w.reduce((a, b) => a + b, 0))) as tf.Scalar;
    });
  }

  /** The relaxation's pull: sum over parameters of sum_i ||p_i - mean_j p_j||^2 (0 when relax = 1). */
  pullLoss(): tf.Scalar {
    return tf.tidy(() => {
      if (this.config.relax === 1) return tf.scalar(0);
      const terms: tf.Scalar[] = [];
      for (let l = 0; l < this.config.layers; l++) {
        for (const k of ["gates", "gatesBias", "candidate", "candidateBias"] as const) terms.push(pull(...this.cgru.map((set) => set[l][k])));
      }
      return tf.addN(terms);
    });
  }

  /** Sets every relaxation set to the sets' mean (the original does so before testing). */
  averageRelaxed(): void {
    if (this.config.relax === 1) return;
    for (let l = 0; l < this.config.layers; l++) {
      for (const k of ["gates", "gatesBias", "candidate", "candidateBias"] as const) {
        const mean = tf.tidy(() => tf.mean(tf.stack(this.cgru.map((set) => set[l][k])), 0));
        for (const set of this.cgru) set[l][k].assign(mean);
        mean.dispose();
      }
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    tf.dispose(this.weights);
  }
}

/*
 * sum_i ||p_i - m||^2 with m the mean of the p_i, and its gradient 2 (p_i - m)
 * (the terms through m sum to zero) written by hand: a stack, a mean along
 * axis 0 and their gradients (Pack, Mean, Unpack) are slow kernels on WASM, and
 * the pull's gradient reaches every one of the relax x layers x 4 parameters.
 */
const pull = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const save = args.pop() as tf.GradSaveFunc;
  const ps = args as tf.Tensor[];
  const mean = tf.mul(tf.addN(ps), 1 / ps.length);
  const diffs = ps.map((p) => tf.sub(p, mean));
  save(diffs);
  return {
    value: tf.addN(diffs.map((d) => tf.sum(tf.square(d)))) as tf.Scalar,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const twice = tf.mul(dy, 2);
      return saved.map((d) => tf.mul(d, twice));
    },
  };
}) as (...ps: tf.Tensor[]) => tf.Scalar;

/**
 * The image of a model over the steps of one input: per step, each column's
 * mean |activation| over rows and maps ([steps, length]); read async.
 */
export async function stateActivity(model: NeuralGPU, batch: Batch): Promise<number[][]> {
  const a = tf.tidy(() => {
    const { states } = model.forward(batch, { keepStates: true });
    // states: [steps, rows, length, maps] of the first example.
    return tf.mean(tf.abs(states!), [1, 3]);
  });
  const v = (await a.array()) as number[][];
  a.dispose();
  return v;
}
