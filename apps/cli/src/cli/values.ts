import { CliError } from "./errors.js";

/** Longest simulated duration `--duration` accepts: one hour. */
export const MAX_DURATION_MS = 3_600_000;

const DURATION = /^(-?)(\d+(?:\.\d+)?|\.\d+)(us|ms|s|m)?$/;
const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

/**
 * Parses a duration (simulated for `--duration`, wall time for `--timeout`): `2s`, `500ms`,
 * `1.5s`, `2m`, `250us` (the unit the run's times are printed in), or a bare number of
 * milliseconds (`10000`). Returns milliseconds. Throws {@link CliError} `USAGE_BAD_VALUE` naming the option
 * when the text is not a duration, is zero or negative, or exceeds {@link MAX_DURATION_MS}.
 *
 * @example
 * ```ts
 * import { parseDuration } from "@rtos-sim/cli";
 * console.log(parseDuration("1.5s")); // 1500
 * console.log(parseDuration("10000")); // 10000
 * console.log(parseDuration("250us")); // 0.25
 * ```
 */
export function parseDuration(text: string, option = "--duration", command: string | null = "run"): number {
  const m = DURATION.exec(text.trim());
  if (!m) {
    throw new CliError(
      "USAGE_BAD_VALUE",
      `${option}: ${JSON.stringify(text)} is not a duration (use e.g. 2s, 500ms, 1.5s, 2m, 250us, or 10000 for milliseconds)`,
      { option, value: text },
      command,
    );
  }
  const ms = (m[1] === "-" ? -1 : 1) * Number(m[2]) * (UNIT_MS[m[3] ?? "ms"] ?? 1);
  if (!(ms > 0)) {
    throw new CliError(
      "USAGE_BAD_VALUE",
      `${option}: the duration must be greater than 0, got ${JSON.stringify(text)}`,
      { option, value: text },
      command,
    );
  }
  if (ms > MAX_DURATION_MS) {
    throw new CliError(
      "USAGE_BAD_VALUE",
      `${option}: at most 1 hour of ${option === "--timeout" ? "wall" : "simulated"} time (60m), got ${JSON.stringify(text)}`,
      { option, value: text },
      command,
    );
  }
  return ms;
}

/**
 * Parses an unsigned integer option in `[min, max]`, decimal or `0x` hex. Throws
 * {@link CliError} `USAGE_BAD_VALUE` naming the option and the accepted range.
 */
export function parseInteger(text: string, option: string, min: number, max: number, command: string | null): number {
  const t = text.trim();
  const ok = /^(0x[0-9a-f]+|\d+)$/i.test(t);
  const n = ok ? Number(t) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new CliError(
      "USAGE_BAD_VALUE",
      `${option}: expected an integer from ${min} to ${max}, got ${JSON.stringify(text)}`,
      { option, value: text, min, max },
      command,
    );
  }
  return n;
}

/** Parses `--seed`: an integer from 0 to 2^32 - 1 (decimal or `0x` hex). */
export function parseSeed(text: string): number {
  return parseInteger(text, "--seed", 0, 0xffffffff, "run");
}
