/**
 * Backend conformance: on every backend present (cpu, wasm, webgpu, and
 * tensorflow when installed) each kernel that a registered experiment declares
 * (forward and gradient), the noise wrapper and the deferred NaN check give
 * the cpu backend's results within stated tolerances, with flat tensor
 * counts; then one smoke run of every registered experiment trains to finite
 * numbers on each backend.
 *
 * webgpu runs on whatever adapter Dawn finds: this test asks for software
 * adapters explicitly (CI has only Mesa's lavapipe). Without a WebGPU adapter
 * its part is skipped with the reason, unless GRADNOISE_REQUIRE_WEBGPU=1
 * (set by .ci/run) makes that a failure. GRADNOISE_CONFORMANCE_BACKENDS=webgpu
 * (the GPU check's) skips the other backends' parts, cpu's reference aside;
 * GRADNOISE_CONFORMANCE_SMOKE=0 skips the experiments' smoke runs.
 *
 * Tolerances: float32 kernels may sum in another order on another backend:
 * |x - ref| <= ATOL + RTOL * |ref| with ATOL 1e-5, RTOL 1e-4 (measured on
 * lavapipe: ~1e-7). Integer and boolean outputs, and the noise itself (drawn
 * on the host, so bit-identical by construction), must match exactly.
 */
import { measuresProblem } from "../../../src/experiments/measures";
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { BackendName, kernelsUsedBy, packageVersion, prepareWebGPU, selectBackend, SYNC_READ_ERROR } from "../../../src/engine";
import { experiments } from "../../../src/experiments/registry";
import type { RunContext } from "../../../src/experiments/contract";
import { addGradientNoise, clipByGlobalNorm } from "../../../src/noise";
import { skipNonFinite } from "../../../src/noise/finite";
import { withTransforms } from "../../../src/noise/optimizer";
import { runSteps } from "../../../src/train/loop";
import { needTools, webgpuAdapterTool } from "../../support/tools";

/** Comma-separated backends to run the per-backend tests on (default: every one present). */
const ONLY_ENV = "GRADNOISE_CONFORMANCE_BACKENDS";

/** "0": leave out the smoke run of every experiment (the GPU check's --quick on lavapipe, where they take minutes). */
const SMOKE_ENV = "GRADNOISE_CONFORMANCE_SMOKE";
const smokeSkip = process.env[SMOKE_ENV] === "0" ? `${SMOKE_ENV}=0` : false;

const ATOL = 1e-5;
const RTOL = 1e-4;

/** Deterministic inputs (no tf.random: its values are what we compare). */
function det(shape: number[], seed: number, lo = -1, hi = 1): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  let s = seed * 9301 + 49297;
  for (let i = 0; i < n; i++) {
    s = (s * 9301 + 49297) % 233280;
    v[i] = lo + ((hi - lo) * s) / 233280;
  }
  return tf.tensor(v, shape);
}

type Probe = () => tf.Tensor[];

/**
 * One small computation per kernel, its gradient included where it has one:
 * `grad(f, ...xs)` returns f's outputs and d(sum(f * w))/dxs. A kernel an
 * experiment declares without a probe here fails the suite (add one).
 */
