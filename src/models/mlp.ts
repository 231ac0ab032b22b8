/**
 * A deep fully-connected ReLU classifier (Section 4.1: 20 hidden layers of 50
 * units). Biases start at zero under every init scheme.
 */
import * as tf from "@tensorflow/tfjs";
import { SeedPart, uniformStream } from "../random/rng";
import { throwIfDisposed } from "../noise/errors";
import { requireSeed } from "../noise/validate";
import { denseStack } from "./dense-stack";
import { InitScheme, initWeights } from "./init";

export interface MLPConfig {
  inputSize: number;
  /** Hidden layer widths, e.g. Array(20).fill(50). */
  hidden: number[];
  outputSize: number;
  init: InitScheme;
  seed: SeedPart;
  /**
   * Dropout rate on every hidden layer while training (Table 1, Experiment 1's
   * "No Noise + Dropout"; the paper gives no rate). Masks come from the stream
   * (seed, "dropout", layer, step): a fresh mask every step, same on every backend.
   */
  dropout?: number;
}

/**
 * Kernels training needs: a batch upload, an SGD step (forward, backward, the
 * norm clip, noise, the finiteness check) and evaluation. test/unit/models/mlp.test.ts
 * checks this list against a profile of real steps so it cannot drift.
 */
export const MLP_TRAINING_KERNELS: readonly string[] = [
  "Abs", "Add", "AddN", "ArgMax", "BatchMatMul", "Cast", "Exp", "Identity", "Log", "Max", "Maximum",
  "Multiply", "Neg", "OneHot", "Pack", "RealDiv", "Relu", "Reshape", "Sqrt", "Square", "Step", "Sub", "Sum",
  "Transpose",
];

/**
 * [inputSize, ...hidden, outputSize], each checked to be a positive integer;
 * errors name the argument (e.g. "hidden[1]").
 */
export function layerSizes(where: string, inputSize: number, hidden: number[], outputSize: number): number[] {
  const named: [string, number][] = [["inputSize", inputSize], ...hidden.map((h, i): [string, number] => [`hidden[${i}]`, h]), ["outputSize", outputSize]];
  for (const [arg, v] of named) {
    if (!Number.isInteger(v) || v <= 0) throw new RangeError(`${where}: ${arg} must be a positive integer, got ${v}`);
  }
  return [inputSize, ...hidden, outputSize];
}

let instances = 0;

export class MLP {
  readonly weights: tf.Variable[] = [];
  readonly biases: tf.Variable[] = [];
  readonly requiredKernels = MLP_TRAINING_KERNELS;
  private disposed = false;

  constructor(readonly config: MLPConfig) {
    const { inputSize, hidden, outputSize, init } = config;
    requireSeed("MLP", config.seed);
    const rate = config.dropout ?? 0;
    if (!(rate >= 0 && rate < 1)) throw new RangeError(`MLP: dropout must be in [0, 1), got ${config.dropout}`);
    const sizes = layerSizes("MLP", inputSize, hidden, outputSize);
    // Variable names must be unique in the tfjs engine; a per-instance prefix keeps two models apart.
    const prefix = `mlp${instances++}`;
    for (let l = 0; l + 1 < sizes.length; l++) {
      const w = initWeights(init, sizes[l], sizes[l + 1], config.seed, "init", l);
      // Inside tidy: tf.variable shares the initial tensor's data but not the tensor, which would outlive dispose().
      this.weights.push(tf.tidy(() => tf.variable(tf.tensor2d(w, [sizes[l], sizes[l + 1]]), true, `${prefix}/W${l}`)));
      this.biases.push(tf.tidy(() => tf.variable(tf.zeros([sizes[l + 1]]), true, `${prefix}/b${l}`)));
    }
  }

  get variables(): tf.Variable[] {
    return this.weights.flatMap((w, l) => [w, this.biases[l]]);
  }

  get depth(): number {
    return this.weights.length - 1;
  }

  /**
   * Logits for x [b, in]. With `trainingStep` given and dropout > 0, hidden
   * units are dropped with that step's masks (inverted dropout: kept units are
   * scaled by 1 / (1 - rate), so evaluation needs no rescaling).
   */
  logits(x: tf.Tensor2D, trainingStep?: number): tf.Tensor2D {
    throwIfDisposed(this.disposed, "MLP");
    const rate = this.config.dropout ?? 0;
    return tf.tidy(() => {
      // One op with a hand-written backward (models/dense-stack.ts): the same numbers as
      // tf.add(matMul2d(h, W), b) and tf.relu layer by layer, with half the backward's kernels.
      const hidden = this.weights.length - 1;
      let masks: tf.Tensor2D[] | undefined;
      if (rate > 0 && trainingStep !== undefined) {
        const step: number = trainingStep;
        masks = Array.from({ length: hidden }, (_, l) => this.dropoutMask([x.shape[0], (this.weights[l] as tf.Tensor2D).shape[1]], l, step, rate));
      }
      return denseStack(x, this.weights as tf.Tensor2D[], this.biases as tf.Tensor1D[], masks);
    });
  }

  private dropoutMask(shape: [number, number], layer: number, step: number, rate: number): tf.Tensor2D {
    const next = uniformStream(this.config.seed, "dropout", layer, step);
    const m = new Float32Array(shape[0] * shape[1]);
    const keep = 1 / (1 - rate);
    for (let i = 0; i < m.length; i++) m[i] = next() < rate ? 0 : keep;
    return tf.tensor2d(m, shape);
  }

  /** Mean softmax cross-entropy against one-hot labels; `trainingStep` turns dropout on. */
  loss(x: tf.Tensor2D, yOneHot: tf.Tensor2D, trainingStep?: number): tf.Scalar {
    return tf.losses.softmaxCrossEntropy(yOneHot, this.logits(x, trainingStep)) as tf.Scalar;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.variables.forEach((v) => v.dispose());
  }
}
