/**
 * One recurrent layer over a whole BPTT window as a single custom-gradient
 * op: the LSTM of Zaremba et al. 2014 (gates i, f, g, o; c_t = sigma(f)
 * c_{t-1} + sigma(i) tanh(g), h_t = sigma(o) tanh(c_t)) or a plain RNN
 * h_t = f(pre_t), with NOISIN's noise on h_t and a variational dropout mask
 * on h_{t-1} as options. The forward runs the same ops in the same order as
 * RnnLM's taped loop (cellStep, HiddenStateNoise.apply), so its values are
 * identical; the backward is BPTT written out with tfjs's own gradient
 * formulas (Sigmoid dy y (1 - y), Tanh (1 - y^2) dy, Relu dy step(x), Mul
 * and Add as taped).
 *
 * Why: taped, an LSTM step records ~30 ops, and the backward transposes Wh
 * and h_{t-1} at every step and sums T products h_{t-1}^T dpre_t into dWh.
 * Here Wh^T is formed once and dWh is one [H, T*B] x [T*B, G*H] product. That
 * sum over t, and the noise term's gradient (one [T*B, H] tensor instead of T
 * slices), are reassociated: the only floating-point differences from the
 * taped graph.
 */
import * as tf from "@tensorflow/tfjs";
import { matMulExplicit } from "../engine/wasm-matmul";

/** The recurrent cells (RnnLM's `cell`): Zaremba's LSTM or a plain RNN with this nonlinearity. Declared here, the lowest module that needs it. */
export type CellKind = "lstm" | "tanh" | "sigmoid" | "relu";
export const CELL_KINDS: readonly CellKind[] = ["lstm", "tanh", "sigmoid", "relu"];

type Args = (tf.Tensor | tf.GradSaveFunc)[];

export interface RecurrentLayerOptions {
  cell: CellKind;
  /** NOISIN (hidden-noise.ts) for the window, [T*B, H]: gamma eps (additive, z = h + term) or 1 + gamma eps (multiplicative, z = h term). */
  noise?: { kind: "additive" | "multiplicative"; term: tf.Tensor2D } | null;
  /** Variational dropout's mask on h_{t-1}, [B, H]: a constant (no gradient). */
  recMask?: tf.Tensor2D | null;
}

const sigmoidGrad = (y: tf.Tensor, dy: tf.Tensor) => tf.mul(dy, tf.mul(y, tf.sub(1, y)));
const tanhGrad = (y: tf.Tensor, dy: tf.Tensor) => tf.mul(tf.sub(1, tf.square(y)), dy);

/** A plain RNN cell's nonlinearity (RnnLM's taped path uses it too). */
export function activation(cell: CellKind, x: tf.Tensor): tf.Tensor {
  if (cell === "lstm") throw new Error("activation(): not a plain RNN cell: lstm");
  return cell === "tanh" ? tf.tanh(x) : cell === "sigmoid" ? tf.sigmoid(x) : tf.relu(x);
}

/** d pre from d h for a plain cell, from its output y (relu: y > 0 exactly where pre > 0). */
function activationGrad(cell: CellKind, y: tf.Tensor, dy: tf.Tensor): tf.Tensor {
  return cell === "tanh" ? tanhGrad(y, dy) : cell === "sigmoid" ? sigmoidGrad(y, dy) : tf.mul(dy, tf.step(y));
}

/**
 * xp [T*B, G*H]: the input projection x Wx + b, time-major (G = 4 for the
 * LSTM, 1 otherwise); Wh [H, G*H]; h0 [B, H]; c0 [B, H] for the LSTM, else
 * null. Returns the (noisy) hidden states [T*B, H], time-major; for the LSTM
 * [(T+1)*B, H], the last B rows c_T (a customGrad op has a single output).
 */
