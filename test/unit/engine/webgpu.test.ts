/**
 * The webgpu backend's selection and device report: software adapters only
 * when asked for, the adapter named, the adapter's limits requested, device
 * errors thrown at the next read. Skipped without a WebGPU adapter (with the
 * reason), unless GRADNOISE_REQUIRE_WEBGPU=1 (.ci/run).
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { BACKEND_ENV, describeDevice, deviceLine, devicePacer, hasGpuDeviceNode, NO_GPU_NODE, prepareWebGPU, selectBackend, throwIfDeviceError, WEBGPU_SOFTWARE_ENV, webgpuAdapter } from "../../../src/engine";
import { populationMatMul } from "../../../src/models/dense";
import { MLP_TRAINING_KERNELS } from "../../../src/models/mlp";
import { runSteps } from "../../../src/train/loop";
import { readFileSync } from "node:fs";
import { needTools, webgpuAdapterTool } from "../../support/tools";

describe("webgpu engine", async () => {
  const tools = needTools("the webgpu engine tests (unit/engine/webgpu)", ["GRADNOISE_REQUIRE_WEBGPU"], [webgpuAdapterTool(await prepareWebGPU(true))]);
  const skip = tools.skip;
  const saved = { backend: process.env[BACKEND_ENV], software: process.env[WEBGPU_SOFTWARE_ENV] };
  after(() => {
    for (const [k, v] of [[BACKEND_ENV, saved.backend], [WEBGPU_SOFTWARE_ENV, saved.software]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  test("selected explicitly, it reports the adapter and the limits it requested", { skip }, async () => {
    tools.assertPresent();
    const c = await selectBackend({ backend: "webgpu", requiredKernels: MLP_TRAINING_KERNELS, allowSoftwareAdapter: true });
    assert.equal(tf.getBackend(), "webgpu");
    const a = webgpuAdapter()!;
    assert.deepEqual(c.adapter, a);
    assert.equal(c.gpu, !a.software);
    assert.ok(a.vendor || a.architecture, "vendor or architecture named");
    const d = describeDevice();
    assert.equal(d.backend, "webgpu");
    assert.deepEqual(d.adapter, a);
    assert.match(deviceLine(d), a.software ? /backend webgpu on software WebGPU adapter/ : /backend webgpu on WebGPU GPU/);
    // The device has the adapter's limits, not tfjs's defaults (8 storage buffers per stage).
    const device = (tf.backend() as unknown as { device: { limits: Record<string, number> } }).device;
    for (const k of ["maxStorageBuffersPerShaderStage", "maxBufferSize", "maxComputeWorkgroupStorageSize"]) {
      assert.equal(device.limits[k], a.limits[k], k);
    }
  });

  test("a software adapter is used only when asked for: auto passes it over, explicit says how to ask", { skip }, async (t) => {
    tools.assertPresent();
    if (!webgpuAdapter()?.software) {
      t.skip("a hardware WebGPU adapter: no software adapter to pass over");
      return;
    }
    delete process.env[WEBGPU_SOFTWARE_ENV];
    delete process.env[BACKEND_ENV];
    const auto = await selectBackend({ requiredKernels: MLP_TRAINING_KERNELS });
    assert.notEqual(auto.backend, "webgpu");
    const passed = auto.passedOver.find((p) => p.backend === "webgpu");
    assert.ok(passed && /only a software adapter/.test(passed.why), JSON.stringify(auto.passedOver));
    // Without a GPU device node (this CI machine) auto does not even load Dawn, and says why.
    if (!hasGpuDeviceNode()) assert.equal(passed.why, NO_GPU_NODE);
    await assert.rejects(selectBackend({ backend: "webgpu" }), new RegExp(`${WEBGPU_SOFTWARE_ENV}=1`));
    process.env[WEBGPU_SOFTWARE_ENV] = "1";
    process.env[BACKEND_ENV] = "webgpu";
    // A notebook's backend = "auto" parameter leaves the choice to GRADNOISE_BACKEND.
    assert.equal((await selectBackend({ backend: "auto" })).backend, "webgpu");
    delete process.env[BACKEND_ENV];
    delete process.env[WEBGPU_SOFTWARE_ENV];
  });

  test("a device error is thrown at the next awaited read", { skip }, async () => {
    tools.assertPresent();
    await selectBackend({ backend: "webgpu", allowSoftwareAdapter: true });
    const device = (tf.backend() as unknown as { device: { createBuffer(d: { size: number; usage: number }): unknown } }).device;
    device.createBuffer({ size: 2 ** 50, usage: 0x80 }); // over maxBufferSize: a validation error, reported asynchronously
    const y = tf.square(tf.tensor1d([1, 2]));
    try {
      await assert.rejects(y.data(), /WebGPU device error.*(size|limit)/i);
    } finally {
      y.dispose();
      try {
        throwIfDeviceError(); // leave none for later tests
      } catch {
        /* cleared */
      }
    }
    const z = tf.tidy(() => tf.square(tf.tensor1d([3])));
    assert.deepEqual(Array.from(await z.data()), [9], "reads work again after the error was thrown");
    z.dispose();
  });
  // Issue 29: a population of 40 crashed lavapipe after 7 unread steps. Dawn recycles a
  // dispatch's bind group only once it has seen the dispatch done, and looks only while JS
  // awaits a device promise; lavapipe maps one 4 KiB page per descriptor set, so an unread
  // queue of steps grows the process's mappings until mmap fails (vm.max_map_count).
  test("runSteps paces the device: unread steps do not pile up bind groups", { skip }, async (t) => {
    tools.assertPresent();
    if (process.platform !== "linux") {
      t.skip("counts /proc/self/maps (Linux)");
      return;
    }
    await selectBackend({ backend: "webgpu", allowSoftwareAdapter: true });
    const maps = () => readFileSync("/proc/self/maps", "utf8").split("\n").length - 1;
    // A step: PER_STEP small dispatches, each with its own bind group, and products that keep the
    // device busy for longer than the step takes to queue (so an unpaced queue falls behind,
    // as the population's did: 10,245 dispatches a step took ~2.5 s to queue, longer to run).
    const PER_STEP = 600;
    const before = tf.memory().numTensors;
    const x = tf.zeros([64]);
    const m = tf.randomUniform([512, 512], 0, 0.01, "float32", 3);
    const step = () =>
      tf.tidy(() => {
        let p = m;
        for (let k = 0; k < 8; k++) p = tf.matMul(p, m);
        let a = x;
        for (let k = 0; k < PER_STEP; k++) a = tf.add(a, 1);
      });
    const settle = async () => {
      const r = tf.sum(x);
      await r.data(); // a read: Dawn catches up, recycling what has run
      r.dispose();
    };
    try {
      await settle();
      step(); // warm: pipelines compiled, tfjs's buffer pool filled
      await settle();
      // The control: the same steps unpaced. Where the driver maps descriptor memory (lavapipe),
      // mappings grow by ~a page per dispatch; a driver that does not shows nothing to measure.
      const u0 = maps();
      for (let i = 0; i < 6; i++) step();
      const unpaced = maps() - u0;
      await settle();
      if (unpaced < 3 * PER_STEP) {
        t.skip(`this driver maps no memory per bind group (${unpaced} mappings over 6 unpaced steps)`);
        return;
      }
      const seen: number[] = [];
      await runSteps(6, 0, () => {
        step();
        seen.push(maps());
      }, () => undefined);
      console.log(`# mappings: +${unpaced} over 6 unpaced steps; paced, after each step: ${seen.join(", ")}`);
      // Paced, the queue holds about two steps: from the third step on, no growth beyond one step's worth.
      const growth = seen[5] - seen[1];
      assert.ok(growth < PER_STEP, `paced: +${growth} mappings over steps 2-6 (unpaced: +${unpaced} over 6 steps); seen ${seen.join(", ")}`);
    } finally {
      await settle();
      tf.dispose([x, m]);
    }
    assert.equal(tf.memory().numTensors, before);
  });

  test("populationMatMul on webgpu: one batched product whatever the runs, cpu's values and gradients", { skip }, async () => {
    tools.assertPresent();
    const f = (x: tf.Tensor, w: tf.Tensor) => tf.sum(tf.square(populationMatMul(x as tf.Tensor3D, w as tf.Tensor3D)));
    const valueAndGrads = async (backend: "cpu" | "webgpu", runs: number) => {
      await selectBackend({ backend, allowSoftwareAdapter: true });
      const x = tf.randomNormal([runs, 5, 4], 0, 1, "float32", 1);
      const w = tf.randomNormal([runs, 4, 3], 0, 1, "float32", 2);
      const be = tf.backend() as unknown as { runWebGPUProgram?: (...a: unknown[]) => unknown };
      const run = be.runWebGPUProgram;
      let dispatches = 0;
      if (run) {
        be.runWebGPUProgram = (...a: unknown[]) => {
          dispatches++;
          return run.apply(be, a);
        };
      }
      try {
        const out = tf.tidy(() => [populationMatMul(x as tf.Tensor3D, w as tf.Tensor3D), ...tf.grads(f)([x, w])]);
        const values = await Promise.all(out.map((t) => t.data()));
        tf.dispose([...out, x, w]);
        return { values: values.map((v) => Array.from(v)), dispatches };
      } finally {
        if (run) be.runWebGPUProgram = run;
      }
    };
    const ref = await valueAndGrads("cpu", 6);
    const gpu = await valueAndGrads("webgpu", 6);
    gpu.values.forEach((v, i) => v.forEach((g, j) => assert.ok(Math.abs(g - ref.values[i][j]) <= 1e-5 + 1e-4 * Math.abs(ref.values[i][j]), `output ${i}[${j}]: ${g} vs cpu ${ref.values[i][j]}`)));
    // As R 2-D products the dispatches grew with the runs (~3 per run and product).
    const two = await valueAndGrads("webgpu", 2);
    assert.equal(gpu.dispatches, two.dispatches, `dispatches for 6 runs ${gpu.dispatches}, for 2 runs ${two.dispatches}`);
  });

  test("devicePacer resolves at once off webgpu and changes no value", async () => {
    await selectBackend({ backend: "cpu" });
    const pace = devicePacer();
    const v = tf.variable(tf.scalar(1));
    for (let i = 0; i < 3; i++) {
      v.assign(tf.tidy(() => tf.mul(v, 3)));
      await pace();
    }
    assert.deepEqual(Array.from(await v.data()), [27]);
    v.dispose();
  });
});
