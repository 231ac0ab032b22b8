/**
 * What makes an exported notebook (nbconvert's `lab` template) read like a
 * report: the notebook's own title, a contents list built from its headings
 * (a sidebar on wide screens, a list above the text on narrow ones; plain
 * links, so it works without JavaScript), outputs shown whole (never in
 * scroll boxes), and code either folded or left out:
 * - "folded": each code cell's input sits in a closed <details> (a click
 *   opens one, without JavaScript), and a button shows or hides all of them;
 * - "none": the code-free variant: inputs and prompts removed, and code cells
 *   that printed nothing dropped.
 * Each variant links to the other, written beside it (variantFile).
 */
import { decodeEntities, escapeMarkup } from "./escape";
import { divEnd } from "./html-scan";

export type CodeView = "folded" | "none";

/** The code-free variant's file beside a report: reports/01-x.html -> reports/01-x.nocode.html. */
export function variantFile(report: string, code: CodeView): string {
  const base = report.replace(/(\.nocode)?\.html$/i, "");
  return `${base}${code === "none" ? ".nocode" : ""}.html`;
}

export interface Heading {
  level: number;
  id: string;
  /** Plain text (entities decoded, the anchor's pilcrow dropped). */
  text: string;
}

const plainText = (html: string) =>
  decodeEntities(
    html
      .replace(/<a\b[^>]*class="anchor-link"[^>]*>[\s\S]*?<\/a>/gi, "")
      .replace(/<mjx-container\b[\s\S]*?<\/mjx-container>/gi, (m) => (/aria-label="([^"]*)"/.exec(m)?.[1] ?? "…"))
      .replace(/<[^>]+>/g, ""),
  )
    .replace(/\s+/g, " ")
    .trim();

/** The headings of the notebook's markdown cells, in order (nbconvert gives each an id). */
export function notebookHeadings(html: string): Heading[] {
  const out: Heading[] = [];
  const cell = /<div class="jp-RenderedHTMLCommon jp-RenderedMarkdown[^"]*"[^>]*>/g;
  for (let m = cell.exec(html); m; m = cell.exec(html)) {
    const end = divEnd(html, m.index);
    for (const h of html.slice(m.index, end).matchAll(/<h([1-6])\b([^>]*)>([\s\S]*?)<\/h\1>/gi)) {
      const id = /\bid\s*=\s*"([^"]*)"/.exec(h[2])?.[1];
      const text = plainText(h[3]);
      if (id && text) out.push({ level: Number(h[1]), id: decodeEntities(id), text });
    }
    cell.lastIndex = end;
  }
  return out;
}

// Over JupyterLab's CSS: outputs whole (its scrolled outputs are 200 px boxes), a contents
// sidebar where the window is wide enough, and the fold's summary line.
const STYLE = `<style id="gn-reader">
.jp-CodeCell.jp-mod-outputsScrolled .jp-Cell-outputArea, .jp-Cell-outputArea, .jp-OutputArea, .jp-OutputArea-child, .jp-OutputArea-output { max-height: none !important; overflow-y: visible !important; box-shadow: none !important; }
.gn-contents { font: 14px/1.4 var(--jp-ui-font-family, sans-serif); padding: 8px 16px; }
.gn-contents ol { list-style: none; margin: 4px 0; padding: 0; }
.gn-contents li { margin: 3px 0; }
.gn-contents .gn-h2 { padding-left: 0.9em; } .gn-contents .gn-h3 { padding-left: 1.8em; font-size: 13px; }
.gn-contents a { color: #1a5fb4; text-decoration: none; } .gn-contents a:hover { text-decoration: underline; }
.gn-contents .gn-contents-head { font-weight: 600; margin: 0 0 4px; }
.gn-toolbar { display: flex; gap: 12px; align-items: center; margin: 8px 0 12px; font-size: 13px; }
.gn-toolbar button { font: inherit; padding: 3px 10px; cursor: pointer; }
.gn-toolbar a { color: #1a5fb4; }
details.gn-code > summary { cursor: pointer; color: #555; font: 12px/1.6 var(--jp-code-font-family, monospace); padding: 1px 0 1px var(--jp-cell-prompt-width, 64px); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
details.gn-code[open] > summary { color: #888; }
@media (min-width: 1180px) {
  body.gn-report { padding-left: 290px !important; }
  .gn-contents { position: fixed; top: 0; left: 0; bottom: 0; width: 258px; overflow-y: auto; border-right: 1px solid #ddd; background: #fafafa; box-sizing: border-box; }
}
</style>
<style id="gn-reader-nocode">
.gn-nocode .jp-InputPrompt, .gn-nocode .jp-OutputPrompt { display: none; }
</style>
`;

