/**
 * nbconvert's `lab` template inlines all of JupyterLab's CSS (0.54 MB), and
 * 0.34 MB of it styles Blueprint widgets (`.bp3-*`: menus, dialogs,
 * popovers) that an exported notebook never contains. Dropping those rules
 * keeps a report under its size budget without touching what it shows.
 */

/** Where the block opened at `open` (a "{") is closed, skipping strings and comments. */
function blockEnd(css: string, open: number): number {
  let depth = 0;
  for (let i = open; i < css.length; i++) {
    const c = css[i];
    if (c === "/" && css[i + 1] === "*") {
      const e = css.indexOf("*/", i + 2);
      i = e < 0 ? css.length : e + 1;
    } else if (c === '"' || c === "'") {
      for (i++; i < css.length && css[i] !== c; i++) if (css[i] === "\\") i++;
    } else if (c === "{") depth++;
    else if (c === "}" && --depth === 0) return i + 1;
  }
  return css.length;
}

const NESTING_AT_RULES = /^@(media|supports|layer|document)\b/i;

/**
 * The style sheet without the rules whose every selector names a class that
 * `drop` matches; at-rules that hold rules (@media, @supports) are trimmed
 * inside and dropped when nothing is left. Comments and other at-rules stay.
 */
export function dropRules(css: string, drop: RegExp): string {
  const out: string[] = [];
  let at = 0;
  while (at < css.length) {
    // The next rule's prelude runs to "{" (or ";" for @import and the like), comments aside.
    let i = at;
    let stop = -1;
    while (i < css.length) {
      if (css[i] === "/" && css[i + 1] === "*") {
        const e = css.indexOf("*/", i + 2);
        i = e < 0 ? css.length : e + 2;
        continue;
      }
      if (css[i] === "{" || css[i] === ";" || css[i] === "}") {
        stop = i;
        break;
      }
      i++;
    }
    if (stop < 0 || css[stop] !== "{") {
      out.push(css.slice(at, stop < 0 ? css.length : stop + 1));
      at = stop < 0 ? css.length : stop + 1;
      continue;
    }
    const end = blockEnd(css, stop);
    const prelude = css.slice(at, stop);
    const selector = prelude.replace(/\/\*[\s\S]*?\*\//g, "").trim();
    // What a dropped rule leaves: the comments before it (licence headers among them).
    const lead = (prelude.match(/\/\*[\s\S]*?\*\//g) ?? []).map((c) => `${c}\n`).join("");
    if (NESTING_AT_RULES.test(selector)) {
      const inner = dropRules(css.slice(stop + 1, end - 1), drop);
      out.push(inner.replace(/\/\*[\s\S]*?\*\//g, "").trim() ? `${prelude}{${inner}}` : lead);
    } else if (!selector.startsWith("@") && selector.split(",").every((s) => drop.test(s))) {
      out.push(lead);
    } else out.push(css.slice(at, end));
    at = end;
  }
  return out.join("");
}

/** The <style> elements of the page's head (where nbconvert puts JupyterLab's CSS) with Blueprint's rules dropped. */
export function trimUnusedCss(html: string): string {
  const head = html.search(/<\/head>/i);
  if (head < 0) return html;
  const trimmed = html.slice(0, head).replace(/(<style\b[^>]*>)([\s\S]*?)(<\/style>)/gi, (_, open: string, css: string, close: string) => open + dropRules(css, /\.bp3-/) + close);
  return trimmed + html.slice(head);
}
