/**
 * PTB / WikiText-2 loaders and the truncated-BPTT batching: tokens and
 * "<eos>", the vocabulary order, folder resolution (an explicit folder never
 * falls back), file:line errors, checksums (and the shared copies' published
 * counts where present), and ptb_iterator's layout on a hand-worked example.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, test } from "node:test";
import { BpttStream } from "../../../src/data/bptt";
import { buildVocabulary, checkCorpusFiles, CorpusFormatError, decodeCorpusBytes, findCorpusDir, loadCorpus, tokenizeCorpus } from "../../../src/data/corpus";

const tmp = mkdtempSync(path.join(os.tmpdir(), "gradnoise-corpus-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

let n = 0;
/** A PTB-named corpus folder with the given split texts (strings or raw bytes). */
function ptbDir(train: string | Buffer, valid: string | Buffer = " a b \n", test: string | Buffer = " b a \n"): string {
  const d = path.join(tmp, `ptb${n++}`);
  mkdirSync(d);
  writeFileSync(path.join(d, "ptb.train.txt"), train);
  writeFileSync(path.join(d, "ptb.valid.txt"), valid);
  writeFileSync(path.join(d, "ptb.test.txt"), test);
  return d;
}

describe("tokens and vocabulary", () => {
  test("one <eos> per line, empty lines included; a final newline adds no line", () => {
    const t = tokenizeCorpus(" a b \n\n c \n", "f");
    assert.deepEqual(t.tokens, ["a", "b", "<eos>", "<eos>", "c", "<eos>"]);
    assert.deepEqual([...t.lines], [1, 1, 1, 2, 3, 3]);
    assert.deepEqual(tokenizeCorpus("a\nb", "f").tokens, ["a", "<eos>", "b", "<eos>"]);
  });

  test("ids by decreasing count, ties by word (the ptb reader's order)", () => {
    assert.deepEqual(buildVocabulary(["b", "c", "a", "c", "<eos>", "b", "c", "<eos>"]), ["c", "<eos>", "b", "a"]);
  });

  test("loadCorpus: vocabulary from train, valid/test encoded with it", () => {
    const d = ptbDir(" the cat <unk> \n the dog \n", " the <unk> \n", " dog cat \n");
    const c = loadCorpus("ptb", { dir: d, verify: false });
    assert.deepEqual(c.vocab, ["<eos>", "the", "<unk>", "cat", "dog"]);
    assert.deepEqual([...c.train], [1, 3, 2, 0, 1, 4, 0]);
    assert.deepEqual([...c.valid], [1, 2, 0]);
    assert.deepEqual([...c.test], [4, 3, 0]);
  });
});

describe("errors name the file, line and problem", () => {
  const fails = (fn: () => unknown, re: RegExp) => assert.throws(fn, (e: Error) => e instanceof CorpusFormatError && re.test(e.message));

  test("a word of valid outside the training vocabulary (or mapped to <unk> on request)", () => {
    const d = ptbDir(" a <unk> \n", " a \n a zebra \n");
    fails(() => loadCorpus("ptb", { dir: d, verify: false }), /ptb\.valid\.txt:2: word "zebra" is not in the training vocabulary/);
    const c = loadCorpus("ptb", { dir: d, verify: false, unknown: "unk" });
    assert.equal(c.vocab[c.valid[3]], "<unk>");
  });

  test("empty file, NUL byte, Latin-1 byte, each at its line", () => {
    fails(() => loadCorpus("ptb", { dir: ptbDir(""), verify: false }), /ptb\.train\.txt: empty file/);
    fails(() => decodeCorpusBytes(Buffer.from("a\nb\0c\n"), "x.txt"), /^x\.txt:2: NUL byte/);
    // "café" in Latin-1: 0xe9 followed by a newline is not UTF-8.
    fails(() => loadCorpus("ptb", { dir: ptbDir(Buffer.concat([Buffer.from(" a \n caf"), Buffer.from([0xe9]), Buffer.from(" \n")])), verify: false }), /ptb\.train\.txt:2: byte 0xe9 .* not UTF-8/);
    fails(() => tokenizeCorpus(" a <eos> b \n", "y.txt"), /^y\.txt:1: the word "<eos>"/);
    fails(() => tokenizeCorpus("\n\n", "z.txt"), /^z\.txt: no words/);
  });

  test("an explicit folder with a split missing is an error, not a fallback", () => {
    const d = ptbDir(" a \n");
    rmSync(path.join(d, "ptb.test.txt"));
    fails(() => findCorpusDir("ptb", d), /missing split file\(s\) ptb\.test\.txt/);
    fails(() => findCorpusDir("ptb", path.join(tmp, "nowhere")), /folder does not exist/);
  });

  test("the environment variable is used, and checked the same way", () => {
    const d = ptbDir(" a \n");
    const old = process.env.GRADNOISE_PTB_DIR;
    try {
      process.env.GRADNOISE_PTB_DIR = d;
      assert.equal(findCorpusDir("ptb"), d);
      process.env.GRADNOISE_PTB_DIR = path.join(tmp, "nowhere");
      fails(() => findCorpusDir("ptb"), /GRADNOISE_PTB_DIR/);
    } finally {
      if (old === undefined) delete process.env.GRADNOISE_PTB_DIR;
      else process.env.GRADNOISE_PTB_DIR = old;
    }
  });

  test("a copy whose SHA-256 differs is refused unless verify is off", () => {
    fails(() => loadCorpus("ptb", { dir: ptbDir(" a b \n") }), /ptb\.train\.txt: SHA-256 [0-9a-f]{64}, expected fcea919f/);
  });

  test("an empty $GRADNOISE_PTB_DIR is refused, not taken for unset; a split that is a directory is named", () => {
    const old = process.env.GRADNOISE_PTB_DIR;
    try {
      process.env.GRADNOISE_PTB_DIR = "";
      fails(() => findCorpusDir("ptb"), /\$GRADNOISE_PTB_DIR is set but empty/);
      const d = ptbDir(" a \n");
      rmSync(path.join(d, "ptb.valid.txt"));
      mkdirSync(path.join(d, "ptb.valid.txt"));
      process.env.GRADNOISE_PTB_DIR = d;
      fails(() => loadCorpus("ptb", { verify: false }), new RegExp(`${path.join(d, "ptb.valid.txt").replace(/[.]/g, "\\.")}: .*is a directory`));
    } finally {
      if (old === undefined) delete process.env.GRADNOISE_PTB_DIR;
      else process.env.GRADNOISE_PTB_DIR = old;
    }
  });

  test("a copy with CRLF line ends is named as such, and the message says what to do from the command line", () => {
    fails(() => loadCorpus("ptb", { dir: ptbDir(" a b \r\n") }), /ptb\.train\.txt: SHA-256 .*CRLF line ends.*npm run data -- ptb --download/);
  });
});

