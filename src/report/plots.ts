/**
 * The figures of the method section, built from library objects. The notebook
 * shows them inline; `npm run figures` renders the same specs to PNG.
 */
import { RunRecord, Table1Comparison, Table1RowSummary, TABLE1 } from "../experiments/deep-mlp";
import { PlateauResult } from "../experiments/plateau";
import { annealed, PAPER_GAMMA } from "../noise/schedule";
import { Figure } from "./plotly";
import { Cell } from "./table";

const COLORS: Record<string, string> = { "no noise": "#d62728", "with noise": "#1f77b4" };
const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b"];

/** Log-spaced integer steps from 0 to `last` inclusive, for smooth curves on a log axis. */
export function logSteps(last: number, points = 200): number[] {
  const out = new Set<number>([0]);
  for (let i = 0; i < points; i++) out.add(Math.round(Math.pow(last + 1, i / (points - 1)) - 1));
  out.add(last);
  return [...out].sort((a, b) => a - b);
}

/** sigma_t (standard deviation, Eq. 1) against t for each eta. */
export function scheduleFigure(etas: number[], lastStep = 10000, gamma = PAPER_GAMMA): Figure {
  const steps = logSteps(lastStep);
  return {
    data: etas.map((eta, i) => {
      const s = annealed({ eta, gamma });
      return {
        type: "scatter",
        mode: "lines",
        name: `eta = ${eta}`,
        x: steps.map((t) => t + 1),
        y: steps.map((t) => Math.sqrt(s.variance(t))),
        line: { color: PALETTE[i % PALETTE.length], width: 2.5 },
      };
    }),
    layout: {
      title: { text: `Noise standard deviation sigma_t = sqrt(eta / (1 + t)^${gamma})  (Eq. 1)` },
      xaxis: { title: { text: "update 1 + t (log scale)" }, type: "log" },
      yaxis: { title: { text: "sigma_t" }, type: "log" },
      legend: { x: 0.99, xanchor: "right", y: 0.99 },
    },
  };
}

/** Variance and standard deviation at chosen steps, one row per step. */
export function scheduleRows(etas: number[], steps: number[], gamma = PAPER_GAMMA): Record<string, Cell>[] {
  const schedules = etas.map((eta) => annealed({ eta, gamma }));
  return steps.map((t) => {
    const row: Record<string, Cell> = { t };
    etas.forEach((eta, i) => {
      const v = schedules[i].variance(t);
      row[`variance (eta=${eta})`] = v;
      row[`sigma (eta=${eta})`] = Math.sqrt(v);
    });
    return row;
  });
}

/** Training loss (left) and test accuracy (right) of every run, coloured by setting. */
export function plateauFigures(r: PlateauResult): { loss: Figure; accuracy: Figure } {
  const seen = new Set<string>();
  const legend = (setting: string) => {
    const first = !seen.has(setting);
    seen.add(setting);
    return first;
  };
  const loss: Figure = {
    data: r.runs.map((run) => ({
      type: "scatter",
      mode: "lines",
      name: run.setting,
      legendgroup: run.setting,
      showlegend: legend(run.setting),
      x: run.history.step,
      y: run.history.loss,
      line: { color: COLORS[run.setting], width: 1.5 },
      opacity: 0.8,
      hovertext: `seed ${run.seed}`,
    })),
    layout: {
      title: { text: `Zero-initialised ${r.config.depth}x${r.config.width} ReLU net, SGD lr ${r.config.learningRate}, clip ${r.config.clipGlobalNorm}: training loss` },
      xaxis: { title: { text: "step" } },
      yaxis: { title: { text: "cross-entropy (minibatch)" } },
    },
  };
  seen.clear();
  const accuracy: Figure = {
    data: [
      ...r.runs.map((run) => ({
        type: "scatter",
        mode: "lines+markers",
        name: run.setting,
        legendgroup: run.setting,
        showlegend: legend(run.setting),
        x: [0, ...run.history.evalStep],
        y: [r.majorityRate, ...run.history.evalAccuracy],
        line: { color: COLORS[run.setting], width: 1.5 },
        hovertext: `seed ${run.seed}`,
      })),
      {
        type: "scatter",
        mode: "lines",
        name: "training majority class (plateau)",
        x: [0, r.config.steps],
        y: [r.majorityRate, r.majorityRate],
        line: { color: "#7f7f7f", dash: "dash" },
      },
    ],
    layout: {
      title: { text: `Zero-initialised ${r.config.depth}x${r.config.width} ReLU net: test accuracy, ${r.runs.length / 2} seeds per setting (eta ${r.config.eta}, gamma ${r.config.gamma})` },
      xaxis: { title: { text: "step" } },
      yaxis: { title: { text: "test accuracy" }, range: [0, 1] },
    },
  };
  return { loss, accuracy };
}

