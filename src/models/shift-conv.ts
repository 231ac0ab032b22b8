/**
 * Convolutions as products of shifted row blocks, with a hand-written
 * gradient: trains on every backend.
 *
 * tfjs's WASM backend has no Conv2DBackpropFilter, so `tf.conv2d` cannot be
 * trained there. Here an image [B, H, W, C] lives as a flat matrix [N, C] of
 * its zero-bordered positions (N = B (H + 2k) (W + 2k) for a kernel of
 * radius k); a tap (dy, dx) of the kernel then reads the row `dy (W + 2k) + dx`
 * further on, so the taps' inputs side by side are a copy of x with shifted
 * rows, [N, K C], and the convolution is one product of that by the kernel's
 * blocks [K C, D]. Its adjoint sums the opposite shifts: the backward pass
 * needs no convolution kernel and no gather.
 *
 * Rows on the border get values too (read across the zero border); a model
 * keeps the border at zero by multiplying with a mask, as the Neural GPU's
 * state is masked anyway (Kaiser & Sutskever 2016, padded positions zeroed).
 */
import * as tf from "@tensorflow/tfjs";
import { matMulExplicit } from "../engine/wasm-matmul";
import { flip3x3, ImageShape, im2col3x3, shiftStack, shiftSum } from "../engine/shift-kernels";

export type { ImageShape } from "../engine/shift-kernels";

type Args = (tf.Tensor | tf.GradSaveFunc)[];

/** Row offsets of a (2k+1)x(2k+1) kernel's taps in the flat bordered layout, row-major over (dy, dx): sorted and symmetric. */
export function kernelOffsets(paddedWidth: number, radius = 1): number[] {
  if (!(Number.isInteger(paddedWidth) && paddedWidth > 2 * radius)) throw new RangeError(`kernelOffsets(): padded width must be an integer above ${2 * radius}, got ${paddedWidth}`);
  const out: number[] = [];
  for (let dy = -radius; dy <= radius; dy++) for (let dx = -radius; dx <= radius; dx++) out.push(dy * paddedWidth + dx);
  return out;
}

function checkOffsets(offsets: readonly number[]): void {
  for (let i = 0; i < offsets.length; i++) {
    if (!Number.isInteger(offsets[i])) throw new RangeError(`shiftConv(): offsets must be integers, got ${offsets[i]}`);
    if (i > 0 && !(offsets[i] > offsets[i - 1])) throw new RangeError("shiftConv(): offsets must be strictly increasing");
    if (offsets[i] !== -offsets[offsets.length - 1 - i]) throw new RangeError("shiftConv(): offsets must be symmetric (the adjoint reads the opposite shifts)");
  }
}

