/**
 * `npm run notebooks [-- names...]`: executes every notebook (or those named)
 * headless at GRADNOISE_SCALE (default cpu) and writes HTML reports to
 * reports/. Each report is written as soon as its notebook finishes, so an
 * interrupted run keeps the reports already made.
 */
import { mkdirSync } from "fs";
import * as path from "path";
import { parseScale, SCALE_ENV } from "../experiments/framework/scale";
import { executeNotebook, listNotebooks, REPO } from "./jupyter";

function main(): void {
  const scale = parseScale(process.env[SCALE_ENV]);
  const wanted = process.argv.slice(2);
  const all = listNotebooks();
  const chosen = wanted.length ? wanted.map((w) => {
    const hit = all.find((n) => path.basename(n).startsWith(w) || n === path.resolve(w));
    if (!hit) throw new Error(`no notebook matches "${w}"; have: ${all.map((n) => path.basename(n)).join(", ")}`);
    return hit;
  }) : all;
  const outDir = path.join(REPO, "reports");
  mkdirSync(outDir, { recursive: true });
  console.log(`Executing ${chosen.length} notebook(s) at scale "${scale}" -> ${path.relative(process.cwd(), outDir) || "."}/`);
  chosen.forEach((nb, i) => {
    process.stdout.write(`[${i + 1}/${chosen.length}] ${path.basename(nb)} ... `);
    const r = executeNotebook(nb, { outDir, scale });
    console.log(`${r.seconds.toFixed(0)} s -> ${path.relative(process.cwd(), r.html)}`);
  });
}

try {
  main();
} catch (e) {
  console.error(`\nnotebooks: ${(e as Error).message}`);
  process.exit(1);
}
