import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { BACKEND_ENV, describeDevice, deviceLine, kernelsUsedBy, missingKernels, selectBackend } from "../../../src/engine";
import { MLP_TRAINING_KERNELS } from "../../../src/models/mlp";

describe("selectBackend", () => {
  after(() => delete process.env[BACKEND_ENV]);

  test("an explicit choice wins", async () => {
    const c = await selectBackend({ backend: "cpu" });
    assert.equal(c.backend, "cpu");
    assert.equal(tf.getBackend(), "cpu");
  });

  test("GRADNOISE_BACKEND is honoured, and a bad value names the variable", async () => {
    process.env[BACKEND_ENV] = "cpu";
    assert.equal((await selectBackend()).backend, "cpu");
    process.env[BACKEND_ENV] = "tpu";
    await assert.rejects(selectBackend(), /GRADNOISE_BACKEND environment variable must be one of .*got "tpu"/);
    delete process.env[BACKEND_ENV];
    await assert.rejects(selectBackend({ backend: "bogus" as never }), /backend option must be one of/);
  });

  test("auto picks WASM for the MLP on a machine without native TensorFlow", async () => {
    const c = await selectBackend({ requiredKernels: MLP_TRAINING_KERNELS });
    if (c.passedOver.some((p) => p.backend === "tensorflow")) assert.equal(c.backend, "wasm");
    else assert.equal(c.backend, "tensorflow");
    assert.equal(tf.getBackend(), c.backend);
  });

  test("a kernel WASM lacks and we cannot fill sends auto to cpu, saying why", async () => {
    const c = await selectBackend({ requiredKernels: ["BatchMatMul", "Conv2DBackpropFilter"] });
    assert.equal(c.backend, "cpu");
    const wasm = c.passedOver.find((p) => p.backend === "wasm");
    assert.ok(wasm && /Conv2DBackpropFilter/.test(wasm.why), JSON.stringify(c.passedOver));
    await assert.rejects(selectBackend({ backend: "wasm", requiredKernels: ["Conv2DBackpropFilter"] }), /requested backend 'wasm' cannot run this model: lacks kernel\(s\) Conv2DBackpropFilter/);
  });

  test("a kernel no backend has is an error listing every backend tried", async () => {
    await assert.rejects(selectBackend({ requiredKernels: ["NoSuchKernel"] }), /no backend can run this model: .*wasm lacks kernel\(s\) NoSuchKernel.*cpu lacks kernel\(s\) NoSuchKernel/);
  });
});

