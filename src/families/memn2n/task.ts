/**
 * A bAbI task (1k) made ready for End-To-End Memory Networks (GN Section
 * 4.2): its vocabulary, memory size and encoded splits, and a fresh model
 * sized for it. The memn2n section's runs, the attention demo and the
 * benchmark (bench/memn2n.ts) all start here.
 */
import { BabiExample, babiVocabulary, holdOut, loadBabiTask } from "../../data/babi";
import { EncodedExample, MemN2N, PositionEncoding } from "../../models/memn2n";
import { encodeExamples } from "../../train/memn2n";

export interface TaskData {
  task: number;
  name: string;
  vocab: string[];
  /** Memory slots: the longest story, at most 50 sentences (the reference's config). */
  memorySize: number;
  train: EncodedExample[];
  validation: EncodedExample[];
  test: EncodedExample[];
  /** The test questions as parsed (words, supporting facts), for reports. */
  testRaw: BabiExample[];
  /** Words in the longest sentence or question of the task (the reference code's J). */
  maxWords: number;
}

/** Task `task` encoded for training: vocabulary from train and test files, last 10% of training questions held out. */
export function prepareTask(task: number, opts: { dir?: string; trainQuestions?: number } = {}): TaskData {
  const t = loadBabiTask(task, { dir: opts.dir });
  const vocab = babiVocabulary(t.train, t.test);
  const { train, validation } = holdOut(t.train);
  const longest = Math.max(...[...t.train, ...t.test].map((e: BabiExample) => e.story.length));
  const firstN = <T>(xs: T[], n?: number) => (n ? xs.slice(0, n) : xs);
  return {
    task,
    name: t.name,
    vocab,
    memorySize: Math.max(1, Math.min(50, longest)),
    train: encodeExamples(firstN(train, opts.trainQuestions), vocab),
    validation: encodeExamples(validation, vocab),
    test: encodeExamples(t.test, vocab),
    testRaw: t.test,
    maxWords: Math.max(...[...t.train, ...t.test].flatMap((e) => [e.question.length, ...e.story.map((x) => x.length)])),
  };
}

/** A fresh model sized for `data`, with the config's position encoding. */
export function memn2nFor(data: TaskData, cfg: { positionEncoding: "paper" | "reference" }, seed: number): MemN2N {
  const positionEncoding: PositionEncoding = cfg.positionEncoding === "reference" ? { kind: "reference", words: data.maxWords } : { kind: "paper" };
  return new MemN2N({ vocabSize: data.vocab.length, memorySize: data.memorySize, seed, positionEncoding });
}
