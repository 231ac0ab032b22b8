/**
 * NOISIN Figure 2 at matched training perplexity: the validation perplexity
 * where a run's training curve reaches a given value, and the paired
 * comparison of each gamma with gamma 0 there (not at the best epoch, where
 * slower fitting alone looks like less overfitting).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { gammaCondition, NOISE_LEVEL_CONFIGS, NoiseLevelRecord } from "../../src/sections/noisin-noise-level/run";
import { summarizeNoiseLevel, validAtTrain } from "../../src/sections/noisin-noise-level/summary";

test("validAtTrain interpolates in log perplexity where the training curve first comes down to the target; undefined if it never does", () => {
  const r = { trainCurve: [400, 100, 50], validCurve: [500, 200, 300] };
  assert.equal(validAtTrain(r, 400), 500);
  assert.ok(Math.abs(validAtTrain(r, 200)! - Math.sqrt(500 * 200)) < 1e-9, "halfway in log train: geometric mean of the valid ends");
  assert.ok(Math.abs(validAtTrain(r, 50)! - 300) < 1e-9);
  assert.equal(validAtTrain(r, 40), undefined);
  assert.equal(validAtTrain(r, 1000), undefined, "above the first epoch: not reached by a descent");
});

test("at matched training perplexity, a slower-fitting noisy run that generalises no better shows no gain, whatever its rise above the best", () => {
  // gamma 0 fits fast and overfits (valid rises after epoch 2); gamma 0.5 fits slowly and never rises,
  // but where it reaches training perplexity 200 its validation perplexity is 10% above gamma 0's there.
  const rec = (gamma: number, seed: number, train: number[], valid: number[]) =>
    ({ key: `g${gamma}/s${seed}`, condition: gammaCondition(gamma), gamma, seed, diverged: false, epoch: [1, 2, 3], trainCurve: train, validCurve: valid, validPerplexity: valid[2], testPerplexity: valid[2] }) as unknown as NoiseLevelRecord;
  const k = [1, 1.01, 0.99];
  const records = [1, 2, 3].flatMap((seed, i) => [
    rec(0, seed, [400, 200, 100], [300 * k[i], 250 * k[i], 280 * k[i]]),
    rec(0.5, seed, [600, 400, 200], [400 * k[i], 300 * k[i], 275 * k[i]]),
  ]);
  const cfg = { ...NOISE_LEVEL_CONFIGS.smoke, gammas: [0, 0.5], seeds: 3 };
  const s = summarizeNoiseLevel(records, cfg);
  assert.equal(s.overfit.find((o) => o.gamma === 0.5)!.rise, 0, "the noisy runs never rise above their best");
  const m = s.matched.find((x) => x.gamma === 0.5)!;
  assert.equal(m.seeds, 3);
  assert.ok(Math.abs(m.train - 200) < 1e-9);
  assert.ok(Math.abs(m.ratio - 0.1) < 1e-9, String(m.ratio));
  assert.equal(s.verdicts.length, 1);
  assert.equal(s.verdicts[0].claimId, "noisin-4-figure2-overfitting");
  assert.equal(s.verdicts[0].verdict, "opposite");
  assert.deepEqual(s.unjudged, []);
});
