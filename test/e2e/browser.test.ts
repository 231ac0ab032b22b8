/**
 * The core entry in a web page, as a TensorFlow.js user ships it. The packed
 * tarball is installed beside tfjs 4.22 and its WASM backend in a scratch
 * project; esbuild (--platform=browser) and Vite each build a page with the
 * README's browser example and a short training run of the 20x50 MLP with
 * withGradientNoise; a server on 127.0.0.1 serves it (and the WASM backend's
 * .wasm files, as the README shows) to Debian's headless Chromium. The page
 * trains on wasm and cpu, and the noise it draws for a seed is the noise
 * Node draws for that seed, bit for bit. The core bundle holds no Node
 * built-in, and tree-shaking keeps out what an entry does not use.
 *
 * CI cost, measured on a two-core machine at load average ~12 (other jobs running): 88-131 s,
 * of which npm install and Chromium's start ~50-60 s, the Vite build and page 30-50 s, esbuild's
 * builds and pages 13-20 s. An idle CI machine should take less (not measured).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, Server } from "node:http";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import type { Browser } from "playwright-core";
import { CHROMIUM_FLAGS, findChromium } from "../../src/cli/browser";
import { REPO } from "../../src/cli/jupyter";
import { npm, packTarball, readmeExamples } from "../support/package-tarball";
import { chromiumTool, needTools } from "../support/tools";

const run = promisify(execFile);
const TFJS = "4.22.0";
const gate = needTools("the browser bundle test", ["GRADNOISE_REQUIRE_NOTEBOOKS"], [chromiumTool(findChromium())]);

/** The page's training run and noise draws; it sets window.result (or window.failure). */
const TRAIN_PAGE = `
import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { addGradientNoise, deviceLine, fillGaussian, selectBackend, withGradientNoise } from "gradnoise";

setWasmPaths("/wasm/");
const w = window as unknown as { result?: unknown; failure?: string };

/** 20 hidden layers of 50 ReLU units (the paper's deep MLP) on a fixed synthetic batch. */
async function train(backend: "wasm" | "cpu") {
  const choice = await selectBackend({ backend });
  const x = tf.randomNormal([64, 784], 0, 1, "float32", 3);
  const y = tf.oneHot(tf.argMax(tf.matMul(x, tf.randomNormal([784, 10], 0, 1, "float32", 4)), 1), 10);
  const layers = Array.from({ length: 20 }, (_, i) => tf.layers.dense({ units: 50, activation: "relu", kernelInitializer: "heNormal", ...(i === 0 ? { inputShape: [784] } : {}) }));
  const model = tf.sequential({ layers: [...layers, tf.layers.dense({ units: 10, activation: "softmax" })] });
  const opt = withGradientNoise(tf.train.adam(1e-3), { eta: 0.01, seed: 1, clipGlobalNorm: 10 });
  model.compile({ optimizer: opt, loss: "categoricalCrossentropy" });
  const { history } = await model.fit(x, y, { epochs: 15, batchSize: 64, verbose: 0 });
  return { backend: choice.backend, steps: opt.step, losses: history.loss as number[] };
}

/** The noise for seed 7: fillGaussian's stream, and one step's gradient noise on zero gradients (SGD, lr 1: w = -noise). */
async function noise(backend: "wasm" | "cpu") {
  await selectBackend({ backend });
  const stream = Array.from(new Uint32Array(fillGaussian(new Float32Array(1000), 1, "browser", 7).buffer));
  const v = tf.variable(tf.zeros([40, 25]), true, "w");
  const opt = withGradientNoise(tf.train.sgd(1), { eta: 0.01, seed: 7 });
  opt.applyGradients({ w: tf.zeros([40, 25]) });
  const step = Array.from(new Uint32Array((await v.data()).buffer));
  opt.dispose();
  v.dispose();
  return { stream, step };
}

async function main() {
  const webgl = await selectBackend({ backend: "webgl" }).then(() => true, () => false);
  const nav = navigator as unknown as { gpu?: { requestAdapter(): Promise<unknown> } };
  const adapter = nav.gpu ? await nav.gpu.requestAdapter().catch(() => null) : null;
  const runs = [await train("wasm"), await train("cpu")];
  const draws = { wasm: await noise("wasm"), cpu: await noise("cpu") };
  // Node-only, refused by name.
  const prefetch = (() => { try { addGradientNoise({ eta: 0.01, seed: 1, prefetch: true }); return "accepted"; } catch (e) { return (e as Error).name + ": " + (e as Error).message; } })();
  w.result = { webgl, webgpu: nav.gpu ? (adapter ? "adapter" : "navigator.gpu, no adapter") : "no navigator.gpu", runs, draws, device: deviceLine(), prefetch };
}
main().catch((e: Error) => { w.failure = e.stack ?? String(e); });
`;

