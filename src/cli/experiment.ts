/**
 * `npm run experiment -- list | --help | <id> [options] | merge <id> [options]`
 *
 * Runs a registered experiment's sweep, resuming from its results file
 * (resultsFile(id, scale, overrides)): finished runs are never redone, and
 * each run is saved the moment it ends. The WASM backend uses one thread, so
 * --workers (default 2, at most the core count) forks one process per worker,
 * each taking every N-th run into its own file, merged when all are done.
 * --shard i/n (or a Slurm / Kubernetes array index) runs 1/n of the plan into
 * a part file; `merge` combines the parts, refusing records that do not
 * belong to the plan. Every name below comes from the registry.
 */
import { ChildProcess, fork } from "child_process";
import { accessSync, constants, existsSync, mkdirSync, statSync } from "fs";
import * as os from "os";
import * as path from "path";
import { selectBackend } from "../engine";
import type { AnyExperiment } from "../experiments/contract";
import { mergeShardFiles } from "../experiments/merge";
import { optionsHelp, OptionValue, parseOptionValue } from "../experiments/options";
import { experiments, getExperiment } from "../experiments/registry";
import { acquireLock } from "../experiments/lock";
import { parseScale, Scale, SCALE_ENV } from "../experiments/scale";
import { formatShard, listShardFiles, missingShards, parseShard, resolveShard, Shard, shardFile } from "../experiments/shard";
import { auditSweep, estimateSweep, formatDuration, loadSweep, planSweep, resultsFile, runSweep, settleSweep, shardPlan, SweepPlan, whyNotCounted } from "../experiments/sweep";
import type { SweepProgress } from "../experiments/results";
import { verdictMarkdown } from "../experiments/verdict";
import { progress } from "../report/display";
import { tableText } from "../report/table";

const COMMON = ["scale", "workers", "out", "shard", "worker", "force", "yes"] as const;

/** A sweep estimated to take longer than this (wall time at its worker count) needs --yes. */
export const ESTIMATE_BOUND_HOURS = 24;

const USAGE = [
  "usage: npm run experiment -- list",
  "       npm run experiment -- <id> [--scale smoke|cpu|paper] [--workers N] [--out FILE] [--shard i/n] [experiment options]",
  "       npm run experiment -- merge <id> [--scale S] [experiment options] [--out FILE] [--force]",
  "       npm run experiment -- <id> --help",
].join("\n");

interface Args {
  command: "run" | "merge";
  experiment: AnyExperiment;
  scale: Scale;
  workers: number;
  out?: string;
  shardFlag?: string;
  /** Set in forked worker processes only. */
  worker?: Shard;
  force: boolean;
  /** Start a sweep estimated over ESTIMATE_BOUND_HOURS. */
  yes: boolean;
  overrides: Record<string, OptionValue>;
  /** The experiment options as given, to pass on to workers. */
  optionArgs: string[];
}

/** Set by a sweep in the environment of the worker processes it forks (its pid): `--worker` is refused without it. */
export const WORKER_ENV = "GRADNOISE_SWEEP_PARENT";