// Shows the toggle (hidden without JavaScript, where each fold still opens on a click) and opens or closes every fold.
const TOGGLE_SCRIPT = `<script>(function () {
  var b = document.getElementById("gn-toggle-code"); if (!b) return;
  var folds = function () { return Array.prototype.slice.call(document.querySelectorAll("details.gn-code")); };
  b.hidden = false;
  b.addEventListener("click", function () {
    var open = !folds().every(function (d) { return d.open; });
    folds().forEach(function (d) { d.open = open; });
    b.textContent = open ? "Hide all code" : "Show all code";
  });
})();</script>
`;

/** The first line of a cell's code, as text, for its fold's summary. */
function firstLine(input: string): string {
  const pre = /<pre>([\s\S]*?)<\/pre>/i.exec(input)?.[1] ?? "";
  const line = plainText(pre.replace(/\n[\s\S]*$/, "")).slice(0, 120);
  return line || "code";
}

function contentsHtml(headings: Heading[], title: Heading | undefined): string {
  const items = headings.filter((h) => h !== title && h.level <= 3);
  if (items.length === 0) return "";
  const top = Math.min(...items.map((h) => h.level));
  const li = items.map((h) => `<li class="gn-h${h.level - top + 1}"><a href="#${escapeMarkup(encodeURI(h.id)).replace(/#/g, "%23")}">${escapeMarkup(h.text)}</a></li>`).join("\n");
  return `<nav class="gn-contents" aria-label="Contents"><p class="gn-contents-head">Contents</p><ol>\n${li}\n</ol></nav>\n`;
}

/** Folds (or drops) every code cell's input; in "none", cells left with no output go too. */
function codeCells(html: string, code: CodeView): string {
  const out: string[] = [];
  const cell = /<div class="jp-Cell jp-CodeCell\b[^"]*"[^>]*>/g;
  let at = 0;
  for (let m = cell.exec(html); m; m = cell.exec(html)) {
    const end = divEnd(html, m.index);
    let body = html.slice(m.index, end);
    const input = body.search(/<div class="jp-Cell-inputWrapper"/);
    if (input >= 0) {
      const inputEnd = divEnd(body, input);
      const wrapper = body.slice(input, inputEnd);
      const replaced = code === "none" ? "" : `<details class="gn-code"><summary title="show this cell's code">${escapeMarkup(firstLine(wrapper))}</summary>${wrapper}</details>`;
      body = body.slice(0, input) + replaced + body.slice(inputEnd);
    }
    body = body.replace(/\bjp-mod-outputsScrolled\b/, "");
    const empty = code === "none" && !/<div class="jp-OutputArea-child/.test(body);
    out.push(html.slice(at, m.index), empty ? "" : body);
    at = end;
    cell.lastIndex = end;
  }
  out.push(html.slice(at));
  return out.join("");
}

/**
 * The report a reader gets from a self-contained export: `<title>` set to the
 * notebook's first heading, the contents list and code toolbar at the top of
 * the body, code folded or removed. `file` is the report's own file name, for
 * the link to the other variant.
 */
export function readerHtml(html: string, opts: { code: CodeView; file: string }): string {
  const headings = notebookHeadings(html);
  const title = headings[0];
  const name = opts.file.replace(/^.*[\\/]/, "");
  const other = variantFile(name, opts.code === "none" ? "folded" : "none");
  let out = codeCells(html, opts.code);
  const pageTitle = title ? escapeMarkup(title.text) : escapeMarkup(name.replace(/(\.nocode)?\.html$/i, ""));
  out = /<title>[\s\S]*?<\/title>/i.test(out) ? out.replace(/<title>[\s\S]*?<\/title>/i, () => `<title>${pageTitle}</title>`) : out.replace(/<head\b[^>]*>/i, (h) => `${h}\n<title>${pageTitle}</title>`);
  const head = Math.max(0, out.search(/<\/head>/i));
  out = out.slice(0, head) + STYLE + out.slice(head);
  const toolbar =
    opts.code === "none"
      ? `<div class="gn-toolbar">Code left out. <a href="${escapeMarkup(encodeURI(other))}">The report with its code</a></div>\n`
      : `<div class="gn-toolbar"><button type="button" id="gn-toggle-code" hidden>Show all code</button><span>Code is folded: click a grey line to open one cell.</span> <a href="${escapeMarkup(encodeURI(other))}">Without code</a></div>\n`;
  const top = contentsHtml(headings, title) + toolbar;
  out = out.replace(/<body\b([^>]*)>/i, (tag, attrs: string) => {
    const cls = `gn-report${opts.code === "none" ? " gn-nocode" : ""}`;
    const withClass = /\bclass\s*=\s*"/.test(attrs) ? tag.replace(/\bclass\s*=\s*"/, `class="${cls} `) : tag.replace(/>$/, ` class="${cls}">`);
    return `${withClass}\n${top}`;
  });
  if (opts.code === "folded") out = out.replace(/<\/body>/i, (b) => `${TOGGLE_SCRIPT}${b}`);
  return out;
}
