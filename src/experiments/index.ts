/**
 * Paper sections as plug-ins: the framework (contract, registry, sweeps,
 * results files, verdicts) and, through the registry, every section under
 * this folder. A notebook imports its own section's folder for its details.
 */
export * from "./framework";
