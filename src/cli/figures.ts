/**
 * `npm run figures`: runs the method section's experiments at GRADNOISE_SCALE
 * (default cpu) and writes figures/<name>.png (rendered by headless Chromium
 * from the same plotly specs the notebook shows), figures/<name>.json (the
 * figure's data) and figures/manifest.json (how each was produced), from
 * which environment.md is generated.
 */
import * as tf from "@tensorflow/tfjs";
import { existsSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from "fs";
import * as path from "path";
import { deviceLine, selectBackend } from "../engine";
import { PLATEAU_CONFIGS, runPlateau } from "../experiments/plateau";
import { currentScale } from "../experiments/scale";
import { MLP_TRAINING_KERNELS } from "../models/mlp";
import { Figure, figureDiv, standalonePage } from "../report/plotly";
import { plateauFigures, plateauRows, scheduleFigure } from "../report/plots";
import { progress } from "../report/display";
import { tableText } from "../report/table";
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
  await withChromium(async (browser) => {
    const page = await browser.newPage({ viewport: { width: 1000, height: 600 }, deviceScaleFactor: 1.5 });
    for (const { name, fig } of figs) {
      const html = standalonePage(name, [figureDiv(fig, { id: "fig", height: 480 })]);
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

async function main(): Promise<void> {
  const scale = currentScale();
  mkdirSync(FIG_DIR, { recursive: true });
  await selectBackend({ requiredKernels: MLP_TRAINING_KERNELS });
  const engine = deviceLine();
  const date = new Date().toISOString().slice(0, 10);
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
  const made = [
    { name: "schedule-sigma", title: "Eq. 1: sigma_t for eta in {0.01, 0.3, 1.0}, gamma 0.55", fig: scheduleFigure([0.01, 0.3, 1.0], 100000), source: "closed form, no randomness" },
    { name: "plateau-loss", title: "Zero-init plateau: training loss with and without gradient noise", fig: figs.loss, source: plateauSource },
    { name: "plateau-accuracy", title: "Zero-init plateau: test accuracy with and without gradient noise", fig: figs.accuracy, source: plateauSource },
  ];
  await renderPngs(made);
  writeFileSync(path.join(FIG_DIR, "plateau-runs.txt"), `# ${plateauSource}\n# ${engine}; ${command}; ${date}\n${tableText(rows)}\n`);

  const keep = readManifest().filter((r) => !made.some((m) => r.file === `${m.name}.png`));
  const records: FigureRecord[] = [
    ...keep,
    ...made.map((m) => ({ file: `${m.name}.png`, title: m.title, source: m.source, scale, engine, command, date })),
  ].sort((a, b) => a.file.localeCompare(b.file));
  writeFileSync(MANIFEST, JSON.stringify(records, null, 2) + "\n");
  console.log(`wrote ${made.map((m) => `figures/${m.name}.png`).join(", ")} and figures/manifest.json`);
  tf.disposeVariables();
}

if (require.main === module) {
  main().catch((e) => {
    console.error(`figures: ${(e as Error).stack ?? e}`);
    process.exit(1);
  });
}
