/**
 * Cluster sharding: which 1/n of a sweep's planned runs this process does.
 *
 * A sweep on a cluster runs as an array job of an existing scheduler (a Slurm
 * job array, a Kubernetes Indexed Job): n copies of the same command, each told
 * its index by the scheduler's environment. Shards are numbered from 0, as
 * Slurm array task IDs (`--array=0-N`) and Kubernetes' JOB_COMPLETION_INDEX
 * are, so the number in `--shard 2/3`, in the scheduler's task ID and in the
 * part file's name is the same number. Shard i of n takes the specs at plan
 * positions p with p % n === i: deterministic from the plan alone (no
 * coordination between shards), each spec in exactly one shard, shard sizes
 * within 1 of each other.
 *
 * Each shard writes its own part file (`<name>.part-<i>-of-<n>.jsonl`, see
 * shardFile), which the loaders do not merge on their own (unlike the local
 * workers' `<name>.shard<i>.jsonl`): parts are combined explicitly, with every
 * record checked against the plan, by merge.ts.
 */
import { existsSync, readdirSync } from "fs";
import * as path from "path";

export interface Shard {
  /** 0-based: 0 <= index < count. */
  index: number;
  count: number;
}

export type ShardSource = "--shard" | "GRADNOISE_SHARD" | "slurm" | "kubernetes";

export interface ResolvedShard extends Shard {
  /** Where the shard came from. */
  source: ShardSource;
  /** The values it was derived from, e.g. "SLURM_ARRAY_TASK_ID=4, SLURM_ARRAY_TASK_MIN=0, SLURM_ARRAY_TASK_COUNT=8". */
  detail: string;
  /** Lower-precedence settings that were present and overridden (worth printing: they may be a mistake). */
  notes: string[];
}

/** Environment variables read by shardFromEnv. */
export const SHARD_ENV = {
  /** Explicit "i/n"; beats the schedulers' variables (to rerun one shard by hand, for instance). */
  shard: "GRADNOISE_SHARD",
  /** Shard count where the scheduler gives only an index (Kubernetes); when set, every other source must agree with it. */
  shards: "GRADNOISE_SHARDS",
  slurmId: "SLURM_ARRAY_TASK_ID",
  slurmMin: "SLURM_ARRAY_TASK_MIN",
  slurmMax: "SLURM_ARRAY_TASK_MAX",
  slurmStep: "SLURM_ARRAY_TASK_STEP",
  slurmCount: "SLURM_ARRAY_TASK_COUNT",
  k8sIndex: "JOB_COMPLETION_INDEX",
} as const;

type Env = Readonly<Record<string, string | undefined>>;

const ZERO_BASED = "shards are numbered from 0, like Slurm array task IDs (--array=0-N) and Kubernetes' JOB_COMPLETION_INDEX";

/**
 * Parses "i/n" (whole numbers, 0 <= i < n). `what` names the setting in errors
 * (the flag or the variable the text came from).
 */
export function parseShard(text: string, what = "--shard"): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) throw new Error(`${what}=${JSON.stringify(text)}: expected i/n with whole numbers 0 <= i < n, e.g. 0/3 (${ZERO_BASED})`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(count)) throw new Error(`${what}=${text}: number too large`);
  if (count < 1) throw new Error(`${what}=${text}: the shard count must be at least 1`);
  if (index >= count) {
    throw new Error(`${what}=${text}: shard index ${index} is out of range for ${count} shards; ${ZERO_BASED}, so the last of ${count} is ${count - 1}/${count}`);
  }
  return { index, count };
}

export function formatShard(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}

function checkShard(shard: Shard): void {
  const { index, count } = shard;
  if (!Number.isSafeInteger(count) || count < 1 || !Number.isSafeInteger(index) || index < 0 || index >= count) {
    throw new Error(`invalid shard ${index}/${count}: need whole numbers 0 <= index < count`);
  }
}

/** Value of an environment variable; empty counts as unset (so `export VAR=` clears it). */
function get(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === "" ? undefined : v.trim();
}

