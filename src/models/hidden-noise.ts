/**
 * Noise on recurrent networks' activations, every draw from a seeded JS
 * stream keyed by (seed, what, training step, layer), so a run is the same on
 * every backend and a mask or noise sample is fresh at every step.
 *
 * NOISIN (../shared/papers/002, Section 3): the hidden state is latent,
 * z_t = f(U x_t + W z_{t-1}) + gamma_l * eps_t, eps_t ~ N(0, I), one gamma per
 * layer. Its first desideratum is E[z_t | z_{t-1}] = f(...): the noise has
 * mean zero, so the expected transition is the deterministic RNN's. The noisy
 * z_t is what the next step, the next layer and the softmax see; at
 * evaluation the noise is off (the deterministic RNN). gamma is fixed, or
 * learned: the paper notes learning drives it to 0, so a learned gamma is
 * floor + softplus(rho) (their WikiText-2 run: learned std + 0.1).
 * Multiplicative noise z_t = f(...) * (1 + gamma eps_t) also has mean f(...)
 * (an extension: the ICML version's other noise families are not in 002).
 *
 * Dropout: Zaremba et al. 2014 drop non-recurrent connections with a fresh
 * mask per element and time step; Gal & Ghahramani 2016 ("variational") use
 * one mask per sequence per connection, the same at every time step, on the
 * recurrent connection too. Inverted scaling (kept units / keep) in both.
 */
import * as tf from "@tensorflow/tfjs";
import { fillGaussian, SeedPart, streamState } from "../random/rng";
import { wasmDropoutMask } from "../engine/wasm-copy";

export interface HiddenNoiseConfig {
  /** "additive" (NOISIN's Gaussian, default) or "multiplicative" (mean-1 Gaussian factor). */
  kind?: "additive" | "multiplicative";
  /** gamma per layer (a number: the same for every layer); for learned noise, the initial value. */
  gamma: number | number[];
  /** Learn gamma by gradient descent (NOISIN*); gamma = floor + softplus(rho). */
  learned?: boolean;
  /** Lower bound of a learned gamma (0.1 in NOISIN's WikiText-2 run). Default 0. */
  floor?: number;
}

/** Inverse of softplus, for a learned gamma's initial rho. */
function softplusInverse(y: number): number {
  return y > 20 ? y : Math.log(Math.expm1(y));
}

export class HiddenStateNoise {
  readonly kind: "additive" | "multiplicative";
  readonly learned: boolean;
  readonly floor: number;
  private readonly fixed: number[];
  /** Learned: one scalar rho per layer. */
  readonly rho: tf.Variable[] = [];

  constructor(
    cfg: HiddenNoiseConfig,
    readonly layers: number,
    readonly seed: SeedPart,
    name = "noisin",
  ) {
    this.kind = cfg.kind ?? "additive";
    if (this.kind !== "additive" && this.kind !== "multiplicative") throw new RangeError(`HiddenStateNoise: kind must be additive or multiplicative, got "${cfg.kind}"`);
    const g = Array.isArray(cfg.gamma) ? cfg.gamma : Array.from({ length: layers }, () => cfg.gamma as number);
    if (g.length !== layers) throw new RangeError(`HiddenStateNoise: ${g.length} gammas for ${layers} layers`);
    if (g.some((x) => !(x >= 0 && Number.isFinite(x)))) throw new RangeError(`HiddenStateNoise: gamma must be finite and >= 0, got ${g.join(", ")}`);
    this.learned = cfg.learned ?? false;
    this.floor = cfg.floor ?? 0;
    this.fixed = g;
    if (this.learned) {
      g.forEach((x, l) => {
        if (!(x > this.floor)) throw new RangeError(`HiddenStateNoise: a learned gamma starts above its floor ${this.floor}, got ${x} for layer ${l}`);
        this.rho.push(tf.tidy(() => tf.variable(tf.scalar(softplusInverse(x - this.floor)), true, `${name}/rho${l}`)));
      });
    }
  }

