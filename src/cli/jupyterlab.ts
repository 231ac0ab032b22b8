/**
 * JupyterLab for `npm run lab` (and its client test): which JupyterLab, the
 * mounts a chroot needs, and starting and stopping its server.
 *
 * The machine's own JupyterLab is used where there is one (a python that
 * imports jupyterlab, or `jupyter-lab` on PATH: scripts/setup.sh looks in the
 * same order). Else, on Debian 12 (no jupyterlab package), scripts/setup.sh
 * builds Debian 13's into a chroot; the server runs there, with the checkout
 * bind-mounted at its own absolute path so the kernel's paths are the same
 * inside and out. Each session records its pid in the chroot; mounts no live
 * session records are an earlier, killed session's and are taken down.
 */
import { ChildProcess, spawn, spawnSync } from "child_process";
import { randomBytes } from "crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "fs";
import * as path from "path";
import { KERNEL_DISPLAY_NAME, KERNEL_NAME, checkoutJupyterEnv, kernelSpec, REPO } from "./jupyter";

/** Where scripts/setup.sh builds the chroot (GRADNOISE_LAB_ROOT overrides it). */
export const DEFAULT_LAB_ROOT = "/var/lib/gradnoise/jupyterlab-trixie";
/** Written last by scripts/setup.sh: a chroot without it is unfinished. */
export const LAB_STAMP = ".gradnoise-lab-complete";
const SESSIONS = ".gradnoise-sessions";

export type LabInstall =
  | { kind: "host"; command: string[]; where: string }
  | { kind: "chroot"; root: string; where: string };

export function labRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.GRADNOISE_LAB_ROOT || DEFAULT_LAB_ROOT;
}

/** The JupyterLab to run, or null (with what to do in `missingLabHelp`). */
export function findLab(env: NodeJS.ProcessEnv = process.env): LabInstall | null {
  for (const py of [env.JUPYTER_PYTHON, "/usr/bin/python3", "python3"].filter((p): p is string => Boolean(p))) {
    if (spawnSync(py, ["-c", "import jupyterlab"], { stdio: "ignore" }).status === 0) return { kind: "host", command: [py, "-m", "jupyterlab"], where: py };
  }
  const bin = spawnSync("sh", ["-c", "command -v jupyter-lab"], { encoding: "utf8" }).stdout?.trim();
  if (bin) return { kind: "host", command: [bin], where: bin };
  const root = labRoot(env);
  if (existsSync(path.join(root, LAB_STAMP))) return { kind: "chroot", root, where: `Debian 13 chroot ${root}` };
  return null;
}

export function missingLabHelp(env: NodeJS.ProcessEnv = process.env): string {
  const root = labRoot(env);
  const half = existsSync(root) && !existsSync(path.join(root, LAB_STAMP)) ? ` (${root} is unfinished)` : "";
  return `no JupyterLab found${half}: on Debian 12, sudo bash scripts/setup.sh builds one in ${root} (3-17 min, 1.8 GB); ` +
    "elsewhere pip install jupyterlab, or set JUPYTER_PYTHON to a python that has it";
}

// ---- arguments ---------------------------------------------------------------------------

export interface LabOptions {
  /** null: 8888 if free, else any free port. */
  port: number | null;
  /** The folder Lab serves (default: the checkout's notebooks/). */
  notebookDir: string;
}

export const LAB_USAGE = `usage: npm run lab [-- --port N] [-- --notebook-dir DIR]
Opens the notebooks in JupyterLab with the project's kernel ("${KERNEL_DISPLAY_NAME}"): serves on
127.0.0.1 only, with a fresh random token, and prints the URL to open. Ctrl-C stops it.
  --port N           the port (default 8888, or a free one when 8888 is taken)
  --notebook-dir DIR the folder to serve (default notebooks/ of this checkout)
The machine's JupyterLab is used where there is one; else the Debian 13 chroot that
scripts/setup.sh builds (as root; see docs/jupyterlab.md).`;

export class LabUsageError extends Error {}

