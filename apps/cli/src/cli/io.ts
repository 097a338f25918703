/**
 * Where the CLI writes, and whether it may use colours. {@link nodeIo} binds it to the process;
 * tests and embedders pass their own.
 */
export interface Io {
  /** Writes to standard output (text is written as is: add your own newline). */
  out(text: string): void;
  /** Writes to standard error. */
  err(text: string): void;
  /** Standard output is a terminal. */
  readonly stdoutIsTTY: boolean;
  /** Standard error is a terminal (progress bars go there). */
  readonly stderrIsTTY: boolean;
  /** Environment (NO_COLOR, TERM). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Directory relative paths are resolved against. */
  readonly cwd: string;
}

/** The process's standard streams, environment and working directory. */
export function nodeIo(): Io {
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    stdoutIsTTY: process.stdout.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
    env: process.env,
    cwd: process.cwd(),
  };
}

/** Text styles; every function returns its input unchanged when colours are off. */
export interface Style {
  /** Whether colours are on (else every function returns its input). */
  readonly enabled: boolean;
  /** Bold (SGR 1). */
  bold(text: string): string;
  /** Dim (SGR 2). */
  dim(text: string): string;
  /** Red foreground (SGR 31). */
  red(text: string): string;
  /** Green foreground (SGR 32). */
  green(text: string): string;
  /** Yellow foreground (SGR 33). */
  yellow(text: string): string;
  /** Cyan foreground (SGR 36). */
  cyan(text: string): string;
}

/**
 * Whether a stream may be coloured: a terminal, `NO_COLOR` unset or empty (https://no-color.org),
 * and `TERM` not `dumb`.
 */
export function coloursWanted(isTTY: boolean, env: Io["env"]): boolean {
  if (!isTTY) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  return env.TERM !== "dumb";
}

/** ANSI styles, or identity functions when `enabled` is false. */
export function makeStyle(enabled: boolean): Style {
  const wrap = (open: number, close: number) => (text: string) =>
    enabled ? `\u001b[${open}m${text}\u001b[${close}m` : text;
  return {
    enabled,
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    cyan: wrap(36, 39),
  };
}

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");

/** Text without ANSI colour sequences. */
export function stripAnsi(text: string): string {
  return text.replace(ANSI, "");
}
