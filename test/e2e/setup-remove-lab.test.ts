/**
 * `bash scripts/setup.sh --remove-lab` from a shell, on a stand-in for
 * JupyterLab's chroot (GRADNOISE_LAB_ROOT; the real one takes minutes to
 * build): what a killed `npm run lab` left mounted is unmounted, the root is
 * deleted, and nothing behind a mount is touched; a live session stops it.
 * Needs root (mount): skipped otherwise.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, describe, test } from "node:test";
import { REPO } from "../../src/cli/jupyter";
import { LAB_STAMP, mountsUnder } from "../../src/cli/jupyterlab";

const skip = process.getuid?.() === 0 ? false : "needs root to mount (run the tests as root)";

function removeLab(root: string) {
  return spawnSync("bash", [path.join(REPO, "scripts", "setup.sh"), "--remove-lab"], { encoding: "utf8", env: { ...process.env, GRADNOISE_LAB_ROOT: root }, timeout: 120000 });
}

describe("setup.sh --remove-lab", { skip }, () => {
  const tmp = mkdtempSync(path.join(tmpdir(), "gn-rmlab-"));
  const root = path.join(tmp, "root");
  const outside = path.join(tmp, "checkout");
  after(() => {
    for (const m of mountsUnder(root)) spawnSync("umount", ["-l", m]);
    rmSync(tmp, { recursive: true, force: true });
  });

  test("refuses while a session is alive, then unmounts what a killed one left and deletes the root only", () => {
    for (const d of [path.join(root, "proc"), path.join(root, "work", "checkout"), path.join(root, ".gradnoise-sessions"), outside]) mkdirSync(d, { recursive: true });
    writeFileSync(path.join(root, LAB_STAMP), "jupyterlab\n");
    writeFileSync(path.join(outside, "notebook.ipynb"), "{}\n");
    assert.equal(spawnSync("mount", ["-t", "proc", "proc", path.join(root, "proc")]).status, 0);
    assert.equal(spawnSync("mount", ["--bind", outside, path.join(root, "work", "checkout")]).status, 0);

    // A live session (a node process whose command line names lab.js stands in for `node dist/cli/lab.js`): nothing is touched.
    const session = spawn(process.execPath, ["-e", "setTimeout(() => {}, 120000)", "lab.js"], { stdio: "ignore" });
    const mine = path.join(root, ".gradnoise-sessions", String(session.pid));
    writeFileSync(mine, JSON.stringify({ pid: session.pid, mounts: [] }));
    const refused = removeLab(root);
    session.kill("SIGKILL");
    assert.equal(refused.status, 1, refused.stdout + refused.stderr);
    assert.match(refused.stderr, new RegExp(`npm run lab is still running \\(pid ${session.pid}`));
    assert.equal(mountsUnder(root).length, 2);

    // The session was killed: its record stays behind, its mounts too.
    rmSync(mine);
    writeFileSync(path.join(root, ".gradnoise-sessions", "2147483646"), JSON.stringify({ pid: 2147483646, mounts: [] }));
    const r = removeLab(root);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.deepEqual(mountsUnder(root), [], "still mounted");
    assert.ok(!existsSync(root), `${root} is still there`);
    assert.equal(readFileSync(path.join(outside, "notebook.ipynb"), "utf8"), "{}\n", "a file behind a mount was deleted");

    const again = removeLab(root);
    assert.equal(again.status, 0);
    assert.match(again.stdout, /no JupyterLab chroot at/);
  });
});
