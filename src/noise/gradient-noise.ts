/**
 * The method: g_t <- g_t + N(0, sigma_t^2) (Section 3), independent per
 * element, per parameter and per step, added to the (clipped) raw gradient
 * before the optimizer rescales it, so that Adam or AdaGrad adapt the noise
 * along with the gradient (Sections 1 and 4.6).
 */
import * as tf from "@tensorflow/tfjs";
import type { NoiseJobEntry, NoisePrefetcher } from "./prefetch";
import { checkPrefetchAvailable, newPrefetcher } from "./prefetch-lazy";
import { fillGaussian, SeedPart } from "../random/rng";
import { PURPOSE, Purpose, seedKey, streamKey64, streamKeyOf } from "../random/philox";
import { philoxNormal, philoxNormalMany, PhiloxPart, PhiloxSegment } from "../random/philox-kernel";
import { annealed, NoiseSchedule, PAPER_GAMMA } from "./schedule";
import { GradientTransform, mapGradients, StepContext, TransformConfig } from "./transform";
import { rejectUnknownKeys, requireSeed } from "./validate";

export interface NoiseOptions {
  /**
   * Seed of the noise streams; same seed, same noise. For population training
   * (the wrapper's `runs` option) give one seed per run: run r, the slice r
   * along axis 0, draws from seed[r]'s streams exactly as if trained alone.
   * A seed array without `runs`, or one seed with `runs`, is an error.
   */
  seed: SeedPart | SeedPart[];
  /** Eq. 1's initial variance; give either eta (annealed, Eq. 1) or a schedule. */
  eta?: number;
  /** Eq. 1's decay exponent (default 0.55). */
  gamma?: number;
  /** Any variance schedule (constant, custom) instead of eta/gamma. */
  schedule?: NoiseSchedule;
  /**
   * Where the noise is drawn (docs/noise-generator.md). "philox" (default):
   * counter-based Philox-4x32-10 drawn by the backend itself (wasm: a SIMD
   * kernel writing into its heap; cpu: the same arithmetic in JS, to the
   * bit), then one add per parameter. "xoshiro": the streams of gradnoise
   * 0.2 and earlier, drawn in JS on the host and uploaded (the reproduction's
   * experiments use these, so their committed results stay as they are).
   */
  generator?: NoiseGenerator;
  /**
   * Draw the next step's noise on a worker thread while this step computes
   * (bit-identical values; worth it when a core is idle). Default false.
   * For generator "xoshiro" only (philox draws on the device).
   * The wrapper's dispose() ends the thread. Node-only: in a web page it
   * throws NodeOnlyError (docs/browser.md).
   */
  prefetch?: boolean;
}

export const NOISE_GENERATORS = ["philox", "xoshiro"] as const;
export type NoiseGenerator = (typeof NOISE_GENERATORS)[number];

/** NoiseOptions' keys: any other is rejected (a typo such as `gama` would otherwise be ignored). */
export const NOISE_OPTION_KEYS: readonly string[] = ["seed", "eta", "gamma", "schedule", "generator", "prefetch"];

/** The generator `opts` asks for (default "philox"); an unknown one, or prefetch with philox, is a named error. */
export function resolveGenerator(where: string, opts: NoiseOptions): NoiseGenerator {
  const g = opts.generator ?? "philox";
  if (!NOISE_GENERATORS.includes(g)) throw new RangeError(`${where}: generator must be "philox" or "xoshiro", got ${JSON.stringify(g)}`);
  if (g === "philox" && opts.prefetch) {
    throw new TypeError(`${where}: prefetch draws host-side noise on a worker, for generator "xoshiro"; "philox" (the default) draws on the backend and needs none`);
  }
  return g;
}

export function resolveSchedule(where: string, opts: NoiseOptions): NoiseSchedule {
  if (opts == null || typeof opts !== "object") throw new TypeError(`${where}: options object required`);
  rejectUnknownKeys(where, opts, NOISE_OPTION_KEYS, { gama: "did you mean gamma?", std: "eta is the variance (std = sqrt(eta))" });
  if (Array.isArray(opts.seed)) {
    if (opts.seed.length === 0) throw new TypeError(`${where}: seed array must not be empty`);
    opts.seed.forEach((s) => requireSeed(where, s));
  } else requireSeed(where, opts.seed);
  if (opts.schedule && (opts.eta !== undefined || opts.gamma !== undefined)) {
    throw new TypeError(`${where}: give either schedule or eta/gamma, not both`);
  }
  if (opts.schedule) return opts.schedule;
  if (opts.eta === undefined) throw new TypeError(`${where}: eta (or a schedule) is required`);
  return annealed({ eta: opts.eta, gamma: opts.gamma ?? PAPER_GAMMA });
}

