/**
 * The published package as a consumer gets it: `npm pack` of this checkout
 * (dist/ must be built), and the README's examples, which consumer tests run
 * verbatim. Shared by e2e/package (Node projects) and e2e/browser (web pages).
 */
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { REPO } from "../../src/cli/jupyter";

export const npm = process.platform === "win32" ? "npm.cmd" : "npm";

/** The fenced blocks between `<!-- readme-example:start [name] -->` and `<!-- readme-example:end -->`; unnamed ones are "ten-lines". */
export function readmeExamples(readme: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of readme.matchAll(/<!-- readme-example:start ?([\w-]*) -->\s*```ts\n([\s\S]*?)```\s*<!-- readme-example:end -->/g)) {
    const name = m[1] || "ten-lines";
    if (out.has(name)) throw new Error(`README has two readme-example blocks named "${name}"`);
    out.set(name, m[2]);
  }
  return out;
}

/** Packs the checkout into `dest` (no scripts: the build is the caller's); the tarball and the files it holds. */
export function packTarball(dest: string): { tarball: string; files: string[] } {
  const out = JSON.parse(execFileSync(npm, ["pack", "--json", "--ignore-scripts", "--pack-destination", dest], { cwd: REPO, encoding: "utf8" })) as {
    filename: string;
    files: { path: string }[];
  }[];
  return { tarball: path.join(dest, out[0].filename), files: out[0].files.map((f) => f.path) };
}
