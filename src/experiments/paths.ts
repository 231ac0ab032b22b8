/**
 * Where results live: GRADNOISE_RESULTS_DIR, else results/ in the checkout
 * that holds this code (notebooks, CLI and tests of a clone agree), else
 * results/ under the working directory (the library installed as a package).
 */
import { existsSync, readFileSync } from "fs";
import * as path from "path";

export const RESULTS_ENV = "GRADNOISE_RESULTS_DIR";

/** The gradnoise checkout above this file, or null when installed under node_modules. */
export function checkoutRoot(): string | null {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const pkg = path.join(dir, "package.json");
    if (!existsSync(pkg)) continue;
    if ((JSON.parse(readFileSync(pkg, "utf8")) as { name?: string }).name !== "gradnoise") return null;
    return dir.split(path.sep).includes("node_modules") ? null : dir;
  }
  return null;
}

export function resultsDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env[RESULTS_ENV];
  if (fromEnv) return path.resolve(fromEnv);
  return path.join(checkoutRoot() ?? process.cwd(), "results");
}
