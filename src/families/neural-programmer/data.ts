/**
 * The synthetic table-question task of Neural Programmer (Neelakantan, Le,
 * Sutskever 2016), as GN Section 4.3 trains it: a table of M rows x C
 * columns named A, B, ...; a question built from a template over the
 * operations; its answer, a scalar or a lookup (a selection of cells).
 * No code of this task is public (protocols/neural-programmer.md): every
 * choice the papers leave open is a field of TaskConfig.
 *
 * Each example is drawn from its own stream (seed, split, index), so the
 * k-th training question is the same whichever run asks for it.
 */
import { SeedPart, uniformStream } from "../../random/rng";

/** The task variants of GN 4.3: one number column; 1..5 number columns; one number + one text column. */
export type TaskKind = "single" | "five" | "text";
export const TASK_KINDS: readonly TaskKind[] = ["single", "five", "text"];

/** The text column's 10-word dictionary (protocol: "a 10-word dictionary"; the words are ours). */
export const TEXT_WORDS: readonly string[] = ["apple", "river", "stone", "cloud", "tiger", "lemon", "piano", "candle", "forest", "rocket"];
export const COLUMN_NAMES: readonly string[] = ["A", "B", "C", "D", "E"];

export interface Split {
  /** Rows per table, inclusive range (training: [30, 100]; test: 120 [protocol, secondary]). */
  rows: [number, number];
  /** Cell values and pivots are drawn from [-range, range] (training 100, test 200). */
  range: number;
}

export interface TaskConfig {
  kind: TaskKind;
  /** Largest number of columns ("five": tables have 1..maxColumns number columns). */
  maxColumns: number;
  train: Split;
  test: Split;
  /** "short" ("greater 50.32 B sum A"), "verbose" (000 Table 3's sentences) or "mixed" (each question one or the other, even odds). */
  form: "short" | "verbose" | "mixed";
}

export function defaultTask(kind: TaskKind): TaskConfig {
  return {
    kind,
    maxColumns: kind === "single" ? 1 : kind === "text" ? 2 : 5,
    train: { rows: [30, 100], range: 100 },
    test: { rows: [120, 120], range: 200 },
    form: "short",
  };
}

export type Column = { name: string; kind: "number"; values: number[] } | { name: string; kind: "text"; values: string[] };
export interface Table {
  rows: number;
  columns: Column[];
}

/** The operations of the model (GN 4.3; the Neural Programmer paper's set). */
export const OPERATIONS = ["sum", "count", "difference", "greater", "lesser", "and", "or", "print", "reset", "match"] as const;
export type Operation = (typeof OPERATIONS)[number];

/** One step of a program: an operation and, where it reads one, its column. */
export interface ProgramStep {
  op: Operation;
  column?: string;
}

export type Answer = { type: "scalar"; value: number } | { type: "lookup"; cells: boolean[][] };

export interface Example {
  table: Table;
  /** The question in the form the config asks for, numbers in place. */
  question: string;
  short: string;
  verbose: string;
  /** The program that answers it, one step per model timestep at most (T = 4). */
  program: ProgramStep[];
  answer: Answer;
}

export class TaskConfigError extends RangeError {
  constructor(message: string) {
    super(`neural-programmer task: ${message}`);
    this.name = "TaskConfigError";
  }
}

export function validateTask(c: TaskConfig): void {
  if (!TASK_KINDS.includes(c.kind)) throw new TaskConfigError(`kind must be one of ${TASK_KINDS.join(", ")}, got "${c.kind}"`);
  const cols = c.kind === "single" ? [1, 1] : c.kind === "text" ? [2, 2] : [1, COLUMN_NAMES.length];
  if (!Number.isInteger(c.maxColumns) || c.maxColumns < cols[0] || c.maxColumns > cols[1]) {
    throw new TaskConfigError(`maxColumns for "${c.kind}" must be an integer in [${cols[0]}, ${cols[1]}], got ${c.maxColumns}`);
  }
  for (const [name, s] of [["train", c.train], ["test", c.test]] as const) {
    const [lo, hi] = s.rows;
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 2 || hi < lo) throw new TaskConfigError(`${name}.rows must be integers 2 <= lo <= hi, got [${lo}, ${hi}]`);
    if (!(Number.isFinite(s.range) && s.range >= 1)) throw new TaskConfigError(`${name}.range must be a finite number >= 1, got ${s.range}`);
  }
  if (!["short", "verbose", "mixed"].includes(c.form)) throw new TaskConfigError(`form must be short, verbose or mixed, got "${c.form}"`);
}

