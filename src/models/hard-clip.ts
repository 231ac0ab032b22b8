/**
 * Hard nonlinearities, clip(a x + b, lo, hi), with a hand-written gradient:
 * the forward is the same tfjs ops (Multiply and Add unless a = 1, b = 0,
 * then ClipByValue), the backward clipByValue's own gradient formula times a
 * (engine/wasm-copy.ts clipGrad: one kernel on wasm instead of the five or
 * six that tfjs's taped gradient dispatches, the same bits; the tfjs ops
 * elsewhere). DNGPU's hard sigmoid is clipAffine(x, 0.5, 0.5, 0, 1), its
 * hard tanh clipAffine(x, 1, 0, -1, 1). saturationCost, the penalty on
 * their inputs, likewise (engine/wasm-copy.ts saturationGrad).
 */
import * as tf from "@tensorflow/tfjs";
import { clipGrad, saturationGrad } from "../engine/wasm-copy";

type Args = (tf.Tensor | tf.GradSaveFunc)[];

const ops = new Map<string, (x: tf.Tensor) => tf.Tensor>();

function clipAffineFor(a: number, b: number, lo: number, hi: number): (x: tf.Tensor) => tf.Tensor {
  const key = `${a},${b},${lo},${hi}`;
  let op = ops.get(key);
  if (op) return op;
  const plain = a === 1 && b === 0;
  op = tf.customGrad((...args: Args) => {
    const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
    // The clip's input is what its gradient compares (saved: the tape keeps it until the backward pass).
    const z = plain ? x : tf.add(tf.mul(x, a), b);
    save([z]);
    return { value: tf.clipByValue(z, lo, hi), gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => clipGrad(saved[0], dy, lo, hi, a) };
  }) as (x: tf.Tensor) => tf.Tensor;
  if (ops.size > 64) ops.clear();
  ops.set(key, op);
  return op;
}

/** clip(a x + b, lo, hi) with the bits of tf.clipByValue(tf.add(tf.mul(x, a), b), lo, hi) and of its taped gradient (a = 1, b = 0: tf.clipByValue(x, lo, hi)). */
export function clipAffine<T extends tf.Tensor>(x: T, a: number, b: number, lo: number, hi: number): T {
  if (!(Number.isFinite(a) && Number.isFinite(b) && lo <= hi)) throw new RangeError(`clipAffine(): need finite a, b and lo <= hi, got ${a}, ${b}, ${lo}, ${hi}`);
  return clipAffineFor(a, b, lo, hi)(x) as T;
}

/** DNGPU's hard sigmoid, clip(0.5 x + 0.5, 0, 1). */
export const hardSigmoid = <T extends tf.Tensor>(x: T): T => clipAffine(x, 0.5, 0.5, 0, 1);

/** The hard tanh, clip(x, -1, 1). */
export const hardTanh = <T extends tf.Tensor>(x: T): T => clipAffine(x, 1, 0, -1, 1);

/**
 * sum(relu(|x| - limit) rows), x [n, c] and rows [n, 1] (a 0/1 row mask), as
 * tf.sum(tf.mul(tf.relu(tf.sub(tf.abs(x), limit)), rows)) with the bits of
 * its taped gradient with respect to x (rows is a constant).
 */
export function saturationCost(x: tf.Tensor2D, rows: tf.Tensor2D, limit: number): tf.Scalar {
  const op = tf.customGrad((...args: Args) => {
    const [xi, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
    save([xi, rows]);
    return {
      value: tf.sum(tf.mul(tf.relu(tf.sub(tf.abs(xi), limit)), rows)),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => saturationGrad(saved[0] as tf.Tensor2D, saved[1] as tf.Tensor2D, limit, dy as tf.Scalar),
    };
  }) as (x: tf.Tensor2D) => tf.Scalar;
  return op(x);
}
