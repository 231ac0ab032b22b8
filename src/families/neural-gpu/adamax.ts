/**
 * DNGPU's AdaMax (Freivalds & Liepins 2017; code LUMII-Syslab/DNGPU,
 * adamax.py): Kingma & Ba's AdaMax without bias correction, each gradient
 * element first clipped to clipMultiplier x its running maximum v plus
 * clipEpsilon. Learning rate and beta2 are fields the trainer sets before
 * every update (DNGPU anneals both). Every write is `Variable.assign`, so the
 * gradnoise wrapper's non-finite guard can undo an update (noise/optimizer.ts).
 */
import * as tf from "@tensorflow/tfjs";

interface Slots {
  m: tf.Variable;
  v: tf.Variable;
}

export interface ClippedAdamaxOptions {
  learningRate: number;
  /** The code: 0.9. */
  beta1?: number;
  /** The code anneals it: 1 - max(5e-4, 0.01 x 0.5^(step / 2000)). */
  beta2?: number;
  /** The code: 1e-8. */
  epsilon?: number;
  /** The code: 1.2. */
  clipMultiplier?: number;
  /** The code: 1e-4. */
  clipEpsilon?: number;
}

export class ClippedAdamax extends tf.Optimizer {
  static get className(): string {
    return "GradnoiseClippedAdamax";
  }

  learningRate: number;
  beta2: number;
  readonly beta1: number;
  readonly epsilon: number;
  readonly clipMultiplier: number;
  readonly clipEpsilon: number;
  private readonly slots = new Map<string, Slots>();

  constructor(o: ClippedAdamaxOptions) {
    super();
    this.learningRate = o.learningRate;
    this.beta1 = o.beta1 ?? 0.9;
    this.beta2 = o.beta2 ?? 0.999;
    this.epsilon = o.epsilon ?? 1e-8;
    this.clipMultiplier = o.clipMultiplier ?? 1.2;
    this.clipEpsilon = o.clipEpsilon ?? 1e-4;
    const bad = Object.entries({ learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, clipMultiplier: this.clipMultiplier, clipEpsilon: this.clipEpsilon }).filter(([, v]) => !(Number.isFinite(v) && v > 0));
    if (bad.length) throw new RangeError(`ClippedAdamax: ${bad.map(([k, v]) => `${k} = ${v}`).join(", ")}: each must be a positive number`);
    if (!(this.beta1 < 1 && this.beta2 < 1)) throw new RangeError(`ClippedAdamax: beta1 and beta2 must be below 1, got ${this.beta1}, ${this.beta2}`);
  }

  applyGradients(variableGradients: tf.NamedTensorMap | { name: string; tensor: tf.Tensor }[]): void {
    if (!(this.learningRate > 0 && this.beta2 > 0 && this.beta2 < 1)) throw new RangeError(`ClippedAdamax: learningRate must be positive and beta2 in (0, 1), got ${this.learningRate}, ${this.beta2}`);
    const pairs: [string, tf.Tensor | null | undefined][] = Array.isArray(variableGradients) ? variableGradients.map(({ name, tensor }) => [name, tensor]) : Object.entries(variableGradients);
    const registered = tf.engine().registeredVariables;
    for (const [name, g] of pairs) {
      if (g == null) continue;
      const variable = registered[name];
      if (!variable) throw new ReferenceError(`ClippedAdamax: no variable named "${name}"`);
      let slot = this.slots.get(name);
      if (!slot) {
        slot = tf.tidy(() => ({ m: tf.variable(tf.zerosLike(variable), false), v: tf.variable(tf.zerosLike(variable), false) }));
        this.slots.set(name, slot);
      }
      const { m, v } = slot;
      tf.tidy(() => {
        // Each element may exceed its running maximum by clipMultiplier at most (adamax.py's clip).
        const limit = tf.add(tf.mul(v, this.clipMultiplier), this.clipEpsilon);
        const gc = tf.minimum(tf.maximum(g, tf.neg(limit)), limit);
        const m1 = tf.add(tf.mul(m, this.beta1), tf.mul(gc, 1 - this.beta1));
        const v1 = tf.maximum(tf.mul(v, this.beta2), tf.abs(gc));
        variable.assign(tf.sub(variable, tf.mul(tf.div(m1, tf.add(v1, this.epsilon)), this.learningRate)));
        m.assign(m1);
        v.assign(v1);
      });
    }
    this.incrementIterations();
  }

  override async getWeights(): Promise<{ name: string; tensor: tf.Tensor }[]> {
    return [...this.slots].flatMap(([name, s]) => [
      { name: `${name}/m`, tensor: tf.clone(s.m) },
      { name: `${name}/v`, tensor: tf.clone(s.v) },
    ]);
  }

  override async setWeights(): Promise<void> {
    throw new Error("ClippedAdamax: restoring optimizer state is not supported (DNGPU runs do not checkpoint)");
  }

  getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, clipMultiplier: this.clipMultiplier, clipEpsilon: this.clipEpsilon };
  }

  override dispose(): void {
    for (const s of this.slots.values()) tf.dispose([s.m, s.v]);
    this.slots.clear();
    super.dispose();
  }
}
