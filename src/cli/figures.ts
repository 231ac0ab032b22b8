/**
 * `npm run figures [-- ids...]`: for each registered experiment named (default:
 * every one whose sweep at GRADNOISE_SCALE is complete), writes
 * figures/<name>-<scale>.png (rendered by headless Chromium from the plotly
 * specs the notebooks show), figures/<name>-<scale>.json (the figure's data)
 * and figures/manifest.json (how each was produced), from which
 * environment.md is generated; then the section's results page,
 * docs/results/<id>.md (cli/docs.ts), and (at cpu scale) README's status table. Sweeps are
 * not run here: `npm run experiment` first.
 */
import * as tf from "@tensorflow/tfjs";
import { existsSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from "fs";
import * as path from "path";
import { deviceLine, selectBackend } from "../engine";
import type { AnyExperiment, RunRecord } from "../experiments/contract";
import { experiments, getExperiment } from "../experiments/registry";
import { currentScale, Scale } from "../experiments/scale";
import { loadStudies, studiesSource } from "../experiments/studies";
import { loadSweep, planSweep, SweepPlan } from "../experiments/sweep";
import { progress } from "../report/display";
import { Figure, figureDiv, standalonePage } from "../report/plotly";
import { withChromium } from "./browser";
import { DOCS_SCALE, sweepSource, updateReadme, writeClaimsPage, writeResultsPage } from "./docs";
import { REPO } from "./jupyter";
import { labelFigure, studyFigureRuns } from "../experiments/figure-label";

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
async function renderPngs(figs: Made[]): Promise<void> {
  // Plot heights come from each figure's layout (default 480).
  await withChromium(async (browser) => {
    const page = await browser.newPage({ viewport: { width: 1000, height: 600 }, deviceScaleFactor: 1.5 });
    for (const { name, fig, height } of figs) {
      const html = standalonePage(name, [figureDiv(fig, { id: "fig", height: height ?? (fig.layout?.height as number | undefined) ?? 480 })]);
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
  height?: number;
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


/**
 * An experiment's figures and table report from its sweep at `scale`: a finished one, or with `partial` one that
 * is still running (sweeps of many hours are committed as they go); then the source says how many runs are in.
 */
async function experimentFigures({ ex, plan, records }: Loaded, scale: Scale, date: string, partial = false): Promise<void> {
  const missing = plan.specs.length - records.length;
  if (missing > 0 && !partial) {
    throw new Error(`${path.relative(REPO, plan.file)} has ${records.length} of ${plan.specs.length} runs: run \`npm run experiment -- ${ex.id} --scale ${scale}\` first (or draw what is there with --partial)`);
  }
  if (records.length === 0) throw new Error(`${path.relative(REPO, plan.file)} has no runs yet: nothing to draw`);
  const summary = ex.summarize(records, plan.config);
  const engines = [...new Set(records.map((r) => r.engine))].join("; ");
  const source = sweepSource(ex, plan, records) + (missing > 0 ? ` Partial sweep: ${records.length} of ${plan.specs.length} planned runs.` : "");
  const bar = progress(`${ex.id} figures`);
  const blocks = await ex.figures(records, summary, plan.config, (f, d) => bar.update(f, d));
  bar.done();
  // Extension studies at this scale whose results exist: their figures follow the main ones, their tables the main tables.
  const loaded = loadStudies(ex, scale, undefined, records);
  const studyBlocks = loaded.length && ex.studyFigures ? await ex.studyFigures(loaded, plan.config, { records, summary }) : [];
  // Titles name the scale and the runs behind them (figure-label.ts), as the notebooks show them.
  const made: Made[] = [
    ...blocks.map((x) => labelFigure(x, scale, records.length)).map((b) => ({ name: `${b.name}-${scale}`, title: b.title, fig: b.fig, source: b.source ?? source, height: b.height })),
    ...studyBlocks.map((x) => labelFigure(x, scale, studyFigureRuns(x, loaded))).map((b) => ({ name: `${b.name}-${scale}`, title: b.title, fig: b.fig, source: b.source ?? studiesSource(loaded, REPO), height: b.height })),
  ];
  const names = made.map((m) => m.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw new Error(`${ex.id} has two figures named ${twice}`);
  await renderPngs(made);
  const command = `GRADNOISE_SCALE=${scale} npm run figures -- ${ex.id}${missing > 0 ? " --partial" : ""}`;
  saveManifest(made, scale, engines, command, date);
  console.log(`wrote ${writeResultsPage(ex, scale, plan, records)}`);
}

/** A section with its standard sweep at the scale and the records loaded from it (read once). */
interface Loaded {
  ex: AnyExperiment;
  plan: SweepPlan;
  records: RunRecord[];
}

const USAGE = `usage: npm run figures [-- ids...] [--partial]
For each registered experiment named (default: every one whose sweep at GRADNOISE_SCALE, default cpu, is
complete; --partial: the named ones, drawn from the runs their sweeps have so far, which the sources say) writes figures/<figure>-<scale>.png and .json and figures/manifest.json, then docs/results/<id>.md
(tables, verdicts, studies, provenance; other scales than cpu: <id>-<scale>.md) and, at cpu scale, README.md's status table.
Sweeps are not run here: npm run experiment -- <id> first.
ids: ${experiments().map((e) => e.id).join(", ")}`;

async function main(): Promise<void> {
  const scale = currentScale();
  const named = process.argv.slice(2);
  if (named.some((a) => a === "--help" || a === "-h")) {
    console.log(USAGE);
    return;
  }
  const partial = named.includes("--partial");
  const ids = named.filter((a) => a !== "--partial");
  const flag = ids.find((a) => a.startsWith("-"));
  if (flag) throw new Error(`unknown option ${flag}\n${USAGE}`);
  if (partial && !ids.length) throw new RangeError("figures: --partial draws only the experiments named (npm run figures -- <id> --partial)");
  const load = (ex: AnyExperiment): Loaded => {
    const plan = planSweep(ex, scale);
    return { ex, plan, records: loadSweep(plan) };
  };
  const chosen = ids.length
    ? ids.map((id) => load(getExperiment(id)))
    : experiments().map(load).filter(({ ex, plan, records }) => {
        const complete = records.length === plan.specs.length;
        if (!complete) console.log(`skipping ${ex.id}: its ${scale} sweep is not complete (npm run experiment -- ${ex.id} --scale ${scale})`);
        return complete;
      });
  mkdirSync(FIG_DIR, { recursive: true });
  await selectBackend({ requiredKernels: [...new Set(chosen.flatMap(({ ex }) => ex.requiredKernels))] });
  console.log(`figures at scale "${scale}" on ${deviceLine()}`);
  const date = new Date().toISOString().slice(0, 10);
  for (const c of chosen) await experimentFigures(c, scale, date, partial);
  tf.disposeVariables();
  // README's status table is the committed (DOCS_SCALE) results': other scales' figures leave it alone.
  if (scale === DOCS_SCALE) {
    console.log(`wrote ${writeClaimsPage()}`);
    updateReadme();
  }
}

if (require.main === module) {
  main().catch((e) => {
    // Bad input (an unknown id or option) says so in one line; anything else keeps its stack.
    const err = e as Error;
    console.error(`figures: ${err instanceof RangeError || /^unknown option/.test(err.message) ? err.message : (err.stack ?? err)}`);
    process.exit(1);
  });
}
