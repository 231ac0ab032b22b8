/**
 * Fault injection: a smoke sweep is killed with SIGKILL at seeded random
 * moments (the whole process group, as a crash or an out-of-memory kill
 * does, or only the parent, leaving its workers orphaned), restarted with the
 * same command until it finishes, and its results must then equal an
 * uninterrupted sweep's record for record (timings aside): no run lost,
 * duplicated or changed, whatever was cut off mid-write set aside.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { REPO } from "../../../src/cli/jupyter";
import { diffRecordFiles, rejectedPath } from "../../../src/experiments/merge";

const CLI = path.join(REPO, "build", "src", "cli", "experiment.js");
const ARGS = ["deep-mlp", "--scale", "smoke", "--workers", "2"];
const FILE = "deep-mlp-smoke.jsonl";

/** mulberry32: a small seeded generator, so a failing schedule can be replayed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Does a live (not zombie) process of group `pgid` remain? (/proc: an orphan's zombie may wait a while for init to reap it.) */
function groupAlive(pgid: number): boolean {
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const [state, , pgrp] = readFileSync(`/proc/${d}/stat`, "utf8").split(") ")[1].split(" ");
      if (Number(pgrp) === pgid && state !== "Z" && state !== "X") return true;
    } catch {
      // gone meanwhile
    }
  }
  return false;
}

async function until(what: string, ok: () => boolean, ms: number): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** One attempt: runs the sweep in its own process group; kills it after `killAfterMs` unless it ends first. */
async function attempt(env: NodeJS.ProcessEnv, killAfterMs: number | null, whole: boolean): Promise<{ code: number | null; killed: boolean; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...ARGS], { env: { ...process.env, GRADNOISE_SCALE: "", ...env }, stdio: ["ignore", "ignore", "pipe"], detached: true });
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += d));
  // Closed once every process holding it (orphaned workers included) is gone: all they said is in.
  const stderrClosed = new Promise((resolve) => child.stderr!.on("close", resolve));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  let killed = false;
  const timer =
    killAfterMs === null
      ? undefined
      : setTimeout(() => {
          killed = true;
          // The whole group: a crash. The parent only: its workers must notice and exit by themselves.
          process.kill(whole ? -child.pid! : child.pid!, "SIGKILL");
        }, killAfterMs);
  const code = await exited;
  clearTimeout(timer);
  // Nothing of this attempt may still run (and write) when the next one starts.
  await until("the killed sweep's workers to exit", () => !groupAlive(child.pid!), 15000);
  await stderrClosed;
  return { code, killed, stderr };
}

const skip = !existsSync("/proc/self/stat") && "reads process state from Linux's /proc";

test("kill -9 at random points across a sweep, restart until done: the records equal an uninterrupted sweep's", { timeout: 120_000, skip }, async () => {
  const clean = mkdtempSync(path.join(os.tmpdir(), "gn-clean-"));
  const faulty = mkdtempSync(path.join(os.tmpdir(), "gn-faulty-"));
  try {
    const t0 = Date.now();
    const reference = spawnSync(process.execPath, [CLI, ...ARGS], { encoding: "utf8", env: { ...process.env, GRADNOISE_SCALE: "", GRADNOISE_RESULTS_DIR: clean } });
    assert.equal(reference.status, 0, reference.stderr);
    const full = Date.now() - t0;

    const next = rng(20160909);
    const log: string[] = [];
    let kills = 0;
    for (let i = 0; ; i++) {
      assert.ok(i < 40, `no end in sight:\n${log.join("\n")}`);
      // Kill points from start-up to half an uninterrupted sweep's time: each restart gets a little
      // further, so later kills land in its last runs, its writes and the final merge.
      // After 10 kills the sweep is left to finish.
      const at = kills < 10 ? Math.round(150 + next() * 0.5 * full) : null;
      const whole = next() < 0.5;
      const r = await attempt({ GRADNOISE_RESULTS_DIR: faulty }, at, whole);
      log.push(`[${Date.now() - t0} ms] attempt ${i}: ${at === null ? "no kill" : `kill ${whole ? "group" : "parent"} at ${at} ms`} -> ${r.killed ? "killed" : `exit ${r.code}`}`);
      // Orphaned workers exit quietly: no EPIPE, no stack trace, whenever the parent died.
      assert.doesNotMatch(r.stderr, /EPIPE|Error|\n\s+at /, `${log.join("\n")}\n${r.stderr}`);
      if (r.killed) {
        kills++;
        continue;
      }
      assert.equal(r.code, 0, `${log.join("\n")}\n${r.stderr}`);
      break;
    }
    assert.ok(kills >= 5, `only ${kills} kills landed:\n${log.join("\n")}`);
    const a = path.join(clean, FILE);
    const b = path.join(faulty, FILE);
    assert.deepEqual(diffRecordFiles(a, b, { ignore: ["seconds", "date", "digest"] }), [], log.join("\n"));
    assert.ok(!existsSync(`${b}.lock`), "the last sweep released its lock");
    // Whatever was set aside is a write cut off by a kill or an earlier copy of a run that was redone, never a finished run lost.
    if (existsSync(rejectedPath(b))) {
      for (const line of readFileSync(rejectedPath(b), "utf8").trim().split("\n")) {
        const e = JSON.parse(line) as { reason: string };
        assert.match(e.reason, /a write cut off|unreadable line|a second, different record/, line);
      }
    }
  } finally {
    rmSync(clean, { recursive: true, force: true });
    rmSync(faulty, { recursive: true, force: true });
  }
});