/** Strict: every argument is a known flag with one value; positional extras, repeats and single-dash flags are errors. */
export function parseArgs(argv: string[]): Args {
  let rest = [...argv];
  let command: Args["command"] = "run";
  if (rest[0] === "merge") {
    command = "merge";
    rest = rest.slice(1);
  }
  const id = rest[0];
  if (!id || id.startsWith("-")) throw new Error(`name an experiment (${experiments().map((e) => e.id).join(", ")})\n${USAGE}`);
  const experiment = getExperiment(id);
  const values = new Map<string, string>();
  for (let i = 1; i < rest.length; i++) {
    const a = rest[i];
    if (!a.startsWith("--")) throw new Error(`unexpected argument "${a}"${a.startsWith("-") ? ` (flags take two dashes: -${a})` : ""}\n${USAGE}`);
    const eq = a.indexOf("=");
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    const known = (COMMON as readonly string[]).includes(name) || experiment.options.some((o) => o.name === name);
    if (!known) throw new Error(`unknown option --${name} for ${experiment.id}; run \`npm run experiment -- ${experiment.id} --help\``);
    if (values.has(name)) throw new Error(`--${name} is given twice`);
    if (name === "force" || name === "yes") {
      values.set(name, "true");
      continue;
    }
    const value = eq > 0 ? a.slice(eq + 1) : rest[++i];
    if (value === undefined || (eq < 0 && value.startsWith("--"))) throw new Error(`--${name} needs a value`);
    values.set(name, value);
  }
  const scale = parseScale(values.get("scale") ?? process.env[SCALE_ENV], values.has("scale") ? "--scale" : SCALE_ENV);
  const workersArg = values.get("workers");
  const workers = workersArg === undefined ? Math.min(2, os.cpus().length) : Number(workersArg);
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`--workers must be a positive integer, got "${workersArg}"`);
  const overrides: Record<string, OptionValue> = {};
  const optionArgs: string[] = [];
  for (const o of experiment.options) {
    const v = values.get(o.name);
    if (v === undefined) continue;
    overrides[o.name] = parseOptionValue(o, v);
    optionArgs.push(`--${o.name}`, v);
  }
  if (command === "merge" && (values.has("shard") || values.has("workers"))) throw new Error("merge takes neither --shard nor --workers");
  // --worker is internal: a worker runs under its parent's lock and leaves settling to it, so one
  // started by hand would write beside a sweep unguarded. Only a process this CLI forked has an IPC
  // channel and WORKER_ENV naming its parent.
  if (values.has("worker") && (typeof process.send !== "function" || process.env[WORKER_ENV] !== String(process.ppid))) {
    throw new Error(`--worker is internal: the sweep passes it to the worker processes it starts itself; run the sweep without it (--workers N sets how many)`);
  }
  return {
    command, experiment, scale, workers, out: values.get("out"), shardFlag: values.get("shard"),
    worker: values.has("worker") ? parseShard(values.get("worker")!, "--worker") : undefined,
    force: values.has("force"), yes: values.has("yes"), overrides, optionArgs,
  };
}

/** Fails before any training when `file` cannot be written (a missing, read-only or non-directory parent). */
export function checkWritable(file: string): void {
  // Parents are made one level at a time: Node's recursive mkdir spins forever on some paths (/proc/x).
  const missing: string[] = [];
  let probe = path.dirname(path.resolve(file));
  while (!existsSync(probe)) {
    missing.unshift(probe);
    probe = path.dirname(probe);
  }
  try {
    if (!statSync(probe).isDirectory()) throw new Error(`${probe} is not a directory`);
    if (existsSync(file) && statSync(file).isDirectory()) throw new Error("it is a directory, not a file");
    for (const dir of missing) mkdirSync(dir);
    accessSync(path.dirname(path.resolve(file)), constants.W_OK);
    if (existsSync(file)) accessSync(file, constants.W_OK);
  } catch (e) {
    throw new Error(`cannot write ${file}: ${(e as Error).message}`);
  }
}

function list(): void {
  const rows = experiments().map((e) => ({
    id: e.id,
    section: e.section,
    title: e.title,
    notebook: e.notebook,
    scales: Object.keys(e.configs).map((s) => `${s} (${e.plan(e.configs[s as Scale]).length} runs)`).join(", "),
  }));
  console.log(tableText(rows));
  console.log("\nResults files (committed ones marked *):");
  for (const e of experiments()) {
    const files = [
      ...Object.keys(e.configs).map((s) => resultsFile(e, s as Scale)),
      ...(e.studies ?? []).map((st) => resultsFile(e, st.scale, st.overrides)),
    ];
    for (const f of files) console.log(`  ${existsSync(f) ? "*" : " "} ${e.id.padEnd(10)} ${path.relative(process.cwd(), f)}`);
  }
}

function help(e?: AnyExperiment): void {
  console.log(USAGE);
  console.log(
    [
      "",
      "Common options:",
      "  --scale smoke|cpu|paper".padEnd(34) + `sweep size (default $${SCALE_ENV} or cpu)`,
      "  --workers N".padEnd(34) + "processes on this machine (default 2; WASM is single-threaded)",
      "  --out FILE".padEnd(34) + "results file (default results/<id>-<scale><tag>.jsonl)",
      "  --shard i/n".padEnd(34) + "run part i of n (0-based); default from Slurm / Kubernetes array variables",
      "  --force".padEnd(34) + "merge: write what matches, set refused records aside",
      "  --yes".padEnd(34) + `start a sweep estimated over ${ESTIMATE_BOUND_HOURS} h`,
    ].join("\n"),
  );
  for (const x of e ? [e] : experiments()) {
    console.log(`\n${x.id} (Section ${x.section}: ${x.title}) options:`);
    console.log(x.options.length ? optionsHelp(x.options).join("\n") : "  (none)");
  }
}