function grad(f: (...xs: tf.Tensor[]) => tf.Tensor, ...xs: tf.Tensor[]): tf.Tensor[] {
  const y = f(...xs);
  const w = det(y.shape, 99);
  const g = tf.grads((...a: tf.Tensor[]) => tf.sum(tf.mul(f(...a), w)))(xs);
  return [y, ...g];
}
const A = () => det([4, 6], 1);
const B = () => det([6, 5], 2);
const POS = () => det([4, 6], 3, 0.1, 2);
const PROBES: Record<string, Probe> = {
  Abs: () => grad(tf.abs, A()),
  Add: () => grad(tf.add, A(), det([6], 4)),
  // 12 inputs: over tfjs's default device limits; 43: over lavapipe's own (16 storage buffers), as in a 20-layer net's global norm.
  AddN: () => [...grad((...xs) => tf.addN(xs), ...Array.from({ length: 12 }, (_, i) => det([3, 4], 10 + i))), tf.addN(Array.from({ length: 43 }, (_, i) => det([5], 30 + i)))],
  ArgMax: () => [tf.argMax(A(), 1)],
  BatchMatMul: () => [...grad((a, b) => tf.matMul(a, b), A(), B()), ...grad((a, b) => tf.matMul(a, b, true, false), B(), det([6, 3], 5)), ...grad((a, b) => tf.matMul(a, b, false, true), A(), det([3, 6], 6))],
  Cast: () => [tf.cast(tf.mul(A(), 10), "int32"), ...grad((x) => tf.cast(x, "float32"), A())],
  ClipByValue: () => grad((x) => tf.clipByValue(x, -0.5, 0.5), A()),
  Concat: () => grad((a, b) => tf.concat([a, b], 1), A(), det([4, 2], 7)),
  Equal: () => [tf.equal(A(), tf.max(A(), 1, true))],
  Exp: () => grad(tf.exp, A()),
  ExpandDims: () => grad((x) => tf.expandDims(x, 1), A()),
  // Forward only: its gradient (UnsortedSegmentSum) is a kernel of its own, probed when declared.
  GatherV2: () => [tf.gather(det([3, 4], 8), tf.tensor1d([0, 2, 2, 1, 0], "int32"))],
  Greater: () => [tf.greater(A(), det([4, 6], 9))],
  GreaterEqual: () => [tf.greaterEqual(A(), det([4, 6], 9))],
  Identity: () => grad((x) => tf.clone(x), A()),
  Less: () => [tf.less(A(), det([4, 6], 9))],
  LessEqual: () => [tf.lessEqual(A(), det([4, 6], 9))],
  Log: () => grad(tf.log, POS()),
  LogicalAnd: () => [tf.logicalAnd(tf.greater(A(), 0), tf.less(det([4, 6], 9), 0))],
  Max: () => grad((x) => tf.max(x, 1), A()),
  Maximum: () => grad(tf.maximum, A(), det([4, 6], 9)),
  Mean: () => grad((x) => tf.mean(x, 1), A()),
  Minimum: () => grad(tf.minimum, A(), det([4, 6], 9)),
  Multiply: () => grad(tf.mul, A(), det([4, 6], 9)),
  Neg: () => grad(tf.neg, A()),
  NotEqual: () => [tf.notEqual(tf.tensor1d([0, 1, 2, 0], "int32"), tf.scalar(0, "int32"))],
  OneHot: () => [tf.oneHot(tf.tensor1d([0, 3, 1, 2], "int32"), 5)],
  Pack: () => grad((a, b) => tf.stack([a, b]), A(), det([4, 6], 9)),
  PadV2: () => grad((x) => tf.pad(x, [[1, 0], [0, 2]]), A()),
  Range: () => [tf.range(0, 7, 1, "int32"), tf.range(0, 3, 0.5)],
  RealDiv: () => grad(tf.div, A(), POS()),
  Relu: () => grad(tf.relu, A()),
  Reshape: () => grad((x) => tf.reshape(x, [6, 4]), A()),
  ScatterNd: () => [tf.scatterND(tf.tensor2d([[0], [2]], [2, 1], "int32"), det([2, 3], 11), [4, 3])],
  Select: () => grad((a, b) => tf.where(tf.greater(A(), 0), a, b), det([4, 6], 9), det([4, 6], 10)),
  Sigmoid: () => grad(tf.sigmoid, A()),
  Slice: () => grad((x) => tf.slice(x, [1, 2], [2, 3]), A()),
  Softmax: () => grad((x) => tf.softmax(x), A()),
  SplitV: () => grad((x) => tf.split(x, [2, 4], 1)[1], A()),
  Sqrt: () => grad(tf.sqrt, POS()),
  Square: () => grad(tf.square, A()),
  Step: () => [tf.step(A())],
  Sub: () => grad(tf.sub, A(), det([4, 6], 9)),
  Sum: () => grad((x) => tf.sum(x, 0), A()),
  Tanh: () => grad(tf.tanh, A()),
  Transpose: () => grad((x) => tf.transpose(x), A()),
  Unpack: () => grad((x) => tf.unstack(x, 1)[2], A()),
  UnsortedSegmentSum: () => grad((x) => tf.gather(x, tf.tensor1d([0, 2, 2, 1, 0], "int32")), det([3, 4], 8)),
  ZerosLike: () => [tf.zerosLike(A())],
};