export function recurrentLayer(xp: tf.Tensor2D, Wh: tf.Tensor2D, h0: tf.Tensor2D, c0: tf.Tensor2D | null, o: RecurrentLayerOptions): tf.Tensor2D {
  const lstm = o.cell === "lstm";
  const [B, H] = h0.shape;
  const G = lstm ? 4 : 1;
  const T = xp.shape[0] / B;
  if (!Number.isInteger(T) || xp.shape[1] !== G * H || lstm !== (c0 !== null)) throw new RangeError(`recurrentLayer(): xp [${xp.shape}], h0 [${h0.shape}] and c0 do not fit a ${o.cell} layer`);
  const noise = o.noise ?? null;
  const mask = o.recMask ?? null;
  // Saved per step: h_{t-1} as the step's product saw it, h_t before noise, and for the LSTM c_t, sigma(i), sigma(f), tanh(g), sigma(o), tanh(c_t).
  const per = lstm ? 8 : 2;
  const f = tf.customGrad((...args: Args) => {
    const save = args.pop() as tf.GradSaveFunc;
    const [x, w, hInit] = args as tf.Tensor2D[];
    const cInit = lstm ? (args[3] as tf.Tensor2D) : null;
    const term = noise ? (args[lstm ? 4 : 3] as tf.Tensor2D) : null;
    const kept: tf.Tensor[] = [w, ...(cInit ? [cInit] : []), ...(term ? [term] : []), ...(mask ? [mask] : [])];
    const head = kept.length;
    const zs: tf.Tensor[] = [];
    let z: tf.Tensor = hInit;
    let c: tf.Tensor | null = cInit;
    for (let t = 0; t < T; t++) {
      const hin = mask ? tf.mul(z, mask) : z;
      const pre = tf.add(tf.slice(x, [t * B, 0], [B, G * H]), tf.matMul(hin as tf.Tensor2D, w));
      let h: tf.Tensor;
      if (lstm) {
        // Four slices rather than tf.split: WASM's SplitV copies its whole input once per piece (engine/wasm-slice.ts).
        const [i, fg, g, og] = [0, 1, 2, 3].map((k) => tf.slice(pre, [0, k * H], [B, H]));
        const si = tf.sigmoid(i), sf = tf.sigmoid(fg), tg = tf.tanh(g), so = tf.sigmoid(og);
        c = tf.add(tf.mul(sf, c!), tf.mul(si, tg));
        const tc = tf.tanh(c);
        h = tf.mul(so, tc);
        kept.push(hin, h, c, si, sf, tg, so, tc);
      } else {
        h = activation(o.cell, pre);
        kept.push(hin, h);
      }
      z = term ? (noise!.kind === "additive" ? tf.add(h, tf.slice(term, [t * B, 0], [B, H])) : tf.mul(h, tf.slice(term, [t * B, 0], [B, H]))) : h;
      zs.push(z);
    }
    save(kept);
    const value = tf.concat(lstm ? [...zs, c!] : zs, 0) as tf.Tensor2D;
    return { value, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => backward(dy, saved, head, per) };
  }) as (...inputs: tf.Tensor[]) => tf.Tensor2D;

  /** Gradients [dxp, dWh, dh0, (dc0), (d term)] from dy: dz_t rows (then dc_T for the LSTM). */
  function backward(dy: tf.Tensor, saved: tf.Tensor[], head: number, per: number): tf.Tensor[] {
    const w = saved[0];
    const cInit = lstm ? saved[1] : null;
    const term = noise ? saved[lstm ? 2 : 1] : null;
    // The saved clone: the caller's mask may be freed before the backward runs.
    const recMask = mask ? saved[head - 1] : null;
    const at = (t: number, k: number) => saved[head + per * t + k];
    const wT = tf.transpose(w);
    let dc: tf.Tensor | null = lstm ? tf.slice(dy, [T * B, 0], [B, H]) : null;
    let dzNext: tf.Tensor | null = null;
    const dpre: tf.Tensor[] = new Array(T);
    const dterm: tf.Tensor[] = new Array(T);
    for (let t = T - 1; t >= 0; t--) {
      const dyt = tf.slice(dy, [t * B, 0], [B, H]);
      const dz = dzNext ? tf.add(dyt, dzNext) : dyt;
      let dh = dz;
      if (noise) {
        if (noise.kind === "additive") dterm[t] = dz;
        else {
          dh = tf.mul(dz, tf.slice(term!, [t * B, 0], [B, H]));
          dterm[t] = tf.mul(dz, at(t, 1));
        }
      }
      if (lstm) {
        const [si, sf, tg, so, tc] = [3, 4, 5, 6, 7].map((k) => at(t, k));
        const cPrev = t === 0 ? cInit! : at(t - 1, 2);
        // h = so tc; tc = tanh(c); c also feeds c_{t+1} (dc so far); c = sf c_{t-1} + si tg.
        const dct = tf.add(tanhGrad(tc, tf.mul(dh, so)), dc!);
        dpre[t] = tf.concat([sigmoidGrad(si, tf.mul(dct, tg)), sigmoidGrad(sf, tf.mul(dct, cPrev)), tanhGrad(tg, tf.mul(dct, si)), sigmoidGrad(so, tf.mul(dh, tc))], 1);
        dc = tf.mul(dct, sf);
      } else dpre[t] = activationGrad(o.cell, at(t, 1), dh);
      const dhin = tf.matMul(dpre[t] as tf.Tensor2D, wT);
      dzNext = recMask ? tf.mul(dhin, recMask) : dhin;
    }
    const dxp = tf.concat(dpre, 0) as tf.Tensor2D;
    const hins = tf.concat(Array.from({ length: T }, (_, t) => at(t, 0)), 0) as tf.Tensor2D;
    const grads = [dxp, matMulExplicit(hins, dxp, true, false), dzNext!];
    if (lstm) grads.push(dc!);
    if (noise) grads.push(tf.concat(dterm, 0));
    return grads;
  }

  const inputs = [xp, Wh, h0, ...(c0 ? [c0] : []), ...(noise ? [noise.term] : [])];
  return f(...inputs);
}
