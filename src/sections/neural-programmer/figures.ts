/**
 * Tables and figures of Section 4.3 (and the 4.6 rows notebook 06 shows),
 * built from the summary and records; the induced-programs table from a
 * trained model (programDemo).
 */
import { formatP } from "../../stats";
import type { Figure } from "../../report/plotly";
import type { Cell } from "../../report/table";
import { defaultTask, Example, generateExample, modelFor, predict, trainNeuralProgrammer } from "../../families/neural-programmer";
import { Arm, PERFECT_OF_216, TABLE3, TASK_TITLES } from "./paper";
import { DATA_SEED, hyperGrid, NPConfig, NPRunRecord } from "./run";
import type { Comparison, NPSummary } from "./summary";

const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : "—");
const range = (i: [number, number]) => `[${pct(i[0])}, ${pct(i[1])}]`;
const ABLATIONS: Arm[] = ["fixed noise", "batch 10", "batch 25", "weight noise"];

/** Single column (GN 4.3): perfect runs per arm with exact intervals, beside the paper's count of 216. */
export function perfectRows(s: NPSummary): Record<string, Cell>[] {
  return s.arms.filter((r) => r.task === "single" && !ABLATIONS.includes(r.arm)).map((r) => ({
    setting: r.arm,
    runs: r.planned === undefined ? r.runs : `${r.runs} of ${r.planned}`,
    perfect: r.perfect,
    "rate [95% CI]": `${pct(r.rate)} ${range(r.interval)}`,
    "paper (of 216)": PERFECT_OF_216[r.arm] ?? "—",
    "best accuracy": pct(r.bestAccuracy),
    "mean accuracy": pct(r.meanAccuracy),
  }));
}

/** Table 3: best and mean test accuracy per setting, beside the paper's (best of 216). */
export function table3Rows(s: NPSummary): Record<string, Cell>[] {
  return s.arms.filter((r) => r.task !== "single").map((r) => ({
    task: TASK_TITLES[r.task],
    setting: r.arm,
    runs: r.planned === undefined ? r.runs : `${r.runs} of ${r.planned}`,
    "best accuracy": pct(r.bestAccuracy),
    "paper (best of 216)": `${TABLE3[r.task as "five" | "text"][r.arm as keyof (typeof TABLE3)["five"]].toFixed(1)}%`,
    "mean accuracy": pct(r.meanAccuracy),
    "perfect [95% CI]": `${r.perfect} ${range(r.interval)}`,
  }));
}

/** Paired comparisons: perfect counts (exact McNemar) and mean accuracy (sign-flip), with the power the sample has. */
export function comparisonRows(cs: readonly Comparison[]): Record<string, Cell>[] {
  return cs.map((c) => ({
    task: TASK_TITLES[c.task],
    comparison: `${c.a} vs ${c.b}`,
    pairs: c.counts.n,
    "perfect (a / b)": `${c.counts.a.k} / ${c.counts.b.k}`,
    "rate difference [95% CI]": `${pct(c.counts.diff)} ${range(c.counts.interval)}`,
    "McNemar p": formatP(c.counts.p),
    "accuracy difference [95% CI]": `${pct(c.accuracy.difference)} ${range([c.accuracy.low, c.accuracy.high])}`,
    "sign-flip p": formatP(c.accuracy.p),
    "power at the paper's rates": c.powerAtPaperRates === undefined ? "—" : c.powerAtPaperRates.toFixed(2),
    "detectable rate (80%)": c.detectable === undefined ? "—" : Number.isNaN(c.detectable) ? "none ≤ 100%" : pct(c.detectable),
  }));
}

/** Section 4.6's ablations on single column (for notebook 06): each arm's perfect runs and best accuracy beside the paper's. */
export function ablationRows(s: NPSummary): Record<string, Cell>[] {
  const paper: Record<string, string> = {
    noise: "9/216 reach the best error",
    "fixed noise": "5/216 reach the best error",
    "no noise": "batch 50 without noise: none reach the best error",
    "batch 10": "none reach the best error",
    "batch 25": "none reach the best error",
    "weight noise": "best runs still >= 68% error",
  };
  return s.arms.filter((r) => r.task === "single" && r.arm in paper).map((r) => ({
    arm: r.arm,
    runs: r.planned === undefined ? r.runs : `${r.runs} of ${r.planned}`,
    "perfect [95% CI]": `${r.perfect} ${range(r.interval)}`,
    "best error": pct(1 - r.bestAccuracy),
    "mean error": pct(1 - r.meanAccuracy),
    paper: paper[r.arm],
  }));
}

const COLORS: Record<Arm, string> = {
  "no noise": "#d62728", noise: "#1f77b4", dropout: "#ff7f0e", "dropout + noise": "#2ca02c",
  "fixed noise": "#9467bd", "batch 10": "#8c564b", "batch 25": "#e377c2", "weight noise": "#7f7f7f",
};