/** The same draws in Node, from the installed package. */
const NODE_DRAWS = `
const tf = require("@tensorflow/tfjs");
const { fillGaussian, selectBackend, withGradientNoise } = require("gradnoise");
(async () => {
  const out = {};
  for (const backend of ["wasm", "cpu"]) {
    await selectBackend({ backend });
    const stream = Array.from(new Uint32Array(fillGaussian(new Float32Array(1000), 1, "browser", 7).buffer));
    const v = tf.variable(tf.zeros([40, 25]), true, "w" + backend);
    const opt = withGradientNoise(tf.train.sgd(1), { eta: 0.01, seed: 7 });
    opt.applyGradients({ ["w" + backend]: tf.zeros([40, 25]) });
    out[backend] = { stream, step: Array.from(new Uint32Array((await v.data()).buffer)) };
  }
  console.log(JSON.stringify(out));
})();`;

const html = (script: string) => `<!doctype html><html><head><meta charset="utf-8"><title>gradnoise</title></head><body><script type="module" src="${script}"></script></body></html>`;

/** Node's built-in modules, by both names. */
const BUILTINS = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

const TYPES: Record<string, string> = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm", ".css": "text/css" };

/** Serves `routes` (URL prefix -> folder) on 127.0.0.1; requests outside them get 404. */
async function serve(routes: Record<string, string>): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    const url = decodeURIComponent((req.url ?? "/").split("?")[0]);
    const prefix = Object.keys(routes).sort((a, b) => b.length - a.length).find((p) => url.startsWith(p));
    const file = prefix === undefined ? "" : path.join(routes[prefix], url.slice(prefix.length) || "index.html");
    if (!prefix || !file.startsWith(routes[prefix]) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream" });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return { server, origin: `http://127.0.0.1:${port}` };
}

