/**
 * The two operations a word-level language model spends its time in, each in
 * the formulations bench/lm.ts compares:
 *
 * - Embedding lookup. "gather": tf.gather, whose gradient is
 *   UnsortedSegmentSum (absent on WASM; the engine registers a JS fill).
 *   "scatter": tf.gather forward with a hand-written backward that builds the
 *   dense [V, d] gradient with ScatterNd (present on WASM; duplicate ids
 *   summed). "onehot": one-hot rows times the table, a [N, V] x [V, d] product
 *   each way, as costly as the softmax itself at V = 10k.
 *   The gradient stays dense either way: buildOptimizer's clip and Eq. 1's
 *   noise act on every element of every parameter.
 * - Softmax over the vocabulary. "fused": logits, log-sum-exp and the mean
 *   cross-entropy in one custom-gradient op whose backward is
 *   (softmax - onehot) / N pushed through the output layer with explicit
 *   transposes (the matMul transpose flags are slow on WASM, dense.ts).
 *   "tfjs": matMul2d logits then tf.losses.softmaxCrossEntropy.
 */
import * as tf from "@tensorflow/tfjs";
import { matMulExplicit } from "../engine/wasm-matmul";
import { matMul2d } from "./dense";

export type EmbeddingLookup = "gather" | "scatter" | "onehot";
export type SoftmaxFormulation = "fused" | "tfjs";

type Args = (tf.Tensor | tf.GradSaveFunc)[];

/** Rows `ids` [N] int32 of `table` [V, d] -> [N, d]; gradient dense, duplicates summed. */
export function embeddingLookup(table: tf.Tensor2D, ids: tf.Tensor1D, how: EmbeddingLookup = "gather"): tf.Tensor2D {
  const [V] = table.shape;
  switch (how) {
    case "gather":
      return tf.gather(table, ids) as tf.Tensor2D;
    case "onehot":
      return matMul2d(tf.oneHot(ids, V).toFloat() as tf.Tensor2D, table);
    case "scatter": {
      const f = tf.customGrad((...args: Args) => {
        const [t, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
        // The ids are saved, not closed over: tensors made in the forward pass are freed before the backward runs.
        save([ids]);
        return {
          value: tf.gather(t, ids) as tf.Tensor2D,
          // Gradient w.r.t. the table only (the ids are not an input).
          gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.scatterND(tf.reshape(saved[0], [-1, 1]), dy, t.shape)],
        };
      }) as (t: tf.Tensor2D) => tf.Tensor2D;
      return f(table);
    }
    default:
      throw new RangeError(`embeddingLookup(): unknown lookup "${how}"; use gather, scatter or onehot`);
  }
}

/**
 * Mean over the N rows of -log softmax(h W + b)[target]: h [N, d], W [d, V],
 * b [V], targets [N] int32. Forward keeps the softmax for the backward:
 * d logits = (p - onehot(target)) / N (the usual softmax/cross-entropy
 * gradient), then dh = d W^T, dW = h^T d, db = column sums of d.
 */
export function fusedSoftmaxCrossEntropy(h: tf.Tensor2D, W: tf.Tensor2D, b: tf.Tensor1D, targets: tf.Tensor1D): tf.Scalar {
  const [N] = h.shape;
  const V = W.shape[1];
  const f = tf.customGrad((...args: Args) => {
    const [hx, Wx, bx, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
    const logits = tf.add(tf.matMul(hx, Wx), bx) as tf.Tensor2D;
    const shifted = tf.sub(logits, tf.max(logits, 1, true));
    const e = tf.exp(shifted);
    const s = tf.sum(e, 1, true);
    const p = tf.div(e, s);
    // -log p[target] = log s - shifted[target]; the picked entries by a flat gather (no [N, V] one-hot in the forward).
    const picked = pickTargets(shifted as tf.Tensor2D, targets);
    const loss = tf.mean(tf.sub(tf.log(tf.reshape(s, [-1])), picked));
    // Targets saved with the rest: a tensor only closed over is freed before the backward runs.
    save([hx, Wx, p, targets]);
    return {
      value: loss as tf.Scalar,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [hs, Ws, ps, ts] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
        const d = tf.mul(tf.sub(ps, tf.oneHot(ts, V).toFloat()), tf.div(dy, N)) as tf.Tensor2D;
        return [matMulExplicit(d, Ws, false, true), matMulExplicit(hs, d, true, false), tf.sum(d, 0)];
      },
    };
  }) as (h: tf.Tensor2D, W: tf.Tensor2D, b: tf.Tensor1D) => tf.Scalar;
  return f(h, W, b);
}

/** x[i, targets[i]] for every row i of x [N, V], by one gather on the flattened x. */
function pickTargets(x: tf.Tensor2D, targets: tf.Tensor1D): tf.Tensor1D {
  const [N, V] = x.shape;
  return tf.gather(tf.reshape(x, [-1]), tf.add(tf.mul(tf.range(0, N, 1, "int32"), tf.scalar(V, "int32")), targets)) as tf.Tensor1D;
}

/**
 * Cross-entropy (nats) of each target [N] under softmax(h W + b): for
 * evaluation that needs the loss per token (per evaluation stream, say), so
 * no custom gradient. Log-sum-exp minus the target's logit, as in the fused op.
 */
export function tokenCrossEntropy(h: tf.Tensor2D, W: tf.Tensor2D, b: tf.Tensor1D, targets: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => {
    const logits = tf.add(tf.matMul(h, W), b) as tf.Tensor2D;
    return tf.sub(tf.logSumExp(logits, 1), pickTargets(logits, targets)) as tf.Tensor1D;
  });
}

/** The same loss through tfjs's own ops (the reference formulation). */
export function tfjsSoftmaxCrossEntropy(h: tf.Tensor2D, W: tf.Tensor2D, b: tf.Tensor1D, targets: tf.Tensor1D): tf.Scalar {
  const logits = tf.add(matMul2d(h, W), b) as tf.Tensor2D;
  return tf.losses.softmaxCrossEntropy(tf.oneHot(targets, W.shape[1]), logits, undefined, undefined, tf.Reduction.MEAN) as tf.Scalar;
}

export function softmaxCrossEntropy(how: SoftmaxFormulation, h: tf.Tensor2D, W: tf.Tensor2D, b: tf.Tensor1D, targets: tf.Tensor1D): tf.Scalar {
  if (how === "fused") return fusedSoftmaxCrossEntropy(h, W, b, targets);
  if (how === "tfjs") return tfjsSoftmaxCrossEntropy(h, W, b, targets);
  throw new RangeError(`softmaxCrossEntropy(): unknown formulation "${how}"; use fused or tfjs`);
}

/** Kernels (beyond elementwise math and matMul) each formulation's training step needs: for selectBackend. */
export function lmKernels(lookup: EmbeddingLookup): string[] {
  const base = ["BatchMatMul", "GatherV2", "OneHot", "Max", "Exp", "Log", "Sum", "Tanh", "Sigmoid", "Relu", "Concat", "SplitV", "Slice", "PadV2", "Transpose", "Range"];
  if (lookup === "gather") return [...base, "UnsortedSegmentSum"];
  if (lookup === "scatter") return [...base, "ScatterNd"];
  return base;
}
