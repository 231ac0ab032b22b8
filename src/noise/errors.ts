/**
 * Named errors for misuse that would otherwise be silent (an option key that
 * JS ignores) or surface as a raw tfjs/JS error far from its cause. Each
 * message says what to do.
 */

/** An options object with a key the function does not take (usually a typo). */
export class UnknownOptionError extends TypeError {
  constructor(
    readonly where: string,
    readonly key: string,
    readonly known: readonly string[],
    hint = "",
  ) {
    super(`${where}: unknown option "${key}"${hint}; the options are ${known.join(", ")}`);
    this.name = "UnknownOptionError";
  }
}

/** A model or optimizer used after its dispose(): its tensors are gone. */
export class DisposedError extends Error {
  constructor(readonly what: string) {
    super(`${what} was disposed: its tensors are freed, so it cannot be used again; build a new one (dispose() only when done with it)`);
    this.name = "DisposedError";
  }
}

/** Throws DisposedError when `disposed`; called first by the methods of disposable objects. */
export function throwIfDisposed(disposed: boolean, what: string): void {
  if (disposed) throw new DisposedError(what);
}
