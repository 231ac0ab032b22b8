/**
 * Figures and table rows for Section 4.2 (Table 2, End-To-End Memory
 * Networks), built from results records; notebook 02 shows them inline and
 * `npm run figures -- memn2n` renders the same specs to PNG.
 */
import { positionWeight } from "../../models/memn2n";
import { Figure } from "../../report/plotly";
import { Cell } from "../../report/table";
import { TABLE2_SETTINGS, Table2Setting } from "./paper";
import type { AttentionPicture } from "../../families/memn2n";
import type { MemN2NRunRecord } from "./run";
import type { Table2Comparison, Table2Row, Table2Selected } from "./summary";
import { formatP, mean } from "../../stats";
import { signFlipDifference } from "../../stats/inversion";
import { TABLE2 } from "./paper";

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

export const TABLE2_COLORS: Record<Table2Setting, string> = {
  "one-stage": "#ff9896",
  "one-stage + noise": "#9ecae1",
  "two-stage": "#d62728",
  "two-stage + noise": "#1f77b4",
};

/** Table 2: ours beside the paper, per setting (errors averaged over tasks). */
export function table2Rows(rows: Table2Row[]): Record<string, Cell>[] {
  return rows.map((r) => ({
    setting: r.setting,
    tasks: r.plannedTasks === undefined ? r.tasks : `${r.tasks} of ${r.plannedTasks}`,
    restarts: r.plannedRuns === undefined ? r.runs : `${r.runs} of ${r.plannedRuns}`,
    diverged: r.keptDiverged ? `${r.diverged} (${r.keptDiverged} kept)` : r.diverged,
    "train error (ours)": pct(r.trainError),
    "train error (paper)": pct(r.paperTrain),
    "validation error (ours) [95% CI]": `${pct(r.validationError)} [${pct(r.validationLow)}, ${pct(r.validationHigh)}]`,
    "validation error (paper)": pct(r.paperValidation),
    "test error (ours)": pct(r.testError),
  }));
}

const signed = (x: number) => (Number.isFinite(x) ? `${x >= 0 ? "+" : ""}${(100 * x).toFixed(1)}` : x > 0 ? "+∞" : "−∞");
/** "+1.0 [-0.1, +2.1]" in points. */
const ci = (d: number, lo: number, hi: number) => `${signed(d)} [${signed(lo)}, ${signed(hi)}]`;

export function table2ComparisonRows(cs: Table2Comparison[]): Record<string, Cell>[] {
  return cs.map((c) => ({
    procedure: c.stages,
    "tasks (pairs)": c.tasks,
    "train: noise - none, ours (points) [95% CI]": ci(c.trainDifference, c.trainLow, c.trainHigh),
    "train, paper": (100 * c.paperTrainDifference).toFixed(1),
    "p (sign-flip)": formatP(c.pTrain, 4),
    "validation: noise - none, ours [95% CI]": ci(c.validationDifference, c.validationLow, c.validationHigh),
    "validation, paper": (100 * c.paperValidationDifference).toFixed(1),
    "p (sign-flip) ": formatP(c.pValidation, 4),
    "test: noise - none, ours [95% CI] (paper: not reported)": ci(c.testDifference, c.testLow, c.testHigh),
    "p (sign-flip)  ": formatP(c.pTest, 4),
  }));
}

/**
 * Annealed vs fixed noise (Section 4.6 of the revised paper; issue 13): for each
 * noise variant, what it does to each procedure's validation error against the
 * same restarts without noise (negative: noise helps), with its paired test.
 */
export function noiseVariantRows(variants: readonly { label: string; comparisons: readonly Table2Comparison[] }[]): Record<string, Cell>[] {
  return variants.flatMap((v) =>
    v.comparisons.map((c) => ({
      noise: v.label,
      procedure: c.stages,
      "tasks (pairs)": c.tasks,
      "validation: noise - none (points)": (100 * c.validationDifference).toFixed(1),
      "p (paired permutation)": formatP(c.pValidation, 4),
      "train: noise - none (points)": (100 * c.trainDifference).toFixed(1),
      "paper, validation (annealed)": (100 * c.paperValidationDifference).toFixed(1),
    })),
  );
}

