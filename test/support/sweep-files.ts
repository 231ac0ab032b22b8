/**
 * What the results-store tests share: the experiment CLI run as a user runs
 * it (from the build, with GRADNOISE_SCALE cleared so each test names its
 * scale), temporary folders removed after the file's tests, and JSONL text
 * from values (a string is written as the raw line it is, so tests can plant
 * broken lines).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after } from "node:test";
import { REPO } from "../../src/cli/jupyter";

const CLI = path.join(REPO, "build", "src", "cli", "experiment.js");

export const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", env: { ...process.env, GRADNOISE_SCALE: "", ...env } });

/** A temporary folder per call, all removed after the calling file's tests. */
export function tempDirs(): (what: string) => string {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  return (what: string) => {
    const d = mkdtempSync(path.join(os.tmpdir(), `gn-${what}-`));
    dirs.push(d);
    return d;
  };
}

export const jsonl = (values: unknown[]) => values.map((v) => (typeof v === "string" ? v : JSON.stringify(v))).join("\n") + "\n";
