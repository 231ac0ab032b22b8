/**
 * A deep fully-connected ReLU classifier (Section 4.1: 20 hidden layers of 50
 * units). Biases start at zero under every init scheme.
 */
import * as tf from "@tensorflow/tfjs";
import { SeedPart } from "../noise/rng";
import { requireSeed } from "../noise/validate";
import { matMul2d } from "./dense";
import { InitScheme, initWeights } from "./init";

export interface MLPConfig {
  inputSize: number;
  /** Hidden layer widths, e.g. Array(20).fill(50). */
  hidden: number[];
  outputSize: number;
  init: InitScheme;
  seed: SeedPart;
}

/**
 * Kernels training needs: a batch upload, an SGD step (forward, backward, the
 * norm clip, noise, the finiteness check) and evaluation. test/models.test.ts
 * checks this list against a profile of real steps so it cannot drift.
 */
export const MLP_TRAINING_KERNELS: readonly string[] = [
  "Abs", "Add", "AddN", "ArgMax", "BatchMatMul", "Cast", "Exp", "Identity", "Log", "Max", "Maximum",
  "Multiply", "Neg", "OneHot", "Pack", "RealDiv", "Relu", "Reshape", "Sqrt", "Square", "Step", "Sub", "Sum",
  "Transpose",
];

let instances = 0;

export class MLP {
  readonly weights: tf.Variable[] = [];
  readonly biases: tf.Variable[] = [];
  readonly requiredKernels = MLP_TRAINING_KERNELS;

  constructor(readonly config: MLPConfig) {
    const { inputSize, hidden, outputSize, init } = config;
    requireSeed("MLP", config.seed);
    for (const [arg, v] of [["inputSize", inputSize], ["outputSize", outputSize], ...hidden.map((h, i) => [`hidden[${i}]`, h] as const)] as const) {
      if (!Number.isInteger(v) || (v as number) <= 0) throw new RangeError(`MLP: ${arg} must be a positive integer, got ${v}`);
    }
    // Variable names must be unique in the tfjs engine; a per-instance prefix keeps two models apart.
    const prefix = `mlp${instances++}`;
    const sizes = [inputSize, ...hidden, outputSize];
    for (let l = 0; l + 1 < sizes.length; l++) {
      const w = initWeights(init, sizes[l], sizes[l + 1], config.seed, "init", l);
      this.weights.push(tf.variable(tf.tensor2d(w, [sizes[l], sizes[l + 1]]), true, `${prefix}/W${l}`));
      this.biases.push(tf.variable(tf.zeros([sizes[l + 1]]), true, `${prefix}/b${l}`));
    }
  }

  get variables(): tf.Variable[] {
    return this.weights.flatMap((w, l) => [w, this.biases[l]]);
  }

  get depth(): number {
    return this.weights.length - 1;
  }

  logits(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      let h: tf.Tensor2D = x;
      const last = this.weights.length - 1;
      for (let l = 0; l <= last; l++) {
        const z = tf.add(matMul2d(h, this.weights[l] as tf.Tensor2D), this.biases[l]) as tf.Tensor2D;
        h = l < last ? tf.relu(z) : z;
      }
      return h;
    });
  }

  /** Mean softmax cross-entropy against integer labels given one-hot. */
  loss(x: tf.Tensor2D, yOneHot: tf.Tensor2D): tf.Scalar {
    return tf.losses.softmaxCrossEntropy(yOneHot, this.logits(x)) as tf.Scalar;
  }

  dispose(): void {
    this.variables.forEach((v) => v.dispose());
  }
}
