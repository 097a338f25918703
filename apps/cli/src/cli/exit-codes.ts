/**
 * The exit codes of `rtos-sim`, stable and documented in `--help` and the README, so shell
 * scripts and CI can branch on them.
 */
export const ExitCode = {
  /** Success: the command did what was asked (for `run`: no unexpected fault, checker error or failed check). */
  Ok: 0,
  /** The simulation ran and found problems: an unexpected fault, a checker error or a failed app check. */
  Problems: 1,
  /** Usage error: unknown command or option, missing or malformed argument (duration, seed, page order). */
  Usage: 2,
  /** Bad input: unknown app or board, missing or broken app file, unreadable linker script, unwritable output file. */
  BadInput: 3,
  /** Internal error: a bug in rtos-sim (rerun with `--debug` for the stack trace and report it). */
  Internal: 4,
  /** Ctrl-C stopped a run (128 + SIGINT, as a shell reports it). */
  Interrupted: 130,
} as const;
/** One of {@link ExitCode}'s values. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** One line per exit code, as printed by `rtos-sim --help`. */
export const EXIT_CODE_HELP: readonly (readonly [ExitCode, string])[] = [
  [ExitCode.Ok, "success (run: no unexpected fault, no checker error, every app check passed)"],
  [ExitCode.Problems, "the run found problems: an unexpected fault, a checker error or a failed check"],
  [ExitCode.Usage, "usage error: unknown command or option, bad or missing argument value"],
  [ExitCode.BadInput, "bad input: unknown app or board, missing or broken app file, unreadable or unwritable file"],
  [ExitCode.Internal, "internal error (a bug): rerun with --debug and report the stack trace"],
  [ExitCode.Interrupted, "Ctrl-C stopped a run (it says at which simulated time)"],
];
