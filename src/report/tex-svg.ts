/**
 * TeX to SVG at export time, so a report carries its equations as SVG (a few
 * KB each, glyphs shared) instead of MathJax's 2.3 MB runtime, and shows them
 * without JavaScript. MathJax 3 (npm `mathjax`, a dev dependency) starts up
 * through promises while the export pipeline is synchronous, so the
 * conversion runs in a child node process: this file, run as a script, reads
 * JSON from stdin and writes JSON to stdout.
 */
import { spawnSync } from "child_process";

export interface TexInput {
  tex: string;
  display: boolean;
}

export interface TexOutput {
  /** One `<mjx-container>` per input, in order (or a visible error for TeX that does not parse). */
  svgs: string[];
  /** The glyphs every SVG refers to: a hidden `<svg>` to put once in the page. */
  glyphs: string;
  /** MathJax's CSS for the containers (display equations centred, baselines aligned). */
  css: string;
}

/** Converts TeX (inline or display) to SVG; throws when MathJax is missing or the child fails. */
export function texToSvg(items: readonly TexInput[]): TexOutput {
  if (items.length === 0) return { svgs: [], glyphs: "", css: "" };
  const r = spawnSync(process.execPath, [__filename], { input: JSON.stringify(items), encoding: "utf8", maxBuffer: 256 * 2 ** 20 });
  if (r.status !== 0) throw new Error(`typesetting ${items.length} equation(s) with MathJax failed: ${`${r.stderr}`.trim().slice(-2000)}`);
  return JSON.parse(r.stdout) as TexOutput;
}

interface MathJaxNode {
  tex2svg(tex: string, opts: { display: boolean }): unknown;
  svgStylesheet(): unknown;
  startup: { adaptor: { outerHTML(n: unknown): string; textContent(n: unknown): string }; output: { fontCache: { getCache(): unknown } } };
}

async function child(): Promise<void> {
  let input = "";
  for await (const chunk of process.stdin) input += chunk;
  const items = JSON.parse(input) as TexInput[];
  let init: (config: unknown) => Promise<MathJaxNode>;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only in this child, and only where installed
    init = (require("mathjax") as { init: typeof init }).init;
  } catch {
    throw new Error("equations in reports need MathJax 3: npm install mathjax@3");
  }
  // nbconvert's MathJax 2 settings in MathJax 3 terms; one glyph cache for the page ("global").
  const MathJax = await init({
    loader: { load: ["input/tex-full", "output/svg"] },
    tex: { processEscapes: true, processEnvironments: true, tags: "ams" },
    svg: { fontCache: "global" },
    startup: { typeset: false },
  });
  const a = MathJax.startup.adaptor;
  const svgs = items.map((i) => a.outerHTML(MathJax.tex2svg(i.tex, { display: i.display })));
  const cache = a.outerHTML(MathJax.startup.output.fontCache.getCache());
  const glyphs = `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" style="display:none" aria-hidden="true">${cache}</svg>`;
  const out: TexOutput = { svgs, glyphs, css: a.textContent(MathJax.svgStylesheet()) };
  process.stdout.write(JSON.stringify(out));
}

if (require.main === module) {
  child().catch((e: Error) => {
    process.stderr.write(`${e.message}\n`);
    process.exit(1);
  });
}
