/**
 * `npm run data -- babi`: --dir is where it looks and where it writes (the
 * design review's bug 6: it used to check the default folders and ignore
 * --dir). The download runs against an archive served on 127.0.0.1, built
 * from the local copy, so no internet is needed.
 */
import assert from "node:assert/strict";
import { execFile, execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, Server } from "node:http";
import { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { parseDataArgs } from "../../src/cli/data";
import { BABI_ARCHIVE_URLS, findBabiDir, loadBabiTask } from "../../src/data/babi";
import { CORPORA, findCorpusDir } from "../../src/data/corpus";

const CLI = path.join(__dirname, "..", "..", "src", "cli", "data.js");
const run = promisify(execFile);

/** Runs the CLI; resolves with its exit code and output instead of throwing. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return cliWith({ GRADNOISE_BABI_DIR: "" }, ...args);
}

async function cliWith(env: NodeJS.ProcessEnv, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe("data CLI arguments", () => {
  test("babi with --download, --dir and --url; defaults to the official URLs", () => {
    assert.deepEqual(parseDataArgs(["babi"]), { what: "babi", download: false, urls: BABI_ARCHIVE_URLS });
    assert.deepEqual(parseDataArgs(["babi", "--dir", "d", "--download", "--url", "http://x/a.tgz"]), { what: "babi", download: true, dir: "d", urls: ["http://x/a.tgz"] });
    assert.deepEqual(parseDataArgs(["ptb"]).urls, [...CORPORA.ptb.urls]);
    assert.deepEqual(parseDataArgs(["wikitext2"]).urls, [], "WikiText-2 has no plain-file URL of its own");
  });

  test("unknown datasets, options and missing values are errors that show the usage", () => {
    assert.throws(() => parseDataArgs([]), /usage: npm run data -- babi\|ptb\|wikitext2 .*got ""/);
    assert.throws(() => parseDataArgs(["mnist"]), /usage: .*got "mnist"/);
    assert.throws(() => parseDataArgs(["babi", "--dri", "x"]), /unknown option "--dri"/);
    assert.throws(() => parseDataArgs(["babi", "--dir"]), /--dir needs a value/);
    assert.throws(() => parseDataArgs(["babi", "--dir", "--download"]), /--dir needs a value/);
  });

  test("--help prints the usage and where data is looked for, and exits 0", () => {
    const r = spawnSync(process.execPath, [CLI, "--help"], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^usage: npm run data -- babi\|ptb\|wikitext2/);
    assert.match(r.stdout, /GRADNOISE_PTB_DIR/);
  });
});

describe("data CLI: --dir", () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), "gn-data-cli-"));
  let server: Server;
  let base = "";

  before(async () => {
    // The official archive's layout (tasks_1-20_v1-2/en/qa*.txt), from the local copy.
    const en = path.join(tmp, "archive", "tasks_1-20_v1-2", "en");
    mkdirSync(en, { recursive: true });
    const src = findBabiDir();
    for (const f of readdirSync(src)) if (/^qa\d+_.*\.txt$/.test(f)) copyFileSync(path.join(src, f), path.join(en, f));
    execFileSync("tar", ["-czf", path.join(tmp, "babi.tar.gz"), "-C", path.join(tmp, "archive"), "tasks_1-20_v1-2"]);
    const archive = readFileSync(path.join(tmp, "babi.tar.gz"));
    server = createServer((req, res) => {
      if (req.url === "/babi.tar.gz") res.end(archive);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  test("a folder given with --dir that holds bAbI is reported as found", async () => {
    const r = await cli("babi", "--dir", path.join(tmp, "archive", "tasks_1-20_v1-2"));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), `bAbI found: ${path.join(tmp, "archive", "tasks_1-20_v1-2", "en")}`);
  });

  test("an empty --dir is filled by the download even though the default folder holds bAbI", async () => {
    assert.ok(findBabiDir(), "precondition: the default search finds a copy");
    const dest = path.join(tmp, "fresh");
    const r = await cli("babi", "--dir", dest, "--url", `${base}/babi.tar.gz`);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /bAbI found/);
    assert.match(r.stdout, new RegExp(`bAbI v1\\.2 written to ${dest} \\(40 files, SHA-256 checked\\)`));
    assert.equal(readdirSync(dest).filter((f) => f.endsWith(".txt")).length, 40);
    assert.equal(loadBabiTask(1, { dir: dest }).train.length, 1000);
    // A second call finds it there and downloads nothing.
    const again = await cli("babi", "--dir", dest, "--url", `${base}/missing.tar.gz`);
    assert.equal(again.stdout.trim(), `bAbI found: ${dest}`);
  });

  test("GRADNOISE_BABI_DIR pointing to an empty folder is where the download goes", async () => {
    const dest = path.join(tmp, "from-env");
    const r = await cliWith({ GRADNOISE_BABI_DIR: dest }, "babi", "--url", `${base}/babi.tar.gz`);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`bAbI v1\\.2 written to ${dest} `));
    assert.equal(readdirSync(dest).filter((f) => f.endsWith(".txt")).length, 40);
  });

  test("a failed download names the URL, the status and the folder to fill by hand", async () => {
    const dest = path.join(tmp, "never");
    const r = await cli("babi", "--dir", dest, "--url", `${base}/missing.tar.gz`);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`data: bAbI download failed \\(${base}/missing\\.tar\\.gz: HTTP 404\\); copy tasks_1-20_v1-2/en/ into ${dest} by hand`));
  });
});

describe("data CLI: corpora", () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), "gn-corpus-cli-"));
  const shared = path.join(__dirname, "..", "..", "..", "..", "shared", "datasets", "ptb");
  const skip = existsSync(path.join(shared, "ptb.train.txt")) ? false : "needs the shared PTB copy beside the checkout";
  let server: Server;
  let base = "";

  before(async () => {
    if (skip) return;
    server = createServer((req, res) => {
      const f = path.basename(req.url ?? "");
      if (req.url?.startsWith("/ptb/") && /^ptb\.(train|valid|test)\.txt$/.test(f)) res.end(readFileSync(path.join(shared, f)));
      else if (req.url?.startsWith("/bad/") && f === "ptb.valid.txt") res.end("not the corpus\n");
      else if (req.url?.startsWith("/bad/")) res.end(readFileSync(path.join(shared, f)));
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  test("a copy given with --dir is checked against the published SHA-256", { skip }, async () => {
    const r = await cli("ptb", "--dir", shared);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Penn Treebank \(Mikolov\) found: .*ptb \(SHA-256 checked\)/);
    const edited = path.join(tmp, "edited");
    mkdirSync(edited);
    for (const f of ["ptb.train.txt", "ptb.test.txt"]) copyFileSync(path.join(shared, f), path.join(edited, f));
    writeFileSync(path.join(edited, "ptb.valid.txt"), "edited\n");
    const bad = await cli("ptb", "--dir", edited);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /SHA-256 differs from the published one for ptb\.valid\.txt/);
  });

  test("an empty --dir is filled from the base URL, checked before anything is written", { skip }, async () => {
    const wrong = path.join(tmp, "wrong");
    const r0 = await cli("ptb", "--dir", wrong, "--url", `${base}/bad`);
    assert.equal(r0.code, 1);
    assert.match(r0.stderr, /ptb\.valid\.txt: SHA-256 [0-9a-f]+ is not the published/);
    assert.ok(!existsSync(wrong), "nothing written from a bad source");
    const dest = path.join(tmp, "fresh");
    const r = await cli("ptb", "--dir", dest, "--url", `${base}/missing`, "--url", `${base}/ptb`);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /written to .*fresh \(SHA-256 checked\)/);
    assert.equal(findCorpusDir("ptb", dest), dest);
  });

  test("WikiText-2 without a URL says where to put the files", async () => {
    const dest = path.join(tmp, "wt2");
    const r = await cli("wikitext2", "--dir", dest);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /WikiText-2 \(v1, tokenized\) has no plain-file download; pass --url BASE .*wiki\.train\.tokens.* or copy them into .*wt2/);
  });
});
