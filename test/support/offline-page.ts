/**
 * Opening an exported report the way a reader offline would: every request
 * but the file itself is blocked and recorded, and equations must be typeset
 * (no raw TeX left). Shared by the classic Notebook and JupyterLab tests.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import type { Page } from "playwright-core";

/** Opens file://html in a fresh page with the network blocked; `requested` fills with what it tried to fetch. */
export async function openOffline(newPage: () => Promise<Page>, html: string): Promise<{ page: Page; requested: string[] }> {
  const page = await newPage();
  const requested: string[] = [];
  const url = `file://${html}`;
  await page.route("**/*", (route) => {
    if (route.request().url() === url) return route.continue();
    requested.push(route.request().url());
    return route.abort();
  });
  await page.goto(url);
  return { page, requested };
}

/** Where the saved notebook has $...$ in markdown, the page shows typeset equations and no raw TeX. */
export async function assertTypeset(page: Page, savedNotebook: string, what: string): Promise<void> {
  const hasMath = JSON.parse(readFileSync(savedNotebook, "utf8")).cells.some((c: { cell_type: string; source: string[] | string }) => c.cell_type === "markdown" && /\$[^$]+\$/.test([c.source].flat().join("")));
  if (!hasMath) return;
  await page.waitForFunction(() => document.querySelectorAll("mjx-container svg").length > 0, undefined, { timeout: 30000 });
  const raw = await page.evaluate(() => Array.from(document.querySelectorAll(".jp-RenderedMarkdown, .text_cell_render")).map((e) => (e as HTMLElement).innerText).join("\n"));
  assert.ok(!/\$[^$\n]*\\[a-zA-Z]+[^$\n]*\$/.test(raw), `${what}: raw TeX left: ${raw.match(/\$[^$\n]*\\[a-zA-Z]+[^$\n]*\$/)?.[0]}`);
}
