/**
 * `npm run lab`'s plan, without a server: its arguments, the mounts a chroot
 * session makes (and which are a killed session's), the server's command line.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, describe, test } from "node:test";
import { REPO } from "../../../src/cli/jupyter";
import { LabUsageError, mountPlan, mountsUnder, newToken, parseLabArgs, serverCommand, staleMounts } from "../../../src/cli/jupyterlab";

describe("npm run lab's arguments", () => {
  test("defaults: the checkout's notebooks/, port chosen at start", () => {
    assert.deepEqual(parseLabArgs([]), { port: null, notebookDir: path.join(REPO, "notebooks") });
  });
  test("--port and --notebook-dir (relative to where it runs)", () => {
    assert.deepEqual(parseLabArgs(["--port", "9123", "--notebook-dir", "notebooks"], REPO), { port: 9123, notebookDir: path.join(REPO, "notebooks") });
  });
  test("--help is null: usage, nothing started", () => {
    assert.equal(parseLabArgs(["--port", "1", "--help"]), null);
  });
  for (const [args, message] of [
    [["--port"], /--port needs a value/],
    [["--port", "--help"], /--port needs a value/],
    [["--port", "0"], /1 to 65535/],
    [["--port", "70000"], /1 to 65535/],
    [["--port", "88a"], /whole number/],
    [["--notebook-dir", "/no/such/folder"], /no such folder/],
    [["--token", "x"], /unknown argument --token/],
  ] as [string[], RegExp][]) {
    test(`refuses ${args.join(" ")}`, () => assert.throws(() => parseLabArgs(args), (e: Error) => e instanceof LabUsageError && message.test(e.message)));
  }
});

describe("a chroot session's mounts", () => {
  const tmp = mkdtempSync(path.join(tmpdir(), "gn-labplan-"));
  after(() => rmSync(tmp, { recursive: true, force: true }));
  const repo = path.join(tmp, "checkout");
  const shared = path.join(tmp, "shared");
  for (const d of [repo, path.join(repo, "data"), path.join(repo, "notebooks"), path.join(shared, "node_modules"), path.join(shared, "datasets", "babi"), path.join(tmp, "elsewhere")]) mkdirSync(d, { recursive: true });
  symlinkSync(path.join(shared, "node_modules"), path.join(repo, "node_modules"));
  symlinkSync("../../shared/datasets/babi", path.join(repo, "data", "babi"));
  symlinkSync(path.join(repo, "notebooks"), path.join(repo, "inside-link")); // points inside: nothing more to mount
  symlinkSync(path.join(tmp, "gone"), path.join(repo, "dangling"));
  const root = "/var/lib/x/root";

  test("/proc, /dev, the checkout and the folders its links reach outside it, each at its own path", () => {
    const plan = mountPlan(root, repo, path.join(repo, "notebooks"));
    assert.deepEqual(plan, [
      { source: "proc", target: `${root}/proc`, type: "proc" },
      { source: "/dev", target: `${root}/dev`, type: "bind" },
      { source: repo, target: root + repo, type: "bind" },
      { source: path.join(shared, "datasets", "babi"), target: root + path.join(shared, "datasets", "babi"), type: "bind" },
      { source: path.join(shared, "node_modules"), target: root + path.join(shared, "node_modules"), type: "bind" },
    ]);
  });
  test("a notebook folder outside the checkout is mounted too; one folder covers those below it", () => {
    const targets = mountPlan(root, repo, path.join(tmp, "elsewhere")).map((m) => m.source);
    assert.ok(targets.includes(path.join(tmp, "elsewhere")));
    const covered = mountPlan(root, repo, shared).map((m) => m.source);
    assert.deepEqual(covered.slice(3), [shared]);
  });
  test("mounts under the root are read from mountinfo, deepest first, escapes decoded", () => {
    const line = (target: string) => `36 35 98:0 / ${target} rw,noatime master:1 - ext3 /dev/root rw`;
    const info = [line("/"), line(`${root}/proc`), line(`${root}/work/a\\040b`), line(`${root}/work/a\\040b/x`), line(`${root}x/proc`)].join("\n");
    assert.deepEqual(mountsUnder(root, info), [`${root}/work/a b/x`, `${root}/work/a b`, `${root}/proc`]);
  });
  test("a mount no live session records is stale (a killed session's)", () => {
    assert.deepEqual(staleMounts([`${root}/proc`, `${root}/dev`, `${root}/work/a`], [`${root}/proc`, `${root}/dev`]), [`${root}/work/a`]);
    assert.deepEqual(staleMounts([`${root}/proc`], []), [`${root}/proc`]);
  });
});

describe("the server's command", () => {
  const token = newToken();
  test("tokens are random and long", () => {
    assert.match(token, /^[0-9a-f]{48}$/);
    assert.notEqual(newToken(), token);
  });
  test("the chroot: loopback, fixed port, the token in the environment (not argv), the checkout's kernelspec, a clean PATH", () => {
    const c = serverCommand({ kind: "chroot", root: "/r", where: "" }, 9001, "/nb", token, { PATH: "/root/.pyenv/shims", GRADNOISE_SCALE: "smoke", SECRET: "x" }, true);
    assert.equal(c.command, "chroot");
    assert.deepEqual(c.args, ["/r", "python3", "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", "--port=9001", "--port-retries=0", "--ServerApp.root_dir=/nb", "--allow-root", "--HTMLExporter.template_name=gradnoise", "--SlidesExporter.template_name=reveal"]);
    assert.ok(!c.args.join(" ").includes(token));
    assert.equal(c.env.JUPYTER_TOKEN, token);
    assert.equal(c.env.GRADNOISE_SCALE, "smoke");
    assert.equal(c.env.SECRET, undefined);
    assert.doesNotMatch(c.env.PATH!, /pyenv/);
    assert.equal(c.env.JUPYTER_PATH, `${path.join(REPO, "build", "jupyterlab")}:${path.join(REPO, "build", "jupyterlab-export")}`);
  });
  test("the host's Lab: its own command, this checkout's kernel first on JUPYTER_PATH, no --allow-root for a user", () => {
    const c = serverCommand({ kind: "host", command: ["/usr/bin/python3", "-m", "jupyterlab"], where: "" }, 9002, "/nb", token, { JUPYTER_PATH: "/theirs" }, false);
    assert.equal(c.command, "/usr/bin/python3");
    assert.deepEqual(c.args.slice(0, 2), ["-m", "jupyterlab"]);
    assert.ok(!c.args.includes("--allow-root"));
    assert.ok(c.args.includes("--ip=127.0.0.1"));
    assert.equal(c.env.JUPYTER_TOKEN, token);
    assert.equal(c.env.JUPYTER_PATH, `${path.join(REPO, "build", "jupyter")}:/theirs:${path.join(REPO, "build", "jupyterlab-export")}`);
  });
});
