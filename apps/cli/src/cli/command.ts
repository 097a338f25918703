import { parseArgs } from "node:util";
import { CliError } from "./errors.js";
import type { Io, Style } from "./io.js";
import { suggestOption } from "./suggest.js";

/** An option of a command, as `node:util` parseArgs takes it plus help text. */
export interface OptionSpec {
  /** `boolean` for a flag, `string` for an option that takes a value. */
  readonly type: "boolean" | "string";
  /** One-letter alias, without the dash (e.g. "h" for `-h`). */
  readonly short?: string;
  /** Name of the value in help, e.g. "N", "FILE". */
  readonly value?: string;
  /** One line of help text. */
  readonly description: string;
}

/** What a command's `run` receives. */
export interface CommandContext {
  /** Where to write (standard output and error), the environment and the working directory. */
  readonly io: Io;
  /** Styles for standard output (plain when not a TTY, with NO_COLOR, or with --json). */
  readonly style: Style;
  /** Styles for standard error. */
  readonly errStyle: Style;
  /** Option values by long name (booleans, strings, or undefined when absent). */
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
  /** Arguments that are not options, in order (their count already checked). */
  readonly positionals: readonly string[];
  /** Long names of the options given, in command-line order (repeats kept). */
  readonly order: readonly string[];
  /** `--debug` was given anywhere on the command line: show stack traces of errors. */
  readonly debug: boolean;
}

/** A subcommand of `rtos-sim`. */
export interface CommandSpec {
  /** The subcommand, as typed after `rtos-sim`. */
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Usage line after `rtos-sim `, e.g. "run [app|file] [options]". */
  readonly usage: string;
  /** Text under the usage line, one element per line as printed; an empty string separates paragraphs. */
  readonly description: readonly string[];
  /** Fewest positional arguments; fewer is `USAGE_MISSING_ARGUMENT` (exit 2). */
  readonly minPositionals: number;
  /** Most positional arguments; more is `USAGE_EXTRA_ARGUMENT` (exit 2). */
  readonly maxPositionals: number;
  /** The command's own options by long name (`--help`, `--version` and `--debug` are added to every command). */
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Full example command lines for the help text. */
  readonly examples: readonly string[];
  /**
   * Runs the command; returns (or resolves to) its exit code ({@link ExitCode}). A thrown
   * {@link CliError} becomes one line on standard error and its exit code; anything else is an
   * internal error (exit 4).
   */
  run(ctx: CommandContext): Promise<number> | number;
}

/** Options every command accepts. */
export const COMMON_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  help: { type: "boolean", short: "h", description: "show this help and exit" },
  version: { type: "boolean", short: "V", description: "print the version and exit" },
  debug: { type: "boolean", description: "show the stack trace of an error" },
};

function optionName(message: string): string {
  return /'(-[^']*)'/.exec(message)?.[1] ?? "";
}

/** A value that starts with a dash but is a number (`-5s`, `-1`, `-.5`), not an option. */
const NEGATIVE_VALUE = /^-\.?\d/;

/**
 * Joins a string option and a following negative-looking value (`--duration -5s`) into one
 * argument (`--duration=-5s`), so the value reaches its validator, which says what is wrong with
 * it, instead of the argument parser taking it for an option. Arguments after `--` are left alone.
 */
function joinNegativeValues(argv: readonly string[], options: Record<string, { type: string; short?: string }>) {
  const takesValue = new Set<string>();
  for (const [name, o] of Object.entries(options)) {
    if (o.type !== "string") continue;
    takesValue.add(`--${name}`);
    if (o.short) takesValue.add(`-${o.short}`);
  }
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") {
      out.push(...argv.slice(i));
      break;
    }
    const next = argv[i + 1];
    if (takesValue.has(a) && next !== undefined && NEGATIVE_VALUE.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else {
      out.push(a);
    }
  }
  return out;
}

/** The parsed command line of one command. */
export interface ParsedCommand {
  /** Option values by long name (booleans, strings, or undefined when absent). */
  readonly values: Record<string, string | boolean | undefined>;
  /** Arguments that are not options, in order. */
  readonly positionals: string[];
  /** Long names of the options given, in command-line order (repeats kept). */
  readonly order: string[];
}

/**
 * Parses a command's arguments strictly (unknown options and missing values are errors) and
 * checks the number of positionals. Throws {@link CliError} with a one-line message naming the
 * option and the command.
 */
export function parseCommand(spec: CommandSpec, argv: readonly string[]): ParsedCommand {
  const all = { ...spec.options, ...COMMON_OPTIONS };
  const options: Record<string, { type: "boolean" | "string"; short?: string }> = {};
  for (const [name, o] of Object.entries(all))
    options[name] = o.short ? { type: o.type, short: o.short } : { type: o.type };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: joinNegativeValues(argv, options),
      options,
      allowPositionals: true,
      strict: true,
      tokens: true,
    });
  } catch (e) {
    const code = (e as { code?: string }).code ?? "";
    const message = e instanceof Error ? e.message : String(e);
    const opt = optionName(message);
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
      // A negative number where an argument goes reads as an option: say how to pass it.
      const negative = /^-[0-9.]/.test(opt) ? `; a negative number as an argument goes after "--"` : "";
      const meant = suggestOption(opt, all);
      throw new CliError(
        "USAGE_UNKNOWN_OPTION",
        `unknown option ${opt} for "rtos-sim ${spec.name}"${meant === null ? "" : ` (did you mean ${meant}?)`} (see rtos-sim ${spec.name} --help${negative})`,
        { option: opt },
        spec.name,
      );
    }
    if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
      // "argument missing" (nothing follows) or "argument is ambiguous" (an option follows).
      const takesValue = /argument missing|argument is ambiguous/.test(message);
      throw new CliError(
        takesValue ? "USAGE_MISSING_ARGUMENT" : "USAGE_BAD_VALUE",
        takesValue ? `option ${opt.split(" ")[0]} needs a value` : `option ${opt} takes no value`,
        { option: opt },
        spec.name,
      );
    }
    throw new CliError("USAGE_BAD_VALUE", message.split("\n")[0] ?? message, {}, spec.name);
  }
  const order: string[] = [];
  for (const t of parsed.tokens ?? []) if (t.kind === "option") order.push(t.name);
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const positionals = parsed.positionals;
  if (values.help || values.version) return { values, positionals, order };
  if (positionals.length > spec.maxPositionals) {
    throw new CliError(
      "USAGE_EXTRA_ARGUMENT",
      `unexpected argument "${positionals[spec.maxPositionals]}" for "rtos-sim ${spec.name}" (usage: rtos-sim ${spec.usage})`,
      { argument: positionals[spec.maxPositionals] },
      spec.name,
    );
  }
  if (positionals.length < spec.minPositionals) {
    throw new CliError(
      "USAGE_MISSING_ARGUMENT",
      `missing argument for "rtos-sim ${spec.name}" (usage: rtos-sim ${spec.usage})`,
      {},
      spec.name,
    );
  }
  return { values, positionals, order };
}
