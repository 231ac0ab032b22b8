/**
 * What a user meets when a cell fails, through a real Jupyter client: cells run
 * in this checkout's kernel by jupyter_client (test/e2e/kernel_client.py) and a
 * notebook by nbclient (Run All). An exception is a Jupyter error whose traceback
 * names the cell and line the user wrote, with library frames cut; a type error
 * is one at its TypeScript position; a cell's last value is an execute_result;
 * Kernel > Interrupt stops a cell in about a second; a failing cell stops Run All.
 * Needs Jupyter: skipped without it unless GRADNOISE_REQUIRE_NOTEBOOKS=1. About 40 s.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, test } from "node:test";
import { checkoutJupyterEnv, findJupyterPython, REPO } from "../../src/cli/jupyter";
import { jupyterTool, needTools } from "../support/tools";

const python = findJupyterPython();
const tools = needTools("the kernel's errors in a Jupyter client (e2e/kernel-errors)", ["GRADNOISE_REQUIRE_NOTEBOOKS"], [jupyterTool(python)]);

interface Message {
  msg_type: string;
  content: Record<string, unknown> & { ename?: string; evalue?: string; traceback?: string[]; data?: Record<string, string>; execution_count?: number; code?: string };
}
interface CellRun {
  reply: { status: string; execution_count: number; ename?: string; evalue?: string; traceback?: string[] };
  messages: Message[];
  seconds: number;
}
interface NotebookRun {
  raised: boolean;
  error: string | null;
  cells: { execution_count: number | null; outputs: { output_type: string; ename?: string; evalue?: string; traceback?: string[] }[] }[];
}

function client<T>(request: unknown): T {
  const r = spawnSync(python!, [path.join(REPO, "test", "e2e", "kernel_client.py")], {
    cwd: REPO,
    input: JSON.stringify(request),
    env: checkoutJupyterEnv(),
    encoding: "utf8",
    timeout: 300000,
    maxBuffer: 16 * 2 ** 20,
  });
  assert.equal(r.status, 0, `kernel_client.py failed:\n${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

const only = (run: CellRun, type: string) => run.messages.filter((m) => m.msg_type === type);
const label = (run: CellRun) => `Cell In[${run.reply.execution_count}]`;

describe("errors and results in a Jupyter client", { skip: tools.skip }, () => {
  test("tracebacks name the user's cell and line, type errors their position; results, interrupts", (t) => {
    tools.assertPresent();
    const cells = [
      'const backend = "cpu";\nfunction f(n: number): number {\n  if (n > 1) throw new Error("too big: " + n);\n  return n;\n}',
      "let a = 1;\n\nf(a + 1)",
      "const k = 1;\nconst s: string = k;",
      "({ backend })",
      'import * as tf from "@tensorflow/tfjs";\nconst x = tf.ones([2, 3]);\nx.reshape([4]);',
      'console.log("waiting");\nawait new Promise((r) => setTimeout(r, 60000));',
      "6 * 7",
    ];
    const runs = client<CellRun[]>({ mode: "cells", cells, interrupt_after: { 5: 0.5 } });
    assert.equal(runs.length, cells.length);
    runs.forEach((run, i) => {
      const input = only(run, "execute_input");
      assert.equal(input.length, 1, `cell ${i}: execute_input`);
      assert.equal(input[0].content.code, cells[i]);
      assert.equal(input[0].content.execution_count, run.reply.execution_count);
    });
    const [def, thrown, typed, shorthand, tfjs, interrupted, after] = runs;
    assert.equal(def.reply.status, "ok");

    // An exception: one error message, the reply carries the same; frames at the user's lines.
    assert.equal(thrown.reply.status, "error");
    const errors = only(thrown, "error");
    assert.equal(errors.length, 1);
    assert.equal(only(thrown, "stream").length, 0, "the error also went to a stream");
    const e = errors[0].content;
    assert.equal(e.ename, "Error");
    assert.equal(e.evalue, "too big: 2");
    assert.deepEqual([thrown.reply.ename, thrown.reply.evalue, thrown.reply.traceback], [e.ename, e.evalue, e.traceback]);
    const tb = e.traceback!;
    assert.equal(tb[0], "Error: too big: 2");
    const inF = tb.indexOf(`    at f (${label(def)}, line 3)`);
    assert.ok(inF > 0, `no frame at f's line:\n${tb.join("\n")}`);
    assert.equal(tb[inF + 1].trim(), 'if (n > 1) throw new Error("too big: " + n);');
    const call = tb.indexOf(`    at ${label(thrown)}, line 3`);
    assert.ok(call > inF, `no frame at the calling line:\n${tb.join("\n")}`);
    assert.equal(tb[call + 1].trim(), "f(a + 1)");
    assert.ok(!tb.some((l) => /evalmachine|tsLastExpr|node_modules|node:internal|__tslab__/.test(l)), `internal frames shown:\n${tb.join("\n")}`);
    assert.ok(tb.some((l) => /^ {4}\.\.\. \d+ frames? cut \(.*tslab.*\)$/.test(l)), `no line says what was cut:\n${tb.join("\n")}`);

    // A type error: a Jupyter error at its TypeScript position, caret under the span.
    assert.equal(typed.reply.status, "error");
    const te = only(typed, "error")[0].content;
    assert.equal(te.ename, "TSError");
    assert.match(te.evalue!, /^TS2322: Type 'number' is not assignable to type 'string'\.$/);
    const at = te.traceback!.findIndex((l) => l.startsWith(`${label(typed)}, line 2, column 7: error TS2322:`));
    assert.ok(at > 0, te.traceback!.join("\n"));
    assert.equal(te.traceback![at + 1], "    const s: string = k;");
    assert.equal(te.traceback![at + 2].indexOf("^"), te.traceback![at + 1].indexOf("s:"));

    // `{ backend }` names a variable from an earlier cell; the last value is an execute_result.
    assert.equal(shorthand.reply.status, "ok", JSON.stringify(shorthand.messages));
    const result = only(shorthand, "execute_result");
    assert.equal(result.length, 1);
    assert.equal(result[0].content.execution_count, shorthand.reply.execution_count);
    assert.equal(result[0].content.data!["text/plain"], "{ backend: 'cpu' }");

    // A TensorFlow.js error: its many library frames cut, the user's line kept.
    assert.equal(tfjs.reply.status, "error");
    const tfe = only(tfjs, "error")[0].content;
    assert.match(tfe.evalue!, /Size\(6\) must match the product of shape 4/);
    assert.ok(tfe.traceback!.includes(`    at ${label(tfjs)}, line 3`), tfe.traceback!.join("\n"));
    assert.ok(tfe.traceback!.some((l) => /frames cut \(.*@tensorflow\/tfjs-core/.test(l)), tfe.traceback!.join("\n"));
    assert.ok(tfe.traceback!.length <= 8, `a long traceback:\n${tfe.traceback!.join("\n")}`);

    // Kernel > Interrupt: the cell stops at once (3 s allows for a loaded machine), one line, and the kernel goes on.
    assert.equal(interrupted.reply.status, "error");
    assert.ok(interrupted.seconds < 3, `the interrupted cell replied ${interrupted.seconds} s after the interrupt`);
    t.diagnostic(`reply ${(interrupted.seconds * 1000).toFixed(0)} ms after Kernel > Interrupt`);
    assert.deepEqual(only(interrupted, "error")[0].content.traceback, ["Interrupted: Kernel > Interrupt stopped the cell"]);
    assert.equal(only(after, "execute_result")[0].content.data!["text/plain"], "42");
  });

  test("a failing cell stops Run All (nbclient raises CellExecutionError with the error)", () => {
    tools.assertPresent();
    const nb = client<NotebookRun>({ mode: "notebook", cells: ["let k = 1;", 'throw new RangeError("bad k");', "k + 1"] });
    assert.equal(nb.raised, true);
    assert.match(nb.error!, /RangeError: bad k/);
    const failed = nb.cells[1].outputs.filter((o) => o.output_type === "error");
    assert.equal(failed.length, 1);
    assert.equal(failed[0].ename, "RangeError");
    assert.ok(failed[0].traceback!.includes(`    at Cell In[${nb.cells[1].execution_count}], line 1`), failed[0].traceback!.join("\n"));
    assert.equal(nb.cells[2].execution_count, null, "the cell after the failing one ran");
    assert.deepEqual(nb.cells[2].outputs, []);
  });
});