const declared = [...new Set(experiments().flatMap((e) => e.requiredKernels))].sort();

interface Values {
  dtype: string;
  shape: number[];
  values: number[];
}
async function read(ts: tf.Tensor[]): Promise<Values[]> {
  const out: Values[] = [];
  for (const t of ts) out.push({ dtype: t.dtype, shape: t.shape, values: Array.from(await t.data()) });
  tf.dispose(ts);
  return out;
}

function assertClose(got: Values[], want: Values[], what: string): void {
  assert.equal(got.length, want.length, `${what}: number of outputs`);
  got.forEach((g, i) => {
    assert.deepEqual(g.shape, want[i].shape, `${what} output ${i}: shape`);
    assert.equal(g.dtype, want[i].dtype, `${what} output ${i}: dtype`);
    g.values.forEach((v, j) => {
      const r = want[i].values[j];
      const ok = g.dtype === "float32" ? Math.abs(v - r) <= ATOL + RTOL * Math.abs(r) || (Number.isNaN(v) && Number.isNaN(r)) : v === r;
      assert.ok(ok, `${what} output ${i}[${j}]: ${v}, cpu ${r}`);
    });
  });
}

/** Which backends this machine has, and why not the others. */
async function present(): Promise<{ name: BackendName; skip: string | false; assertPresent?: () => void }[]> {
  const list: { name: BackendName; skip: string | false; assertPresent?: () => void }[] = [{ name: "cpu", skip: false }];
  let wasm: string | false = false;
  try {
    await import("@tensorflow/tfjs-backend-wasm");
  } catch (e) {
    wasm = `wasm did not load: ${(e as Error).message.split("\n")[0]}`;
  }
  list.push({ name: "wasm", skip: wasm });
  const webgpu = needTools("backend conformance on webgpu (unit/engine/conformance)", ["GRADNOISE_REQUIRE_WEBGPU"], [webgpuAdapterTool(await prepareWebGPU(true))]);
  list.push({ name: "webgpu", skip: webgpu.skip, assertPresent: webgpu.assertPresent });
  const nativeInstalled = ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"].some((p) => packageVersion(p) !== undefined);
  list.push({ name: "tensorflow", skip: nativeInstalled ? false : "tfjs-node(-gpu) is not installed" });
  // The GPU check (scripts/gpu-check.sh) runs this suite on webgpu alone; cpu's reference values are computed either way.
  const only = process.env[ONLY_ENV]?.split(",").map((s) => s.trim());
  return only ? list.map((b) => (only.includes(b.name) ? b : { ...b, skip: b.skip || `not in ${ONLY_ENV}=${only.join(",")}`, assertPresent: undefined })) : list;
}

