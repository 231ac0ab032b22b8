/**
 * Every command-line tool answers --help as a user expects: the usage on
 * stdout, exit 0, and nothing done (no kernel registered, no file rewritten).
 * Runs the built CLIs (dist/, built by pretest) from a shell-like spawn.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { REPO } from "../../src/cli/jupyter";

const CLIS = ["experiment", "notebooks", "figures", "kernel", "environment", "data", "lab"];
// What a CLI would rewrite if it acted instead of helping.
const WATCHED = ["environment.md", "figures/manifest.json"].map((f) => path.join(REPO, f)).filter((f) => existsSync(f));

for (const cli of CLIS) {
  test(`npm run ${cli} -- --help: usage on stdout, exit 0, nothing written`, () => {
    const before = WATCHED.map((f) => statSync(f).mtimeMs);
    const r = spawnSync(process.execPath, [path.join(REPO, "dist", "cli", `${cli}.js`), "--help"], { encoding: "utf8", timeout: 60000 });
    assert.equal(r.status, 0, `${cli} --help exited ${r.status}: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`^usage: npm run ${cli}\\b`), `${cli} --help printed:\n${r.stdout}`);
    assert.doesNotMatch(r.stdout, /registered for this user|^wrote /m, `${cli} --help acted`);
    assert.deepEqual(WATCHED.map((f) => statSync(f).mtimeMs), before, `${cli} --help rewrote a file`);
  });
}

test("a stray argument to npm run kernel is refused and registers nothing", () => {
  const r = spawnSync(process.execPath, [path.join(REPO, "dist", "cli", "kernel.js"), "--nmae", "x"], { encoding: "utf8" });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /usage: npm run kernel \[-- --name NAME\]/);
  assert.doesNotMatch(r.stdout, /registered/);
});
