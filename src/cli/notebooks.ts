/**
 * `npm run notebooks [-- options] [names...]`: executes every notebook (or
 * those whose file name starts with a given name) headless and writes
 * self-contained HTML reports to reports/ (<name>.html, code folded, and
 * <name>.nocode.html without code). Each report is written as soon as
 * its notebook finishes, so an interrupted run keeps the reports made. A run
 * of every notebook then writes reports/claims.html, the claims ledger at the
 * committed cpu results (a page rather than a notebook: it trains and draws
 * nothing, so executing a kernel for it would only cost time); the name
 * `claims` writes that page alone.
 *
 *   --scale S            the `scale` parameter (smoke | cpu | paper; default GRADNOISE_SCALE, else each notebook's own)
 *   --backend B          the `backend` parameter (auto | tensorflow | webgpu | wasm | cpu)
 *   -p NAME VALUE        any parameter the notebooks' `parameters` cell declares; VALUE is JSON
 *                        where it parses (3, [1,2], {"seeds":[1]}), else a string
 *   --keep-notebook      also write the executed notebook, reports/<name>.ipynb
 *   --export FILE.ipynb  export a notebook as saved (what you ran in Jupyter), executing
 *                        nothing, to a self-contained reports/<name>.html (Jupyter's own
 *                        File > Download as HTML links MathJax and require.js instead)
 *   --help               this text
 *
 * Parameters follow papermill's convention: a cell tagged `parameters` holds
 * the defaults, and a cell injected after it sets the values given here.
 */
import { existsSync, mkdirSync } from "fs";
import * as path from "path";
import { parseScale, SCALE_ENV } from "../experiments/scale";
import { writeClaimsReport } from "./docs";
import { executeNotebook, exportNotebook, listNotebooks, NotebookParameters, REPO } from "./jupyter";

export interface NotebooksArgs {
  names: string[];
  scale?: string;
  parameters: NotebookParameters;
  keepNotebook: boolean;
  /** Saved notebooks to export without executing (--export). */
  exports: string[];
  help: boolean;
}

export const NOTEBOOKS_USAGE = `usage: npm run notebooks [-- options] [names...]
Executes the notebooks (all, or those whose file name starts with a name) headless and
writes self-contained HTML reports to reports/ (<name>.html with its code folded, and
<name>.nocode.html without code); a run of all of them also writes the claims
ledger page reports/claims.html (the name "claims" writes it alone).

  --scale S            the scale parameter: smoke | cpu | paper (default GRADNOISE_SCALE, else each notebook's own)
  --backend B          the backend parameter: auto | tensorflow | webgpu | wasm | cpu
  -p NAME VALUE        any parameter of a notebook's parameters cell; VALUE is JSON where it parses, else a string
  --keep-notebook      also write the executed notebook, reports/<name>.ipynb
  --export FILE.ipynb  export a saved notebook as it is (nothing executed) to a self-contained reports/<name>.html
  --help               this text`;

const jsonOrString = (v: string): unknown => {
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
};

export function parseNotebooksArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): NotebooksArgs {
  const out: NotebooksArgs = { names: [], parameters: {}, keepNotebook: false, exports: [], help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (what: string) => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs ${what}`);
      return v;
    };
    if (a === "--scale") out.scale = parseScale(value("a scale"), "--scale");
    else if (a === "--backend") out.parameters.backend = value("a backend");
    else if (a === "-p" || a === "--parameter") {
      const name = value("a name and a value");
      out.parameters[name] = jsonOrString(value("a value"));
    } else if (a === "--keep-notebook") out.keepNotebook = true;
    else if (a === "--export") out.exports.push(value("a saved .ipynb file"));
    else if (a === "--help" || a === "-h") out.help = true;
    else if (a.startsWith("-")) throw new Error(`unknown option ${a} (npm run notebooks -- --help)`);
    else out.names.push(a);
  }
  if (out.scale === undefined && env[SCALE_ENV]) out.scale = parseScale(env[SCALE_ENV]);
  return out;
}

function main(): void {
  const args = parseNotebooksArgs(process.argv.slice(2));
  if (args.help) {
    console.log(NOTEBOOKS_USAGE);
    return;
  }
  const outDir = path.join(REPO, "reports");
  if (args.exports.length > 0) {
    mkdirSync(outDir, { recursive: true });
    for (const file of args.exports) {
      if (!existsSync(file) || !file.endsWith(".ipynb")) throw new Error(`--export ${file}: not an .ipynb file that exists`);
      const r = exportNotebook(file, path.join(outDir, `${path.basename(file, ".ipynb")}.html`));
      console.log(`${file} -> ${path.relative(process.cwd(), r.html)} (${(r.bytes / 2 ** 20).toFixed(1)} MB, exported as saved; nothing executed; without code: ${path.basename(r.nocode)})`);
    }
    return;
  }
  const all = listNotebooks();
  const claims = args.names.length === 0 || args.names.includes("claims");
  const names = args.names.filter((w) => w !== "claims");
  const chosen = args.names.length ? names.map((w) => {
    const hit = all.find((n) => path.basename(n).startsWith(w) || n === path.resolve(w));
    if (!hit) throw new Error(`no notebook matches "${w}"; have: ${all.map((n) => path.basename(n)).join(", ")}`);
    return hit;
  }) : all;
  mkdirSync(outDir, { recursive: true });
  const given = [args.scale && `scale=${args.scale}`, ...Object.entries(args.parameters).map(([k, v]) => `${k}=${JSON.stringify(v)}`)].filter(Boolean);
  if (chosen.length) console.log(`Executing ${chosen.length} notebook(s)${given.length ? ` with ${given.join(", ")}` : " with their own parameters"} -> ${path.relative(process.cwd(), outDir) || "."}/`);
  chosen.forEach((nb, i) => {
    process.stdout.write(`[${i + 1}/${chosen.length}] ${path.basename(nb)} ... `);
    const r = executeNotebook(nb, { outDir, scale: args.scale, parameters: args.parameters, keepNotebook: args.keepNotebook });
    console.log(`${r.seconds.toFixed(0)} s -> ${path.relative(process.cwd(), r.html)} (${(r.bytes / 2 ** 20).toFixed(1)} MB; without code: ${path.basename(r.nocode)})`);
  });
  if (claims) console.log(`claims ledger -> ${writeClaimsReport()}`);
}

if (require.main === module) {
  try {
    main();
  } catch (e) {
    console.error(`\nnotebooks: ${(e as Error).message}`);
    process.exit(1);
  }
}