function wholeNumber(env: Env, name: string): number {
  const v = get(env, name)!;
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) throw new Error(`${name}=${JSON.stringify(env[name])} is not a whole number`);
  return Number(v);
}

function fromExplicit(env: Env): ResolvedShard | undefined {
  const text = get(env, SHARD_ENV.shard);
  if (text === undefined) return undefined;
  const s = parseShard(text, SHARD_ENV.shard);
  return { ...s, source: "GRADNOISE_SHARD", detail: `${SHARD_ENV.shard}=${text}`, notes: [] };
}

/**
 * Slurm job arrays: index = (ID - MIN) / STEP, count = COUNT. The array must
 * be one evenly spaced range starting at 0 or 1 (`--array=0-N`, `--array=1-N`,
 * optionally `:step`): a list such as `--array=1,3,8`, or a resubmitted part
 * of an earlier array (`--array=5-7`), does not tell which shards of which
 * count its tasks stand for, and guessing would silently re-plan the sweep.
 */
function fromSlurm(env: Env): ResolvedShard | undefined {
  const { slurmId, slurmMin, slurmMax, slurmStep, slurmCount } = SHARD_ENV;
  const present = [slurmId, slurmMin, slurmMax, slurmStep, slurmCount].filter((n) => get(env, n) !== undefined);
  if (present.length === 0) return undefined;
  const missing = [slurmId, slurmMin, slurmCount].filter((n) => get(env, n) === undefined);
  if (missing.length) {
    throw new Error(
      `incomplete Slurm array environment: ${present.map((n) => `${n}=${get(env, n)}`).join(", ")} set but ${missing.join(", ")} not ` +
        `(Slurm sets them all in a job array task; set ${SHARD_ENV.shard}=i/n or pass --shard i/n to choose a shard by hand)`,
    );
  }
  const id = wholeNumber(env, slurmId);
  const min = wholeNumber(env, slurmMin);
  const count = wholeNumber(env, slurmCount);
  const step = get(env, slurmStep) === undefined ? 1 : wholeNumber(env, slurmStep);
  const detail = [slurmId, slurmMin, slurmMax, slurmStep, slurmCount]
    .filter((n) => get(env, n) !== undefined)
    .map((n) => `${n}=${get(env, n)}`)
    .join(", ");
  const hint = `submit the whole array as --array=0-<shards-1> (finished runs are skipped on resubmission), or set ${SHARD_ENV.shard}=i/n per task`;
  if (count < 1 || step < 1) throw new Error(`Slurm array environment ${detail}: count and step must be at least 1`);
  if (min > 1) {
    throw new Error(`Slurm array environment ${detail}: the array starts at ${min}, not 0 or 1, so it looks like part of an earlier array and its shard numbers cannot be derived; ${hint}`);
  }
  if (get(env, slurmMax) !== undefined) {
    const max = wholeNumber(env, slurmMax);
    if (max < min || (max - min) % step !== 0 || (max - min) / step + 1 !== count) {
      throw new Error(`Slurm array environment ${detail}: the task IDs are not one evenly spaced range of ${count} (a list such as --array=1,3,8?); ${hint}`);
    }
  }
  if (id < min || (id - min) % step !== 0) throw new Error(`Slurm array environment ${detail}: ${slurmId} is not on the array's range`);
  const index = (id - min) / step;
  if (index >= count) throw new Error(`Slurm array environment ${detail}: task ${index} of ${count} is out of range`);
  return { index, count, source: "slurm", detail, notes: [] };
}

/**
 * Kubernetes Indexed Jobs set JOB_COMPLETION_INDEX (0 .. completions-1) but do
 * not expose `completions` to the pod, so the count must come from
 * GRADNOISE_SHARDS (the manifest sets it equal to completions).
 */
