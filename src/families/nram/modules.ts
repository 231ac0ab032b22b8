/**
 * The NRAM's 14 modules (Kurach et al. 2016, Section 4.3), in their fixed
 * order, and the 0/1 tables that lift the binary ones to distributions
 * (their Eq. 2): P(m(A, B) = c) = sum_{a,b} A_a B_b [m(a, b) = c], i.e. the
 * outer product A B^T, flattened, times a [M*M, M] table: one matMul for the
 * whole batch.
 */

export const MODULE_NAMES = ["READ", "ZERO", "ONE", "TWO", "INC", "ADD", "SUB", "DEC", "LESS-THAN", "LESS-OR-EQUAL-THAN", "EQUALITY-TEST", "MIN", "MAX", "WRITE"] as const;
export type ModuleName = (typeof MODULE_NAMES)[number];

/** How a module computes its output from its arguments. */
export type ModuleKind = "read" | "write" | "constant" | "shift" | "binary";

export interface ModuleSpec {
  name: ModuleName;
  kind: ModuleKind;
  /**
   * Arguments the controller selects. READ, INC and DEC ignore their second
   * argument and the constants both (footnote 1 of the NRAM paper), so their
   * selections are not computed: the forward pass is the same and no
   * parameter is spent on an unused choice.
   */
  arity: 0 | 1 | 2;
  /** constant: the value; shift: +1 or -1. */
  value?: number;
  /** binary: the integer function mod M. */
  fn?: (a: number, b: number, M: number) => number;
}

const mod = (x: number, M: number) => ((x % M) + M) % M;

export const MODULES: Record<ModuleName, ModuleSpec> = {
  READ: { name: "READ", kind: "read", arity: 1 },
  ZERO: { name: "ZERO", kind: "constant", arity: 0, value: 0 },
  ONE: { name: "ONE", kind: "constant", arity: 0, value: 1 },
  TWO: { name: "TWO", kind: "constant", arity: 0, value: 2 },
  INC: { name: "INC", kind: "shift", arity: 1, value: 1 },
  ADD: { name: "ADD", kind: "binary", arity: 2, fn: (a, b, M) => mod(a + b, M) },
  SUB: { name: "SUB", kind: "binary", arity: 2, fn: (a, b, M) => mod(a - b, M) },
  DEC: { name: "DEC", kind: "shift", arity: 1, value: -1 },
  "LESS-THAN": { name: "LESS-THAN", kind: "binary", arity: 2, fn: (a, b) => (a < b ? 1 : 0) },
  "LESS-OR-EQUAL-THAN": { name: "LESS-OR-EQUAL-THAN", kind: "binary", arity: 2, fn: (a, b) => (a <= b ? 1 : 0) },
  "EQUALITY-TEST": { name: "EQUALITY-TEST", kind: "binary", arity: 2, fn: (a, b) => (a === b ? 1 : 0) },
  MIN: { name: "MIN", kind: "binary", arity: 2, fn: (a, b) => Math.min(a, b) },
  MAX: { name: "MAX", kind: "binary", arity: 2, fn: (a, b) => Math.max(a, b) },
  WRITE: { name: "WRITE", kind: "write", arity: 2 },
};

/** The module sequence, repeated `repeats` times (the NRAM paper's hyperparameter). */
export function moduleSequence(repeats = 1): ModuleSpec[] {
  if (!Number.isInteger(repeats) || repeats < 1) throw new RangeError(`NRAM: module repeats must be a positive integer, got ${repeats}`);
  const out: ModuleSpec[] = [];
  for (let r = 0; r < repeats; r++) for (const n of MODULE_NAMES) out.push(MODULES[n]);
  return out;
}

/** [M*M, M] 0/1 table of a binary module: row a*M + b has a 1 in column f(a, b). */
export function binaryTable(spec: ModuleSpec, M: number): Float32Array {
  if (spec.kind !== "binary" || !spec.fn) throw new TypeError(`binaryTable(): ${spec.name} is not a binary module`);
  const t = new Float32Array(M * M * M);
  for (let a = 0; a < M; a++) for (let b = 0; b < M; b++) t[(a * M + b) * M + spec.fn(a, b, M)] = 1;
  return t;
}

/** [M, M] matrix S with (p S)_c = p_{c - shift mod M}: INC (+1) and DEC (-1) on distributions. */
export function shiftMatrix(shift: number, M: number): Float32Array {
  const t = new Float32Array(M * M);
  for (let a = 0; a < M; a++) t[a * M + mod(a + shift, M)] = 1;
  return t;
}
