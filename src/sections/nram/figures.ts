/**
 * Section 4.4's pictures: training curves of successful and failed runs with
 * and without noise (the instability the NRAM paper describes: error jumping
 * from a few percent to 70% in an epoch), one timestep of the machine as a
 * diagram, a list drawn in memory, and the execution trace of a run.
 */
import type { Figure } from "../../report/plotly";
import { HEAD_CELL, K_CELL, ListKExample, MODULE_NAMES, OUT_CELL, traceRows } from "../../families/nram";
import type { NramRunRecord } from "./run";

const ARM_COLOR: Record<string, string> = { plain: "#1f77b4", noise: "#d62728", fixed: "#9467bd", batch10: "#8c564b", batch25: "#e377c2", weight: "#7f7f7f" };

/**
 * Batch error by step for the Table 4 arms: every successful run, and up to
 * `failed` failed ones per arm (the first seeds), one panel per arm.
 */
export function curvesFigure(records: NramRunRecord[], failed = 4): Figure {
  const data: Record<string, unknown>[] = [];
  const arms = ["plain", "noise"];
  arms.forEach((arm, i) => {
    const rs = records.filter((r) => r.arm === arm);
    const chosen = [...rs.filter((r) => r.success), ...rs.filter((r) => !r.success).slice(0, failed)];
    for (const r of chosen) {
      data.push({
        type: "scatter", mode: "lines", xaxis: i ? "x2" : "x", yaxis: i ? "y2" : "y",
        name: `${arm} s${r.setting + 1} seed ${r.seed}${r.success ? " (error 0)" : ""}`,
        x: r.curve.step, y: r.curve.batchError,
        line: { color: ARM_COLOR[arm], width: r.success ? 2.5 : 1, dash: r.success ? "solid" : "dot" }, opacity: r.success ? 1 : 0.6,
      });
    }
  });
  return {
    data,
    layout: {
      title: { text: "Training-batch error by update: runs that reached error 0 (solid) and failed runs (dotted)" },
      xaxis: { domain: [0, 0.46], title: { text: "update (no noise)" } },
      yaxis: { title: { text: "batch error" }, tickformat: ".0%", range: [0, 1] },
      xaxis2: { domain: [0.54, 1], title: { text: "update (annealed noise)" }, anchor: "y2" },
      yaxis2: { anchor: "x2", tickformat: ".0%", range: [0, 1] },
      showlegend: false, height: 420, margin: { t: 60 },
    },
  };
}

/** The record whose trace the notebook shows: a successful noisy run if any, else the lowest test error. */
export function traceRecord(records: NramRunRecord[]): NramRunRecord | undefined {
  const withTrace = records.filter((r) => r.trace?.length);
  const ok = withTrace.filter((r) => r.success);
  const pool = ok.length ? ok : withTrace;
  return [...pool].sort((a, b) => a.testError - b.testError || a.seed - b.seed)[0];
}

export function traceTable(r: NramRunRecord): Record<string, string | number>[] {
  return traceRows(r.trace, OUT_CELL);
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");

/**
 * One timestep as an SVG: registers on the left, the 14 modules in order,
 * each fed by a soft choice over registers and earlier outputs, READ and
 * WRITE touching the memory, the registers' new values chosen from all.
 */
export function timestepSvg(registers = 4): string {
  const W = 900, modW = 54, gap = 6, top = 90, H = 330;
  const regX = 20;
  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="10">`];
  parts.push(`<rect x="10" y="10" width="${W - 20}" height="40" fill="#eef" stroke="#88a"/><text x="${W / 2}" y="34" text-anchor="middle" font-size="12">LSTM controller: sees P(r_j = 0) per register; emits every soft selection below and the stop probability f_t</text>`);
  for (let j = 0; j < registers; j++) {
    const y = top + 20 + j * 45;
    parts.push(`<rect x="${regX}" y="${y}" width="40" height="30" fill="#ffd" stroke="#aa8"/><text x="${regX + 20}" y="${y + 19}" text-anchor="middle">r${j + 1}</text>`);
    parts.push(`<line x1="${regX + 40}" y1="${y + 15}" x2="${regX + 40 + 30}" y2="${y + 15}" stroke="#aa8"/>`);
  }
  MODULE_NAMES.forEach((name, i) => {
    const x = 90 + i * (modW + gap);
    const mem = name === "READ" || name === "WRITE";
    parts.push(`<rect x="${x}" y="${top + 60}" width="${modW}" height="60" fill="${mem ? "#fdd" : "#dfd"}" stroke="#888"/>`);
    parts.push(`<text x="${x + modW / 2}" y="${top + 94}" text-anchor="middle" font-size="8">${esc(name.replace("LESS-OR-EQUAL-THAN", "LEQ").replace("LESS-THAN", "LT").replace("EQUALITY-TEST", "EQ"))}</text>`);
    parts.push(`<text x="${x + modW / 2}" y="${top + 55}" text-anchor="middle" fill="#666" font-size="8">softmax</text>`);
    parts.push(`<line x1="${x + modW / 2}" y1="${top + 20}" x2="${x + modW / 2}" y2="${top + 45}" stroke="#aaa" stroke-dasharray="2,2"/>`);
    if (mem) parts.push(`<line x1="${x + modW / 2}" y1="${top + 120}" x2="${x + modW / 2}" y2="${H - 40}" stroke="#c66" stroke-dasharray="4,3"/>`);
  });
  parts.push(`<rect x="90" y="${H - 40}" width="${14 * (modW + gap) - gap}" height="26" fill="#fee" stroke="#c66"/><text x="${90 + (14 * (modW + gap)) / 2}" y="${H - 22}" text-anchor="middle" font-size="11">memory tape: M cells, each a distribution over 0..M-1 (READ: p^T Mem; WRITE: (J - p) J^T . Mem + p a^T)</text>`);
  parts.push(`<text x="90" y="${top + 10}" fill="#555">each module's arguments: soft choice over r_1..r_R and the outputs of the modules to its left (Eq. 1); the registers' new values: soft choice over all (Eq. 3)</text>`);
  parts.push("</svg>");
  return parts.join("");
}

