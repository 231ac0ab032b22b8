/**
 * Descriptive statistics and the percentile bootstrap, for comparing final
 * test accuracies across seeded training runs (tens of runs, values in [0, 1],
 * often with exact ties such as several runs stuck at 0.1135).
 *
 * Every function rejects empty input and non-finite values with a RangeError
 * that names the argument: a NaN accuracy means a run diverged or was never
 * recorded, and silently averaging it would hide that.
 */
import { SeedPart, uniformStream } from "../random/rng";

/** Throws unless `xs` is a non-empty array of finite numbers. */
export function checkSample(xs: readonly number[], name: string): void {
  checkFiniteValues(xs, name);
  if (xs.length === 0) throw new RangeError(`${name} must be non-empty`);
}

/** Throws unless `xs` is an array of finite numbers (possibly empty): the one finiteness rule of every statistic here. */
export function checkFiniteValues(xs: readonly number[], name: string, where?: string): void {
  const at = where ? `${where}: ` : "";
  if (!Array.isArray(xs)) throw new RangeError(`${at}${name} must be an array of numbers`);
  for (let i = 0; i < xs.length; i++) {
    if (typeof xs[i] !== "number" || !Number.isFinite(xs[i])) {
      throw new RangeError(`${at}${name} must hold only finite numbers (a NaN is a run that diverged or was not recorded: drop or report it); ${name}[${i}] is ${String(xs[i])}`);
    }
  }
}

/** Throws unless `seed` is a string or a finite number (the key of a uniformStream). */
export function checkSeed(seed: unknown, name = "seed"): asserts seed is SeedPart {
  if (!(typeof seed === "string" || (typeof seed === "number" && Number.isFinite(seed)))) {
    throw new RangeError(`${name} must be a string or a finite number; got ${String(seed)}`);
  }
}

/**
 * Arithmetic mean, computed as x0 + mean(x - x0): shifting by a sample value
 * keeps the sum small, so n equal values give exactly that value back
 * (sum / n of ten 0.1135s is not 0.1135 in floating point).
 */
export function mean(xs: readonly number[]): number {
  checkSample(xs, "xs");
  return meanUnchecked(xs);
}

/** @internal mean without validation, for hot loops over already-checked data. */
export function meanUnchecked(xs: ArrayLike<number>): number {
  const x0 = xs[0];
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i] - x0;
  return x0 + s / xs.length;
}

/**
 * Least-squares slope of ys on xs (the b of y = a + b x). Centring on the
 * means first keeps it exact for nearby values. Needs two or more distinct xs.
 */
export function slope(xs: readonly number[], ys: readonly number[]): number {
  checkSample(xs, "xs");
  checkSample(ys, "ys");
  if (xs.length !== ys.length) throw new RangeError(`slope: ${xs.length} xs vs ${ys.length} ys`);
  const mx = meanUnchecked(xs);
  const my = meanUnchecked(ys);
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < xs.length; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
  }
  if (sxx === 0) throw new RangeError("slope: needs at least two distinct xs");
  return sxy / sxx;
}

/** Median: the type-7 quantile at 0.5 (the mean of the middle two for even n). */
export function median(xs: readonly number[]): number {
  return quantile(xs, 0.5);
}

/**
 * Sample standard deviation (divisor n - 1, the unbiased variance), by the
 * two-pass algorithm, which does not lose precision the way sum(x^2) - n*m^2
 * does when the values are close together. Needs at least two values.
 */
export function std(xs: readonly number[]): number {
  checkSample(xs, "xs");
  if (xs.length < 2) throw new RangeError(`xs must hold at least 2 values for a sample standard deviation; got ${xs.length}`);
  const m = meanUnchecked(xs);
  let ss = 0;
  for (const x of xs) ss += (x - m) * (x - m);
  return Math.sqrt(ss / (xs.length - 1));
}

