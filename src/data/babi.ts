/**
 * bAbI tasks v1.2 (Weston et al. 2015), the 1k English set, for Section 4.2.
 *
 * File format: each line is "<id> <text>"; ids count from 1 within a story
 * and a story ends when the id goes back to 1. A question line is
 * "<id> <question>\t<answer>\t<supporting ids>". A question's context is
 * every statement of its story before it (questions are not statements).
 *
 * Where the files come from, in order: an explicit folder; $GRADNOISE_BABI_DIR;
 * the checkout's data/babi/ (each also in its en/ subfolder). Nothing else:
 * `npm run data -- babi` (`downloadBabi()`) fetches the official archive and
 * checks every file against the published SHA-256 (babi-checksums.ts), and
 * scripts/setup.sh links data/babi to a local copy where one exists.
 */
import { createHash } from "crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "fs";
import * as path from "path";
import { gunzipSync } from "zlib";
import { BABI_EN_SHA256 } from "./babi-checksums";
import { repoRoot } from "./paths";

export interface BabiExample {
  /** Statements of the story before the question, oldest first, each a list of lower-case tokens. */
  story: string[][];
  question: string[];
  /** One token; list answers (task 8) and paths (task 19) stay comma-joined, e.g. "n,w". */
  answer: string;
  /** Indices into `story` of the supporting facts. */
  supporting: number[];
  /** Where the question is, for error messages and reports. */
  file: string;
  line: number;
}

export interface BabiTask {
  task: number;
  name: string;
  train: BabiExample[];
  test: BabiExample[];
}

export class BabiFormatError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    what: string,
  ) {
    super(`${file}:${line}: ${what}`);
    this.name = "BabiFormatError";
  }
}

/** Lower-cased words; sentence-final "." and "?" dropped (bAbI has no other punctuation inside sentences). */
export function tokenize(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[.?]\s*$/, "")
    .split(/\s+/)
    .map((w) => w.replace(/[.?]$/, ""))
    .filter(Boolean);
}

/** `text` with characters a reader cannot see (controls, NUL, zero-width, BOM) written as \uXXXX, for error messages. */
function visible(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\ufeff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Characters that never occur in bAbI text (tabs separate question fields and are allowed). */
const FORBIDDEN = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\ufeff]/;

/** Parses one bAbI file's text; `file` names it in errors. */
export function parseBabi(text: string, file = "<text>"): BabiExample[] {
  const out: BabiExample[] = [];
  let story: string[][] = [];
  // Line id -> index in `story` for the statements of the current story.
  let statementAt = new Map<number, number>();
  let lastId = 0;
  // A UTF-8 byte-order mark (some editors add one) is not part of the text.
  const lines = text.replace(/^\ufeff/, "").split("\n");
  lines.forEach((raw, i) => {
    const lineNo = i + 1;
    const line = raw.replace(/\r$/, "");
    if (!line.trim()) return;
    const bad = FORBIDDEN.exec(line);
    if (bad) throw new BabiFormatError(file, lineNo, `invisible or control character ${visible(bad[0])} at column ${bad.index + 1} (bAbI lines are plain text): "${visible(line.slice(0, 60))}"`);
    const m = /^(\d+) (.*)$/.exec(line);
    if (!m) throw new BabiFormatError(file, lineNo, `expected "<id> <text>", got "${visible(line.slice(0, 60))}"`);
    const id = Number(m[1]);
    if (id === 1) {
      story = [];
      statementAt = new Map();
    } else if (id !== lastId + 1) {
      throw new BabiFormatError(file, lineNo, `line id ${id} does not follow ${lastId} (ids count up from 1 within a story)`);
    }
    lastId = id;
    const body = m[2];
    if (!body.includes("\t")) {
      // Statements never hold a "?": this is a question whose tabs were lost (e.g. turned into spaces).
      if (body.includes("?")) throw new BabiFormatError(file, lineNo, `a question without its tabs: expected "question?<TAB>answer<TAB>supporting ids", got "${visible(body.slice(0, 60))}"`);
      const words = tokenize(body);
      if (words.length === 0) throw new BabiFormatError(file, lineNo, "empty statement");
      statementAt.set(id, story.length);
      story.push(words);
      return;
    }
    const fields = body.split("\t");
    if (fields.length < 2 || fields.length > 3) throw new BabiFormatError(file, lineNo, `a question line has "question<TAB>answer<TAB>supporting ids"; found ${fields.length} field(s)`);
    const question = tokenize(fields[0]);
    const answer = fields[1].trim().toLowerCase();
    if (question.length === 0) throw new BabiFormatError(file, lineNo, "empty question");
    if (!answer || /\s/.test(answer)) throw new BabiFormatError(file, lineNo, `answer must be one token, got "${fields[1]}"`);
    const supporting = (fields[2] ?? "").trim().split(/\s+/).filter(Boolean).map((s) => {
      const sid = Number(s);
      const at = statementAt.get(sid);
      if (!Number.isInteger(sid) || at === undefined) throw new BabiFormatError(file, lineNo, `supporting id "${s}" is not an earlier statement of this story`);
      return at;
    });
    // Every bAbI question names its supporting facts; none means a damaged line (and an unusable example for reports).
    if (supporting.length === 0) throw new BabiFormatError(file, lineNo, "a question without supporting fact ids (the third tab-separated field)");
    out.push({ story: story.slice(), question, answer, supporting, file, line: lineNo });
  });
  if (out.length === 0) throw new BabiFormatError(file, lines.length, `no questions in ${lines.every((l) => !l.trim()) ? "an empty file" : "the file"} (truncated or not a bAbI task file?)`);
  return out;
}