/** One noise's comparison with the same restarts without noise, for one procedure: per-task differences and their mean's 95% interval. */
export interface NoiseVariantInterval {
  label: string;
  stages: "one-stage" | "two-stage";
  tasks: number;
  /** Validation error with noise minus without, per task (kept restarts), in task order. */
  differences: number[];
  /** Their mean (the comparison's validationDifference) and its 95% interval over tasks (the sign-flip test, inverted). */
  mean: number;
  low: number;
  high: number;
  /** The paper's difference (annealed noise, revised version). */
  paper: number;
}

/**
 * For each noise and procedure: validation error with noise minus without, per
 * task, and the 95% interval of the mean over tasks that the text's verdicts
 * use: the paired sign-flip test, inverted, with the summary's seed (so the
 * figure and the tables show one interval).
 */
export function noiseVariantIntervals(variants: readonly { label: string; selected: readonly Table2Selected[] }[], seed: string | number = 2016): NoiseVariantInterval[] {
  const out: NoiseVariantInterval[] = [];
  for (const v of variants) {
    for (const stages of ["one-stage", "two-stage"] as const) {
      const of = (setting: Table2Setting) => new Map(v.selected.filter((x) => x.setting === setting).map((x) => [x.task, x.validationError]));
      const [plain, noisy] = [of(stages), of(`${stages} + noise`)];
      const tasks = [...noisy.keys()].filter((t) => plain.has(t)).sort((a, b) => a - b);
      if (tasks.length < 2) continue;
      const differences = tasks.map((t) => noisy.get(t)! - plain.get(t)!);
      const ci = signFlipDifference(tasks.map((t) => noisy.get(t)!), tasks.map((t) => plain.get(t)!), { seed: `${seed}/${stages}/validation`, unit: "tasks" });
      out.push({
        label: v.label, stages, tasks: tasks.length, differences, mean: mean(differences), low: ci.low, high: ci.high,
        paper: TABLE2[`${stages} + noise`].validation - TABLE2[stages].validation,
      });
    }
  }
  return out;
}

/**
 * Each noise against the same restarts without noise: the mean validation-error
 * difference over tasks (points; negative: noise helps) with its 95%
 * interval (the sign-flip test, inverted), one-stage and two-stage side by side, the paper's (annealed)
 * difference as an open star, and a line at zero.
 */
export function noiseVariantFigure(intervals: readonly NoiseVariantInterval[], title: string): Figure {
  const labels = [...new Set(intervals.map((x) => x.label))];
  const offset = { "one-stage": -0.14, "two-stage": 0.14 } as const;
  const data: Record<string, unknown>[] = [];
  for (const stages of ["one-stage", "two-stage"] as const) {
    const xs = intervals.filter((x) => x.stages === stages);
    if (!xs.length) continue;
    const color = TABLE2_COLORS[`${stages} + noise`];
    const at = xs.map((x) => labels.indexOf(x.label) + offset[stages]);
    data.push({
      type: "scatter", mode: "markers", name: `${stages}: noise - none, mean over tasks [95% CI, sign-flip test inverted]`, x: at, y: xs.map((x) => 100 * x.mean),
      error_y: { type: "data", symmetric: false, array: xs.map((x) => 100 * (x.high - x.mean)), arrayminus: xs.map((x) => 100 * (x.mean - x.low)), color, thickness: 1.5, width: 6 },
      text: xs.map((x) => `${x.label}, ${stages}: ${(100 * x.mean).toFixed(1)} [${(100 * x.low).toFixed(1)}, ${(100 * x.high).toFixed(1)}] points over ${x.tasks} tasks`),
      hoverinfo: "text", marker: { color, size: 10 },
    });
    data.push({
      type: "scatter", mode: "markers", name: `${stages}: paper (annealed, eta 0.01)`, x: at.map((a) => a + 0.07), y: xs.map((x) => 100 * x.paper),
      hoverinfo: "y", marker: { symbol: "star-open", size: 12, color, line: { width: 2 } },
    });
  }
  const wrap = (s: string) => s.replace(/(.{1,28})(\s+|$)/g, "$1<br>").replace(/<br>$/, "");
  return {
    data,
    layout: {
      title: { text: title },
      xaxis: { tickvals: labels.map((_, i) => i), ticktext: labels.map(wrap), range: [-0.5, labels.length - 0.5], zeroline: false },
      yaxis: { title: { text: "validation error, noise - none (points)" }, zeroline: true, zerolinecolor: "#444", zerolinewidth: 1.5 },
      shapes: [{ type: "line", xref: "paper", x0: 0, x1: 1, y0: 0, y1: 0, line: { color: "#444", width: 1.5 } }],
      legend: { orientation: "h", x: 0, y: -0.3 },
      margin: { t: 60, b: 170 },
      height: 520,
    },
  };
}

