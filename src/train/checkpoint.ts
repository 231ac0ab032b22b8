/**
 * Snapshots of a training run, so that a killed run resumes where it stopped
 * instead of starting over (a paper-scale PTB run is hours on a CPU; a
 * session's end kills a sweep's running runs). Any trainer can use it; the
 * language-model trainer (lm.ts) does.
 *
 * A snapshot holds everything the rest of the run depends on: the model's
 * variables, the optimizer's weights (the gradient-noise step t, SGD's or
 * Adam's iteration count, Adam's moments), tensors the trainer carries from
 * step to step (an LSTM's h and c), and the trainer's own position as JSON
 * (its step, learning rate, history). Data windows, dropout masks and every
 * noise are drawn from streams keyed by step (random/rng.ts), so the step is
 * their position and nothing else is needed: a resumed run equals an
 * uninterrupted one bit for bit (test/unit/train/lm-checkpoint.test.ts).
 *
 * File: a magic line, one JSON header line, then the tensors' bytes in
 * header order. It is written to a temporary file and renamed, so a kill
 * leaves the old snapshot or the new one, never half of one. The format was
 * first the language model's alone: its magic line is kept, so snapshots
 * written before still resume.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from "fs";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";

const MAGIC = "gradnoise-lm-checkpoint 2\n";

/** Group names the snapshot reserves; any other names a carried tensor group. */
type Reserved = "variables" | "optimizer";

/** The trainer's JSON position: at least the training steps done (the position of every keyed stream). */
export interface CheckpointPosition {
  step: number;
}

/** A loaded snapshot: tensors the caller owns (disposeCheckpoint frees what it does not take). */
export interface Checkpoint<P extends CheckpointPosition> {
  position: P;
  variables: tf.Tensor[];
  optimizer: { name: string; tensor: tf.Tensor }[];
  /** Carried tensors by group, each in the order saved. */
  carried: Record<string, tf.Tensor[]>;
}

interface Entry {
  group: string;
  name: string;
  shape: number[];
  dtype: "float32" | "int32";
  bytes: number;
}

interface Header<P> {
  /** What run this is (a fingerprint of its setup): a snapshot of another run is never restored. */
  identity: string;
  position: P;
  entries: Entry[];
}

/**
 * Optimizer state that getWeights leaves out but a bit-exact resume needs:
 * tfjs's Adam keeps beta1^t and beta2^t as running products and its
 * setWeights recomputes them with pow(), which differs in the last bits
 * (a resumed run drifted by ~1e-8 relative within an epoch). Saved beside
 * the weights under EXACT_PREFIX and assigned back after setWeights.
 */
const EXACT_PREFIX = "gradnoise/exact/";
function exactState(opt: tf.Optimizer): tf.Variable[] {
  const inner = ((opt as { inner?: tf.Optimizer }).inner ?? opt) as unknown as { accBeta1?: unknown; accBeta2?: unknown };
  return inner.accBeta1 instanceof tf.Variable && inner.accBeta2 instanceof tf.Variable ? [inner.accBeta1, inner.accBeta2] : [];
}

/** The error for a snapshot whose tensors do not fit the model being trained. */
export function checkpointMismatch(file: string): Error {
  return new Error(`${file}: the snapshot's tensors do not fit this model; delete it to start the run afresh`);
}

/**
 * Writes a snapshot of the run `identity` to `file` (atomically; reads
 * tensors with `await data()`): `variables`, `optimizer`'s weights and exact
 * state, the `carried` tensor groups and the JSON `position`.
 */
