/**
 * Reading a JSON Lines results file line by line, keeping what each line was
 * (parsed value or parse error, position, whether it was cut off), so that
 * loaders and merges can say exactly which line they refuse and why.
 */
import { readFileSync } from "fs";

export interface ResultLine {
  file: string;
  /** 1-based. */
  line: number;
  raw: string;
  value?: unknown;
  /** Why it could not be parsed. */
  error?: string;
  /** The file's last line with no newline after it: a write cut off by a kill. */
  unterminatedLast: boolean;
}

/** What a results file's name must be: the store reads `<name>.jsonl` and its `<name>.shard<i>.jsonl` worker files. */
export const RESULTS_NAME_RULE = 'a results file\'s name must end in ".jsonl" (and not ".rejected.jsonl", the side file of set-aside lines)';

/** Throws, naming the file and the rule, unless `file` may be a results file. */
export function checkResultsName(file: string): void {
  if (!file.endsWith(".jsonl") || file.endsWith(".rejected.jsonl")) throw new Error(`${file}: ${RESULTS_NAME_RULE}`);
}

/** Every non-blank line of `file` (CR before LF tolerated); names the file when it cannot be read. */
export function readResultLines(file: string): ResultLine[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new Error(`cannot read ${file}: ${err.code === "ENOENT" ? "no such file" : err.code === "EISDIR" ? "it is a directory" : err.message}`);
  }
  const parts = text.split("\n");
  const lines: ResultLine[] = [];
  parts.forEach((part, i) => {
    const raw = part.endsWith("\r") ? part.slice(0, -1) : part;
    if (!raw.trim()) return;
    const unterminatedLast = i === parts.length - 1; // a final "\n" leaves an empty last part
    try {
      lines.push({ file, line: i + 1, raw, value: JSON.parse(raw), unterminatedLast });
    } catch (e) {
      lines.push({ file, line: i + 1, raw, error: (e as Error).message, unterminatedLast });
    }
  });
  return lines;
}
