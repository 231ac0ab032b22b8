/**
 * The registry: every folder under src/sections/ whose
 * index exports `experiment` is a paper section. Found by listing the
 * folder, so a new section registers itself by existing; nothing else in the
 * project names it.
 */
import { existsSync, readdirSync } from "fs";
import * as path from "path";
import type { AnyExperiment, ExperimentSpec } from "./contract";
import { defineExperiment } from "./define";

let cache: AnyExperiment[] | undefined;

function discover(): AnyExperiment[] {
  const root = path.join(__dirname, "..", "sections");
  const found: AnyExperiment[] = [];
  for (const d of readdirSync(root, { withFileTypes: true })) {
    if (!d.isDirectory()) continue;
    const dir = path.join(root, d.name);
    if (!["index.js", "index.ts"].some((f) => existsSync(path.join(dir, f)))) continue;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(dir) as { experiment?: ExperimentSpec };
    if (!mod.experiment) throw new Error(`src/sections/${d.name}/index exports no \`experiment\``);
    if (mod.experiment.id !== d.name) throw new Error(`src/sections/${d.name}/ registers id "${mod.experiment.id}": folder and id must match`);
    // A plain spec (not made by defineExperiment) gets the framework's defaults here.
    found.push(defineExperiment(mod.experiment) as AnyExperiment);
  }
  // Paper order: "3" < "4.1" < "4.2" < "4.10".
  const key = (s: string) => s.split(".").map((x) => x.padStart(4, "0")).join(".");
  return found.sort((a, b) => key(a.section).localeCompare(key(b.section)) || a.id.localeCompare(b.id));
}

/** Every registered experiment, in paper order. */
export function experiments(): readonly AnyExperiment[] {
  cache ??= discover();
  return cache;
}

/** The experiment registered as `id` (an experiment is returned as it is); the error lists what is registered. */
export function getExperiment(id: string | AnyExperiment): AnyExperiment {
  if (typeof id !== "string") return id;
  const e = experiments().find((x) => x.id === id);
  if (!e) throw new RangeError(`no experiment "${id}"; registered: ${experiments().map((x) => x.id).join(", ")}`);
  return e;
}
