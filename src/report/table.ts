/**
 * HTML tables from rows or from a danfo DataFrame (anything with `columns`
 * and `values`), for notebooks and reports.
 */
import { escapeMarkup } from "./escape";
export type Cell = string | number | boolean | null | undefined;
export interface TableLike {
  columns: string[];
  values: Cell[][];
}

export interface TableOptions {
  caption?: string;
  /** Significant decimals for non-integer numbers (default 4). */
  digits?: number;
}


export function formatCell(v: Cell, digits = 4): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") {
    if (Number.isInteger(v)) return String(v);
    if (!Number.isFinite(v)) return String(v);
    const a = Math.abs(v);
    return a !== 0 && (a < 1e-3 || a >= 1e6) ? v.toExponential(digits - 1) : v.toFixed(digits);
  }
  return String(v);
}

/** Rows (objects with the same keys) to {columns, values}. */
export function fromRows(rows: Record<string, Cell>[]): TableLike {
  const columns = rows.length ? Object.keys(rows[0]) : [];
  return { columns, values: rows.map((r) => columns.map((c) => r[c])) };
}

/** "right" for a column whose filled cells are all numbers (or numeric strings such as "12.5%" or "0.91 ± 0.02"), else "left". */
export function columnAlignments(t: TableLike): ("left" | "right")[] {
  const numeric = (v: Cell) => typeof v === "number" || (typeof v === "string" && /^[-+−]?(\d[\d,]*\.?\d*|\.\d+)(e[-+]?\d+)?\s*%?(\s*(±|\+-)\s*[\d.]+%?)?$/i.test(v.trim()));
  return t.columns.map((_, j) => {
    const filled = t.values.map((r) => r[j]).filter((v) => v !== null && v !== undefined && v !== "");
    return filled.length > 0 && filled.every(numeric) ? "right" : "left";
  });
}

export function tableHtml(t: TableLike | Record<string, Cell>[], opts: TableOptions = {}): string {
  const table = Array.isArray(t) ? fromRows(t) : t;
  const digits = opts.digits ?? 4;
  // One alignment per column, header included: right for numeric columns, left for the rest.
  const align = columnAlignments(table);
  const head = table.columns.map((c, j) => `<th style="text-align:${align[j]}">${escapeMarkup(String(c))}</th>`).join("");
  const body = table.values
    .map((row) => `<tr>${row.map((v, j) => `<td style="text-align:${align[j]}">${escapeMarkup(formatCell(v, digits))}</td>`).join("")}</tr>`)
    .join("\n");
  const caption = opts.caption ? `<caption style="caption-side:bottom;text-align:left">${escapeMarkup(opts.caption)}</caption>` : "";
  return `<table class="gn-table">${caption}<thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** Plain-text table for logs and CLI output. */
export function tableText(t: TableLike | Record<string, Cell>[], digits = 4): string {
  const table = Array.isArray(t) ? fromRows(t) : t;
  const cells = [table.columns.map(String), ...table.values.map((r) => r.map((v) => formatCell(v, digits)))];
  const widths = table.columns.map((_, j) => Math.max(...cells.map((r) => r[j].length)));
  return cells.map((r) => r.map((c, j) => c.padEnd(widths[j])).join("  ")).join("\n");
}

/** A GitHub-flavoured markdown table (README, docs/results/*.md). */
export function tableMarkdown(t: TableLike | Record<string, Cell>[], digits = 4): string {
  const table = Array.isArray(t) ? fromRows(t) : t;
  const row = (cells: string[]) => `| ${cells.map((c) => c.replace(/\|/g, "\\|")).join(" | ")} |`;
  return [row(table.columns.map(String)), row(table.columns.map(() => "---")), ...table.values.map((r) => row(r.map((v) => formatCell(v, digits))))].join("\n");
}