/** A ListK example drawn as a row of cells, the list's pointers as arcs, head/k/out labelled. */
export function listSvg(ex: ListKExample): string {
  const M = ex.memory.length, cw = 34, x0 = 20, y = 70;
  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${x0 * 2 + M * cw}" height="150" font-family="sans-serif" font-size="11">`];
  const role = (i: number) => (i === HEAD_CELL ? "head" : i === K_CELL ? "k" : i === OUT_CELL ? "out" : ex.nodes.includes(i) ? "next" : ex.nodes.includes(i - 1) ? "value" : "");
  for (let i = 0; i < M; i++) {
    const r = role(i);
    const fill = i < 3 ? "#ffd" : r === "next" ? "#def" : r === "value" ? "#dfd" : "#f4f4f4";
    parts.push(`<rect x="${x0 + i * cw}" y="${y}" width="${cw - 2}" height="28" fill="${fill}" stroke="#888"/>`);
    parts.push(`<text x="${x0 + i * cw + cw / 2 - 1}" y="${y + 18}" text-anchor="middle">${ex.memory[i]}</text>`);
    parts.push(`<text x="${x0 + i * cw + cw / 2 - 1}" y="${y + 44}" text-anchor="middle" fill="#888" font-size="9">${i}</text>`);
    if (r) parts.push(`<text x="${x0 + i * cw + cw / 2 - 1}" y="${y + 58}" text-anchor="middle" fill="#555" font-size="9">${r}</text>`);
  }
  // Arcs: head -> first node, each next -> the following node.
  const arc = (from: number, to: number, color: string) => {
    const a = x0 + from * cw + cw / 2, b = x0 + to * cw + cw / 2, h = 14 + Math.abs(to - from) * 3;
    parts.push(`<path d="M ${a} ${y} C ${a} ${y - h}, ${b} ${y - h}, ${b} ${y}" fill="none" stroke="${color}" marker-end="url(#arr)"/>`);
  };
  parts.push(`<defs><marker id="arr" markerWidth="6" markerHeight="6" refX="3" refY="3" orient="auto"><path d="M0,0 L6,3 L0,6 z" fill="#36c"/></marker></defs>`);
  arc(HEAD_CELL, ex.nodes[0], "#36c");
  for (let i = 0; i + 1 < ex.nodes.length; i++) arc(ex.nodes[i], ex.nodes[i + 1], "#36c");
  parts.push(`<text x="${x0}" y="16">k = ${ex.k}: the answer is node ${ex.k}'s value, ${ex.target}, to be written into cell ${OUT_CELL} (out)</text>`);
  parts.push("</svg>");
  return parts.join("");
}

/** An SVG as a markdown image (a data URI), for notebooks and reports. */
export function svgMarkdown(svg: string, alt = "figure"): string {
  return `![${alt}](data:image/svg+xml;base64,${Buffer.from(svg, "utf8").toString("base64")})`;
}
