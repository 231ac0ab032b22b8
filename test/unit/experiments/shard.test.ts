import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, describe, test } from "node:test";
import { canonicalJson, fingerprint, runFingerprint } from "../../../src/experiments/fingerprint";
import { diffRecordFiles, mergeShardFiles, MergeRefusedError, rejectedPath, writeFileAtomic } from "../../../src/experiments/merge";
import {
  formatShard,
  listShardFiles,
  missingShards,
  parseShard,
  resolveShard,
  schedulerEnv,
  selectShard,
  Shard,
  shardFile,
  shardFromEnv,
} from "../../../src/experiments/shard";
import { loadRecords } from "../../../src/experiments/results";

/** The checkout (deploy/ is not compiled, so look for it above the compiled test, then in the working directory). */
const ROOT = ((): string => {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "deploy", "slurm-array.sh"))) return dir;
  }
  if (existsSync(path.join(process.cwd(), "deploy", "slurm-array.sh"))) return process.cwd();
  throw new Error(`cannot find deploy/slurm-array.sh above ${__dirname} or in ${process.cwd()}`);
})();

const scratch = mkdtempSync(path.join(tmpdir(), "gradnoise-shard-"));
after(() => rmSync(scratch, { recursive: true, force: true }));
let dirs = 0;
function freshDir(): string {
  const d = path.join(scratch, `t${dirs++}`);
  mkdirSync(d, { recursive: true });
  return d;
}

describe("fingerprints", () => {
  test("canonical JSON sorts keys at every depth and keeps array order", () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } }), '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
    assert.equal(canonicalJson([2, 1]), "[2,1]");
    assert.equal(canonicalJson("é\n"), JSON.stringify("é\n"));
    assert.equal(canonicalJson(Object.create(null)), "{}");
  });

  test("key order does not change a fingerprint; any value does", () => {
    assert.equal(fingerprint({ a: 1, b: [1, 2] }), fingerprint({ b: [1, 2], a: 1 }));
    assert.notEqual(fingerprint({ a: 1 }), fingerprint({ a: 2 }));
    assert.notEqual(fingerprint({ a: [1, 2] }), fingerprint({ a: [2, 1] }));
    assert.notEqual(fingerprint({ a: null }), fingerprint({}));
    assert.equal(fingerprint({ b: 2, a: 1 }), createHash("sha256").update('{"a":1,"b":2}').digest("hex").slice(0, 16));
    assert.match(fingerprint(0), /^[0-9a-f]{16}$/);
    const id = { experiment: "deep-mlp", config: { steps: 8 }, spec: { key: "k", seed: 1 }, schema: 1 };
    assert.equal(runFingerprint(id), fingerprint({ schema: 1, spec: { seed: 1, key: "k" }, config: { steps: 8 }, experiment: "deep-mlp" }));
  });

  test("values JSON would alter silently are refused, naming where they are", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const cases: Array<[unknown, RegExp]> = [
      [{ a: { lr: NaN } }, /\$\.a\.lr is NaN/],
      [{ a: [1, Infinity] }, /\$\.a\[1\] is Infinity/],
      [{ a: undefined }, /\$\.a is undefined/],
      [{ "odd key": { f: () => 1 } }, /\$\["odd key"\]\.f is a function/],
      [{ n: BigInt(1) }, /\$\.n is a bigint/],
      [{ m: new Map() }, /\$\.m is a Map, not a plain object/],
      [{ d: new Date(0) }, /\$\.d is a Date/],
      [cyclic, /\$\.self refers back/],
      [[1, , 3], /\$\[1\] is a hole/], // eslint-disable-line no-sparse-arrays
      [{ [Symbol("s")]: 1 }, /symbol keys/],
    ];
    for (const [value, msg] of cases) {
      assert.throws(() => canonicalJson(value), msg);
      assert.throws(() => fingerprint(value), msg);
    }
  });
});

