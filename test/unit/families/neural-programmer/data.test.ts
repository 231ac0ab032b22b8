/**
 * The synthetic table task: every answer equals an independent evaluation of
 * the question (parsed back from its short form, evaluated on the table with
 * code written apart from the generator), the verbose form says the same,
 * the distributions are the protocol's, bad configs are named errors, and a
 * seed fixes every example.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { defaultTask, Example, generateExample, generateExamples, TaskConfigError, TaskKind, tokenize, validateTask, vocabulary } from "../../../../src/families/neural-programmer";

type Cond = { kind: "greater" | "lesser" | "match"; arg: string; col: string };

/** Evaluates a short-form question on the table, independently of the generator. */
function evaluate(e: Example): { type: "scalar"; value: number } | { type: "lookup"; cells: boolean[][] } {
  const w = e.short.split(" ");
  const colIdx = (name: string) => {
    const j = e.table.columns.findIndex((c) => c.name === name);
    assert.ok(j >= 0, `column ${name} of "${e.short}" is in the table`);
    return j;
  };
  const cell = (i: number, name: string) => e.table.columns[colIdx(name)].values[i];
  const test = (c: Cond, i: number) => {
    const v = cell(i, c.col);
    if (c.kind === "match") return v === c.arg;
    assert.equal(typeof v, "number", `"${c.kind}" compares a number column`);
    return c.kind === "greater" ? (v as number) > Number(c.arg) : (v as number) < Number(c.arg);
  };
  const rows = [...Array(e.table.rows).keys()];
  const sumOf = (name: string, keep: (i: number) => boolean) => rows.filter(keep).reduce((s, i) => s + (cell(i, name) as number), 0);
  if (w[0] === "difference") {
    // difference sum X minus <cond> sum X
    assert.equal(w[1], "sum");
    assert.equal(w[3], "minus");
    const c: Cond = { kind: w[4] as Cond["kind"], arg: w[5], col: w[6] };
    assert.equal(w[7], "sum");
    return { type: "scalar", value: sumOf(w[2], () => true) - sumOf(w[8], (i) => test(c, i)) };
  }
  const conds: Cond[] = [];
  let join = "and";
  let k = 0;
  while (["greater", "lesser", "match"].includes(w[k])) {
    conds.push({ kind: w[k] as Cond["kind"], arg: w[k + 1], col: w[k + 2] });
    k += 3;
    if (w[k] === "and" || w[k] === "or") join = w[k++];
  }
  const keep = (i: number) => (conds.length === 0 ? true : join === "and" ? conds.every((c) => test(c, i)) : conds.some((c) => test(c, i)));
  if (w[k] === "count") return { type: "scalar", value: rows.filter(keep).length };
  if (w[k] === "sum") return { type: "scalar", value: sumOf(w[k + 1], keep) };
  assert.equal(w[k], "print", `"${e.short}" ends in count, sum or print`);
  const j = colIdx(w[k + 1]);
  return { type: "lookup", cells: rows.map((i) => e.table.columns.map((_, c) => c === j && keep(i))) };
}

describe("neural-programmer task", () => {
  for (const kind of ["single", "five", "text"] as TaskKind[]) {
    test(`${kind}: 300 training and 100 test answers equal the independent evaluation of their question`, () => {
      const c = defaultTask(kind);
      for (const [split, n] of [["train", 300], ["test", 100]] as const) {
        for (const e of generateExamples(c, split, 7, n)) assert.deepEqual(evaluate(e), e.answer, `${split}: ${e.short}`);
      }
    });
  }

  test("the verbose form names the same columns, numbers and words as the short form", () => {
    for (const kind of ["five", "text"] as TaskKind[]) {
      for (const e of generateExamples(defaultTask(kind), "train", 3, 200)) {
        const facts = (q: string) => q.split(" ").filter((t) => /^[A-E]$/.test(t) || /^-?\d+\.\d\d$/.test(t) || /^[a-z]+$/.test(t) && ["apple", "river", "stone", "cloud", "tiger", "lemon", "piano", "candle", "forest", "rocket"].includes(t)).sort();
        assert.deepEqual(new Set(facts(e.verbose)), new Set(facts(e.short)), `${e.short} / ${e.verbose}`);
        for (const t of tokenize(e.verbose).tokens.concat(tokenize(e.short).tokens)) assert.ok(vocabulary().includes(t), `"${t}" is in the vocabulary`);
      }
    }
  });

  test("train and test follow the protocol: 30-100 rows and |v| <= 100 in training; 120 rows and |v| <= 200 at test; two-decimal pivots, negative too", () => {
    const c = defaultTask("five");
    const train = generateExamples(c, "train", 1, 300);
    const test = generateExamples(c, "test", 1, 50);
    const cells = (es: Example[]) => es.flatMap((e) => e.table.columns.flatMap((col) => col.values as number[]));
    assert.ok(train.every((e) => e.table.rows >= 30 && e.table.rows <= 100));
    assert.ok(new Set(train.map((e) => e.table.rows)).size > 20, "row counts vary");
    assert.ok(test.every((e) => e.table.rows === 120));
    assert.ok(Math.max(...cells(train).map(Math.abs)) <= 100);
    assert.ok(Math.max(...cells(test).map(Math.abs)) > 100 && Math.max(...cells(test).map(Math.abs)) <= 200);
    const pivots = train.flatMap((e) => tokenize(e.short).numbers);
    assert.ok(pivots.some((p) => p < 0) && pivots.some((p) => p > 0));
    assert.ok(train.some((e) => e.answer.type === "lookup") && train.some((e) => e.answer.type === "scalar"));
    assert.ok(train.every((e) => e.program.length <= 4), "every program fits T = 4 steps");
    const cols = new Set(train.map((e) => e.table.columns.length));
    assert.deepEqual([...cols].sort(), [1, 2, 3, 4, 5]);
  });

  test("a seed fixes every example; another seed gives other ones", () => {
    const c = defaultTask("text");
    assert.deepEqual(generateExamples(c, "train", 11, 20), generateExamples(c, "train", 11, 20));
    assert.deepEqual(generateExample(c, "train", 11, 5), generateExamples(c, "train", 11, 10)[5]);
    assert.notDeepEqual(generateExamples(c, "train", 12, 20).map((e) => e.short), generateExamples(c, "train", 11, 20).map((e) => e.short));
  });

  test("bad configs are named errors", () => {
    const bad = [
      { ...defaultTask("single"), maxColumns: 2 },
      { ...defaultTask("five"), maxColumns: 6 },
      { ...defaultTask("five"), kind: "seven" as TaskKind },
      { ...defaultTask("five"), train: { rows: [10, 5] as [number, number], range: 100 } },
      { ...defaultTask("five"), test: { rows: [120, 120] as [number, number], range: 0 } },
      { ...defaultTask("five"), form: "loud" as "short" },
    ];
    for (const c of bad) assert.throws(() => validateTask(c), TaskConfigError);
    assert.throws(() => generateExamples(defaultTask("five"), "train", 1, -1), TaskConfigError);
  });
});
