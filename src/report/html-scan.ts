/**
 * Just enough HTML walking to post-process nbconvert's exports (well-formed,
 * machine-written HTML) without a DOM: the text a reader sees, and where an
 * element ends. Scripts and styles are skipped whole, so markup inside their
 * strings is never taken for tags.
 */

const RAW_TEXT = new Set(["script", "style", "textarea", "title"]);
const VOID = new Set(["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"]);
const TOKEN = /<!--[\s\S]*?-->|<!\w[^>]*>|<(\/?)([a-zA-Z][\w:-]*)((?:"[^"]*"|'[^']*'|[^'">])*)>|[^<]+|</g;

export interface TextSkip {
  /** Elements whose text is left alone, inner elements included. */
  tags: ReadonlySet<string>;
  /** Elements with a class matching this are left alone too. */
  classes?: RegExp;
}

/**
 * Rewrites every run of text outside the skipped elements with `fn` (text as
 * written, entities not decoded); tags and skipped text are kept as they are.
 */
export function mapText(html: string, skip: TextSkip, fn: (text: string) => string): string {
  const out: string[] = [];
  const stack: { name: string; skips: boolean }[] = [];
  let skipping = 0;
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(html); m; m = TOKEN.exec(html)) {
    const [token, close, rawName, attrs] = m;
    if (rawName === undefined) {
      out.push(token[0] !== "<" && skipping === 0 ? fn(token) : token);
      continue;
    }
    const name = rawName.toLowerCase();
    if (close) {
      const at = stack.map((s) => s.name).lastIndexOf(name);
      if (at >= 0) for (const s of stack.splice(at)) if (s.skips) skipping--;
      out.push(token);
      continue;
    }
    if (RAW_TEXT.has(name)) {
      // Everything up to the matching close tag is one opaque run.
      const closer = new RegExp(`</${name}`, "gi");
      closer.lastIndex = TOKEN.lastIndex;
      const stop = closer.exec(html)?.index ?? html.length;
      out.push(token, html.slice(TOKEN.lastIndex, stop));
      TOKEN.lastIndex = stop;
      continue;
    }
    out.push(token);
    if (VOID.has(name) || /\/\s*$/.test(attrs)) continue;
    const cls = /\bclass\s*=\s*["']([^"']*)["']/i.exec(attrs)?.[1] ?? "";
    const skips = skip.tags.has(name) || (skip.classes !== undefined && skip.classes.test(cls));
    if (skips) skipping++;
    stack.push({ name, skips });
  }
  return out.join("");
}

/**
 * The index just past the `</div>` closing the div that opens at `start`.
 * Counts nested divs; meant for parts of an export without scripts (a cell's input).
 */
export function divEnd(html: string, start: number): number {
  const re = /<(\/?)div\b[^>]*>/gi;
  re.lastIndex = start;
  let depth = 0;
  for (let m = re.exec(html); m; m = re.exec(html)) {
    depth += m[1] ? -1 : 1;
    if (depth === 0) return re.lastIndex;
  }
  throw new Error(`unbalanced <div> at offset ${start}`);
}
