/**
 * `npm run kernel [-- --name NAME]`: registers this checkout's tslab as the
 * Jupyter kernel "gradnoise" (or NAME) for the current user only
 * (~/.local/share/jupyter/kernels/<name>), leaving any machine-wide `tslab`
 * kernelspec, and so every other checkout, alone.
 */
import { KERNEL_NAME, registerKernel, requireJupyterPython, tslabBinary } from "./jupyter";

try {
  const args = process.argv.slice(2);
  const usage = "usage: npm run kernel [-- --name NAME]: registers this checkout's tslab as a Jupyter kernel for this user (default name gradnoise)";
  if (args.includes("--help") || args.includes("-h")) {
    console.log(usage);
    process.exit(0);
  }
  const i = args.indexOf("--name");
  const name = i >= 0 ? args[i + 1] : KERNEL_NAME;
  // Anything but "--name NAME" is refused (and registers nothing).
  const stray = args.filter((_, j) => i < 0 || (j !== i && j !== i + 1));
  if (!name || name.startsWith("-") || stray.length > 0) throw new Error(usage);
  const python = requireJupyterPython();
  const where = registerKernel(python, { name, quiet: true });
  console.log(`kernel "${name}" (this checkout's tslab: ${tslabBinary()}) registered for this user in ${where}`);
  if (name !== KERNEL_NAME) console.log(`notebooks name "${KERNEL_NAME}" in their metadata: pick "${name}" in Kernel > Change kernel`);
} catch (e) {
  console.error(`kernel: ${(e as Error).message}`);
  process.exit(1);
}
