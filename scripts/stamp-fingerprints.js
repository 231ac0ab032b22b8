#!/usr/bin/env node
// One-off migration (issue 23): give the committed results records that
// predate fingerprints the fingerprint the sweep computes for them now, so
// that the legacy path (Experiment.legacyMismatch, contract.ts's
// recordMismatch and whyNotCounted's branch for records without a
// fingerprint) can be deleted.
//
//   npm run build && node scripts/stamp-fingerprints.js [--check] [--dir DIR]
//
// Every results file `<id>-<scale><tag>.jsonl` directly in DIR (default: the
// project's results folder, resultsDir()) is attributed to the sweep that
// writes it: an experiment's standard sweep at one of its scales, or one of
// its declared `studies` (experiment, scale and overrides, through
// resultsFile, so the tag is the one overridesTag gives). A file that no
// standard sweep or study writes stops the script before anything is written
// (side files `*.rejected.jsonl` are skipped; worker shards must be settled
// first). Records copied from another sweep (`reusedFrom`) need nothing
// special: like any record, they carry the fingerprint of the plan of the
// file they are in.
//
// A record is stamped when it has no `fingerprint`, its key is planned, and
// the sweep's own test (whyNotCounted, i.e. belongs()/auditSweep, with the
// legacy check still in place) counts it: scale, the experiment's
// legacyMismatch, the spec fields and the measures. It gets exactly the
// fingerprint the plan expects for its key (planSweep's `expected`). The
// field is appended as the record's last key, where runSweep puts it
// (`{ ...rec, fingerprint }`), by inserting `,"fingerprint":"..."` before
// the line's closing brace: every other byte of every line, and every other
// line, stays as it is. Files are rewritten atomically (temporary file +
// rename) and only when something changed.
//
// Records without a fingerprint that the sweep does not count, and records
// whose fingerprint is not the plan's, are left untouched and listed.
// Idempotent: a second run stamps nothing.
//
// The legacy path has since been deleted (the commit after the stamped
// results): whyNotCounted now refuses every record without a fingerprint, so
// on today's code the script stamps nothing and lists any such record. To
// redo the migration, run it at the commit that stamped the results.
//
// --check: report what would be stamped, write nothing.
// Exit status: 0 when (after stamping; with --check: already) every record
// of every results file carries its plan's fingerprint; 1 otherwise; 2 on a
// usage error or a file that cannot be attributed.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const ROOT = path.join(__dirname, "..");
const dist = (m) => require(path.join(ROOT, "dist", m));

const { sweepWriters } = dist("experiments/writers");
const { planSweep, whyNotCounted } = dist("experiments/sweep");
const { writeFileAtomic } = dist("experiments/merge");
const { resultsDir } = dist("experiments/paths");

function usage(msg) {
  if (msg) console.error(msg);
  console.error("usage: node scripts/stamp-fingerprints.js [--check] [--dir DIR]");
  process.exit(2);
}

const args = process.argv.slice(2);
let check = false;
let dir = resultsDir();
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--check") check = true;
  else if (args[i] === "--dir" && i + 1 < args.length) dir = path.resolve(args[++i]);
  else usage(`unknown argument ${JSON.stringify(args[i])}`);
}
if (!fs.existsSync(dir)) usage(`no folder ${dir}`);

/** File name -> { label, plan } for every file a standard sweep or a study writes (experiments/writers.ts). */
function sweepsByFile() {
  return new Map([...sweepWriters(dir)].map(([name, w]) => [name, { label: w.label, plan: planSweep(w.ex, w.scale, w.overrides, path.join(dir, name)) }]));
}

const byFile = sweepsByFile();
const files = fs
  .readdirSync(dir, { withFileTypes: true })
  .filter((d) => d.isFile() && d.name.endsWith(".jsonl") && !d.name.endsWith(".rejected.jsonl"))
  .map((d) => d.name)
  .sort();
const unattributed = files.filter((f) => !byFile.has(f));
if (unattributed.length) {
  for (const f of unattributed) console.error(`${path.join(dir, f)}: no standard sweep or declared study writes this file (a worker shard or part file: settle or merge it first)`);
  process.exit(2);
}

const rel = (f) => path.relative(process.cwd(), f) || f;
let stamped = 0;
let alreadyStamped = 0;
const leftOut = [];
for (const name of files) {
  const { label, plan } = byFile.get(name);
  const file = path.join(dir, name);
  const text = fs.readFileSync(file, "utf8");
  const parts = text.split("\n");
  const keysSeen = new Map();
  let changed = 0;
  let stampedHere = 0;
  parts.forEach((part, i) => {
    const cr = part.endsWith("\r") ? "\r" : "";
    const raw = cr ? part.slice(0, -1) : part;
    if (!raw.trim()) return;
    const where = `${rel(file)}:${i + 1}`;
    let value;
    try {
      value = JSON.parse(raw);
    } catch (e) {
      leftOut.push(`${where}: unreadable line (${e.message})`);
      return;
    }
    const key = value !== null && typeof value === "object" && !Array.isArray(value) ? value.key : undefined;
    if (typeof key === "string") {
      if (keysSeen.has(key)) leftOut.push(`${where}: ${JSON.stringify(key)} is also on line ${keysSeen.get(key)} (the sweep keeps the later one)`);
      keysSeen.set(key, i + 1);
    }
    if (value !== null && typeof value === "object" && "fingerprint" in value) {
      const want = typeof key === "string" ? plan.expected.get(key) : undefined;
      if (value.fingerprint === want) alreadyStamped++;
      else leftOut.push(`${where}: ${JSON.stringify(key)}: fingerprint ${JSON.stringify(value.fingerprint)}, the plan's is ${want ?? "none (key not planned)"}; left as it is`);
      return;
    }
    const why = whyNotCounted(plan, value);
    if (why !== undefined) {
      leftOut.push(`${where}: ${typeof key === "string" ? `${JSON.stringify(key)}: ` : ""}no fingerprint, and the legacy check does not count it (${why}); left as it is`);
      return;
    }
    const fingerprint = plan.expected.get(key);
    const line = raw.trimEnd();
    if (!line.endsWith("}")) throw new Error(`${where}: a record line that does not end with "}"`);
    const body = line.slice(0, -1);
    const next = `${body}${body.trimEnd().endsWith("{") ? "" : ","}${JSON.stringify("fingerprint")}:${JSON.stringify(fingerprint)}}${raw.slice(line.length)}`;
    // The new line must be the old record with the fingerprint as its last key, and nothing else.
    const back = JSON.parse(next);
    const keys = Object.keys(back);
    if (keys.length !== Object.keys(value).length + 1 || keys[keys.length - 1] !== "fingerprint" || JSON.stringify(back) !== JSON.stringify({ ...value, fingerprint })) {
      throw new Error(`${where}: inserting the fingerprint would change the record`);
    }
    parts[i] = next + cr;
    changed++;
    stampedHere++;
  });
  stamped += stampedHere;
  if (stampedHere) console.log(`${rel(file)} (${label}): ${check ? "would stamp" : "stamped"} ${stampedHere} record(s)`);
  if (changed && !check) writeFileAtomic(file, parts.join("\n"));
}

for (const l of leftOut) console.warn(l);
console.log(
  `${files.length} results file(s) in ${rel(dir)}: ${check ? "would stamp" : "stamped"} ${stamped} record(s); ${alreadyStamped} already carried their plan's fingerprint; ${leftOut.length} line(s) left as they are`,
);
process.exit(leftOut.length || (check && stamped) ? 1 : 0);
