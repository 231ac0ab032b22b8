/**
 * The language-model family (LSTM and plain-RNN word models on PTB and
 * WikiText-2): what its sections (lm-ptb, noise-comparison, noisin-ptb,
 * noisin-noise-level, noisin-wikitext2) share. setup.ts says what a run is,
 * recipe.ts trains and evaluates one, record.ts makes it a sweep's record,
 * report.ts draws the tables and figures.
 */
export { ZAREMBA_SMALL } from "./setup";
export type { LMSetup } from "./setup";
export { runLMSetup } from "./recipe";
export type { LMOutcome } from "./recipe";
export { identicalLMRun, LM_MEASURES, lmRun, runLMRecord } from "./record";
export type { LMRunRecord } from "./record";
export { assertOneFormulation, lmCompare, lmComparisonTable, lmConditionRows, lmCurvesFigure, lmDifferenceFigure, lmPaperFigure, lmRowsTable, overfitting } from "./report";
export { LM_MARGIN, LM_MARGIN_REASON, lmVerdict } from "./verdict";
export type { LMPaperClaim } from "./verdict";
export type { LMComparison, LMConditionRow, LMConditionSpec, LMDifferenceSpec, LMMeasure, LMRecordLike } from "./report";
