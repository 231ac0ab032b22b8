/**
 * The published package works for a consumer. `npm pack` holds the compiled
 * library, its types and both entry points, and declares TensorFlow.js as a
 * peer. Scratch projects install the tarball from the registry beside their
 * own tfjs, the lowest version the peer range claims (without the optional
 * WASM backend) and the highest (with it), and the README's examples compile
 * with `tsc --strict` (CommonJS/node10 and nodenext resolution) and train.
 * The core entry point loads no report or experiment code.
 */
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, describe, test } from "node:test";
import { promisify } from "node:util";
import { REPO } from "../../src/cli/jupyter";
import { npm, packTarball, readmeExamples } from "../support/package-tarball";
const run = promisify(execFile);
const TSC = path.join(REPO, "node_modules", "typescript", "bin", "tsc");

interface Pkg {
  dependencies?: Record<string, string>;
  devDependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  optionalDependencies?: Record<string, string>;
  exports: Record<string, unknown>;
  scripts: Record<string, string>;
}
const pkg = JSON.parse(readFileSync(path.join(REPO, "package.json"), "utf8")) as Pkg;

/** The tfjs versions the peer range claims at its ends: the range's floor and the version this repository develops on. */
function claimedTfjsVersions(): { lowest: string; highest: string } {
  const range = pkg.peerDependencies["@tensorflow/tfjs"];
  // The range's floor: its first version (true of "^a.b.c", ">=a.b.c <d" and "^a.b.c || ^d.0.0").
  const m = /(\d+\.\d+\.\d+)/.exec(range ?? "");
  if (!m) throw new Error(`expected a peer range for @tensorflow/tfjs, got "${range}"`);
  return { lowest: process.env.GRADNOISE_TFJS_LOWEST ?? m[1], highest: process.env.GRADNOISE_TFJS_HIGHEST ?? pkg.devDependencies["@tensorflow/tfjs"] };
}

/** Each README example prints one JSON line last; what it must show. */
const CHECKS: Record<string, (r: Record<string, number | string>, withWasm: boolean) => void> = {
  "ten-lines": (r) => {
    assert.equal(r.steps, 300);
    // Least squares gives exactly [1, 2]; the annealed noise left after 300 SGD steps is ~lr * 0.02.
    const w = r.w as unknown as number[];
    assert.ok(Math.abs(w[0] - 1) < 0.05 && Math.abs(w[1] - 2) < 0.05, JSON.stringify(r));
  },
  train: (r, withWasm) => {
    assert.equal(r.steps, 500);
    assert.equal(r.backend, withWasm ? "wasm" : "cpu", "selectBackend() uses WASM when installed and falls back to cpu without it");
    assert.ok(Math.abs((r.a as number) - 3) < 0.1 && Math.abs((r.b as number) + 1) < 0.1, JSON.stringify(r));
  },
  fit: (r) => {
    assert.ok((r.lastLoss as number) < 0.5 * (r.firstLoss as number), `fit() did not train: ${JSON.stringify(r)}`);
    assert.ok((r.accuracy as number) > 0.9, JSON.stringify(r));
  },
};

/** Embedding gradient (rows 0, 2, 0 looked up) on cpu, then on WASM with the engine's kernel fill. */
const ENGINE_CHECK = `
const tf = require("@tensorflow/tfjs");
const { selectBackend } = require("gradnoise");
const grad = () => tf.tidy(() => Array.from(tf.grad((e) => tf.gather(e, tf.tensor1d([0, 2, 0], "int32")).mul(tf.tensor1d([1, -2])).sum())(tf.ones([3, 2])).dataSync()));
(async () => {
  await selectBackend({ backend: "cpu" });
  const onCpu = grad();
  const c = await selectBackend({ backend: "wasm", requiredKernels: ["GatherV2", "UnsortedSegmentSum"] });
  if (c.backend !== "wasm" || !c.filled.includes("UnsortedSegmentSum")) throw new Error(JSON.stringify(c));
  console.log(JSON.stringify([onCpu, grad()]));
})();`;

