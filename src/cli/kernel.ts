/**
 * `npm run kernel`: registers the tslab kernel with the Jupyter found by
 * findJupyterPython(), pointing at this checkout's tslab so no global install
 * is needed.
 */
import { registerKernel, requireJupyterPython, tslabBinary } from "./jupyter";

try {
  const python = requireJupyterPython();
  registerKernel(python);
  console.log(`tslab kernel registered for ${python} (binary ${tslabBinary()})`);
} catch (e) {
  console.error(`kernel: ${(e as Error).message}`);
  process.exit(1);
}
