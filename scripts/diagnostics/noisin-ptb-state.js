#!/usr/bin/env node
// Diagnostic behind the Table 2 notes of docs/analysis/noisin-ptb.md: retrain one noisin-ptb run from
// its seed (the committed record must come back exactly) and log, after
// every window, the mean cross-entropy and how saturated each layer's
// carried state is (mean |h|, share of units with |h| > 0.99). With
// --streams it also gives the final validation perplexity of each evaluation
// stream (row) separately (the 1-layer tanh "latched" runs).
//
//   npm run build && node scripts/diagnostics/noisin-ptb-state.js 2 tanh none 3 [--scale cpu] [--streams] [--lr X] [--out DIR]
//
// Writes DIR (default results/diagnostics)/noisin-ptb-<scale>-L<layers>-<act>-<reg>-<seed>[-lrX].json.
// --lr replaces the scale's learning rate (then no committed record matches).
// A diagnostic, not a training path: it reads with dataSync (WASM backend).
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const ROOT = path.join(__dirname, "..", "..");
const dist = (m) => require(path.join(ROOT, "dist", m));

const [layersArg, activation, regulariser, seedArg, ...rest] = process.argv.slice(2);
const flag = (name) => rest.includes(name);
const option = (name, fallback) => (rest.includes(name) ? rest[rest.indexOf(name) + 1] : fallback);
const scale = option("--scale", "cpu");
const outDir = path.resolve(option("--out", path.join(ROOT, "results", "diagnostics")));
const lr = rest.includes("--lr") ? Number(option("--lr")) : undefined;
const layers = Number(layersArg), seed = Number(seedArg);
const { ACTIVATIONS, REGULARISERS } = dist("sections/noisin-ptb");
if (![1, 2].includes(layers) || !ACTIVATIONS.includes(activation) || !REGULARISERS.includes(regulariser) || !Number.isInteger(seed) || (lr !== undefined && !(lr > 0))) {
  console.error("usage: noisin-ptb-state.js <layers 1|2> <tanh|sigmoid|relu> <NOISIN|NOISIN*|dropout|none> <seed> [--scale cpu] [--streams] [--lr X] [--out DIR]");
  process.exit(2);
}

(async () => {
  await dist("engine").selectBackend({ backend: "wasm" });
  const { runLMSetup } = dist("families/lm");
  const { perplexity } = dist("train/lm");
  const { RnnLM } = dist("models/rnn-lm");
  const P = dist("sections/noisin-ptb");
  const config = P.NOISIN_PTB_CONFIGS[scale];
  if (!config) throw new Error(`no noisin-ptb scale ${scale}`);
  const setup = { ...P.noisinPtbSetup({ layers, activation, regulariser }, config), ...(lr === undefined ? {} : { lr }) };
  const corpus = dist("data/corpus").loadCorpus("ptb");

  // Keep the trained model (runLMSetup disposes it) and watch every forward pass.
  let model;
  const dispose = RnnLM.prototype.dispose;
  RnnLM.prototype.dispose = function () { model = this; };
  const forward = RnnLM.prototype.forward;
  const windows = [];
  RnnLM.prototype.forward = function (...args) {
    const r = forward.apply(this, args);
    const saturation = r.state.h.map((t) => {
      const v = t.dataSync();
      let abs = 0, sat = 0;
      for (const x of v) { abs += Math.abs(x); if (Math.abs(x) > 0.99) sat++; }
      return { meanAbs: +(abs / v.length).toFixed(4), saturated: +(sat / v.length).toFixed(4) };
    });
    windows.push({ training: Boolean(args[4] && args[4].training), loss: +r.loss.dataSync()[0].toFixed(4), layers: saturation });
    return r;
  };
  let shown = -1;
  const out = await runLMSetup(setup, corpus, seed, (done, total) => {
    const pct = Math.floor((100 * done) / total);
    if (pct !== shown) process.stderr.write(`\r${(shown = pct)}%`);
  });
  process.stderr.write("\n");
  RnnLM.prototype.forward = forward;

  // The scale's standard sweep file, read as sweeps read it (worker shards included).
  const { resultsFile } = dist("experiments/sweep");
  const record = dist("experiments/results").loadRecords(resultsFile(P.experiment, scale))
    .find((r) => r.layers === layers && r.activation === activation && r.regulariser === regulariser && r.seed === seed && r.setup.lr === setup.lr);
  const reproduced = record ? record.testPerplexity === out.testPerplexity && record.validPerplexity === out.validPerplexity : null;

  // Training windows per epoch: the first point each layer is >= 99% saturated, and its state at the epoch's end.
  const per = out.windowsPerEpoch;
  const train = windows.filter((w) => w.training);
  const epochs = out.epoch.map((e, i) => {
    const ws = train.slice(i * per, (i + 1) * per);
    return {
      epoch: e, trainPerplexity: out.trainCurve[i], validPerplexity: out.validCurve[i],
      firstWindowAllSaturated: ws[0].layers.map((_, l) => ws.findIndex((w) => w.layers[l].saturated >= 0.99)),
      atEnd: ws[ws.length - 1].layers,
    };
  });
  const streams = [];
  if (flag("--streams")) {
    // The record's validation evaluation, row by row (each row a contiguous stream with its own state).
    const ids = corpus.valid.subarray(0, setup.evalTokens ?? corpus.valid.length);
    streams.push(...(await perplexity(model, ids, { batch: setup.evalBatch, steps: setup.evalSteps, perStream: true })).streams);
  }
  RnnLM.prototype.dispose = dispose;
  model.dispose();

  const result = { scale, layers, activation, regulariser, seed, lr: setup.lr, reproduced, validPerplexity: out.validPerplexity, testPerplexity: out.testPerplexity, epochs, streams, windows };
  fs.mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `noisin-ptb-${scale}-L${layers}-${activation}-${regulariser.replace("*", "star")}-${seed}${lr === undefined ? "" : `-lr${lr}`}.json`);
  fs.writeFileSync(file, JSON.stringify(result) + "\n");
  console.log(JSON.stringify({ ...result, windows: `${windows.length} windows in ${file}` }, null, 1));
})().catch((e) => { console.error(e); process.exit(1); });
