/**
 * Noise schedules: the variance sigma_t^2 of the Gaussian added at step t.
 *
 * Neelakantan et al., Section 3, Eq. 1: sigma_t^2 = eta / (1 + t)^gamma, with
 * t = 0 at the first update, eta in {0.01, 1.0} (the first arXiv version also
 * used 0.3) and gamma = 0.55 throughout. eta is a *variance*: the noise's
 * standard deviation is sqrt(eta / (1 + t)^gamma).
 */
import { rejectUnknownKeys, requireFiniteNonNegative, requireNonNegativeInteger } from "./validate";

export interface NoiseSchedule {
  /** Short label for tables and legends, e.g. "annealed(eta=0.01, gamma=0.55)". */
  readonly label: string;
  /** Variance sigma_t^2 at step t (t = 0 for the first update). */
  variance(t: number): number;
  /** Plain-data parameters of the built-in schedules, so a saved optimizer can rebuild them; absent for fromFunction. */
  readonly config?: ScheduleConfig;
}

export type ScheduleConfig = { kind: "annealed"; eta: number; gamma: number } | { kind: "constant"; variance: number };

/** The paper's default decay exponent (Section 3). */
export const PAPER_GAMMA = 0.55;

export interface AnnealedOptions {
  /** Initial variance (not standard deviation). */
  eta: number;
  /** Decay exponent; 0.55 in every experiment of the paper. */
  gamma?: number;
}

/** Eq. 1: sigma_t^2 = eta / (1 + t)^gamma. */
export function annealed(options: AnnealedOptions): NoiseSchedule {
  if (options == null || typeof options !== "object") throw new TypeError("annealed(): options object required ({ eta, gamma })");
  rejectUnknownKeys("annealed()", options, ["eta", "gamma"], { gama: "did you mean gamma?" });
  const { eta, gamma = PAPER_GAMMA } = options;
  requireFiniteNonNegative("annealed()", "eta", eta);
  requireFiniteNonNegative("annealed()", "gamma", gamma);
  return {
    label: `annealed(eta=${eta}, gamma=${gamma})`,
    config: { kind: "annealed", eta, gamma },
    variance(t: number): number {
      requireNonNegativeInteger("annealed().variance()", "t", t);
      return eta / Math.pow(1 + t, gamma);
    },
  };
}

/** Fixed variance at every step (the Section 4.6 "fixed noise" comparison). */
export function constant(variance: number): NoiseSchedule {
  requireFiniteNonNegative("constant()", "variance", variance);
  return {
    label: `constant(variance=${variance})`,
    config: { kind: "constant", variance },
    variance(t: number): number {
      requireNonNegativeInteger("constant().variance()", "t", t);
      return variance;
    },
  };
}

/**
 * A user-supplied variance function. Its value is checked at every step, so a
 * schedule that goes negative or NaN fails with the step that produced it.
 */
export function fromFunction(fn: (t: number) => number, label = "custom"): NoiseSchedule {
  if (typeof fn !== "function") {
    throw new TypeError(`fromFunction(): fn must be a function (t) => variance, got ${typeof fn}`);
  }
  return {
    label,
    variance(t: number): number {
      requireNonNegativeInteger(`${label}.variance()`, "t", t);
      return requireFiniteNonNegative(`${label}.variance()`, `variance at step ${t}`, fn(t));
    },
  };
}

/** Rebuilds a schedule from its `config`. */
export function scheduleFromConfig(config: ScheduleConfig): NoiseSchedule {
  if (config?.kind === "annealed") return annealed({ eta: config.eta, gamma: config.gamma });
  if (config?.kind === "constant") return constant(config.variance);
  throw new TypeError(`scheduleFromConfig(): unknown schedule config ${JSON.stringify(config)}`);
}
