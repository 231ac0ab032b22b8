/**
 * Makes an nbconvert HTML export render from the one file, with no network
 * and no local packages. Debian's nbconvert templates load require.js, jQuery
 * and MathJax 2 from file:///usr/share/javascript (the CDN in upstream
 * builds): on another machine the equations show as raw TeX. Here those
 * scripts are dropped (nothing in our reports uses require.js or jQuery; the
 * plotly loader hides `define` anyway) and MathJax 3's single-file
 * tex-svg-full component (fonts included, every TeX extension, so nothing
 * is autoloaded) is inlined once: ~2.3 MB.
 */
import { readFileSync } from "fs";

let mathjax: string | undefined;

/** MathJax 3's es5/tex-svg-full.js (npm `mathjax@3`, a dev dependency). */
export function mathjaxBundle(): string {
  if (mathjax === undefined) {
    let file: string;
    try {
      file = require.resolve("mathjax/es5/tex-svg-full.js");
    } catch {
      throw new Error("self-contained reports need MathJax 3: npm install mathjax@3");
    }
    mathjax = readFileSync(file, "utf8");
  }
  return mathjax;
}

// nbconvert's MathJax 2 settings, in MathJax 3 terms; menu off: it would load a11y code on demand.
const MATHJAX_CONFIG = {
  tex: {
    inlineMath: [["$", "$"], ["\\(", "\\)"]],
    displayMath: [["$$", "$$"], ["\\[", "\\]"]],
    processEscapes: true,
    processEnvironments: true,
    tags: "ams",
  },
  svg: { fontCache: "global" },
  options: { enableMenu: false, ignoreHtmlClass: "tex2jax_ignore|gn-figure" },
};

/** `<script src=...>` and `<link href=...>` that point outside the file (not data: URIs). */
export function externalReferences(html: string): string[] {
  const refs: string[] = [];
  for (const m of html.matchAll(/<(script|link|img|iframe)\b[^>]*?\b(src|href)\s*=\s*["']([^"']+)["']/gi)) {
    if (!/^(data:|#)/i.test(m[3])) refs.push(`<${m[1].toLowerCase()} ${m[2].toLowerCase()}="${m[3]}">`);
  }
  return refs;
}

/**
 * The export with external scripts removed and MathJax 3 inlined before
 * </head>. Throws if anything external is left, so a template change that
 * adds one fails the run instead of shipping a report that needs a network.
 */
export function selfContainedHtml(html: string): string {
  let out = html
    // MathJax 2: the loader and nbconvert's configuration block.
    .replace(/<!-- Load mathjax -->[\s\S]*?<!-- End of mathjax configuration -->/, "")
    .replace(/<script[^>]*\bsrc\s*=\s*["'][^"']*MathJax\.js[^"']*["'][^>]*>\s*<\/script>/gi, "")
    .replace(/<script type="text\/x-mathjax-config">[\s\S]*?<\/script>/gi, "")
    // require.js and jQuery, from a CDN or /usr/share/javascript.
    .replace(/<script[^>]*\bsrc\s*=\s*["'][^"']*(require|jquery)[^"']*\.js["'][^>]*>\s*<\/script>/gi, "");
  const inline =
    `<script>window.MathJax = ${JSON.stringify(MATHJAX_CONFIG)};</script>\n` +
    `<script>${mathjaxBundle().replace(/<\/script/gi, "<\\/script")}</script>\n`;
  const head = out.search(/<\/head>/i);
  out = head >= 0 ? out.slice(0, head) + inline + out.slice(head) : inline + out;
  const left = externalReferences(out);
  if (left.length) throw new Error(`the report still loads ${left.join(", ")}: not self-contained`);
  return out;
}
