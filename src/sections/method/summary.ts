/**
 * The zero-init demo from records: how many runs of each setting left the
 * plateau, and the verdict against Table 1's Experiment 6 (the paper's
 * version of this claim, on MNIST with 20 layers).
 */
import { leftPlateau } from "../../stats";
import { permutationDifference } from "../../stats/inversion";
import { judge, Verdict } from "../../experiments/verdict";
import type { PlateauResult } from "./figures";
import { runDiverged } from "../../train/divergence";
import { majorityRate, planPlateau, PLATEAU_SETTINGS, PlateauConfig, plateauData, PlateauRecord, PlateauSetting } from "./run";

/** Table 1, Experiment 6 (zero init, clip 10): average test accuracy over 40 runs without and with noise. */
export const PAPER_EXP6 = { noNoise: 0.101, withNoise: 0.497 } as const;

export interface PlateauSummary extends PlateauResult {
  escaped: Record<PlateauSetting, number>;
  runsPerSetting: number;
  /** Runs held and planned per setting; runs that diverged (train/divergence.ts) per setting. */
  held: Record<PlateauSetting, number>;
  planned: Record<PlateauSetting, number>;
  diverged: Record<PlateauSetting, number>;
  verdicts: Verdict[];
}

export function summarizePlateau(records: PlateauRecord[], cfg: PlateauConfig): PlateauSummary {
  const { train, test } = plateauData(cfg);
  const rate = majorityRate(train, test);
  const acc = (s: PlateauSetting) => records.filter((r) => r.setting === s).map((r) => r.testAccuracy);
  const perSetting = (f: (s: PlateauSetting) => number) => Object.fromEntries(PLATEAU_SETTINGS.map((s) => [s, f(s)])) as Record<PlateauSetting, number>;
  const escaped = perSetting((s) => acc(s).filter((a) => leftPlateau(a, rate)).length);
  const held = perSetting((s) => acc(s).length);
  const specs = planPlateau(cfg);
  const planned = perSetting((s) => specs.filter((x) => x.setting === s).length);
  const diverged = perSetting((s) => records.filter((r) => r.setting === s && runDiverged(r, r.history?.loss ?? [], cfg.data.classes)).length);
  const [no, yes] = [acc("no noise"), acc("with noise")];
  // One test gives both p and the interval: the permutation test, inverted (3 runs a side cannot reach p < 0.05, and the verdict says so).
  const t = no.length && yes.length ? permutationDifference(yes, no, { seed: "2016/plateau", permutations: 10000 }) : undefined;
  const verdicts = t
    ? [judge({
        claimId: "gn-4.1-zero-init-rescue",
        claim: "zero init: average test accuracy, with noise minus without (paper: Table 1, Experiment 6)",
        paper: PAPER_EXP6.withNoise - PAPER_EXP6.noNoise,
        ours: t.difference, interval: [t.low, t.high], p: t.p, minP: t.minP, test: t.test, n: t.n,
        margin: 0.01, marginReason: "1 point of test accuracy, as for Table 1",
        sizeNotComparable: `a ${cfg.depth}-layer net on synthetic clusters at lr ${cfg.learningRate}, not the paper's 20-layer MNIST net averaged over lr 0.1 and 0.01`,
      })]
    : [];
  return { config: cfg, majorityRate: rate, runs: records, escaped, runsPerSetting: Math.max(no.length, yes.length), held, planned, diverged, verdicts };
}