function fromKubernetes(env: Env): ResolvedShard | undefined {
  const { k8sIndex, shards } = SHARD_ENV;
  if (get(env, k8sIndex) === undefined) return undefined;
  if (get(env, shards) === undefined) {
    throw new Error(
      `${k8sIndex}=${get(env, k8sIndex)} is set (a Kubernetes Indexed Job) but ${shards} is not: Kubernetes does not tell a pod the job's ` +
        `completions, so set env ${shards} to the same number as spec.completions in the manifest (see deploy/k8s-indexed-job.yaml)`,
    );
  }
  const index = wholeNumber(env, k8sIndex);
  const count = wholeNumber(env, shards);
  const detail = `${k8sIndex}=${index}, ${shards}=${count}`;
  if (count < 1) throw new Error(`${detail}: ${shards} must be at least 1`);
  if (index >= count) throw new Error(`${detail}: the index is out of range; ${shards} must equal the Job's spec.completions`);
  return { index, count, source: "kubernetes", detail, notes: [] };
}

function same(a: Shard, b: Shard): boolean {
  return a.index === b.index && a.count === b.count;
}

/**
 * The shard this process should run according to its environment, or
 * undefined when no shard variable is set (an unsharded sweep).
 *
 * Precedence: GRADNOISE_SHARD > Slurm > Kubernetes. An explicit
 * GRADNOISE_SHARD overrides a scheduler's values (with a note in `notes`): it
 * is how one shard is rerun by hand. Errors, naming the variables: a malformed
 * or incomplete setting of the source in use; Slurm and Kubernetes variables
 * both present and disagreeing; GRADNOISE_SHARDS disagreeing with the count of
 * the source in use (e.g. `--array=0-3` submitted for an 8-shard sweep); and
 * GRADNOISE_SHARDS set with nothing giving an index.
 */
export function shardFromEnv(env: Env = process.env): ResolvedShard | undefined {
  const explicit = fromExplicit(env);
  if (explicit) {
    explicit.notes.push(...overridden(explicit, [() => fromSlurm(env), () => fromKubernetes(env)]));
    checkDeclaredCount(explicit, env);
    return explicit;
  }
  const slurm = fromSlurm(env);
  const k8s = fromKubernetes(env);
  if (slurm && k8s && !same(slurm, k8s)) {
    throw new Error(`conflicting shard settings: Slurm gives ${formatShard(slurm)} (${slurm.detail}) but Kubernetes gives ${formatShard(k8s)} (${k8s.detail}); set ${SHARD_ENV.shard}=i/n to choose`);
  }
  const chosen = slurm ?? k8s;
  if (!chosen) {
    const declared = get(env, SHARD_ENV.shards);
    if (declared !== undefined) {
      throw new Error(
        `${SHARD_ENV.shards}=${declared} is set but nothing gives this process's shard index ` +
          `(${SHARD_ENV.shard}, ${SHARD_ENV.slurmId} or ${SHARD_ENV.k8sIndex}); pass --shard i/n, or unset ${SHARD_ENV.shards} for an unsharded sweep`,
      );
    }
    return undefined;
  }
  checkDeclaredCount(chosen, env);
  return chosen;
}

function checkDeclaredCount(shard: ResolvedShard, env: Env): void {
  const declared = get(env, SHARD_ENV.shards);
  if (declared === undefined || shard.source === "kubernetes") return; // Kubernetes' count *is* GRADNOISE_SHARDS.
  const n = wholeNumber(env, SHARD_ENV.shards);
  if (n !== shard.count) {
    throw new Error(`conflicting shard counts: ${shard.detail} gives ${shard.count} shards but ${SHARD_ENV.shards}=${n}; a sweep split into different counts would run some specs twice and others never`);
  }
}

/** Notes for lower-precedence sources that are set: what was overridden, or what was wrong with it. */
function overridden(winner: ResolvedShard, others: Array<() => ResolvedShard | undefined>): string[] {
  const notes: string[] = [];
  for (const other of others) {
    try {
      const s = other();
      if (s) notes.push(`${winner.detail} overrides ${s.detail}${same(s, winner) ? " (same shard)" : ` (which would give shard ${formatShard(s)})`}`);
    } catch (e) {
      notes.push(`${winner.detail} overrides an unusable scheduler setting: ${(e as Error).message}`);
    }
  }
  return notes;
}

