// The browser half of test/support/jupyterlab-outputs.ts: JupyterLab's own output
// rendering (@jupyterlab/outputarea + @jupyterlab/rendermime with JupyterLab's
// Sanitizer), bundled by esbuild into build/ at test time for Chromium. Plain ESM,
// not TypeScript: tsc compiles every .ts under test/ into build/test/, and
// `node --test build/test/` would then load this browser code as a test file.
//
// What JupyterLab's notebook does per code cell: one OutputArea over an
// OutputAreaModel whose `trusted` flag comes from the notebook's trust (a
// notebook the user saved is signed, so it is trusted again after a reload; one
// from elsewhere is not). OutputArea.createRenderedMimetype picks the renderer
// with rendermime.preferredMimeType(data, trusted ? "any" : "ensure"), and the
// HTML renderer sanitizes untrusted HTML and evaluates <script>s of trusted HTML.
// Not here: the notebook's URL resolver (it only rewrites relative URLs; data:
// URLs pass through untouched), a markdown parser (the app's marked plugin;
// without it text/markdown shows as source text), theme CSS variables, and any
// labextension (the plotly mime renderer among them).
import { Sanitizer } from "@jupyterlab/apputils";
import { OutputArea, OutputAreaModel } from "@jupyterlab/outputarea";
import { RenderMimeRegistry, standardRendererFactories } from "@jupyterlab/rendermime";
import { Widget } from "@lumino/widgets";
import "@jupyterlab/outputarea/style/index.js";

const PLOTLY_MIME = "application/vnd.plotly.v1+json";
let rendered = [];
let trustedRun = false;

/** Renders each cell's outputs (nbformat JSON, multiline strings already joined) in its own OutputArea. */
function render(cells, trusted) {
  trustedRun = trusted;
  const rendermime = new RenderMimeRegistry({ initialFactories: standardRendererFactories, sanitizer: new Sanitizer() });
  rendered = [];
  cells.forEach((outputs, cell) => {
    const model = new OutputAreaModel({ trusted });
    const area = new OutputArea({ model, rendermime });
    area.node.dataset.cell = String(cell);
    Widget.attach(area, document.body);
    model.fromJSON(outputs);
    for (let index = 0; index < model.length; index++) {
      const m = model.get(index);
      rendered.push({
        cell,
        index,
        outputType: m.type,
        mimeTypes: Object.keys(m.data),
        // Exactly OutputArea's choice (widget.js, createRenderedMimetype).
        mime: rendermime.preferredMimeType(m.data, m.trusted ? "any" : "ensure") ?? null,
        node: area.widgets[index].node,
      });
    }
  });
  return rendered.length;
}

const isFigure = (r) => r.mimeTypes.includes(PLOTLY_MIME);

/** Settled: every image loaded (or failed), and with trust every figure drawn by plotly. */
function ready() {
  return rendered.every(
    (r) =>
      Array.from(r.node.querySelectorAll("img")).every((img) => img.complete) &&
      (!trustedRun || !isFigure(r) || r.node.querySelector("svg.main-svg")),
  );
}

function withoutScriptText(node) {
  const copy = node.cloneNode(true);
  for (const s of copy.querySelectorAll("script")) s.textContent = `/* ${s.textContent.length} characters */`;
  return copy.innerHTML;
}

function inspect() {
  return {
    plotlyLoaded: typeof window.Plotly !== "undefined",
    outputs: rendered.map((r) => {
      const out = r.node.querySelector(".jp-OutputArea-output") ?? r.node;
      return {
        cell: r.cell,
        index: r.index,
        outputType: r.outputType,
        mimeTypes: r.mimeTypes,
        mime: r.mime,
        renderedMime: out.getAttribute("data-mime-type"),
        html: withoutScriptText(out),
        scripts: out.querySelectorAll("script").length,
        tables: out.querySelectorAll("table").length,
        images: Array.from(out.querySelectorAll("img")).map((img) => {
          const box = img.getBoundingClientRect();
          return { className: img.className, src: img.getAttribute("src")?.slice(0, 40) ?? "", naturalWidth: img.naturalWidth, naturalHeight: img.naturalHeight, width: box.width, height: box.height };
        }),
        plotlyDrawn: out.querySelector("svg.main-svg") !== null,
        traces: out.querySelectorAll("g.trace, g.hm").length,
      };
    }),
  };
}

window.gnJupyterLab = { render, ready, inspect };