describe("kernel gaps", () => {
  test("without fills WASM cannot train an embedding; with the engine's fill it can, and matches cpu", async () => {
    await selectBackend({ backend: "cpu" });
    const E = [0.5, -1, 2, 0.25, 3, -0.75, 1.5, 1, -2, 0.1];
    const ids = [3, 1, 3, 0, 4];
    const w = [1, -2];
    const gradOf = () =>
      tf.tidy(() => {
        const emb = tf.tensor2d(E, [5, 2]);
        const g = tf.grad((e: tf.Tensor) => tf.sum(tf.mul(tf.gather(e, tf.tensor1d(ids, "int32")), tf.tensor1d(w))))(emb);
        return Array.from(g.dataSync());
      });
    const onCpu = gradOf();
    // Hand computation: row r's gradient is w times the number of times r is looked up.
    const expected = [0, 1, 2, 3, 4].flatMap((r) => w.map((wi) => wi * ids.filter((i) => i === r).length + 0)); // + 0 turns -0 into 0
    assert.deepEqual(onCpu, expected);

    await import("@tensorflow/tfjs-backend-wasm");
    assert.deepEqual(missingKernels("wasm", ["UnsortedSegmentSum"]), ["UnsortedSegmentSum"], "precondition: WASM lacks the kernel");
    await assert.rejects(selectBackend({ backend: "wasm", requiredKernels: ["UnsortedSegmentSum"], fillGaps: false }), /lacks kernel\(s\) UnsortedSegmentSum/);

    const c = await selectBackend({ backend: "wasm", requiredKernels: ["GatherV2", "UnsortedSegmentSum"] });
    assert.deepEqual(c.filled, ["UnsortedSegmentSum"]);
    assert.equal(tf.getBackend(), "wasm");
    assert.deepEqual(gradOf(), expected);
  });

  test("WASM's Slice (engine/wasm-slice.ts) gives cpu's values: rows, column blocks, interiors, -1 sizes, int32, rank 3", async () => {
    const cases: [number[], "float32" | "int32", number[], number[]][] = [
      [[7], "float32", [2], [4]],
      [[6, 5], "float32", [2, 0], [3, 5]],
      [[6, 5], "float32", [0, 1], [6, 2]],
      [[6, 5], "int32", [1, 2], [4, -1]],
      [[6, 5], "float32", [5, 4], [1, 1]],
      [[3, 4, 5], "float32", [1, 1, 2], [2, 3, 2]],
    ];
    const run = () => cases.map(([shape, dtype, begin, size]) => tf.tidy(() => {
      const n = shape.reduce((a, b) => a * b, 1);
      // A tensor allocated before and one after: the view is taken after the output's allocation.
      const x = tf.tensor(Array.from({ length: n }, (_, i) => i * 1.5 - 7), shape, dtype);
      return Array.from(tf.slice(x, begin, size).dataSync());
    }));
    await selectBackend({ backend: "cpu" });
    const onCpu = run();
    await selectBackend({ backend: "wasm" });
    assert.deepEqual(run(), onCpu);
    await selectBackend({ backend: "cpu" });
  });

  test("WASM's SplitV and Unpack (engine/wasm-slice.ts) give cpu's values: every axis, equal and given sizes, int32, concat's and stack's gradients", async () => {
    const cases: [number[], "float32" | "int32", number | number[], number][] = [
      [[12], "float32", 3, 0],
      [[6, 8], "float32", 4, 1],
      [[6, 8], "int32", [1, 5], 0],
      [[5, 7, 3], "float32", [6, 1], 1],
      [[5, 7, 3], "float32", [1, 2], 2],
      [[2, 3, 4, 5], "float32", [2, -1], 3],
    ];
    const run = () => [
      ...cases.map(([shape, dtype, splits, axis]) => tf.tidy(() => {
        const n = shape.reduce((a, b) => a * b, 1);
        const x = tf.tensor(Array.from({ length: n }, (_, i) => i * 1.5 - 7), shape, dtype);
        return tf.split(x, splits, axis).map((p) => [p.shape, Array.from(p.dataSync())]);
      })),
      // Unpack, every axis; tf.stack's gradient is an Unpack of dy.
      ...([0, 1, 2] as const).map((axis) => tf.tidy(() => tf.unstack(tf.tensor3d(gaussianish(24), [2, 3, 4]), axis).map((p) => [p.shape, Array.from(p.dataSync())]))),
      tf.tidy(() => {
        const xs = [0, 1, 2].map((k) => tf.tensor2d(gaussianish(6, k), [2, 3]));
        const r = tf.tensor3d(gaussianish(18, 5), [2, 3, 3]);
        return tf.grads((...a: tf.Tensor[]) => tf.sum(tf.mul(tf.stack(a, 1), r)))(xs).map((g) => [g.shape, Array.from(g.dataSync())]);
      }),
      // tf.concat's gradient is a SplitV of dy.
      tf.tidy(() => {
        const [a, b] = [tf.tensor3d(gaussianish(30), [2, 5, 3]), tf.tensor3d(gaussianish(12), [2, 2, 3])];
        const r = tf.tensor3d(gaussianish(42, 3), [2, 7, 3]);
        return tf.grads((u: tf.Tensor, v: tf.Tensor) => tf.sum(tf.mul(tf.concat([u, v], 1), r)))([a, b]).map((g) => [g.shape, Array.from(g.dataSync())]);
      }),
    ];
    await selectBackend({ backend: "cpu" });
    const onCpu = run();
    await selectBackend({ backend: "wasm" });
    assert.notEqual(tf.getKernel("SplitV", "wasm")?.kernelFunc.name, "splitV", "precondition: the replacement kernel is installed");
    assert.notEqual(tf.getKernel("Unpack", "wasm")?.kernelFunc.name, "unpack", "precondition: the replacement kernel is installed");
    assert.deepEqual(run(), onCpu);
    await selectBackend({ backend: "cpu" });
  });

  test("WASM's Identity shares its input's buffer: a clone outlives its source, and the buffer is freed with the last of them", async () => {
    await selectBackend({ backend: "wasm" });
    const before = tf.memory().numDataBuffers;
    const x = tf.tensor2d([1.5, -2, 3, 4.25, 5, 6], [2, 3]);
    const y = tf.clone(x);
    const z = tf.clone(y);
    assert.equal(tf.memory().numDataBuffers - before, 1, "one buffer for the three tensors");
    x.dispose();
    y.dispose();
    assert.deepEqual(Array.from(z.dataSync()), [1.5, -2, 3, 4.25, 5, 6]);
    z.dispose();
    assert.equal(tf.memory().numDataBuffers, before);
    await selectBackend({ backend: "cpu" });
  });

  test("kernelsUsedBy lists kernels, not op scopes", async () => {
    await selectBackend({ backend: "cpu" });
    const x = tf.tensor2d([[1, 2]]);
    const y = tf.tensor2d([[0, 1]]);
    const names = await kernelsUsedBy(() => {
      tf.tidy(() => tf.losses.softmaxCrossEntropy(y, x));
    });
    assert.ok(names.includes("Exp") && names.includes("Log"), names.join(","));
    assert.ok(!names.some((n) => n.includes("__op")), names.join(","));
  });
});

test("describeDevice reports backend, device and versions", async () => {
  await selectBackend({ backend: "cpu" });
  const d = describeDevice();
  assert.equal(d.backend, "cpu");
  assert.equal(d.gpu, false);
  assert.ok(d.cpuCores >= 1);
  assert.equal(d.versions["tfjs-core"], tf.version_core);
  assert.equal(d.versions["tfjs-node"], undefined, "danfojs's alias of tfjs must not be reported as the native binding");
  assert.match(deviceLine(d), /^backend cpu on CPU .*, \d+ cores; tfjs 4\.\d+\.\d+, node v\d+/);
});

/** Distinct values without a generator: i * 0.37 + offset, folded into [-2, 2). */
function gaussianish(n: number, offset = 0): number[] {
  return Array.from({ length: n }, (_, i) => ((i * 0.37 + offset) % 4) - 2);
}
