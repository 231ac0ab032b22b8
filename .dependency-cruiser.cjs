/**
 * The layers of src/ (issue 23), bottom up; a module imports only its own
 * layer and the ones below it:
 *
 *   random, engine -> noise, data, stats -> models -> train, report
 *     -> experiments (the framework) -> families/<name> -> sections/<id> -> cli
 *
 * Layers joined by "|" share a rank. report sits beside train: neither
 * imports the other (no-train-report below), and both may stop long work
 * through the engine's interrupt signal (engine/interrupt.ts). The package entry points (src/index.ts, src/lab.ts)
 * sit on top and may import any layer but cli. `npm run lint` runs this;
 * the config has no exceptions on purpose.
 */
const layers = ["random|engine", "noise|data|stats", "models", "train|report", "experiments", "families", "sections", "cli"];

/** One rule per layer: nothing it imports lies in a layer above it. */
const upward = layers.slice(0, -1).map((layer, i) => ({
  name: `no-upward-from-${layer.replace(/\|/g, "-")}`,
  comment: `${layer} imports only its own rank${i ? ` and ${layers.slice(0, i).join(", ")}` : ""}`,
  severity: "error",
  from: { path: `^src/(${layer})/` },
  to: { path: `^src/(${layers.slice(i + 1).join("|")})/` },
}));

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "A cycle makes load order matter and the layers meaningless; move the shared piece down.",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    ...upward,
    {
      name: "no-train-report",
      comment: "train trains and report draws: beside each other, neither knows the other.",
      severity: "error",
      from: { path: "^src/(train|report)/" },
      to: { path: "^src/(train|report)/", pathNot: "^src/$1/" },
    },
    {
      name: "no-section-to-section",
      comment: "A section uses its family for what it shares with other sections, never another section.",
      severity: "error",
      from: { path: "^src/sections/([^/]+)/" },
      to: { path: "^src/sections/", pathNot: "^src/sections/$1/" },
    },
    {
      name: "only-cli-imports-cli",
      comment: "cli is the top: command-line entry points, imported by nothing else.",
      severity: "error",
      from: { pathNot: "^src/cli/" },
      to: { path: "^src/cli/" },
    },
    {
      name: "no-import-of-entry-points",
      comment: "src/index.ts and src/lab.ts are what users import; code inside the package imports the module itself.",
      severity: "error",
      from: { path: "^src/" },
      to: { path: "^src/(index|lab)\\.ts$" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(build|dist)/" },
    // Type-only imports count: a cycle of types is still a cycle in the design.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default"] },
  },
};
