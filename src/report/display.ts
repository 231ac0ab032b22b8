/**
 * Showing things in a tslab notebook. Outside a kernel (CLI, tests) the show*
 * functions do nothing, so experiment code can call them unconditionally;
 * `progress` draws in a notebook and on stderr elsewhere.
 * They return void: tslab echoes a cell's last value, and an HTML string
 * would be printed a second time as text.
 */
import { installKernelInterrupt, interruptSignal } from "../engine/interrupt";
import { figureDiv, Figure, plotlyLoaderHtml, plotlyMimeData } from "./plotly";
import { TableLike, tableHtml, TableOptions, Cell } from "./table";

interface TslabDisplay {
  html(s: string): void;
  markdown(s: string): void;
  text(s: string): void;
}
interface Tslab {
  display: TslabDisplay;
  newDisplay(): TslabDisplay;
}

function kernel(): Tslab | null {
  try {
    // tslab sets this hook while a kernel runs; its display calls throw "Not ready" without it.
    /* eslint-disable @typescript-eslint/no-require-imports -- tslab exists only inside a kernel */
    const channel = require("tslab/dist/jupyter") as { lastWriteDisplayData?: unknown };
    return channel.lastWriteDisplayData != null ? (require("tslab") as Tslab) : null;
    /* eslint-enable @typescript-eslint/no-require-imports */
  } catch {
    return null;
  }
}

/** tslab's raw display hook: sends one display_data message with any mime bundle (tslab's own API sends one type). */
function writeDisplayData(data: Record<string, unknown>): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- tslab exists only inside a kernel
  const channel = require("tslab/dist/jupyter") as { lastWriteDisplayData?: (content: unknown, update: boolean) => void };
  channel.lastWriteDisplayData?.({ data, metadata: {}, transient: {} }, false);
}

let bundleShown = false;

/**
 * A notebook's first code cell calls this: it shows the plotly.js bundle as
 * that cell's (invisible) output, so every saved figure below it renders after
 * a reload and in an export, however often figure cells are re-run; and it
 * arms Kernel > Interrupt (see engine/interrupt.ts). Calling it again re-emits.
 */
export function initNotebook(): void {
  const k = kernel();
  if (!k) return;
  installKernelInterrupt();
  k.display.html(`<div class="gn-plotly-bundle" style="display:none"></div>\n${plotlyLoaderHtml()}`);
  bundleShown = true;
}

/**
 * Shows a plotly figure as text/html (a div and a script; classic Notebook,
 * nbconvert) and as application/vnd.plotly.v1+json (JupyterLab with the plotly
 * extension renders that without running scripts). The div holds a static SVG
 * image of the figure (an <img> with a data: URI, which HTML sanitizers keep),
 * so the HTML shows the figure where its script never runs: an untrusted
 * notebook in JupyterLab, nbviewer, viewers without JavaScript; plotly replaces
 * it where the script runs. Without initNotebook() the first figure of a kernel
 * session carries the bundle.
 */
export function showFigure(fig: Figure, opts?: { height?: number }): void {
  const k = kernel();
  if (!k) return;
  const html = (bundleShown ? "" : plotlyLoaderHtml()) + figureDiv(fig, opts);
  bundleShown = true;
  const title = (fig.layout?.title as { text?: string } | string | undefined) ?? "";
  writeDisplayData({
    "text/html": html,
    "application/vnd.plotly.v1+json": plotlyMimeData(fig, opts),
    "text/plain": `<plotly figure${typeof title === "string" ? (title ? `: ${title}` : "") : title.text ? `: ${title.text}` : ""}>`,
  });
}

export function showTable(t: TableLike | Record<string, Cell>[], opts?: TableOptions): void {
  kernel()?.display.html(tableHtml(t, opts));
}

/** Captioned tables, one after another (an experiment's `tables()`). */
export function showTables(blocks: readonly { caption: string; rows: Record<string, Cell>[] }[]): void {
  for (const b of blocks) showTable(b.rows, { caption: b.caption });
}

export function showMarkdown(md: string): void {
  kernel()?.display.markdown(md);
}

function bar(fraction: number, width = 30): string {
  const f = Math.min(1, Math.max(0, fraction));
  const full = Math.round(f * width);
  return `[${"#".repeat(full)}${".".repeat(width - full)}] ${(f * 100).toFixed(0).padStart(3)}%`;
}

/**
 * A progress line that redraws in place: in a notebook one display entry, in a
 * terminal one line on stderr (carriage return), in a log (no TTY) a line now
 * and then. Updates are throttled to `intervalMs`. `free` (a fraction of the
 * whole, like `fraction`) is progress that took no time, left out of the
 * time estimate.
 */
export function progress(label: string, intervalMs = 250): { update(fraction: number, detail?: string, free?: number): void; done(detail?: string): void } {
  const k = kernel();
  const d = k?.newDisplay();
  const t0 = Date.now();
  let last = 0;
  let lastLogged = -1;
  let lastFraction = 0;
  const tty = Boolean(process.stderr.isTTY);
  // The bar says so when Kernel > Interrupt stops the work it tracks. The signal outlives the
  // cell (it is renewed only after an abort), so a finished bar stops listening: interrupting a
  // later cell must not turn its 100% into "(interrupted)".
  const signal = k ? interruptSignal() : undefined;
  const onAbort = () => {
    if (lastFraction < 1) d?.text(`${render(lastFraction, "")} (interrupted)`);
  };
  signal?.addEventListener("abort", onAbort, { once: true });
  let credited = 0;
  const render = (fraction: number, detail: string) => {
    const secs = (Date.now() - t0) / 1000;
    // The rate counts only work done here: progress that took none (`free`: copied or restored runs) is left out.
    const worked = fraction - credited;
    // An estimate from the first moments of a long job is noise: wait for 1% or 10 s.
    const left = (worked >= 0.01 || secs >= 10) && worked > 0 && fraction < 1 ? ` (~${((secs / worked) * (1 - fraction)).toFixed(0)}s left)` : "";
    return `${label} ${bar(fraction)} ${secs.toFixed(0)}s${left}${detail ? ` ${detail}` : ""}`;
  };
  // Drawn at once: the first update can be minutes away (one LM epoch), and a blank output reads as a hang.
  if (d || tty) {
    if (d) d.text(render(0, ""));
    else process.stderr.write(`\r${render(0, "")}`);
    last = Date.now();
  }
  return {
    update(fraction, detail = "", free = 0) {
      lastFraction = fraction;
      credited = Math.min(free, fraction);
      if (signal?.aborted) return;
      const now = Date.now();
      if (now - last < intervalMs && fraction < 1) return;
      last = now;
      const line = render(fraction, detail);
      if (d) d.text(line);
      else if (tty) process.stderr.write(`\r${line}`);
      else if (Math.floor(fraction * 10) > lastLogged) {
        lastLogged = Math.floor(fraction * 10);
        process.stderr.write(`${line}\n`);
      }
    },
    done(detail = "") {
      if (signal?.aborted) return;
      signal?.removeEventListener("abort", onAbort);
      lastFraction = 1;
      const line = render(1, detail);
      if (d) d.text(line);
      else process.stderr.write(`${tty ? "\r" : ""}${line}\n`);
    },
  };
}
