/**
 * GPU check, step "adapter": which WebGPU adapter Dawn finds here (vendor,
 * architecture, description, driver), as JSON on stdout. A software adapter
 * (lavapipe, SwiftShader) is never reported as a GPU: without
 * GRADNOISE_WEBGPU_SOFTWARE=1 the step fails saying so; with it, the report
 * says "software: true" and every later number is labelled not-a-GPU.
 */
import * as tf from "@tensorflow/tfjs";
import { execFileSync } from "node:child_process";
import { deviceLine, prepareWebGPU, selectBackend, softwareAllowedByEnv, WEBGPU_SOFTWARE_ENV } from "../../src/engine";
import { runStep, stepArgs } from "./args";

/** nvidia-smi's name and driver, where the machine has one (Dawn's description may omit the driver). */
function nvidiaSmi(): string | null {
  try {
    return execFileSync("nvidia-smi", ["--query-gpu=name,driver_version,memory.total", "--format=csv,noheader"], { encoding: "utf8", timeout: 10_000 }).trim();
  } catch {
    return null;
  }
}

runStep(async () => {
  stepArgs("adapter", process.argv.slice(2), {});
  // Ask with software allowed, then judge here: the refusal must name what was found.
  const why = await prepareWebGPU(true);
  if (why) throw new Error(`no WebGPU adapter: ${why}`);
  const choice = await selectBackend({ backend: "webgpu", allowSoftwareAdapter: true });
  const a = choice.adapter!;
  const name = `${a.vendor || "unknown vendor"} ${a.architecture || "unknown architecture"}${a.description ? ` (${a.description})` : ""}`;
  const report = {
    adapter: name,
    vendor: a.vendor,
    architecture: a.architecture,
    device: a.device,
    description: a.description,
    software: a.software,
    gpu: choice.gpu,
    nvidiaSmi: nvidiaSmi(),
    engine: deviceLine(),
    tfjs: tf.version["tfjs-core"],
    node: process.version,
    versions: a.versions,
    limits: a.limits,
  };
  console.log(JSON.stringify(report, null, 2));
  if (a.software) {
    if (!softwareAllowedByEnv()) {
      throw new Error(`only a SOFTWARE adapter was found (${name}): not a GPU, so there is nothing to check. Is the GPU's Vulkan driver visible (VK_DRIVER_FILES)? Set ${WEBGPU_SOFTWARE_ENV}=1 to run the check on it anyway, labelled as software.`);
    }
    console.error(`adapter: SOFTWARE (${name}): not a GPU; run on it because ${WEBGPU_SOFTWARE_ENV} is set. No number from this check is a hardware number.`);
  }
});