/**
 * The q-th quantile with linear interpolation between order statistics,
 * Hyndman & Fan (1996) type 7: R's `quantile` and NumPy's default. With
 * h = (n - 1) q, it returns x[floor h] + (h - floor h)(x[floor h + 1] - x[floor h])
 * over the sorted values. The input may be unsorted; it is not modified.
 */
export function quantile(xs: readonly number[], q: number): number {
  checkSample(xs, "xs");
  if (typeof q !== "number" || !(q >= 0 && q <= 1)) throw new RangeError(`q must be a number in [0, 1]; got ${String(q)}`);
  return sortedQuantile(Float64Array.from(xs).sort(), q);
}

/** @internal Type-7 quantile of already-sorted values, without validation. */
export function sortedQuantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  if (lo >= n - 1) return sorted[n - 1];
  const frac = h - lo;
  const a = sorted[lo];
  const b = sorted[lo + 1];
  // a + frac (b - a) returns a exactly when frac is 0 and equal neighbours exactly.
  return frac === 0 ? a : a + frac * (b - a);
}

export interface BootstrapOptions {
  /** The statistic to interval; default `mean`. It gets a scratch array it may reorder but must not keep. */
  statistic?: (xs: number[]) => number;
  /** Confidence level in (0, 1); default 0.95. */
  level?: number;
  /** Number of bootstrap resamples, an integer >= 100; default 10000. */
  resamples?: number;
  /** Key of the uniform stream that draws the resamples (see random/rng.ts). */
  seed: SeedPart;
}

export interface BootstrapCI {
  /** The statistic on the original sample. */
  estimate: number;
  low: number;
  high: number;
  level: number;
  resamples: number;
}

/**
 * Percentile bootstrap confidence interval (Efron & Tibshirani 1993,
 * "An Introduction to the Bootstrap", ch. 13): draw `resamples` samples of
 * size n with replacement, compute the statistic on each, and take the
 * (1 - level)/2 and (1 + level)/2 type-7 quantiles of those replicates.
 *
 * Why percentile: it needs no variance formula, so it works for the median
 * or any other statistic, and it respects the [0, 1] range of accuracies.
 * Caveat: it under-covers for small n (about 93% nominal-95% coverage for a
 * mean at n = 30), and with only a few distinct values (many runs tied at
 * 0.1135) the replicate distribution is lumpy, so treat the ends as rough.
 *
 * Reproducible: resample indices come from `uniformStream(seed, "stats/bootstrap")`.
 */
export function bootstrapCI(xs: readonly number[], opts: BootstrapOptions): BootstrapCI {
  checkSample(xs, "xs");
  if (opts === null || typeof opts !== "object") throw new RangeError("opts must be an object with a seed");
  const { statistic, level = 0.95, resamples = 10000, seed } = opts;
  if (typeof level !== "number" || !(level > 0 && level < 1)) throw new RangeError(`level must be a number in (0, 1); got ${String(level)}`);
  if (!Number.isInteger(resamples) || resamples < 100) throw new RangeError(`resamples must be an integer >= 100; got ${String(resamples)}`);
  if (statistic !== undefined && typeof statistic !== "function") throw new RangeError("statistic must be a function of a number[]");
  checkSeed(seed);

  const n = xs.length;
  const data = Array.from(xs);
  const stat = statistic ?? meanUnchecked;
  const estimate = stat(Array.from(xs));
  if (!Number.isFinite(estimate)) throw new RangeError(`statistic returned ${estimate} on xs; it must return a finite number`);

  const next = uniformStream(seed, "stats/bootstrap");
  const reps = new Float64Array(resamples);
  const buf = new Array<number>(n);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) buf[i] = data[Math.floor(next() * n)];
    const v = stat(buf);
    if (!Number.isFinite(v)) throw new RangeError(`statistic returned ${v} on bootstrap resample ${r}; it must return a finite number`);
    reps[r] = v;
  }
  reps.sort();
  const alpha = 1 - level;
  return {
    estimate,
    low: sortedQuantile(reps, alpha / 2),
    high: sortedQuantile(reps, 1 - alpha / 2),
    level,
    resamples,
  };
}