/**
 * Checks that `seed` fits a step with `runs` runs (undefined: a single run):
 * one seed per run, so each run's noise is its own and reproducible alone.
 */
export function checkSeedRuns(where: string, seed: SeedPart | SeedPart[], runs: number | undefined): void {
  if (Array.isArray(seed)) {
    if (runs === undefined) {
      throw new TypeError(`${where}: a seed array (one seed per run) is for population training: pass { runs: ${seed.length} } to withTransforms() or withGradientNoise()`);
    }
    if (seed.length !== runs) throw new RangeError(`${where}: ${seed.length} seeds given, but runs = ${runs} (one seed per run)`);
  } else if (runs !== undefined) {
    throw new TypeError(`${where}: runs = ${runs} needs one seed per run (seed: an array of ${runs}); a single seed would give every run the same noise`);
  }
}

/** The stream that gradient noise for parameter `index` at step `t` is drawn from. */
export function gradientNoiseKey(seed: SeedPart, index: number, t: number): SeedPart[] {
  return [seed, "grad-noise", index, t];
}

type StreamKey = (seed: SeedPart, index: number, t: number) => SeedPart[];

export interface NoiseParam {
  name: string;
  index: number;
  shape: number[];
}

/**
 * Where each parameter's draws at step t come from, laid out back to back:
 * parameter `index` uses the stream key(seed, index, t); with a seed array
 * (one per run), slice r along axis 0 uses seed[r]'s stream, as run r alone would.
 */
export function noiseLayout(params: NoiseParam[], seed: SeedPart | SeedPart[], t: number, key: StreamKey): { entries: NoiseJobEntry[]; offsets: number[]; total: number } {
  const entries: NoiseJobEntry[] = [];
  const offsets: number[] = [];
  let offset = 0;
  for (const p of params) {
    const n = p.shape.reduce((a, b) => a * b, 1);
    offsets.push(offset);
    if (!Array.isArray(seed)) entries.push({ offset, size: n, key: key(seed, p.index, t) });
    else {
      if (p.shape[0] !== seed.length) throw new RangeError(`${p.name} has shape [${p.shape}]: axis 0 must index the ${seed.length} runs`);
      const per = n / seed.length;
      seed.forEach((s, r) => entries.push({ offset: offset + r * per, size: per, key: key(s, p.index, t) }));
    }
    offset += n;
  }
  return { entries, offsets, total: offset };
}

function draw(entries: NoiseJobEntry[], total: number, std: number): Float32Array {
  const data = new Float32Array(total);
  for (const e of entries) fillGaussian(data.subarray(e.offset, e.offset + e.size), std, ...e.key);
  return data;
}

/**
 * The Philox segments of one parameter's noise at step t: the whole tensor
 * from (seed, index, t)'s key, or with a seed array slice r along axis 0 from
 * seed[r]'s key, counters from 0, exactly as run r alone would draw it.
 */
export function philoxSegments(shape: number[], seed: SeedPart | SeedPart[], index: number, t: number, name: string): PhiloxSegment[] {
  const n = shape.reduce((a, b) => a * b, 1);
  if (!Array.isArray(seed)) return [{ offset: 0, size: n, key: streamKey64(seed, index, t) }];
  if (shape[0] !== seed.length) throw new RangeError(`${name} has shape [${shape}]: axis 0 must index the ${seed.length} runs`);
  const per = n / seed.length;
  return seed.map((s, r) => ({ offset: r * per, size: per, key: streamKey64(s, index, t) }));
}

/**
 * philoxSegments with the seeds' keys (seedKey) hashed once: the same
 * segments; `keys` is one seed's key, or one per run.
 */
function keyedSegments(shape: number[], keys: [number, number] | [number, number][], multi: boolean, index: number, t: number, name: string): PhiloxSegment[] {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i];
  if (!multi) return [{ offset: 0, size: n, key: streamKeyOf(keys as [number, number], index, t) }];
  const runs = keys as [number, number][];
  if (shape[0] !== runs.length) throw new RangeError(`${name} has shape [${shape}]: axis 0 must index the ${runs.length} runs`);
  const per = n / runs.length;
  return runs.map((k, r) => ({ offset: r * per, size: per, key: streamKeyOf(k, index, t) }));
}

/** Noise of `shape` for one parameter at step t (one seed, or one per run along axis 0), from `generator`. */
export function streamNoise(shape: number[], std: number, seed: SeedPart | SeedPart[], index: number, t: number, key: StreamKey, name: string, generator: NoiseGenerator = "xoshiro", purpose: Purpose = "gradientNoise"): tf.Tensor {
  if (generator === "philox") return philoxNormal(shape, std, PURPOSE[purpose], philoxSegments(shape, seed, index, t, name));
  const { entries, total } = noiseLayout([{ name, index, shape }], seed, t, key);
  return tf.tensor(draw(entries, total, std), shape, "float32");
}

