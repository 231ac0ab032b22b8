/**
 * Every notebook in JupyterLab, as a user drives it (issue 28): the Lab that
 * `npm run lab` serves (the machine's own, or Debian 13's in the chroot
 * scripts/setup.sh builds), on 127.0.0.1 with a token, in Debian's Chromium
 * through playwright-core, clicking Lab's menus. Per notebook:
 *
 * 1. Run > Run All Cells at the `cpu` scale; Kernel > Interrupt Kernel once a
 *    progress bar moves: the kernel is idle within a second or so, its CPU
 *    goes quiet, the cell says so in one line without a stack;
 * 2. the parameters cell set to `smoke`, Run All again in the same kernel:
 *    every cell runs, no error output, every figure drawn (Lab renders cells
 *    lazily: each figure cell is scrolled to before it is looked at); the
 *    first figure's screenshot is kept (build/test-artifacts/jupyterlab/);
 * 3. File > Save, reload the page: the notebook is trusted (Lab signed it on
 *    save) and every figure draws again;
 * 4. a copy changed outside Lab (so untrusted, like a notebook from
 *    elsewhere): no figure script runs, each figure shows its static image;
 * 5. File > Save and Export Notebook As > HTML: the downloaded report, opened
 *    with every request but its own blocked, draws every figure and typesets
 *    its equations (the server's nbconvert uses the project's template,
 *    cli/jupyterlab.ts).
 *
 * Also `npm run lab` itself from a shell: the URL it prints, the token
 * required, SIGTERM stops it and leaves nothing mounted.
 *
 * Needs JupyterLab and Chromium: skipped without them, unless
 * GRADNOISE_REQUIRE_NOTEBOOKS=1 turns the skip into a failure.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { findChromium, withChromium } from "../../src/cli/browser";
import { KERNEL_NAME, listNotebooks, REPO } from "../../src/cli/jupyter";
import { findLab, type LabServer, missingLabHelp, mountsUnder, startLab } from "../../src/cli/jupyterlab";
import { INTERRUPTED_LINE } from "../../src/engine/interrupt";
import { BAR, cpuSeconds, kernelPid, notebookWorkspace } from "../support/kernel-process";
import { assertMappedError, FAILING_CELLS, writeFailingNotebook } from "../support/failing-notebook";
import { assertTypeset, openOffline } from "../support/offline-page";
import { chromiumTool, needTools, type Missing } from "../support/tools";

const lab = findLab();
function labTool(): Missing | undefined {
  if (!lab) return { tool: "JupyterLab", install: missingLabHelp() };
  if (lab.kind === "chroot" && process.getuid?.() !== 0) return { tool: `root, to enter JupyterLab's chroot ${lab.root}`, install: "run the tests as root, or pip install jupyterlab" };
  return undefined;
}
const tools = needTools("the JupyterLab client test (e2e/jupyterlab-client)", ["GRADNOISE_REQUIRE_NOTEBOOKS"], [labTool(), chromiumTool(findChromium())]);
const skip = tools.skip;

const ARTIFACTS = path.join(REPO, "build", "test-artifacts", "jupyterlab");

// ---- in-page helpers: Lab's app (exposed for tests by --LabApp.expose_app_in_browser) -------

// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const jupyterapp: any;

/** Clicks a top menu, then the item running `command` (following one submenu labelled `via`). */
async function menu(page: Page, top: string, command: string, via?: string): Promise<void> {
  const item = page.locator(`.lm-Menu-item[data-command="${command}"]${via ? ':has-text("HTML")' : ""}`);
  for (let attempt = 1; ; attempt++) {
    await page.click(`#jp-MainMenu .lm-MenuBar-item:has-text("${top}")`);
    // A submenu opens on hover after a delay, and a busy page can miss it: click it open, as a user would.
    if (via) await page.click(`.lm-Menu-item[data-type="submenu"]:has-text("${via}")`);
    try {
      await item.waitFor({ state: "visible", timeout: 10000 });
      break;
    } catch (e) {
      if (attempt === 3) throw e;
      await page.keyboard.press("Escape");
      await page.keyboard.press("Escape");
    }
  }
  await item.click();
}

interface CellView {
  index: number;
  type: string;
  tags: string[];
  count: number | null;
  /** Every output's text: streams, errors, text/plain and text/html (tags stripped). */
  text: string;
  errors: number;
  /** Figures among its outputs (divs of class gn-figure in text/html). */
  figures: number;
}