/** Parses `npm run lab`'s arguments; anything unknown is an error. Returns null for --help. */
export function parseLabArgs(args: string[], cwd = process.cwd()): LabOptions | null {
  const opts: LabOptions = { port: null, notebookDir: path.join(REPO, "notebooks") };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = (): string => {
      const v = args[++i];
      if (v === undefined || v.startsWith("--")) throw new LabUsageError(`${a} needs a value`);
      return v;
    };
    if (a === "--help" || a === "-h") return null;
    else if (a === "--port") {
      const v = value();
      const n = Number(v);
      if (!/^\d+$/.test(v) || n < 1 || n > 65535) throw new LabUsageError(`--port ${v}: a port is a whole number from 1 to 65535`);
      opts.port = n;
    } else if (a === "--notebook-dir") {
      const dir = path.resolve(cwd, value());
      if (!existsSync(dir)) throw new LabUsageError(`--notebook-dir ${dir}: no such folder`);
      opts.notebookDir = dir;
    } else throw new LabUsageError(`unknown argument ${a}`);
  }
  return opts;
}

// ---- the chroot's mounts -----------------------------------------------------------------

export interface Mount {
  /** What is mounted: a host folder (bind) or a filesystem type's name. */
  source: string;
  /** The mount point inside the chroot. */
  target: string;
  type: "bind" | "proc";
}

function isUnder(p: string, dir: string): boolean {
  return p === dir || p.startsWith(dir.endsWith("/") ? dir : dir + "/");
}

/**
 * The mounts a chroot session needs: /proc and /dev, the checkout at its own
 * path, and every folder outside it that the kernel reaches through a link at
 * the checkout's top or in data/ (a shared node_modules, shared data sets),
 * or that Lab serves; each at its own absolute path.
 */
export function mountPlan(root: string, repo: string, notebookDir: string): Mount[] {
  const real = realpathSync(repo);
  const outside: string[] = [];
  const add = (p: string) => {
    let r: string;
    try {
      r = realpathSync(p);
    } catch {
      return; // a dangling link: nothing to mount
    }
    if (!isUnder(r, real) && !outside.some((o) => isUnder(r, o))) {
      for (let i = outside.length - 1; i >= 0; i--) if (isUnder(outside[i], r)) outside.splice(i, 1);
      outside.push(r);
    }
  };
  for (const dir of [real, path.join(real, "data")]) {
    if (!existsSync(dir)) continue;
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isSymbolicLink()) add(path.join(dir, e.name));
  }
  add(notebookDir);
  const at = (p: string) => path.join(root, p);
  return [
    { source: "proc", target: at("/proc"), type: "proc" },
    { source: "/dev", target: at("/dev"), type: "bind" },
    { source: real, target: at(real), type: "bind" },
    ...outside.sort().map((o): Mount => ({ source: o, target: at(o), type: "bind" })),
  ];
}

/** Mount points at or below `root` (from /proc/self/mountinfo), deepest first. */
export function mountsUnder(root: string, mountinfo = readFileSync("/proc/self/mountinfo", "utf8")): string[] {
  const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  return mountinfo.split("\n").filter(Boolean).map((l) => unescape(l.split(" ")[4])).filter((t) => isUnder(t, root))
    .sort((a, b) => b.length - a.length);
}

/** Of the mounts under the chroot, those no live session needs: a killed session's. */
export function staleMounts(mounted: string[], neededByLive: string[]): string[] {
  return mounted.filter((m) => !neededByLive.includes(m));
}

interface SessionRecord {
  pid: number;
  mounts: string[];
  /** Its Jupyter server, which outlives a session killed with SIGKILL. */
  server?: number;
}

function alive(pid: number): boolean {
  try {
    // A recycled pid is not a session: it must still be node running a lab script.
    return /\blab\.js\b|jupyterlab/.test(readFileSync(`/proc/${pid}/cmdline`, "utf8"));
  } catch {
    return false;
  }
}

