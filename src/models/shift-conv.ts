/**
 * Convolutions as products of shifted row blocks, with a hand-written
 * gradient: trains on every backend.
 *
 * tfjs's WASM backend has no Conv2DBackpropFilter, so `tf.conv2d` cannot be
 * trained there. Here an image [B, H, W, C] lives as a flat matrix [N, C] of
 * its zero-bordered positions (N = B (H + 2k) (W + 2k) for a kernel of
 * radius k); a tap (dy, dx) of the kernel then reads the row `dy (W + 2k) + dx`
 * further on, so each tap's input is a contiguous rank-2 row slice of one
 * padded copy (fast on WASM: see engine/wasm-slice.ts) and the convolution a
 * sum of products [N, C] . [C, D], one per tap. Its adjoint reads the
 * opposite shifts with the kernel's blocks transposed, which is again a shift
 * convolution: the backward pass needs no convolution kernel and no gather.
 *
 * Rows on the border get values too (read across the zero border); a model
 * keeps the border at zero by multiplying with a mask, as the Neural GPU's
 * state is masked anyway (Kaiser & Sutskever 2016, padded positions zeroed).
 */
import * as tf from "@tensorflow/tfjs";

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

/** x shifted by each offset: block k is x[p + offsets[k]] for every row p (zero outside 0..N-1); rank-2 row slices of one padded copy. */
function shifts(x: tf.Tensor2D, offsets: readonly number[]): tf.Tensor2D[] {
  const [n, c] = x.shape;
  const m = Math.max(...offsets.map(Math.abs));
  const xp = m > 0 ? tf.pad(x, [[m, m], [0, 0]]) : x;
  return offsets.map((o) => tf.slice(xp, [m + o, 0], [n, c]));
}

const ops = new Map<string, (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D>();

/*
 * Nine products with small right-hand sides rather than one im2col product:
 * on WASM a concat along axis 1 costs more than the product it feeds
 * (measured, [1920, 12] x 9 -> [1920, 108]: 1.3 ms against 1.0 ms for the
 * product), and XNNPACK is fast when the right operand has few columns.
 * Backward, with symmetric offsets the shift by -offsets[k] is the shift by
 * offsets[K-1-k], so one set of shifted copies of dy serves both gradients:
 *   dx = sum_k shift(dy, -o_k) w_k^T,   dw_k = x^T shift(dy, -o_k).
 */
function shiftConvFor(offsets: readonly number[]): (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D {
  const key = offsets.join(",");
  let op = ops.get(key);
  if (op) return op;
  checkOffsets(offsets);
  const taps = offsets.length;
  op = tf.customGrad((...args: Args) => {
    const [x, w, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
    save([x, w]);
    const c = x.shape[1];
    const value = tf.tidy(() => {
      const xs = shifts(x, offsets);
      return tf.addN(xs.map((xk, k) => tf.matMul(xk, tf.slice(w, [k * c, 0], [c, -1]))));
    });
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws] = saved as tf.Tensor2D[];
        const d = ws.shape[1];
        const back = shifts(dy as tf.Tensor2D, offsets).reverse(); // back[k] = shift(dy, -o_k)
        // w_k^T for every k at once: [K, C, D] -> [K, D, C] (explicit transposes: WASM's transposed product paths are slow, models/dense.ts).
        const wt = tf.reshape(tf.transpose(tf.reshape(ws, [taps, c, d]), [0, 2, 1]), [taps * d, c]);
        const dx = tf.addN(back.map((bk, k) => tf.matMul(bk, tf.slice(wt, [k * d, 0], [d, c]))));
        const xT = tf.transpose(xs, [1, 0]);
        const dw = tf.concat(back.map((bk) => tf.matMul(xT, bk)), 0);
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

/**
 * The same values as `tf.conv2d(x, w, 1, "same")` for a 3x3 kernel (NHWC,
 * w [3, 3, C, D]), with gradients on every backend: border, flatten,
 * shiftConv, crop. Models that keep their state bordered call shiftConv
 * directly and skip the border and crop.
 */
export function conv3x3Same(x: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor4D {
  if (x.rank !== 4 || w.rank !== 4 || w.shape[0] !== 3 || w.shape[1] !== 3 || w.shape[2] !== x.shape[3]) {
    throw new RangeError(`conv3x3Same(): need x [B, H, W, C] and w [3, 3, C, D], got [${x.shape}] and [${w.shape}]`);
  }
  const [b, h, wd, c] = x.shape;
  const d = w.shape[3];
  return tf.tidy(() => {
    const flat = tf.reshape(tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]), [b * (h + 2) * (wd + 2), c]) as tf.Tensor2D;
    const y = shiftConv(flat, tf.reshape(w, [9 * c, d]) as tf.Tensor2D, kernelOffsets(wd + 2));
    return tf.slice(tf.reshape(y, [b, h + 2, wd + 2, d]), [0, 1, 1, 0], [b, h, wd, d]) as tf.Tensor4D;
  });
}
