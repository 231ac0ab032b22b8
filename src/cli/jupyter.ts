/**
 * Finding the Jupyter that runs our notebooks. These machines' default
 * python3 is a pyenv build without Jupyter; Debian's /usr/bin/python3 has it
 * once jupyter-nbconvert is installed. JUPYTER_PYTHON overrides both.
 */
import { execFileSync, spawnSync } from "child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { readerHtml, variantFile } from "../report/reader";
import { selfContainedHtml } from "../report/standalone";

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

export function tslabBinary(): string {
  const bin = path.join(REPO, "node_modules", "tslab", "bin", "tslab");
  if (!existsSync(bin)) throw new Error(`tslab not found at ${bin}: run npm install`);
  return bin;
}

/**
 * The project's kernel: tslab from this checkout, under its own name, so
 * registering it never rewrites the machine-wide `tslab` kernelspec that
 * other checkouts use. Notebooks name it in their metadata.
 */
export const KERNEL_NAME = "gradnoise";
export const KERNEL_DISPLAY_NAME = "TypeScript (gradnoise)";

/** kernel.json for this checkout: node itself runs tslab (no PATH lookup through `#!/usr/bin/env node`). */
export function kernelSpec(): { argv: string[]; display_name: string; language: string; interrupt_mode: string; metadata: Record<string, unknown> } {
  return {
    argv: [process.execPath, tslabBinary(), "kernel", "--config-path", "{connection_file}"],
    display_name: KERNEL_DISPLAY_NAME,
    language: "typescript",
    interrupt_mode: "signal", // Kernel > Interrupt sends SIGINT; engine/interrupt.ts turns it into an AbortSignal
    metadata: { checkout: REPO },
  };
}

/**
 * A Jupyter data folder private to this checkout (build/jupyter, ignored by
 * git) holding kernels/gradnoise/kernel.json. Runs started by this checkout
 * (npm run notebooks, npm test) put it first on JUPYTER_PATH, so they use
 * this checkout's kernel whatever else is registered.
 */
export function checkoutJupyterPath(): string {
  const dir = path.join(REPO, "build", "jupyter");
  const kdir = path.join(dir, "kernels", KERNEL_NAME);
  mkdirSync(kdir, { recursive: true });
  const json = JSON.stringify(kernelSpec(), null, 1) + "\n";
  const file = path.join(kdir, "kernel.json");
  if (!existsSync(file) || readFileSync(file, "utf8") !== json) writeFileSync(file, json);
  return dir;
}

/** The environment for a Jupyter process that must find this checkout's kernel first. */
export function checkoutJupyterEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const mine = checkoutJupyterPath();
  return { ...env, JUPYTER_PATH: [mine, env.JUPYTER_PATH].filter(Boolean).join(path.delimiter), PYDEVD_DISABLE_FILE_VALIDATION: "1" };
}

/**
 * Registers the kernel for the current user (`jupyter kernelspec install
 * --user`: ~/.local/share/jupyter/kernels/<name>, also as root), never
 * machine-wide. Returns the folder Jupyter installed it in.
 */
export function registerKernel(python: string, opts: { name?: string; quiet?: boolean } = {}): string {
  const name = opts.name ?? KERNEL_NAME;
  if (!/^[a-z0-9._-]+$/i.test(name)) throw new Error(`kernel name "${name}": use letters, digits, ".", "_" and "-"`);
  const spec = kernelSpec();
  const tmp = mkdtempSync(path.join(tmpdir(), "gn-kernel-"));
  const dir = path.join(tmp, name);
  mkdirSync(dir);
  writeFileSync(path.join(dir, "kernel.json"), JSON.stringify({ ...spec, display_name: name === KERNEL_NAME ? spec.display_name : `TypeScript (${name})` }, null, 1) + "\n");
  const r = spawnSync(python, ["-m", "jupyter", "kernelspec", "install", "--user", "--replace", "--name", name, dir], { encoding: "utf8" });
  rmSync(tmp, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`jupyter kernelspec install failed: ${r.stderr}`);
  const where = execFileSync(python, ["-c", `from jupyter_client.kernelspec import KernelSpecManager as K; print(K().get_kernel_spec(${JSON.stringify(name)}).resource_dir)`], { encoding: "utf8" }).trim();
  if (!opts.quiet) process.stdout.write(`${r.stdout}`);
  return where;
}

/** Values for a notebook's parameters cell: each is injected as `name = <JSON>;`. */
export type NotebookParameters = Record<string, unknown>;

interface NbCell {
  cell_type: string;
  id?: string;
  source: string | string[];
  metadata: { tags?: string[] } & Record<string, unknown>;
  outputs?: unknown[];
  execution_count?: number | null;
}
interface Nb {
  cells: NbCell[];
  metadata: Record<string, unknown>;
  nbformat: number;
  nbformat_minor: number;
}