/** The open notebook's cells, from Lab's model (every cell, rendered or not). */
async function cells(page: Page): Promise<CellView[]> {
  return page.evaluate(() => {
    const nb = jupyterapp.shell.currentWidget.content;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return nb.widgets.map((c: any, index: number) => {
      const m = c.model;
      const outs = m.type === "code" ? m.outputs.toJSON() : [];
      let text = "";
      let figures = 0;
      let errors = 0;
      for (const o of outs) {
        if (o.output_type === "stream") text += [o.text].flat().join("");
        if (o.output_type === "error") {
          errors++;
          text += `${o.ename}: ${o.evalue}\n`;
        }
        if (o.data?.["text/html"]) {
          const h = [o.data["text/html"]].flat().join("");
          figures += (h.match(/class="gn-figure"/g) ?? []).length;
          text += h.replace(/<script[\s\S]*?<\/script>/g, "").replace(/<[^>]+>/g, "") + "\n";
        } else if (o.data?.["text/plain"]) text += [o.data["text/plain"]].flat().join("") + "\n";
      }
      return { index, type: m.type, tags: m.getMetadata?.("tags") ?? [], count: m.type === "code" ? m.executionCount : null, text, errors, figures };
    });
  });
}

/** Kernel idle and no cell pending ("[*]"). */
async function waitIdle(page: Page, timeout: number): Promise<void> {
  await page.waitForFunction(() => {
    const p = jupyterapp.shell.currentWidget;
    const k = p?.sessionContext?.session?.kernel;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return k && k.status === "idle" && !p.content.widgets.some((c: any) => c.model.type === "code" && c.promptNode?.textContent?.includes("*"));
  }, undefined, { timeout, polling: 100 }).catch(async (e: Error) => {
    // Say what was still going on: the kernel's state and the cells still pending.
    const state = await page.evaluate(() => {
      const p = jupyterapp.shell.currentWidget;
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const pending = p.content.widgets.map((c: any, i: number) => [i, c.promptNode?.textContent ?? ""]).filter(([, t]: [number, string]) => t.includes("*"));
      return `kernel ${p.sessionContext?.session?.kernel?.status}; cells pending: ${JSON.stringify(pending)}`;
    });
    throw new Error(`${e.message} (${state})`);
  });
}

async function openNotebook(page: Page, base: string, token: string, rel: string, workspace: string): Promise<void> {
  await page.goto(`${base}/lab/workspaces/${workspace}/tree/${rel}?reset&token=${token}`);
  await page.waitForFunction(() => {
    const p = typeof jupyterapp !== "undefined" && jupyterapp.shell.currentWidget;
    return p && p.context?.isReady && p.sessionContext?.session?.kernel?.status === "idle";
  }, undefined, { timeout: 120000, polling: 200 });
}

/**
 * Scrolls to each figure cell (Lab renders only what is near the view) and counts
 * its figures drawn by plotly and those showing their static image.
 */
async function figuresShown(page: Page, expect: "drawn" | "static", timeout = 60000): Promise<{ figures: number; drawn: number; static: number }> {
  const total = { figures: 0, drawn: 0, static: 0 };
  for (const c of (await cells(page)).filter((x) => x.figures > 0)) {
    await page.evaluate((i) => jupyterapp.shell.currentWidget.content.scrollToItem(i, "center"), c.index);
    const sel = expect === "drawn" ? "svg.main-svg" : "img.gn-static";
    await page.waitForFunction(([i, n, s]) => {
      const node = jupyterapp.shell.currentWidget.content.widgets[i as number].node as HTMLElement;
      const figs = Array.from(node.querySelectorAll(".gn-figure"));
      return figs.length === n && figs.every((d) => d.querySelector(s as string));
    }, [c.index, c.figures, sel], { timeout, polling: 200 }).catch(() => undefined);
    const seen = await page.evaluate((i) => {
      const node = jupyterapp.shell.currentWidget.content.widgets[i].node as HTMLElement;
      const figs = Array.from(node.querySelectorAll(".gn-figure"));
      return { figures: figs.length, drawn: figs.filter((d) => d.querySelector("svg.main-svg")).length, static: figs.filter((d) => d.querySelector("img.gn-static")).length };
    }, c.index);
    total.figures += seen.figures;
    total.drawn += seen.drawn;
    total.static += seen.static;
  }
  return total;
}

