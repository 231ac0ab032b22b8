/**
 * One CGRU of the Neural GPU (Kaiser & Sutskever 2016, Section 2; GN Section
 * 4.5) as one op with a hand-written gradient:
 *
 *   g = sigma'(U' * s + B') = [u, r],  sigma'(z) = clip(c sigmoid(z) - (c - 1)/2, 0, 1),
 *   h = tanh(U * (r s) + B),           out = (u s + (1 - u) h) mask,
 *
 * with * the 3x3 "same" convolution on the flat image (engine/shift-kernels.ts).
 *
 * Why by hand: with the tape, every elementwise op saves its inputs and tfjs
 * copies each saved tensor (an Identity kernel, a full copy on WASM); the
 * clip's gradient builds two comparisons, a select and broadcast copies. A
 * step of the original model ran ~880 such copies. Here the forward saves six
 * tensors and the backward is ~25 kernels per CGRU.
 */
import * as tf from "@tensorflow/tfjs";
import { flip3x3, ImageShape, im2col3x3 } from "../../engine/shift-kernels";

export type CGRUOp = (s: tf.Tensor2D, gates: tf.Tensor2D, gatesBias: tf.Tensor1D, candidate: tf.Tensor2D, candidateBias: tf.Tensor1D, mask: tf.Tensor2D) => tf.Tensor2D;

const ops = new Map<string, CGRUOp>();

/*
 * The kernel's gradient cols^T dz as ((dz^T) cols)^T and the bias's as the
 * row sums of dz^T: explicit transposes, not transposed products (WASM's
 * transposed product paths are slow, models/dense.ts), of the narrow dz [N, D]
 * rather than of cols [N, 9 C] (measured on WASM at the original size,
 * [1536, 216] and [1536, 48]: 2.6-3.4 ms against 6.3-6.6 ms), and a sum along
 * the last axis (a Sum along axis 0 transposes first on WASM).
 */
function kernelAndBiasGrads(cols: tf.Tensor2D, dzT: tf.Tensor2D): [tf.Tensor2D, tf.Tensor1D] {
  return [tf.transpose(tf.matMul(dzT, cols)) as tf.Tensor2D, tf.sum(dzT, 1) as tf.Tensor1D];
}

/** The CGRU op for one image geometry and gate cutoff c (cached: the op closes over both). */
export function cgruOp(im: ImageShape, cutoff: number): CGRUOp {
  const key = `${im.batch},${im.height},${im.width},${cutoff}`;
  let op = ops.get(key);
  if (op) return op;
  const shape = { batch: im.batch, height: im.height, width: im.width };
  const lift = (cutoff - 1) / 2;
  op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [s, wg, bg, wc, bc, mask, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.Tensor2D, tf.Tensor1D, tf.Tensor2D, tf.GradSaveFunc];
    const m = s.shape[1];
    const cs = im2col3x3(s, shape);
    const sg = tf.sigmoid(tf.add(tf.matMul(cs, wg), bg));
    const g = tf.clipByValue(tf.sub(tf.mul(sg, cutoff), lift), 0, 1);
    const u = tf.slice(g, [0, 0], [-1, m]);
    const r = tf.slice(g, [0, m], [-1, m]);
    const crs = im2col3x3(tf.mul(r, s) as tf.Tensor2D, shape);
    const h = tf.tanh(tf.add(tf.matMul(crs, wc), bc));
    save([s, cs, crs, sg, g, h, mask]);
    // u s + (1 - u) h = h + u (s - h)
    return {
      value: tf.mul(tf.add(h, tf.mul(u, tf.sub(s, h))), mask) as tf.Tensor2D,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [s0, cs0, crs0, sg0, g0, h0, mask0] = saved as tf.Tensor2D[];
        const u0 = tf.slice(g0, [0, 0], [-1, m]);
        const r0 = tf.slice(g0, [0, m], [-1, m]);
        const dh = tf.mul(dy, mask0);
        const du = tf.mul(dh, tf.sub(s0, h0));
        // d/dz tanh = 1 - h^2
        const dzc = tf.mul(tf.sub(dh, tf.mul(dh, u0)), tf.sub(1, tf.square(h0))) as tf.Tensor2D;
        const drs = tf.matMul(im2col3x3(dzc, shape), flip3x3(wc));
        const dr = tf.mul(drs, s0);
        // sigma' is c sigmoid (1 - sigmoid) where the clip is inactive (0 < g < 1), else 0.
        const inside = tf.cast(tf.logicalAnd(tf.greater(g0, 0), tf.less(g0, 1)), "float32");
        const gp = tf.mul(tf.mul(sg0, tf.sub(1, sg0)), tf.mul(inside, cutoff));
        // [du dr] built transposed: a concat along axis 0 is a contiguous copy, along axis 1 a row-by-row one (~1 ms a call on WASM).
        const dzgT = tf.mul(tf.concat([tf.transpose(du), tf.transpose(dr)], 0), tf.transpose(gp)) as tf.Tensor2D;
        const ds = tf.addN([tf.mul(dh, u0), tf.mul(drs, r0), tf.matMul(im2col3x3(tf.transpose(dzgT), shape), flip3x3(wg))]);
        return [ds, ...kernelAndBiasGrads(cs0, dzgT), ...kernelAndBiasGrads(crs0, tf.transpose(dzc)), tf.zerosLike(mask0)];
      },
    };
  }) as CGRUOp;
  if (ops.size > 256) ops.clear();
  ops.set(key, op);
  return op;
}
