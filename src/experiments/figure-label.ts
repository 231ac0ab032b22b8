/**
 * Every figure says what it was drawn from (issue 24, readable figures): its
 * title, and the title inside the plot, end with the scale and the number of
 * runs behind it, e.g. "(scale cpu, 78 runs)". One place for it, so the
 * figures CLI and the notebooks (open.ts) label alike.
 */
import type { FigureBlock, StudyResults } from "./contract";
import type { Scale } from "./scale";
import { studySlug } from "./studies";

/** " (scale cpu, 78 runs)"; " (closed form, no runs)" for 0. */
export function scaleAndN(scale: Scale, runs: number): string {
  return runs === 0 ? " (closed form, no runs)" : ` (scale ${scale}, ${runs} run${runs === 1 ? "" : "s"})`;
}

/** `block` with both titles ending in scaleAndN (added once: a title that already ends with it is left alone); the block's own `runs`, when it has them, over `runs`. */
export function labelFigure(block: FigureBlock, scale: Scale, runs: number): FigureBlock {
  const tag = scaleAndN(scale, block.runs ?? runs);
  const add = (t: string) => (t.endsWith(tag) ? t : `${t}${tag}`);
  const layout = (block.fig.layout ?? {}) as Record<string, unknown>;
  const inner = layout.title as { text?: string } | string | undefined;
  const title = typeof inner === "string" ? add(inner) : inner?.text !== undefined ? { ...inner, text: add(inner.text) } : inner;
  return { ...block, title: add(block.title), fig: { ...block.fig, layout: { ...layout, ...(title !== undefined ? { title } : {}) } } };
}

/** The runs behind a study figure: its own study's when it is named for one (studySlug), else every study's it may draw. */
export function studyFigureRuns(block: Pick<FigureBlock, "name">, studies: readonly StudyResults[]): number {
  const own = studies.find((r) => studySlug(r.study) === block.name);
  return own ? own.records.length : studies.reduce((n, r) => n + r.records.length, 0);
}
