/**
 * A figure as Plotly's JSON describes it (data traces, layout, config): what
 * every chart in a report is, whether plotly.js draws it (plotly.ts) or the
 * static SVG renderer does (static-svg/). Its own module so neither renderer
 * imports the other for it.
 */
export interface Figure {
  data: Record<string, unknown>[];
  layout?: Record<string, unknown>;
  config?: Record<string, unknown>;
}
