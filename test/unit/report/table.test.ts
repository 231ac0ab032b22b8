import assert from "node:assert/strict";
import { test } from "node:test";
import { formatCell, tableMarkdown, tableText } from "../../../src/report/table";

test("markdown tables: header, rule, formatted cells, escaped pipes", () => {
  const md = tableMarkdown([
    { setting: "a|b", runs: 6, acc: 0.91234567 },
    { setting: "c", runs: 2, acc: 1e-5 },
  ]);
  assert.equal(md, ["| setting | runs | acc |", "| --- | --- | --- |", "| a\\|b | 6 | 0.9123 |", "| c | 2 | 1.000e-5 |"].join("\n"));
  assert.equal(tableMarkdown({ columns: ["x"], values: [[null], [true]] }), "| x |\n| --- |\n|  |\n| true |");
});

test("cells format the same in text and markdown tables", () => {
  assert.equal(formatCell(0.5), "0.5000");
  assert.equal(formatCell(3), "3");
  assert.match(tableText([{ v: 0.5 }]), /^v\s*\n0\.5000$/);
});
