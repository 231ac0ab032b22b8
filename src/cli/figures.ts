/**
 * `npm run figures [-- method|deep-mlp ...]` (default: method): writes
 * figures/<name>.png (rendered by headless Chromium from the same plotly specs
 * the notebooks show), figures/<name>.json (the figure's data) and
 * figures/manifest.json (how each was produced), from which environment.md is
 * generated. `method` re-runs Section 3's demo at GRADNOISE_SCALE (default
 * cpu); `deep-mlp` draws Table 1 from a finished sweep's results file
 * (`npm run experiment -- deep-mlp` first) and writes figures/table1-<scale>.md;
 * `memn2n` draws Table 2 from its sweep (`npm run experiment -- memn2n`),
 * writes figures/table2-<scale>.md, and trains one task-2 model for the
 * attention picture.
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
import { attentionDemo, MEMN2N_CONFIGS, MemN2NRunRecord, planMemN2NRuns, prepareTask, summarizeTable2 } from "../experiments/memn2n";
import { MEMN2N_TRAINING_KERNELS } from "../models/memn2n";
import { attentionFigure, curvesFigure, perTaskFigure, perTaskRows, positionEncodingRows, table2ComparisonRows, table2Rows } from "../report/memn2n-plots";
import { Figure, figureDiv, standalonePage } from "../report/plotly";
import { plateauFigures, plateauRows, scheduleFigure, table1AccuracyFigure, table1ComparisonRows, table1LossFigure, table1Rows } from "../report/plots";
import { progress } from "../report/display";
import { Cell, tableMarkdown, tableText } from "../report/table";
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
      await page.waitForSelector("#fig svg.main-svg :is(g.trace, g.hm)", { timeout: 60000 });
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

/** Writes figures/<name>.md: a title, how it was produced, then captioned markdown tables; echoes it. */
function writeTableReport(name: string, title: string, provenance: string, sections: [caption: string, rows: Record<string, Cell>[]][]): void {
  const md = [`# ${title}`, "", provenance, "", ...sections.flatMap(([caption, rows]) => [...(caption ? [caption, ""] : []), tableMarkdown(rows), ""])].join("\n");
  writeFileSync(path.join(FIG_DIR, `${name}.md`), md);
  console.log(md);
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
  writeTableReport(`table1-${scale}`, `Table 1 at scale "${scale}"`, `${source}. Engine: ${engines}. Generated by \`GRADNOISE_SCALE=${scale} npm run figures -- deep-mlp\` on ${date}.`, [
    ["", table1Rows(rows)],
    ["With noise vs no noise (two-sided tests over the runs of both learning rates):", table1ComparisonRows(comparisons)],
  ]);
  saveManifest(made, scale, engines, `GRADNOISE_SCALE=${scale} npm run figures -- deep-mlp`, date);
}