/** One row per task: test error of the kept restart in each setting, and the reference implementation's. */
export function perTaskRows(selected: Table2Selected[]): Record<string, Cell>[] {
  const tasks = [...new Set(selected.map((s) => s.task))].sort((a, b) => a - b);
  return tasks.map((task) => {
    const row: Record<string, Cell> = { task: `${task} ${selected.find((s) => s.task === task)!.taskName}` };
    for (const setting of TABLE2_SETTINGS) {
      const s = selected.find((x) => x.task === task && x.setting === setting);
      row[setting] = s ? pct(s.testError) : "";
    }
    row["reference (two-stage)"] = pct(selected.find((s) => s.task === task)!.referenceTestError);
    return row;
  });
}

/** Test error per task (kept restart) for each setting, bars, with the reference implementation as markers. */
export function perTaskFigure(selected: Table2Selected[]): Figure {
  const tasks = [...new Set(selected.map((s) => s.task))].sort((a, b) => a - b);
  const data: Record<string, unknown>[] = TABLE2_SETTINGS.filter((st) => selected.some((s) => s.setting === st)).map((setting) => ({
    type: "bar", name: setting, x: tasks.map(String),
    y: tasks.map((t) => selected.find((s) => s.task === t && s.setting === setting)?.testError ?? null),
    marker: { color: TABLE2_COLORS[setting] },
  }));
  data.push({
    type: "scatter", mode: "markers", name: "reference MemN2N (Sukhbaatar et al.)", x: tasks.map(String),
    y: tasks.map((t) => selected.find((s) => s.task === t)!.referenceTestError),
    marker: { symbol: "diamond-open", size: 11, color: "#000", line: { width: 2 } },
  });
  return {
    data,
    layout: {
      title: { text: "Test error per bAbI task (restart with the lowest training error)" },
      barmode: "group", xaxis: { title: { text: "task" } }, yaxis: { title: { text: "test error" }, tickformat: ".0%", range: [0, 1] },
      legend: { orientation: "h", x: 0, y: -0.2 }, height: 480, margin: { t: 60, b: 110 },
    },
  };
}

/**
 * Mean over tasks of the kept restarts' curves, per setting: training loss
 * (left) and validation error (right) by epoch. Two-stage epochs count the
 * linear-start epochs first (dotted line where the softmax comes back).
 */
export function curvesFigure(records: MemN2NRunRecord[], selected: Table2Selected[]): Figure {
  const data: Record<string, unknown>[] = [];
  const meanCurve = (rs: MemN2NRunRecord[], xs: (r: MemN2NRunRecord) => number[], ys: (r: MemN2NRunRecord) => (number | null)[]) => {
    const x = xs(rs[0]);
    const y = x.map((_, k) => {
      const v = rs.map((r) => ys(r)[k]).filter((z): z is number => z !== null && z !== undefined && Number.isFinite(z));
      return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
    });
    return { x, y };
  };
  let switchEpoch = 0;
  for (const setting of TABLE2_SETTINGS) {
    const rs = selected
      .filter((s) => s.setting === setting)
      .map((s) => records.find((r) => r.task === s.task && r.setting === setting && r.restart === s.restart))
      .filter((r): r is MemN2NRunRecord => r !== undefined);
    if (!rs.length) continue;
    if (rs[0].linearEpochs) switchEpoch = rs[0].linearEpochs;
    const loss = meanCurve(rs, (r) => r.curve.epoch, (r) => r.curve.loss);
    const val = meanCurve(rs, (r) => r.curve.evalEpoch, (r) => r.curve.validationError);
    const line = { color: TABLE2_COLORS[setting], width: 2, dash: setting.endsWith("noise") ? "solid" : "dash" };
    data.push({ type: "scatter", mode: "lines", name: setting, legendgroup: setting, x: loss.x, y: loss.y, line });
    data.push({ type: "scatter", mode: "lines", name: setting, legendgroup: setting, showlegend: false, x: val.x, y: val.y, xaxis: "x2", yaxis: "y2", line });
  }
  const shapes = switchEpoch
    ? ["x", "x2"].map((xref, i) => ({ type: "line", xref, yref: i ? "y2 domain" : "y domain", x0: switchEpoch + 0.5, x1: switchEpoch + 0.5, y0: 0, y1: 1, line: { dash: "dot", color: "#888" } }))
    : [];
  return {
    data,
    layout: {
      title: { text: `Mean over ${new Set(selected.map((s) => s.task)).size} tasks of the kept restarts: training loss and validation error` },
      xaxis: { domain: [0, 0.46], title: { text: "epoch" } },
      yaxis: { title: { text: "training loss per question" }, type: "log" },
      xaxis2: { domain: [0.54, 1], title: { text: "epoch" }, anchor: "y2" },
      yaxis2: { title: { text: "validation error" }, anchor: "x2", tickformat: ".0%" },
      shapes, legend: { orientation: "h", x: 0, y: -0.2 }, height: 440, margin: { t: 60, b: 100 },
    },
  };
}

