/**
 * gradnoise/lab's `experiments`: what notebooks and section authors use.
 * The CLIs import the rest (locks, shards, merging, auditing) from the
 * modules themselves.
 */
export type { AnyExperiment, Claim, Unjudged, Experiment, ExperimentSpec, FigureBlock, RunContext, RunRecord, RunSpec, SectionReport, Study, StudyResults, Summary, TableBlock } from "./contract";
export { defineExperiment } from "./define";
export { opt } from "./options";
export type { OptionSpec, OptionValue, Overrides } from "./options";
export { experiments, getExperiment } from "./registry";
export { byName, openExperiment as open } from "./open";
export type { Opened, OpenOptions } from "./open";
export { loadSweep, planSweep, resultsFile, runSweep, sweepCommand } from "./sweep";
export type { RunSweepOptions, SweepPlan } from "./sweep";
export { loadStudies, studiesSource, studySlug, studySource, studyTables } from "./studies";
export { judge, VERDICT_KINDS, VERDICT_LABELS, verdictKind, verdictMarkdown, verdictRows } from "./verdict";
export type { ClaimDirection, EffectClaim, Verdict, VerdictKind, VerdictLabel, VerdictUnit } from "./verdict";
export { SCALES } from "./scale";
export type { Scale } from "./scale";
export { trainingCost } from "./results";
export { PAPER_CLAIMS, paperClaim, claimsOf, carriedClaims } from "./paper-claims";
export type { Paper, PaperClaim } from "./paper-claims";
export { buildLedger, checkClaimLinks, claimOutcome, ledger, sectionEvidence } from "./ledger";
export type { LedgerEntry, LedgerRow, LedgerSource, LedgerStatus, SectionEvidence } from "./ledger";
export { computeNotebookSummaries, NOTEBOOK_SUMMARIES, notebookSummary, notebookSummaryMarkdown, summarizeNotebook } from "./ledger-summary";
export type { NotebookClaim, NotebookSummary } from "./ledger-summary";
