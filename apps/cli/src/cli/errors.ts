import { SimError } from "@rtos-sim/hw";
import { ExitCode } from "./exit-codes.js";

/**
 * Error codes of the CLI. Each maps to one exit code ({@link exitCodeFor}):
 *
 * - `USAGE_UNKNOWN_COMMAND`, `USAGE_UNKNOWN_OPTION`, `USAGE_BAD_VALUE`, `USAGE_MISSING_ARGUMENT`,
 *   `USAGE_EXTRA_ARGUMENT`, `NOT_AVAILABLE` (an option this build cannot serve yet): exit 2.
 * - `UNKNOWN_APP`, `UNKNOWN_BOARD`, `APP_FILE_MISSING`, `APP_FILE_BROKEN`, `APP_INVALID`,
 *   `APP_FAILED` (a user app threw, an app refused the board, or a board .json file lacks what the
 *   app needs), `APP_TIMEOUT` (the run took longer than `--timeout`), `INPUT_FILE` (unreadable or
 *   invalid input file), `OUTPUT_FILE` (cannot write `--trace`/`--report`): exit 3.
 * - `INTERRUPTED` (Ctrl-C stopped the run): exit 130, as a shell reports a process SIGINT ended.
 */
export type CliErrorCode =
  | "USAGE_UNKNOWN_COMMAND"
  | "USAGE_UNKNOWN_OPTION"
  | "USAGE_BAD_VALUE"
  | "USAGE_MISSING_ARGUMENT"
  | "USAGE_EXTRA_ARGUMENT"
  | "NOT_AVAILABLE"
  | "UNKNOWN_APP"
  | "UNKNOWN_BOARD"
  | "APP_FILE_MISSING"
  | "APP_FILE_BROKEN"
  | "APP_INVALID"
  | "APP_FAILED"
  | "APP_TIMEOUT"
  | "INTERRUPTED"
  | "INPUT_FILE"
  | "OUTPUT_FILE";

const USAGE: ReadonlySet<CliErrorCode> = new Set([
  "USAGE_UNKNOWN_COMMAND",
  "USAGE_UNKNOWN_OPTION",
  "USAGE_BAD_VALUE",
  "USAGE_MISSING_ARGUMENT",
  "USAGE_EXTRA_ARGUMENT",
  "NOT_AVAILABLE",
]);

/** The exit code of a CLI error code: 2 for usage errors, 130 for Ctrl-C, 3 for bad input. */
export function exitCodeFor(code: CliErrorCode): ExitCode {
  if (code === "INTERRUPTED") return ExitCode.Interrupted;
  return USAGE.has(code) ? ExitCode.Usage : ExitCode.BadInput;
}

/**
 * A typed error of the CLI: a stable {@link CliErrorCode}, a one-line `detail` printed to the user
 * (without the code prefix) and a context naming the option, file or value at fault.
 */
export class CliError extends SimError<CliErrorCode> {
  /** The command the error belongs to, for the "see rtos-sim <command> --help" hint. */
  readonly command: string | null;

  constructor(
    code: CliErrorCode,
    detail: string,
    context: Record<string, unknown> = {},
    command: string | null = null,
  ) {
    super(code, detail, context);
    this.name = "CliError";
    this.command = command;
  }

  /** The process exit code for this error. */
  get exitCode(): ExitCode {
    return exitCodeFor(this.code);
  }
}
