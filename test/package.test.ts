/**
 * The published package works for a consumer: `npm pack` holds the compiled
 * library and types, a scratch project installs the tarball from the
 * registry, and the README's example compiles (strict) and trains.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { REPO } from "../src/cli/jupyter";

const npm = process.platform === "win32" ? "npm.cmd" : "npm";

/** The fenced block between the readme-example markers. */
export function readmeExample(readme: string): string {
  const m = /<!-- readme-example:start -->\s*```ts\n([\s\S]*?)```\s*<!-- readme-example:end -->/.exec(readme);
  if (!m) throw new Error("README has no readme-example block");
  return m[1];
}

test("the packed library installs in a scratch project and the README example trains with noise", { timeout: 600_000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), "gn-consumer-"));
  const packed = JSON.parse(execFileSync(npm, ["pack", "--json", "--ignore-scripts", "--pack-destination", dir], { cwd: REPO, encoding: "utf8" })) as {
    filename: string;
    files: { path: string }[];
  }[];
  const files = packed[0].files.map((f) => f.path);
  for (const f of ["dist/index.js", "dist/index.d.ts", "dist/noise/gradient-noise.d.ts", "package.json", "README.md"]) {
    assert.ok(files.includes(f), `tarball lacks ${f}`);
  }
  assert.ok(!files.some((f) => f.startsWith("src/") || f.startsWith("test/") || f.startsWith("notebooks/")), "tarball ships sources it should not");

  const tarball = path.join(dir, packed[0].filename);
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "consumer", version: "1.0.0", private: true, dependencies: { gradnoise: `file:${tarball}` } }));
  // --omit=optional: tfjs-node-gpu's libtensorflow download cannot succeed without internet.
  execFileSync(npm, ["install", "--no-audit", "--no-fund", "--omit=optional", "--prefer-offline"], { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });

  writeFileSync(path.join(dir, "example.ts"), readmeExample(readFileSync(path.join(REPO, "README.md"), "utf8")));
  writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({
    compilerOptions: { strict: true, module: "commonjs", moduleResolution: "node", target: "ES2020", lib: ["ES2020", "DOM"], types: [], esModuleInterop: true, skipLibCheck: true, outDir: "out" },
    files: ["example.ts"],
  }));
  execFileSync(process.execPath, [path.join(REPO, "node_modules", "typescript", "bin", "tsc"), "-p", "."], { cwd: dir, stdio: "pipe" });
  const out = execFileSync(process.execPath, ["out/example.js"], { cwd: dir, encoding: "utf8" });
  const result = JSON.parse(out.trim().split("\n").pop()!) as { w: number[]; steps: number };
  assert.equal(result.steps, 300);
  // Least squares gives exactly [1, 2]; the annealed noise left after 300 SGD steps is ~lr * 0.02.
  assert.ok(Math.abs(result.w[0] - 1) < 0.05 && Math.abs(result.w[1] - 2) < 0.05, JSON.stringify(result));

  // The exports map serves the root and package.json, and hides internals.
  const probe = (spec: string) => execFileSync(process.execPath, ["-e", `require(${JSON.stringify(spec)})`], { cwd: dir, stdio: "pipe" });
  probe("gradnoise/package.json");
  assert.throws(() => probe("gradnoise/dist/random/rng"), /ERR_PACKAGE_PATH_NOT_EXPORTED/);
});
