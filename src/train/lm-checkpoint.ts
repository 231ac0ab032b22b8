/**
 * Snapshots of a language-model training run, so that a killed run resumes
 * where it stopped instead of starting over (a paper-scale PTB run is hours
 * on a CPU; a session's end kills a sweep's running runs).
 *
 * A snapshot holds everything the rest of the run depends on: the model's
 * variables, the optimizer's weights (the gradient-noise step t, SGD's or
 * Adam's iteration count, Adam's moments), the recurrent state carried
 * across windows, the step index, the learning rate and the per-epoch
 * history. Dropout masks, NOISIN's noise and the gradient noise are drawn
 * from streams keyed by step (random/rng.ts), so nothing else is needed: a
 * resumed run equals an uninterrupted one bit for bit
 * (test/unit/train/lm-checkpoint.test.ts).
 *
 * File: a magic line, one JSON header line, then the tensors' bytes in
 * header order. It is written to a temporary file and renamed, so a kill
 * leaves the old snapshot or the new one, never half of one.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from "fs";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import type { LMHistory } from "./lm";

const MAGIC = "gradnoise-lm-checkpoint 2\n";

/** Where a run stands between steps, besides its tensors. */
export interface LMRunPosition {
  /** Training steps done. */
  step: number;
  lr: number;
  /** The current epoch's summed training loss and its step count. */
  lossSum: number;
  counted: number;
  /** Training seconds spent before this snapshot (over every process that worked on the run). */
  seconds: number;
  /** The run's history so far; JSON stores a NaN perplexity (a diverged epoch) as null. */
  history: Pick<LMHistory, "epoch" | "lr" | "gamma" | "diverged"> & { trainPerplexity: (number | null)[]; validPerplexity: (number | null)[] };
}

export interface LMSnapshot {
  position: LMRunPosition;
  /** The model's variables, optimizer weights and carried state, each in its own order. */
  variables: tf.Tensor[];
  optimizer: tf.Tensor[];
  optimizerNames: string[];
  state: { h: tf.Tensor[]; c: tf.Tensor[] };
}

interface Entry {
  group: "variables" | "optimizer" | "h" | "c";
  name: string;
  shape: number[];
  dtype: "float32" | "int32";
  bytes: number;
}

interface Header {
  /** What run this is (a fingerprint of its setup): a snapshot of another run is never restored. */
  identity: string;
  position: LMRunPosition;
  entries: Entry[];
}

/** Writes a snapshot of the run `identity` to `file` (atomically; reads tensors with `await data()`). */
export async function saveLMCheckpoint(file: string, identity: string, position: LMRunPosition, tensors: { variables: tf.Variable[]; optimizer: { name: string; tensor: tf.Tensor }[]; state: { h: tf.Tensor[]; c: tf.Tensor[] } }): Promise<void> {
  const items: [Entry["group"], string, tf.Tensor][] = [
    ...tensors.variables.map((v): [Entry["group"], string, tf.Tensor] => ["variables", v.name, v]),
    ...tensors.optimizer.map((w): [Entry["group"], string, tf.Tensor] => ["optimizer", w.name, w.tensor]),
    ...tensors.state.h.map((t, i): [Entry["group"], string, tf.Tensor] => ["h", `h${i}`, t]),
    ...tensors.state.c.map((t, i): [Entry["group"], string, tf.Tensor] => ["c", `c${i}`, t]),
  ];
  const entries: Entry[] = [];
  const chunks: Uint8Array[] = [];
  for (const [group, name, t] of items) {
    if (t.dtype !== "float32" && t.dtype !== "int32") throw new TypeError(`saveLMCheckpoint: ${name} is ${t.dtype}; only float32 and int32 are saved`);
    const data = (await t.data()) as Float32Array | Int32Array;
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    entries.push({ group, name, shape: t.shape, dtype: t.dtype, bytes: bytes.byteLength });
    chunks.push(bytes);
  }
  const header: Header = { identity, position, entries };
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, "w");
  try {
    writeSync(fd, MAGIC + JSON.stringify(header) + "\n");
    for (const c of chunks) writeSync(fd, c);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/**
 * The snapshot of run `identity` in `file`, as tensors the caller owns; undefined
 * when there is none or it belongs to another run (another config: it is stale).
 * A file that is not a snapshot, or is cut short, is an error naming it.
 */
export function loadLMCheckpoint(file: string, identity: string): LMSnapshot | undefined {
  if (!existsSync(file)) return undefined;
  const buf = readFileSync(file);
  const bad = (why: string) => new Error(`${file}: not a usable language-model checkpoint (${why}); delete it to start the run afresh`);
  if (buf.subarray(0, MAGIC.length).toString("utf8") !== MAGIC) throw bad("no checkpoint header");
  const nl = buf.indexOf(10, MAGIC.length);
  if (nl < 0) throw bad("header cut short");
  let header: Header;
  try {
    header = JSON.parse(buf.subarray(MAGIC.length, nl).toString("utf8")) as Header;
  } catch (e) {
    throw bad(`header is not JSON: ${(e as Error).message}`);
  }
  if (header.identity !== identity) return undefined;
  let at = nl + 1;
  const total = header.entries.reduce((s, e) => s + e.bytes, 0);
  if (buf.length - at !== total) throw bad(`${buf.length - at} bytes of tensors, the header says ${total}`);
  const snap: LMSnapshot = { position: header.position, variables: [], optimizer: [], optimizerNames: [], state: { h: [], c: [] } };
  for (const e of header.entries) {
    // Copy out of the file buffer: typed arrays need aligned offsets, and the tensor must not pin the buffer.
    const bytes = new Uint8Array(buf.subarray(at, at + e.bytes));
    at += e.bytes;
    const data = e.dtype === "int32" ? new Int32Array(bytes.buffer) : new Float32Array(bytes.buffer);
    const t = tf.tensor(data, e.shape, e.dtype);
    if (e.group === "variables") snap.variables.push(t);
    else if (e.group === "optimizer") {
      snap.optimizer.push(t);
      snap.optimizerNames.push(e.name);
    } else snap.state[e.group].push(t);
  }
  return snap;
}

/** Disposes a loaded snapshot's tensors. */
export function disposeSnapshot(s: LMSnapshot): void {
  tf.dispose([...s.variables, ...s.optimizer, ...s.state.h, ...s.state.c]);
}
