/**
 * Finding the Jupyter that runs our notebooks. These machines' default
 * python3 is a pyenv build without Jupyter; Debian's /usr/bin/python3 has it
 * once jupyter-nbconvert is installed. JUPYTER_PYTHON overrides both.
 */
import { execFileSync, spawnSync } from "child_process";
import { existsSync, readdirSync, readFileSync } from "fs";
import * as path from "path";

/** The checkout's root: the nearest folder above this file with gradnoise's package.json (dist/ and build/ differ in depth). */
export const REPO = ((): string => {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const pkg = path.join(dir, "package.json");
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, "utf8")) as { name?: string }).name === "gradnoise") return dir;
  }
  throw new Error(`cannot find gradnoise's package.json above ${__dirname}`);
})();

function hasJupyter(python: string): boolean {
  const r = spawnSync(python, ["-c", "import nbconvert, nbclient, jupyter_client"], { stdio: "ignore" });
  return r.status === 0;
}

/** A python with nbconvert, nbclient and jupyter_client, or null. */
export function findJupyterPython(): string | null {
  const candidates = [process.env.JUPYTER_PYTHON, "/usr/bin/python3", "python3"].filter((p): p is string => Boolean(p));
  for (const p of candidates) if (hasJupyter(p)) return p;
  return null;
}

export function requireJupyterPython(): string {
  const p = findJupyterPython();
  if (!p) {
    throw new Error(
      "no Python with Jupyter found. On Debian: apt-get install jupyter-notebook jupyter-nbconvert python3-nbclient " +
        "(or pip install jupyterlab nbconvert) and/or set JUPYTER_PYTHON to that python.",
    );
  }
  return p;
}

/** Is a kernelspec named `name` visible to this python's Jupyter? */
export function hasKernel(python: string, name = "tslab"): boolean {
  try {
    const out = execFileSync(python, ["-m", "jupyter", "kernelspec", "list", "--json"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
    return name in (JSON.parse(out) as { kernelspecs: Record<string, unknown> }).kernelspecs;
  } catch {
    return false;
  }
}

export function tslabBinary(): string {
  const bin = path.join(REPO, "node_modules", ".bin", "tslab");
  if (!existsSync(bin)) throw new Error(`tslab not found at ${bin}: run npm install`);
  return bin;
}

/** Registers the tslab kernel (this checkout's binary) with `python`'s Jupyter. */
export function registerKernel(python: string, quiet = false): void {
  const bin = tslabBinary();
  execFileSync(bin, ["install", `--python=${python}`, `--binary=${bin}`], { stdio: quiet ? "ignore" : "inherit" });
  if (!hasKernel(python, "tslab")) {
    throw new Error(`tslab install ran, but '${python} -m jupyter kernelspec list' shows no tslab kernel (Debian: apt-get install jupyter-client)`);
  }
}

export interface ExecuteOptions {
  /** Output folder for the HTML report. */
  outDir: string;
  scale: string;
  /** Per-cell timeout in seconds. */
  cellTimeout?: number;
  python?: string;
  /** Extra environment for the kernel. */
  env?: Record<string, string>;
}

/**
 * Executes a notebook headless with the tslab kernel and exports HTML. A
 * TypeScript type error or an exception in any cell fails the run.
 */
export function executeNotebook(notebook: string, opts: ExecuteOptions): { html: string; seconds: number } {
  const python = opts.python ?? requireJupyterPython();
  if (!hasKernel(python, "tslab")) registerKernel(python, true);
  const name = path.basename(notebook, ".ipynb");
  const t0 = Date.now();
  const r = spawnSync(
    python,
    [
      "-m", "jupyter", "nbconvert", "--to", "html", "--execute",
      "--ExecutePreprocessor.kernel_name=tslab",
      `--ExecutePreprocessor.timeout=${opts.cellTimeout ?? 3600}`,
      "--output-dir", opts.outDir, "--output", name, notebook,
    ],
    {
      encoding: "utf8",
      env: { ...process.env, ...opts.env, GRADNOISE_SCALE: opts.scale, PYDEVD_DISABLE_FILE_VALIDATION: "1" },
      maxBuffer: 64 * 2 ** 20,
    },
  );
  if (r.status !== 0) {
    const tail = `${r.stderr ?? ""}`.split("\n").filter((l) => !/frozen modules|PYDEVD|Debugging will proceed/.test(l)).slice(-40).join("\n");
    throw new Error(`executing ${notebook} at scale ${opts.scale} failed (exit ${r.status}):\n${tail}`);
  }
  return { html: path.join(opts.outDir, `${name}.html`), seconds: (Date.now() - t0) / 1000 };
}

/** The notebooks of this repository, in section order. */
export function listNotebooks(): string[] {
  const dir = path.join(REPO, "notebooks");
  return readdirSync(dir).filter((f) => f.endsWith(".ipynb")).sort().map((f) => path.join(dir, f));
}
