/**
 * `npm run experiment -- deep-mlp [--scale smoke|cpu|paper] [--workers N] [--out FILE]`
 *
 * Runs an experiment's sweep, resuming from its results file (default
 * results/<name>-<scale>.jsonl): finished runs are never redone, and each run
 * is saved the moment it ends. The WASM backend uses one thread, so --workers
 * (default: the number of cores, at most 2 here) forks one process per core,
 * each taking every N-th run and writing its own shard file. A progress bar
 * covers all workers; at the end the table is printed beside the paper's.
 */
import { fork } from "child_process";
import * as os from "os";
import * as path from "path";
import { selectBackend } from "../engine";
import { DEEP_MLP_CONFIGS, planRuns, runDeepMlpSweep, RunRecord, summarizeTable1 } from "../experiments/deep-mlp";
import { consolidateRecords, loadRecords } from "../experiments/results";
import { parseScale, Scale } from "../experiments/scale";
import { MLP_TRAINING_KERNELS } from "../models/mlp";
import { progress } from "../report/display";
import { tableText } from "../report/table";
import { REPO } from "./jupyter";

const EXPERIMENTS = ["deep-mlp"] as const;

interface Args {
  name: string;
  scale: Scale;
  workers: number;
  out: string;
  shard?: number;
  shards?: number;
}

function parseArgs(argv: string[]): Args {
  const name = argv[0];
  if (!name || !(EXPERIMENTS as readonly string[]).includes(name)) {
    throw new Error(`usage: npm run experiment -- <${EXPERIMENTS.join("|")}> [--scale smoke|cpu|paper] [--workers N] [--out FILE]; got "${name ?? ""}"`);
  }
  const opt = (flag: string) => {
    const i = argv.indexOf(flag);
    if (i < 0) return undefined;
    if (i + 1 >= argv.length) throw new Error(`${flag} needs a value`);
    return argv[i + 1];
  };
  const scale = parseScale(opt("--scale") ?? process.env.GRADNOISE_SCALE, "--scale");
  const workersArg = opt("--workers");
  const workers = workersArg === undefined ? Math.min(2, os.cpus().length) : Number(workersArg);
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`--workers must be a positive integer, got ${workersArg}`);
  const out = path.resolve(opt("--out") ?? path.join(REPO, "results", `${name}-${scale}.jsonl`));
  const shard = opt("--shard") === undefined ? undefined : Number(opt("--shard"));
  const shards = opt("--shards") === undefined ? undefined : Number(opt("--shards"));
  return { name, scale, workers, out, shard, shards };
}

type Msg = { ran: number; todo: number; key: string; step: number; steps: number };

async function worker(a: Args): Promise<void> {
  await selectBackend({ requiredKernels: MLP_TRAINING_KERNELS });
  await runDeepMlpSweep({ scale: a.scale, file: a.out, shard: a.shard, shards: a.shards, onProgress: (p) => process.send?.(p) });
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  if (a.shard !== undefined) return worker(a);

  const specs = planRuns(DEEP_MLP_CONFIGS[a.scale]);
  const before = new Set(loadRecords<RunRecord>(a.out).map((r) => r.key));
  const todo = specs.filter((s) => !before.has(s.key)).length;
  const rel = path.relative(process.cwd(), a.out);
  console.log(`${a.name} at scale "${a.scale}": ${specs.length} runs, ${specs.length - todo} already in ${rel}, ${todo} to do, ${a.workers} worker(s)`);
  if (todo > 0) {
    const bar = progress(a.name);
    const state: Msg[] = [];
    const children = Array.from({ length: a.workers }, (_, i) =>
      fork(__filename, [a.name, "--scale", a.scale, "--out", a.out, "--shard", String(i), "--shards", String(a.workers)], { stdio: ["ignore", "ignore", "inherit", "ipc"] }),
    );
    const stop = () => children.forEach((c) => c.kill());
    process.on("SIGINT", () => {
      stop();
      console.error(`\ninterrupted: finished runs are saved in ${rel}; run the same command to resume`);
      process.exit(130);
    });
    await Promise.all(
      children.map(
        (c, i) =>
          new Promise<void>((resolve, reject) => {
            c.on("message", (m: Msg) => {
              state[i] = m;
              const ran = state.reduce((sum, x) => sum + (x ? x.ran + x.step / x.steps : 0), 0);
              const finished = state.reduce((sum, x) => sum + (x ? x.ran : 0), 0);
              bar.update(ran / todo, `${finished}/${todo} runs; ${m.key}`);
            });
            c.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`worker ${i} exited with code ${code}`))));
          }),
      ),
    ).catch((e) => {
      stop();
      throw e;
    });
    bar.done();
  }
  // One file per sweep once every worker is done: shards are only for concurrent appends.
  const records = consolidateRecords<RunRecord>(a.out, specs.map((s) => s.key));
  const { rows, comparisons } = summarizeTable1(records);
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  console.log(`\nTable 1 (${a.scale} scale; ${records.length} runs):`);
  console.log(tableText(rows.map((r) => ({
    experiment: r.title, setting: r.setting, runs: r.runs,
    "best (paper)": `${pct(r.best)} (${pct(r.paperBest)})`,
    "avg [95% CI] (paper)": `${pct(r.avg)} [${pct(r.avgLow)}, ${pct(r.avgHigh)}] (${pct(r.paperAvg)})`,
  }))));
  console.log("\nWith noise vs no noise:");
  console.log(tableText(comparisons.map((c) => ({
    experiment: c.title, "avg difference (paper)": `${(100 * c.difference).toFixed(1)} (${(100 * c.paperDifference).toFixed(1)}) points`,
    "p (permutation)": c.pPermutation.toFixed(4), "p (Mann-Whitney)": c.pMannWhitney.toFixed(4),
  }))));
}

main().catch((e) => {
  console.error(`experiment: ${(e as Error).message}`);
  process.exit(1);
});
