/**
 * Section 4.3 as a registered experiment: Neural Programmer on synthetic
 * table questions (single column: perfect-run counts; five columns and
 * number + text: Table 3; Figure 2's curves) and the Section 4.6 ablations on
 * the same model. Notebook: 03-neural-programmer.ipynb (4.6 rows: 06).
 */
import type { Cell } from "../../report/table";
import { defineExperiment } from "../../experiments/define";
import { opt } from "../../experiments/options";
import { TASK_KINDS } from "../../families/neural-programmer";
import { ablationRows, comparisonRows, curvesFigure, perfectFigure, perfectRows, table3Rows } from "./figures";
import { ARMS } from "./paper";
import { NP_CONFIGS, NPConfig, NPRunRecord, NPRunSpec, planNPRuns, trainNPRun } from "./run";
import { NPSummary, summarizeNP } from "./summary";

export * from "./paper";
export * from "./run";
export * from "./summary";
export * from "./figures";
// What the notebook shows of the task and model, reached through the section (notebooks import only the package and their section).
export { defaultTask, generateExamples, OPERATIONS, TEXT_WORDS } from "../../families/neural-programmer";

/** Kernels of training (every noise kind, dropout) and hard-selection evaluation, as engine.kernelsUsedBy lists them on cpu. */
export const NP_TRAINING_KERNELS: readonly string[] = [
  "Abs", "Add", "AddN", "ArgMax", "BatchMatMul", "Cast", "ClipByValue", "Concat", "Equal", "ExpandDims", "Greater", "GreaterEqual", "Identity", "Less",
  "LessEqual", "Log", "LogicalAnd", "Max", "Maximum", "Mean", "Minimum", "Multiply", "Neg", "OneHot", "Pack", "PadV2", "RealDiv", "Reshape",
  "Select", "Slice", "Softmax", "SplitV", "Sqrt", "Square", "Step", "Sub", "Sum", "Tanh", "Transpose", "Unpack", "ZerosLike",
];

export function protocolRows(c: NPConfig): Record<string, Cell>[] {
  const rows: [string, string, string][] = [
    ["tasks", "single column; up to five columns; number + text column", c.tasks.join(", ")],
    ["tables", "30-100 rows, values in [-100, 100]; test 120 rows, [-200, 200] (secondary)", "same; integer cells, two-decimal pivots (never equal to a cell)"],
    ["questions", "templates over the operations; short and verbose forms", `sum / count / print with 0-2 conditions (and, or), difference; ${c.form} form`],
    ["model", "question RNN, selector, history RNN, T = 4, ~10 operations", `same, plus a carry-forward weight (our choice: what an operation of another kind leaves unchanged), so "the output that changed last" (the Neural Programmer's answer-type rule) is defined; d ${c.hidden}, init N(0, ${c.initStd}^2)`],
    ["hyperparameters", "72 configurations x 3 seeds = 216 runs per setting (which ones: not said)", `${c.gridPoints} of our 72-point grid (lr x clip x lambda x delta) x ${c.seeds} seed(s) = ${c.gridPoints * c.seeds} runs per setting`],
    ["training", "Adam, batch 50, clip then noise eta 1.0, gamma 0.55", `Adam, batch ${c.batchSize}, ${c.steps} steps (${c.steps * c.batchSize} questions from ${c.trainSize}); noise eta ${c.eta}, gamma ${c.gamma}; dropout ${c.dropout} on q and h`],
    ["test", "100% accuracy = perfect (test size unknown)", `${c.testSize} test questions; scalars within ${c.tolerance}; lookups cell for cell`],
    ["4.6 ablations", "fixed variance log-uniform [1e-4, 0.1]; batch 10/25/50 without noise; weight noise from 1e-6", `fixed variance log-uniform [${c.fixedVariance.join(", ")}] per grid point; batch 10 / 25 (the same ${c.steps} updates, so fewer questions seen, as in the NRAM section); weight noise eta ${c.weightEta}`],
    ["runs", "216 per setting", String(planNPRuns(c).length)],
  ];
  return rows.map(([what, paper, ours]) => ({ what, paper, ours }));
}

