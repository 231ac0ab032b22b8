/**
 * Table 2 from records: restart selection per task and setting, averages over
 * tasks with bootstrap intervals, paired with/without-noise tests, the warm
 * start comparison, and the verdicts.
 */
import { bootstrapCI, mean } from "../../stats";
import { signFlipDifference, TestedDifference } from "../../stats/inversion";
import { judge, Verdict } from "../../experiments/verdict";
import { REFERENCE_TEST_ERROR, TABLE2, Table2Setting, TABLE2_SETTINGS } from "./paper";
import { runDiverged } from "../../train/divergence";
import type { MemN2NRunRecord, MemN2NRunSpec } from "./run";

/** A run's training loss at its last epoch (Infinity when it has none, so it never wins a tie). */
const finalLoss = (r: MemN2NRunRecord) => {
  const l = r.curve?.loss?.[r.curve.loss.length - 1];
  return typeof l === "number" && Number.isFinite(l) ? l : Infinity;
};

// The answer softmax spans the vocabulary and the memory's time rows.
const isDiverged = (r: MemN2NRunRecord) => runDiverged(r, r.curve?.loss ?? [], r.vocabSize + r.memorySize);

export interface Table2Selected {
  task: number;
  taskName: string;
  setting: Table2Setting;
  restarts: number;
  /** Restarts the plan has for this task and setting (undefined without a plan). */
  plannedRestarts?: number;
  /** Restarts of this task and setting that diverged (train/divergence.ts), and whether the kept one did. */
  diverged: number;
  keptDiverged: boolean;
  /**
   * The kept restart: lowest training error, as in the paper (Sukhbaatar et al.'s protocol); ties (common: many restarts
   * reach 0% training error) go to the lowest final training loss (last epoch's mean batch loss), then the lowest index.
   * Validation and test errors play no part in the choice.
   */
  restart: number;
  trainError: number;
  /** The kept restart's training loss at its last epoch (the tie-break). */
  trainLoss: number;
  validationError: number;
  testError: number;
  referenceTestError: number;
}

export interface Table2Row {
  setting: Table2Setting;
  tasks: number;
  /** Tasks the plan has for this setting (undefined without a plan). */
  plannedTasks?: number;
  /** Restarts held, over all tasks, and how many the plan has. */
  runs: number;
  plannedRuns?: number;
  /** Restarts that diverged, and how many of those were kept (lowest training error) and so enter the averages. */
  diverged: number;
  keptDiverged: number;
  trainError: number;
  validationError: number;
  testError: number;
  /** 95% bootstrap intervals of the averages over tasks. */
  validationLow: number;
  validationHigh: number;
  paperTrain: number;
  paperValidation: number;
}

export interface Table2Comparison {
  stages: "one-stage" | "two-stage";
  tasks: number;
  /** Average error with noise minus without, over tasks (negative: noise helps). */
  trainDifference: number;
  validationDifference: number;
  /** Test error with noise minus without: the paper reports no test error for Table 2 (training and validation only); ours for reference. */
  testDifference: number;
  /** 95% intervals of the differences over tasks: the sign-flip permutation test below, inverted (the shifts it does not reject). */
  trainLow: number;
  trainHigh: number;
  validationLow: number;
  validationHigh: number;
  testLow: number;
  testHigh: number;
  /** Paired sign-flip permutation test over tasks, two-sided. */
  pTrain: number;
  pValidation: number;
  pTest: number;
  /** The smallest p the sign-flip test can reach with these tasks (2 / 2^tasks that differ, or 1 / 10,001), per measure. */
  minPTrain: number;
  minPValidation: number;
  minPTest: number;
  test: { train: string; validation: string; test: string };
  paperTrainDifference: number;
  paperValidationDifference: number;
}

/** The equivalence margin of Table 2's claims (error, absolute points), and why. */
export const MARGIN = 0.005;
export const MARGIN_REASON = "half a point: 5 of 1,000 questions a task; the paper's one-decimal two-stage gaps (0.3, 0.1) read as none";

export interface Table2Summary {
  selected: Table2Selected[];
  rows: Table2Row[];
  comparisons: Table2Comparison[];
  verdicts: Verdict[];
}

