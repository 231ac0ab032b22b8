/**
 * One writer per results file. A sweep (or a merge) holds `<file>.lock` while
 * it writes `file`; the lock says who holds it (pid, host, start time,
 * command), so a second sweep on the same file stops at once and names the
 * holder instead of training every run a second time.
 *
 * The lock is made complete before it becomes visible (written to a private
 * file, then hard-linked to its name, which fails if the name exists), so a
 * reader never sees a half-written lock. A lock whose process no longer runs
 * on this host (a kill -9, a crash, a power cut) is taken over with a note;
 * one from another host cannot be checked from here and is reported for the
 * user to judge.
 */
import { randomBytes } from "crypto";
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from "fs";
import * as os from "os";
import * as path from "path";

export interface LockHolder {
  pid: number;
  host: string;
  /** ISO time the lock was taken. */
  started: string;
  command: string;
  /** The holder's start time in clock ticks since boot (Linux), to tell a reused pid from the holder. */
  startTicks?: number;
}

export class LockHeldError extends Error {
  constructor(
    readonly lockFile: string,
    readonly holder: LockHolder | undefined,
    message: string,
  ) {
    super(message);
    this.name = "LockHeldError";
  }
}

export function lockPath(file: string): string {
  return `${path.resolve(file)}.lock`;
}

/** Locks held by this process (absolute lock paths): a second sweep here on the same file is refused too. */
const held = new Set<string>();

/** Field 22 of /proc/<pid>/stat (start time in ticks since boot), or undefined off Linux. */
function startTicks(pid: number | "self"): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing ")".
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const v = Number(rest[19]);
    return Number.isFinite(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

function running(h: LockHolder): boolean {
  try {
    process.kill(h.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EPERM") return false; // ESRCH: no such process
  }
  // The pid exists; if it started at another time it is another process that reuses the number.
  const now = startTicks(h.pid);
  return h.startTicks === undefined || now === undefined || now === h.startTicks;
}

function readHolder(lock: string): { raw: string; holder?: LockHolder } | undefined {
  let raw: string;
  try {
    raw = readFileSync(lock, "utf8");
  } catch {
    return undefined; // gone meanwhile
  }
  try {
    const h = JSON.parse(raw) as LockHolder;
    if (Number.isInteger(h.pid) && typeof h.host === "string") return { raw, holder: h };
  } catch {
    // falls through: not a lock this code wrote
  }
  return { raw };
}

function describe(h: LockHolder): string {
  return `pid ${h.pid} on ${h.host} since ${h.started} (${h.command})`;
}

/**
 * Takes the lock on `file` (creating its folder if needed) and returns the
 * function that releases it. Throws LockHeldError, naming the holder, if a
 * running process (or another host, or this process) holds it.
 */
export function acquireLock(file: string, opts: { warn?: (msg: string) => void; command?: string } = {}): () => void {
  const warn = opts.warn ?? ((m: string) => console.warn(m));
  const lock = lockPath(file);
  const target = path.resolve(file);
  if (held.has(lock)) {
    throw new LockHeldError(lock, undefined, `${target} is locked by this process (pid ${process.pid}): another sweep or merge on it is still running here`);
  }
  const me: LockHolder = {
    pid: process.pid,
    host: os.hostname(),
    started: new Date().toISOString(),
    command: opts.command ?? [path.basename(process.argv[1] ?? "node"), ...process.argv.slice(2)].join(" "),
    startTicks: startTicks("self"),
  };
  mkdirSync(path.dirname(lock), { recursive: true });
  const tmp = `${lock}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  writeFileSync(tmp, JSON.stringify(me) + "\n");
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(tmp, lock);
        held.add(lock);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      }
      const found = readHolder(lock);
      if (!found) continue; // released between our link and our read: try again
      const h = found.holder;
      if (!h) throw new LockHeldError(lock, undefined, `${target} is locked: ${lock} exists but is not a lock this program wrote; remove it if no sweep or merge is running on ${target}`);
      const here = h.host === me.host;
      if (!here) {
        throw new LockHeldError(lock, h, `${target} is locked by ${describe(h)}; that host cannot be checked from here: wait for it, or remove ${lock} if that sweep is gone`);
      }
      if (running(h) && h.pid !== process.pid) {
        throw new LockHeldError(lock, h, `${target} is locked by ${describe(h)}, which is still running: wait for it to finish (or stop it) before writing this file`);
      }
      if (attempt > 2) throw new LockHeldError(lock, h, `${target}: could not take over the stale lock ${lock} (another process keeps replacing it)`);
      // Stale: its process is gone (or it is an earlier sweep of this very process that never released it).
      // Removed only if unchanged since we read it, so a lock another process has just taken is not deleted.
      const again = readHolder(lock);
      if (again && again.raw === found.raw) {
        unlinkSync(lock);
        warn(`note: took over the lock on ${target} left by ${describe(h)}, which no longer runs`);
      }
    }
  } finally {
    if (existsSync(tmp)) unlinkSync(tmp);
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    held.delete(lock);
    const now = readHolder(lock);
    if (now?.holder && now.holder.pid === me.pid && now.holder.host === me.host && now.holder.started === me.started) {
      try {
        unlinkSync(lock);
      } catch {
        // already gone: nothing to release
      }
    }
  };
}