describe("the packed library in a consumer project", () => {
  const examples = readmeExamples(readFileSync(path.join(REPO, "README.md"), "utf8"));
  examples.delete("browser"); // a web page's: e2e/browser runs it in Chromium
  const work = mkdtempSync(path.join(tmpdir(), "gn-consumer-"));
  after(() => rmSync(work, { recursive: true, force: true }));
  let packed: { tarball: string; files: string[] } | undefined;
  const pack = () => {
    packed ??= packTarball(work);
    return packed;
  };

  test("the tarball holds both entry points and types, no sources, and declares tfjs as a peer", () => {
    const { files } = pack();
    for (const f of ["dist/index.js", "dist/index.d.ts", "dist/esm/index.js", "dist/lab.js", "dist/lab.d.ts", "package.json", "README.md"]) {
      assert.ok(files.includes(f), `tarball lacks ${f}`);
    }
    // patches/ (tslab's fixes, docs/tslab-patches.md) are this checkout's: a consumer's tslab is their own.
    assert.ok(!files.some((f) => /^(src|test|notebooks|scripts|patches)\//.test(f) || f.endsWith(".map")), "tarball ships files it should not");
    assert.deepEqual(Object.keys(pkg.dependencies ?? {}), ["seedrandom"], "runtime dependencies: seedrandom only");
    // A build on prepare would run in consumers' git installs and make npm warn about install scripts: prepack builds.
    for (const hook of ["preinstall", "install", "postinstall", "prepare"]) assert.ok(!(hook in pkg.scripts), `package.json has a "${hook}" script`);
    // No optional dependencies: Dawn's Node binding (webgpu, 131 MB of builds for five platforms and a
    // postinstall) is an optional peer, like tfjs's WebGPU backend, installed only by who uses WebGPU.
    assert.equal(pkg.optionalDependencies, undefined, "no optionalDependencies: every consumer would download them");
    assert.ok(pkg.devDependencies.webgpu, "the project's own tests install webgpu as a devDependency");
    for (const peer of ["@tensorflow/tfjs-backend-wasm", "@tensorflow/tfjs-backend-webgpu", "@tensorflow/tfjs-node-gpu", "plotly.js-cartesian-dist-min", "plotly.js-dist", "webgpu"]) {
      assert.ok(pkg.peerDependencies[peer] && pkg.peerDependenciesMeta?.[peer]?.optional, `${peer} is an optional peer`);
    }
    assert.ok(!pkg.peerDependenciesMeta?.["@tensorflow/tfjs"]?.optional, "@tensorflow/tfjs is a required peer");
    assert.deepEqual(Object.keys(pkg.exports).sort(), [".", "./lab", "./package.json", "./sections/*"]);
  });

  const { lowest, highest } = claimedTfjsVersions();
  // The optional WASM backend at both ends too; without it, selectBackend() falls back to cpu.
  const projects = [
    { tfjs: lowest, wasm: true },
    { tfjs: highest, wasm: true },
    { tfjs: highest, wasm: false },
  ];
  // Both installs run at once (network-bound), sharing npm's cache.
  let installs: Promise<void>[] = [];
  const installAll = () => {
    if (installs.length) return installs;
    installs = projects.map(async ({ tfjs, wasm }) => {
      const dir = path.join(work, `tfjs-${tfjs}${wasm ? "-wasm" : ""}`);
      mkdirSync(dir);
      const dependencies: Record<string, string> = { gradnoise: `file:${pack().tarball}`, "@tensorflow/tfjs": tfjs };
      if (wasm) dependencies["@tensorflow/tfjs-backend-wasm"] = tfjs;
      writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "consumer", version: "1.0.0", private: true, dependencies }));
      await run(npm, ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"], { cwd: dir });
    });
    return installs;
  };

  projects.forEach(({ tfjs, wasm }, i) => {
    test(`tfjs ${tfjs}${wasm ? " + WASM backend" : ", no WASM backend"}: the README examples compile strictly and train`, { timeout: 300_000 }, async () => {
      await installAll()[i];
      const dir = path.join(work, `tfjs-${tfjs}${wasm ? "-wasm" : ""}`);
      const mods = path.join(dir, "node_modules");
      assert.equal(JSON.parse(readFileSync(path.join(mods, "@tensorflow", "tfjs-core", "package.json"), "utf8")).version, tfjs);
      assert.ok(!existsSync(path.join(mods, "gradnoise", "node_modules", "@tensorflow")), "gradnoise brought its own copy of tfjs");
      for (const absent of ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node", "plotly.js-dist", "danfojs-node"]) {
        assert.ok(!existsSync(path.join(mods, absent)), `${absent} was installed for the consumer`);
      }
      assert.equal(existsSync(path.join(mods, "@tensorflow", "tfjs-backend-wasm")), wasm);
      // Dawn and tfjs's webgpu backend are the consumer's choice (optional peers): neither is installed.
      assert.ok(!existsSync(path.join(mods, "webgpu")), "the webgpu (Dawn) package was installed for the consumer");
      assert.ok(!existsSync(path.join(mods, "@tensorflow", "tfjs-backend-webgpu")), "tfjs-backend-webgpu was installed for the consumer");

      for (const [name, source] of examples) writeFileSync(path.join(dir, `${name}.ts`), source);
      // Both entry points' types, as a consumer imports them.
      writeFileSync(path.join(dir, "entries.ts"), [
        'import * as tf from "@tensorflow/tfjs";',
        'import { withTransforms, skipNonFinite, clipByGlobalNorm, addGradientNoise, annealed, TransformedOptimizer, selectBackend } from "gradnoise";',
        'import { models, data, train, stats, experiments, report } from "gradnoise/lab";',
        "const opt: tf.Optimizer = withTransforms(tf.train.sgd(0.1), [skipNonFinite(), clipByGlobalNorm(1), addGradientNoise({ schedule: annealed({ eta: 0.01 }), seed: 1 })]);",
        "export const used = [opt instanceof TransformedOptimizer, selectBackend, models, data, train, stats, experiments, report];",
        "",
      ].join("\n"));
      const files = [...examples.keys()].map((n) => `${n}.ts`).concat("entries.ts");
      const base = { strict: true, target: "ES2020", lib: ["ES2020", "DOM"], types: [], esModuleInterop: true, skipLibCheck: true, noEmit: true };
      for (const [tag, options] of [
        ["node10", { ...base, module: "commonjs", moduleResolution: "node", noEmit: false, outDir: "out" }],
        ["nodenext", { ...base, module: "nodenext", moduleResolution: "nodenext" }],
      ] as const) {
        writeFileSync(path.join(dir, `tsconfig.${tag}.json`), JSON.stringify({ compilerOptions: options, files }));
        try {
          await run(process.execPath, [TSC, "-p", `tsconfig.${tag}.json`], { cwd: dir });
        } catch (e) {
          assert.fail(`tsc (${tag}) against the tarball's types failed:\n${(e as { stdout?: string }).stdout ?? e}`);
        }
      }

      for (const [name] of examples) {
        const { stdout } = await run(process.execPath, [path.join("out", `${name}.js`)], { cwd: dir });
        const result = JSON.parse(stdout.trim().split("\n").pop()!) as Record<string, number | string>;
        const check = CHECKS[name];
        assert.ok(check, `no check for README example "${name}"`);
        check(result, wasm);
      }

      if (wasm) {
        // The engine's JS fill for WASM's missing UnsortedSegmentSum (the gradient of tf.gather)
        // gives cpu's numbers: tfjs 4.2 and older's WASM backend did not (why the range starts at 4.3).
        const { stdout } = await run(process.execPath, ["-e", ENGINE_CHECK], { cwd: dir });
        const [onCpu, onWasm] = JSON.parse(stdout.trim().split("\n").pop()!) as number[][];
        assert.deepEqual(onWasm, onCpu);
        assert.deepEqual(onCpu, [2, -4, 0, 0, 1, -2]);
      }

      // The exports map: root, lab and package.json; internals hidden; ESM named imports work.
      const probe = (code: string, type = "commonjs") => execFileSync(process.execPath, [`--input-type=${type}`, "-e", code], { cwd: dir, encoding: "utf8", stdio: "pipe" });
      probe('require("gradnoise/package.json"); require("gradnoise/lab")');
      // Each section's helpers, as notebooks import them from ../dist/sections/<id>.
      assert.equal(probe('console.log(require("gradnoise/sections/method").experiment.id)').trim(), "method");
      assert.throws(() => probe('require("gradnoise/dist/random/rng")'), /ERR_PACKAGE_PATH_NOT_EXPORTED/);
      assert.equal(probe('import { withGradientNoise, selectBackend } from "gradnoise"; import { report } from "gradnoise/lab"; console.log(typeof withGradientNoise, typeof selectBackend, typeof report.showTable)', "module").trim(), "function function function");
      // Plain JS has no type check: a mistyped key is refused by name, with the package's own error class.
      const misuse = [
        'const tf = require("@tensorflow/tfjs"); const { withGradientNoise, UnknownOptionError } = require("gradnoise");',
        "try { withGradientNoise(tf.train.sgd(0.1), { eta: 0.01, seed: 1, clipNorm: 10 }); console.log('accepted'); }",
        "catch (e) { console.log(e instanceof UnknownOptionError, e.name, /clipGlobalNorm/.test(e.message)); }",
      ].join("\n");
      assert.equal(probe(misuse).trim(), "true UnknownOptionError true");
    });
  });
});