/**
 * The shard for a sweep: an explicit `--shard i/n` flag beats the environment
 * (shardFromEnv). With the flag, environment settings that disagree or are
 * broken become notes, not errors: the flag is the user's explicit choice.
 */
export function resolveShard(flag: string | undefined, env: Env = process.env): ResolvedShard | undefined {
  if (flag === undefined) return shardFromEnv(env);
  const s = parseShard(flag, "--shard");
  const winner: ResolvedShard = { ...s, source: "--shard", detail: `--shard ${flag.trim()}`, notes: [] };
  winner.notes.push(...overridden(winner, [() => shardFromEnv(env)]));
  return winner;
}

/** The specs of `shard`: those at plan positions p with p % count === index, in plan order. */
export function selectShard<T>(specs: readonly T[], shard: Shard): T[] {
  checkShard(shard);
  return specs.filter((_, p) => p % shard.count === shard.index);
}

/**
 * Results file of a cluster shard: `results/deep-mlp-cpu.jsonl` with shard
 * 2/3 -> `results/deep-mlp-cpu.part-2-of-3.jsonl` (index 0-based, as in
 * --shard). The name does not match the loader's local-worker pattern
 * `<name>.shard<i>.jsonl`, so parts are never merged implicitly.
 */
export function shardFile(file: string, shard: Shard): string {
  checkShard(shard);
  return `${file.replace(/\.jsonl$/, "")}.part-${shard.index}-of-${shard.count}.jsonl`;
}

export interface ShardFileInfo extends Shard {
  file: string;
}

/** The cluster part files of `file` that exist, sorted by count then index. */
export function listShardFiles(file: string): ShardFileInfo[] {
  const dir = path.dirname(file);
  if (!existsSync(dir)) return [];
  const base = path.basename(file).replace(/\.jsonl$/, "");
  const re = new RegExp(`^${escapeRegExp(base)}\\.part-(\\d+)-of-(\\d+)\\.jsonl$`);
  const found: ShardFileInfo[] = [];
  for (const f of readdirSync(dir)) {
    const m = re.exec(f);
    if (m) found.push({ file: path.join(dir, f), index: Number(m[1]), count: Number(m[2]) });
  }
  return found.sort((a, b) => a.count - b.count || a.index - b.index);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^$()|[\]{}\\]/g, "\\$&");
}

/** Parts absent from `found`, for each shard count present (so a merge can say "part 1 of 3 is missing"). */
export function missingShards(found: readonly Shard[]): Shard[] {
  const missing: Shard[] = [];
  for (const count of [...new Set(found.map((s) => s.count))].sort((a, b) => a - b)) {
    for (let index = 0; index < count; index++) {
      if (!found.some((s) => s.count === count && s.index === index)) missing.push({ index, count });
    }
  }
  return missing;
}

/**
 * The variables a scheduler sets for `shard` (Slurm: a `--array=0-<count-1>`
 * task; Kubernetes: an Indexed Job pod with GRADNOISE_SHARDS from the
 * manifest). For tests and dry runs that stand in for the scheduler.
 */
export function schedulerEnv(shard: Shard, scheduler: "slurm" | "kubernetes"): Record<string, string> {
  checkShard(shard);
  if (scheduler === "kubernetes") return { [SHARD_ENV.k8sIndex]: String(shard.index), [SHARD_ENV.shards]: String(shard.count) };
  return {
    SLURM_ARRAY_JOB_ID: "4242",
    [SHARD_ENV.slurmId]: String(shard.index),
    [SHARD_ENV.slurmMin]: "0",
    [SHARD_ENV.slurmMax]: String(shard.count - 1),
    [SHARD_ENV.slurmStep]: "1",
    [SHARD_ENV.slurmCount]: String(shard.count),
  };
}