/** The `config` of a noise transform, or undefined when its schedule is not plain data (fromFunction). */
export function noiseConfig(kind: string, seed: SeedPart | SeedPart[], schedule: NoiseSchedule, extra: Record<string, boolean | string> = {}): TransformConfig | undefined {
  if (!schedule.config) return undefined;
  return { kind, seed: Array.isArray(seed) ? [...seed] : seed, schedule: { ...schedule.config }, ...extra };
}

export function seedLabel(seed: SeedPart | SeedPart[]): string {
  return Array.isArray(seed) ? `[${seed.join(",")}]` : String(seed);
}

export interface GradientNoiseTransform extends GradientTransform {
  /** Steps whose noise came from the prefetch worker vs drawn in place. */
  readonly stats: { prefetched: number; drawnInPlace: number };
}

export function addGradientNoise(opts: NoiseOptions): GradientNoiseTransform {
  const where = "addGradientNoise()";
  const schedule = resolveSchedule(where, opts);
  if (opts.prefetch === true) checkPrefetchAvailable(where); // in a web page: NodeOnlyError, whichever generator
  const generator = resolveGenerator(where, opts);
  const seed = opts.seed;
  let prefetcher: NoisePrefetcher | undefined;
  let seedKeys: [number, number] | [number, number][] | undefined;
  let disposed = false;
  const stats = { prefetched: 0, drawnInPlace: 0 };
  const signature = (t: number, params: NoiseParam[]) => `${t}|${params.map((p) => `${p.index}:${p.shape.join("x")}`).join(",")}`;
  return {
    name: `addGradientNoise(${schedule.label}, seed=${seedLabel(seed)})`,
    config: noiseConfig("addGradientNoise", seed, schedule, { prefetch: opts.prefetch === true, generator }),
    stats,
    checkRuns: (runs) => checkSeedRuns(where, seed, runs),
    transformGradients(grads: tf.NamedTensorMap, ctx: StepContext) {
      checkSeedRuns(where, seed, ctx.runs);
      const t = ctx.step;
      const std = Math.sqrt(schedule.variance(t));
      if (generator === "philox") {
        if (std === 0) return grads;
        stats.drawnInPlace++;
        // Every g + noise in one kernel call (per parameter, the bits of tf.add(g, noise); docs/noise-generator.md).
        seedKeys ??= Array.isArray(seed) ? seed.map(seedKey) : seedKey(seed);
        const multi = Array.isArray(seed);
        const names = Object.keys(grads);
        const parts: PhiloxPart[] = new Array(names.length);
        for (let i = 0; i < names.length; i++) {
          const name = names[i];
          const g = grads[name];
          parts[i] = { base: g, segments: keyedSegments(g.shape, seedKeys, multi, ctx.paramIndex(name), t, name) };
        }
        const noisy = philoxNormalMany(parts, std, PURPOSE.gradientNoise);
        const out: tf.NamedTensorMap = {};
        for (let i = 0; i < names.length; i++) out[names[i]] = noisy[i];
        return out;
      }
      const params = Object.keys(grads).map((name) => ({ name, index: ctx.paramIndex(name), shape: grads[name].shape }));
      const { entries, offsets, total } = noiseLayout(params, seed, t, gradientNoiseKey);
      let data: Float32Array | null = null;
      if (std > 0) {
        data = prefetcher?.take(signature(t, params), total) ?? null;
        if (data) stats.prefetched++;
        else {
          data = draw(entries, total, std);
          stats.drawnInPlace++;
        }
      }
      if (opts.prefetch && !disposed && total > 0) {
        const next = Math.sqrt(schedule.variance(t + 1));
        prefetcher ??= newPrefetcher(total);
        if (next > 0 && total <= prefetcher.capacity) prefetcher.request(signature(t + 1, params), next, noiseLayout(params, seed, t + 1, gradientNoiseKey).entries);
      }
      if (!data) return grads;
      const noise = data;
      const offsetOf = new Map(params.map((p, i) => [p.name, offsets[i]]));
      return mapGradients(grads, (g, name) => {
        const o = offsetOf.get(name)!;
        return tf.add(g, tf.tensor(noise.subarray(o, o + g.size), g.shape, "float32"));
      });
    },
    dispose() {
      // Ends the worker thread; a later step (if any) draws in place, with the same values.
      disposed = true;
      void prefetcher?.dispose();
      prefetcher = undefined;
    },
  };
}