/** The user's edit of the parameters cell, on the file before Lab opens it (as the classic test does). */
function setParameters(file: string, scale: string): void {
  const nb = JSON.parse(readFileSync(file, "utf8")) as { cells: { cell_type: string; metadata: { tags?: string[] }; source: string[] | string }[] };
  const cell = nb.cells.find((c) => (c.metadata.tags ?? []).includes("parameters"));
  assert.ok(cell, `${file}: no cell tagged "parameters"`);
  const src = [cell.source].flat().join("");
  assert.match(src, /let scale\b/, `${file}: the parameters cell declares no \`let scale\``);
  cell.source = src.replace(/(let scale\b[^=]*=\s*)"[a-z]+"/, `$1"${scale}"`).replace(/(let trainMissing\b[^=]*=\s*)[^;]+;/, "$1true;");
  writeFileSync(file, JSON.stringify(nb, null, 1) + "\n");
}

// ---- the tests ---------------------------------------------------------------------------

describe("notebooks in JupyterLab (Chromium)", { skip }, () => {
  let work = "";
  let server: LabServer | undefined;
  let base = "";

  before(async () => {
    tools.assertPresent();
    work = notebookWorkspace(REPO, listNotebooks(), "gn-lab-");
    mkdirSync(path.join(work, ".results"));
    mkdirSync(ARTIFACTS, { recursive: true });
    server = await startLab({
      port: null, notebookDir: work, lab: lab!,
      env: { ...process.env, GRADNOISE_RESULTS_DIR: path.join(work, ".results") }, // fresh: sweeps really train
      serverArgs: ["--LabApp.expose_app_in_browser=True"], // jupyterapp in the page, for waiting on Lab's model
      log: path.join(work, "server.log"),
    });
    base = new URL(server.url).origin;
  });

  after(async () => {
    await server?.stop();
    if (server?.lab.kind === "chroot") assert.deepEqual(mountsUnder(server.lab.root).filter((m) => m.includes(work)), [], "the test's folder is still mounted in the chroot");
    if (work) rmSync(work, { recursive: true, force: true });
  });

  // What the user sees in Lab's output area when a cell throws: the patched kernel's traceback
  // (docs/tslab-patches.md) names their cell and line, library frames cut, and Run All stops there.
  test("a failing cell: Lab shows the error at the user's cell and line, and Run All stops there; protocol replies through Lab's kernel connection", async () => {
    writeFailingNotebook(work);
    await withChromium(async (browser: Browser) => {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      await openNotebook(page, base, server!.token, "failing-cell.ipynb", "failing-cell");
      await menu(page, "Run", "runmenu:run-all");
      await page.waitForFunction(() => jupyterapp.shell.currentWidget.content.widgets[1].model.outputs.length > 0, undefined, { timeout: 120000 });
      await waitIdle(page, 30000);
      const view = await cells(page);
      const shown = (await page.locator(".jp-Cell").nth(1).locator(".jp-OutputArea-output").innerText()).split("\n");
      assert.equal(view[1].errors, 1, `the failing cell has ${view[1].errors} error outputs`);
      assertMappedError("JupyterLab", shown, view.map((c) => c.count));

      // The protocol replies as Lab's own kernel connection gets them (the kernel Lab's server started).
      const replies = await page.evaluate(async () => {
        const k = jupyterapp.shell.currentWidget.sessionContext.session.kernel;
        const info = (await k.requestKernelInfo()).content;
        const incomplete = (await k.requestIsComplete({ code: "function g(n: number) {" })).content.status;
        const complete = (await k.requestIsComplete({ code: "const z = 1;" })).content.status;
        const history = (await k.requestHistory({ output: false, raw: true, hist_access_type: "tail", n: 5 })).content;
        const comm = (await k.requestCommInfo({})).content.status;
        const results: unknown[] = [];
        const future = k.requestExecute({ code: "6 * 7" });
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        future.onIOPub = (m: any) => { if (m.header.msg_type === "execute_result") results.push(m.content.data["text/plain"]); };
        const done = (await future.done).content.status;
        return { status: info.status, language: info.language_info.name, incomplete, complete, history: history.history.map((h: unknown[]) => h[2]), comm, results, done };
      });
      assert.deepEqual(
        { status: replies.status, language: replies.language, incomplete: replies.incomplete, complete: replies.complete, comm: replies.comm, results: replies.results, done: replies.done },
        { status: "ok", language: "typescript", incomplete: "incomplete", complete: "complete", comm: "ok", results: ["42"], done: "ok" },
      );
      assert.ok(replies.history.includes(FAILING_CELLS[1]), `history through Lab lacks the cell that ran:\n${JSON.stringify(replies.history)}`);
      await page.evaluate(() => jupyterapp.shell.currentWidget.sessionContext.shutdown());
      await page.close();
    });
  });

  for (const nbPath of listNotebooks()) {
    const file = path.basename(nbPath);
    const stem = path.basename(file, ".ipynb");
    test(`${file}: run all, interrupt, re-run, save and reload, untrusted copy, export as HTML`, async () => {
      await withChromium(async (browser: Browser) => {
        const ctx = await browser.newContext({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true });
        const page = await ctx.newPage();
        const saved = path.join(work, "notebooks", file);
        setParameters(saved, "cpu");
        await openNotebook(page, base, server!.token, `notebooks/${file}`, stem);
        const kernel = await page.evaluate(() => ({ id: jupyterapp.shell.currentWidget.sessionContext.session.kernel.id, name: jupyterapp.shell.currentWidget.sessionContext.session.kernel.name }));
        assert.equal(kernel.name, KERNEL_NAME, `${file} opened with kernel ${kernel.name}`);
        const pid = kernelPid(kernel.id);

        // 1. Run All, then Kernel > Interrupt Kernel while a progress bar moves.
        await menu(page, "Run", "runmenu:run-all");
        const barCell = await page.waitForFunction((bar) => {
          const p = jupyterapp.shell.currentWidget;
          const ws = p.content.widgets;
          for (let i = 0; i < ws.length; i++) {
            if (!ws[i].promptNode?.textContent?.includes("*")) continue;
            // eslint-disable-next-line @typescript-eslint/no-explicit-any
            const text = ws[i].model.outputs.toJSON().map((o: any) => [o.text ?? o.data?.["text/plain"] ?? o.data?.["text/html"] ?? ""].flat().join("")).join("");
            if (new RegExp(bar).test(text)) return i;
          }
          // eslint-disable-next-line @typescript-eslint/no-explicit-any
          const busy = p.sessionContext.session.kernel.status !== "idle" || ws.some((c: any) => c.promptNode?.textContent?.includes("*"));
          return busy ? null : -1;
        }, BAR.source, { timeout: 300000, polling: 100 }).then((h) => h.jsonValue() as Promise<number>);
        if (barCell >= 0) {
          await page.waitForTimeout(1500); // training under way
          const t0 = Date.now();
          await menu(page, "Kernel", "kernelmenu:interrupt");
          await waitIdle(page, 10000);
          const idleMs = Date.now() - t0;
          console.log(`# ${file}: idle ${idleMs} ms after Kernel > Interrupt Kernel`);
          // Same bound as the classic client test (one LM window took 3.3 s beside two sweep workers).
          assert.ok(idleMs < 5000, `${file}: kernel idle ${idleMs} ms after Kernel > Interrupt`);
          await page.waitForTimeout(500);
          const c0 = cpuSeconds(pid);
          const bar0 = (await cells(page))[barCell].text;
          await page.waitForTimeout(2000);
          const busy = cpuSeconds(pid) - c0;
          assert.ok(busy < 0.5, `${file}: the kernel used ${busy.toFixed(2)} CPU s in the 2 s after the interrupt`);
          const stopped = (await cells(page))[barCell];
          assert.equal(stopped.text, bar0, `${file}: the cell's output changed after the interrupt`);
          // One line says so: the engine's (stock tslab) or the patched kernel's (docs/tslab-patches.md).
          const said = stopped.text.split("\n").filter((l) => l.includes(INTERRUPTED_LINE) || /^Interrupted: Kernel > Interrupt stopped the cell$/.test(l.trim()));
          assert.equal(said.length, 1, `${file}: the interrupted cell does not say so once:\n${stopped.text}`);
          assert.ok(!/Interrupted asynchronously|^\s+at /m.test(stopped.text), `${file}: tslab's error and stack are shown:\n${stopped.text}`);
        } else {
          const failed = (await cells(page)).filter((c) => c.errors > 0 || /Error/.test(c.text));
          assert.deepEqual(failed.map((c) => `${c.index}: ${c.text.slice(0, 1500)}`), [], `${file}: Run All at cpu scale failed`);
          console.log(`# ${file}: no progress bar during Run All: nothing long to interrupt`);
        }

        // 2. The parameters cell set to smoke; Run All again in the same kernel.
        const maxBefore = Math.max(0, ...(await cells(page)).map((c) => c.count ?? 0));
        await page.evaluate(() => {
          // eslint-disable-next-line @typescript-eslint/no-explicit-any
          const c = jupyterapp.shell.currentWidget.content.widgets.find((w: any) => (w.model.getMetadata("tags") ?? []).includes("parameters"));
          c.model.sharedModel.setSource(c.model.sharedModel.getSource().replace(/(let scale\b[^=]*=\s*)"[a-z]+"/, '$1"smoke"'));
        });
        const t1 = Date.now();
        await menu(page, "Run", "runmenu:run-all");
        await page.waitForFunction((max) => {
          // eslint-disable-next-line @typescript-eslint/no-explicit-any
          return jupyterapp.shell.currentWidget.content.widgets.every((c: any) => c.model.type !== "code" || !c.model.sharedModel.getSource().trim() || (c.model.executionCount ?? 0) > max);
        }, maxBefore, { timeout: 900000, polling: 500 }).catch(async () => {
          const bad = (await cells(page)).filter((c) => (c.type === "code" && !((c.count ?? 0) > maxBefore)) || c.errors > 0);
          throw new Error(`${file}: Run All did not complete; cells not run: ${bad.map((c) => `${c.index}: ${c.text.slice(-600)}`).join("\n---\n")}`);
        });
        await waitIdle(page, 60000);
        console.log(`# ${file}: Run All at smoke scale ${((Date.now() - t1) / 1000).toFixed(1)} s`);
        const rerun = await cells(page);
        const errors = rerun.filter((c) => c.errors > 0 || /Error|Interrupted|\(interrupted\)/.test(c.text));
        assert.deepEqual(errors.map((c) => `${c.index}: ${c.text.slice(0, 2000)}`), [], `${file}: error outputs after Run All`);
        if (barCell >= 0) assert.match(rerun[barCell].text, /100%/, `${file}: the re-run's progress bar did not finish`);
        const drawn = await figuresShown(page, "drawn");
        assert.ok(drawn.figures >= 1 && drawn.drawn === drawn.figures, `${file}: ${drawn.drawn} of ${drawn.figures} figures drawn after Run All`);
        const first = rerun.find((c) => c.figures > 0)!;
        await page.evaluate((i) => jupyterapp.shell.currentWidget.content.scrollToItem(i, "center"), first.index);
        const shot = path.join(ARTIFACTS, `${stem}.png`);
        await page.locator(".jp-Notebook .gn-figure").first().screenshot({ path: shot });
        console.log(`# ${file}: first figure: ${shot}`);

        // 3. File > Save, reload: the notebook Lab signed is trusted, its figures draw again.
        await menu(page, "File", "docmanager:save");
        await page.waitForFunction(() => !jupyterapp.shell.currentWidget.context.model.dirty, undefined, { timeout: 30000 });
        await page.reload();
        await page.waitForFunction(() => typeof jupyterapp !== "undefined" && jupyterapp.shell.currentWidget?.context?.isReady, undefined, { timeout: 120000 });
        const reloaded = await figuresShown(page, "drawn");
        assert.equal(reloaded.figures, drawn.figures, `${file}: figure count changed across the reload`);
        assert.equal(reloaded.drawn, reloaded.figures, `${file}: after a reload ${reloaded.drawn} of ${reloaded.figures} figures draw`);

        // 4. Export: File > Save and Export Notebook As > HTML; the download opened with the network blocked.
        const download = new Promise<import("playwright-core").Download>((resolve) => {
          page.once("download", resolve);
          ctx.once("page", (p) => p.once("download", resolve));
        });
        await menu(page, "File", "notebook:export-to-format", "Save and Export Notebook As");
        const html = path.join(work, `${stem}.lab-export.html`);
        await (await download).saveAs(html);
        const { page: report, requested } = await openOffline(() => ctx.newPage(), html);
        await report.waitForFunction(() => Array.from(document.querySelectorAll(".gn-figure")).every((d) => d.querySelector("svg.main-svg")), undefined, { timeout: 60000 }).catch(() => undefined);
        const inReport = await report.evaluate(() => {
          const divs = Array.from(document.querySelectorAll(".gn-figure"));
          return { figures: divs.length, drawn: divs.filter((d) => d.querySelector("svg.main-svg")).length };
        });
        console.log(`# ${file}: Lab's HTML export ${(readFileSync(html).length / 2 ** 20).toFixed(1)} MB, ${requested.length} outside request(s)`);
        assert.equal(inReport.figures, drawn.figures, `${file}: the export has ${inReport.figures} figures, the notebook ${drawn.figures}`);
        assert.equal(inReport.drawn, inReport.figures, `${file}: ${inReport.drawn} of ${inReport.figures} figures draw in the export offline`);
        assert.deepEqual(requested, [], `${file}: the export requested ${requested.join(", ")}`);
        await assertTypeset(report, saved, `${file}: the export`);
        await report.close();
        await page.evaluate(() => jupyterapp.shell.currentWidget.sessionContext.shutdown());

        // 5. A copy changed outside Lab is not trusted: no figure script runs, every figure shows its static image.
        const copy = path.join(work, "notebooks", `${stem}-copy.ipynb`);
        const nb = JSON.parse(readFileSync(saved, "utf8"));
        nb.metadata = { ...nb.metadata, copied: "from elsewhere" };
        writeFileSync(copy, JSON.stringify(nb, null, 1) + "\n");
        await openNotebook(page, base, server!.token, `notebooks/${stem}-copy.ipynb`, `${stem}-copy`);
        assert.equal(await page.evaluate(() => jupyterapp.shell.currentWidget.content.widgets.some((c: { model: { trusted: boolean } }) => c.model.trusted)), false, `${file}: a copy changed outside Lab is trusted`);
        const untrusted = await figuresShown(page, "static");
        assert.equal(untrusted.figures, drawn.figures, `${file}: the untrusted copy has ${untrusted.figures} figures`);
        assert.equal(untrusted.drawn, 0, `${file}: ${untrusted.drawn} figures drawn by scripts in an untrusted notebook`);
        assert.equal(untrusted.static, untrusted.figures, `${file}: ${untrusted.static} of ${untrusted.figures} figures show their static image untrusted`);
        await page.evaluate(() => jupyterapp.shell.currentWidget.sessionContext.shutdown());
        await ctx.close();
      });
    });
  }
});

