/**
 * A fresh assembly of one of the project's WebAssembly text sources
 * (scripts/wat.cjs), as base64, for the tests that check the committed bytes.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";

// build/test/support -> the repository root.
const root = path.resolve(__dirname, "../../..");

type WatName = "PHILOX_WAT" | "MATMUL_WAT" | "REDUCE_WAT" | "COPY_WAT";

export async function freshAssembly(which: WatName): Promise<string> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const wat = require(path.join(root, "scripts/wat.cjs")) as Record<WatName, string> & { assembleWat(text: string, name: string): Promise<Uint8Array> };
  const bytes = await wat.assembleWat(readFileSync(path.join(root, wat[which]), "utf8"), wat[which]);
  return Buffer.from(bytes).toString("base64");
}
