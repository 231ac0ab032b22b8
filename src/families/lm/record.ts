/**
 * One run of a registered language-model experiment (GN Section 4.6, NOISIN
 * Tables 2-3 and Figure 2, the noise comparison): the recipe's outcome with
 * the spec, timing and engine, or an identical finished run copied. Every LM
 * section's run is `lmRun(itsSetup)`.
 */
import { isDeepStrictEqual } from "util";
import { Corpus, loadCorpus } from "../../data/corpus";
import { deviceLine } from "../../engine/device";
import { DEFAULT_FORMULATION } from "../../models/rnn-lm";
import type { FoundRecord, Measures, RunContext, RunRecord } from "../../experiments/contract";
import type { Scale } from "../../experiments/scale";
import { LMOutcome, runLMSetup } from "./recipe";
import type { LMSetup } from "./setup";

/** What every language-model experiment records beside its spec: the framework's fields, the setup and the outcome. */
export interface LMRunRecord extends RunRecord, LMOutcome {
  scale: Scale;
  setup: LMSetup;
  /**
   * Set when the run was not trained again but copied from an identical
   * finished one (same setup, seed and formulation; "lm-ptb-cpu.jsonl:7"):
   * a run is a function of these, so training it again would give the same
   * record. `seconds`, `engine` and `date` are the original's.
   */
  reusedFrom?: string;
}

/**
 * What every LM section measures (ExperimentSpec.measures): perplexities are
 * at least 1, and null only in a run that diverged (recipe.ts records a
 * non-finite final perplexity as null and sets `diverged`); the curves hold
 * perplexities or null (a non-finite epoch); `diverged` is a boolean.
 */
export const LM_MEASURES: Measures = {
  validPerplexity: { type: "number", min: 1, nullWhenDiverged: true },
  testPerplexity: { type: "number", min: 1, nullWhenDiverged: true },
  diverged: { type: "boolean" },
  trainCurve: { type: "number[]", min: 1, nullItems: true },
  validCurve: { type: "number[]", min: 1, nullItems: true },
};

/**
 * The relative work of one run of an LM section whose config's rows share
 * `base` (ExperimentSpec.cost): epochs x training fraction x hidden units
 * squared; calibrated on the committed cpu sweep.
 */
export function lmCost(c: { base: LMSetup }): number {
  return c.base.epochs * c.base.trainFraction * c.base.hidden ** 2;
}

const OUTCOME_KEYS: readonly (keyof LMOutcome)[] = [
  "validPerplexity", "testPerplexity", "diverged", "epoch", "lr", "trainCurve", "validCurve", "learnedGamma",
  "windowsPerEpoch", "tokensPerEpoch", "parameters", "trainSeconds", "formulation",
];

/**
 * A finished record of the same setup, seed and model formulation at this
 * scale, trained by any sweep (Section 4.6's no-dropout rows are the noise
 * comparison's "neither" and "gradient noise" rows), or undefined.
 */
export function identicalLMRun(setup: LMSetup, seed: number, find: NonNullable<RunContext["findRecords"]>): FoundRecord | undefined {
  // As the record stores it (JSON drops undefined fields); key order does not matter to the comparison.
  const want = JSON.parse(JSON.stringify(setup)) as unknown;
  const form = { ...DEFAULT_FORMULATION };
  return find((r) => r.seed === seed && !r.reusedFrom && isDeepStrictEqual(r.setup, want) && isDeepStrictEqual(r.formulation, form) && OUTCOME_KEYS.every((k) => k in r))[0];
}

/**
 * One run of a registered language-model experiment: `setup` trained on its
 * corpus with `seed`, recorded with spec, timing and engine; or, where the
 * sweep offers finished records, an identical finished run copied.
 */
export async function runLMRecord<S extends { key: string; seed: number }>(spec: S, setup: LMSetup, ctx: RunContext): Promise<S & LMRunRecord> {
  const same = ctx.findRecords && identicalLMRun(setup, spec.seed, ctx.findRecords);
  if (same) {
    const r = same.record;
    const outcome = Object.fromEntries(OUTCOME_KEYS.map((k) => [k, r[k]])) as unknown as LMOutcome;
    return { ...spec, scale: ctx.scale, setup, ...outcome, seconds: r.seconds as number, engine: r.engine as string, date: r.date as string, reusedFrom: same.where };
  }
  const key = `corpus:${setup.corpus}`;
  let corpus = ctx.cache.get(key) as Corpus | undefined;
  if (!corpus) ctx.cache.set(key, (corpus = loadCorpus(setup.corpus)));
  const t0 = Date.now();
  const out = await runLMSetup(setup, corpus, spec.seed, ctx.onStep, ctx.checkpoint);
  return { ...spec, scale: ctx.scale, setup, ...out, seconds: (Date.now() - t0) / 1000, engine: deviceLine(), date: new Date().toISOString() };
}

/**
 * The run of an LM section whose spec and config give its setup by
 * `setupOf`: what each LM section's `run` is, so a section states only how
 * its rows differ from its base.
 */
export function lmRun<S extends { key: string; seed: number }, C>(setupOf: (spec: S, c: C) => LMSetup): (spec: S, c: C, ctx: RunContext) => Promise<S & LMRunRecord> {
  return (spec, c, ctx) => runLMRecord(spec, setupOf(spec, c), ctx);
}