/** Heatmap of each hop's attention over the story's sentences; supporting facts starred. */
export function attentionFigure(p: AttentionPicture, title?: string): Figure {
  const labels = p.sentences.map((s, i) => `${p.supporting.includes(i) ? "★ " : ""}${i + 1}. ${s}`);
  return {
    data: [{
      type: "heatmap", z: p.sentences.map((_, i) => p.attention.map((hop) => hop[i])), x: p.attention.map((_, h) => `hop ${h + 1}`), y: labels,
      colorscale: "Blues", reversescale: true, zmin: 0, zmax: 1, colorbar: { title: { text: "attention" } },
      text: p.sentences.map((_, i) => p.attention.map((hop) => hop[i].toFixed(2))), texttemplate: "%{text}", hoverinfo: "x+y+z",
    }],
    layout: {
      title: { text: title ?? `"${p.question}?" answer: ${p.answer}, predicted: ${p.predicted} (★ supporting fact)` },
      yaxis: { autorange: "reversed", automargin: true }, xaxis: { side: "top" },
      height: Math.max(300, 60 + 26 * p.sentences.length), margin: { t: 90, l: 20 },
    },
  };
}

/** The position-encoding weights l_kj for a J-word sentence and d dimensions. */
export function positionEncodingFigure(J: number, d: number): Figure {
  const z = Array.from({ length: d }, (_, k) => Array.from({ length: J }, (_, j) => positionWeight(j + 1, J, k + 1, d)));
  return {
    data: [{ type: "heatmap", z, x: Array.from({ length: J }, (_, j) => j + 1), y: Array.from({ length: d }, (_, k) => k + 1), colorscale: "RdBu", zmid: 0, colorbar: { title: { text: "l_kj" } } }],
    layout: { title: { text: `Position encoding l_kj for a ${J}-word sentence, d = ${d}` }, xaxis: { title: { text: "word j" } }, yaxis: { title: { text: "dimension k" } }, height: 380 },
  };
}

/**
 * Plain two-stage test error per task under the two position encodings (the
 * formula as printed, and the reference code's variant) beside the reference
 * implementation's published errors; a last row averages the tasks both have.
 */
export function positionEncodingRows(asPrinted: Table2Selected[], referenceVariant: Table2Selected[]): Record<string, Cell>[] {
  const two = (xs: Table2Selected[], t: number) => xs.find((x) => x.task === t && x.setting === "two-stage");
  const tasks = [...new Set(asPrinted.map((s) => s.task))].filter((t) => two(asPrinted, t) && two(referenceVariant, t)).sort((a, b) => a - b);
  const rows: Record<string, Cell>[] = tasks.map((t) => ({
    task: `${t} ${two(asPrinted, t)!.taskName}`,
    "PE as printed (J per sentence)": pct(two(asPrinted, t)!.testError),
    "PE of the reference code (one J per task)": pct(two(referenceVariant, t)!.testError),
    "reference implementation": pct(two(asPrinted, t)!.referenceTestError),
  }));
  const avg = (f: (t: number) => number) => pct(tasks.reduce((s, t) => s + f(t), 0) / Math.max(1, tasks.length));
  rows.push({
    task: `mean over ${tasks.length} tasks`,
    "PE as printed (J per sentence)": avg((t) => two(asPrinted, t)!.testError),
    "PE of the reference code (one J per task)": avg((t) => two(referenceVariant, t)!.testError),
    "reference implementation": avg((t) => two(asPrinted, t)!.referenceTestError),
  });
  return rows;
}