/** One row per run: setting, seed, final test accuracy, final training loss. */
export function plateauRows(r: PlateauResult): Record<string, Cell>[] {
  return r.runs.map((run) => ({
    setting: run.setting,
    seed: run.seed,
    "test accuracy": run.testAccuracy,
    "final train loss": run.history.loss[run.history.loss.length - 1],
    seconds: (run.history.elapsedMs / 1000).toFixed(1),
  }));
}

// ---- Section 4.1, Table 1 ----

const SETTING_COLORS: Record<string, string> = { "No Noise": "#d62728", "With Noise": "#1f77b4", "No Noise + Dropout": "#7f7f7f" };
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** The short row label used on axes: "exp1 No Noise". */
function rowLabel(r: { experiment: string; setting: string }): string {
  return `${r.experiment} ${r.setting}`;
}

/**
 * Final test accuracy of every run (one point each, jittered within its row;
 * circles lr 0.1, diamonds lr 0.01) with the paper's best (open star) and
 * average (open square) for the row.
 */
export function table1AccuracyFigure(records: RunRecord[]): Figure {
  const labels: string[] = [];
  for (const e of TABLE1) for (const row of e.rows) if (records.some((r) => r.experiment === e.id && r.setting === row.setting)) labels.push(rowLabel({ experiment: e.id, setting: row.setting }));
  const jitter = (key: string) => {
    let h = 0;
    for (const c of key) h = (h * 31 + c.charCodeAt(0)) >>> 0;
    return ((h % 1000) / 1000 - 0.5) * 0.5;
  };
  const data: Record<string, unknown>[] = [];
  for (const setting of Object.keys(SETTING_COLORS)) {
    const rs = records.filter((r) => r.setting === setting);
    if (!rs.length) continue;
    data.push({
      type: "scatter", mode: "markers", name: `${setting} (one point per run)`,
      x: rs.map((r) => labels.indexOf(rowLabel(r)) + jitter(r.key)),
      y: rs.map((r) => r.testAccuracy),
      text: rs.map((r) => `${r.key}: ${pct(r.testAccuracy)}${r.diverged ? " (diverged)" : ""}`),
      hoverinfo: "text",
      marker: { color: SETTING_COLORS[setting], size: 8, opacity: 0.75, symbol: rs.map((r) => (r.lr >= 0.1 ? "circle" : "diamond")) },
    });
  }
  const paperRows = TABLE1.flatMap((e) => e.rows.map((row) => ({ label: rowLabel({ experiment: e.id, setting: row.setting }), ...row.paper }))).filter((p) => labels.includes(p.label));
  data.push({ type: "scatter", mode: "markers", name: "paper: best of 40", x: paperRows.map((p) => labels.indexOf(p.label)), y: paperRows.map((p) => p.best), marker: { symbol: "star-open", size: 13, color: "#000" } });
  data.push({ type: "scatter", mode: "markers", name: "paper: average of 40", x: paperRows.map((p) => labels.indexOf(p.label)), y: paperRows.map((p) => p.avg), marker: { symbol: "square-open", size: 11, color: "#000" } });
  return {
    data,
    layout: {
      title: { text: "Table 1: final MNIST test accuracy per run (circles lr 0.1, diamonds lr 0.01) beside the paper" },
      xaxis: { tickvals: labels.map((_, i) => i), ticktext: labels, tickangle: -35, zeroline: false, range: [-0.6, labels.length - 0.4] },
      yaxis: { title: { text: "test accuracy" }, range: [0, 1.04] },
      margin: { t: 60, b: 210 },
      height: 620,
      legend: { orientation: "h", x: 0, y: -0.42 },
    },
  };
}

