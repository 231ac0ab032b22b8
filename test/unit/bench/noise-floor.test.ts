/**
 * The bench's noise floor: the draw it times is the generator's (a bigger
 * draw costs more, in proportion), and the line says the 5% target is out of
 * reach only when the draw alone exceeds 5% of the quiet step.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { floorAndTransformUs, noiseFloorLine, noiseFloorUs } from "../../../bench/noise-floor";
import { selectBackend } from "../../../src/engine";

test("the floor grows with the elements drawn (10x the elements: several times the time)", () => {
  const small = noiseFloorUs([20_000], 9, 5);
  const big = noiseFloorUs([100_000, 100_000], 9, 5);
  assert.ok(small > 0 && Number.isFinite(small));
  assert.ok(big > 4 * small, `200k elements ${big.toFixed(1)} µs vs 20k ${small.toFixed(1)} µs`);
});

test("the line flags a target below the draw only when the draw alone is over 5% of the step", () => {
  const over = noiseFloorLine("wasm, batch 32", 88210, 280, 3.0, 0.12);
  assert.match(over, /88,210 normals/);
  assert.match(over, /280 µs, 9\.3% of the step without noise; measured overhead 12\.0%/);
  assert.match(over, /5% target is below what the draw alone costs/);
  assert.doesNotMatch(noiseFloorLine("wasm, batch 128", 88210, 280, 6.0, 0.04), /target/);
  assert.doesNotMatch(over, /transform/);
  assert.match(noiseFloorLine("wasm, batch 32", 88210, 280, 3.0, 0.12, 350), /overhead 12\.0%; the library's transform alone 350 µs \(1\.25x the floor, 11\.7% of the step\): a 5% target/);
});

test("the transform timed beside the floor: both measured, no tensor left behind", async () => {
  await selectBackend({ backend: "wasm" });
  const before = tf.memory().numTensors;
  const { floorUs, transformUs } = floorAndTransformUs([[30, 20], [20], [7]], 5, 3);
  assert.ok(floorUs > 0 && Number.isFinite(floorUs) && transformUs > 0 && Number.isFinite(transformUs), `${floorUs} / ${transformUs}`);
  assert.equal(tf.memory().numTensors, before);
});
