/**
 * Typed command-line options of an experiment. Each option narrows or extends
 * a scale's config (a longer budget, a subset of tasks, another eta); a sweep
 * with options gets its own results file, tagged by what changed, so it never
 * mixes with the scale's standard sweep.
 */
export type OptionType = "int" | "number" | "string";
export type OptionValue = number | string | number[] | string[];

export interface OptionSpec<C> {
  /** Flag without dashes: "tasks" is `--tasks`. */
  readonly name: string;
  readonly type: OptionType;
  /** Comma-separated list. */
  readonly list?: boolean;
  readonly choices?: readonly string[];
  /** Inclusive bounds for numbers (default: > 0 for numbers and ints). */
  readonly min?: number;
  readonly max?: number;
  /** Shown by --help; say what it changes and its default. */
  readonly help: string;
  /** The config with this option applied (config is not mutated). */
  apply(config: C, value: OptionValue): C;
  /** Results-file tag part, before sanitising (default: name + value). */
  tag?(value: OptionValue): string;
}

export type Overrides = Readonly<Record<string, OptionValue>>;

/** What every builder below takes: the help line, bounds, and how the typed value changes the config. */
interface Build<C, V> {
  /** Shown by --help; say what it changes and its default. */
  help: string;
  /** Inclusive bounds for numbers (default: > 0). */
  min?: number;
  max?: number;
  apply(config: C, value: V): C;
  /** Results-file tag part, before sanitising (default: name + value, list items joined by "+"). */
  tag?(value: V): string;
}

// The one place values meet their type: parseOptionValue checked `type`, `list` and `choices`.
function make<C, V>(name: string, type: OptionType, list: boolean, b: Build<C, V>, choices?: readonly string[]): OptionSpec<C> {
  const tag = b.tag;
  return {
    name, type, help: b.help, ...(list ? { list } : {}), ...(choices ? { choices } : {}),
    ...(b.min !== undefined ? { min: b.min } : {}), ...(b.max !== undefined ? { max: b.max } : {}),
    apply: (c, v) => b.apply(c, v as V),
    ...(tag ? { tag: (v: OptionValue) => tag(v as V) } : {}),
  };
}

/**
 * Typed option builders: `apply` and `tag` get the value as parsed (a
 * number, a list of numbers, one of `choices`...), so sections need no casts.
 * `seeds` and `epochs` are the flags most sections share.
 */
export const opt = {
  int: <C>(name: string, b: Build<C, number>) => make(name, "int", false, b),
  ints: <C>(name: string, b: Build<C, number[]>) => make(name, "int", true, b),
  number: <C>(name: string, b: Build<C, number>) => make(name, "number", false, b),
  numbers: <C>(name: string, b: Build<C, number[]>) => make(name, "number", true, b),
  string: <C, T extends string>(name: string, choices: readonly T[], b: Build<C, T>) => make(name, "string", false, b, choices),
  strings: <C, T extends string>(name: string, choices: readonly T[], b: Build<C, T[]>) => make(name, "string", true, b, choices),
  /** `--seeds N`: seeds 1..N per row (configs with a `seeds` count). */
  seeds: <C extends { seeds: number }>(help: string) => make<C, number>("seeds", "int", false, { help, apply: (c, seeds) => ({ ...c, seeds }) }),
  /** `--epochs N`: epochs per run (configs whose training settings are `base`). */
  epochs: <C extends { base: { epochs: number } }>(help: string) => make<C, number>("epochs", "int", false, { help, apply: (c, epochs) => ({ ...c, base: { ...c.base, epochs } }) }),
};

function parseOne(o: OptionSpec<unknown>, raw: string): number | string {
  const flag = `--${o.name}`;
  if (o.type === "string") {
    if (o.choices && !o.choices.includes(raw)) throw new RangeError(`${flag} takes ${o.choices.join(", ")}; got "${raw}"`);
    if (!raw) throw new RangeError(`${flag} needs a value`);
    return raw;
  }
  const n = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(n)) throw new RangeError(`${flag} takes ${o.type === "int" ? "integers" : "numbers"}; got "${raw}"`);
  if (o.type === "int" && !Number.isInteger(n)) throw new RangeError(`${flag} takes integers; got "${raw}"`);
  if (o.min !== undefined ? n < o.min : n <= 0) throw new RangeError(`${flag} must be ${o.min !== undefined ? `>= ${o.min}` : "positive"}; got "${raw}"`);
  if (o.max !== undefined && n > o.max) throw new RangeError(`${flag} must be <= ${o.max}; got "${raw}"`);
  return n;
}

/** The typed value of `raw` for option `o`; throws a message naming the flag. */
export function parseOptionValue(o: OptionSpec<unknown>, raw: string): OptionValue {
  if (!o.list) return parseOne(o, raw.trim());
  const parts = raw.split(",").map((x) => x.trim());
  if (parts.some((p) => p === "")) throw new RangeError(`--${o.name} takes a comma-separated list without empty items; got "${raw}"`);
  const values = parts.map((p) => parseOne(o, p));
  if (new Set(values).size !== values.length) throw new RangeError(`--${o.name} lists a value twice: "${raw}"`);
  return values as number[] | string[];
}

/** The scale's config with `overrides` applied in the experiment's option order. */
export function applyOverrides<C>(options: readonly OptionSpec<C>[], config: C, overrides: Overrides = {}): C {
  const unknown = Object.keys(overrides).filter((k) => !options.some((o) => o.name === k));
  if (unknown.length) throw new RangeError(`unknown option(s) ${unknown.map((k) => `--${k}`).join(", ")}; this experiment takes ${options.map((o) => `--${o.name}`).join(", ") || "none"}`);
  return options.reduce((c, o) => (o.name in overrides ? o.apply(c, overrides[o.name]) : c), config);
}

/** "-tasks16+18-restarts10": the overrides as a file-name suffix, in option order ("" for none). */
export function overridesTag(options: readonly OptionSpec<unknown>[], overrides: Overrides = {}): string {
  return options
    .filter((o) => o.name in overrides)
    .map((o) => {
      const v = overrides[o.name];
      const text = o.tag ? o.tag(v) : `${o.name}${Array.isArray(v) ? v.join("+") : v}`;
      return `-${text.replace(/[^a-zA-Z0-9.+]/g, "")}`;
    })
    .join("");
}

/** One line per option for --help (long choice lists go after the description). */
export function optionsHelp(options: readonly OptionSpec<unknown>[]): string[] {
  return options.map((o) => {
    const short = o.choices && o.choices.join("|").length <= 20;
    const kind = short ? o.choices!.join("|") : o.choices ? "CHOICE" : o.type === "string" ? "TEXT" : o.type === "int" ? "N" : "X";
    const flag = `  --${o.name} ${o.list ? `${kind}[,...]` : kind}`;
    const choices = o.choices && !short ? `; CHOICE: ${o.choices.map((c) => `"${c}"`).join(", ")}` : "";
    // A flag as wide as the column still gets a space before its description.
    return `${flag.padEnd(33)} ${o.help}${choices}`;
  });
}
