/**
 * Saving a wrapper with `model.save({includeOptimizer: true})`: the built-in
 * transforms describe themselves as plain data (`config`), and this module
 * rebuilds them. A transform without a config (a closure, a fromFunction
 * schedule) cannot be rebuilt, and loading says which one.
 */
import { clipByGlobalNorm, clipByNorm, clipByValue, scaleByRun } from "./clip";
import { skipNonFinite, FiniteRead } from "./finite";
import { addGradientNoise, NoiseGenerator } from "./gradient-noise";
import { ScheduleConfig, scheduleFromConfig } from "./schedule";
import { GradientTransform, TransformConfig } from "./transform";
import { addWeightNoise } from "./weight-noise";
import type { SeedPart } from "../random/rng";

/** What a transform without a config is saved as: its name, so loading can say which one it was. */
export const CUSTOM_KIND = "custom";

/**
 * tfjs-layers runs every string in a loaded training config through
 * toCamelCase ("run_1" -> "run1"), which would silently change a string
 * seed's noise stream: strings are saved with "%" and "_" percent-escaped.
 */
function escape(s: string): string {
  return s.replace(/[%_]/g, (c) => (c === "%" ? "%25" : "%5F"));
}

function unescape(s: string): string {
  return s.replace(/%25|%5F/g, (m) => (m === "%25" ? "%" : "_"));
}

function mapStrings<T>(v: T, f: (s: string) => string): T {
  if (typeof v === "string") return f(v) as T;
  if (Array.isArray(v)) return v.map((x) => mapStrings(x, f)) as T;
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mapStrings(x, f)])) as T;
  }
  return v;
}

/** The saved form of one transform. */
export function transformToConfig(t: GradientTransform): TransformConfig {
  return t.config ? mapStrings(t.config, escape) : { kind: CUSTOM_KIND, name: t.name };
}

/** Rebuilds a transform saved by transformToConfig; throws, naming it, for one that cannot be rebuilt. */
export function transformFromConfig(saved: TransformConfig): GradientTransform {
  const c = mapStrings(saved, unescape) as Record<string, unknown>;
  // A config saved before the generator option existed meant the xoshiro streams.
  const noise = () => ({ seed: c.seed as SeedPart | SeedPart[], schedule: scheduleFromConfig(c.schedule as ScheduleConfig), generator: (c.generator ?? "xoshiro") as NoiseGenerator });
  switch (c.kind) {
    case "clipByGlobalNorm":
      return clipByGlobalNorm(c.maxNorm as number);
    case "clipByNorm":
      return clipByNorm(c.maxNorm as number);
    case "clipByValue":
      return clipByValue(c.limit as number);
    case "scaleByRun":
      return scaleByRun(c.factors as number[]);
    case "addGradientNoise":
      return addGradientNoise({ ...noise(), prefetch: c.prefetch === true });
    case "addWeightNoise":
      return addWeightNoise(noise());
    case "skipNonFinite":
      return skipNonFinite({ read: c.read as FiniteRead });
    default:
      throw new TypeError(
        `TransformedOptimizer.fromConfig(): transform ${JSON.stringify(c.name ?? c.kind)} cannot be restored from a saved config ` +
          "(only skipNonFinite, clipByGlobalNorm, clipByNorm, clipByValue, scaleByRun, and addGradientNoise / addWeightNoise with an annealed or constant schedule can). " +
          "Save the model without includeOptimizer, rebuild the optimizer with withTransforms(), and restore its state with setWeights().",
      );
  }
}