const cellText = (c: NbCell) => (Array.isArray(c.source) ? c.source.join("") : c.source);

/** The names a parameters cell declares (`let name ...`), in order. */
export function declaredParameters(cell: NbCell): string[] {
  return [...cellText(cell).matchAll(/^\s*(?:let|var)\s+([A-Za-z_$][\w$]*)/gm)].map((m) => m[1]);
}

/**
 * Papermill's convention: the first cell tagged `parameters` holds defaults;
 * a run with parameters gets a cell right after it, tagged
 * `injected-parameters`, assigning the given values (so the notebook's own
 * defaults stay visible). A parameter the cell does not declare is an error
 * rather than a silent no-op. Returns a new notebook.
 */
export function injectParameters(nb: Nb, params: NotebookParameters, source = "npm run notebooks"): Nb {
  const names = Object.keys(params);
  if (!names.length) return nb;
  const at = nb.cells.findIndex((c) => c.cell_type === "code" && (c.metadata.tags ?? []).includes("parameters"));
  if (at < 0) throw new Error(`no cell tagged "parameters" to take ${names.join(", ")}`);
  const declared = declaredParameters(nb.cells[at]);
  const unknown = names.filter((n) => !declared.includes(n));
  if (unknown.length) throw new Error(`the parameters cell declares ${declared.join(", ") || "nothing"}; not ${unknown.join(", ")}`);
  const body = names.map((n) => `${n} = ${JSON.stringify(params[n])};`).join("\n");
  const cell: NbCell = {
    cell_type: "code", id: "injected-parameters", execution_count: null, outputs: [],
    metadata: { tags: ["injected-parameters"] },
    source: `// Parameters injected by ${source}\n${body}`,
  };
  return { ...nb, cells: [...nb.cells.slice(0, at + 1), cell, ...nb.cells.slice(at + 1)] };
}

export interface ExecuteOptions {
  /** Output folder for the HTML report (and the executed notebook). */
  outDir: string;
  /** The `scale` parameter (default: the notebook's own); also GRADNOISE_SCALE in the kernel's environment, for notebooks without a parameters cell. */
  scale?: string;
  /** Other values for the parameters cell (backend, options, ...). */
  parameters?: NotebookParameters;
  /** Per-cell timeout in seconds. */
  cellTimeout?: number;
  python?: string;
  /** Extra environment for the kernel. */
  env?: Record<string, string>;
  /** Also write the executed notebook as <outDir>/<name>.ipynb (default false). */
  keepNotebook?: boolean;
}

// Runs in Jupyter's python: executes the notebook with nbclient in the notebook's own folder (its
// imports are relative), numbers the executed code cells when the kernel sent no execution counts
// (a tslab without patches/: prompts would read "In [ ]:"), and exports HTML with nbconvert.
const EXECUTE_PY = `
import json, sys, nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbconvert import HTMLExporter
a = json.loads(sys.stdin.read())
nb = nbformat.reads(a["notebook"], as_version=4)
bad = []
client = NotebookClient(nb, timeout=a["timeout"], kernel_name=a["kernel"], resources={"metadata": {"path": a["cwd"]}},
                        on_cell_error=lambda cell, cell_index, **kw: bad.append(cell_index))
failed = None
if a["execute"]:
    try:
        client.execute()
    except CellExecutionError as e:
        failed = str(e)
        # The failing cell's error output (or, from a tslab without patches/, its stderr: no
        # ename/evalue, so nbclient's message ends in an empty "<Error>:"), with the cell's source.
        if bad:
            c = nb.cells[bad[-1]]
            said = "".join(o.get("text", "") if o.get("output_type") == "stream" else "\\n".join(o.get("traceback", [])) + o.get("evalue", "")
                           for o in c.outputs if o.get("output_type") == "error" or o.get("name") == "stderr")
            failed = "code cell %d of the notebook failed:\\n%s\\n------------------\\n%s" % (
                sum(1 for x in nb.cells[:bad[-1] + 1] if x.cell_type == "code"), c.source, said.strip() or failed)
n = 0
# An export (not executed) is numbered in order whatever the client's counts.
counted = a["execute"] and any(c.get("execution_count") for c in nb.cells if c.cell_type == "code")
for c in nb.cells:
    if not counted and c.cell_type == "code" and c.source.strip() and (c.outputs or c.get("execution_count") is not None or (failed is None and a["execute"])):
        n += 1
        c.execution_count = n
        for o in c.outputs:
            if o.get("output_type") == "execute_result":
                o["execution_count"] = n
if a.get("ipynb"):
    nbformat.write(nb, a["ipynb"])
html, _ = HTMLExporter(template_name="lab").from_notebook_node(nb)
open(a["html"], "w", encoding="utf-8").write(html)
if failed:
    sys.stderr.write(failed[-6000:])
    sys.exit(1)
`;