describe("shard arithmetic", () => {
  test("every spec is in exactly one shard, sizes within one, in plan order, the same every time", () => {
    for (const m of [0, 1, 2, 5, 13, 78, 100]) {
      const specs = Array.from({ length: m }, (_, i) => ({ key: `run${i}` }));
      for (let n = 1; n <= 9; n++) {
        const seen = new Map<string, number>();
        const sizes: number[] = [];
        for (let i = 0; i < n; i++) {
          const part = selectShard(specs, { index: i, count: n });
          assert.deepEqual(selectShard(specs, { index: i, count: n }), part, "deterministic");
          assert.deepEqual(part, [...part].sort((a, b) => specs.indexOf(a) - specs.indexOf(b)), "plan order");
          sizes.push(part.length);
          for (const s of part) seen.set(s.key, (seen.get(s.key) ?? 0) + 1);
        }
        assert.equal(seen.size, m, `m=${m} n=${n}: every spec covered`);
        assert.ok([...seen.values()].every((c) => c === 1), `m=${m} n=${n}: no spec twice`);
        assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `m=${m} n=${n}: sizes ${sizes}`);
      }
    }
    assert.deepEqual(selectShard(["a", "b", "c", "d", "e"], { index: 1, count: 2 }), ["b", "d"]);
  });

  test("i/n parses 0-based; bad text, out-of-range and 1-based-looking values are errors", () => {
    assert.deepEqual(parseShard("0/1"), { index: 0, count: 1 });
    assert.deepEqual(parseShard("2/3"), { index: 2, count: 3 });
    assert.deepEqual(parseShard(" 1/4\n"), { index: 1, count: 4 });
    assert.equal(formatShard(parseShard("7/8")), "7/8");
    assert.throws(() => parseShard("3/3"), /--shard=3\/3: shard index 3 is out of range for 3 shards; shards are numbered from 0.*the last of 3 is 2\/3/);
    assert.throws(() => parseShard("1/0"), /shard count must be at least 1/);
    for (const bad of ["-1/2", "a/b", "1.5/2", "1/2.0", "", "1", "1/2/3", "1 /2", "+1/2", "0x1/2"]) {
      assert.throws(() => parseShard(bad), /expected i\/n with whole numbers 0 <= i < n/, bad);
    }
    assert.throws(() => parseShard("9/4", "GRADNOISE_SHARD"), /^Error: GRADNOISE_SHARD=9\/4/);
    for (const bad of [{ index: 3, count: 3 }, { index: -1, count: 2 }, { index: 0.5, count: 2 }, { index: 0, count: 0 }]) {
      assert.throws(() => selectShard([1, 2, 3], bad), /invalid shard/);
      assert.throws(() => shardFile("r.jsonl", bad), /invalid shard/);
    }
  });

  test("part files are named by shard and are not merged by the loader on its own", () => {
    assert.equal(shardFile("results/deep-mlp-cpu.jsonl", { index: 2, count: 3 }), "results/deep-mlp-cpu.part-2-of-3.jsonl");
    assert.equal(shardFile("x", { index: 0, count: 1 }), "x.part-0-of-1.jsonl");
    const dir = freshDir();
    const base = path.join(dir, "deep-mlp-cpu.jsonl");
    writeFileSync(base, JSON.stringify({ key: "a" }) + "\n");
    writeFileSync(path.join(dir, "deep-mlp-cpu.shard0.jsonl"), JSON.stringify({ key: "b" }) + "\n");
    for (const s of [{ index: 0, count: 3 }, { index: 2, count: 3 }, { index: 1, count: 2 }]) {
      writeFileSync(shardFile(base, s), JSON.stringify({ key: `part${formatShard(s)}` }) + "\n");
    }
    writeFileSync(path.join(dir, "deep-mlp-cpu-other.part-0-of-3.jsonl"), "");
    assert.deepEqual(loadRecords(base, () => assert.fail("no warnings")).map((r) => r.key).sort(), ["a", "b"]);
    const parts = listShardFiles(base);
    assert.deepEqual(
      parts.map((p) => [path.basename(p.file), p.index, p.count]),
      [
        ["deep-mlp-cpu.part-1-of-2.jsonl", 1, 2],
        ["deep-mlp-cpu.part-0-of-3.jsonl", 0, 3],
        ["deep-mlp-cpu.part-2-of-3.jsonl", 2, 3],
      ],
    );
    assert.deepEqual(missingShards(parts), [{ index: 0, count: 2 }, { index: 1, count: 3 }]);
    assert.deepEqual(listShardFiles(path.join(dir, "nowhere", "x.jsonl")), []);
  });
});

/** Slurm's variables for an array `--array=min-max:step`, task `id`. */
function slurm(id: number, min: number, max: number, step = 1): Record<string, string> {
  return {
    SLURM_ARRAY_JOB_ID: "99",
    SLURM_ARRAY_TASK_ID: String(id),
    SLURM_ARRAY_TASK_MIN: String(min),
    SLURM_ARRAY_TASK_MAX: String(max),
    SLURM_ARRAY_TASK_STEP: String(step),
    SLURM_ARRAY_TASK_COUNT: String((max - min) / step + 1),
  };
}

