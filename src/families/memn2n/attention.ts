/**
 * What each hop of a trained memory network reads (the attention figure of
 * the memn2n section): per hop, the softmax weights over the memory slots
 * for one test question, beside the story and its supporting facts.
 */
import * as tf from "@tensorflow/tfjs";
import type { MemN2N } from "../../models/memn2n";
import type { TaskData } from "./task";

export interface AttentionPicture {
  /** The sentences in memory, oldest first, as text. */
  sentences: string[];
  question: string;
  answer: string;
  predicted: string;
  /** Indices into `sentences` of the supporting facts. */
  supporting: number[];
  /** attention[hop][sentence]. */
  attention: number[][];
}

/** What each hop reads for test question `index` of `data` (memory slots in story order). */
export async function attentionPicture(model: MemN2N, data: TaskData, index: number): Promise<AttentionPicture> {
  const raw = data.testRaw[index];
  const enc = data.test[index];
  if (!raw || !enc) throw new RangeError(`attentionPicture: test question ${index} does not exist (task has ${data.test.length})`);
  const b = model.encode([enc]);
  const out = model.apply(b);
  const kept = raw.story.slice(-model.memorySize);
  const offset = raw.story.length - kept.length;
  const attention = await Promise.all(out.attention.map(async (a) => Array.from(await a.data()).slice(0, kept.length)));
  const top = out.logits.argMax(1);
  const predicted = (await top.data())[0];
  top.dispose();
  tf.dispose([out.logits, ...out.attention]);
  b.dispose();
  return {
    sentences: kept.map((w) => w.join(" ")),
    question: raw.question.join(" "),
    answer: raw.answer,
    predicted: predicted < data.vocab.length ? data.vocab[predicted] : `(time row ${predicted - data.vocab.length + 1})`,
    supporting: raw.supporting.map((i) => i - offset).filter((i) => i >= 0),
    attention,
  };
}
