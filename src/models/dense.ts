/**
 * Matrix products with hand-written gradients that avoid slow kernels.
 *
 * tfjs's matMul gradient uses the transposeA/transposeB flags; on the WASM
 * backend those paths were ~7x slower than an explicit transpose followed by a
 * plain product (shared/REFERENCE.md; [128,784]x[128,50]: 8.1 ms vs 1.1 ms),
 * so these backwards multiply by explicit transposes; that fixes their bits,
 * which matMulExplicit keeps while reading the transposed operand in place
 * (engine/wasm-matmul.ts, where both paths are now fast).
 * And WASM's batched product with a batch dimension > 1 runs a naive loop
 * (measured here: 1.6-1.9 GFLOP/s) while the same products done one 2-D slice
 * at a time go through XNNPACK (4-20 GFLOP/s). So population layers compute
 * per-run 2-D products inside one custom-gradient op.
 */
import * as tf from "@tensorflow/tfjs";
import { dataProduct, matMulExplicit } from "../engine/wasm-matmul";


/** x [b, in] . w [in, out]; backward: dx = dy . w^T, dw = x^T . dy, transposes explicit. */
type Args = (tf.Tensor | tf.GradSaveFunc)[];

export const matMul2d = tf.customGrad((...args: Args) => {
  const [x, w, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  save([x, w]);
  return {
    value: tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, ws] = saved as tf.Tensor2D[];
      return [matMulExplicit(dy as tf.Tensor2D, ws, false, true), matMulExplicit(xs, dy as tf.Tensor2D, true, false)];
    },
  };
}) as (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D;

/**
 * x [b, in] . w [in, out] where x is data (a batch, not a parameter): the
 * backward computes only dw = x^T . dy (matMul2d also forms dx, a product
 * nothing uses when x is data), by the same formulation as matMul2d's, so it
 * is bit-identical; on WASM without transposing x (matMulExplicit).
 */
export function dataMatMul(x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  const op = tf.customGrad((...args: Args) => {
    const [wIn, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
    // Saved, not captured: a caller may create x inside the loss function, which the tape disposes before the backward.
    save([x]);
    return {
      value: dataProduct(x, wIn, false),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => dataProduct(saved[0] as tf.Tensor2D, dy as tf.Tensor2D, true),
    };
  });
  return op(w) as tf.Tensor2D;
}

/** Applies `f` to each run's slice along axis 0 and stacks the results. */
function perRun(a: tf.Tensor, b: tf.Tensor, f: (ai: tf.Tensor2D, bi: tf.Tensor2D) => tf.Tensor2D): tf.Tensor3D {
  const as = tf.unstack(a) as tf.Tensor2D[];
  const bs = tf.unstack(b) as tf.Tensor2D[];
  return tf.stack(as.map((ai, r) => f(ai, bs[r]))) as tf.Tensor3D;
}

/**
 * The population product x [R, b, in] . w [R, in, out] -> [R, b, out]: run r
 * multiplies its own batch by its own weights. Same values as tf.matMul on
 * 3-D tensors, computed as R 2-D products (forward and backward), except on
 * webgpu: there one batched product per layer and direction, since each 2-D
 * slice costs dispatches (unstack, product, transpose, stack: 9,400 of the
 * 10,245 a step of a population of 40 20-layer MLPs took), and a batched
 * product is one.
 */
export const populationMatMul = tf.customGrad((...args: Args) => {
  const [x, w, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  save([x, w]);
  const batched = tf.getBackend() === "webgpu";
  return {
    value: batched ? tf.matMul(x, w) : perRun(x, w, (xi, wi) => tf.matMul(xi, wi)),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, ws] = saved;
      if (batched) return [tf.matMul(dy, ws, false, true), tf.matMul(xs, dy, true, false)];
      return [
        perRun(dy, ws, (dyi, wi) => matMulExplicit(dyi, wi, false, true)),
        perRun(xs, dy, (xi, dyi) => matMulExplicit(xi, dyi, true, false)),
      ];
    },
  };
}) as (x: tf.Tensor3D, w: tf.Tensor3D) => tf.Tensor3D;
