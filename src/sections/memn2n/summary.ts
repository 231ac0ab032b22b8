/**
 * Table 2 from records: restart selection per task and setting, averages over
 * tasks with bootstrap intervals, paired with/without-noise tests, the warm
 * start comparison, and the verdicts.
 */
import { bootstrapCI, mean, pairedPermutationTest, pairedTTest } from "../../stats";
import { judge, Verdict } from "../../experiments/verdict";
import { REFERENCE_TEST_ERROR, TABLE2, Table2Setting, TABLE2_SETTINGS } from "./paper";
import { runDiverged } from "../../train/divergence";
import type { MemN2NRunRecord, MemN2NRunSpec } from "./run";

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
  /** The kept restart (lowest training error; ties: lowest validation error, then lowest index). */
  restart: number;
  trainError: number;
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
  /** 95% paired t intervals of the differences, over tasks. */
  trainLow: number;
  trainHigh: number;
  validationLow: number;
  validationHigh: number;
  /** Paired sign-flip permutation test over tasks, two-sided. */
  pTrain: number;
  pValidation: number;
  paperTrainDifference: number;
  paperValidationDifference: number;
}

/** Restart selection per (task, setting), then Table 2's averages and the noise comparisons. */
/** Paper differences under 1 point of error count as "no difference". */
export const NEGLIGIBLE = 0.01;

export interface Table2Summary {
  selected: Table2Selected[];
  rows: Table2Row[];
  comparisons: Table2Comparison[];
  verdicts: Verdict[];
}

/** The 95% paired t interval of mean(a[i] - b[i]) (the paired permutation test gives p). */
function pairedInterval(a: readonly number[], b: readonly number[]): [number, number] {
  const t = pairedTTest(a, b);
  return [t.low, t.high];
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
    out.push(judge({ claim: `${c.stages}: training error, with noise minus without`, paper: c.paperTrainDifference, ours: c.trainDifference, interval: [c.trainLow, c.trainHigh], p: c.pTrain, n: c.tasks, negligible: NEGLIGIBLE }));
    out.push(judge({ claim: `${c.stages}: validation error, with noise minus without`, paper: c.paperValidationDifference, ours: c.validationDifference, interval: [c.validationLow, c.validationHigh], p: c.pValidation, n: c.tasks, negligible: NEGLIGIBLE }));
  }
  const warm = pairedValidation(selected, "two-stage", "one-stage");
  if (warm.tasks.length >= 2) {
    out.push(judge({
      claim: "warm start: validation error, two-stage minus one-stage (no noise)",
      paper: TABLE2["two-stage"].validation - TABLE2["one-stage"].validation,
      ours: mean(warm.a) - mean(warm.b),
      interval: pairedInterval(warm.a, warm.b),
      p: pairedPermutationTest(warm.a, warm.b, { seed: `${seed}/warm-start` }).pValue,
      n: warm.tasks.length, negligible: NEGLIGIBLE,
    }));
  }
  const one = pairedValidation(selected, "one-stage + noise", "one-stage");
  const two = pairedValidation(selected, "two-stage + noise", "two-stage");
  const tasks = one.tasks.filter((t) => two.tasks.includes(t));
  if (tasks.length >= 2) {
    const gain = (g: typeof one, t: number) => g.a[g.tasks.indexOf(t)] - g.b[g.tasks.indexOf(t)];
    const d = tasks.map((t) => gain(one, t) - gain(two, t));
    const paper = (TABLE2["one-stage + noise"].validation - TABLE2["one-stage"].validation) - (TABLE2["two-stage + noise"].validation - TABLE2["two-stage"].validation);
    out.push(judge({
      claim: "noise's validation effect, one-stage minus two-stage (negative: noise helps more without the warm start)",
      paper, ours: mean(d),
      interval: pairedInterval(d, d.map(() => 0)),
      p: pairedPermutationTest(d, d.map(() => 0), { seed: `${seed}/gain-gap` }).pValue,
      n: tasks.length, negligible: NEGLIGIBLE,
    }));
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
      const best = rs.reduce((a, b) => (b.trainError < a.trainError || (b.trainError === a.trainError && b.validationError < a.validationError) ? b : a));
      selected.push({
        task, taskName: best.taskName, setting, restarts: rs.length,
        plannedRestarts: planned?.filter((x) => x.task === task && x.setting === setting).length,
        diverged: rs.filter(isDiverged).length, keptDiverged: isDiverged(best), restart: best.restart,
        trainError: best.trainError, validationError: best.validationError, testError: best.testError,
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
    const [trainLow, trainHigh] = pairedInterval(nt, pt);
    const [validationLow, validationHigh] = pairedInterval(nv, pv);
    comparisons.push({
      stages, tasks: tasks.length,
      trainDifference: mean(nt) - mean(pt),
      validationDifference: mean(nv) - mean(pv),
      trainLow, trainHigh, validationLow, validationHigh,
      pTrain: pairedPermutationTest(nt, pt, { seed: `${seed}/${stages}/train` }).pValue,
      pValidation: pairedPermutationTest(nv, pv, { seed: `${seed}/${stages}/validation` }).pValue,
      paperTrainDifference: TABLE2[`${stages} + noise`].train - TABLE2[stages].train,
      paperValidationDifference: TABLE2[`${stages} + noise`].validation - TABLE2[stages].validation,
    });
  }
  return { selected, rows, comparisons, verdicts: table2Verdicts(selected, comparisons, seed) };
}