/**
 * A bAbI file's bytes as text. The files are ASCII; bytes that are not UTF-8
 * (Latin-1 accents, binary data) are refused naming the line and byte rather
 * than decoded to replacement characters that would become tokens.
 */
export function decodeBabi(bytes: Uint8Array, file: string): string {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
  const at = text.indexOf("\ufffd");
  if (at >= 0) {
    try {
      new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      // Everything before `at` decoded cleanly, so its UTF-8 length is the offending byte's offset.
      const prefix = text.slice(0, at);
      const offset = Buffer.byteLength(prefix, "utf8");
      const line = prefix.split("\n").length;
      throw new BabiFormatError(file, line, `byte 0x${bytes[offset].toString(16).padStart(2, "0")} at offset ${offset} is not UTF-8 text (Latin-1 or binary data?); bAbI files are plain ASCII`);
    }
  }
  return text;
}

/** The folder holding qa*_*.txt, following the search order above; throws naming every place looked. */
export function findBabiDir(dir?: string): string {
  const holds = (d: string) => existsSync(d) && statSync(d).isDirectory() && readdirSync(d).some((f) => /^qa\d+_.*_train\.txt$/.test(f));
  const candidates = (d: string) => [d, path.join(d, "en")];
  if (dir !== undefined) {
    for (const d of candidates(path.resolve(dir))) if (holds(d)) return d;
    throw new Error(`bAbI: no qa*_train.txt files in ${path.resolve(dir)} or its en/ folder`);
  }
  const looked: string[] = [];
  const env = process.env.GRADNOISE_BABI_DIR;
  // An explicit location never falls back silently to another copy.
  if (env) {
    for (const d of candidates(path.resolve(env))) if (holds(d)) return d;
    throw new Error(`bAbI: GRADNOISE_BABI_DIR=${env} holds no qa*_train.txt files (nor does its en/ folder); point it at the tasks_1-20_v1-2/en folder, or unset it to use data/babi`);
  }
  const root = repoRoot();
  const places = root ? [path.join(root, "data", "babi")] : [];
  for (const p of places) {
    for (const d of candidates(p)) if (holds(d)) return d;
    looked.push(p);
  }
  throw new Error(
    `bAbI v1.2 not found; looked in: ${looked.join(", ") || "(no checkout found)"}. ` +
      `Run \`npm run data -- babi\` (downloads the official archive and checks it), set GRADNOISE_BABI_DIR, or pass { dir }.`,
  );
}

function taskFile(dir: string, task: number, split: "train" | "test"): string {
  const re = new RegExp(`^qa${task}_(.+)_${split}\\.txt$`);
  const f = readdirSync(dir).find((x) => re.test(x));
  if (!f) throw new Error(`bAbI: no file qa${task}_*_${split}.txt in ${dir}`);
  return path.join(dir, f);
}

/** Task `task` (1-20) of the 1k set: its training and test questions. */
export function loadBabiTask(task: number, options: { dir?: string } = {}): BabiTask {
  if (!Number.isInteger(task) || task < 1 || task > 20) throw new RangeError(`bAbI task must be an integer in 1..20, got ${task}`);
  const dir = findBabiDir(options.dir);
  const trainFile = taskFile(dir, task, "train");
  const name = /^qa\d+_(.+)_train\.txt$/.exec(path.basename(trainFile))![1];
  const read = (f: string) => parseBabi(decodeBabi(readFileSync(f), f), f);
  return { task, name, train: read(trainFile), test: read(taskFile(dir, task, "test")) };
}

