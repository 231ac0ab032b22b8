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
import { MATMUL_EXPLICIT_KERNEL } from "../src/engine/wasm-matmul";
import { median } from "../src/stats";
import { fairPeer, Peer, PEER_ENV, peerClockPrelude, runPeer } from "./peer";

/** One matrix product of a step, as [batch, m, k, n] with its operands' layout, and how many times the step runs it. */
export interface Product {
  batch: number;
  m: number;
  k: number;
  n: number;
  transposeA: boolean;
  transposeB: boolean;
  count: number;
}

/** One step's kernels: how many, their profiled time, the costliest names, its matrix products. */
export interface StepKernels {
  kernels: number;
  /** Sum of the profiled kernel times (ms); on WASM each is its wall time. */
  kernelMs: number;
  /** [name, calls, ms], costliest first. */
  top: [string, number, number][];
  /** Its matrix products by shape (for the products line). */
  products: Product[];
}

const sizeOf = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** Kernels that are matrix products: tfjs's, and ours that reads a transposed operand in place (engine/wasm-matmul.ts). */
const PRODUCT_KERNELS = new Set(["BatchMatMul", MATMUL_EXPLICIT_KERNEL]);

/**
 * A product from the shapes tf.profile records (inputs a, b; output [..., m, n]):
 * an operand is read as transposed when only that reading fits (a square
 * operand counts as not transposed: the same work either way).
 */
function productOf(a: readonly number[], b: readonly number[], out: readonly number[]): Omit<Product, "count"> {
  const m = out[out.length - 2], n = out[out.length - 1];
  const [ar, ac] = a.slice(-2), bc = b[b.length - 1];
  const transposeA = ar !== m;
  const transposeB = bc !== n;
  return { batch: sizeOf(out.slice(0, -2)), m, k: transposeA ? ar : ac, n, transposeA, transposeB };
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
  const products = new Map<string, Product>();
  let kernels = 0;
  let kernelMs = 0;
  for (const k of info.kernels) {
    if (tf.getKernel(k.name, backend) === undefined) continue;
    if (PRODUCT_KERNELS.has(k.name) && k.inputShapes.length === 2 && k.outputShapes.length === 1) {
      const p = productOf(k.inputShapes[0], k.inputShapes[1], k.outputShapes[0]);
      const key = JSON.stringify(p);
      const seen = products.get(key);
      if (seen) seen.count++;
      else products.set(key, { ...p, count: 1 });
    }
    const ms = typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0;
    kernels++;
    kernelMs += ms;
    const e = by.get(k.name) ?? [0, 0];
    by.set(k.name, [e[0] + 1, e[1] + ms]);
  }
  const top = [...by].map(([n, [c, ms]]): [string, number, number] => [n, c, ms]).sort((x, y) => y[2] - x[2]);
  return { kernels, kernelMs, top, products: [...products.values()] };
}

/** GFLOP of the products (2 m k n each). */
export function productGflop(ps: readonly Product[]): number {
  return ps.reduce((s, p) => s + (2 * p.batch * p.m * p.k * p.n * p.count) / 1e9, 0);
}

/**
 * Milliseconds the step's products take on the current backend, each shape
 * replayed alone (median of rounds of ~20 ms; BENCH_CLOCK applies): what the
 * step spends on arithmetic that no dispatch saving can remove.
 */
export async function productsMs(ps: readonly Product[]): Promise<number> {
  let total = 0;
  for (const p of ps) {
    const a = tf.randomNormal(p.transposeA ? [p.batch, p.k, p.m] : [p.batch, p.m, p.k], 0, 1, "float32", 1);
    const b = tf.randomNormal(p.transposeB ? [p.batch, p.n, p.k] : [p.batch, p.k, p.n], 0, 1, "float32", 2);
    const calls = Math.max(1, Math.min(200, Math.floor(2e7 / Math.max(1, 2 * p.batch * p.m * p.k * p.n))));
    const round = () => {
      const t0 = performance.now();
      for (let i = 0; i < calls; i++) tf.matMul(a, b, p.transposeA, p.transposeB).dispose();
      return (performance.now() - t0) / calls;
    };
    round();
    const ms: number[] = [];
    for (let r = 0; r < 7; r++) ms.push(round());
    total += median(ms) * p.count;
    tf.dispose([a, b]);
    await tf.nextFrame();
  }
  return total;
}