describe("the core entry in a web page", { skip: gate.skip }, () => {
  const work = mkdtempSync(path.join(tmpdir(), "gn-browser-"));
  const app = path.join(work, "app");
  const example = readmeExamples(readFileSync(path.join(REPO, "README.md"), "utf8")).get("browser");
  let server: Server | undefined;
  let origin = "";
  let browser: Browser | undefined;
  // esbuild's API from this checkout (the consumer's own bundler, version aside).
  const esbuild = () => import("esbuild");

  before(async () => {
    gate.assertPresent();
    mkdirSync(app);
    const { tarball } = packTarball(work);
    const dependencies = { gradnoise: `file:${tarball}`, "@tensorflow/tfjs": TFJS, "@tensorflow/tfjs-backend-wasm": TFJS };
    writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "page", version: "1.0.0", private: true, dependencies }));
    await run(npm, ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"], { cwd: app });
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({ executablePath: findChromium()!, headless: true, args: CHROMIUM_FLAGS });
  });
  after(async () => {
    await browser?.close();
    server?.close();
    rmSync(work, { recursive: true, force: true });
  });

  /** Builds `entries` (name -> source) with esbuild for the browser into app/esbuild-out; the metafile. */
  async function bundle(entries: Record<string, string>, opts: { external?: string[]; outdir?: string } = {}) {
    for (const [name, source] of Object.entries(entries)) writeFileSync(path.join(app, `${name}.ts`), source);
    const outdir = path.join(app, opts.outdir ?? "esbuild-out");
    let built;
    try {
      built = await (await esbuild()).build({
        absWorkingDir: app,
        entryPoints: Object.keys(entries).map((n) => `${n}.ts`),
        bundle: true,
        platform: "browser",
        format: "esm",
        minify: true,
        outdir,
        metafile: true,
        logLevel: "silent",
        external: opts.external ?? [],
      });
    } catch (e) {
      // A Node built-in no browser field maps away fails the build: name the module that imports it.
      const errors = (e as { errors?: { text: string; location: { file: string } | null }[] }).errors ?? [];
      assert.fail(`esbuild --platform=browser failed:\n${errors.map((x) => `${x.location?.file ?? "?"}: ${x.text}`).join("\n") || e}`);
    }
    const { metafile } = built;
    return { metafile, outdir };
  }

  /** Opens `url`, waits for window.result; console lines and the result. */
  async function openPage(url: string) {
    const page = await browser!.newPage();
    const lines: string[] = [];
    page.on("console", (m) => lines.push(m.text()));
    page.on("pageerror", (e) => lines.push(`pageerror: ${e.message}`));
    await page.goto(url);
    type PageWindow = { result?: unknown; failure?: string };
    await page.waitForFunction(() => (window as unknown as PageWindow).result ?? (window as unknown as PageWindow).failure, undefined, { timeout: 120_000 });
    const { result, failure } = await page.evaluate(() => ({ result: (window as unknown as PageWindow).result, failure: (window as unknown as PageWindow).failure }));
    await page.close();
    assert.equal(failure, undefined, `the page failed: ${failure}\n${lines.join("\n")}`);
    return { result: result as PageResult, lines };
  }

  interface Draws { stream: number[]; step: number[] }
  interface PageResult {
    webgl: boolean;
    webgpu: string;
    runs: { backend: string; steps: number; losses: number[] }[];
    draws: Record<"wasm" | "cpu", Draws>;
    device: string;
    prefetch: string;
  }

  let nodeDraws: Record<"wasm" | "cpu", Draws> | undefined;
  const checkPage = (r: PageResult, t: { diagnostic(s: string): void }, builder: string) => {
    t.diagnostic(`${builder} page in Chromium: webgl ${r.webgl ? "available" : "unavailable"}; webgpu: ${r.webgpu}`);
    assert.deepEqual(r.runs.map((x) => x.backend), ["wasm", "cpu"]);
    t.diagnostic(`${builder}: deviceLine() in the page: ${r.device}`);
    assert.match(r.device, /^backend cpu on CPU unknown CPU \(browser\), \d+ cores; tfjs 4\.22\.0, in a browser$/);
    assert.match(r.prefetch, /^NodeOnlyError: addGradientNoise\(\): prefetch .* is Node-only/);
    for (const x of r.runs) {
      t.diagnostic(`${builder}, ${x.backend}: loss ${x.losses[0].toFixed(4)} -> ${x.losses[x.losses.length - 1].toFixed(4)} in ${x.steps} steps`);
      assert.equal(x.steps, 15);
      assert.ok(x.losses.every(Number.isFinite) && x.losses[x.losses.length - 1] < x.losses[0], `${x.backend} did not train: ${x.losses}`);
    }
    for (const backend of ["wasm", "cpu"] as const) {
      // Float32 bit patterns, value for value: the same seed draws the same noise in the page as in Node.
      assert.deepEqual(r.draws[backend].stream, nodeDraws![backend].stream, `${builder}, ${backend}: fillGaussian's stream differs from Node's`);
      assert.deepEqual(r.draws[backend].step, nodeDraws![backend].step, `${builder}, ${backend}: one step's gradient noise differs from Node's`);
      assert.ok(new Set(r.draws[backend].step).size > 900, "the step drew noise");
    }
  };

  test("esbuild (--platform=browser): the README example and the 20x50 MLP train on wasm and cpu, noise bit-identical to Node's", { timeout: 300_000 }, async (t) => {
    assert.ok(example, "README has no readme-example block named browser");
    const { stdout } = await run(process.execPath, ["-e", NODE_DRAWS], { cwd: app });
    nodeDraws = JSON.parse(stdout.trim().split("\n").pop()!);
    const { outdir } = await bundle({ example: example!, train: TRAIN_PAGE });
    const page0 = readFileSync(path.join(outdir, "example.js"));
    t.diagnostic(`README example page, tfjs and its WASM backend included: ${page0.length} B minified, ${gzipSync(page0, { level: 9 }).length} B gzip`);
    writeFileSync(path.join(outdir, "index.html"), html("/train.js"));
    writeFileSync(path.join(outdir, "example.html"), html("/example.js"));
    ({ server, origin } = await serve({ "/": outdir, "/wasm/": path.join(app, "node_modules", "@tensorflow", "tfjs-backend-wasm", "dist"), "/vite/": path.join(app, "vite-out") }));

    // The README example prints one JSON line, like the Node examples.
    const page = await browser!.newPage();
    const printed = new Promise<string>((resolve) => page.on("console", (m) => m.text().startsWith("{") && resolve(m.text())));
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${origin}/example.html`);
    const line = await Promise.race([printed, new Promise<string>((_, reject) => setTimeout(() => reject(new Error(`the README example printed nothing in 60 s: ${errors.join("; ")}`)), 60_000))]);
    await page.close();
    const r = JSON.parse(line) as { backend: string; a: number; b: number; steps: number };
    t.diagnostic(`README browser example: ${line}`);
    assert.equal(r.backend, "wasm", "selectBackend() picks the WASM backend the page registered");
    assert.equal(r.steps, 500);
    assert.ok(Math.abs(r.a - 3) < 0.1 && Math.abs(r.b + 1) < 0.1, line);

    checkPage((await openPage(`${origin}/`)).result, t, "esbuild");
  });

  test("Vite: the same page builds and trains, with the same noise", { timeout: 300_000 }, async (t) => {
    assert.ok(nodeDraws && server, "the esbuild test ran first");
    writeFileSync(path.join(app, "index.html"), html("/train.ts"));
    await run(process.execPath, [path.join(REPO, "node_modules", "vite", "bin", "vite.js"), "build", "--base", "/vite/", "--outDir", "vite-out", "--minify", "false", "--logLevel", "error"], { cwd: app });
    checkPage((await openPage(`${origin}/vite/`)).result, t, "Vite");
  });

  test("the core bundle imports no Node built-in, and tree-shaking keeps out what an entry does not use", { timeout: 120_000 }, async (t) => {
    const entries = {
      onlyAnnealed: 'import { annealed } from "gradnoise";\nconsole.log(annealed({ eta: 0.01 }).variance(10));\n',
      everything: 'import * as gn from "gradnoise";\nconsole.log(Object.keys(gn));\n',
      readme: example!,
    };
    // tfjs is the user's either way: measure gradnoise (and seedrandom) alone.
    const { metafile, outdir } = await bundle(entries, { external: ["@tensorflow/*"], outdir: "size-out" });
    // Built for the browser, a Node built-in either failed the build (bundle() names who imports it) or was
    // mapped away by its package's own "browser" field (seedrandom's crypto, tfjs's fs/util): listed here.
    const disabled = Object.keys(metafile.inputs).filter((f) => f.startsWith("(disabled):"));
    t.diagnostic(`Node built-ins their packages disable for browsers: ${disabled.map((f) => f.slice("(disabled):".length)).join(", ") || "none"}`);
    const ours = Object.entries(metafile.inputs).filter(([f]) => f.includes("node_modules/gradnoise/"));
    assert.ok(ours.length > 5, "the bundle holds gradnoise's modules");
    for (const [file, input] of ours) {
      const builtin = input.imports.find((i) => BUILTINS.has(i.path) || BUILTINS.has(i.path.replace("(disabled):", "")));
      assert.equal(builtin, undefined, `${file} imports the Node built-in "${builtin?.path}"`);
    }
    const size = (name: string) => {
      const code = readFileSync(path.join(outdir, `${name}.js`));
      return { min: code.length, gzip: gzipSync(code, { level: 9 }).length };
    };
    const included = (name: string) => Object.keys(Object.values(metafile.outputs).find((o) => o.entryPoint === `${name}.ts`)!.inputs).filter((f) => (metafile.outputs[`size-out/${name}.js`]?.inputs[f]?.bytesInOutput ?? 0) > 0);
    const sizes = Object.fromEntries(Object.keys(entries).map((n) => [n, size(n)]));
    for (const [n, s] of Object.entries(sizes)) t.diagnostic(`${n}: ${s.min} B minified, ${s.gzip} B gzip (tfjs external)`);
    // Backend selection, WebGPU and the device report are engine/: an entry that uses none of them carries none.
    const engine = (name: string) => included(name).filter((f) => /gradnoise\/dist\/esm\/engine\/(backend|webgpu|device|wasm-slice|kernel-fills|interrupt)\.js$/.test(f));
    assert.deepEqual(engine("onlyAnnealed"), [], "importing annealed bundled the engine");
    assert.ok(engine("everything").length >= 5, "the whole core bundles the engine");
    assert.ok(sizes.onlyAnnealed.min < 0.7 * sizes.everything.min, `tree-shaking: annealed alone ${sizes.onlyAnnealed.min} B, everything ${sizes.everything.min} B`);
    assert.ok(sizes.readme.min < sizes.everything.min, "the README example bundles less than the whole core");
  });
});