/**
 * Splits training questions into train and validation the way the reference
 * code does (Sukhbaatar et al.'s config): the last `fraction` of the file is
 * validation, so the split is the same for every seed and setting.
 */
export function holdOut<T>(examples: T[], fraction = 0.1): { train: T[]; validation: T[] } {
  if (!(fraction > 0 && fraction < 1)) throw new RangeError(`holdOut(): fraction must be in (0, 1), got ${fraction}`);
  const k = Math.floor(examples.length * (1 - fraction));
  return { train: examples.slice(0, k), validation: examples.slice(k) };
}

/** Every word of the examples (stories, questions, answers), sorted, so indices do not depend on file order. */
export function babiVocabulary(...sets: BabiExample[][]): string[] {
  const words = new Set<string>();
  for (const set of sets) {
    for (const ex of set) {
      for (const s of ex.story) for (const w of s) words.add(w);
      for (const w of ex.question) words.add(w);
      words.add(ex.answer);
    }
  }
  return [...words].sort();
}

// ---- download ----

export const BABI_ARCHIVE_URLS = [
  "http://www.thespermwhale.com/jaseweston/babi/tasks_1-20_v1-2.tar.gz",
  "https://s3.amazonaws.com/text-datasets/babi_tasks_1-20_v1-2.tar.gz",
];

/** Files of a (ustar/GNU) tar archive whose paths match `want`, as name -> bytes. */
export function untar(buf: Buffer, want: (name: string) => boolean): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let off = 0;
  let longName: string | null = null;
  while (off + 512 <= buf.length) {
    const header = buf.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break;
    const field = (a: number, n: number) => header.subarray(a, a + n).toString("utf8").replace(/\0.*$/s, "");
    const size = parseInt(field(124, 12).trim() || "0", 8);
    const type = field(156, 1) || "0";
    const prefix = field(345, 155);
    const name = longName ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
    longName = null;
    const body = buf.subarray(off + 512, off + 512 + size);
    if (!Number.isFinite(size) || off + 512 + size > buf.length) throw new Error(`tar: entry "${name}" runs past the end of the archive (truncated download?)`);
    if (type === "L") longName = body.toString("utf8").replace(/\0.*$/s, "");
    else if ((type === "0" || type === "\0") && want(name)) out.set(name, Buffer.from(body));
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

/** Extracts the 1k English files from the archive bytes into `dest`, each checked against its published SHA-256. */
export function extractBabiArchive(gz: Buffer, dest: string): string[] {
  const files = untar(gunzipSync(gz), (n) => /(^|\/)en\/qa\d+_[^/]+\.txt$/.test(n));
  const byBase = new Map([...files].map(([n, b]) => [path.basename(n), b]));
  const missing = Object.keys(BABI_EN_SHA256).filter((f) => !byBase.has(f));
  if (missing.length) throw new Error(`bAbI archive lacks ${missing.length} expected file(s), e.g. en/${missing[0]}`);
  mkdirSync(dest, { recursive: true });
  const written: string[] = [];
  for (const [base, sha] of Object.entries(BABI_EN_SHA256)) {
    const bytes = byBase.get(base)!;
    const got = createHash("sha256").update(bytes).digest("hex");
    if (got !== sha) throw new Error(`bAbI archive: en/${base} has SHA-256 ${got}, expected ${sha}; not using it`);
    const file = path.join(dest, base);
    writeFileSync(`${file}.part`, bytes);
    renameSync(`${file}.part`, file);
    written.push(file);
  }
  return written;
}

/** Downloads the official archive (first URL that answers) and extracts the checked 1k files into `dest` (default data/babi/en). */
export async function downloadBabi(dest?: string, urls: string[] = BABI_ARCHIVE_URLS): Promise<string> {
  const root = repoRoot();
  const target = dest ?? (root ? path.join(root, "data", "babi", "en") : path.resolve("data", "babi", "en"));
  const errors: string[] = [];
  for (const url of urls) {
    try {
      const res = await fetch(url);
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      extractBabiArchive(Buffer.from(await res.arrayBuffer()), target);
      return target;
    } catch (e) {
      errors.push(`${url}: ${(e as Error).message}`);
    }
  }
  throw new Error(`bAbI download failed (${errors.join("; ")}); copy tasks_1-20_v1-2/en/ into ${target} by hand`);
}
