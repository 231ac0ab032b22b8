/**
 * bAbI v1.2 loader: the file format (story resets, question lines, supporting
 * facts), every kind of malformed line named with file and line, the shared
 * copy of the 1k set, and archive extraction with checksum verification.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync, copyFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, test } from "node:test";
import { BabiFormatError, babiVocabulary, decodeBabi, extractBabiArchive, findBabiDir, holdOut, loadBabiTask, parseBabi, tokenize } from "../../../src/data/babi";
import { BABI_EN_SHA256 } from "../../../src/data/babi-checksums";

const SAMPLE = [
  "1 Mary moved to the bathroom.",
  "2 John went to the hallway.",
  "3 Where is Mary? \tbathroom\t1",
  "4 Daniel went back to the hallway.",
  "5 Where is Daniel? \thallway\t4",
  "1 Sandra got the apple there.",
  "2 What is Sandra carrying? \tapple\t1",
  "",
].join("\n");

describe("parseBabi", () => {
  test("questions see the statements of their story before them, not other questions or stories", () => {
    const ex = parseBabi(SAMPLE, "sample.txt");
    assert.equal(ex.length, 3);
    assert.deepEqual(ex[0].story, [["mary", "moved", "to", "the", "bathroom"], ["john", "went", "to", "the", "hallway"]]);
    assert.deepEqual(ex[0].question, ["where", "is", "mary"]);
    assert.equal(ex[0].answer, "bathroom");
    assert.deepEqual(ex[0].supporting, [0]);
    // Line 4 is the story's third statement (the question on line 3 is not one).
    assert.equal(ex[1].story.length, 3);
    assert.deepEqual(ex[1].supporting, [2]);
    // Id 1 starts a new story.
    assert.deepEqual(ex[2].story, [["sandra", "got", "the", "apple", "there"]]);
    assert.equal(ex[2].line, 7);
    assert.equal(ex[2].file, "sample.txt");
  });

  test("list answers stay one token", () => {
    const ex = parseBabi("1 Mary got the milk.\n2 Mary got the apple.\n3 What is Mary carrying?\tmilk,apple\t1 2\n");
    assert.equal(ex[0].answer, "milk,apple");
    assert.deepEqual(ex[0].supporting, [0, 1]);
    assert.deepEqual(tokenize("Is Mary in the office?"), ["is", "mary", "in", "the", "office"]);
  });

  const bad: [string, string, RegExp][] = [
    ["no id", "Mary moved to the bathroom.\n", /bad\.txt:1: expected "<id> <text>"/],
    ["id skips", "1 Mary moved.\n3 John went.\n", /bad\.txt:2: line id 3 does not follow 1/],
    ["too many fields", "1 Mary moved.\n2 Where is Mary?\tbathroom\t1\textra\n", /bad\.txt:2: .*found 4 field/],
    ["empty answer", "1 Mary moved.\n2 Where is Mary?\t\t1\n", /bad\.txt:2: answer must be one token/],
    ["support from the future", "1 Mary moved.\n2 Where is Mary?\tbathroom\t3\n", /bad\.txt:2: supporting id "3" is not an earlier statement/],
    ["support is a question", "1 Mary moved.\n2 Where is Mary?\tbathroom\t1\n3 Where is she?\tbathroom\t2\n", /bad\.txt:3: supporting id "2"/],
    ["empty question", "1 Mary moved.\n2 ?\tbathroom\t1\n", /bad\.txt:2: empty question/],
    ["a question whose tabs became spaces", "1 Mary moved.\n2 Where is Mary? bathroom 1\n", /bad\.txt:2: a question without its tabs/],
    ["a question without supporting facts", "1 Mary moved.\n2 Where is Mary?\tbathroom\n", /bad\.txt:2: a question without supporting fact ids/],
    ["an empty supporting field", "1 Mary moved.\n2 Where is Mary?\tbathroom\t \n", /bad\.txt:2: a question without supporting fact ids/],
    ["a NUL byte", "1 Mary\u0000 moved.\n2 Where is Mary?\tbathroom\t1\n", /bad\.txt:1: invisible or control character \\u0000 at column 7/],
    ["a zero-width space, shown visibly", "1 Mary moved.\n2 Where\u200b is Mary?\tbathroom\t1\n", /bad\.txt:2: .*\\u200b.*"2 Where\\u200b is Mary\?/],
    ["an empty file", "", /bad\.txt:1: no questions in an empty file/],
    ["statements only", "1 Mary moved.\n2 John went.\n", /bad\.txt:3: no questions in the file/],
  ];
  for (const [what, text, re] of bad) {
    test(`malformed input is reported with file and line: ${what}`, () => {
      assert.throws(() => parseBabi(text, "bad.txt"), (e: unknown) => e instanceof BabiFormatError && re.test((e as Error).message));
    });
  }

  test("a UTF-8 byte-order mark is not part of the text", () => {
    assert.deepEqual(parseBabi(`\ufeff${SAMPLE}`, "bom.txt"), parseBabi(SAMPLE, "bom.txt"));
  });

  test("bytes that are not UTF-8 (Latin-1, binary) are refused with line and byte, never turned into tokens", () => {
    const latin1 = Buffer.from("1 Mary moved.\n2 Where is Jos\u00e9?\tbathroom\t1\n", "latin1");
    assert.throws(() => decodeBabi(latin1, "bad.txt"), /bad\.txt:2: byte 0xe9 at offset 28 is not UTF-8 text/);
    assert.equal(decodeBabi(Buffer.from(SAMPLE, "utf8"), "ok.txt"), SAMPLE);
  });
});

describe("task files on disk", () => {
  const withTask = (train: Buffer | string, fn: (dir: string, trainFile: string) => void) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "babi-bad-"));
    try {
      const trainFile = path.join(dir, "qa1_single-supporting-fact_train.txt");
      writeFileSync(trainFile, train);
      writeFileSync(path.join(dir, "qa1_single-supporting-fact_test.txt"), SAMPLE);
      fn(dir, trainFile);
    } finally {
      rmSync(dir, { recursive: true });
    }
  };

  test("an empty task file is named, before any training sees 0 examples", () => {
    withTask("", (dir, trainFile) => assert.throws(() => loadBabiTask(1, { dir }), (e: unknown) => (e as Error).message.startsWith(`${trainFile}:1: no questions in an empty file`)));
  });

  test("a Latin-1 task file is named with its line", () => {
    withTask(Buffer.from("1 Jos\u00e9 moved.\n2 Where is Jos\u00e9?\tbathroom\t1\n", "latin1"), (dir, trainFile) =>
      assert.throws(() => loadBabiTask(1, { dir }), (e: unknown) => (e as Error).message.startsWith(`${trainFile}:1: byte 0xe9`)),
    );
  });

  test("GRADNOISE_BABI_DIR pointing nowhere is an error, not a silent fall back to data/babi", () => {
    const saved = process.env.GRADNOISE_BABI_DIR;
    try {
      process.env.GRADNOISE_BABI_DIR = path.join(os.tmpdir(), "no-such-babi-dir");
      assert.throws(() => findBabiDir(), /GRADNOISE_BABI_DIR=.*no-such-babi-dir holds no qa\*_train\.txt files/);
      assert.throws(() => loadBabiTask(1), /GRADNOISE_BABI_DIR/);
      withTask(SAMPLE, (dir) => {
        process.env.GRADNOISE_BABI_DIR = dir;
        assert.equal(findBabiDir(), dir, "a folder that holds the files is used");
      });
    } finally {
      if (saved === undefined) delete process.env.GRADNOISE_BABI_DIR;
      else process.env.GRADNOISE_BABI_DIR = saved;
    }
  });
});

describe("the 1k set", () => {
  test("every task has 1000 training and 1000 test questions; 10% held out from the end", () => {
    for (const task of [1, 2, 19, 20]) {
      const t = loadBabiTask(task);
      assert.equal(t.train.length, 1000, `task ${task} train`);
      assert.equal(t.test.length, 1000, `task ${task} test`);
      const { train, validation } = holdOut(t.train);
      assert.equal(train.length, 900);
      assert.equal(validation.length, 100);
      assert.equal(validation[0], t.train[900], "validation is the last 10% of the file, as in the reference code");
      for (const ex of t.train) for (const s of ex.supporting) assert.ok(s < ex.story.length);
    }
    assert.equal(loadBabiTask(19).name, "path-finding");
    assert.ok(loadBabiTask(19).train.some((e) => /^[nsew],[nsew]$/.test(e.answer)));
  });

  test("the vocabulary is sorted and covers stories, questions and answers", () => {
    const t = loadBabiTask(1);
    const v = babiVocabulary(t.train, t.test);
    assert.deepEqual(v, [...v].sort());
    assert.equal(new Set(v).size, v.length);
    for (const w of ["mary", "where", "bathroom"]) assert.ok(v.includes(w), w);
    assert.equal(v.length, 19);
  });

  test("a task outside 1..20 or a folder without bAbI files is a clear error", () => {
    assert.throws(() => loadBabiTask(0), /integer in 1\.\.20/);
    assert.throws(() => loadBabiTask(21), /integer in 1\.\.20/);
    const empty = mkdtempSync(path.join(os.tmpdir(), "babi-empty-"));
    try {
      assert.throws(() => loadBabiTask(1, { dir: empty }), /no qa\*_train\.txt files in/);
    } finally {
      rmSync(empty, { recursive: true });
    }
  });
});

describe("archive download path", () => {
  // The official archive layout, built from the shared copy; the network part
  // (fetch) is not exercised here: CI has no internet beyond npm.
  function makeArchive(mutate?: (dir: string) => void): Buffer {
    const tmp = mkdtempSync(path.join(os.tmpdir(), "babi-tar-"));
    const en = path.join(tmp, "tasks_1-20_v1-2", "en");
    mkdirSync(en, { recursive: true });
    const src = findBabiDir();
    for (const f of readdirSync(src)) if (f.endsWith(".txt")) copyFileSync(path.join(src, f), path.join(en, f));
    mutate?.(en);
    execFileSync("tar", ["-czf", path.join(tmp, "a.tar.gz"), "-C", tmp, "tasks_1-20_v1-2"]);
    const buf = readFileSync(path.join(tmp, "a.tar.gz"));
    rmSync(tmp, { recursive: true });
    return buf;
  }

  test("extracts the 40 files, each matching its published SHA-256", () => {
    const dest = mkdtempSync(path.join(os.tmpdir(), "babi-out-"));
    try {
      const written = extractBabiArchive(makeArchive(), dest);
      assert.equal(written.length, 40);
      assert.equal(Object.keys(BABI_EN_SHA256).length, 40);
      assert.equal(loadBabiTask(3, { dir: dest }).train.length, 1000);
    } finally {
      rmSync(dest, { recursive: true });
    }
  });

  test("a file that does not match its checksum is refused and nothing is written for it", () => {
    const dest = mkdtempSync(path.join(os.tmpdir(), "babi-out-"));
    try {
      const gz = makeArchive((en) => writeFileSync(path.join(en, "qa7_counting_test.txt"), "1 Tampered.\n"));
      assert.throws(() => extractBabiArchive(gz, dest), /en\/qa7_counting_test\.txt has SHA-256 [0-9a-f]{64}, expected/);
      assert.ok(!readdirSync(dest).includes("qa7_counting_test.txt"));
      const missing = makeArchive((en) => rmSync(path.join(en, "qa20_agents-motivations_train.txt")));
      assert.throws(() => extractBabiArchive(missing, dest), /lacks 1 expected file\(s\), e\.g\. en\/qa20_agents-motivations_train\.txt/);
      assert.throws(() => extractBabiArchive(makeArchive().subarray(0, 5000), dest), /unexpected end|truncated|runs past/i);
    } finally {
      rmSync(dest, { recursive: true });
    }
  });
});
