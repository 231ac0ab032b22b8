/**
 * Convolutions as shifted row blocks and one matrix product, with a
 * hand-written gradient: trains on every backend.
 *
 * tfjs's WASM backend has no Conv2DBackpropFilter, so `tf.conv2d` cannot be
 * trained there. Here an image [B, H, W, C] lives as a flat matrix [N, C] of
 * its zero-bordered positions (N = B (H + 2k) (W + 2k) for a kernel of
 * radius k); a tap (dy, dx) of the kernel then reads the row `dy (W + 2k) + dx`
 * further on, so the im2col matrix is a concatenation of contiguous rank-2
 * row slices (fast on WASM: see engine/wasm-slice.ts) and the convolution one
 * product [N, taps C] . [taps C, D]. Its adjoint reads the opposite shifts
 * with the kernel's blocks transposed, which is again a shift convolution:
 * the backward pass needs no convolution kernel and no gather.
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

/** [N, C] -> [N, taps C]: row p holds x[p + offset] for every offset (zero outside 0..N-1). */
export function shiftedColumns(x: tf.Tensor2D, offsets: readonly number[]): tf.Tensor2D {
  return tf.tidy(() => {
    const [n, c] = x.shape;
    const m = Math.max(...offsets.map(Math.abs));
    const xp = m > 0 ? tf.concat([tf.zeros([m, c]), x, tf.zeros([m, c])], 0) : x;
    return tf.concat(offsets.map((o) => tf.slice(xp, [m + o, 0], [n, c])), 1) as tf.Tensor2D;
  });
}

/** The kernel of the adjoint: blocks in reverse order (opposite shifts), each transposed: [taps C, D] -> [taps D, C]. */
function adjointKernel(w: tf.Tensor2D, taps: number): tf.Tensor2D {
  const [tc, d] = w.shape;
  const c = tc / taps;
  return tf.tidy(() => tf.reshape(tf.transpose(tf.reverse(tf.reshape(w, [taps, c, d]), 0), [0, 2, 1]), [taps * d, c]) as tf.Tensor2D);
}

const ops = new Map<string, (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D>();

function shiftConvFor(offsets: readonly number[]): (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D {
  const key = offsets.join(",");
  let op = ops.get(key);
  if (op) return op;
  checkOffsets(offsets);
  const taps = offsets.length;
  op = tf.customGrad((...args: Args) => {
    const [x, w, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
    const cols = shiftedColumns(x, offsets);
    save([cols, w]);
    return {
      value: tf.matMul(cols, w),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [cs, ws] = saved as tf.Tensor2D[];
        // Explicit transposes: WASM's transposeA/B product paths are several times slower (models/dense.ts).
        const dx = tf.matMul(shiftedColumns(dy as tf.Tensor2D, offsets), adjointKernel(ws, taps));
        const dw = tf.matMul(tf.transpose(cs, [1, 0]), dy as tf.Tensor2D);
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