/** Environments with the shard they mean (or the error they must give), shared by the code and the Slurm script tests. */
const SLURM_CASES: Array<{ name: string; env: Record<string, string>; want: Shard | RegExp | undefined }> = [
  { name: "no variables", env: {}, want: undefined },
  { name: "--array=0-7, task 0", env: slurm(0, 0, 7), want: { index: 0, count: 8 } },
  { name: "--array=0-7, task 7", env: slurm(7, 0, 7), want: { index: 7, count: 8 } },
  { name: "--array=1-3 (1-based), task 1", env: slurm(1, 1, 3), want: { index: 0, count: 3 } },
  { name: "--array=1-3 (1-based), task 3", env: slurm(3, 1, 3), want: { index: 2, count: 3 } },
  { name: "--array=0-6:2, task 4", env: slurm(4, 0, 6, 2), want: { index: 2, count: 4 } },
  { name: "one task", env: slurm(0, 0, 0), want: { index: 0, count: 1 } },
  { name: "leading zeros are decimal", env: { ...slurm(9, 0, 11), SLURM_ARRAY_TASK_ID: "09", SLURM_ARRAY_TASK_COUNT: "012" }, want: { index: 9, count: 12 } },
  { name: "no MAX or STEP (older Slurm)", env: { SLURM_ARRAY_TASK_ID: "2", SLURM_ARRAY_TASK_MIN: "0", SLURM_ARRAY_TASK_COUNT: "5" }, want: { index: 2, count: 5 } },
  { name: "empty values count as unset", env: { GRADNOISE_SHARD: "", SLURM_ARRAY_TASK_ID: "", GRADNOISE_SHARDS: " " }, want: undefined },
  { name: "GRADNOISE_SHARDS agreeing", env: { ...slurm(3, 0, 3), GRADNOISE_SHARDS: "4" }, want: { index: 3, count: 4 } },
  { name: "GRADNOISE_SHARD overrides Slurm", env: { ...slurm(0, 0, 3), GRADNOISE_SHARD: "2/5" }, want: { index: 2, count: 5 } },
  { name: "ID without COUNT", env: { SLURM_ARRAY_TASK_ID: "2", SLURM_ARRAY_TASK_MIN: "0" }, want: /SLURM_ARRAY_TASK_COUNT/ },
  { name: "COUNT without ID", env: { SLURM_ARRAY_TASK_COUNT: "4" }, want: /SLURM_ARRAY_TASK_ID/ },
  { name: "not a number", env: { ...slurm(1, 0, 3), SLURM_ARRAY_TASK_ID: "one" }, want: /SLURM_ARRAY_TASK_ID="one" is not a whole number/ },
  { name: "negative", env: { ...slurm(1, 0, 3), SLURM_ARRAY_TASK_ID: "-1" }, want: /SLURM_ARRAY_TASK_ID="-1" is not a whole number/ },
  { name: "resubmitted subset --array=5-7", env: slurm(6, 5, 7), want: /starts at 5/ },
  { name: "a list --array=1,3,8", env: { ...slurm(3, 1, 8), SLURM_ARRAY_TASK_COUNT: "3" }, want: /not one evenly spaced range/ },
  { name: "ID off the step", env: { ...slurm(3, 0, 6, 2) }, want: /not on the array's range/ },
  { name: "GRADNOISE_SHARDS disagreeing with --array", env: { ...slurm(3, 0, 3), GRADNOISE_SHARDS: "8" }, want: /SLURM_ARRAY_TASK_COUNT=4.*gives 4 shards but GRADNOISE_SHARDS=8/ },
  { name: "GRADNOISE_SHARD malformed", env: { ...slurm(0, 0, 3), GRADNOISE_SHARD: "1-of-4" }, want: /GRADNOISE_SHARD="1-of-4": expected i\/n/ },
  { name: "GRADNOISE_SHARD 1-based", env: { GRADNOISE_SHARD: "4/4" }, want: /GRADNOISE_SHARD=4\/4.*out of range/ },
  { name: "GRADNOISE_SHARD vs GRADNOISE_SHARDS", env: { GRADNOISE_SHARD: "1/3", GRADNOISE_SHARDS: "4" }, want: /GRADNOISE_SHARD=1\/3 gives 3 shards but GRADNOISE_SHARDS=4/ },
];

describe("shard from the environment", () => {
  for (const c of SLURM_CASES) {
    test(`Slurm: ${c.name}`, () => {
      if (c.want instanceof RegExp) assert.throws(() => shardFromEnv(c.env), c.want);
      else {
        const got = shardFromEnv(c.env);
        assert.deepEqual(got && { index: got.index, count: got.count }, c.want);
      }
    });
  }

  test("schedulerEnv stands in for Slurm and Kubernetes", () => {
    for (let i = 0; i < 5; i++) {
      const s = { index: i, count: 5 };
      const fromSlurm = shardFromEnv(schedulerEnv(s, "slurm"))!;
      assert.deepEqual([fromSlurm.index, fromSlurm.count, fromSlurm.source], [i, 5, "slurm"]);
      const fromK8s = shardFromEnv(schedulerEnv(s, "kubernetes"))!;
      assert.deepEqual([fromK8s.index, fromK8s.count, fromK8s.source], [i, 5, "kubernetes"]);
    }
    assert.match(shardFromEnv(schedulerEnv({ index: 1, count: 2 }, "slurm"))!.detail, /SLURM_ARRAY_TASK_ID=1, SLURM_ARRAY_TASK_MIN=0/);
  });

  test("Kubernetes: JOB_COMPLETION_INDEX needs GRADNOISE_SHARDS, in range", () => {
    assert.deepEqual({ ...shardFromEnv({ JOB_COMPLETION_INDEX: "2", GRADNOISE_SHARDS: "3" }), notes: [] }, {
      index: 2,
      count: 3,
      source: "kubernetes",
      detail: "JOB_COMPLETION_INDEX=2, GRADNOISE_SHARDS=3",
      notes: [],
    });
    assert.throws(() => shardFromEnv({ JOB_COMPLETION_INDEX: "2" }), /JOB_COMPLETION_INDEX=2 is set .* but GRADNOISE_SHARDS is not.*spec\.completions/);
    assert.throws(() => shardFromEnv({ JOB_COMPLETION_INDEX: "3", GRADNOISE_SHARDS: "3" }), /JOB_COMPLETION_INDEX=3, GRADNOISE_SHARDS=3: the index is out of range/);
    assert.throws(() => shardFromEnv({ JOB_COMPLETION_INDEX: "x", GRADNOISE_SHARDS: "3" }), /JOB_COMPLETION_INDEX="x" is not a whole number/);
    assert.throws(() => shardFromEnv({ JOB_COMPLETION_INDEX: "0", GRADNOISE_SHARDS: "0" }), /GRADNOISE_SHARDS must be at least 1/);
    // The explicit setting supplies what Kubernetes lacks.
    assert.equal(shardFromEnv({ JOB_COMPLETION_INDEX: "2", GRADNOISE_SHARD: "2/3" })!.source, "GRADNOISE_SHARD");
  });

  test("GRADNOISE_SHARDS alone, and Slurm and Kubernetes disagreeing, are errors naming the variables", () => {
    assert.throws(() => shardFromEnv({ GRADNOISE_SHARDS: "3" }), /GRADNOISE_SHARDS=3 is set but nothing gives this process's shard index \(GRADNOISE_SHARD, SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX\)/);
    assert.throws(
      () => shardFromEnv({ ...slurm(1, 0, 3), JOB_COMPLETION_INDEX: "2", GRADNOISE_SHARDS: "4" }),
      /Slurm gives 1\/4 \(SLURM_ARRAY_TASK_ID=1.*\) but Kubernetes gives 2\/4 \(JOB_COMPLETION_INDEX=2, GRADNOISE_SHARDS=4\)/,
    );
    const agree = shardFromEnv({ ...slurm(2, 0, 3), JOB_COMPLETION_INDEX: "2", GRADNOISE_SHARDS: "4" })!;
    assert.deepEqual([agree.index, agree.count, agree.source], [2, 4, "slurm"]);
  });

  test("precedence: --shard > GRADNOISE_SHARD > Slurm > Kubernetes; overridden settings become notes", () => {
    const env = { ...slurm(1, 0, 3), GRADNOISE_SHARD: "0/2" };
    const viaEnv = shardFromEnv(env)!;
    assert.deepEqual([viaEnv.index, viaEnv.count, viaEnv.source], [0, 2, "GRADNOISE_SHARD"]);
    assert.equal(viaEnv.notes.length, 1);
    assert.match(viaEnv.notes[0], /GRADNOISE_SHARD=0\/2 overrides SLURM_ARRAY_TASK_ID=1.* \(which would give shard 1\/4\)/);

    const viaFlag = resolveShard("3/5", env)!;
    assert.deepEqual([viaFlag.index, viaFlag.count, viaFlag.source, viaFlag.detail], [3, 5, "--shard", "--shard 3/5"]);
    assert.match(viaFlag.notes.join("\n"), /--shard 3\/5 overrides GRADNOISE_SHARD=0\/2/);
    // The flag is the user's explicit choice: a broken environment is reported, not fatal.
    const broken = resolveShard("0/2", { JOB_COMPLETION_INDEX: "1" })!;
    assert.equal(broken.source, "--shard");
    assert.match(broken.notes.join("\n"), /overrides an unusable scheduler setting: JOB_COMPLETION_INDEX=1 is set/);
    assert.equal(resolveShard("1/2", {})!.notes.length, 0);
    assert.equal(resolveShard(undefined, {}), undefined);
    assert.equal(resolveShard(undefined, { JOB_COMPLETION_INDEX: "0", GRADNOISE_SHARDS: "2" })!.source, "kubernetes");
    assert.throws(() => resolveShard("2/2", {}), /--shard=2\/2/);
  });
});

describe("deploy/slurm-array.sh", () => {
  const script = path.join(ROOT, "deploy", "slurm-array.sh");
  const dryRun = (env: Record<string, string>, args = ["deep-mlp", "cpu"]) =>
    spawnSync("bash", [script, ...args], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env, DRY_RUN: "1" }, encoding: "utf8" });

  test("is valid bash and submits an array from 0", () => {
    const r = spawnSync("bash", ["-n", script], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const text = readFileSync(script, "utf8");
    assert.match(text, /^#!\/usr\/bin\/env bash\n/);
    assert.match(text, /^#SBATCH --array=0-\d+$/m);
    assert.match(text, /npm run --ignore-scripts experiment -- "\$experiment" --scale "\$scale"/);
  });

  for (const c of SLURM_CASES) {
    test(`shard arithmetic matches shardFromEnv: ${c.name}`, () => {
      const r = dryRun(c.env);
      const out = `${r.stdout}${r.stderr}`;
      if (c.want === undefined || c.want instanceof RegExp) {
        // Outside a complete array task the script refuses rather than run the whole sweep in every task.
        assert.equal(r.status, 2, out);
        assert.match(r.stderr, /^slurm-array\.sh: /, out);
        if (c.want) assert.throws(() => shardFromEnv(c.env));
        return;
      }
      assert.equal(r.status, 0, out);
      const code = shardFromEnv(c.env)!;
      assert.match(r.stdout, new RegExp(`^shard=${code.index}/${code.count}$`, "m"), out);
      assert.deepEqual([code.index, code.count], [c.want.index, c.want.count]);
    });
  }

  test("passes the experiment, scale and extra options through", () => {
    const r = dryRun(slurm(2, 0, 3), ["memn2n", "smoke", "--workers", "2"]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^command=npm run --ignore-scripts experiment -- memn2n --scale smoke --workers 2$/m);
    const usage = dryRun(slurm(2, 0, 3), []);
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /usage: sbatch --array=0-<N-1> deploy\/slurm-array\.sh <experiment> <scale>/);
  });
});

describe("deploy/k8s-indexed-job.yaml", () => {
  const manifest = path.join(ROOT, "deploy", "k8s-indexed-job.yaml");
  // No YAML parser is a dependency; Python's yaml module (Debian: python3-yaml) parses it when present.
  const parse = (): unknown[] | string => {
    const tried: string[] = [];
    for (const python of ["python3", "/usr/bin/python3"]) {
      const r = spawnSync(python, ["-c", "import json, sys, yaml; print(json.dumps(list(yaml.safe_load_all(open(sys.argv[1])))))", manifest], { encoding: "utf8" });
      if (r.status === 0) return JSON.parse(r.stdout) as unknown[];
      tried.push(`${python}: ${r.error ? r.error.message : r.stderr.trim().split("\n").pop()}`);
      if (r.status !== null && !/No module named .?yaml/.test(r.stderr)) assert.fail(`${manifest} does not parse as YAML:\n${r.stderr}`);
    }
    return tried.join("; ");
  };
  const docs = parse();
  const skip = typeof docs === "string" ? `needs python3 with the yaml module (Debian: apt-get install python3-yaml) to parse the manifest; ${docs}` : false;

  test("is an Indexed Job with completions == parallelism == GRADNOISE_SHARDS, writing results to a shared volume", { skip }, () => {
    const all = docs as Array<Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
    assert.ok(all.every((d) => d && typeof d === "object"), "no empty documents");
    const jobs = all.filter((d) => d.kind === "Job");
    assert.equal(jobs.length, 1);
    const job = jobs[0];
    assert.equal(job.apiVersion, "batch/v1");
    assert.equal(job.spec.completionMode, "Indexed");
    const pod = job.spec.template.spec;
    assert.equal(pod.containers.length, 1);
    const c = pod.containers[0];
    const envVar = (c.env as Array<{ name: string; value?: string }>).find((e) => e.name === "GRADNOISE_SHARDS");
    assert.ok(envVar, "GRADNOISE_SHARDS is set");
    assert.equal(typeof envVar!.value, "string", "env values must be strings in Kubernetes");
    const n = Number(envVar!.value);
    assert.ok(Number.isInteger(n) && n >= 1);
    assert.equal(job.spec.completions, n);
    assert.equal(job.spec.parallelism, n);
    assert.ok(["Never", "OnFailure"].includes(pod.restartPolicy));
    assert.deepEqual(c.command.slice(0, 5), ["npm", "run", "--ignore-scripts", "experiment", "--"]);
    // Each index maps to a shard the code accepts; one past the end is refused.
    for (let i = 0; i < n; i++) assert.deepEqual({ ...shardFromEnv({ JOB_COMPLETION_INDEX: String(i), GRADNOISE_SHARDS: envVar!.value }), notes: [] }, { index: i, count: n, source: "kubernetes", detail: `JOB_COMPLETION_INDEX=${i}, GRADNOISE_SHARDS=${n}`, notes: [] });
    assert.throws(() => shardFromEnv({ JOB_COMPLETION_INDEX: String(n), GRADNOISE_SHARDS: envVar!.value }));
    // results/ is a volume shared by every pod: a claim declared alongside, mounted at <workingDir>/results.
    const mount = (c.volumeMounts as Array<{ name: string; mountPath: string }>).find((m) => m.mountPath === path.posix.join(c.workingDir, "results"));
    assert.ok(mount, "results/ is mounted");
    const vol = (pod.volumes as Array<{ name: string; persistentVolumeClaim?: { claimName: string } }>).find((v) => v.name === mount!.name);
    const claim = all.find((d) => d.kind === "PersistentVolumeClaim" && d.metadata.name === vol?.persistentVolumeClaim?.claimName);
    assert.ok(claim, "the results volume's claim is in the manifest");
    assert.deepEqual(claim!.spec.accessModes, ["ReadWriteMany"]);
  });
});

// ---- merge -------------------------------------------------------------------------------

interface FakeSpec {
  key: string;
  seed: number;
}
interface FakeRecord extends FakeSpec {
  fingerprint: string;
  accuracy: number;
  seconds: number;
}

/** A fake sweep: specs in plan order, the plan's fingerprints, and the record a run of each would give. */
function fakePlan(n: number, config: object = { steps: 8 }) {
  const specs: FakeSpec[] = Array.from({ length: n }, (_, i) => ({ key: `exp${i % 3}/run${i}`, seed: 100 + i }));
  const fp = (s: FakeSpec) => runFingerprint({ experiment: "fake", config, spec: s, schema: 1 });
  const expected = new Map(specs.map((s) => [s.key, fp(s)]));
  const record = (s: FakeSpec): FakeRecord => ({ ...s, fingerprint: fp(s), accuracy: (s.seed % 7) / 7, seconds: 1.5 });
  return { specs, expected, record };
}

const line = (r: object) => JSON.stringify(r) + "\n";

/** Runs the fake sweep as `count` shards into part files of `out`, as the CLI would; returns the part files. */
function writeParts(out: string, plan: ReturnType<typeof fakePlan>, count: number): string[] {
  const files: string[] = [];
  for (let index = 0; index < count; index++) {
    const f = shardFile(out, { index, count });
    writeFileSync(f, selectShard(plan.specs, { index, count }).map((s) => line(plan.record(s))).join(""));
    files.push(f);
  }
  return files;
}

const quiet = () => undefined;
const escapeRe = (text: string) => text.replace(/[.*+?^$()|[\]{}\\]/g, "\\$&");

describe("merging shard files", () => {
  test("three shards merge to exactly the unsharded sequence", () => {
    const dir = freshDir();
    const plan = fakePlan(11);
    const out = path.join(dir, "fake-cpu.jsonl");
    const parts = writeParts(out, plan, 3);
    const r = mergeShardFiles({ out, inputs: parts, expected: plan.expected, warn: () => assert.fail("no warnings") });
    assert.deepEqual(r, { written: 11, refused: [], missing: [], warnings: [], rejectedFile: undefined });
    const unsharded = path.join(dir, "unsharded.jsonl");
    writeFileSync(unsharded, plan.specs.map((s) => line(plan.record(s))).join(""));
    assert.equal(readFileSync(out, "utf8"), readFileSync(unsharded, "utf8"));
    assert.deepEqual(diffRecordFiles(out, unsharded), []);
    assert.ok(!existsSync(rejectedPath(out)));
    for (const p of parts) assert.ok(existsSync(p), "parts are kept");
  });

  test("parts can be merged as they finish; missing runs are listed; any input order gives plan order", () => {
    const dir = freshDir();
    const plan = fakePlan(10);
    const out = path.join(dir, "fake.jsonl");
    const [p0, p1, p2] = writeParts(out, plan, 3);
    const first = mergeShardFiles({ out, inputs: [p2, p0], expected: plan.expected });
    assert.equal(first.written, 7);
    assert.deepEqual(first.missing, selectShard(plan.specs, { index: 1, count: 3 }).map((s) => s.key));
    const second = mergeShardFiles({ out, inputs: [p1], expected: plan.expected });
    assert.deepEqual([second.written, second.missing], [10, []]);
    assert.equal(readFileSync(out, "utf8"), plan.specs.map((s) => line(plan.record(s))).join(""));
  });

  test("merging again changes nothing, byte for byte (with or without the parts)", () => {
    const dir = freshDir();
    const plan = fakePlan(9);
    const out = path.join(dir, "fake.jsonl");
    const parts = writeParts(out, plan, 4);
    mergeShardFiles({ out, inputs: parts, expected: plan.expected });
    const once = readFileSync(out);
    mergeShardFiles({ out, inputs: parts, expected: plan.expected });
    assert.ok(readFileSync(out).equals(once));
    mergeShardFiles({ out, inputs: [], expected: plan.expected });
    assert.ok(readFileSync(out).equals(once));
    mergeShardFiles({ out, inputs: [...parts, out, path.join(dir, ".", "fake.jsonl")], expected: plan.expected });
    assert.ok(readFileSync(out).equals(once));
    // Shards of another count over the same plan add nothing new.
    mergeShardFiles({ out, inputs: writeParts(out, plan, 2), expected: plan.expected });
    assert.ok(readFileSync(out).equals(once));
  });

  test("records that do not belong are refused with file:line and reason; nothing is written", () => {
    const dir = freshDir();
    const plan = fakePlan(6);
    const out = path.join(dir, "fake.jsonl");
    const [p0, p1] = writeParts(out, plan, 2);
    const other = fakePlan(6, { steps: 120 });
    const k = (i: number) => plan.specs[i].key;
    // p0 holds specs 0, 2, 4 (lines 1-3); p1 holds 1, 3, 5 (lines 1-3).
    appendFileSync(p0, line({ ...plan.record(plan.specs[0]), key: "exp9/run99" })); // 4: unknown key
    appendFileSync(p0, line(other.record(other.specs[2]))); // 5: other config
    appendFileSync(p0, line({ ...plan.record(plan.specs[4]), fingerprint: undefined })); // 6: no fingerprint
    appendFileSync(p0, line(plan.record(plan.specs[2]))); // 7: identical duplicate: fine
    appendFileSync(p1, line({ ...plan.record(plan.specs[3]), accuracy: 0.99 })); // 4: conflicting duplicate
    appendFileSync(p1, "{not json}\n"); // 5: unreadable, not the last line
    appendFileSync(p1, "[1,2]\n"); // 6: not a record
    appendFileSync(p1, line(plan.record(plan.specs[1]))); // 7: identical duplicate
    writeFileSync(out, "previous\n");
    const before = statSync(out);

    let err: unknown;
    assert.throws(
      () => {
        try {
          mergeShardFiles({ out, inputs: [p0, p1], expected: plan.expected, warn: quiet });
        } catch (e) {
          err = e;
          throw e;
        }
      },
      MergeRefusedError,
    );
    const refusals = (err as MergeRefusedError).refusals;
    const where = refusals.map((r) => `${path.basename(r.file)}:${r.line}`);
    assert.deepEqual(where, ["fake.jsonl:1", "fake.part-0-of-2.jsonl:4", "fake.part-0-of-2.jsonl:5", "fake.part-0-of-2.jsonl:6", "fake.part-1-of-2.jsonl:4", "fake.part-1-of-2.jsonl:5", "fake.part-1-of-2.jsonl:6"]);
    const msg = (err as Error).message;
    assert.match(msg, /refused 7 records that do not match the plan/);
    assert.ok(msg.includes(`${out}:1: unreadable line`), msg);
    assert.ok(msg.includes(`${p0}:4: key "exp9/run99" is not in the plan`), msg);
    assert.ok(msg.includes(`${p0}:5: key ${JSON.stringify(k(2))} has fingerprint ${other.expected.get(k(2))}, the plan's is ${plan.expected.get(k(2))}`), msg);
    assert.ok(msg.includes(`${p0}:6: key ${JSON.stringify(k(4))} has no fingerprint`), msg);
    assert.ok(msg.includes(`${p1}:4: key ${JSON.stringify(k(3))} is already in ${p1}:2 with different content (accuracy differ)`), msg);
    assert.ok(msg.includes(`${p1}:5: unreadable line`), msg);
    assert.ok(msg.includes(`${p1}:6: not a run record`), msg);
    assert.match(msg, /Nothing was written/);
    // Refused: out untouched (same bytes, same file), no side file, no temporary files.
    assert.equal(readFileSync(out, "utf8"), "previous\n");
    assert.equal(statSync(out).ino, before.ino);
    assert.deepEqual(readdirSync(dir).sort(), ["fake.jsonl", "fake.part-0-of-2.jsonl", "fake.part-1-of-2.jsonl"]);
  });

  test("force writes the rest and keeps every refused line in the side file, once", () => {
    const dir = freshDir();
    const plan = fakePlan(6);
    const out = path.join(dir, "fake.jsonl");
    const [p0, p1] = writeParts(out, plan, 2);
    const stale = { ...plan.record(plan.specs[0]), fingerprint: "0000000000000000" };
    writeFileSync(out, line(stale)); // out's own stale record is checked too
    appendFileSync(p1, line({ ...plan.record(plan.specs[1]), accuracy: -1 }));
    const warnings: string[] = [];
    const r = mergeShardFiles({ out, inputs: [p0, p1], expected: plan.expected, force: true, warn: (m) => warnings.push(m) });
    assert.equal(r.written, 6);
    assert.deepEqual(r.refused.map((x) => [path.basename(x.file), x.line]), [["fake.jsonl", 1], ["fake.part-1-of-2.jsonl", 4]]);
    assert.equal(r.rejectedFile, rejectedPath(out));
    assert.match(warnings.join("\n"), /2 refused records set aside in .*fake\.jsonl\.rejected\.jsonl/);
    assert.equal(readFileSync(out, "utf8"), plan.specs.map((s) => line(plan.record(s))).join(""));
    const side = () => readFileSync(rejectedPath(out), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { file: string; line: number; reason: string; raw: string });
    const aside = side();
    assert.equal(aside.length, 2);
    assert.deepEqual(JSON.parse(aside[0].raw), stale, "the refused record is kept verbatim");
    assert.match(aside[1].reason, /different content \(accuracy differ\)/);
    // Again: the parts' refused line is not added twice; out is unchanged.
    const again = mergeShardFiles({ out, inputs: [p0, p1], expected: plan.expected, force: true, warn: quiet });
    assert.equal(again.refused.length, 1);
    assert.deepEqual(side(), aside);
    assert.equal(readFileSync(out, "utf8"), plan.specs.map((s) => line(plan.record(s))).join(""));
  });

  test("volatile fields (timings) do not make a duplicate a conflict", () => {
    const dir = freshDir();
    const plan = fakePlan(4);
    const out = path.join(dir, "fake.jsonl");
    const parts = writeParts(out, plan, 2);
    const rerun = path.join(dir, "rerun.jsonl");
    writeFileSync(rerun, line({ ...plan.record(plan.specs[1]), seconds: 9 }));
    assert.throws(() => mergeShardFiles({ out, inputs: [...parts, rerun], expected: plan.expected }), /seconds differ/);
    const r = mergeShardFiles({ out, inputs: [...parts, rerun], expected: plan.expected, volatile: ["seconds"] });
    assert.equal(r.written, 4);
    assert.equal(JSON.parse(readFileSync(out, "utf8").split("\n")[1]).seconds, 1.5, "the first record read is kept");
  });

  test("a truncated last line is skipped with a warning naming file:line, and kept aside", () => {
    const dir = freshDir();
    const plan = fakePlan(6);
    const out = path.join(dir, "fake.jsonl");
    const [p0, p1] = writeParts(out, plan, 2);
    const cut = line(plan.record(plan.specs[5])).slice(0, 25);
    writeFileSync(p1, selectShard(plan.specs, { index: 1, count: 2 }).slice(0, 2).map((s) => line(plan.record(s))).join("") + cut);
    const warnings: string[] = [];
    const r = mergeShardFiles({ out, inputs: [p0, p1], expected: plan.expected, warn: (m) => warnings.push(m) });
    assert.deepEqual(warnings, [`${p1}:3: truncated last line (a write cut off); skipped, so its run counts as missing`]);
    assert.deepEqual(r.warnings, warnings);
    assert.deepEqual([r.written, r.missing], [5, [plan.specs[5].key]]);
    const aside = readFileSync(rejectedPath(out), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(aside.map((a) => [a.file, a.line, a.reason, a.raw]), [[p1, 3, "truncated last line", cut]]);
    // The same cut-off text mid-file is not a cut-off write at the end: refused.
    appendFileSync(p1, "\n" + line(plan.record(plan.specs[5])));
    assert.throws(() => mergeShardFiles({ out, inputs: [p0, p1], expected: plan.expected, warn: quiet }), new RegExp(`${escapeRe(p1)}:3: unreadable line`));
  });

  test("the write is atomic: out is replaced by rename, no temporary file is left", () => {
    const dir = freshDir();
    const plan = fakePlan(5);
    const out = path.join(dir, "sub", "fake.jsonl");
    mkdirSync(path.dirname(out));
    const parts = writeParts(out, plan, 3);
    writeFileSync(out, "");
    const before = statSync(out).ino;
    mergeShardFiles({ out, inputs: parts, expected: plan.expected });
    assert.notEqual(statSync(out).ino, before, "a new file renamed over the old, not rewritten in place");
    assert.deepEqual(readdirSync(path.dirname(out)).filter((f) => !f.includes(".part-")), ["fake.jsonl"]);
    // A write that fails leaves the old file and no temporary behind.
    const blocked = path.join(dir, "blocked.jsonl");
    mkdirSync(blocked); // renaming a file over a directory fails
    assert.throws(() => writeFileAtomic(blocked, "x\n"));
    assert.ok(statSync(blocked).isDirectory());
    assert.deepEqual(readdirSync(dir).sort(), ["blocked.jsonl", "sub"]);
    // Missing inputs are errors; a missing out is created, directories included.
    assert.throws(() => mergeShardFiles({ out, inputs: [path.join(dir, "nope.jsonl")], expected: plan.expected }), /input .*nope\.jsonl does not exist/);
    const deep = path.join(dir, "new", "dir", "out.jsonl");
    assert.equal(mergeShardFiles({ out: deep, inputs: parts, expected: plan.expected }).written, 5);
  });

  test("diffRecordFiles tells records apart, ignoring timings when asked", () => {
    const dir = freshDir();
    const plan = fakePlan(4);
    const a = path.join(dir, "a.jsonl");
    const b = path.join(dir, "b.jsonl");
    writeFileSync(a, plan.specs.map((s) => line(plan.record(s))).join(""));
    writeFileSync(b, plan.specs.map((s, i) => line({ ...plan.record(s), seconds: i })).join(""));
    assert.deepEqual(diffRecordFiles(a, b, { ignore: ["seconds"] }), []);
    assert.equal(diffRecordFiles(a, b).length, 4);
    writeFileSync(b, [...plan.specs].reverse().slice(1).map((s) => line(plan.record(s))).join(""));
    assert.deepEqual(diffRecordFiles(a, b), [`${JSON.stringify(plan.specs[3].key)} only in ${a}`, `records are in a different order in ${a} and ${b}`]);
  });
});
