/**
 * The pictures' model: one trial of the config (its first grid point, no
 * noise, seed 1) and its image over the steps of one test multiplication.
 */
import { encodeBatch, errorRates, multiplication, NeuralGPU, randomExamples, stateActivity, trainNeuralGPU } from "../../families/neural-gpu";
import { gridPoints, NeuralGPUSectionConfig } from "./run";

export interface StateDemo {
  activity: number[][];
  a: bigint;
  b: bigint;
  bits: number;
  digitError: number;
}

export async function stateDemo(c: NeuralGPUSectionConfig, onStep?: (done: number, total: number) => void): Promise<StateDemo> {
  const p = gridPoints(c.grid)[0];
  const model = new NeuralGPU({ ...c.model, initScale: p.initScale }, 1);
  try {
    await trainNeuralGPU(model, {
      steps: c.steps, batchSize: c.batchSize, learningRate: p.learningRate, adamEpsilon: c.adamEpsilon, clip: c.clip, dropout: p.dropout,
      pull: c.pull, pullFactor: p.pullFactor, checkEvery: c.checkEvery, eta: null, gamma: c.gamma,
      curriculum: { minBits: 1, maxBits: c.trainBits, startBits: c.startBits, threshold: p.threshold, pHarder: 0.6, pAnywhere: 0.25 },
    }, [1], onStep);
    const bits = c.trainBits;
    const a = (1n << BigInt(bits)) - 1n, b = 5n % (1n << BigInt(bits));
    const activity = await stateActivity(model, encodeBatch([multiplication(a, b, bits)], 2 * bits + 1));
    const { digitError } = await errorRates(model, randomExamples(c.testExamples, bits, "neural-gpu-test"), c.testChunk);
    return { activity, a, b, bits, digitError };
  } finally {
    model.dispose();
  }
}