/** Perfect-run rate per arm with its exact interval (single column, 4.3 and 4.6 arms). */
export function perfectFigure(s: NPSummary, arms?: readonly Arm[]): Figure {
  const rows = s.arms.filter((r) => r.task === "single" && r.runs > 0 && (!arms || arms.includes(r.arm)));
  return {
    data: [
      {
        type: "scatter", mode: "markers", name: "ours (95% Clopper-Pearson)", x: rows.map((r) => r.arm), y: rows.map((r) => 100 * r.rate),
        error_y: { type: "data", symmetric: false, array: rows.map((r) => 100 * (r.interval[1] - r.rate)), arrayminus: rows.map((r) => 100 * (r.rate - r.interval[0])) },
        marker: { size: 10, color: rows.map((r) => COLORS[r.arm]) },
      },
      { type: "scatter", mode: "markers", name: "paper (of 216)", x: rows.filter((r) => PERFECT_OF_216[r.arm] !== undefined).map((r) => r.arm), y: rows.filter((r) => PERFECT_OF_216[r.arm] !== undefined).map((r) => (100 * PERFECT_OF_216[r.arm]!) / 216), marker: { symbol: "x", size: 12, color: "#000" } },
    ],
    layout: { title: { text: "Single column: runs at 100% test accuracy" }, yaxis: { title: { text: "perfect runs (%)" }, rangemode: "tozero" }, xaxis: { title: { text: "setting" } } },
  };
}

/**
 * Figure 2: test accuracy over training on five columns, with and without
 * noise: the grid point and seed whose no-noise run has the median final
 * accuracy (a typical run), and the mean over all paired runs.
 */
export function curvesFigure(records: NPRunRecord[], task: "five" | "text" | "single" = "five"): Figure {
  const data: Record<string, unknown>[] = [];
  const base = records.filter((r) => r.task === task && r.arm === "no noise").sort((a, b) => a.finalAccuracy - b.finalAccuracy);
  const typical = base[Math.floor((base.length - 1) / 2)];
  for (const arm of ["no noise", "noise"] as Arm[]) {
    const rs = records.filter((r) => r.task === task && r.arm === arm);
    if (!rs.length) continue;
    const x = rs[0].curve.evalStep;
    const mean = x.map((_, k) => rs.reduce((s, r) => s + (r.curve.testAccuracy[k] ?? 0), 0) / rs.length);
    data.push({ type: "scatter", mode: "lines", name: `${arm}: mean of ${rs.length} runs`, x, y: mean.map((v) => 100 * v), line: { color: COLORS[arm], width: 2 } });
    const t = typical && rs.find((r) => r.grid === typical.grid && r.seedIndex === typical.seedIndex);
    if (t) data.push({ type: "scatter", mode: "lines", name: `${arm}: typical run (grid ${t.grid}, seed ${t.seedIndex})`, x: t.curve.evalStep, y: t.curve.testAccuracy.map((v) => 100 * v), line: { color: COLORS[arm], dash: "dot" } });
  }
  return {
    data,
    layout: { title: { text: `Figure 2: test accuracy over training, ${TASK_TITLES[task]}, with and without noise` }, xaxis: { title: { text: "step" } }, yaxis: { title: { text: "test accuracy (%)" }, range: [0, 100] } },
  };
}

export interface ProgramRow {
  question: string;
  verbose: string;
  /** The program the generator wrote, and the one the trained model chose (op and column per step). */
  reference: string;
  induced: string;
  answer: string;
  correct: boolean;
}

const answerText = (e: Example) => (e.answer.type === "scalar" ? String(e.answer.value) : `${e.answer.cells.flat().filter(Boolean).length} cell(s)`);

/**
 * Induced programs (the first version's Table 3): one single-column model
 * (annealed noise, grid point 0, seed 1001, the config's steps) and the
 * operation and column it selects at each step for `n` test questions.
 */
