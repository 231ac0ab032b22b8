/**
 * `npm run data -- babi`: --dir is where it looks and where it writes (the
 * design review's bug 6: it used to check the default folders and ignore
 * --dir). The download runs against an archive served on 127.0.0.1, built
 * from the local copy, so no internet is needed.
 */
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer, Server } from "node:http";
import { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { parseDataArgs } from "../src/cli/data";
import { BABI_ARCHIVE_URLS, findBabiDir, loadBabiTask } from "../src/data/babi";

const CLI = path.join(__dirname, "..", "src", "cli", "data.js");
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
    assert.deepEqual(parseDataArgs(["babi"]), { download: false, urls: BABI_ARCHIVE_URLS });
    assert.deepEqual(parseDataArgs(["babi", "--dir", "d", "--download", "--url", "http://x/a.tgz"]), { download: true, dir: "d", urls: ["http://x/a.tgz"] });
  });

  test("unknown datasets, options and missing values are errors that show the usage", () => {
    assert.throws(() => parseDataArgs([]), /usage: npm run data -- babi .*got ""/);
    assert.throws(() => parseDataArgs(["mnist"]), /usage: .*got "mnist"/);
    assert.throws(() => parseDataArgs(["babi", "--dri", "x"]), /unknown option "--dri"/);
    assert.throws(() => parseDataArgs(["babi", "--dir"]), /--dir needs a value/);
    assert.throws(() => parseDataArgs(["babi", "--dir", "--download"]), /--dir needs a value/);
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