describe("backend conformance", async () => {
  const backends = await present();
  const reference = new Map<string, Values[]>();

  test("every kernel an experiment declares has a probe that runs it", async () => {
    assert.ok(declared.length > 0, "no experiment declares requiredKernels");
    const missing = declared.filter((k) => !PROBES[k]);
    assert.deepEqual(missing, [], `kernels declared by experiments without a probe in test/unit/engine/conformance.test.ts: ${missing.join(", ")}`);
    await selectBackend({ backend: "cpu" });
    for (const k of declared) {
      const used = await kernelsUsedBy(() => tf.dispose(PROBES[k]()));
      assert.ok(used.includes(k), `the ${k} probe does not run ${k} (runs ${used.join(", ")})`);
      reference.set(k, await read(tf.tidy(PROBES[k]).map((t) => tf.keep(t))));
    }
    reference.set("noise", await noiseRun());
  });

  for (const { name, skip, assertPresent } of backends) {
    describe(name, { skip }, () => {
      test(`selectBackend('${name}') succeeds for every experiment's kernels`, async () => {
        assertPresent?.();
        const c = await selectBackend({ backend: name, requiredKernels: declared, allowSoftwareAdapter: true });
        assert.equal(tf.getBackend(), name);
        if (name === "webgpu") assert.ok(c.adapter, "the choice names the adapter");
      });

      if (name === "webgpu") {
        test("a synchronous read of device data throws (so the smoke runs below prove none happens)", async () => {
          await selectBackend({ backend: name, allowSoftwareAdapter: true });
          const y = tf.tidy(() => tf.square(tf.tensor1d([1, 2, 3])));
          try {
            assert.throws(() => y.dataSync(), new RegExp(SYNC_READ_ERROR));
            assert.deepEqual(Array.from(await y.data()), [1, 4, 9]);
          } finally {
            y.dispose();
          }
        });
      }

      test("every declared kernel and its gradient match cpu", async () => {
        await selectBackend({ backend: name, requiredKernels: declared, allowSoftwareAdapter: true });
        const n0 = tf.memory().numTensors;
        for (const k of declared) {
          assertClose(await read(tf.tidy(PROBES[k]).map((t) => tf.keep(t))), reference.get(k)!, `${name} ${k}`);
        }
        assert.equal(tf.memory().numTensors, n0, "tensor count after the probes");
      });

      test("the noise wrapper: same seed, same noise as on cpu", async () => {
        await selectBackend({ backend: name, allowSoftwareAdapter: true });
        assertClose(await noiseRun(), reference.get("noise")!, `${name} noise`);
      });

      test("deferred skipNonFinite: a NaN step leaves parameters and Adam's state as if never seen, counted", async () => {
        await selectBackend({ backend: name, allowSoftwareAdapter: true });
        await deferredCheck();
      });

      test("runSteps with a deferred skipNonFinite: the NaN step is skipped and counted, the rest applied", async () => {
        await selectBackend({ backend: name, allowSoftwareAdapter: true });
        const v = tf.variable(tf.tensor1d([1, 2]), true, `rs-${name}`);
        const guard = skipNonFinite({ read: "deferred" });
        const opt = withTransforms(tf.train.sgd(0.5), [guard]);
        try {
          const step = (i: number) => {
            const g = { [v.name]: tf.tensor1d(i === 3 ? [0, NaN] : [1, 1]) };
            opt.applyGradients(g);
            tf.dispose(Object.values(g));
          };
          await runSteps(6, 0, step, () => undefined);
          assert.deepEqual(Array.from(await v.data()), [-1.5, -0.5], "five good SGD steps of 0.5, the bad one skipped");
          assert.equal(opt.step, 6);
          assert.equal(await guard.skippedSteps(), 1);
        } finally {
          v.dispose();
          opt.dispose();
        }
      });

      for (const e of experiments()) {
        test(`one smoke run of ${e.id} trains, finite${name === "cpu" ? "" : ", tensor count flat"}`, { skip: smokeSkip }, async (t) => {
          await selectBackend({ backend: name, requiredKernels: e.requiredKernels, allowSoftwareAdapter: true });
          const config = e.configs.smoke;
          const spec = e.plan(config)[0];
          const ctx: RunContext = { scale: "smoke", cache: new Map() };
          let record: Record<string, unknown>;
          try {
            record = (await e.run(spec, config, ctx)) as unknown as Record<string, unknown>;
          } catch (err) {
            // Experiments on a corpus this machine lacks say so; that is not the backend's fault.
            const msg = (err as Error).message;
            if (/ENOENT|no such file|not found|download/i.test(msg) && !/kernel|webgpu/i.test(msg)) {
              t.skip(`data missing on this machine: ${msg.split("\n")[0]}`);
              return;
            }
            throw err;
          }
          // The first run may fill ctx.cache (data sets as tensors): count from after it.
          const n0 = tf.memory().numTensors;
          assert.equal(measuresProblem(record, e.measures), undefined, `${e.id} on ${name}: a measure breaks its declared type or range`);
          assert.match(String(record.engine), new RegExp(`backend ${name}`));
          // A second run with the same cache adds no tensors (no leak per run). Leaks are
          // JavaScript-side (a missing tidy or dispose), the same on every backend, so the
          // slow reference backend skips this second run (it cost ~50 s of CI).
          if (name === "cpu") return;
          await e.run(spec, config, ctx);
          assert.equal(tf.memory().numTensors, n0, `${e.id} on ${name}: tensors left by a second run`);
        });
      }
    });
  }
});

