/**
 * `npm run experiment -- deep-mlp [--scale smoke|cpu|paper] [--workers N] [--out FILE]
 *    [--experiments exp6,...] [--steps N] [--lrs 0.1,...] [--runs N]`
 * `npm run experiment -- memn2n [--scale smoke|cpu|paper] [--workers N] [--out FILE] [--tasks 1,2,...] [--eta 1.0]
 *    [--restarts N] [--settings two-stage,...] [--pe paper|reference]`
 *
 * The last four narrow or extend the scale's sweep for a focused study (say,
 * a longer budget for one row); such a sweep gets its own results file, named
 * after what was changed, and every record carries its own settings.
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
import { runDeepMlpSweep, RunRecord, summarizeTable1, sweepPlan, SweepOptions } from "../experiments/deep-mlp";
import { memn2nSweepPlan, MemN2NRunRecord, runMemN2NSweep, summarizeTable2, Table2Setting } from "../experiments/memn2n";
import { MEMN2N_TRAINING_KERNELS } from "../models/memn2n";
import { consolidateRecords, loadRecords } from "../experiments/results";
import { parseScale, Scale } from "../experiments/scale";
import { MLP_TRAINING_KERNELS } from "../models/mlp";
import { progress } from "../report/display";
import { tableText } from "../report/table";
import { REPO } from "./jupyter";

const EXPERIMENTS = ["deep-mlp", "memn2n"] as const;

interface Args {
  name: string;
  scale: Scale;
  workers: number;
  out: string;
  shard?: number;
  shards?: number;
  experiments?: string[];
  overrides: SweepOptions["overrides"];
  tasks?: number[];
  eta?: number;
  restarts?: number;
  settings?: Table2Setting[];
  pe?: "paper" | "reference";
  passThrough: string[];
}

function parseArgs(argv: string[]): Args {
  const name = argv[0];
  if (!name || !(EXPERIMENTS as readonly string[]).includes(name)) {
    throw new Error(`usage: npm run experiment -- <${EXPERIMENTS.join("|")}> [--scale smoke|cpu|paper] [--workers N] [--out FILE]; got "${name ?? ""}"`);
  }
  const known = ["--scale", "--workers", "--out", "--shard", "--shards", "--experiments", "--steps", "--runs", "--lrs", "--tasks", "--eta", "--restarts", "--settings", "--pe"];
  const unknownFlag = argv.slice(1).find((a, i) => a.startsWith("--") && !known.includes(a) && !(i > 0 && known.includes(argv[i])));
  if (unknownFlag) throw new Error(`unknown option ${unknownFlag}; options: ${known.filter((k) => !k.startsWith("--shard")).join(" ")}`);
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
  const positive = (flag: string, v: string) => {
    const n = Number(v);
    if (!(n > 0) || !Number.isFinite(n)) throw new Error(`${flag} takes positive numbers, got "${v}"`);
    return n;
  };
  const list = (flag: string) => opt(flag)?.split(",").map((x) => x.trim()).filter(Boolean);
  const experiments = list("--experiments");
  const overrides: NonNullable<SweepOptions["overrides"]> = {};
  const passThrough: string[] = [];
  if (experiments) passThrough.push("--experiments", experiments.join(","));
  for (const flag of ["--steps", "--runs"] as const) {
    const v = opt(flag);
    if (v === undefined) continue;
    const n = positive(flag, v);
    if (!Number.isInteger(n)) throw new Error(`${flag} must be a positive integer, got "${v}"`);
    if (flag === "--steps") overrides.steps = n;
    else overrides.runsPerLr = n;
    passThrough.push(flag, v);
  }
  const tasksArg = list("--tasks");
  const tasks = tasksArg?.map((v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > 20) throw new Error(`--tasks takes bAbI task numbers 1..20, got "${v}"`);
    return n;
  });
  if (tasks) {
    if (name !== "memn2n") throw new Error("--tasks applies to memn2n only");
    passThrough.push("--tasks", tasks.join(","));
  }
  const etaArg = opt("--eta");
  const eta = etaArg === undefined ? undefined : positive("--eta", etaArg);
  if (eta !== undefined) {
    if (name !== "memn2n") throw new Error("--eta applies to memn2n only");
    passThrough.push("--eta", etaArg!);
  }
  const restartsArg = opt("--restarts");
  const restarts = restartsArg === undefined ? undefined : positive("--restarts", restartsArg);
  if (restarts !== undefined && !Number.isInteger(restarts)) throw new Error(`--restarts must be a positive integer, got "${restartsArg}"`);
  const settings = list("--settings") as Table2Setting[] | undefined;
  const pe = opt("--pe") as Args["pe"];
  if (pe !== undefined && pe !== "paper" && pe !== "reference") throw new Error(`--pe takes paper or reference, got "${pe}"`);
  for (const [flag, v] of [["--restarts", restarts], ["--settings", settings], ["--pe", pe]] as const) {
    if (v === undefined) continue;
    if (name !== "memn2n") throw new Error(`${flag} applies to memn2n only`);
    passThrough.push(flag, Array.isArray(v) ? v.join(",") : String(v));
  }
  if (name === "memn2n" && (experiments || Object.keys(overrides).length || opt("--lrs"))) throw new Error("memn2n takes --tasks, not --experiments/--steps/--runs/--lrs");
  const lrs = list("--lrs");
  if (lrs) {
    overrides.learningRates = lrs.map((v) => positive("--lrs", v));
    passThrough.push("--lrs", lrs.join(","));
  }
  // An extension study never shares a file with the scale's standard sweep: its name says what changed.
  const parts = [
    ...(experiments ? [experiments.join("+")] : []),
    ...(tasks ? [`tasks${tasks.join("+")}`] : []),
    ...(eta !== undefined ? [`eta${eta}`] : []),
    ...(settings ? [settings.map((x) => x.replace(/ \+ noise/, "+noise")).join("+")] : []),
    ...(restarts !== undefined ? [`restarts${restarts}`] : []),
    ...(pe !== undefined ? [`pe${pe}`] : []),
    ...(overrides.steps ? [`steps${overrides.steps}`] : []),
    ...(overrides.runsPerLr ? [`runs${overrides.runsPerLr}`] : []),
    ...(overrides.learningRates ? [`lr${overrides.learningRates.join("+")}`] : []),
  ];
  const tag = parts.map((p) => `-${p.replace(/[^a-zA-Z0-9.+]/g, "")}`).join("");
  const out = path.resolve(opt("--out") ?? path.join(REPO, "results", `${name}-${scale}${tag}.jsonl`));
  const shard = opt("--shard") === undefined ? undefined : Number(opt("--shard"));
  const shards = opt("--shards") === undefined ? undefined : Number(opt("--shards"));
  return { name, scale, workers, out, shard, shards, experiments, overrides, tasks, eta, restarts, settings, pe, passThrough };
}

type Msg = { ran: number; todo: number; key: string; step: number; steps: number };

async function worker(a: Args): Promise<void> {
  const onProgress = (p: Msg) => process.send?.(p);
  if (a.name === "memn2n") {
    await selectBackend({ requiredKernels: MEMN2N_TRAINING_KERNELS });
    await runMemN2NSweep({ scale: a.scale, file: a.out, shard: a.shard, shards: a.shards, tasks: a.tasks, eta: a.eta, restarts: a.restarts, settings: a.settings, positionEncoding: a.pe, onProgress });
    return;
  }
  await selectBackend({ requiredKernels: MLP_TRAINING_KERNELS });
  await runDeepMlpSweep({ scale: a.scale, file: a.out, shard: a.shard, shards: a.shards, experiments: a.experiments, overrides: a.overrides, onProgress });
}

function planKeys(a: Args): string[] {
  if (a.name === "memn2n") return memn2nSweepPlan({ scale: a.scale, tasks: a.tasks, eta: a.eta, restarts: a.restarts, settings: a.settings, positionEncoding: a.pe }).specs.map((s) => s.key);
  return sweepPlan({ scale: a.scale, experiments: a.experiments, overrides: a.overrides }).specs.map((s) => s.key);
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

function reportTable2(records: MemN2NRunRecord[], scale: Scale): void {
  const { selected, rows, comparisons } = summarizeTable2(records);
  console.log(`\nTable 2 (${scale} scale; ${records.length} runs; per task and setting the restart with the lowest training error):`);
  console.log(tableText(rows.map((r) => ({
    setting: r.setting, tasks: r.tasks,
    "train error (paper)": `${pct(r.trainError)} (${pct(r.paperTrain)})`,
    "validation error [95% CI] (paper)": `${pct(r.validationError)} [${pct(r.validationLow)}, ${pct(r.validationHigh)}] (${pct(r.paperValidation)})`,
    "test error": pct(r.testError),
  }))));
  console.log("\nWith noise vs without (paired over tasks):");
  if (!comparisons.length) console.log("(needs two or more tasks)");
  else console.log(tableText(comparisons.map((c) => ({
    procedure: c.stages, tasks: c.tasks,
    "train diff (paper)": `${(100 * c.trainDifference).toFixed(1)} (${(100 * c.paperTrainDifference).toFixed(1)}) points`,
    "p train": c.pTrain.toFixed(4),
    "validation diff (paper)": `${(100 * c.validationDifference).toFixed(1)} (${(100 * c.paperValidationDifference).toFixed(1)}) points`,
    "p validation": c.pValidation.toFixed(4),
  }))));
  const two = selected.filter((x) => x.setting === "two-stage");
  if (two.length) {
    console.log("\nTwo-stage, no noise: test error per task vs the reference implementation:");
    console.log(tableText(two.map((x) => ({ task: `${x.task} ${x.taskName}`, ours: pct(x.testError), reference: pct(x.referenceTestError) }))));
  }
}

function reportTable1(records: RunRecord[], scale: Scale): void {
  const { rows, comparisons } = summarizeTable1(records);
  console.log(`\nTable 1 (${scale} scale; ${records.length} runs):`);
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

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  if (a.shard !== undefined) return worker(a);

  const keys = planKeys(a);
  const before = new Set(loadRecords<{ key: string }>(a.out).map((r) => r.key));
  const todo = keys.filter((k) => !before.has(k)).length;
  const rel = path.relative(process.cwd(), a.out);
  console.log(`${a.name} at scale "${a.scale}"${a.passThrough.length ? ` with ${a.passThrough.join(" ")}` : ""}: ${keys.length} runs, ${keys.length - todo} already in ${rel}, ${todo} to do, ${a.workers} worker(s)`);
  if (todo > 0) {
    const bar = progress(a.name);
    const state: Msg[] = [];
    const children = Array.from({ length: a.workers }, (_, i) =>
      fork(__filename, [a.name, "--scale", a.scale, "--out", a.out, "--shard", String(i), "--shards", String(a.workers), ...a.passThrough], { stdio: ["ignore", "ignore", "inherit", "ipc"] }),
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
  if (a.name === "memn2n") reportTable2(consolidateRecords<MemN2NRunRecord>(a.out, keys), a.scale);
  else reportTable1(consolidateRecords<RunRecord>(a.out, keys), a.scale);
}

main().catch((e) => {
  console.error(`experiment: ${(e as Error).message}`);
  process.exit(1);
});
