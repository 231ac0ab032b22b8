/**
 * A three-cell notebook whose second cell throws inside a function defined in
 * the first, and the check of what a Jupyter client shows for it: the error at
 * the user's own cell and line (the patched kernel's traceback,
 * docs/tslab-patches.md), no engine or library frames, and Run All stopped
 * there. Shared by the JupyterLab and classic Notebook client tests.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { KERNEL_NAME } from "../../src/cli/jupyter";

export const FAILING_CELLS = [
  'function f(n: number): number {\n  if (n > 1) throw new RangeError("too big: " + n);\n  return n;\n}',
  "let a = 1;\n\nf(a + 1)",
  "a + 100",
] as const;

/** Writes the notebook as `failing-cell.ipynb` in `dir`; returns its path. */
export function writeFailingNotebook(dir: string): string {
  const file = path.join(dir, "failing-cell.ipynb");
  const nb = {
    nbformat: 4, nbformat_minor: 5,
    metadata: { kernelspec: { name: KERNEL_NAME, display_name: KERNEL_NAME, language: "typescript" } },
    cells: FAILING_CELLS.map((source, i) => ({ cell_type: "code", id: `c${i}`, metadata: {}, execution_count: null, outputs: [], source })),
  };
  writeFileSync(file, JSON.stringify(nb, null, 1) + "\n");
  return file;
}

/**
 * `shown`: the failing cell's output as the client renders it, line by line;
 * `counts`: the three cells' execution counts after Run All (null: not run).
 */
export function assertMappedError(client: string, shown: string[], counts: (number | null)[]): void {
  const text = shown.join("\n");
  const at = (n: number | null, line: number) => `Cell In[${n}], line ${line}`;
  assert.equal(shown[0], "RangeError: too big: 2", `${client}: the error's first line:\n${text}`);
  const inF = shown.findIndex((l) => l.includes(`at f (${at(counts[0], 2)})`));
  assert.ok(inF > 0, `${client} shows no frame at f's line:\n${text}`);
  assert.equal(shown[inF + 1].trim(), 'if (n > 1) throw new RangeError("too big: " + n);', `${client}: the source line under f's frame`);
  assert.ok(shown.some((l) => l.trim() === `at ${at(counts[1], 3)}`), `${client} shows no frame at the calling line:\n${text}`);
  assert.ok(!shown.some((l) => /evalmachine|node_modules|node:internal|__tslab__/.test(l)), `${client} shows internal frames:\n${text}`);
  assert.equal(counts[2], null, `${client}: Run All went on past the failing cell`);
}
