/**
 * For tests of a WASM kernel that selectBackend replaces (engine/wasm-*.ts):
 * the backend's own kernel function, captured before the replacement, with
 * the wasm backend then selected and the replacement checked to be in place.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { selectBackend } from "../../src/engine";

export async function originalWasmKernel(name: string): Promise<tf.KernelConfig["kernelFunc"]> {
  await import("@tensorflow/tfjs-backend-wasm");
  const k = tf.getKernel(name, "wasm");
  assert.ok(k, `tfjs-backend-wasm registers ${name}`);
  await selectBackend({ backend: "wasm" });
  assert.notEqual(tf.getKernel(name, "wasm")!.kernelFunc, k.kernelFunc, `selectBackend replaces ${name}`);
  return k.kernelFunc;
}
