/** Notebook 06's protocol table: the paper's (Zaremba small + dropout) choices beside this scale's. */
import type { Cell } from "../../report/table";
import type { LmPtbConfig } from "./run";

export function lmPtbProtocolRows(c: LmPtbConfig, scale: string): Record<string, Cell>[] {
  const b = c.base;
  const rows: [string, string, string][] = [
    ["model", "2 x 200 LSTM (Zaremba small)", `${b.layers} x ${b.hidden} LSTM, init +-${b.initScale}`],
    ["optimiser", "SGD lr 1, clip 5, x0.5 per epoch after epoch 4", `SGD lr ${b.lr}, clip ${b.clip}, x${b.lrDecay} per epoch after epoch ${b.decayAfter}`],
    ["BPTT", "batch 20 x 20 steps", `batch ${b.batch} x ${b.steps} steps`],
    ["epochs", "13 (Zaremba small)", `${b.epochs} over ${b.trainFraction === 1 ? "all of PTB" : `the first ${(100 * b.trainFraction).toPrecision(2)}% of PTB's training windows`}`],
    ["dropout", "yes, rate not stated", `${c.dropoutRate}, non-recurrent (Zaremba), in the dropout rows`],
    ["gradient noise", "eta 0.001, 0.01; gamma 0.55 (Eq. 1)", `eta ${c.etas.join(", ")}; gamma ${c.gamma}`],
    ["seeds per row", "not stated (one number per row)", String(c.seeds)],
    ["evaluation", "validation or test: not stated", `curve: ${b.curveValidTokens ?? "all"} validation tokens; final: ${b.evalTokens ?? "all"} tokens of valid and test`],
  ];
  return rows.map(([what, paper, here]) => ({ "": what, paper, [`here (${scale})`]: here }));
}
