/**
 * Headless Chromium for report checks and PNG figures. Debian's chromium
 * (apt-get install chromium) driven by playwright-core; no browser download.
 * Flags from shared/REFERENCE.md: as root it needs --no-sandbox, and without
 * the background-networking flags it floods a closed network with requests.
 */
import { existsSync } from "fs";
import type { Browser, Page } from "playwright-core";

export const CHROMIUM_FLAGS = [
  "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

export function findChromium(): string | null {
  const candidates = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"].filter((p): p is string => Boolean(p));
  return candidates.find((p) => existsSync(p)) ?? null;
}

export async function withChromium<T>(fn: (browser: Browser) => Promise<T>): Promise<T> {
  const executablePath = findChromium();
  if (!executablePath) throw new Error("Chromium not found: apt-get install chromium, or set CHROMIUM_PATH");
  // playwright-core is a dev dependency: load it only when a browser is wanted.
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_FLAGS });
  try {
    return await fn(browser);
  } finally {
    await browser.close();
  }
}

export interface RenderedFigure {
  id: string;
  /** Plotly's root SVGs inside the figure div. */
  svgs: number;
  /** Drawn traces inside it: scatter/bar groups (g.trace) and heatmap images (g.hm). */
  traces: number;
}

/** Opens `url`, waits for plotly to draw, and reports what each figure div holds. */
export async function inspectFigures(page: Page, url: string, timeoutMs = 60000): Promise<RenderedFigure[]> {
  await page.goto(url, { waitUntil: "load", timeout: timeoutMs });
  await page.waitForFunction(
    () => {
      const divs = Array.from(document.querySelectorAll(".gn-figure"));
      return divs.length > 0 && divs.every((d) => d.querySelector("svg.main-svg"));
    },
    undefined,
    { timeout: timeoutMs },
  ).catch(() => undefined); // report whatever rendered; callers assert
  return page.$$eval(".gn-figure", (divs) =>
    divs.map((d) => ({
      id: d.id,
      svgs: d.querySelectorAll("svg.main-svg").length,
      traces: d.querySelectorAll("g.trace, g.hm").length,
    })),
  );
}