/** Judge `t` (a sign-flip test over tasks) against the paper's difference. */
function judged(claimId: string, claim: string, paper: number, t: TestedDifference): Verdict {
  return judge({ claimId, claim, paper, ours: t.difference, interval: [t.low, t.high], p: t.p, minP: t.minP, test: t.test, n: t.n, margin: MARGIN, marginReason: MARGIN_REASON });
}

/** Validation errors of the kept restarts per task, for the tasks both settings have. */
function pairedValidation(selected: Table2Selected[], a: Table2Setting, b: Table2Setting): { tasks: number[]; a: number[]; b: number[] } {
  const of = (s: Table2Setting) => new Map(selected.filter((x) => x.setting === s).map((x) => [x.task, x.validationError]));
  const [ma, mb] = [of(a), of(b)];
  const tasks = [...ma.keys()].filter((t) => mb.has(t));
  return { tasks, a: tasks.map((t) => ma.get(t)!), b: tasks.map((t) => mb.get(t)!) };
}

/**
 * The claims of Section 4.2 judged by the shared rule: noise's effect on each
 * procedure's training and validation error; the warm start's effect; and
 * whether noise helps one-stage training more than two-stage (paper: 2.9 vs
 * 0.1 validation points), each paired over tasks.
 */
function table2Verdicts(selected: Table2Selected[], comparisons: Table2Comparison[], seed: string | number): Verdict[] {
  const out: Verdict[] = [];
  for (const c of comparisons) {
    const t = (difference: number, low: number, high: number, p: number, minP: number, test: string): TestedDifference => ({ difference, low, high, p, minP, test, n: c.tasks });
    out.push(judged(`gn-4.2-${c.stages}`, `${c.stages}: training error, with noise minus without`, c.paperTrainDifference, t(c.trainDifference, c.trainLow, c.trainHigh, c.pTrain, c.minPTrain, c.test.train)));
    out.push(judged(`gn-4.2-${c.stages}`, `${c.stages}: validation error, with noise minus without`, c.paperValidationDifference, t(c.validationDifference, c.validationLow, c.validationHigh, c.pValidation, c.minPValidation, c.test.validation)));
  }
  const warm = pairedValidation(selected, "two-stage", "one-stage");
  if (warm.tasks.length >= 2) {
    out.push(judged("gn-4.2-warm-start-helps", "warm start: validation error, two-stage minus one-stage (no noise)", TABLE2["two-stage"].validation - TABLE2["one-stage"].validation, signFlipDifference(warm.a, warm.b, { seed: `${seed}/warm-start`, unit: "tasks" })));
  }
  const one = pairedValidation(selected, "one-stage + noise", "one-stage");
  const two = pairedValidation(selected, "two-stage + noise", "two-stage");
  const tasks = one.tasks.filter((t) => two.tasks.includes(t));
  if (tasks.length >= 2) {
    const gain = (g: typeof one, t: number) => g.a[g.tasks.indexOf(t)] - g.b[g.tasks.indexOf(t)];
    const d = tasks.map((t) => gain(one, t) - gain(two, t));
    const paper = (TABLE2["one-stage + noise"].validation - TABLE2["one-stage"].validation) - (TABLE2["two-stage + noise"].validation - TABLE2["two-stage"].validation);
    out.push(judged("gn-4.2-one-stage-gains-more", "noise's validation effect, one-stage minus two-stage (negative: noise helps more without the warm start)", paper, signFlipDifference(d, d.map(() => 0), { seed: `${seed}/gain-gap`, unit: "tasks" })));
  }
  return out;
}

/**
 * Table 2 from `unordered` records; with `planned` (the plan's specs) rows
 * also say how many tasks and restarts the plan has. Diverged restarts take
 * part in restart selection like any other.
 */