type Rand = () => number;
const int = (r: Rand, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
/** A two-decimal pivot in (-range, range) whose hundredths are never .00, so it never equals an integer cell. */
function pivot(r: Rand, range: number): number {
  const cents = int(r, -range * 100 + 1, range * 100 - 1);
  return (cents % 100 === 0 ? cents + 1 : cents) / 100;
}
const fmt = (x: number) => x.toFixed(2);

function makeTable(r: Rand, c: TaskConfig, s: Split): Table {
  const rows = int(r, s.rows[0], s.rows[1]);
  // Integer cells: sums stay exact in float32 well past any table here (120 x 200 < 2^24).
  const numbers = () => Array.from({ length: rows }, () => int(r, -s.range, s.range));
  if (c.kind === "text") {
    return { rows, columns: [{ name: "A", kind: "number", values: numbers() }, { name: "B", kind: "text", values: Array.from({ length: rows }, () => pick(r, TEXT_WORDS)) }] };
  }
  const n = c.kind === "single" ? 1 : int(r, 1, c.maxColumns);
  return { rows, columns: Array.from({ length: n }, (_, j) => ({ name: COLUMN_NAMES[j], kind: "number" as const, values: numbers() })) };
}

/** A row condition: what the question says about one column. */
type Condition = { op: "greater" | "lesser"; column: string; pivot: number } | { op: "match"; column: string; word: string };
type Final = { op: "sum"; column: string } | { op: "count" } | { op: "print"; column: string };

function holds(t: Table, cond: Condition, i: number): boolean {
  const col = t.columns.find((c) => c.name === cond.column)!;
  const v = col.values[i];
  if (cond.op === "match") return v === cond.word;
  return cond.op === "greater" ? (v as number) > cond.pivot : (v as number) < cond.pivot;
}

function shortCondition(c: Condition): string {
  return c.op === "match" ? `match ${c.word} ${c.column}` : `${c.op} ${fmt(c.pivot)} ${c.column}`;
}
function verboseCondition(c: Condition): string {
  return c.op === "match" ? `field in column ${c.column} is ${c.word}` : `field in column ${c.column} is ${c.op} than ${fmt(c.pivot)}`;
}

function answerOf(t: Table, conds: Condition[], join: "and" | "or", final: Final): Answer {
  const sel = Array.from({ length: t.rows }, (_, i) => {
    if (conds.length === 0) return true;
    const h = conds.map((c) => holds(t, c, i));
    return join === "and" ? h.every(Boolean) : h.some(Boolean);
  });
  if (final.op === "count") return { type: "scalar", value: sel.filter(Boolean).length };
  const j = t.columns.findIndex((c) => c.name === final.column);
  if (final.op === "sum") return { type: "scalar", value: (t.columns[j].values as number[]).reduce((a, v, i) => a + (sel[i] ? v : 0), 0) };
  return { type: "lookup", cells: sel.map((s) => t.columns.map((_, k) => s && k === j)) };
}

/** One example of split `split` (its stream: seed, split, index). */
export function generateExample(c: TaskConfig, split: "train" | "test", seed: SeedPart, index: number): Example {
  const r = uniformStream(seed, "np-task", c.kind, split, index);
  const s = split === "train" ? c.train : c.test;
  const table = makeTable(r, c, s);
  const numeric = table.columns.filter((col) => col.kind === "number").map((col) => col.name);
  const text = table.columns.find((col) => col.kind === "text");
  const numCond = (): Condition => ({ op: r() < 0.5 ? "greater" : "lesser", column: pick(r, numeric), pivot: pivot(r, s.range) });
  const anyCond = (): Condition => (text && r() < 0.5 ? { op: "match", column: text.name, word: pick(r, TEXT_WORDS) } : numCond());
  const final = (): Final => {
    const u = r();
    return u < 0.4 ? { op: "sum", column: pick(r, numeric) } : u < 0.7 ? { op: "count" } : { op: "print", column: pick(r, numeric) };
  };
  const template = r();
  let conds: Condition[];
  let join: "and" | "or";
  let fin: Final;
  let short: string;
  let verbose: string;
  let program: ProgramStep[];
  let answer: Answer;
  if (template < 0.12) {
    // difference: sum of a column minus its sum over the rows a condition keeps (sum, cond, sum, difference: T = 4).
    const col = pick(r, numeric);
    const cond = anyCond();
    const all = answerOf(table, [], "and", { op: "sum", column: col }) as { value: number };
    const part = answerOf(table, [cond], "and", { op: "sum", column: col }) as { value: number };
    answer = { type: "scalar", value: all.value - part.value };
    short = `difference sum ${col} minus ${shortCondition(cond)} sum ${col}`;
    verbose = `what is the difference between the sum of numbers in column ${col} and the sum of numbers in column ${col} whose ${verboseCondition(cond)}`;
    program = [{ op: "sum", column: col }, { op: cond.op, column: cond.column }, { op: "sum", column: col }, { op: "difference" }];
  } else {
    const nConds = template < 0.3 ? 0 : template < 0.7 ? 1 : 2;
    // Neural Programmer attends to one pivot per comparison and text-matches every question word, so two
    // conditions are one greater and one lesser, or a text match and a comparison.
    conds = nConds ? [anyCond()] : [];
    if (nConds === 2) {
      const first = conds[0];
      const second = numCond();
      if (first.op !== "match") (second as { op: string }).op = first.op === "greater" ? "lesser" : "greater";
      conds.push(second);
    }
    join = r() < 0.5 ? "and" : "or";
    fin = final();
    answer = answerOf(table, conds, join, fin);
    const condShort = conds.map(shortCondition).join(` ${join} `);
    const finShort = fin.op === "count" ? "count" : `${fin.op} ${fin.column}`;
    short = (condShort ? condShort + " " : "") + finShort;
    const where = conds.length ? ` whose ${conds.map(verboseCondition).join(` ${join} `)}` : "";
    verbose =
      fin.op === "sum" ? `what is the sum of numbers in column ${fin.column}${where}`
      : fin.op === "count" ? (conds.length ? `how many rows have a ${conds.map(verboseCondition).join(` ${join} `)}` : "how many rows are there")
      : `print elements in column ${fin.column}${where}`;
    program = [
      ...conds.map((cd) => ({ op: cd.op, column: cd.column }) as ProgramStep),
      ...(conds.length === 2 ? [{ op: join } as ProgramStep] : []),
      fin.op === "count" ? { op: "count" } : { op: fin.op, column: fin.column },
    ];
  }
  const verboseForm = c.form === "verbose" || (c.form === "mixed" && r() < 0.5);
  return { table, question: verboseForm ? verbose : short, short, verbose, program, answer };
}

/** `n` examples of `split`, indices from `from`. */
export function generateExamples(c: TaskConfig, split: "train" | "test", seed: SeedPart, n: number, from = 0): Example[] {
  validateTask(c);
  if (!Number.isInteger(n) || n < 0) throw new TaskConfigError(`example count must be a non-negative integer, got ${n}`);
  return Array.from({ length: n }, (_, k) => generateExample(c, split, seed, from + k));
}

/** The numbers written in a question (two decimals, possibly negative), in order. */
export const NUMBER_TOKEN = /^-?\d+\.\d\d$/;

/** The question's tokens with each number replaced by "<num>", and the numbers (the model attends over them for its pivots). */
export function tokenize(question: string): { tokens: string[]; numbers: number[] } {
  const numbers: number[] = [];
  const tokens = question.split(/\s+/).filter(Boolean).map((w) => {
    if (NUMBER_TOKEN.test(w)) {
      numbers.push(Number(w));
      return "<num>";
    }
    return w;
  });
  return { tokens, numbers };
}

/** Every word any question of any task may use (fixed, so models of one task size are interchangeable); index 0 is padding. */
export function vocabulary(): string[] {
  const words = new Set<string>(["<pad>", "<num>", ...COLUMN_NAMES, ...TEXT_WORDS, ...OPERATIONS, "minus"]);
  const verboseWords = "what is the difference between sum of numbers in column and whose field than how many rows are there have a print elements".split(" ");
  verboseWords.forEach((w) => words.add(w));
  return [...words];
}