export async function programDemo(cfg: NPConfig, n = 8, onStep?: (step: number, steps: number) => void): Promise<{ rows: ProgramRow[]; accuracy: number }> {
  const task = { ...defaultTask("single"), form: cfg.form };
  const hyper = hyperGrid()[0];
  const { model, vocab } = modelFor(task, { hidden: cfg.hidden, initStd: cfg.initStd, seed: 1001 });
  try {
    const h = await trainNeuralProgrammer(model, vocab, {
      task, dataSeed: DATA_SEED, seed: 1001, hidden: cfg.hidden, initStd: cfg.initStd, steps: cfg.steps, batchSize: cfg.batchSize,
      learningRate: hyper.learningRate, clipNorm: hyper.clipNorm, lambda: hyper.lambda, delta: hyper.delta, sumScale: cfg.sumScale,
      noise: { kind: "annealed", eta: cfg.eta, gamma: cfg.gamma }, dropout: 0, trainSize: cfg.trainSize, testSize: cfg.testSize,
      evalEvery: cfg.steps, tolerance: cfg.tolerance, onStep,
    });
    const examples = Array.from({ length: n }, (_, k) => generateExample(task, "test", DATA_SEED, k));
    const preds = await predict(model, vocab, examples, cfg.tolerance);
    const show = (p: { op: string; column?: string }[]) => p.map((s) => (["sum", "greater", "lesser", "print", "match"].includes(s.op) ? `${s.op}(${s.column})` : s.op)).join(" → ");
    return {
      accuracy: h.finalAccuracy,
      rows: examples.map((e, i) => ({ question: e.short, verbose: e.verbose, reference: show(e.program), induced: show(preds[i].program), answer: answerText(e), correct: preds[i].correct })),
    };
  } finally {
    model.dispose();
  }
}

/** A sample of the task for the notebook: one table's first rows, and questions with their programs and answers. */
export function taskSample(kind: "single" | "five" | "text", n = 6, rows = 6): { table: Record<string, Cell>[]; rowsInTable: number; questions: Record<string, Cell>[] } {
  const task = defaultTask(kind);
  const es = Array.from({ length: n }, (_, k) => generateExample(task, "train", DATA_SEED, k));
  const t = es[0].table;
  const show = (p: { op: string; column?: string }[]) => p.map((s) => (s.column && s.op !== "count" ? `${s.op}(${s.column})` : s.op)).join(" → ");
  return {
    table: Array.from({ length: Math.min(rows, t.rows) }, (_, i) => Object.fromEntries([["row", i + 1], ...t.columns.map((c) => [c.name, c.values[i]])])),
    rowsInTable: t.rows,
    questions: es.map((e) => ({ short: e.short, verbose: e.verbose, program: show(e.program), answer: answerText(e), "table size": `${e.table.rows} x ${e.table.columns.length}` })),
  };
}

/** One timestep of the model as an SVG drawing (boxes and arrows, drawn here rather than copied from the paper's Figure 1). */
export function stepDiagramSvg(): string {
  const box = (x: number, y: number, w: number, h: number, label: string, fill: string) =>
    `<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="6" fill="${fill}" stroke="#333"/>` +
    label.split("\n").map((l, i, a) => `<text x="${x + w / 2}" y="${y + h / 2 + (i - (a.length - 1) / 2) * 15 + 4}" text-anchor="middle" font-size="12" font-family="sans-serif">${l}</text>`).join("");
  const arrow = (x1: number, y1: number, x2: number, y2: number) => `<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="#333" marker-end="url(#np-arrow)"/>`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="760" height="300" viewBox="0 0 760 300">`,
    `<defs><marker id="np-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker></defs>`,
    box(10, 20, 150, 50, "question words\n(numbers → <num>)", "#f5f5f5"),
    box(10, 110, 150, 50, "question RNN\nz_i = tanh(W_q[z_{i-1}; V w_i])", "#dbe9f6"),
    box(10, 200, 150, 50, "pivot attention\nover the numbers", "#dbe9f6"),
    box(210, 20, 150, 50, "history RNN h_t\nc_t = [α_op U; α_col P]", "#fde0c5"),
    box(210, 110, 150, 60, "selector\nα_op = softmax(U tanh(W_op[q; h_t]))\nα_col = softmax(P tanh(W_col[q; h_t]))", "#fde0c5"),
    box(410, 20, 170, 150, "operations on the table\nsum, count, difference\ngreater, lesser (pivot)\nand, or, reset, match\nprint", "#e2f0d9"),
    box(410, 200, 170, 60, "state after step t\nscalar, lookup [M×C],\nrow select [M]", "#f5f5f5"),
    box(620, 110, 130, 60, "answer after T = 4\nthe output that\nchanged last", "#f5f5f5"),
    arrow(85, 70, 85, 108), arrow(85, 160, 85, 198), arrow(160, 135, 208, 140), arrow(285, 70, 285, 108),
    arrow(360, 140, 408, 100), arrow(160, 225, 408, 120), arrow(495, 170, 495, 198), arrow(580, 230, 620, 160),
    `<path d="M410,245 C300,290 240,200 260,72" fill="none" stroke="#999" stroke-dasharray="4 3" marker-end="url(#np-arrow)"/>`,
    `<text x="300" y="285" font-size="11" font-family="sans-serif" fill="#666">next step: selections feed the history RNN, state feeds the operations</text>`,
    `</svg>`,
  ].join("");
}