async function worker(a: Args, plan: SweepPlan): Promise<void> {
  // A worker lives only for its parent: when the parent is gone (killed, or exited after Ctrl-C),
  // stop quietly. Its finished runs are already on disk; the run in flight is redone on resume.
  const orphaned = () => process.exit(0);
  process.on("disconnect", orphaned);
  await selectBackend({ requiredKernels: a.experiment.requiredKernels });
  // A training loop may not let the disconnect event through until its run ends; a changed
  // parent pid (we were re-parented) is seen at the next step. With a callback, a send to a
  // parent that just died is dropped instead of raising EPIPE.
  const parent = process.ppid;
  const send = (p: SweepProgress) => {
    if (process.ppid !== parent) orphaned();
    if (process.connected) process.send?.(p, () => undefined);
  };
  await runSweep(plan, { worker: a.worker, onProgress: send });
  // The disconnect listener holds the channel open: let it go so the worker can end.
  process.off("disconnect", orphaned);
  if (process.connected) process.disconnect();
}

/**
 * Stops, changing nothing, when `--out` names a file holding finished runs
 * of another sweep: records whose key is not in this plan or whose
 * fingerprint is not this plan's. Names the file these options own.
 */
function refuseForeign(plan: SweepPlan, full: SweepPlan, a: Args): void {
  const foreign = auditSweep(plan).setAside.filter((s) => /^(fingerprint |no such run in the plan)/.test(s.reason));
  if (!foreign.length) return;
  const own = path.relative(process.cwd(), resultsFile(a.experiment, a.scale, a.overrides)) || resultsFile(a.experiment, a.scale, a.overrides);
  const first = foreign[0];
  throw new Error(
    `${path.relative(process.cwd(), full.file) || full.file} holds ${foreign.length} record(s) of another sweep (another scale, options or code version; first: line ${first.line}, ${first.reason}); ` +
      `nothing was changed. The file these options own is ${own}: run without --out to use it, or give an --out that is new or holds this sweep's runs.`,
  );
}

function report(plan: SweepPlan): void {
  const ex = plan.experiment;
  const records = loadSweep(plan);
  const summary = ex.summarize(records, plan.config);
  console.log(`\n${ex.title} — ${plan.scale} scale, ${records.length} of ${plan.specs.length} planned runs in ${path.relative(process.cwd(), plan.file)}`);
  for (const t of ex.tables(summary, plan.config)) console.log(`\n${t.caption}\n${tableText(t.rows)}`);
  if (summary.verdicts.length) console.log(`\n${verdictMarkdown(summary.verdicts)}`);
}