/** Table 2 figures from a finished sweep, plus a task-2 attention picture from a model trained here. */
async function memn2nFigures(scale: ReturnType<typeof currentScale>, date: string): Promise<void> {
  const file = path.join(REPO, "results", `memn2n-${scale}.jsonl`);
  const records = loadRecords<MemN2NRunRecord>(file);
  const cfg = MEMN2N_CONFIGS[scale];
  const specs = planMemN2NRuns(cfg);
  const missing = specs.filter((s) => !records.some((r) => r.key === s.key));
  if (missing.length) throw new Error(`${path.relative(REPO, file)} lacks ${missing.length} of ${specs.length} runs: run \`npm run experiment -- memn2n --scale ${scale}\` first`);
  const engines = [...new Set(records.map((r) => r.engine))].join("; ");
  const minutes = records.reduce((s, r) => s + r.seconds, 0) / 60;
  const source =
    `bAbI 1k tasks ${cfg.tasks[0]}-${cfg.tasks[cfg.tasks.length - 1]}, MemN2N 3 hops d 20 (PE, TE, RN, adjacent tying), ${cfg.restarts} restarts per task and setting (best training error kept), ` +
    `${cfg.epochs} softmax epochs (+${cfg.linearEpochs} linear-start for two-stage), lr ${cfg.learningRate.oneStage} / ${cfg.learningRate.twoStage} halved every 25 epochs, clip 40 per matrix, eta ${cfg.eta}, gamma ${cfg.gamma}; ` +
    `restart seeds 100*task + 1..${cfg.restarts}; results/memn2n-${scale}.jsonl (${minutes.toFixed(0)} CPU-minutes of training)`;
  const { selected, rows, comparisons } = summarizeTable2(records);
  // The same sweep with the position encoding as printed in the paper, if it was run (--pe paper).
  const asPrintedFile = path.join(REPO, "results", `memn2n-${scale}-pepaper.jsonl`);
  const asPrinted = existsSync(asPrintedFile) ? summarizeTable2(loadRecords<MemN2NRunRecord>(asPrintedFile)) : null;
  const asPrintedSection: [string, Record<string, Cell>[]][] = asPrinted
    ? [
        [`The same sweep with the position encoding as printed (J = each sentence's length; \`--pe paper\`, results/memn2n-${scale}-pepaper.jsonl):`, table2Rows(asPrinted.rows)],
        ["Plain two-stage test error per task under each position encoding:", positionEncodingRows(asPrinted.selected, selected)],
      ]
    : [];

  const bar = progress("task 2 attention model");
  const { picture: pic, testError: demoError } = await attentionDemo(cfg, (e, n) => bar.update(e / n));
  bar.done();
  const made: Made[] = [
    { name: `table2-tasks-${scale}`, title: "Table 2: test error per task, four settings, with the reference implementation", fig: perTaskFigure(selected), source },
    { name: `table2-curves-${scale}`, title: "Table 2: mean training loss and validation error by epoch, with and without noise", fig: curvesFigure(records, selected), source },
    {
      name: `memn2n-attention-${scale}`, title: "MemN2N attention per hop on a task-2 test story",
      fig: attentionFigure(pic), source: `task 2, two-stage, no noise, seed 201, ${cfg.epochs}+${cfg.linearEpochs} epochs; test question 4; this model's test error ${(100 * demoError).toFixed(1)}%`,
    },
  ];
  await renderPngs(made);
  writeTableReport(`table2-${scale}`, `Table 2 at scale "${scale}"`, `${source}. Engine: ${engines}. Generated by \`GRADNOISE_SCALE=${scale} npm run figures -- memn2n\` on ${date}.`, [
    ["", table2Rows(rows)],
    ["With noise vs without (paired sign-flip permutation test over tasks, two-sided; negative = noise lowers the error):", table2ComparisonRows(comparisons)],
    ["Test error per task (kept restart) beside the reference MemN2N (Sukhbaatar et al. 2015, 3 hops PE LS RN, 1k):", perTaskRows(selected)],
    ...asPrintedSection,
  ]);
  saveManifest(made, scale, engines, `GRADNOISE_SCALE=${scale} npm run figures -- memn2n`, date);
}

async function main(): Promise<void> {
  const scale = currentScale();
  const targets = process.argv.slice(2).length ? process.argv.slice(2) : ["method"];
  for (const t of targets) if (!["method", "deep-mlp", "memn2n"].includes(t)) throw new Error(`unknown figure target "${t}": use method, deep-mlp or memn2n`);
  mkdirSync(FIG_DIR, { recursive: true });
  await selectBackend({ requiredKernels: [...new Set([...MLP_TRAINING_KERNELS, ...MEMN2N_TRAINING_KERNELS])] });
  const engine = deviceLine();
  const date = new Date().toISOString().slice(0, 10);
  if (targets.includes("deep-mlp")) await deepMlpFigures(scale, date);
  if (targets.includes("memn2n")) await memn2nFigures(scale, date);
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
