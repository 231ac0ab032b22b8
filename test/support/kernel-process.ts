/**
 * What the real-client tests (classic Notebook and JupyterLab) read about a
 * running kernel from outside the browser (its pid and the CPU it uses, to
 * prove an interrupt stopped the work, not only the output), and the folder
 * they serve notebooks from.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

/** A progress bar line as report/display.ts draws it. */
export const BAR = /\[[#.]{30}\]\s+\d+%/;

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100/s on Linux)
}

/** The pid of the kernel whose connection file is kernel-<id>.json (a chroot shares the host's pids). */
export function kernelPid(kernelId: string): number {
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, "utf8").includes(`kernel-${kernelId}.json`)) return Number(d);
    } catch {
      // gone
    }
  }
  throw new Error(`no process for kernel ${kernelId}`);
}

/**
 * A scratch folder a Jupyter server can serve: copies of the notebooks (the
 * tests save them) beside links to this checkout's build, packages and data.
 */
export function notebookWorkspace(repo: string, notebooks: readonly string[], prefix: string): string {
  const work = mkdtempSync(path.join(tmpdir(), prefix));
  for (const d of ["dist", "node_modules", "data"]) symlinkSync(path.join(repo, d), path.join(work, d));
  mkdirSync(path.join(work, "notebooks"));
  for (const nb of notebooks) cpSync(nb, path.join(work, "notebooks", path.basename(nb)));
  return work;
}
