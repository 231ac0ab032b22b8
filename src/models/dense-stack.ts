/**
 * A stack of dense layers (ReLU between them, optional dropout masks after
 * each ReLU) as one op with a hand-written backward.
 *
 * Why: a 20x50 MLP step on WASM is bound by per-kernel overhead, not
 * arithmetic. Through the tape, every forward op becomes a tape node, saves
 * its inputs (a clone each) and has a generic gradient (reshapes, casts); the
 * backward of the 21-layer stack dispatched 330 kernels. Here the backward
 * runs only the kernels that compute something, and skips the input's
 * gradient, which nothing uses.
 *
 * Bit-identical to the taped path (tf.add(matMul2d(h, W), b), tf.relu,
 * tf.mul by the mask): each gradient is computed by the same kernels on the
 * same operands as tfjs's own gradients and matMul2d's (relu: dy * step(z);
 * mask: dy * mask; bias: sum over the batch axis; products with explicit
 * transposes), and every activation is used once, so no sums are reordered.
 * test/unit/models/dense-stack.test.ts compares both paths bit for bit.
 */
import * as tf from "@tensorflow/tfjs";
import { matMulExplicit } from "../engine/wasm-matmul";

/**
 * Logits of x [b, in] through layers W[l] [in_l, out_l], b[l] [out_l]: ReLU
 * after every layer but the last, each hidden layer's ReLU output multiplied
 * by masks[l] when masks are given. Gradients flow to every W and b (not to
 * x or the masks, which are data).
 */
export function denseStack(x: tf.Tensor2D, weights: tf.Tensor2D[], biases: tf.Tensor1D[], masks?: tf.Tensor2D[]): tf.Tensor2D {
  const L = weights.length;
  if (biases.length !== L) throw new RangeError(`denseStack: ${L} weights but ${biases.length} biases`);
  if (masks && masks.length !== L - 1) throw new RangeError(`denseStack: ${L - 1} hidden layers but ${masks.length} dropout masks`);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[2 * L] as tf.GradSaveFunc;
    const W = args.slice(0, L) as tf.Tensor2D[];
    const B = args.slice(L, 2 * L) as tf.Tensor1D[];
    // Saved per layer: the product's left operand h (x for layer 0: a caller may create it inside the
    // loss function, which the tape disposes before the backward) and the pre-activation z.
    const hs: tf.Tensor2D[] = [];
    const zs: tf.Tensor2D[] = [];
    let h = x;
    for (let l = 0; l < L; l++) {
      hs.push(h);
      const z = tf.add(tf.matMul(h, W[l]), B[l]) as tf.Tensor2D;
      if (l === L - 1) {
        h = z;
        break;
      }
      zs.push(z);
      h = tf.relu(z);
      if (masks) h = tf.mul(h, masks[l]);
    }
    save([...hs, ...zs, ...(masks ?? [])]);
    return {
      value: h,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const hSaved = saved.slice(0, L) as tf.Tensor2D[];
        const zSaved = saved.slice(L, 2 * L - 1) as tf.Tensor2D[];
        // The masks are saved too: a caller's tidy may dispose them before the backward runs.
        const mSaved = masks ? (saved.slice(2 * L - 1) as tf.Tensor2D[]) : undefined;
        const dW: tf.Tensor[] = new Array(L);
        const dB: tf.Tensor[] = new Array(L);
        let dz = dy as tf.Tensor2D;
        for (let l = L - 1; l >= 0; l--) {
          dB[l] = tf.sum(dz, [0]);
          dW[l] = matMulExplicit(hSaved[l], dz, true, false);
          if (l === 0) break;
          let dh = matMulExplicit(dz, W[l], false, true);
          if (mSaved) dh = tf.mul(dh, mSaved[l - 1]);
          dz = tf.mul(dh, tf.step(zSaved[l - 1]));
        }
        return [...dW, ...dB];
      },
    };
  });
  return op(...weights, ...biases) as tf.Tensor2D;
}