/** Noise on zero gradients of zero variables, SGD lr 1: the variables become minus the (clipped) noise. */
async function noiseRun(): Promise<Values[]> {
  // Same names on every backend: the noise streams are keyed by parameter name and index.
  const vars = [tf.variable(tf.zeros([5, 7]), true, "conf/w1"), tf.variable(tf.zeros([7]), true, "conf/b1")];
  const opt = withTransforms(tf.train.sgd(1), [skipNonFinite({ read: "deferred" }), clipByGlobalNorm(100), addGradientNoise({ eta: 0.3, seed: 42 })]);
  try {
    const step = () => {
      const grads: tf.NamedTensorMap = {};
      vars.forEach((v) => (grads[v.name] = tf.zerosLike(v)));
      opt.applyGradients(grads);
      tf.dispose(Object.values(grads));
    };
    step(); // the first step allocates the optimizer's state (and the guard's count)
    const n0 = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    assert.equal(tf.memory().numTensors, n0, "tensor count after noisy steps");
    return await read(vars.map((v) => tf.clone(v)));
  } finally {
    tf.dispose(vars);
    opt.dispose();
  }
}

/** A bad step among good ones, skipped on device: the state equals a run that never saw it. */
async function deferredCheck(): Promise<void> {
  const be = tf.getBackend();
  const mk = (tag: string) => [tf.variable(det([3, 2], 1), true, `dc-${tag}-a-${be}`), tf.variable(det([2], 2), true, `dc-${tag}-b-${be}`)];
  const good = (vs: tf.Variable[], s: number) => ({ [vs[0].name]: det([3, 2], 10 + s), [vs[1].name]: det([2], 20 + s) });
  // No noise here: its streams are keyed by name, and the two runs' names differ.
  const guard = skipNonFinite({ read: "deferred" });
  const ref = mk("ref");
  const refOpt = withTransforms(tf.train.adam(0.1), [clipByGlobalNorm(10)]);
  const vs = mk("bad");
  const opt = withTransforms(tf.train.adam(0.1), [guard, clipByGlobalNorm(10)]);
  const apply = (o: tf.Optimizer, g: tf.NamedTensorMap) => {
    o.applyGradients(g);
    tf.dispose(Object.values(g));
  };
  apply(refOpt, good(ref, 0));
  apply(opt, good(vs, 0));
  const n0 = tf.memory().numTensors;
  const bad = good(vs, 1);
  bad[vs[1].name].dispose();
  bad[vs[1].name] = tf.tensor1d([0.5, NaN]);
  apply(opt, bad); // step 1: bad, skipped
  apply(opt, good(vs, 2)); // step 2: finite, applied
  apply(refOpt, good(ref, 2));
  assert.equal(tf.memory().numTensors, n0, "a skipped step leaves no tensor behind (the count is one scalar)");
  assert.equal(await guard.skippedSteps(), 1);
  assert.equal(opt.step, 3, "t counts the skipped step too");
  // Both continue with the same good step: Adam's moments and beta powers must agree.
  apply(refOpt, good(ref, 5));
  apply(opt, good(vs, 5));
  assertClose(await read(vs.map((v) => tf.clone(v))), await read(ref.map((v) => tf.clone(v))), `${be} deferred skip`);
  tf.dispose([...vs, ...ref]);
  opt.dispose();
  refOpt.dispose();
}
