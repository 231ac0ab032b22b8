/**
 * Which files the GPU check needs from this checkout's build/ and
 * node_modules/, so that scripts/gpu-check-pack.sh carries those alone
 * (node_modules is ~1 GB; the device takes 64 MiB): from the entry files,
 * every module reached by a require(), import() or `from` with a literal
 * name, resolved the way Node resolves it, plus what the engine loads by a
 * computed name (Dawn's binary, the optional backends, their .wasm files).
 * Prints one path per line, relative to the checkout's root.
 *
 * Usage: node build/scripts/gpu-check/closure.js <root> <entry.js>...
 */
import { builtinModules } from "node:module";
import { existsSync, readFileSync, realpathSync } from "node:fs";
import * as path from "node:path";

const SPEC = /(?:\brequire\(|\bimport\(|\bfrom\s*)\s*["']([^"'\n]+)["']\s*\)?/g;
const BUILTIN = new Set(builtinModules);
/** Required only inside a Jupyter kernel (src/engine/interrupt.ts asks for tslab, in a try): never in the check. */
const KERNEL_ONLY = /^(tslab|@tslab\/)/;

/** Packages src/engine loads by a computed name, and files they read from disk. */
const COMPUTED = ["webgpu", "@tensorflow/tfjs-backend-webgpu", "@tensorflow/tfjs-backend-wasm"];
const DATA_FILES = [
  `node_modules/webgpu/dist/${process.platform}-${process.arch}/dawn.node`,
  "node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm",
  "node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm",
];

export function closure(root: string, entries: readonly string[]): string[] {
  const seen = new Set<string>();
  const pending = entries.map((e) => path.resolve(root, e));
  // node_modules may be a link (a worktree's to its main checkout's): name files by the link.
  const nmLink = path.join(root, "node_modules");
  const nmReal = existsSync(nmLink) ? realpathSync(nmLink) : nmLink;
  const add = (resolved: string) => {
    const file = resolved.startsWith(nmReal + path.sep) ? nmLink + resolved.slice(nmReal.length) : resolved;
    if (!seen.has(file)) pending.push(file);
  };
  for (const pkg of COMPUTED) add(require.resolve(pkg, { paths: [root] }));
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    // The package.json above every module: Node reads it (type, main) and packageVersion() asks for it.
    for (let d = path.dirname(file); d.startsWith(root) && d !== root; d = path.dirname(d)) {
      const pj = path.join(d, "package.json");
      if (existsSync(pj)) {
        seen.add(pj);
        break;
      }
    }
    if (!/\.(c|m)?js$/.test(file)) continue;
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(SPEC)) {
      const spec = m[1];
      if (spec.startsWith("node:") || BUILTIN.has(spec) || BUILTIN.has(spec.split("/")[0]) || KERNEL_ONLY.test(spec)) continue;
      try {
        add(require.resolve(spec, { paths: [path.dirname(file)] }));
      } catch {
        // A name in a comment or a string, or an optional package this machine lacks: Node would not load it either.
      }
    }
  }
  for (const f of DATA_FILES) if (existsSync(path.join(root, f))) seen.add(path.join(root, f));
  return [...seen].map((f) => path.relative(root, f)).filter((f) => !f.startsWith("..")).sort();
}

if (require.main === module) {
  const [root, ...entries] = process.argv.slice(2);
  if (!root || entries.length === 0) {
    console.error("usage: node build/scripts/gpu-check/closure.js <root> <entry.js>...");
    process.exit(2);
  }
  for (const f of closure(path.resolve(root), entries)) console.log(f);
}
