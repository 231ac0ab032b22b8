import { existsSync, readFileSync } from "fs";
import * as path from "path";

/** The checkout's root (nearest folder above `from` whose package.json is gradnoise's), or null. */
export function repoRoot(from: string = __dirname): string | null {
  for (let dir = from; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const pkg = path.join(dir, "package.json");
    try {
      if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, "utf8")) as { name?: string }).name === "gradnoise") return dir;
    } catch {
      // An unreadable or malformed package.json belongs to someone else; keep climbing.
    }
  }
  return null;
}
