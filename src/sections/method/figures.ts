/**
 * Section 3's figures: Eq. 1's schedule, and the zero-init demo's curves.
 * The notebook shows them inline; `npm run figures -- method` renders the
 * same specs to PNG.
 */
import { annealed, PAPER_GAMMA } from "../../noise/schedule";
import { svgArrow, svgBox, svgDrawing, svgText } from "../../report/diagram";
import { Figure } from "../../report/plotly";
import { Cell } from "../../report/table";
import { runDiverged } from "../../train/divergence";
import type { PlateauConfig, PlateauRecord } from "./run";

/** What the demo's figures need: its config, plateau rate and runs. */
export interface PlateauResult {
  config: PlateauConfig;
  majorityRate: number;
  runs: PlateauRecord[];
}
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
    diverged: runDiverged(run, run.history.loss, r.config.data.classes) ? "yes" : "no",
    seconds: run.seconds.toFixed(1),
  }));
}


/** One training step with gradient noise, as a drawing: gradient, clip, add noise (Eq. 1), optimiser, next step. */
export function stepDiagramSvg(): string {
  const y = 40, h = 78;
  return svgDrawing(860, 190, [
    svgBox(10, y, 150, h, "gradient\ng_t = ∇θ L(θ_t)\non a minibatch", "#f5f5f5"),
    svgBox(200, y, 170, h, "1. clip\ng ← g · min(1, c / ‖g‖)\n(global norm c)", "#dbe9f6"),
    svgBox(410, y, 200, h, "2. add noise\ng ← g + N(0, σ_t² I)\nσ_t² = η / (1 + t)^γ", "#fde0c5"),
    svgBox(650, y, 200, h, "3. optimiser\nSGD, Adam, AdaGrad ...\nθ_t+1 = θ_t − update(g)", "#e2f0d9"),
    svgArrow(160, y + h / 2, 198, y + h / 2), svgArrow(370, y + h / 2, 408, y + h / 2), svgArrow(610, y + h / 2, 648, y + h / 2),
    `<path d="M750,${y + h} C750,175 85,175 85,${y + h + 2}" fill="none" stroke="#999" stroke-dasharray="4 3" marker-end="url(#arrow)"/>`,
    svgText(430, 176, "t ← t + 1: fresh noise every step, its variance shrinking as (1 + t)^−γ", 12, "#555", "middle"),
    svgText(430, 24, "one update of gradnoise's withGradientNoise (withTransforms: clipByGlobalNorm, then addGradientNoise)", 12, "#555", "middle"),
  ]);
}