function readRecord(file: string): SessionRecord | null {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as SessionRecord;
  } catch {
    return null; // half-written
  }
}

/** Live sessions' records; dead ones' are deleted, and a server a killed session left running is stopped. */
function liveSessions(root: string, except = -1): SessionRecord[] {
  const dir = path.join(root, SESSIONS);
  if (!existsSync(dir)) return [];
  const live: SessionRecord[] = [];
  for (const f of readdirSync(dir)) {
    const pid = Number(f);
    if (pid === except) continue;
    const record = readRecord(path.join(dir, f));
    if (Number.isInteger(pid) && alive(pid) && record) {
      live.push(record);
      continue;
    }
    if (record?.server && alive(record.server)) {
      try {
        process.kill(record.server, "SIGTERM");
      } catch {
        // gone meanwhile
      }
      // It frees its port and its kernels' cwd before their mounts go: up to 15 s.
      for (let i = 0; i < 150 && alive(record.server); i++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
    rmSync(path.join(dir, f), { force: true });
  }
  return live;
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${(r.stderr || r.error?.message || "").trim()}`);
}

function unmount(target: string): void {
  // Lazy as a fallback: a process still inside (a kernel being killed) keeps nothing busy for us.
  if (spawnSync("umount", [target], { stdio: "ignore" }).status !== 0) run("umount", ["-l", target]);
}

/** Takes down what a killed session left mounted; returns the mount points it unmounted. */
export function clearStaleMounts(root: string, selfPid = process.pid): string[] {
  const needed = liveSessions(root, selfPid).flatMap((s) => s.mounts);
  const stale = staleMounts(mountsUnder(root), needed);
  for (const m of stale) unmount(m);
  return stale;
}

/** Mounts the plan (what another live session has mounted already is shared) and records this session. */
function mountAll(root: string, plan: Mount[]): void {
  const dir = path.join(root, SESSIONS);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, String(process.pid)), JSON.stringify({ pid: process.pid, mounts: plan.map((m) => m.target) } satisfies SessionRecord));
  const mounted = new Set(mountsUnder(root));
  for (const m of plan) {
    if (mounted.has(m.target)) continue;
    mkdirSync(m.target, { recursive: true });
    if (m.type === "proc") run("mount", ["-t", "proc", "proc", m.target]);
    else run("mount", ["--bind", m.source, m.target]);
    // Private: nothing mounted or unmounted here propagates back to the host's tree.
    run("mount", ["--make-private", m.target]);
  }
}

/** Ends this session: unmounts what no other live session uses, deletes its record. */
export function releaseMounts(root: string): void {
  rmSync(path.join(root, SESSIONS, String(process.pid)), { force: true });
  clearStaleMounts(root);
}

// ---- the server --------------------------------------------------------------------------

/** A fresh token: Lab's URL carries it; never empty (an empty token lets any local process in). */
export function newToken(): string {
  return randomBytes(24).toString("hex");
}

/** The kernelspec the chroot's Jupyter finds (on its JUPYTER_PATH): the chroot's node runs this checkout's tslab. */
export function chrootJupyterPath(): string {
  const dir = path.join(REPO, "build", "jupyterlab");
  const kdir = path.join(dir, "kernels", KERNEL_NAME);
  mkdirSync(kdir, { recursive: true });
  const spec = kernelSpec();
  writeFileSync(path.join(kdir, "kernel.json"), JSON.stringify({ ...spec, argv: ["/usr/bin/node", ...spec.argv.slice(1)] }, null, 1) + "\n");
  return dir;
}

// Lab's File > Save and Export Notebook As > HTML runs the server's nbconvert, whose templates load
// require.js and MathJax 2 from file:///usr/share/javascript (Debian) or a CDN: an export that needs
// the network or this machine. This template drops require.js (nothing of ours uses it) and inlines
// MathJax 3 (npm mathjax, a dev dependency), so an export from Lab works offline.
const EXPORT_TEMPLATE = "gradnoise";
const MATHJAX_CONFIG = {
  tex: { inlineMath: [["$", "$"], ["\\(", "\\)"]], displayMath: [["$$", "$$"], ["\\[", "\\]"]], processEscapes: true, processEnvironments: true, tags: "ams" },
  svg: { fontCache: "global" },
  options: { enableMenu: false, ignoreHtmlClass: "tex2jax_ignore|gn-figure" },
};

/** A Jupyter data folder holding the export template (on Lab's JUPYTER_PATH); written when missing or stale. */
export function exportTemplatePath(): string {
  const dir = path.join(REPO, "build", "jupyterlab-export");
  const tdir = path.join(dir, "nbconvert", "templates", EXPORT_TEMPLATE);
  mkdirSync(tdir, { recursive: true });
  const mathjax = readFileSync(require.resolve("mathjax/es5/tex-svg-full.js"), "utf8").replace(/<\/script/gi, "<\\/script");
  const files: Record<string, string> = {
    "conf.json": JSON.stringify({ base_template: "lab", mimetypes: { "text/html": true } }, null, 1) + "\n",
    "index.html.j2":
      "{%- extends 'lab/index.html.j2' -%}\n" +
      "{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}\n" +
      "{%- block html_head_js_mathjax -%}{% raw %}\n" +
      `<script>window.MathJax = ${JSON.stringify(MATHJAX_CONFIG)};</script>\n<script>${mathjax}</script>\n` +
      "{% endraw %}{%- endblock html_head_js_mathjax -%}\n",
  };
  for (const [name, text] of Object.entries(files)) {
    const f = path.join(tdir, name);
    if (!existsSync(f) || readFileSync(f, "utf8") !== text) writeFileSync(f, text);
  }
  return dir;
}

export interface ServerCommand {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

/** The command that starts Lab: loopback only, the token from the environment (not argv, which `ps` shows). */
export function serverCommand(lab: LabInstall, port: number, notebookDir: string, token: string, env: NodeJS.ProcessEnv = process.env, isRoot = process.getuid?.() === 0, extra: string[] = []): ServerCommand {
  const lab4 = [
    "--no-browser", "--ip=127.0.0.1", `--port=${port}`, "--port-retries=0", `--ServerApp.root_dir=${notebookDir}`,
    ...(isRoot ? ["--allow-root"] : []), `--HTMLExporter.template_name=${EXPORT_TEMPLATE}`,
    "--SlidesExporter.template_name=reveal", // a subclass of HTMLExporter: it would inherit ours
    ...extra,
  ];
  if (lab.kind === "host") {
    const host = checkoutJupyterEnv(env);
    return { command: lab.command[0], args: [...lab.command.slice(1), ...lab4], env: { ...host, JUPYTER_PATH: `${host.JUPYTER_PATH}${path.delimiter}${exportTemplatePath()}`, JUPYTER_TOKEN: token } };
  }
  // A clean environment inside: the host's PATH (pyenv, nvm) means nothing there. The run's own settings (GRADNOISE_*) pass.
  const own = Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith("GRADNOISE_")));
  return {
    command: "chroot",
    args: [lab.root, "python3", "-m", "jupyterlab", ...lab4],
    env: {
      ...own, PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", HOME: "/root", LANG: "C.UTF-8",
      JUPYTER_PATH: [chrootJupyterPath(), exportTemplatePath()].join(path.delimiter), JUPYTER_TOKEN: token, PYDEVD_DISABLE_FILE_VALIDATION: "1",
    },
  };
}

export interface LabServer {
  url: string;
  token: string;
  lab: LabInstall;
  process: ChildProcess;
  /** Mount points this session made or shares (none for the host's Lab). */
  mounts: string[];
  /** Stops the server (its kernels with it) and unmounts what no other session uses. */
  stop(): Promise<void>;
}

export interface StartOptions extends LabOptions {
  lab?: LabInstall;
  token?: string;
  /** Where the server's log goes (default build/jupyterlab/server.log). */
  log?: string;
  env?: NodeJS.ProcessEnv;
  /** More of Lab's options (the client test exposes the app to the page). */
  serverArgs?: string[];
}

async function portFree(port: number): Promise<boolean> {
  const { createServer } = await import("net");
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}

/** A port on 127.0.0.1 that nothing listens on now. */
export async function anyFreePort(): Promise<number> {
  const { createServer } = await import("net");
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

/** Starts JupyterLab and resolves once it answers (its kernels' specs listed). */
export async function startLab(opts: StartOptions): Promise<LabServer> {
  const env = opts.env ?? process.env;
  const lab = opts.lab ?? findLab(env);
  if (!lab) throw new Error(missingLabHelp(env));
  if (lab.kind === "chroot" && process.getuid?.() !== 0) {
    throw new Error(`JupyterLab is in the chroot ${lab.root}, which only root can enter: sudo npm run lab, or pip install jupyterlab for this user`);
  }
  // A killed session's server and mounts go first: its port is then free again.
  if (lab.kind === "chroot") {
    const stale = clearStaleMounts(lab.root);
    if (stale.length) console.log(`lab: unmounted ${stale.length} mount(s) an earlier session left in ${lab.root}`);
  }
  let port = opts.port;
  if (port === null) port = (await portFree(8888)) ? 8888 : await anyFreePort();
  else if (!(await portFree(port))) throw new Error(`port ${port} is in use on 127.0.0.1: pick another with --port`);
  const token = opts.token ?? newToken();
  if (!token) throw new Error("refusing an empty Jupyter token");

  let mounts: string[] = [];
  if (lab.kind === "chroot") {
    const plan = mountPlan(lab.root, REPO, opts.notebookDir);
    try {
      mountAll(lab.root, plan);
    } catch (e) {
      releaseMounts(lab.root);
      throw e;
    }
    mounts = plan.map((m) => m.target);
  }
  const cmd = serverCommand(lab, port, opts.notebookDir, token, env, process.getuid?.() === 0, opts.serverArgs);
  const log = opts.log ?? path.join(REPO, "build", "jupyterlab", "server.log");
  mkdirSync(path.dirname(log), { recursive: true });
  const { openSync } = await import("fs");
  const fd = openSync(log, "w");
  const child = spawn(cmd.command, cmd.args, { env: cmd.env, stdio: ["ignore", fd, fd] });
  if (lab.kind === "chroot" && child.pid) {
    const record = path.join(lab.root, SESSIONS, String(process.pid));
    writeFileSync(record, JSON.stringify({ pid: process.pid, mounts, server: child.pid } satisfies SessionRecord));
  }
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopped ??= (async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM"); // Jupyter shuts its kernels down on SIGTERM
      const timer = setTimeout(() => child.kill("SIGKILL"), 15000);
      await exited;
      clearTimeout(timer);
    }
    if (lab.kind === "chroot") releaseMounts(lab.root);
  })());
  const base = `http://127.0.0.1:${port}`;
  const t0 = Date.now();
  for (;;) {
    try {
      const r = await fetch(`${base}/api/kernelspecs`, { headers: { Authorization: `token ${token}` } });
      if (r.ok) {
        const specs = (await r.json()) as { kernelspecs: Record<string, unknown> };
        if (!specs.kernelspecs[KERNEL_NAME]) {
          await stop();
          throw new Error(`JupyterLab started but has no "${KERNEL_NAME}" kernel (it has ${Object.keys(specs.kernelspecs).join(", ")})`);
        }
        break;
      }
    } catch (e) {
      if (e instanceof Error && /has no "/.test(e.message)) throw e;
      // not up yet
    }
    if (child.exitCode !== null || Date.now() - t0 > 120000) {
      await stop();
      const tail = readFileSync(log, "utf8").split("\n").slice(-25).join("\n");
      throw new Error(`JupyterLab did not start (${child.exitCode !== null ? `exit ${child.exitCode}` : "no answer in 120 s"}); its log ${log} ends:\n${tail}`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  return { url: `${base}/lab?token=${token}`, token, lab, process: child, mounts, stop };
}