const shared = path.resolve(__dirname, "..", "..", "..", "..", "..", "shared", "datasets");
const sharedAlt = "/work/shared/datasets";
const sharedDir = existsSync(shared) ? shared : sharedAlt;

describe("the shared copies (skipped where absent)", () => {
  test("PTB: checksums and the published counts (10k vocabulary, 929,589 / 73,760 / 82,430 tokens)", { skip: !existsSync(path.join(sharedDir, "ptb")) }, () => {
    const dir = path.join(sharedDir, "ptb");
    assert.deepEqual(checkCorpusFiles("ptb", dir), []);
    const c = loadCorpus("ptb", { dir });
    assert.equal(c.vocab.length, 10000);
    assert.deepEqual([c.train.length, c.valid.length, c.test.length], [929589, 73760, 82430]);
    assert.equal(c.vocab[0], "the");
    assert.ok(c.vocab.includes("<unk>") && c.vocab.includes("<eos>"));
  });

  test("WikiText-2: checksums and the published counts (33,278 vocabulary)", { skip: !existsSync(path.join(sharedDir, "wikitext-2")) }, () => {
    const dir = path.join(sharedDir, "wikitext-2");
    const c = loadCorpus("wikitext2", { dir });
    assert.equal(c.vocab.length, 33278);
    assert.deepEqual([c.train.length, c.valid.length, c.test.length], [2088628, 217646, 245569]);
  });
});

describe("BPTT batching (ptb_iterator's layout)", () => {
  const ids = Int32Array.from({ length: 21 }, (_, i) => i);

  test("hand-worked: 21 tokens, batch 2, 3 steps", () => {
    // Rows of floor(21/2) = 10 tokens: [0..9] and [10..19]; token 20 dropped.
    // floor((10 - 1) / 3) = 3 windows; window i: columns 3i..3i+2, targets one further.
    const s = new BpttStream(ids, 2, 3);
    assert.equal(s.rowLength, 10);
    assert.equal(s.windows, 3);
    const w = [...s];
    assert.deepEqual([...w[0].inputs], [0, 1, 2, 10, 11, 12]);
    assert.deepEqual([...w[0].targets], [1, 2, 3, 11, 12, 13]);
    assert.deepEqual([...w[2].inputs], [6, 7, 8, 16, 17, 18]);
    assert.deepEqual([...w[2].targets], [7, 8, 9, 17, 18, 19]);
    assert.equal(s.targetCount, 18);
  });

  test("every row continues across windows; partial adds the short last window", () => {
    const s = new BpttStream(ids, 2, 4, true);
    // Rows of 10; 9 predictable columns: windows of 4, 4 and 1.
    assert.equal(s.windows, 3);
    const last = s.window(2);
    assert.equal(last.steps, 1);
    assert.deepEqual([...last.inputs], [8, 18]);
    assert.deepEqual([...last.targets], [9, 19]);
    assert.equal(s.targetCount, 18);
    for (let i = 0; i + 1 < s.windows; i++) {
      const a = s.window(i), b = s.window(i + 1);
      for (let r = 0; r < 2; r++) assert.equal(b.inputs[r * b.steps], a.targets[r * a.steps + a.steps - 1]);
    }
  });

  test("too little text for one window is an error", () => {
    assert.throws(() => new BpttStream(ids, 5, 4), /no window/);
  });
});
