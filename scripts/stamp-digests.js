#!/usr/bin/env node
// One-off migration (issue 24): give the committed results records, written
// before records carried a content digest, the `digest` the sweep now writes
// with every record (fingerprint.ts, recordDigest: the SHA-256 of the
// canonical JSON of the record without its digest), so that the store can
// set aside any record whose content was edited after it was written.
//
//   npx tsc -p tsconfig.build.json && node scripts/stamp-digests.js [--check] [--dir DIR]
//
// Every results file `<id>-<scale><tag>.jsonl` directly in DIR (default: the
// project's results folder, resultsDir()) is attributed to the sweep that
// writes it (an experiment's standard sweep at one of its scales, or one of
// its declared studies) by experiments/writers.ts's sweepWriters(); a file that
// none writes stops the script before anything is written.
//
// A record is stamped when it has no `digest` and the sweep's own test
// (whyNotCounted: key planned, fingerprint the plan's, spec fields, measures
// with their types and ranges) counts it once its digest is there. The
// field is appended as the record's last key, where the sweep puts it, by
// inserting `,"digest":"..."` before the line's closing brace: every other
// byte of every line, and every other line, stays as it is. Files are
// rewritten atomically and only when something changed. Records that the
// sweep would not count, and records whose digest is wrong, are left as they
// are and listed. Idempotent: a second run stamps nothing.
//
// --check: report what would be stamped, write nothing.
// Exit status: 0 when (after stamping; with --check: already) every record
// of every results file carries a valid digest; 1 otherwise; 2 on a usage
// error or a file that cannot be attributed.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const ROOT = path.join(__dirname, "..");
const dist = (m) => require(path.join(ROOT, "dist", m));

const { sweepWriters } = dist("experiments/writers");
const { planSweep, whyNotCounted } = dist("experiments/sweep");
const { digestProblem, recordDigest } = dist("experiments/fingerprint");
const { writeFileAtomic } = dist("experiments/merge");
const { resultsDir } = dist("experiments/paths");

function usage(msg) {
  if (msg) console.error(msg);
  console.error("usage: node scripts/stamp-digests.js [--check] [--dir DIR]");
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
let already = 0;
const leftOut = [];
for (const name of files) {
  const { label, plan } = byFile.get(name);
  const file = path.join(dir, name);
  const parts = fs.readFileSync(file, "utf8").split("\n");
  let here = 0;
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
    const isObject = value !== null && typeof value === "object" && !Array.isArray(value);
    if (isObject && "digest" in value) {
      const bad = digestProblem(value);
      if (bad) leftOut.push(`${where}: ${bad}; left as it is`);
      else already++;
      return;
    }
    let digest;
    try {
      digest = isObject ? recordDigest(value) : undefined;
    } catch (e) {
      leftOut.push(`${where}: cannot be digested (${e.message}); left as it is`);
      return;
    }
    const why = whyNotCounted(plan, isObject ? { ...value, digest } : value);
    if (why !== undefined) {
      leftOut.push(`${where}: the sweep would not count it (${why}); left as it is`);
      return;
    }
    const line = raw.trimEnd();
    if (!line.endsWith("}")) throw new Error(`${where}: a record line that does not end with "}"`);
    const body = line.slice(0, -1);
    const next = `${body}${body.trimEnd().endsWith("{") ? "" : ","}"digest":${JSON.stringify(digest)}}${raw.slice(line.length)}`;
    // The new line must be the old record with the digest as its last key, and nothing else.
    const back = JSON.parse(next);
    const keys = Object.keys(back);
    if (keys.length !== Object.keys(value).length + 1 || keys[keys.length - 1] !== "digest" || JSON.stringify(back) !== JSON.stringify({ ...value, digest }) || digestProblem(back)) {
      throw new Error(`${where}: inserting the digest would change the record`);
    }
    parts[i] = next + cr;
    here++;
  });
  stamped += here;
  if (here) console.log(`${rel(file)} (${label}): ${check ? "would stamp" : "stamped"} ${here} record(s)`);
  if (here && !check) writeFileAtomic(file, parts.join("\n"));
}

for (const l of leftOut) console.warn(l);
console.log(`${files.length} results file(s) in ${rel(dir)}: ${check ? "would stamp" : "stamped"} ${stamped} record(s); ${already} already carried a valid digest; ${leftOut.length} line(s) left as they are`);
process.exit(leftOut.length || (check && stamped) ? 1 : 0);