  /** gamma of `layer` as a scalar tensor (differentiable when learned). */
  gamma(layer: number): tf.Scalar {
    return this.learned ? (tf.add(tf.softplus(this.rho[layer]), this.floor) as tf.Scalar) : tf.scalar(this.fixed[layer]);
  }

  /** Current gammas as numbers (reads the learned values). */
  async gammas(): Promise<number[]> {
    if (!this.learned) return [...this.fixed];
    return Promise.all(
      this.rho.map(async (_, l) => {
        const g = tf.tidy(() => this.gamma(l));
        const v = (await g.data())[0];
        g.dispose();
        return v;
      }),
    );
  }

  /** Standard normal draws of `shape` for `layer` at the training step named by `key`. */
  eps(shape: number[], layer: number, key: readonly SeedPart[]): tf.Tensor {
    const n = shape.reduce((a, b) => a * b, 1);
    return tf.tensor(fillGaussian(new Float32Array(n), 1, this.seed, "noisin", ...key, layer), shape);
  }

  /** z = h + gamma eps (additive) or h (1 + gamma eps) (multiplicative); `eps` from `eps()`, same shape as h. */
  apply(h: tf.Tensor, layer: number, eps: tf.Tensor): tf.Tensor {
    const t = this.term(layer, eps);
    return this.kind === "additive" ? tf.add(h, t) : tf.mul(h, t);
  }

  /** The per-element noise term: gamma eps (additive) or 1 + gamma eps (multiplicative); apply() uses it step by step, the fused layer for a whole window. */
  term(layer: number, eps: tf.Tensor): tf.Tensor {
    const noise = tf.mul(this.gamma(layer), eps);
    return this.kind === "additive" ? noise : tf.add(1, noise);
  }

  dispose(): void {
    this.rho.forEach((v) => v.dispose());
  }
}

/**
 * Inverted-dropout mask: each of `n` entries is 1/keep with probability keep,
 * else 0, from the stream `parts` (xoshiro128** seeded by the key's hash, as
 * the Gaussian streams are).
 */
export function dropoutMask(n: number, keep: number, ...parts: SeedPart[]): Float32Array {
  if (!(keep > 0 && keep <= 1)) throw new RangeError(`dropoutMask(): keep probability must be in (0, 1], got ${keep}`);
  const out = new Float32Array(n);
  const st = streamState(...parts);
  let s0 = st[0] | 0, s1 = st[1] | 0, s2 = st[2] | 0, s3 = st[3] | 0;
  const scale = 1 / keep;
  const threshold = keep * 4294967296;
  for (let i = 0; i < n; i++) {
    const r = Math.imul(s1, 5);
    const u = Math.imul((r << 7) | (r >>> 25), 9) >>> 0; // uniform 32-bit
    const t = s1 << 9;
    s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = (s3 << 11) | (s3 >>> 21);
    out[i] = u < threshold ? scale : 0;
  }
  return out;
}

/**
 * dropoutMask(rows cols, keep, ...parts) as a [rows, cols] tensor; on wasm
 * drawn by one kernel straight into the backend's heap (engine/wasm-copy.ts,
 * the same integer steps: the same bits), elsewhere drawn here and uploaded.
 */
export function dropoutMaskTensor(shape: [number, number], keep: number, ...parts: SeedPart[]): tf.Tensor2D {
  if (!(keep > 0 && keep <= 1)) throw new RangeError(`dropoutMaskTensor(): keep probability must be in (0, 1], got ${keep}`);
  return (wasmDropoutMask(shape, streamState(...parts), keep) as tf.Tensor2D | null) ?? tf.tensor2d(dropoutMask(shape[0] * shape[1], keep, ...parts), shape);
}

export type DropoutKind = "standard" | "variational";

export interface DropoutConfig {
  /** "standard": Zaremba's, fresh per element and time step, non-recurrent only; "variational": Gal & Ghahramani's, one mask per sequence, also on h_{t-1}. */
  kind: DropoutKind;
  /** Probability of dropping a unit (Zaremba medium 0.5, large 0.65). */
  rate: number;
}
