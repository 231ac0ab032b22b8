/**
 * Table 5's rows and figures: counts under each error threshold beside the
 * paper's, the error-threshold curves (fraction of trials below each error,
 * noise vs none), error against test length, and a trained model's image
 * over the steps of one multiplication.
 */
import { Figure } from "../../report/plotly";
import { Cell } from "../../report/table";
import { formatP } from "../../stats";
import { TABLE5, NeuralGPUSummary } from "./summary";
import type { NeuralGPURunRecord } from "./run";

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const COLORS = { none: "#d62728", noise: "#1f77b4" };

export function table5Rows(s: NeuralGPUSummary): Record<string, Cell>[] {
  return s.rows.map((r) => {
    const c = r.comparison;
    return {
      "test error": `< ${100 * r.threshold}%`,
      "no noise (ours) [95% CI]": c ? `${c.b.k} of ${c.n}, ${pct(c.b.rate)} [${pct(c.b.interval[0])}, ${pct(c.b.interval[1])}]` : "-",
      "with noise (ours) [95% CI]": c ? `${c.a.k} of ${c.n}, ${pct(c.a.rate)} [${pct(c.a.interval[0])}, ${pct(c.a.interval[1])}]` : "-",
      "noise - none (ours) [95% CI]": c ? `${(100 * c.diff).toFixed(1)} [${(100 * c.interval[0]).toFixed(1)}, ${(100 * c.interval[1]).toFixed(1)}] points` : "-",
      "only noise / only none": c ? `${c.onlyA} / ${c.onlyB}` : "-",
      "p (exact McNemar)": c ? formatP(c.p, 4) : "-",
      "no noise (paper)": `${r.paperNone} of ${TABLE5.trials}, ${pct(r.paperNone / TABLE5.trials)}`,
      "with noise (paper)": `${r.paperNoise} of ${TABLE5.trials}, ${pct(r.paperNoise / TABLE5.trials)}`,
      "power at the paper's rates": c ? pct(r.powerAtPaperRates) : "-",
      "noise rate detectable (80% power)": c && Number.isFinite(r.detectable) ? pct(r.detectable) : "none",
    };
  });
}

/** Fraction of trials (each arm) with test error below x, x on a log axis; the paper's four points beside. */
export function thresholdFigure(s: NeuralGPUSummary): Figure {
  const curve = (errs: number[]) => {
    const xs = [...new Set(errs.map((e) => Math.max(e, 1e-4)))].sort((a, b) => a - b);
    return { x: xs, y: xs.map((x) => errs.filter((e) => Math.max(e, 1e-4) <= x).length / Math.max(1, errs.length)) };
  };
  const paper = (arm: "none" | "noise") => ({ x: TABLE5.thresholds.map((t) => t), y: TABLE5[arm].map((k) => k / TABLE5.trials) });
  return {
    data: [
      { ...curve(s.errors.none), type: "scatter", mode: "lines", line: { shape: "hv", color: COLORS.none }, name: `ours, no noise (${s.errors.none.length} trials)` },
      { ...curve(s.errors.noise), type: "scatter", mode: "lines", line: { shape: "hv", color: COLORS.noise }, name: `ours, with noise (${s.errors.noise.length} trials)` },
      { ...paper("none"), type: "scatter", mode: "markers", marker: { symbol: "circle-open", size: 10, color: COLORS.none }, name: "paper, no noise (Table 5)" },
      { ...paper("noise"), type: "scatter", mode: "markers", marker: { symbol: "circle-open", size: 10, color: COLORS.noise }, name: "paper, with noise (Table 5)" },
    ],
    layout: {
      xaxis: { title: { text: "test error (digits wrong, longest test length)" }, type: "log" },
      yaxis: { title: { text: "fraction of trials below that error" }, range: [0, 1] },
      legend: { orientation: "h", y: -0.25 },
    },
  };
}

/** Mean digit error at each test length, per arm (train length marked). */
export function lengthFigure(records: readonly NeuralGPURunRecord[]): Figure {
  const data: Record<string, unknown>[] = [];
  for (const arm of ["none", "noise"] as const) {
    const rs = records.filter((r) => r.arm === arm);
    if (!rs.length) continue;
    const bits = rs[0].testBits;
    const mean = bits.map((_, i) => rs.reduce((a, r) => a + r.digitErrors[i], 0) / rs.length);
    const best = bits.map((_, i) => Math.min(...rs.map((r) => r.digitErrors[i])));
    data.push({ x: bits, y: mean, type: "scatter", mode: "lines+markers", line: { color: COLORS[arm] }, name: `${arm === "none" ? "no noise" : "with noise"}: mean over trials` });
    data.push({ x: bits, y: best, type: "scatter", mode: "lines+markers", line: { color: COLORS[arm], dash: "dot" }, name: `${arm === "none" ? "no noise" : "with noise"}: best trial` });
  }
  return {
    data,
    layout: { xaxis: { title: { text: "test operand length (bits)" }, type: "log" }, yaxis: { title: { text: "digit error" }, rangemode: "tozero" } },
  };
}

/** One multiplication's image over the steps: per step, the first row's mean |activation| per column (a heatmap, steps down). */
export function stateFigure(activity: number[][], label: string): Figure {
  return {
    data: [{ z: activity, type: "heatmap", colorscale: "Viridis", colorbar: { title: { text: "mean |s|" } } }],
    layout: { title: { text: label }, xaxis: { title: { text: "position (input: a, x, b; LSB first)" } }, yaxis: { title: { text: "step" }, autorange: "reversed" } },
  };
}