describe("npm run lab from a shell", { skip }, () => {
  test("prints a tokened 127.0.0.1 URL; the kernel is there; no token, no entry; SIGTERM stops it and unmounts", async () => {
    tools.assertPresent();
    const cli = spawn(process.execPath, [path.join(REPO, "dist", "cli", "lab.js")], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    cli.stdout!.on("data", (b: Buffer) => { out += b.toString(); });
    cli.stderr!.on("data", (b: Buffer) => { err += b.toString(); });
    const exited = new Promise<number | null>((r) => cli.once("exit", (code) => r(code)));
    const t0 = Date.now();
    while (!/lab: open (\S+)/.test(out)) {
      assert.ok(cli.exitCode === null, `npm run lab exited ${cli.exitCode}:\n${out}\n${err}`);
      assert.ok(Date.now() - t0 < 150000, `npm run lab printed no URL in 150 s:\n${out}\n${err}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    try {
      const url = new URL(out.match(/lab: open (\S+)/)![1]);
      assert.equal(url.hostname, "127.0.0.1");
      const token = url.searchParams.get("token") ?? "";
      assert.match(token, /^[0-9a-f]{48}$/);
      const specs = (await (await fetch(`${url.origin}/api/kernelspecs`, { headers: { Authorization: `token ${token}` } })).json()) as { kernelspecs: Record<string, { spec: { display_name: string } }> };
      assert.equal(specs.kernelspecs[KERNEL_NAME]?.spec.display_name, "TypeScript (gradnoise)");
      assert.equal((await fetch(`${url.origin}/api/kernelspecs`)).status, 403, "the API answered without the token");
    } finally {
      cli.kill("SIGTERM");
    }
    assert.equal(await exited, 0, `npm run lab did not stop cleanly on SIGTERM:\n${out}\n${err}`);
    if (lab?.kind === "chroot") assert.deepEqual(mountsUnder(lab.root).filter((m) => m.includes(REPO)), [], "the checkout is still mounted in the chroot after SIGTERM");
  });
});
