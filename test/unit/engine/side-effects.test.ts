/**
 * package.json's "sideEffects" is what bundlers trust when they drop a module
 * nobody imports a name from: a module that runs code on import (registers a
 * class with tfjs, starts a worker's listener, is a command's entry point)
 * must be listed, for both builds (dist/ and the browser's dist/esm/), or a
 * browser bundle silently loses the registration. Code on import here means
 * a top-level statement that is not a declaration, import or export.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import ts from "typescript";
import { REPO } from "../../../src/cli/jupyter";

const RUNS_CODE = [ts.SyntaxKind.ExpressionStatement, ts.SyntaxKind.IfStatement, ts.SyntaxKind.ForStatement, ts.SyntaxKind.ForOfStatement, ts.SyntaxKind.ForInStatement, ts.SyntaxKind.WhileStatement, ts.SyntaxKind.DoStatement, ts.SyntaxKind.TryStatement, ts.SyntaxKind.Block, ts.SyntaxKind.SwitchStatement];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") ? [path.join(dir, e.name)] : []));
}

/** src/ modules (relative, without .ts) with a top-level statement that runs on import. */
function modulesWithEffects(): string[] {
  return sources(path.join(REPO, "src"))
    .filter((file) => ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.ES2020).statements.some((s) => RUNS_CODE.includes(s.kind)))
    .map((file) => path.relative(path.join(REPO, "src"), file).replace(/\.ts$/, ""))
    .sort();
}

/** package.json's patterns ("./dist/cli/*.js") as regular expressions over package paths. */
const patterns = (JSON.parse(readFileSync(path.join(REPO, "package.json"), "utf8")).sideEffects as string[]).map((p) => ({
  p,
  re: new RegExp(`^${p.replace(/^\.\//, "").replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*")}$`),
}));

test('package.json "sideEffects" lists every module that runs code on import, in dist/ and dist/esm/, and nothing else', () => {
  const effects = modulesWithEffects();
  assert.ok(effects.includes("noise/optimizer"), "the scan finds TransformedOptimizer's registration with tfjs");
  const wanted = effects.flatMap((m) => [`dist/${m}.js`, ...(existsSync(path.join(REPO, "dist", "esm", `${m}.js`)) ? [`dist/esm/${m}.js`] : [])]);
  const unlisted = wanted.filter((f) => !patterns.some(({ re }) => re.test(f)));
  assert.deepEqual(unlisted, [], 'run code on import but are not in package.json "sideEffects" (a bundler would drop them)');
  const stale = patterns.filter(({ re }) => !wanted.some((f) => re.test(f))).map(({ p }) => p);
  assert.deepEqual(stale, [], 'listed in "sideEffects" but run no code on import (they keep bundles from shrinking)');
});
