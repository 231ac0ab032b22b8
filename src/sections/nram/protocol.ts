/**
 * The protocol side by side: what the NRAM paper and GN fix, what they leave
 * open, and what each of our scales uses (every unknown is a config value).
 */
import type { NramConfig } from "./run";

export function protocolRows(c: NramConfig): Record<string, string>[] {
  const s = c.settings;
  return [
    { what: "task", paper: "ListK, lists of length <= 10 (NRAM Table 1), generalisation to 50", ours: `ListK, lists of 1..${c.maxLength} nodes, k uniform on 0..n-1` },
    { what: "memory M (= value range)", paper: "not given for ListK [unknown]", ours: `${c.memory} cells (3 fixed + ${Math.floor((c.memory - 3) / 2)} node slots)` },
    { what: "registers R", paper: "not given for ListK [unknown]", ours: String(c.registers) },
    { what: "timesteps T", paper: "not given (\"14 modules and 20 timesteps\" cited as typical)", ours: `${c.timesteps} (k <= ${c.maxLength - 1} hops need about k + 2 steps)` },
    { what: "modules", paper: "the 14 of NRAM Section 4.3", ours: "the same 14, once per timestep" },
    { what: "controller", paper: "LSTM with a ReLU layer before it (GN: LSTM)", ours: `ReLU layer + LSTM, ${c.hidden} units each` },
    { what: "optimizer", paper: "Adam", ours: `Adam, ${s.map((x) => x.learningRate).join(" / ")} per setting` },
    { what: "batch", paper: "50 in the best results (GN 4.6); for its batch-size arms it does not say whether updates or examples were held fixed", ours: `${c.batch}; the batch 10 / 25 arms run the same ${c.steps} updates, so they see fewer lists (the Neural Programmer section does the same: Eq. 1's variance runs on the update count)` },
    { what: "updates", paper: "not given [unknown]", ours: String(c.steps) },
    { what: "curriculum", paper: "Zaremba & Sutskever, level raised under an error threshold [unknown]", ours: `Appendix B sampling; raise when a batch's error < ${c.curriculum.threshold}, >= ${c.curriculum.minBatches} batches apart` },
    { what: "clipping C1 / C2", paper: "element-wise on activation gradients, then global norm [values unknown]", ours: s.map((x) => `${x.clipActivation} / ${x.clipGlobal}`).join(", ") + " per setting" },
    { what: "entropy bonus", paper: "coefficient decaying exponentially [values unknown]", ours: s.map((x) => `${x.entropy.start} x ${x.entropy.decay}^t`).join(", ") + " per setting" },
    { what: "log(max(x, eps))", paper: "eps small [unknown]", ours: String(c.eps) },
    { what: "noise", paper: "Eq. 1 after clipping, eta 0.01, gamma 0.55", ours: `eta ${c.eta}, gamma ${c.gamma}` },
    { what: "settings", paper: "top 3 of a large grid, chosen separately per arm", ours: "A-C chosen in advance, the same for both arms (paired seeds); then a search over a 12-setting grid (A-C among them; 2 held-out seeds, half the updates, per arm) ranks them: an extension study that leaves Table 4 on A-C (a second Table 4 on each arm's searched top 3, ~96 more runs, not run at `cpu` scale: budget)" },
    { what: "seeds per setting and arm", paper: "100 (the same in both arms)", ours: `${c.seeds} (the same in every arm)` },
    { what: "success", paper: "100% accuracy (error 0) after discretising memory", ours: `error 0 on ${c.testSize} fixed test lists, out cell by argmax of sum_t p_t Mem^(t)` },
    { what: "generalisation", paper: "bigger memory and more timesteps, lists up to 50 (NRAM Fig. 3)", ours: `${c.generalisation.count} lists of up to ${c.generalisation.maxLength} nodes, ${c.generalisation.memory} cells, ${c.generalisation.timesteps} timesteps (reported, not part of success)` },
    { what: "4.6: fixed noise", paper: "variance log-uniform in [1e-4, 0.1], 180 runs per setting", ours: `variance log-uniform in [${c.fixedVariance.join(", ")}] per seed, setting 1` },
    { what: "4.6: weight noise", paper: "Eq. 1 on the weights, starting variance down to 1e-6", ours: `Eq. 1 on the weights, eta ${c.weightEta}, setting 1` },
  ];
}