export async function saveCheckpoint<P extends CheckpointPosition>(file: string, identity: string, position: P, run: { variables: readonly tf.Variable[]; optimizer: tf.Optimizer; carried?: Record<string, readonly tf.Tensor[]> }): Promise<void> {
  const weights = [...(await run.optimizer.getWeights()), ...exactState(run.optimizer).map((v, i) => ({ name: `${EXACT_PREFIX}${i}`, tensor: v as tf.Tensor }))];
  try {
    for (const group of Object.keys(run.carried ?? {})) if (group === "variables" || group === "optimizer") throw new RangeError(`saveCheckpoint: "${group}" is reserved, not a carried group`);
    const items: [string, string, tf.Tensor][] = [
      ...run.variables.map((v): [Reserved, string, tf.Tensor] => ["variables", v.name, v]),
      ...weights.map((w): [Reserved, string, tf.Tensor] => ["optimizer", w.name, w.tensor]),
      ...Object.entries(run.carried ?? {}).flatMap(([group, ts]) => ts.map((t, i): [string, string, tf.Tensor] => [group, `${group}${i}`, t])),
    ];
    const entries: Entry[] = [];
    const chunks: Uint8Array[] = [];
    for (const [group, name, t] of items) {
      if (t.dtype !== "float32" && t.dtype !== "int32") throw new TypeError(`saveCheckpoint: ${name} is ${t.dtype}; only float32 and int32 are saved`);
      const data = (await t.data()) as Float32Array | Int32Array;
      const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      entries.push({ group, name, shape: t.shape, dtype: t.dtype, bytes: bytes.byteLength });
      chunks.push(bytes);
    }
    writeAtomically(file, MAGIC + JSON.stringify({ identity, position, entries } satisfies Header<P>) + "\n", chunks);
  } finally {
    // getWeights hands out fresh scalars (the counts) and the optimizer's own variables (Adam's moments): free only the former.
    for (const w of weights) if (!(w.tensor instanceof tf.Variable)) w.tensor.dispose();
  }
}

function writeAtomically(file: string, head: string, chunks: readonly Uint8Array[]): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, "w");
  try {
    writeSync(fd, head);
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
export function loadCheckpoint<P extends CheckpointPosition>(file: string, identity: string): Checkpoint<P> | undefined {
  if (!existsSync(file)) return undefined;
  const buf = readFileSync(file);
  const bad = (why: string) => new Error(`${file}: not a usable training checkpoint (${why}); delete it to start the run afresh`);
  if (buf.subarray(0, MAGIC.length).toString("utf8") !== MAGIC) throw bad("no checkpoint header");
  const nl = buf.indexOf(10, MAGIC.length);
  if (nl < 0) throw bad("header cut short");
  let header: Header<P>;
  try {
    header = JSON.parse(buf.subarray(MAGIC.length, nl).toString("utf8")) as Header<P>;
  } catch (e) {
    throw bad(`header is not JSON: ${(e as Error).message}`);
  }
  if (header.identity !== identity) return undefined;
  let at = nl + 1;
  const total = header.entries.reduce((s, e) => s + e.bytes, 0);
  if (buf.length - at !== total) throw bad(`${buf.length - at} bytes of tensors, the header says ${total}`);
  const snap: Checkpoint<P> = { position: header.position, variables: [], optimizer: [], carried: {} };
  for (const e of header.entries) {
    // Copy out of the file buffer: typed arrays need aligned offsets, and the tensor must not pin the buffer.
    const bytes = new Uint8Array(buf.subarray(at, at + e.bytes));
    at += e.bytes;
    const data = e.dtype === "int32" ? new Int32Array(bytes.buffer) : new Float32Array(bytes.buffer);
    const t = tf.tensor(data, e.shape, e.dtype);
    if (e.group === "variables") snap.variables.push(t);
    else if (e.group === "optimizer") snap.optimizer.push({ name: e.name, tensor: t });
    else (snap.carried[e.group] ??= []).push(t);
  }
  return snap;
}

/**
 * Puts a snapshot's variables and optimizer state back into `variables` and
 * `optimizer` (the run's own, same order as saved); throws checkpointMismatch
 * when the shapes differ. The snapshot keeps its tensors (disposeCheckpoint).
 */
export async function restoreCheckpoint(file: string, snap: Checkpoint<CheckpointPosition>, variables: readonly tf.Variable[], optimizer: tf.Optimizer): Promise<void> {
  const fits = snap.variables.length === variables.length && snap.variables.every((t, i) => t.shape.join() === variables[i].shape.join());
  if (!fits) throw checkpointMismatch(file);
  variables.forEach((v, i) => v.assign(snap.variables[i]));
  await optimizer.setWeights(snap.optimizer.filter((w) => !w.name.startsWith(EXACT_PREFIX)));
  for (const [i, v] of exactState(optimizer).entries()) v.assign(snap.optimizer.find((w) => w.name === `${EXACT_PREFIX}${i}`)?.tensor ?? v);
}

/** Disposes a loaded snapshot's tensors (carried tensors a trainer took out of their group excepted). */
export function disposeCheckpoint(s: Checkpoint<CheckpointPosition>): void {
  tf.dispose([...s.variables, ...s.optimizer.map((w) => w.tensor), ...Object.values(s.carried).flat()]);
}
