/**
 * `npm run lab [-- --port N] [-- --notebook-dir DIR]`: the notebooks in
 * JupyterLab with this checkout's kernel, on 127.0.0.1 with a random token
 * (cli/jupyterlab.ts finds the Lab and mounts what its chroot needs). Prints
 * the URL; Ctrl-C or SIGTERM stops the server and unmounts.
 */
import { relative } from "path";
import { REPO } from "./jupyter";
import { LAB_USAGE, LabUsageError, parseLabArgs, startLab } from "./jupyterlab";

async function main(): Promise<void> {
  let opts;
  try {
    opts = parseLabArgs(process.argv.slice(2));
  } catch (e) {
    if (e instanceof LabUsageError) {
      console.error(`lab: ${e.message}\n${LAB_USAGE}`);
      process.exit(2);
    }
    throw e;
  }
  if (!opts) {
    console.log(LAB_USAGE);
    return;
  }
  const server = await startLab(opts);
  let stopping = false;
  const stop = (signal: string, code = 0) => {
    if (stopping) return;
    stopping = true;
    console.log(`\nlab: ${signal}: stopping JupyterLab${server.mounts.length ? " and unmounting its chroot's mounts" : ""}`);
    server.stop().then(() => process.exit(code), (e: Error) => {
      console.error(`lab: ${e.message}`);
      process.exit(1);
    });
  };
  process.on("SIGINT", () => stop("Ctrl-C"));
  process.on("SIGTERM", () => stop("SIGTERM"));
  server.process.on("exit", (code, signal) => {
    if (stopping) return;
    console.error(`lab: JupyterLab exited by itself (${signal ?? `exit ${code}`}); see build/jupyterlab/server.log`);
    stop("exit", 1);
  });
  const dir = relative(REPO, opts.notebookDir) || ".";
  console.log(`lab: JupyterLab (${server.lab.where}) serving ${dir.startsWith("..") ? opts.notebookDir : dir + "/"} on 127.0.0.1 only`);
  console.log(`lab: open ${server.url}`);
  console.log("lab: Ctrl-C stops it");
}

main().catch((e: Error) => {
  console.error(`lab: ${e.message}`);
  process.exit(1);
});