/** Median training-loss curve per setting at `lr`, one panel per experiment (2 x 3 grid). */
export function table1LossFigure(records: RunRecord[], lr = 0.1): Figure {
  const data: Record<string, unknown>[] = [];
  const layout: Record<string, unknown> = {
    title: { text: `Table 1: median training loss over runs at lr ${lr}, with and without noise` },
    height: 660, showlegend: true, legend: { orientation: "h", x: 0, y: -0.12 }, margin: { t: 60, b: 90 },
  };
  const shown = new Set<string>();
  TABLE1.forEach((e, i) => {
    const ax = i === 0 ? "" : String(i + 1);
    const col = i % 3;
    const row = Math.floor(i / 3);
    layout[`xaxis${ax}`] = { domain: [col / 3 + 0.03, (col + 1) / 3 - 0.03], anchor: `y${ax}`, title: { text: "step" } };
    layout[`yaxis${ax}`] = { domain: [row === 0 ? 0.58 : 0, row === 0 ? 0.92 : 0.36], anchor: `x${ax}`, range: [0, 2.5], title: { text: i % 3 === 0 ? "loss" : "" } };
    (layout.annotations = (layout.annotations as unknown[]) ?? []).push({
      text: e.title, showarrow: false, xref: "paper", yref: "paper", x: (col + 0.5) / 3, y: row === 0 ? 0.95 : 0.39, xanchor: "center", font: { size: 11 },
    });
    for (const row of e.rows) {
      const rs = records.filter((r) => r.experiment === e.id && r.setting === row.setting && r.lr === lr);
      if (!rs.length) continue;
      const steps = rs[0].curve.step;
      const med = steps.map((_, k) => {
        const v = rs.map((r) => r.curve.loss[k]).filter((x): x is number => x !== null && Number.isFinite(x)).sort((a, b) => a - b);
        return v.length ? v[Math.floor((v.length - 1) / 2)] : null;
      });
      data.push({
        type: "scatter", mode: "lines", x: steps, y: med, xaxis: `x${ax}`, yaxis: `y${ax}`,
        name: row.setting, legendgroup: row.setting, showlegend: !shown.has(row.setting),
        line: { color: SETTING_COLORS[row.setting], width: 1.5 },
      });
      shown.add(row.setting);
    }
  });
  return { data, layout };
}

/** Table 1 rows formatted for display: ours beside the paper's. */
export function table1Rows(rows: Table1RowSummary[]): Record<string, Cell>[] {
  return rows.map((r) => ({
    experiment: r.title,
    setting: r.setting,
    runs: r.runs,
    "best (ours)": pct(r.best),
    "best (paper)": pct(r.paperBest),
    "avg (ours) [95% CI]": `${pct(r.avg)} [${pct(r.avgLow)}, ${pct(r.avgHigh)}]`,
    "avg (paper)": pct(r.paperAvg),
    diverged: r.diverged,
  }));
}

/** With-noise vs no-noise comparisons formatted for display. */
export function table1ComparisonRows(cs: Table1Comparison[]): Record<string, Cell>[] {
  return cs.map((c) => ({
    experiment: c.title,
    "runs per setting": c.runs,
    "avg difference, ours (points)": (100 * c.difference).toFixed(1),
    "avg difference, paper (points)": (100 * c.paperDifference).toFixed(1),
    "p, permutation": c.pPermutation.toFixed(4),
    "p, Mann-Whitney": c.pMannWhitney.toFixed(4),
  }));
}