describe("the core entry point", () => {
  test("loads neither report nor experiment code, nor plotly, danfo or tslab; gradnoise/lab adds them", () => {
    const code = (entry: string) =>
      `require(${JSON.stringify(entry)}); console.log(JSON.stringify(Object.keys(require.cache).map((f) => require("path").relative(${JSON.stringify(REPO)}, f))))`;
    const loaded = (entry: string) => JSON.parse(execFileSync(process.execPath, ["-e", code(entry)], { cwd: REPO, encoding: "utf8" })) as string[];
    const core = loaded("./dist/index.js");
    const offending = core.filter((f) => /^dist\/(report|experiments|sections|cli|models|data|train|stats)\/|plotly|danfo|tslab|playwright/.test(f));
    assert.deepEqual(offending, [], "the core entry loaded these");
    assert.ok(core.includes("dist/noise/optimizer.js"));
    const lab = loaded("./dist/lab.js");
    assert.ok(lab.some((f) => f.startsWith("dist/report/")) && lab.some((f) => f.startsWith("dist/experiments/")));
    assert.ok(!lab.some((f) => /plotly\.js-(cartesian-)?dist|danfo/.test(f)), "loading gradnoise/lab must not read the plotly bundle or danfo");
  });

  test("exports the public API by name and no internals; the reproduction's layers are gradnoise/lab's", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the built package as a CommonJS user loads it
    const gn = require(path.join(REPO, "dist", "index.js")) as Record<string, unknown>;
    for (const name of ["withGradientNoise", "withTransforms", "TransformedOptimizer", "skipNonFinite", "addGradientNoise", "clipByGlobalNorm", "annealed", "selectBackend", "describeDevice", "deviceLine", "prepareWebGPU", "webgpuAdapter", "devicePacer", "uniformStream", "gaussian", "permutation", "DisposedError", "UnknownOptionError"]) {
      assert.ok(name in gn, `gradnoise lacks ${name}`);
    }
    for (const name of ["models", "data", "train", "stats", "experiments", "report", "flushFiniteChecks", "NonFiniteGradientError", "resolveSchedule", "noiseLayout", "streamNoise", "gradientNoiseKey", "recipeTransforms", "deriveSeed", "streamState", "repoRoot"]) {
      assert.ok(!(name in gn), `gradnoise exports ${name}`);
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- as a CommonJS user loads it
    const lab = require(path.join(REPO, "dist", "lab.js")) as Record<string, Record<string, unknown>>;
    for (const ns of ["models", "data", "train", "stats", "experiments", "report"]) assert.equal(typeof lab[ns], "object", `gradnoise/lab lacks ${ns}`);
    assert.ok(!("repoRoot" in lab.data) && !("untar" in lab.data), "gradnoise/lab's data exports internals");
    assert.ok(!("buildOptimizer" in lab.train), "withGradientNoise is the one public builder");
    for (const name of ["pairedTTest", "welchTTest", "tInterval", "bootstrapCI"]) assert.equal(typeof lab.stats[name], "function", `gradnoise/lab's stats lacks ${name}`);
  });

});