/** The same products in the PyTorch peer (bench/torch_products.py); null without a peer or products. */
export function torchProductsMs(peer: Peer | null, ps: readonly Product[]): number | null {
  if (!peer || ps.length === 0) return null;
  const r = runPeer<{ ms: number }>(peer, "torch_products.py", [JSON.stringify(ps.map((p) => [p.batch, p.m, p.k, p.n, p.transposeA, p.transposeB, p.count]))]);
  return r.ms;
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

let peerOnce: Peer | null | undefined;

/**
 * One line that says what bounds the step: its kernel count times the
 * floor, as a share of the step; the same against PyTorch's step; how
 * many kernels a step could dispatch and still be within 2x of PyTorch on
 * dispatch alone; and the step's matrix products replayed alone here and in
 * PyTorch, so that products + dispatch (a floor no saving of kernels removes)
 * stands beside 2x PyTorch's step.
 */
export async function boundLine(b: Bound): Promise<string> {
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
  if (b.step.products.length > 0) {
    const gflop = productGflop(b.step.products);
    const ours = await productsMs(b.step.products);
    if (b.peerStepMs !== null) peerOnce ??= fairPeer();
    const theirs = b.peerStepMs === null ? null : torchProductsMs(peerOnce ?? null, b.step.products);
    const rate = (ms: number) => `${(gflop / (ms / 1000)).toFixed(1)} GFLOP/s`;
    let line = `products (${b.step.products.reduce((s, p) => s + p.count, 0)} a step, ${(gflop * 1000).toFixed(1)} MFLOP) replayed alone: ${ours.toFixed(1)} ms here (${rate(ours)})`;
    if (theirs !== null) line += `, ${theirs.toFixed(1)} ms in PyTorch (${rate(theirs)})`;
    const floor = ours + dispatchMs;
    line += `; products + dispatch floor = ${floor.toFixed(1)} ms`;
    if (b.peerStepMs !== null) line += floor >= 2 * b.peerStepMs ? ` >= 2x PyTorch's step: 2x is out of reach without faster products or fewer kernels` : ` (${((100 * floor) / (2 * b.peerStepMs)).toFixed(0)}% of 2x PyTorch's step)`;
    parts.push(line);
    const all = allInLine(b, ours);
    if (all) parts.push(all);
  }
  return parts.join("; ");
}

/**
 * The rest of the step, for a step over 2x PyTorch's whose products and
 * dispatch floor do not explain it: the profiled kernels' own time (each
 * kernel's wall time, one step) against what runs outside them (tfjs's
 * engine and autodiff bookkeeping, our JS: batches, schedules), and the
 * step's measured all-in cost per kernel that is not a product, (step -
 * products) / kernels: the number of such kernels 2x PyTorch's step allows at
 * that cost, against the step's. A bound the bench measures, not a model.
 */
export function allInLine(b: Bound, productsMsHere: number): string | null {
  if (b.peerStepMs === null || b.stepMs <= 2 * b.peerStepMs) return null;
  const productCount = b.step.products.reduce((s, p) => s + p.count, 0);
  const others = b.step.kernels - productCount;
  if (others <= 0) return null;
  const outside = Math.max(0, b.stepMs - b.step.kernelMs);
  const perKernelUs = (1000 * (b.stepMs - productsMsHere)) / others;
  const budgetMs = 2 * b.peerStepMs - productsMsHere;
  const allowed = budgetMs > 0 ? Math.floor((1000 * budgetMs) / perKernelUs) : 0;
  const pct = (ms: number) => `${((100 * ms) / b.stepMs).toFixed(0)}%`;
  return (
    `the rest: the kernels as profiled ${b.step.kernelMs.toFixed(1)} ms (${pct(b.step.kernelMs)} of the step), outside them (engine, autodiff, our JS) ${outside.toFixed(1)} ms (${pct(outside)}); ` +
    `all-in ${perKernelUs.toFixed(1)} µs per kernel that is not a product ((step - products) / ${others}): at that cost 2x PyTorch's step allows ${allowed} such kernels, the step has ${others}` +
    (allowed < others ? `: bound by the number of kernels (${(others / Math.max(1, allowed)).toFixed(1)}x too many at this cost) or their cost` : "")
  );
}

/** The kernels of one step of a freshly made step, after `warmup` steps (for the bound line). */
export async function kernelsOfMadeStep(make: () => { step: (i: number) => tf.Scalar; dispose: () => void }, warmup = 2): Promise<StepKernels> {
  const { step, dispose } = make();
  for (let i = 0; i < warmup; i++) step(i).dispose();
  const k = await stepKernels(() => step(warmup));
  dispose();
  return k;
}
