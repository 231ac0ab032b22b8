/**
 * The reader's report (report/reader.ts) and the export steps under it
 * (html-scan.ts, the TeX step of standalone.ts) on HTML shaped like
 * nbconvert's `lab` export. Chromium checks of real reports are in
 * test/e2e/notebook-reports.test.ts and test/e2e/notebooks.test.ts.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { dropRules, trimUnusedCss } from "../../../src/report/css-trim";
import { divEnd, mapText } from "../../../src/report/html-scan";
import { notebookHeadings, readerHtml, variantFile } from "../../../src/report/reader";
import { typesetTex } from "../../../src/report/standalone";

const markdown = (inner: string) =>
  `<div class="jp-Cell jp-MarkdownCell jp-Notebook-cell">\n<div class="jp-Cell-inputWrapper">\n<div class="jp-InputPrompt jp-InputArea-prompt">\n</div><div class="jp-RenderedHTMLCommon jp-RenderedMarkdown jp-MarkdownOutput " data-mime-type="text/markdown">\n${inner}\n</div>\n</div>\n</div>\n`;
const code = (src: string, output?: string, extra = "") =>
  `<div class="jp-Cell jp-CodeCell jp-Notebook-cell ${output ? "" : "jp-mod-noOutputs"} ${extra}">\n<div class="jp-Cell-inputWrapper">\n<div class="jp-InputArea jp-Cell-inputArea">\n<div class="jp-InputPrompt jp-InputArea-prompt">In&nbsp;[1]:</div>\n<div class="jp-CodeMirrorEditor jp-Editor jp-InputArea-editor" data-type="inline"><div class="highlight hl-typescript"><pre><span></span><span class="kd">let</span> scale = <span class="s2">"cpu"</span>;\nmore();\n</pre></div></div>\n</div>\n</div>\n` +
  (output ? `<div class="jp-Cell-outputWrapper">\n<div class="jp-OutputArea jp-Cell-outputArea">\n<div class="jp-OutputArea-child">\n<div class="jp-OutputPrompt jp-OutputArea-prompt">Out[1]:</div>\n<div class="jp-RenderedText jp-OutputArea-output"><pre>${output}</pre></div>\n</div>\n</div>\n</div>\n` : "") +
  `</div>\n`;
const page = (cells: string[]) =>
  `<!DOCTYPE html>\n<html>\n<head><meta charset="utf-8">\n<title>Notebook</title>\n<style>.x{}</style>\n</head>\n<body class="jp-Notebook" data-jp-theme-light="true">\n${cells.join("")}\n</body>\n</html>\n`;

const sample = page([
  markdown('<h1 id="Section-3-&#8212;-The-method">Section 3 &#8212; The method<a class="anchor-link" href="#Section-3-&#8212;-The-method">&#182;</a></h1><p>Intro.</p>'),
  code("params"),
  markdown('<h2 id="Eq.-1:-the-schedule">Eq. 1: the schedule<a class="anchor-link" href="#Eq.-1:-the-schedule">&#182;</a></h2>'),
  code("table", "a table 4242", "jp-mod-outputsScrolled"),
  markdown('<h3 id="A-detail">A detail</h3>'),
]);

test("the title is the notebook's first heading, and the contents list links every other heading by its id", () => {
  assert.deepEqual(notebookHeadings(sample).map((h) => [h.level, h.id, h.text]), [
    [1, "Section-3-\u2014-The-method", "Section 3 \u2014 The method"],
    [2, "Eq.-1:-the-schedule", "Eq. 1: the schedule"],
    [3, "A-detail", "A detail"],
  ]);
  const out = readerHtml(sample, { code: "folded", file: "/r/00-method.html" });
  assert.match(out, /<title>Section 3 \u2014 The method<\/title>/);
  assert.doesNotMatch(out, /<title>Notebook<\/title>/);
  const nav = /<nav class="gn-contents"[\s\S]*?<\/nav>/.exec(out)?.[0] ?? "";
  assert.match(nav, /<li class="gn-h1"><a href="#Eq\.-1:-the-schedule">Eq\. 1: the schedule<\/a><\/li>/);
  assert.match(nav, /<li class="gn-h2"><a href="#A-detail">A detail<\/a><\/li>/);
  assert.doesNotMatch(nav, /Section 3/, "the title is the page's heading, not a contents entry");
  assert.ok(out.indexOf("<nav") > out.indexOf("<body"), "the contents are in the body, before the cells");
  assert.match(out, /<body class="gn-report jp-Notebook"/);
});

test("folded: every code cell's input sits in a closed <details> whose summary is its first line; the toggle button waits for JavaScript", () => {
  const out = readerHtml(sample, { code: "folded", file: "00-method.html" });
  const folds = [...out.matchAll(/<details class="gn-code">([\s\S]*?)<\/details>/g)];
  assert.equal(folds.length, 2);
  for (const f of folds) {
    assert.match(f[1], /^<summary title="show this cell's code">let scale = &quot;cpu&quot;;<\/summary><div class="jp-Cell-inputWrapper">/);
    assert.match(f[1], /jp-InputArea-editor/);
  }
  assert.doesNotMatch(out, /<details[^>]*\bopen/);
  assert.match(out, /<button type="button" id="gn-toggle-code" hidden>Show all code<\/button>/);
  assert.match(out, /<a href="00-method\.nocode\.html">Without code<\/a>/);
  assert.ok(out.includes("a table 4242"), "outputs stay");
  assert.doesNotMatch(out, /<div class="jp-Cell[^"]*jp-mod-outputsScrolled/, "no output is collapsed to a scroll box");
});

test("without code: inputs and the cells that showed nothing are gone, outputs and prose stay, and it links back", () => {
  const out = readerHtml(sample, { code: "none", file: "00-method.nocode.html" });
  assert.doesNotMatch(out, /jp-InputArea-editor|<details|gn-toggle-code|let<\/span> scale/);
  assert.equal((out.match(/<div class="jp-Cell jp-CodeCell/g) ?? []).length, 1, "only the code cell with an output is left");
  assert.ok(out.includes("a table 4242") && out.includes("Intro."));
  assert.match(out, /<a href="00-method\.html">The report with its code<\/a>/);
  assert.match(out, /<body class="gn-report gn-nocode jp-Notebook"/);
  assert.match(out, /<title>Section 3 \u2014 The method<\/title>/);
});

test("the code-free variant is written beside the report as <name>.nocode.html", () => {
  assert.equal(variantFile("reports/01-deep.html", "none"), "reports/01-deep.nocode.html");
  assert.equal(variantFile("reports/01-deep.nocode.html", "folded"), "reports/01-deep.html");
  assert.equal(variantFile("reports/01-deep.html", "folded"), "reports/01-deep.html");
});

test("a notebook without headings is titled by its file name and gets no contents list", () => {
  const out = readerHtml(page([code("x", "1")]), { code: "folded", file: "scratch.html" });
  assert.match(out, /<title>scratch<\/title>/);
  assert.doesNotMatch(out, /<nav/);
});

test("html-scan: text runs outside skipped elements are rewritten; scripts, styles and skipped elements are kept whole", () => {
  const html = '<p>a<b>b</b></p><script>var s = "<p>x</p>";</script><pre>c<span>d</span></pre><div class="gn-figure"><span>e</span></div><p>f<br>g</p>';
  const out = mapText(html, { tags: new Set(["pre"]), classes: /\bgn-figure\b/ }, (t) => t.toUpperCase());
  assert.equal(out, '<p>A<b>B</b></p><script>var s = "<p>x</p>";</script><pre>c<span>d</span></pre><div class="gn-figure"><span>e</span></div><p>F<br>G</p>');
  const nested = "<div a><div b></div><div c><div></div></div></div><div>";
  assert.equal(divEnd(nested, 0), nested.length - 5);
  assert.throws(() => divEnd("<div><div></div>", 0), /unbalanced <div>/);
});

test("TeX is typeset to SVG at export, outside code, preformatted text and figures; \\$ is a dollar sign", () => {
  const html = page([
    markdown("<p>At step $t$ the noise is $$\\sigma_t^2 = \\frac{\\eta}{(1+t)^\\gamma}$$ and $a &lt; b$; it costs \\$5.</p>"),
    '<pre>$not math$</pre><div class="gn-figure"><p>$also not$</p></div>',
  ]);
  const out = typesetTex(html);
  const containers = out.match(/<mjx-container\b[^>]*>/g) ?? [];
  assert.equal(containers.length, 3);
  assert.equal(containers.filter((c) => /display="true"/.test(c)).length, 1);
  assert.match(out, /<body[^>]*>\n<svg [^>]*style="display:none"[^>]*><defs>/, "the shared glyphs come once, first in the body");
  assert.match(out, /mjx-container\[jax="SVG"\]/, "MathJax's CSS is in the head");
  assert.match(out, /it costs \$5\./);
  assert.ok(out.includes("<pre>$not math$</pre>") && out.includes("<p>$also not$</p>"));
  assert.doesNotMatch(out, /\$t\$|\\frac|<script/);
  const plain = page([markdown("<p>No equations here.</p>")]);
  assert.equal(typesetTex(plain), plain);
});

test("JupyterLab's Blueprint widget rules are dropped from the report's CSS; every other rule, comment and at-rule stays", () => {
  const css = '/* licence */\n.bp3-a, .bp3-b::after { content: "}"; }\n.jp-x { y: 1 }\n@media (max-width: 3px) { .bp3-c { z: 1 } }\n@media print { .jp-y, .bp3-d { a: b } }\n@charset "x";\n@keyframes k { 0% { o: 1 } }';
  assert.equal(dropRules(css, /\.bp3-/), '/* licence */\n\n.jp-x { y: 1 }\n@media print { .jp-y, .bp3-d { a: b } }\n@charset "x";\n@keyframes k { 0% { o: 1 } }');
  const html = `<html><head><style>.bp3-a { x: 1 } .jp-b { y: 2 }</style></head><body><script>var s = "<style>.bp3-z { q: 1 }</style>";</script></body></html>`;
  assert.equal(trimUnusedCss(html), `<html><head><style> .jp-b { y: 2 }</style></head><body><script>var s = "<style>.bp3-z { q: 1 }</style>";</script></body></html>`);
});