function merge(a: Args): void {
  const plan = planSweep(a.experiment, a.scale, a.overrides, a.out && path.resolve(a.out));
  const parts = listShardFiles(plan.file);
  if (!parts.length) throw new Error(`no part files of ${path.relative(process.cwd(), plan.file)} (expected *.part-<i>-of-<n>.jsonl beside it)`);
  const absent = missingShards(parts);
  if (absent.length) console.warn(`warning: part(s) ${absent.map(formatShard).join(", ")} not found: their runs stay missing`);
  const r = mergeShardFiles({ out: plan.file, inputs: parts.map((p) => p.file), expected: plan.expected, force: a.force, volatile: ["seconds", "date", "engine", "digest"], check: (r) => whyNotCounted(plan, r) });
  console.log(`merged ${parts.length} part(s) into ${path.relative(process.cwd(), plan.file)}: ${r.written} of ${plan.specs.length} runs${r.missing.length ? `, ${r.missing.length} missing` : ""}${r.refused.length ? `; ${r.refused.length} refused record(s) set aside in ${r.rejectedFile}` : ""}`);
  report(plan);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === "list") {
    if (argv.length > 1) throw new Error(`list takes no arguments; got ${argv.slice(1).join(" ")}`);
    return list();
  }
  if (argv.length === 0 || argv[0] === "--help" || argv[0] === "-h") return help();
  if (argv.includes("--help") || argv.includes("-h")) return help(getExperiment(argv[argv[0] === "merge" ? 1 : 0]));
  const a = parseArgs(argv);
  if (a.command === "merge") return merge(a);

  const cluster = resolveShard(a.shardFlag);
  const base = path.resolve(a.out ?? resultsFile(a.experiment, a.scale, a.overrides));
  const file = cluster ? shardFile(base, cluster) : base;
  const full = planSweep(a.experiment, a.scale, a.overrides, file);
  const plan = cluster ? shardPlan(full, cluster) : full;
  if (a.worker) return worker(a, plan);

  checkWritable(file);
  const rel = path.relative(process.cwd(), file);
  // One sweep per results file: a second one stops here, naming the holder. Released however this process exits.
  const release = acquireLock(file);
  process.on("exit", release);
  // SIGTERM (what schedulers send) is treated like Ctrl-C: workers stopped, the lock released, how to resume said.
  let children: ChildProcess[] = [];
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    children.forEach((c) => c.kill("SIGTERM"));
    console.error(`\n${signal === "SIGINT" ? "interrupted" : `stopped by ${signal}`}: finished runs are saved in ${rel}; run the same command to resume`);
    process.exit(signal === "SIGINT" ? 130 : 143);
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
  // A file of one's choosing that holds another sweep's finished runs (other scale or options) is not
  // taken over: settling it would move them all aside and train this sweep in their place.
  if (a.out !== undefined) refuseForeign(plan, full, a);
  const cores = os.cpus().length;
  // The estimated time, and a sweep over the bound refused before anything is settled or trained.
  const toDo = plan.specs.length - auditSweep(plan).records.length;
  const estimate = toDo > 0 ? estimateSweep(plan, toDo) : undefined;
  if (estimate) {
    const w = Math.min(a.workers, Math.max(1, toDo), cores);
    const wall = estimate.seconds / w;
    if (!(wall <= ESTIMATE_BOUND_HOURS * 3600) && !a.yes) {
      throw new Error(`this sweep is estimated at ${formatDuration(wall)} at ${w} worker(s), over the bound of ${ESTIMATE_BOUND_HOURS} h (${estimate.basis}); check its options, or pass --yes to start it anyway`);
    }
  }
  // What is in the file that does not count for this plan is set aside now, each with its reason.
  const before = settleSweep(plan).records.length;
  const todo = plan.specs.length - before;
  const workers = Math.min(a.workers, Math.max(1, todo), cores);
  if (a.workers > workers) console.warn(`note: --workers ${a.workers} capped at ${workers} (${[a.workers > cores ? `${cores} core(s) on this machine` : "", a.workers > todo ? `${todo} run(s) to do` : ""].filter(Boolean).join(", ")})`);
  console.log(
    `${a.experiment.id} at scale "${a.scale}"${a.optionArgs.length ? ` with ${a.optionArgs.join(" ")}` : ""}` +
      `${cluster ? `, shard ${formatShard(cluster)} (${cluster.detail})` : ""}: ${plan.specs.length} runs, ${before} already in ${rel}, ${todo} to do, ${workers} worker(s)`,
  );
  for (const n of cluster?.notes ?? []) console.warn(`note: ${n}`);
  if (estimate && todo > 0) console.log(`estimated time: ${formatDuration(estimate.seconds / workers)} at ${workers} worker(s) (${estimate.basis})`);
  if (todo > 0) {
    const bar = progress(a.experiment.id);
    const state: SweepProgress[] = [];
    const forward = [a.experiment.id, "--scale", a.scale, "--out", base, ...(cluster ? ["--shard", formatShard(cluster)] : []), ...a.optionArgs];
    children = Array.from({ length: workers }, (_, i) =>
      fork(__filename, [...forward, "--worker", `${i}/${workers}`], { stdio: ["ignore", "ignore", "inherit", "ipc"], env: { ...process.env, [WORKER_ENV]: String(process.pid) } }),
    );
    await Promise.all(
      children.map(
        (c, i) =>
          new Promise<void>((resolve, reject) => {
            c.on("message", (m: SweepProgress) => {
              state[i] = m;
              const ran = state.reduce((sum, x) => sum + (x ? x.ran + x.step / x.steps : 0), 0);
              const finished = state.reduce((sum, x) => sum + (x ? x.ran : 0), 0);
              const free = state.reduce((sum, x) => sum + (x ? x.free : 0), 0);
              bar.update(ran / todo, `${finished}/${todo} runs; ${m.key}`, free / todo);
            });
            c.on("exit", (code, signal) => {
              if (code === 0) return resolve();
              // Ctrl-C and schedulers signal the whole process group: a worker stopped that way stops the sweep the same way.
              if (signal === "SIGINT" || signal === "SIGTERM") return stop(signal);
              reject(new Error(`worker ${i} ${signal ? `was killed by ${signal}${signal === "SIGKILL" ? " (out of memory, or killed by hand?)" : ""}` : `exited with code ${code}`}; finished runs are saved in ${rel}`));
            });
          }),
      ),
    ).catch((e) => {
      children.forEach((c) => c.kill("SIGTERM"));
      throw e;
    });
    bar.done();
  }
  // One file per sweep once every worker is done (worker files are only for concurrent appends), in plan order.
  settleSweep(plan);
  report(plan);
}

if (require.main === module) {
  main().catch((e) => {
    console.error(`experiment: ${(e as Error).message}`);
    process.exit(1);
  });
}
