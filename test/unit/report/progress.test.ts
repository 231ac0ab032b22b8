/**
 * The progress line (report/display.ts) outside a kernel: drawn at once in a
 * terminal (the first update can be an LM epoch away), redrawn in place and
 * throttled; in a log (no TTY) one line per tenth. In a (fake) kernel: what
 * Kernel > Interrupt does to the bars on show.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { interrupt } from "../../../src/engine/interrupt";
import { progress } from "../../../src/report/display";

function capture(tty: boolean, body: () => void): string[] {
  const writes: string[] = [];
  const write = process.stderr.write;
  const had = Object.getOwnPropertyDescriptor(process.stderr, "isTTY");
  Object.defineProperty(process.stderr, "isTTY", { value: tty, configurable: true });
  process.stderr.write = ((s: string | Uint8Array) => { writes.push(String(s)); return true; }) as typeof process.stderr.write;
  try {
    body();
  } finally {
    process.stderr.write = write;
    if (had) Object.defineProperty(process.stderr, "isTTY", had);
    else delete (process.stderr as { isTTY?: boolean }).isTTY;
  }
  return writes;
}

test("in a terminal the bar shows at 0% before any update, redraws in place, throttles, and ends at 100%", () => {
  const w = capture(true, () => {
    const p = progress("job", 60000);
    p.update(0.5, "half");
    p.done("finished");
  });
  assert.equal(w.length, 2, `writes: ${JSON.stringify(w)}`);
  assert.match(w[0], /^\rjob \[\.{30}\]\s+0% 0s$/);
  assert.match(w[1], /^\rjob \[#{30}\] 100% \d+s finished\n$/);
});

test("in a log a line per tenth, nothing before the first update", () => {
  const w = capture(false, () => {
    const p = progress("job", 0);
    for (let i = 0; i <= 20; i++) p.update(i / 20);
  });
  assert.deepEqual(w.map((l) => l.match(/\s(\d+)%/)![1]), ["0", "10", "20", "30", "40", "50", "60", "70", "80", "90", "100"]);
});

test("the time estimate leaves out progress that took no time (copied runs, restored snapshots)", () => {
  const real = Date.now;
  let now = 1_000_000;
  Date.now = () => now;
  try {
    const left = (free: number) =>
      capture(true, () => {
        const p = progress("job", 0);
        now += 100_000; // 100 s of work
        p.update(0.6, "", free);
      })[1].match(/~(\d+)s left/)?.[1];
    assert.equal(left(0), "67", "100 s for 60%: 67 s for the other 40%");
    assert.equal(left(0.5), "400", "half of it was free: 100 s bought 10%, so 400 s for 40%");
    assert.equal(left(0.6), undefined, "nothing worked for yet: no estimate");
  } finally {
    Date.now = real;
  }
});


test("in a notebook a bar that finished stays finished when a later cell is interrupted (issue 28)", () => {
  // A fake tslab kernel: its display hook changes with every cell run, as tslab's does.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- tslab's hook, set as a kernel would
  const channel = require("tslab/dist/jupyter") as { lastWriteDisplayData: unknown };
  const shown = new Map<string, string>();
  const cellRun = () => (content: { data: Record<string, string>; transient?: { display_id?: string } }) => {
    const id = content.transient?.display_id;
    if (id) shown.set(id, content.data["text/plain"]);
  };
  const saved = channel.lastWriteDisplayData;
  try {
    channel.lastWriteDisplayData = cellRun();
    const finished = progress("Table 2 sweep", 0);
    finished.update(0.5);
    finished.done();
    const full = progress("full", 0);
    full.update(1); // reached the end without done()
    const stopped = progress("next sweep", 0);
    stopped.update(0.25);
    channel.lastWriteDisplayData = cellRun(); // the next cell runs, and is interrupted
    const later = progress("later", 0);
    later.update(0.4);
    interrupt("Kernel > Interrupt");
    const [a, f, b, c] = [...shown.values()];
    assert.match(a, /^Table 2 sweep \[#{30}\] 100% \d+s$/, "the finished bar keeps its 100%");
    assert.match(f, /^full \[#{30}\] 100% \d+s$/, "so does one that reached 100% without done()");
    assert.match(b, /^next sweep \[#{8}\.{22}\]\s+25% \d+s.* \(interrupted\)$/, "a bar left unfinished says it was interrupted");
    assert.match(c, /^later \[#{12}\.{18}\]\s+40% \d+s.* \(interrupted\)$/);
  } finally {
    channel.lastWriteDisplayData = saved;
  }
});
