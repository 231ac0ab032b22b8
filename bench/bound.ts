/**
 * What bounds a step that is not within 2x of PyTorch, measured in the run
 * that reports it (issue 29). Small models on tfjs dispatch thousands of tiny
 * kernels a step, and each costs a fixed amount of engine and backend work
 * whatever its size; this helper measures that floor on the current backend
 * (a trivial kernel on a one-element tensor), counts the kernels one step
 * dispatches (tf.profile), measures PyTorch's own per-op floor the same way,
 * and prints one line a reader can check: kernels x floor against the step.
 * Every bench uses it, so the bound is computed one way.
 */
import { spawnSync } from "child_process";
import * as tf from "@tensorflow/tfjs";
import { median } from "../src/stats";
import { Peer, PEER_ENV, peerClockPrelude } from "./peer";

/** One step's kernels: how many, their profiled time, the costliest names. */
export interface StepKernels {
  kernels: number;
  /** Sum of the profiled kernel times (ms); on WASM each is its wall time. */
  kernelMs: number;
  /** [name, calls, ms], costliest first. */
  top: [string, number, number][];
}

/**
 * Microseconds per trivial kernel on the current backend: tf.add of two
 * one-element tensors and the dispose of its result, median of `rounds`
 * rounds of `calls` calls, so per-call cost and not arithmetic is timed.
 */
export async function kernelFloorUs(rounds = 15, calls = 400): Promise<number> {
  const a = tf.tensor1d([1]);
  const b = tf.tensor1d([2]);
  const round = () => {
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) tf.add(a, b).dispose();
    return ((performance.now() - t0) * 1000) / calls;
  };
  for (let w = 0; w < 5; w++) round(); // warm-up: kernel lookup, JIT (a first round of 400 calls still ran 2-4x slower)
  const us: number[] = [];
  for (let r = 0; r < rounds; r++) us.push(round());
  await tf.nextFrame();
  tf.dispose([a, b]);
  return median(us);
}

/**
 * The kernels one call of `step` dispatches (forward, backward, optimizer),
 * from tf.profile; op scopes such as "customGrad" or "matMul__op" are not
 * kernels and are left out (only names registered on the backend count).
 */
export async function stepKernels(step: () => unknown | Promise<unknown>): Promise<StepKernels> {
  const info = await tf.profile(async () => {
    const out = await step();
    if (out instanceof tf.Tensor) out.dispose();
  });
  const backend = tf.getBackend();
  const by = new Map<string, [number, number]>();
  let kernels = 0;
  let kernelMs = 0;
  for (const k of info.kernels) {
    if (tf.getKernel(k.name, backend) === undefined) continue;
    const ms = typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0;
    kernels++;
    kernelMs += ms;
    const e = by.get(k.name) ?? [0, 0];
    by.set(k.name, [e[0] + 1, e[1] + ms]);
  }
  const top = [...by].map(([n, [c, ms]]): [string, number, number] => [n, c, ms]).sort((x, y) => y[2] - x[2]);
  return { kernels, kernelMs, top };
}

// Run in the peer's interpreter: the same trivial op, timed the same way (median of rounds).
const TORCH_FLOOR = `
import json, statistics, time, torch
torch.set_num_threads(1)
a, b = torch.ones(1), torch.ones(1)
def rnd(n=400):
    t0 = time.perf_counter()
    for _ in range(n): torch.add(a, b)
    return (time.perf_counter() - t0) * 1e6 / n
rnd()
print(json.dumps(statistics.median(rnd() for _ in range(15))))
`;

/** PyTorch's microseconds per trivial op (torch.add on one-element tensors), in the peer's process; null without a peer. */
export function torchOpFloorUs(peer: Peer | null): number | null {
  if (!peer) return null;
  const r = spawnSync(peer.python, ["-c", peerClockPrelude() + TORCH_FLOOR], { encoding: "utf8", env: PEER_ENV });
  if (r.status !== 0) throw new Error(`PyTorch op floor failed: ${r.stderr}`);
  return Number(JSON.parse(r.stdout.trim()));
}

export interface Bound {
  label: string;
  step: StepKernels;
  /** This backend's floor per kernel (µs), kernelFloorUs() in this run. */
  floorUs: number;
  /** The step's measured time (ms), the bench's own timing. */
  stepMs: number;
  /** PyTorch's step (ms) in the same run, and its floor per op (µs); null when there is no peer. */
  peerStepMs: number | null;
  peerFloorUs: number | null;
}

/**
 * One line that says what bounds the step: its kernel count times the
 * floor, as a share of the step; the same against PyTorch's step; and how
 * many kernels a step could dispatch and still be within 2x of PyTorch on
 * dispatch alone.
 */
export function boundLine(b: Bound): string {
  const dispatchMs = (b.step.kernels * b.floorUs) / 1000;
  const share = (ms: number) => (b.step.kernelMs > 0 ? (100 * ms) / b.step.kernelMs : 0);
  const top = b.step.top.slice(0, 4).map(([n, c, ms]) => `${n} x${c} ${share(ms).toFixed(0)}%`).join(", ");
  const dispatchShare = (100 * dispatchMs) / b.stepMs;
  const parts = [
    `${b.label}: ${b.step.kernels} kernels a step; floor ${b.floorUs.toFixed(1)} µs a kernel (measured in this run) = ${dispatchMs.toFixed(1)} ms of the ${b.stepMs.toFixed(1)} ms step (${dispatchShare.toFixed(0)}%)`,
    `${dispatchShare < 50 ? "the rest is the kernels' own work and JS outside them (batches, noise draws); " : ""}of one profiled step's kernel time (a single step: shares move with the load), ${top}`,
  ];
  if (b.peerStepMs !== null) {
    const peerFloor = b.peerFloorUs === null ? "" : `; PyTorch's floor ${b.peerFloorUs.toFixed(1)} µs an op`;
    const kernelsFor2x = Math.floor((2 * b.peerStepMs * 1000) / b.floorUs);
    parts.push(`PyTorch's step ${b.peerStepMs.toFixed(1)} ms${peerFloor}; within 2x needs the step under ${(2 * b.peerStepMs).toFixed(1)} ms, which the floor alone allows at <= ${kernelsFor2x} kernels`);
  }
  return parts.join("; ");
}

/** The kernels of one step of a freshly made step, after `warmup` steps (for the bound line). */
export async function kernelsOfMadeStep(make: () => { step: (i: number) => tf.Scalar; dispose: () => void }, warmup = 2): Promise<StepKernels> {
  const { step, dispose } = make();
  for (let i = 0; i < warmup; i++) step(i).dispose();
  const k = await stepKernels(() => step(warmup));
  dispose();
  return k;
}
