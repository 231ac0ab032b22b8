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

/** One multiplication's image over the steps: per step, the mean |activation| over rows and maps per column (a heatmap, steps down). */
export function stateFigure(activity: number[][], label: string): Figure {
  return {
    data: [{ z: activity, type: "heatmap", colorscale: "Viridis", colorbar: { title: { text: "mean |s|" } } }],
    layout: { title: { text: label }, xaxis: { title: { text: "position (input: a, x, b; LSB first)" } }, yaxis: { title: { text: "step" }, autorange: "reversed" } },
  };
}

/**
 * The mental image of one input (Kaiser & Sutskever's picture): `rows` rows of
 * cells, the input's symbols embedded in the first row, zeros elsewhere; a
 * 3x3 kernel around one cell; and what one step computes.
 */
export function mentalImageFigure(symbols: readonly string[], rows = 4): Figure {
  const L = symbols.length;
  const shapes: Record<string, unknown>[] = [];
  const text: Record<string, unknown>[] = [];
  for (let h = 0; h < rows; h++) {
    for (let k = 0; k < L; k++) {
      shapes.push({ type: "rect", x0: k, x1: k + 1, y0: -h - 1, y1: -h, line: { color: "#888", width: 1 }, fillcolor: h === 0 ? "#c6dbef" : "#f7f7f7" });
      text.push({ x: k + 0.5, y: -h - 0.5, text: h === 0 ? symbols[k] : "0", showarrow: false, font: { size: 13, color: h === 0 ? "#08306b" : "#aaa" } });
    }
  }
  const kc = Math.min(2, L - 1);
  shapes.push({ type: "rect", x0: kc - 1, x1: kc + 2, y0: -3, y1: 0, line: { color: "#d62728", width: 3 }, fillcolor: "rgba(0,0,0,0)" });
  text.push({ x: kc + 0.5, y: -rows - 0.6, text: "3x3 kernel (red): every cell reads its 8 neighbours and itself; zero outside", showarrow: false, font: { size: 12, color: "#d62728" } });
  text.push({
    x: L / 2, y: 0.75, showarrow: false, font: { size: 13 },
    text: "one step = l = 2 CGRUs:  s ← u ⊙ s + (1 − u) ⊙ tanh(U ∗ (r ⊙ s) + B),  u = σ'(U' ∗ s + B'),  r = σ'(U'' ∗ s + B''),  σ'(x) = clip(1.2 σ(x) − 0.1, 0, 1)",
  });
  text.push({ x: L / 2, y: -rows - 1.3, text: `after n = ${L} steps the first row's cells give the output symbols (softmax of O s)`, showarrow: false, font: { size: 12 } });
  return {
    data: [{ x: [0, L], y: [-rows - 1.6, 1], mode: "markers", marker: { opacity: 0 }, type: "scatter", hoverinfo: "skip", showlegend: false }],
    layout: {
      shapes, annotations: text,
      xaxis: { visible: false, range: [-0.5, L + 0.5] }, yaxis: { visible: false, range: [-rows - 1.8, 1.2], scaleanchor: "x" },
      margin: { l: 10, r: 10, t: 10, b: 10 },
    },
  };
}

/** The task's examples as rows: input and target symbols (LSB first), and the product they spell checked against BigInt. */
export function exampleRows(examples: readonly { a: bigint; b: bigint; input: number[]; target: number[] }[], decode: (s: readonly number[]) => bigint): Record<string, Cell>[] {
  const sym = (s: number) => ["_", "0", "1", "x"][s];
  return examples.map((e) => ({
    "a x b": `${e.a} x ${e.b}`,
    "input (LSB first)": e.input.map(sym).join(" "),
    "target (LSB first)": e.target.map(sym).join(" "),
    "target read back": decode(e.target).toString(),
    "= a b (BigInt)": (e.a * e.b).toString(),
  }));
}
