/**
 * The webgpu backend's selection and device report: software adapters only
 * when asked for, the adapter named, the adapter's limits requested, device
 * errors thrown at the next read. Skipped without a WebGPU adapter (with the
 * reason), unless GRADNOISE_REQUIRE_WEBGPU=1 (.ci/run).
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { BACKEND_ENV, describeDevice, deviceLine, hasGpuDeviceNode, NO_GPU_NODE, prepareWebGPU, selectBackend, throwIfDeviceError, WEBGPU_SOFTWARE_ENV, webgpuAdapter } from "../../../src/engine";
import { MLP_TRAINING_KERNELS } from "../../../src/models/mlp";
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
});