export function summarizeTable2(unordered: MemN2NRunRecord[], seed: string | number = 2016, planned?: readonly MemN2NRunSpec[]): Table2Summary {
  const records = [...unordered].sort((a, b) => a.task - b.task || a.restart - b.restart);
  const selected: Table2Selected[] = [];
  for (const task of [...new Set(records.map((r) => r.task))]) {
    for (const setting of TABLE2_SETTINGS) {
      const rs = records.filter((r) => r.task === task && r.setting === setting);
      if (rs.length === 0) continue;
      // Lowest training error; ties by lowest final training loss; then the lowest index (rs is sorted by restart).
      const best = rs.reduce((a, b) => (b.trainError < a.trainError || (b.trainError === a.trainError && finalLoss(b) < finalLoss(a)) ? b : a));
      selected.push({
        task, taskName: best.taskName, setting, restarts: rs.length,
        plannedRestarts: planned?.filter((x) => x.task === task && x.setting === setting).length,
        diverged: rs.filter(isDiverged).length, keptDiverged: isDiverged(best), restart: best.restart,
        trainError: best.trainError, trainLoss: finalLoss(best), validationError: best.validationError, testError: best.testError,
        referenceTestError: REFERENCE_TEST_ERROR[task - 1],
      });
    }
  }
  const rows: Table2Row[] = [];
  for (const setting of TABLE2_SETTINGS) {
    const s = selected.filter((x) => x.setting === setting);
    if (s.length === 0) continue;
    const val = s.map((x) => x.validationError);
    const ci = s.length > 1 ? bootstrapCI(val, { seed: `${seed}/${setting}`, resamples: 2000 }) : { low: val[0], high: val[0] };
    const plannedTasks = planned && new Set(planned.filter((x) => x.setting === setting).map((x) => x.task)).size;
    rows.push({
      setting, tasks: s.length, plannedTasks,
      runs: s.reduce((n, x) => n + x.restarts, 0), plannedRuns: planned?.filter((x) => x.setting === setting).length,
      diverged: s.reduce((n, x) => n + x.diverged, 0), keptDiverged: s.filter((x) => x.keptDiverged).length,
      trainError: mean(s.map((x) => x.trainError)), validationError: mean(val), testError: mean(s.map((x) => x.testError)),
      validationLow: ci.low, validationHigh: ci.high, paperTrain: TABLE2[setting].train, paperValidation: TABLE2[setting].validation,
    });
  }
  const comparisons: Table2Comparison[] = [];
  for (const stages of ["one-stage", "two-stage"] as const) {
    const plain = selected.filter((x) => x.setting === stages);
    const noisy = selected.filter((x) => x.setting === `${stages} + noise`);
    const tasks = plain.map((x) => x.task).filter((t) => noisy.some((y) => y.task === t));
    if (tasks.length < 2) continue;
    const pick = (xs: Table2Selected[], f: (x: Table2Selected) => number) => tasks.map((t) => f(xs.find((x) => x.task === t)!));
    const [nt, pt] = [pick(noisy, (x) => x.trainError), pick(plain, (x) => x.trainError)];
    const [nv, pv] = [pick(noisy, (x) => x.validationError), pick(plain, (x) => x.validationError)];
    const [ne, pe] = [pick(noisy, (x) => x.testError), pick(plain, (x) => x.testError)];
    const train = signFlipDifference(nt, pt, { seed: `${seed}/${stages}/train`, unit: "tasks" });
    const validation = signFlipDifference(nv, pv, { seed: `${seed}/${stages}/validation`, unit: "tasks" });
    const test = signFlipDifference(ne, pe, { seed: `${seed}/${stages}/test`, unit: "tasks" });
    comparisons.push({
      stages, tasks: tasks.length,
      // Differences of the averages (as the table shows them), not means of per-task differences: equal, up to rounding.
      trainDifference: mean(nt) - mean(pt),
      validationDifference: mean(nv) - mean(pv),
      testDifference: mean(ne) - mean(pe),
      trainLow: train.low, trainHigh: train.high, validationLow: validation.low, validationHigh: validation.high, testLow: test.low, testHigh: test.high,
      pTrain: train.p, pValidation: validation.p, pTest: test.p,
      minPTrain: train.minP, minPValidation: validation.minP, minPTest: test.minP,
      test: { train: train.test, validation: validation.test, test: test.test },
      paperTrainDifference: TABLE2[`${stages} + noise`].train - TABLE2[stages].train,
      paperValidationDifference: TABLE2[`${stages} + noise`].validation - TABLE2[stages].validation,
    });
  }
  return { selected, rows, comparisons, verdicts: table2Verdicts(selected, comparisons, seed) };
}
