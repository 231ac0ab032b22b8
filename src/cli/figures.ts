/**
 * `npm run figures [-- method|deep-mlp ...]` (default: method): writes
 * figures/<name>.png (rendered by headless Chromium from the same plotly specs
 * the notebooks show), figures/<name>.json (the figure's data) and
 * figures/manifest.json (how each was produced), from which environment.md is
 * generated. `method` re-runs Section 3's demo at GRADNOISE_SCALE (default
 * cpu); `deep-mlp` draws Table 1 from a finished sweep's results file
 * (`npm run experiment -- deep-mlp` first) and writes figures/table1-<scale>.md.
 */
import * as tf from "@tensorflow/tfjs";
import { existsSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from "fs";
import * as path from "path";
import { deviceLine, selectBackend } from "../engine";
import { DEEP_MLP_CONFIGS, planRuns, RunRecord, summarizeTable1 } from "../experiments/deep-mlp";
import { PLATEAU_CONFIGS, runPlateau } from "../experiments/plateau";
import { loadRecords } from "../experiments/results";
import { currentScale } from "../experiments/scale";
import { MLP_TRAINING_KERNELS } from "../models/mlp";
import { Figure, figureDiv, standalonePage } from "../report/plotly";
import { plateauFigures, plateauRows, scheduleFigure, table1AccuracyFigure, table1ComparisonRows, table1LossFigure, table1Rows } from "../report/plots";
import { progress } from "../report/display";
import { tableMarkdown, tableText } from "../report/table";
import { withChromium } from "./browser";
import { REPO } from "./jupyter";

export interface FigureRecord {
  file: string;
  title: string;
  /** What produced it, in words: experiment, scale, seeds. */
  source: string;
  scale: string;
  engine: string;
  command: string;
  date: string;
}

const FIG_DIR = path.join(REPO, "figures");
const MANIFEST = path.join(FIG_DIR, "manifest.json");

export function readManifest(): FigureRecord[] {
  return existsSync(MANIFEST) ? (JSON.parse(readFileSync(MANIFEST, "utf8")) as FigureRecord[]) : [];
}

/** Renders each figure to PNG (element screenshot of the plot) beside its JSON data. */
async function renderPngs(figs: { name: string; fig: Figure }[]): Promise<void> {
  // Plot heights come from each figure's layout (default 480).
  await withChromium(async (browser) => {
    const page = await browser.newPage({ viewport: { width: 1000, height: 600 }, deviceScaleFactor: 1.5 });
    for (const { name, fig } of figs) {
      const html = standalonePage(name, [figureDiv(fig, { id: "fig", height: (fig.layout?.height as number | undefined) ?? 480 })]);
      const tmp = path.join(FIG_DIR, `.${name}.html`);
      writeFileSync(tmp, html);
      await page.goto(`file://${tmp}`, { waitUntil: "load" });
      await page.waitForSelector("#fig svg.main-svg g.trace", { timeout: 60000 });
      await (await page.$("#fig"))!.screenshot({ path: path.join(FIG_DIR, `${name}.png`) });
      writeFileSync(path.join(FIG_DIR, `${name}.json`), JSON.stringify(fig) + "\n");
      unlinkSync(tmp);
    }
  });
}

interface Made {
  name: string;
  title: string;
  fig: Figure;
  source: string;
}

function saveManifest(made: Made[], scale: string, engine: string, command: string, date: string): void {
  const keep = readManifest().filter((r) => !made.some((m) => r.file === `${m.name}.png`));
  const records: FigureRecord[] = [
    ...keep,
    ...made.map((m) => ({ file: `${m.name}.png`, title: m.title, source: m.source, scale, engine, command, date })),
  ].sort((a, b) => a.file.localeCompare(b.file));
  writeFileSync(MANIFEST, JSON.stringify(records, null, 2) + "\n");
  console.log(`wrote ${made.map((m) => `figures/${m.name}.png`).join(", ")} and figures/manifest.json`);
}

/** Table 1 figures from a finished sweep (it is not re-run here). */
async function deepMlpFigures(scale: ReturnType<typeof currentScale>, date: string): Promise<void> {
  const file = path.join(REPO, "results", `deep-mlp-${scale}.jsonl`);
  const records = loadRecords<RunRecord>(file);
  const specs = planRuns(DEEP_MLP_CONFIGS[scale]);
  const missing = specs.filter((s) => !records.some((r) => r.key === s.key));
  if (missing.length) throw new Error(`${path.relative(REPO, file)} lacks ${missing.length} of ${specs.length} runs: run \`npm run experiment -- deep-mlp --scale ${scale}\` first`);
  const cfg = DEEP_MLP_CONFIGS[scale];
  const engines = [...new Set(records.map((r) => r.engine))].join("; ");
  const minutes = records.reduce((s, r) => s + r.seconds, 0) / 60;
  const source =
    `MNIST, 20x50 ReLU MLP, plain SGD at lr ${cfg.learningRates.join(" and ")}, ${cfg.runsPerLr} runs per lr (${2 * cfg.runsPerLr} per row), ` +
    `${cfg.steps} updates of batch ${cfg.batchSize}, eta ${cfg.eta}, gamma ${cfg.gamma}, dropout ${cfg.dropout}; run seeds 1-${cfg.runsPerLr} and 1001-${1000 + cfg.runsPerLr}; ` +
    `results/deep-mlp-${scale}.jsonl (${minutes.toFixed(0)} CPU-minutes of training)`;
  const { rows, comparisons } = summarizeTable1(records);
  const made: Made[] = [
    { name: `table1-accuracy-${scale}`, title: "Table 1: final test accuracy of every run beside the paper's best and average", fig: table1AccuracyFigure(records), source },
    { name: `table1-loss-${scale}`, title: "Table 1: median training loss at lr 0.1, with and without noise", fig: table1LossFigure(records), source },
  ];
  await renderPngs(made);
  const md = [
    `# Table 1 at scale "${scale}"`,
    "",
    `${source}. Engine: ${engines}. Generated by \`GRADNOISE_SCALE=${scale} npm run figures -- deep-mlp\` on ${date}.`,
    "",
    tableMarkdown(table1Rows(rows)),
    "",
    "With noise vs no noise (two-sided tests over the runs of both learning rates):",
    "",
    tableMarkdown(table1ComparisonRows(comparisons)),
    "",
  ].join("\n");
  writeFileSync(path.join(FIG_DIR, `table1-${scale}.md`), md);
  console.log(md);
  saveManifest(made, scale, engines, `GRADNOISE_SCALE=${scale} npm run figures -- deep-mlp`, date);
}

async function main(): Promise<void> {
  const scale = currentScale();
  const targets = process.argv.slice(2).length ? process.argv.slice(2) : ["method"];
  for (const t of targets) if (!["method", "deep-mlp"].includes(t)) throw new Error(`unknown figure target "${t}": use method or deep-mlp`);
  mkdirSync(FIG_DIR, { recursive: true });
  await selectBackend({ requiredKernels: MLP_TRAINING_KERNELS });
  const engine = deviceLine();
  const date = new Date().toISOString().slice(0, 10);
  if (targets.includes("deep-mlp")) await deepMlpFigures(scale, date);
  if (!targets.includes("method")) return;
  const command = `GRADNOISE_SCALE=${scale} npm run figures`;
  console.log(`figures at scale "${scale}" on ${engine}`);

  const cfg = PLATEAU_CONFIGS[scale];
  const bar = progress("zero-init demo");
  const result = await runPlateau(cfg, (run, p) => bar.update((run.index + p.step / p.steps) / run.total, `${run.setting} seed ${run.seed}`));
  bar.done();
  const rows = plateauRows(result);
  console.log(tableText(rows));
  const plateauSource =
    `zero-init ${cfg.depth}x${cfg.width} ReLU MLP, SGD lr ${cfg.learningRate}, clip ${cfg.clipGlobalNorm}, eta ${cfg.eta}, gamma ${cfg.gamma}; ` +
    `${cfg.steps} steps of batch ${cfg.batchSize}; synthetic clusters (seed ${cfg.data.seed}); run seeds ${cfg.seeds.join(",")}`;
  const figs = plateauFigures(result);
  const made: Made[] = [
    { name: "schedule-sigma", title: "Eq. 1: sigma_t for eta in {0.01, 0.3, 1.0}, gamma 0.55", fig: scheduleFigure([0.01, 0.3, 1.0], 100000), source: "closed form, no randomness" },
    { name: "plateau-loss", title: "Zero-init plateau: training loss with and without gradient noise", fig: figs.loss, source: plateauSource },
    { name: "plateau-accuracy", title: "Zero-init plateau: test accuracy with and without gradient noise", fig: figs.accuracy, source: plateauSource },
  ];
  await renderPngs(made);
  writeFileSync(path.join(FIG_DIR, "plateau-runs.txt"), `# ${plateauSource}\n# ${engine}; ${command}; ${date}\n${tableText(rows)}\n`);

  saveManifest(made, scale, engine, command, date);
  tf.disposeVariables();
}

if (require.main === module) {
  main().catch((e) => {
    console.error(`figures: ${(e as Error).stack ?? e}`);
    process.exit(1);
  });
}
