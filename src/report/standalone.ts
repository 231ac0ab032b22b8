/**
 * Makes an nbconvert HTML export render from the one file, with no network
 * and no local packages. Debian's nbconvert templates load require.js, jQuery
 * and MathJax 2 from file:///usr/share/javascript (the CDN in upstream
 * builds): on another machine the equations show as raw TeX. Here those
 * scripts are dropped (nothing in our reports uses require.js or jQuery; the
 * plotly loader hides `define` anyway) and the equations are typeset to SVG
 * now (tex-svg.ts): a few KB per equation instead of MathJax's 2.3 MB
 * runtime, and they show without JavaScript. JupyterLab's widget CSS that an
 * export never uses is dropped (css-trim.ts).
 */
import { trimUnusedCss } from "./css-trim";
import { decodeEntities } from "./escape";
import { mapText } from "./html-scan";
import { TexInput, texToSvg } from "./tex-svg";

// Where MathJax found TeX in our reports: everything but code, preformatted text and figures
// (nbconvert's and MathJax's defaults, and plotly's labels are not TeX).
const NOT_TEX = { tags: new Set(["pre", "code", "svg", "math", "kbd", "samp"]), classes: /\b(tex2jax_ignore|gn-figure|jp-InputArea-editor)\b/ };

// nbconvert's delimiters: $$..$$, \[..\], \(..\), \begin{env}..\end{env}, $..$; \$ is a dollar sign.
const TEX = /\\\$|\$\$([\s\S]+?)\$\$|\\\[([\s\S]+?)\\\]|\\\(([\s\S]+?)\\\)|(\\begin\{([a-zA-Z*]+)\}[\s\S]+?\\end\{\5\})|\$((?:\\.|[^$\\])+?)\$/g;

/**
 * The export with its TeX typeset as SVG: each equation an `<mjx-container>`,
 * the glyphs they share in one hidden `<svg>` at the top of the body, and
 * MathJax's CSS in the head. HTML without TeX is returned as it is.
 */
export function typesetTex(html: string): string {
  const body = html.search(/<body\b/i);
  if (body < 0) return html;
  const items: TexInput[] = [];
  const marked = mapText(html.slice(body), NOT_TEX, (text) =>
    text.replace(TEX, (m, dd?: string, sq?: string, par?: string, env?: string, _name?: string, d?: string) => {
      if (m === "\\$") return "$";
      const display = dd !== undefined || sq !== undefined || env !== undefined;
      items.push({ tex: decodeEntities(dd ?? sq ?? par ?? env ?? d ?? ""), display });
      return `\u0000tex${items.length - 1}\u0000`;
    }),
  );
  if (items.length === 0) return html;
  const { svgs, glyphs, css } = texToSvg(items);
  let out = html.slice(0, body) + marked.replace(/\u0000tex(\d+)\u0000/g, (_, i: string) => svgs[Number(i)]);
  out = out.replace(/<body\b[^>]*>/i, (tag) => `${tag}\n${glyphs}`);
  const head = Math.max(0, out.search(/<\/head>/i));
  return out.slice(0, head) + `<style>${css}</style>\n` + out.slice(head);
}

/** `<script src=...>` and `<link href=...>` that point outside the file (not data: URIs). */
export function externalReferences(html: string): string[] {
  const refs: string[] = [];
  for (const m of html.matchAll(/<(script|link|img|iframe)\b[^>]*?\b(src|href)\s*=\s*["']([^"']+)["']/gi)) {
    if (!/^(data:|#)/i.test(m[3])) refs.push(`<${m[1].toLowerCase()} ${m[2].toLowerCase()}="${m[3]}">`);
  }
  return refs;
}

/**
 * The export with external scripts removed and its equations typeset.
 * Throws if anything external is left, so a template change that adds one
 * fails the run instead of shipping a report that needs a network.
 */
export function selfContainedHtml(html: string): string {
  const out = typesetTex(
    trimUnusedCss(html)
      // MathJax 2: the loader and nbconvert's configuration block.
      .replace(/<!-- Load mathjax -->[\s\S]*?<!-- End of mathjax configuration -->/, "")
      .replace(/<script[^>]*\bsrc\s*=\s*["'][^"']*MathJax\.js[^"']*["'][^>]*>\s*<\/script>/gi, "")
      .replace(/<script type="text\/x-mathjax-config">[\s\S]*?<\/script>/gi, "")
      // require.js and jQuery, from a CDN or /usr/share/javascript.
      .replace(/<script[^>]*\bsrc\s*=\s*["'][^"']*(require|jquery)[^"']*\.js["'][^>]*>\s*<\/script>/gi, ""),
  );
  const left = externalReferences(out);
  if (left.length) throw new Error(`the report still loads ${left.join(", ")}: not self-contained`);
  return out;
}