export const experiment = defineExperiment<NPConfig, NPRunSpec, NPRunRecord, NPSummary>({
  id: "neural-programmer",
  section: "4.3",
  title: "Neural Programmer on synthetic table questions (perfect runs, Table 3, Figure 2; Section 4.6 ablations)",
  notebook: "03-neural-programmer.ipynb",
  configs: NP_CONFIGS,
  requiredKernels: NP_TRAINING_KERNELS,
  options: [
    opt.strings("tasks", TASK_KINDS, { help: "only these tasks (default all three)", apply: (c, tasks) => ({ ...c, tasks }) }),
    opt.strings("arms", ARMS, { help: "only these arms (default all)", apply: (c, arms) => ({ ...c, arms }), tag: (v) => v.map((x) => x.replace(/ \+ /g, "+").replace(/ /g, "-")).join("+") }),
    opt.int("grid-points", { help: "hyperparameter grid points per setting (cpu: 8; paper: 72)", apply: (c, gridPoints) => ({ ...c, gridPoints }) }),
    opt.seeds("seeds per grid point (cpu: 2; paper: 3)"),
    opt.int("steps", { help: "updates per run at batch 50 (cpu: 1500)", apply: (c, steps) => ({ ...c, steps }) }),
  ],
  cost: (c) => c.steps,
  measures: {
    finalAccuracy: { type: "number", min: 0, max: 1 },
    perfect: { type: "boolean" },
    diverged: { type: "boolean" },
  },
  plan: planNPRuns,
  run: (spec, config, ctx) => trainNPRun(spec, config, ctx),
  summarize: (records, _c, planned) => summarizeNP(records, planned),
  report: {
    tables: (s) => [
      { name: "perfect", caption: "Single column (GN 4.3): runs reaching 100% test accuracy, exact 95% Clopper-Pearson intervals; the paper's counts are of 216 runs (72 configurations x 3 seeds).", rows: perfectRows(s) },
      { name: "table3", caption: "Table 3: test accuracy per setting. The paper's numbers are (we read) each setting's best run of 216; ours: best and mean over our runs.", rows: table3Rows(s) },
      { name: "comparisons", caption: "Paired comparisons (same grid point and seed in both arms): perfect runs by the exact McNemar test (interval by inverting it), mean accuracy by the sign-flip permutation test; power of the McNemar test at the paper's rates for our number of pairs, and the smallest rate of the first arm it detects with 80% power against the second arm's paper rate.", rows: comparisonRows(s.comparisons) },
      { name: "ablations", caption: "Section 4.6 on single column: fixed noise, smaller batches without noise, weight noise, beside annealed gradient noise and no noise (batch 50).", rows: ablationRows(s) },
    ],
    verdicts: "Verdicts (docs/verdicts.md: each claim's margin, test and smallest reachable p beside it; significance at p < 0.05):",
    figures: async (records, s) => [
      { name: "np-perfect", title: "Single column: share of perfect runs per setting, ours with exact intervals and the paper's", fig: perfectFigure(s) },
      // Five columns as in the paper; a sweep without them (smoke: single column only) draws single column.
      { name: "np-figure2", title: "Figure 2: test accuracy over training, with and without noise", fig: curvesFigure(records, records.some((r) => r.task === "five") ? "five" : "single") },
    ],
    protocol: (c) => protocolRows(c),
    provenance: (c) =>
      `Neural Programmer, synthetic tables (tasks ${c.tasks.join(", ")}), d ${c.hidden}, T 4, ${c.gridPoints} grid points x ${c.seeds} seeds per arm, ${c.steps} Adam steps of batch ${c.batchSize}, ` +
      `noise eta ${c.eta} gamma ${c.gamma} after clipping, dropout ${c.dropout}, ${c.testSize} test questions; model seeds 1000(g+1)+s+1, data seed 4300`,
  },
  claims: [
    { id: "gn-4.3-single-column-perfect", text: "Single column: 1/216 runs reach 100% test accuracy without noise, 9/216 with annealed noise; with dropout 0/216.", paper: 8 / 216 },
    { id: "gn-4.3-five-columns", text: "Five columns (Table 3): 95.3% without noise, 98.7% with noise, 97.4% with dropout, 99.2% with both.", paper: 0.034 },
    { id: "gn-4.3-text-entries", text: "Number + text column (Table 3): 97.6% without noise, 98.8% with noise, 99.1% with dropout, 97.3% with both.", paper: 0.012 },
    { id: "gn-4.6-np-fixed-noise", text: "Fixed noise (variance log-uniform in [1e-4, 0.1]): 5/216 runs reach the best error, against 9/216 annealed.", paper: -4 / 216 },
    { id: "gn-4.6-np-batch-size", text: "Batch sizes 10, 25, 50 without noise: none of 216 runs reaches the best error.", paper: -9 / 216 },
    { id: "gn-4.6-np-weight-noise", text: "Annealed weight noise (from eta 1e-6): the best runs still have >= 68% error.", paper: -0.68 },
  ],
});