/**
 * Executes a notebook headless with this checkout's kernel (parameters
 * injected), exports HTML, makes the HTML self-contained (report/
 * standalone.ts) and a report (report/reader.ts: title, contents, code
 * folded, and the code-free <name>.nocode.html beside it). A TypeScript type error or an exception in any cell fails
 * the run (the report of the failed run is still written).
 */
export function executeNotebook(notebook: string, opts: ExecuteOptions): { html: string; nocode: string; seconds: number; bytes: number } {
  const python = opts.python ?? requireJupyterPython();
  const name = path.basename(notebook, ".ipynb");
  let nb = JSON.parse(readFileSync(notebook, "utf8")) as Nb;
  const paramsCell = nb.cells.find((c) => c.cell_type === "code" && (c.metadata.tags ?? []).includes("parameters"));
  const declared = paramsCell ? declaredParameters(paramsCell) : [];
  // GRADNOISE_BACKEND (the run's env, else ours) still picks the backend of a headless run, as the parameter's default.
  const envBackend = opts.env?.GRADNOISE_BACKEND ?? process.env.GRADNOISE_BACKEND; // engine/backend.ts's BACKEND_ENV (not imported: it loads tfjs)
  const params: NotebookParameters = {
    ...(declared.includes("scale") && opts.scale ? { scale: opts.scale } : {}),
    ...(declared.includes("backend") && envBackend ? { backend: envBackend } : {}),
    ...opts.parameters,
  };
  nb = injectParameters(nb, params);
  mkdirSync(opts.outDir, { recursive: true });
  const html = path.join(opts.outDir, `${name}.html`);
  const t0 = Date.now();
  const r = spawnSync(python, ["-c", EXECUTE_PY], {
    encoding: "utf8",
    input: JSON.stringify({
      notebook: JSON.stringify(nb), execute: true, timeout: opts.cellTimeout ?? 3600, kernel: KERNEL_NAME, cwd: path.dirname(path.resolve(notebook)),
      html, ipynb: opts.keepNotebook ? path.join(opts.outDir, `${name}.ipynb`) : null,
    }),
    env: { ...checkoutJupyterEnv(), ...opts.env, ...(opts.scale ? { GRADNOISE_SCALE: opts.scale } : {}) },
    maxBuffer: 64 * 2 ** 20,
  });
  if (existsSync(html)) writeReports(html);
  if (r.status !== 0) {
    const tail = `${r.stderr ?? ""}`.split("\n").filter((l) => !/frozen modules|PYDEVD|Debugging will proceed/.test(l)).slice(-40).join("\n");
    throw new Error(`executing ${notebook}${opts.scale ? ` at scale ${opts.scale}` : ""} failed (exit ${r.status}):\n${tail}`);
  }
  return { html, nocode: variantFile(html, "none"), seconds: (Date.now() - t0) / 1000, bytes: statSync(html).size };
}

/**
 * Turns nbconvert's export at `html` into the reader's report (code folded) in
 * place, and writes its code-free variant beside it (reports/<name>.nocode.html).
 */
function writeReports(html: string): void {
  const self = selfContainedHtml(readFileSync(html, "utf8"));
  const nocode = variantFile(html, "none");
  writeFileSync(nocode, readerHtml(self, { code: "none", file: nocode }));
  writeFileSync(html, readerHtml(self, { code: "folded", file: html }));
}

/**
 * Exports a notebook as it is (outputs saved by a Jupyter client, nothing
 * executed) to a self-contained HTML file, prompts numbered in order.
 */
export function exportNotebook(notebook: string, html: string, python = requireJupyterPython()): { html: string; nocode: string; bytes: number } {
  const r = spawnSync(python, ["-c", EXECUTE_PY], {
    encoding: "utf8",
    input: JSON.stringify({ notebook: readFileSync(notebook, "utf8"), execute: false, timeout: 60, kernel: KERNEL_NAME, cwd: path.dirname(path.resolve(notebook)), html, ipynb: null }),
    env: checkoutJupyterEnv(),
    maxBuffer: 64 * 2 ** 20,
  });
  if (r.status !== 0) throw new Error(`exporting ${notebook} failed (exit ${r.status}): ${`${r.stderr}`.slice(-2000)}`);
  writeReports(html);
  return { html, nocode: variantFile(html, "none"), bytes: statSync(html).size };
}

/** The notebooks of this repository, in section order. */
export function listNotebooks(): string[] {
  const dir = path.join(REPO, "notebooks");
  return readdirSync(dir).filter((f) => f.endsWith(".ipynb")).sort().map((f) => path.join(dir, f));
}
