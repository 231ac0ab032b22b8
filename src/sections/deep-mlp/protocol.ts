/** Notebook 01's protocol table: the paper's choices beside this scale's. */
import type { Cell } from "../../report/table";
import type { DeepMlpConfig } from "./run";

export function protocolRows(cfg: DeepMlpConfig, scale: string): Record<string, Cell>[] {
  const rows: [string, string, string][] = [
    ["network", "20 x 50 ReLU, softmax output", `${cfg.depth} x ${cfg.width} ReLU, softmax output`],
    ["optimiser", "SGD, no momentum", "SGD, no momentum"],
    ["learning rates", "0.1 and 0.01", cfg.learningRates.join(" and ")],
    ["runs per row", "40 (20 per learning rate)", `${cfg.learningRates.length * cfg.runsPerLr} (${cfg.runsPerLr} per learning rate)`],
    ["noise", "eta 0.01, gamma 0.55, after clipping", `eta ${cfg.eta}, gamma ${cfg.gamma}, after clipping`],
    ["training budget", "not stated", `${cfg.steps} updates of batch ${cfg.batchSize}`],
    ["dropout rate", "not stated", String(cfg.dropout)],
    ["data", "MNIST", cfg.trainExamples ? `first ${cfg.trainExamples} training / ${cfg.testExamples} test images` : "MNIST, 60,000 training / 10,000 test"],
  ];
  return rows.map(([what, paper, here]) => ({ "": what, paper, [`here (${scale})`]: here }));
}
