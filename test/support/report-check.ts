/**
 * A reader's check of one report (reports/<name>.html and its code-free
 * <name>.nocode.html), in Chromium with every request but the file blocked:
 * the notebook's title, a contents list whose links land on headings, code
 * folded with a working show/hide-all toggle and per-cell folds (those work
 * with JavaScript off too), no output in a scroll box, every figure drawn,
 * plotly's cartesian bundle inlined once, under the size budget, zero
 * external requests. Shared by
 * e2e/notebook-reports (an exported notebook) and e2e/notebooks (every
 * notebook executed at smoke scale).
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { inspectFigures } from "../../src/cli/browser";
import { variantFile } from "../../src/report/reader";

/** The size budget of a report, either variant (issue 28). */
export const REPORT_BUDGET_BYTES = 2_500_000;

/** Opens `file` with the network blocked; returns the page and the requests it tried. */
async function openOffline(browser: Browser, file: string, javaScriptEnabled = true): Promise<{ page: Page; blocked: string[]; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1300, height: 900 }, javaScriptEnabled });
  const page = await context.newPage();
  const blocked: string[] = [];
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.route("**/*", (route) => {
    if (route.request().url() === `file://${file}`) return route.continue();
    blocked.push(route.request().url());
    return route.abort();
  });
  return { page, blocked, errors };
}

/** Outputs that scroll instead of showing whole: overflow-y auto/scroll with hidden content. */
const scrollBoxes = (page: Page) =>
  page.$$eval(".jp-Cell-outputArea, .jp-OutputArea, .jp-OutputArea-child, .jp-OutputArea-output", (els) =>
    els.filter((e) => /auto|scroll/.test(getComputedStyle(e).overflowY) && e.scrollHeight > e.clientHeight + 2).map((e) => e.className),
  );

export interface ReportSummary {
  title: string;
  contents: number;
  folds: number;
  figures: number;
  bytes: number;
  nocodeBytes: number;
}

/** Runs the whole check on `file` (an absolute path); `name` labels the failures; `screenshot` saves the page as first shown. */
export async function checkReport(browser: Browser, file: string, name: string, opts: { figures?: boolean; screenshot?: string } = {}): Promise<ReportSummary> {
  const nocode = variantFile(file, "none");
  assert.ok(existsSync(nocode), `${name}: no code-free variant ${nocode}`);
  const bytes = statSync(file).size;
  const nocodeBytes = statSync(nocode).size;
  assert.ok(bytes < REPORT_BUDGET_BYTES, `${name}: the report is ${bytes} bytes, over ${REPORT_BUDGET_BYTES}`);
  assert.ok(nocodeBytes < REPORT_BUDGET_BYTES, `${name}: the code-free report is ${nocodeBytes} bytes, over ${REPORT_BUDGET_BYTES}`);

  if (opts.figures !== false) {
    // plotly.js's licence header opens each copy of the bundle: one per report, the cartesian build.
    const copies = readFileSync(file, "utf8").match(/\* plotly\.js (\([a-z -]+\) )?v\d/g) ?? [];
    assert.deepEqual(copies.map((c) => c.includes("cartesian")), [true], `${name}: plotly.js inlined ${copies.length} times (${copies.join("; ")}), not the cartesian build once`);
  }
  const { page, blocked, errors } = await openOffline(browser, file);
  const figs = await inspectFigures(page, `file://${file}`);
  if (opts.screenshot) await page.screenshot({ path: opts.screenshot, fullPage: true }); // as a reader first sees it: code folded
  const firstHeading = (await page.locator(".jp-MarkdownOutput :is(h1, h2, h3, h4, h5, h6)").first().textContent())?.replace(/¶$/, "").trim() ?? "";
  const title = await page.title();
  assert.ok(firstHeading, `${name}: no heading in the report`);
  assert.equal(title, firstHeading, `${name}: the page title is not the notebook's first heading`);
  assert.notEqual(title, "Notebook");

  // Contents: each link lands on a heading of the page.
  const links = await page.$$eval("nav.gn-contents a", (as) => as.map((a) => (a as HTMLAnchorElement).hash));
  assert.ok(links.length >= 1, `${name}: no contents list`);
  for (const hash of links) {
    const tag = await page.evaluate((h) => document.getElementById(decodeURIComponent(h.slice(1)))?.tagName ?? "", hash);
    assert.match(tag, /^H[1-6]$/, `${name}: contents link ${hash} lands on no heading`);
  }

  // Code: folded at first; the toggle opens all, then closes all; a summary opens one.
  const folds = await page.locator("details.gn-code").count();
  const inputs = await page.locator(".jp-InputArea-editor").count();
  assert.ok(folds >= 1 && folds === inputs, `${name}: ${folds} folds for ${inputs} code inputs`);
  const visibleEditors = () => page.$$eval(".jp-InputArea-editor", (es) => es.filter((e) => e.checkVisibility() && e.getBoundingClientRect().height > 0).length);
  assert.equal(await visibleEditors(), 0, `${name}: code shows before the reader asks for it`);
  const toggle = page.locator("#gn-toggle-code");
  assert.ok(await toggle.isVisible(), `${name}: no visible show/hide-code button`);
  await toggle.click();
  assert.equal(await visibleEditors(), folds, `${name}: "Show all code" did not show every cell's code`);
  assert.equal((await toggle.textContent())?.trim(), "Hide all code");
  await toggle.click();
  assert.equal(await visibleEditors(), 0, `${name}: "Hide all code" left code showing`);
  await page.locator("details.gn-code > summary").first().click();
  assert.equal(await visibleEditors(), 1, `${name}: a cell's fold does not open on a click`);

  assert.deepEqual(await scrollBoxes(page), [], `${name}: outputs collapsed into scroll boxes`);
  if (opts.figures !== false) {
    assert.ok(figs.length >= 1, `${name}: no figures`);
    for (const f of figs) assert.ok(f.svgs >= 1 && f.traces >= 1, `${name}: figure ${f.id} did not draw`);
  }
  assert.deepEqual(errors, [], `${name}: script errors`);
  await page.context().close();

  // Without JavaScript: the contents list and the folds are plain HTML and still work.
  const off = await openOffline(browser, file, false);
  await off.page.goto(`file://${file}`, { waitUntil: "load" });
  assert.equal(await off.page.locator("nav.gn-contents a").count(), links.length);
  await off.page.locator("details.gn-code > summary").first().click();
  assert.equal(await off.page.locator("details.gn-code[open]").count(), 1, `${name}: without JavaScript a fold does not open`);
  await off.page.context().close();

  // The code-free variant: the same title and contents, no code at all.
  const nc = await openOffline(browser, nocode);
  const ncFigs = await inspectFigures(nc.page, `file://${nocode}`);
  assert.equal(await nc.page.title(), title);
  assert.equal(await nc.page.locator(".jp-InputArea-editor, details.gn-code, #gn-toggle-code").count(), 0, `${name}: code in the code-free variant`);
  assert.equal(await nc.page.locator("nav.gn-contents a").count(), links.length);
  assert.equal(ncFigs.length, figs.length, `${name}: the code-free variant lost figures`);
  assert.deepEqual(await scrollBoxes(nc.page), []);
  assert.deepEqual(nc.errors, []);
  await nc.page.context().close();

  assert.deepEqual([...blocked, ...off.blocked, ...nc.blocked], [], `${name}: the reports requested other files`);
  return { title, contents: links.length, folds, figures: figs.length, bytes, nocodeBytes };
}
