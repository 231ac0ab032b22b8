/**
 * Stopping long work from outside. Jupyter's Kernel > Interrupt sends the
 * kernel SIGINT; tslab 1.0.22 only stops *waiting* for the cell's promise
 * ("Interrupted asynchronously") and the work itself runs on. So long loops
 * (runSteps, runSweep) take an AbortSignal and check it every step: an
 * interrupt trips it, the loop throws InterruptedError, and the trainers'
 * `finally` blocks dispose their models and optimizers.
 *
 * In a tslab kernel the signal belongs to the cell execution: an interrupt
 * aborts everything the running cell started (even work it starts after the
 * interrupt), and the next cell gets a fresh signal. Outside a kernel
 * `interrupt()` aborts the current signal and starts a fresh one.
 */
import { inNode, nodeRequire } from "./runtime";

export class InterruptedError extends Error {
  constructor(message = "interrupted") {
    super(message);
    this.name = "InterruptedError";
  }
}

/** The one line a notebook cell shows after Kernel > Interrupt (instead of tslab's error and stack). */
export const INTERRUPTED_LINE = "Interrupted (Kernel > Interrupt): the running work stopped and released its tensors; the kernel is ready.";

/** tslab's per-execution display hook: a new function for every cell run, null outside a kernel. */
function kernelCell(): unknown {
  if (!inNode) return null;
  try {
    // tslab exists only inside a kernel (and never in a browser bundle).
    return nodeRequire<{ lastWriteDisplayData?: unknown }>("tslab/dist/jupyter", "tslab").lastWriteDisplayData ?? null;
  } catch {
    return null;
  }
}

let current: { cell: unknown; controller: AbortController } | undefined;
let sigintInstalled = false;

/** The signal long work started now should honour (see the module comment). */
export function interruptSignal(): AbortSignal {
  const cell = kernelCell();
  if (cell !== null) installKernelInterrupt();
  if (!current || (current.controller.signal.aborted && current.cell !== cell)) current = { cell, controller: new AbortController() };
  return current.controller.signal;
}

/** Aborts the work that holds the current signal. */
export function interrupt(reason = "interrupted"): void {
  if (!current) return;
  const c = current;
  c.controller.abort(new InterruptedError(reason));
  if (c.cell === null) current = undefined; // outside a kernel the next caller starts afresh
}

export function throwIfInterrupted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new InterruptedError();
}

/**
 * In a tslab kernel: on SIGINT abort the running cell's work. A stock tslab
 * 1.0.22 then prints "Error: Interrupted asynchronously" + stack (or V8's
 * "Script execution interrupted") on stderr: that is replaced with
 * INTERRUPTED_LINE. (tslab reinstalls process.stderr.write for every
 * execution, so the filter lasts until the next cell runs.) The tslab this
 * checkout patches (patches/, docs/tslab-patches.md) reports the interrupt
 * as one Jupyter error line instead, and the filter never fires. Installed
 * only inside a kernel: a CLI keeps Ctrl-C's default.
 */
export function installKernelInterrupt(): void {
  if (sigintInstalled) return;
  sigintInstalled = true;
  process.prependListener("SIGINT", () => {
    interrupt("Kernel > Interrupt");
    const write = process.stderr.write;
    let said = false;
    process.stderr.write = ((chunk: unknown, ...rest: unknown[]) => {
      const text = typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString("utf8");
      if (/^(Error: Interrupted asynchronously|Error: Script execution (was )?interrupted)/.test(text)) {
        if (said) return true;
        said = true;
        return write.call(process.stderr, `${INTERRUPTED_LINE}\n`);
      }
      return (write as (...a: unknown[]) => boolean).call(process.stderr, chunk, ...rest);
    }) as typeof process.stderr.write;
  });
}
