/**
 * README's status table and the results pages in docs/results/ are generated
 * (src/cli/docs.ts): README's block and every page must equal what the
 * generator makes from the registry and the committed results, so neither can
 * drift from them.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { claimsPage, DOCS_SCALE, notBuilt, notebookSummariesJson, readmeStatus, resultsPage, resultsPagePath, statusTable, withStatus } from "../../src/cli/docs";
import { CLAIMS_PAGE } from "../../src/cli/claims-page";
import { NOTEBOOK_SUMMARIES } from "../../src/experiments/ledger-summary";
import { REPO } from "../../src/cli/jupyter";
import { experiments } from "../../src/experiments/registry";

const README = path.join(REPO, "README.md");

test("README's status table is the generator's, from the committed results (npm run docs rewrites it)", () => {
  assert.equal(readmeStatus(readFileSync(README, "utf8")), statusTable(), "README.md's status block is stale: run `npm run docs`");
});

test("the status table has a row per registered section and per section not built yet, each linked to its page", () => {
  const table = statusTable();
  for (const ex of experiments()) {
    assert.ok(table.includes(`[${ex.notebook}](notebooks/${ex.notebook})`), `${ex.id}: no notebook link`);
    assert.ok(table.includes(`(${resultsPagePath(ex.id)})`), `${ex.id}: no results link`);
    assert.ok(existsSync(path.join(REPO, resultsPagePath(ex.id))), `${resultsPagePath(ex.id)} is missing: run \`npm run docs\``);
  }
  for (const s of notBuilt()) assert.match(table, new RegExp(`^\\| ${s.section.replace(".", "\\.")} \\| ${s.title} \\|.*not built`, "m"));
});

test("each results page in docs/results/ is the generator's, from the committed results (npm run docs rewrites them)", () => {
  for (const ex of experiments()) {
    const page = resultsPagePath(ex.id);
    assert.equal(readFileSync(path.join(REPO, page), "utf8"), resultsPage(ex, DOCS_SCALE), `${page} is stale: run \`npm run docs\``);
  }
});

test("docs/claims.md is the generator's, from the catalog, the registry and the committed results (npm run docs rewrites it); README links it", () => {
  assert.equal(readFileSync(path.join(REPO, CLAIMS_PAGE), "utf8"), claimsPage(), `${CLAIMS_PAGE} is stale: run \`npm run docs\``);
  assert.ok(readFileSync(README, "utf8").includes(`](${CLAIMS_PAGE})`), "README.md does not link docs/claims.md");
  // The notebooks' two-line summaries (lab.experiments.notebookSummary) come from the same ledger.
  assert.equal(readFileSync(path.join(REPO, NOTEBOOK_SUMMARIES), "utf8"), notebookSummariesJson(), `${NOTEBOOK_SUMMARIES} is stale: run \`npm run docs\``);
});

test("withStatus replaces only what lies between the markers, and refuses a README without them", () => {
  const doc = "a\n<!-- status:start -->\nold\n<!-- status:end -->\nb\n";
  assert.equal(withStatus(doc, "new"), "a\n<!-- status:start -->\nnew\n<!-- status:end -->\nb\n");
  assert.throws(() => withStatus("no markers", "x"), /no <!-- status:start -->/);
});

test("npm run docs -- --help: usage on stdout, exit 0, nothing written", () => {
  const before = statSync(README).mtimeMs;
  const r = spawnSync(process.execPath, [path.join(REPO, "dist", "cli", "docs.js"), "--help"], { encoding: "utf8", timeout: 60000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^usage: npm run docs\b/);
  assert.equal(statSync(README).mtimeMs, before);
});
