/**
 * Checking a record's measured fields against the section's declared
 * measures (contract.ts, MeasureSpec): the sweep sets aside a record whose
 * measure is missing, of the wrong type or out of range, so a damaged or
 * hand-edited value ("abc", -1, 1e999, ["x"], "no") never reaches a table.
 */
import type { MeasureSpec, Measures } from "./contract";

const show = (v: unknown): string => {
  const text = v === undefined ? "missing" : typeof v === "number" && !Number.isFinite(v) ? String(v) : JSON.stringify(v);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
};

/** A number as written in the line `raw` (JSON reads 1e999 as Infinity, which JSON.stringify shows as null). */
function asWritten(v: unknown, field: string, raw: string | undefined): string {
  if (typeof v !== "number" || Number.isFinite(v) || raw === undefined) return show(v);
  const m = new RegExp(`${JSON.stringify(field).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\s*:\\s*(-?[0-9.eE+-]+)`).exec(raw);
  return m ? `${m[1]} (read as ${v})` : show(v);
}

const range = (m: { min?: number; max?: number }): string =>
  m.min !== undefined && m.max !== undefined ? ` in [${m.min}, ${m.max}]` : m.min !== undefined ? ` >= ${m.min}` : m.max !== undefined ? ` <= ${m.max}` : "";

function numberProblem(v: unknown, m: { min?: number; max?: number; integer?: boolean }): string | undefined {
  if (typeof v !== "number" || !Number.isFinite(v)) return "not a finite number";
  if (m.integer && !Number.isInteger(v)) return "not an integer";
  if ((m.min !== undefined && v < m.min) || (m.max !== undefined && v > m.max)) return `out of range (must be${range(m)})`;
  return undefined;
}

/** Why `field` of `record` breaks `spec`, or undefined when it is right. */
export function measureProblem(record: Record<string, unknown>, field: string, spec: MeasureSpec, raw?: string): string | undefined {
  const v = record[field];
  if (v === undefined) return `incomplete record: no "${field}"`;
  switch (spec.type) {
    case "boolean":
      return typeof v === "boolean" ? undefined : `${field} is ${show(v)}, not a boolean (true or false)`;
    case "number": {
      if (v === null && spec.nullWhenDiverged) return record.diverged === true ? undefined : `${field} is null, allowed only when the run diverged ("diverged": true)`;
      const p = numberProblem(v, spec);
      return p && `${field} is ${asWritten(v, field, raw)}, ${p}${p.startsWith("out of range") ? "" : `${spec.nullWhenDiverged ? " (or null when the run diverged)" : ""}${range(spec) ? `${range(spec)}` : ""}`}`;
    }
    case "number[]": {
      if (!Array.isArray(v)) return `${field} is ${show(v)}, not an array of numbers`;
      for (let i = 0; i < v.length; i++) {
        if (v[i] === null && spec.nullItems) continue;
        const p = numberProblem(v[i], spec);
        if (p) return `${field}[${i}] is ${show(v[i])}, ${p}`;
      }
      return undefined;
    }
  }
}

/** The first of `measures` that `record` breaks, as a reason, or undefined; `raw`, the line as written, shows numbers as written there. */
export function measuresProblem(record: Record<string, unknown>, measures: Measures, raw?: string): string | undefined {
  for (const [field, spec] of Object.entries(measures)) {
    const p = measureProblem(record, field, spec, raw);
    if (p) return p;
  }
  return undefined;
}
