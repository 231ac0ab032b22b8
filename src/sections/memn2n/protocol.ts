/**
 * Notebook 02's protocol table, the reference-implementation check and the
 * position-encoding comparison (the committed `--pe paper` study beside the
 * main sweep).
 */
import type { Cell } from "../../report/table";
import type { AnyExperiment, TableBlock } from "../../experiments/contract";
import type { Scale } from "../../experiments/scale";
import { loadSweep, planSweep } from "../../experiments/sweep";
import { positionEncodingRows, table2Rows } from "./figures";
import { MemN2NConfig, MemN2NRunRecord, planMemN2NRuns } from "./run";
import { summarizeTable2, Table2Selected } from "./summary";

export function protocolRows(cfg: MemN2NConfig): Record<string, Cell>[] {
  const rows: [string, string, string][] = [
    ["model", "MemN2N, 3 hops, d 20, adjacent tying, PE, TE, RN", "same"],
    ["tasks", "20 bAbI tasks, 1k, one model per task", `${cfg.tasks.length} task(s): ${cfg.tasks.join(", ")}`],
    ["restarts per task and setting", "10, keep lowest training error", `${cfg.restarts}, keep lowest training error`],
    ["epochs", "200", `${cfg.epochs} softmax epochs (+${cfg.linearEpochs} linear-start epochs for two-stage)`],
    ["learning rate", "as Sukhbaatar et al.", `${cfg.learningRate.oneStage} one-stage, ${cfg.learningRate.twoStage} two-stage; halved every 25 epochs`],
    ["position encoding", "as Sukhbaatar et al.", cfg.positionEncoding === "reference" ? "the reference code's variant (one J per task)" : "the formula as printed (J per sentence)"],
    ["clipping, noise", "norm 40; eta 0.01, gamma 0.55 after clipping", `norm 40 per matrix; eta ${cfg.eta}, gamma ${cfg.gamma} after clipping`],
    ["validation", "10% of training data", "last 10% of each training file (as the reference code)"],
    ["training questions", "900 per task", cfg.trainQuestions ? `first ${cfg.trainQuestions}` : "900 per task"],
    ["runs", "800", String(planMemN2NRuns(cfg).length)],
  ];
  return rows.map(([what, paper, ours]) => ({ what, paper, ours }));
}

/** Our plain two-stage test error against the reference implementation's, task by task (5-point tolerance). */
export function referenceCheckMarkdown(selected: Table2Selected[]): string {
  const plain = selected.filter((s) => s.setting === "two-stage");
  if (!plain.length) return "No plain two-stage runs loaded.";
  const far = plain.filter((s) => Math.abs(s.testError - s.referenceTestError) > 0.05);
  const avg = (f: (s: Table2Selected) => number) => plain.reduce((a, s) => a + f(s), 0) / plain.length;
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  return (
    `Plain two-stage, mean test error over ${plain.length} task(s): **${pct(avg((s) => s.testError))}** (reference over the same tasks: ${pct(avg((s) => s.referenceTestError))}). ` +
    (far.length ? `More than 5 points from the reference on: ${far.map((s) => `task ${s.task} (${pct(s.testError)} vs ${pct(s.referenceTestError)})`).join(", ")}.` : "Within 5 points of the reference on every task.")
  );
}

/**
 * Table 2 with the position encoding as printed, and per-task errors under
 * both, when the `--pe paper` sweep of `ex` (this section's experiment, passed
 * in so this file need not import the index) exists at `scale`.
 */
export function positionEncodingComparison(ex: AnyExperiment, scale: Scale, coded: Table2Selected[]): TableBlock[] | null {
  const plan = planSweep(ex, scale, { pe: "paper" });
  const records = loadSweep<MemN2NRunRecord>(plan);
  if (!records.length) return null;
  const printed = summarizeTable2(records);
  return [
    { name: "table2-pe-printed", caption: `Table 2 with the position encoding as printed (${records.length} of ${plan.specs.length} runs)`, rows: table2Rows(printed.rows) },
    { name: "pe-per-task", caption: "Plain two-stage test error per task under each position encoding", rows: positionEncodingRows(printed.selected, coded) },
  ];
}
