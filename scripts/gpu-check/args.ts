/**
 * The few options every step of the GPU check (scripts/gpu-check.sh) takes:
 * `--quick` (the lavapipe-sized run), `--backend` (webgpu unless told) and
 * integer sizes. A misspelt option is an error, not a silent default.
 */
import { BACKENDS, BackendName } from "../../src/engine";

export interface StepArgs {
  quick: boolean;
  backend: BackendName;
  ints: Record<string, number>;
}

/** Parses argv against the step's integer options (name -> [full, quick] defaults). */
export function stepArgs(step: string, argv: readonly string[], ints: Record<string, [number, number]>): StepArgs {
  const quick = argv.includes("--quick");
  const out: StepArgs = { quick, backend: "webgpu", ints: {} };
  for (const [k, [full, q]] of Object.entries(ints)) out.ints[k] = quick ? q : full;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--quick") continue;
    const name = a.replace(/^--/, "");
    const value = argv[i + 1];
    if (a === "--backend") {
      if (!(BACKENDS as readonly string[]).includes(value)) throw new RangeError(`${step}: --backend must be one of ${BACKENDS.join(", ")}; got "${value}"`);
      out.backend = value as BackendName;
    } else if (a.startsWith("--") && name in ints) {
      const n = Number(value);
      if (!Number.isInteger(n) || n <= 0) throw new RangeError(`${step}: --${name} must be a positive integer; got "${value}"`);
      out.ints[name] = n;
    } else {
      throw new RangeError(`${step}: unknown argument "${a}" (takes --quick, --backend NAME${Object.keys(ints).map((k) => `, --${k} N`).join("")})`);
    }
    i++;
  }
  return out;
}

/** Runs a step's main, printing its error and exiting 1 on failure (the shell script records it). */
export function runStep(main: () => Promise<void>): void {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
    process.exit(1);
  });
}