const ops = new Map<string, (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D>();

/*
 * One product per pass over the stacked shifts (im2col, engine/shift-kernels.ts):
 *   y = S(x) w,   dx = S^T(dy w^T),   dw = S(x)^T dy,
 * with S(x) = [shift(x, o_0) ... shift(x, o_{K-1})] and S^T its adjoint. Three
 * products of a step instead of 27 small ones: XNNPACK's per-call cost (it
 * packs the right operand on every call) dominated nine per-tap products.
 * S(x)^T is built transposed by the copy kernel rather than by a transpose of
 * S(x) or a transposed product (WASM's transposed product paths are slow,
 * models/dense.ts); w^T is one small transpose.
 */
function shiftConvFor(offsets: readonly number[]): (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D {
  const key = offsets.join(",");
  let op = ops.get(key);
  if (op) return op;
  checkOffsets(offsets);
  op = tf.customGrad((...args: Args) => {
    const [x, w, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
    save([x, w]);
    const value = tf.tidy(() => tf.matMul(shiftStack(x, offsets), w));
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws] = saved as tf.Tensor2D[];
        const dx = shiftSum(matMulExplicit(dy as tf.Tensor2D, ws, false, true), offsets);
        const dw = tf.matMul(shiftStack(xs, offsets, true), dy as tf.Tensor2D);
        return [dx, dw];
      },
    };
  }) as (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D;
  if (ops.size > 256) ops.clear();
  ops.set(key, op);
  return op;
}

/**
 * y[p] = sum_k x[p + offsets[k]] . w_k, with w = [w_0; ...; w_{K-1}] of shape
 * [K C, D] and x read as zero outside its rows. Offsets must be strictly
 * increasing and symmetric (kernelOffsets()).
 */
export function shiftConv(x: tf.Tensor2D, w: tf.Tensor2D, offsets: readonly number[]): tf.Tensor2D {
  if (x.rank !== 2 || w.rank !== 2) throw new RangeError(`shiftConv(): x and w must be rank 2, got ${x.rank} and ${w.rank}`);
  if (w.shape[0] !== offsets.length * x.shape[1]) throw new RangeError(`shiftConv(): w has ${w.shape[0]} rows, ${offsets.length} taps x ${x.shape[1]} channels need ${offsets.length * x.shape[1]}`);
  return shiftConvFor(offsets)(x, w);
}

const imageOps = new Map<string, (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D>();

/*
 * As shiftConv, on an image without a border (engine/shift-kernels.ts's
 * im2col3x3, one copy kernel): y = C(x) w, dw = C(x)^T dy, and dx the same
 * convolution of dy with the kernel flipped (taps reversed, each block
 * transposed): dx = C(dy) w', a product instead of a scatter-add.
 */
function conv3x3For(im: ImageShape): (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D {
  const key = `${im.batch},${im.height},${im.width}`;
  let op = imageOps.get(key);
  if (op) return op;
  const shape = { batch: im.batch, height: im.height, width: im.width };
  op = tf.customGrad((...args: Args) => {
    const [x, w, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
    const cols = im2col3x3(x, shape);
    save([cols, w]);
    return {
      value: tf.matMul(cols, w),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xc, ws] = saved as tf.Tensor2D[];
        // Explicit transpose, not a transposed product (WASM's transposed product paths are slow: measured 10x here, models/dense.ts).
        return [tf.matMul(im2col3x3(dy as tf.Tensor2D, shape), flip3x3(ws)), tf.matMul(tf.transpose(xc), dy as tf.Tensor2D)];
      },
    };
  }) as (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D;
  if (imageOps.size > 256) imageOps.clear();
  imageOps.set(key, op);
  return op;
}

/**
 * A 3x3 "same" convolution (zero padding) of an image kept as a flat matrix
 * x [B H W, C] (row (b, h, w)), w [9 C, D] = tf.conv2d's [3, 3, C, D] filter
 * reshaped; gradients on every backend. Only the image's own cells are
 * computed (no border rows, unlike shiftConv).
 */
export function conv3x3(x: tf.Tensor2D, w: tf.Tensor2D, im: ImageShape): tf.Tensor2D {
  if (x.rank !== 2 || w.rank !== 2) throw new RangeError(`conv3x3(): x and w must be rank 2, got ${x.rank} and ${w.rank}`);
  if (w.shape[0] !== 9 * x.shape[1]) throw new RangeError(`conv3x3(): w has ${w.shape[0]} rows, 9 taps x ${x.shape[1]} channels need ${9 * x.shape[1]}`);
  if (x.shape[0] !== im.batch * im.height * im.width) throw new RangeError(`conv3x3(): x has ${x.shape[0]} rows, a ${im.batch} x ${im.height} x ${im.width} image needs ${im.batch * im.height * im.width}`);
  return conv3x3For(im)(x, w);
}

/**
 * The same values as `tf.conv2d(x, w, 1, "same")` for a 3x3 kernel (NHWC,
 * w [3, 3, C, D]), with gradients on every backend: conv3x3 on the image
 * flattened.
 */
export function conv3x3Same(x: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor4D {
  if (x.rank !== 4 || w.rank !== 4 || w.shape[0] !== 3 || w.shape[1] !== 3 || w.shape[2] !== x.shape[3]) {
    throw new RangeError(`conv3x3Same(): need x [B, H, W, C] and w [3, 3, C, D], got [${x.shape}] and [${w.shape}]`);
  }
  const [b, h, wd, c] = x.shape;
  const d = w.shape[3];
  return tf.tidy(() => {
    const y = conv3x3(tf.reshape(x, [b * h * wd, c]) as tf.Tensor2D, tf.reshape(w, [9 * c, d]) as tf.Tensor2D, { batch: b, height: h, width: wd });
    return tf.reshape(y, [b, h, wd, d]) as tf.Tensor4D;
  });
}
