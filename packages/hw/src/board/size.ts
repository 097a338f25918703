/**
 * Number literals of board descriptions and linker scripts: `0x20000000`, `131072`, `128K`,
 * `1M`, `0x400K` (the GNU ld spelling: K multiplies by 1024, M by 1024 * 1024, either case).
 */

/** How a literal may be written. */
export interface SizeLiteralOptions {
  /**
   * A leading `0` means octal (`0777`), as in GNU ld. Off for JSON, where a leading zero is
   * refused as ambiguous.
   */
  readonly octal: boolean;
}

/** Why a literal was refused, for the caller's error message. */
export type SizeLiteralResult =
  | {
      /** The literal was read. */
      readonly ok: true;
      /** Its value (may exceed 2^32: the caller checks ranges). */
      readonly value: number;
    }
  | {
      /** The literal was refused. */
      readonly ok: false;
      /** Why, for the caller's error message. */
      readonly reason: string;
    };

const LITERAL = /^(0[xX][0-9a-fA-F]+|[0-9]+)([kKmM]?)$/;

/**
 * Parses a number literal with an optional K/M suffix. Returns the value, or the reason it is
 * not a number (never throws): the value may exceed 2^32, the caller checks ranges.
 *
 * @example
 * ```ts
 * import { parseSizeLiteral } from "@rtos-sim/hw";
 * console.log(parseSizeLiteral("128K", { octal: false })); // { ok: true, value: 131072 }
 * console.log(parseSizeLiteral("0x08000000", { octal: true })); // { ok: true, value: 134217728 }
 * ```
 */
export function parseSizeLiteral(text: string, options: SizeLiteralOptions): SizeLiteralResult {
  const m = LITERAL.exec(text);
  if (!m) {
    return {
      ok: false,
      reason: `"${text}" is not a number (write decimal, 0x hex${options.octal ? ", 0 octal" : ""}, optionally with a K or M suffix)`,
    };
  }
  const digits = m[1]!;
  const suffix = m[2]!.toUpperCase();
  let value: number;
  if (digits.length > 2 && (digits[1] === "x" || digits[1] === "X")) {
    value = Number.parseInt(digits.slice(2), 16);
  } else if (digits.length > 1 && digits[0] === "0") {
    if (!options.octal)
      return { ok: false, reason: `"${text}" has a leading zero (ambiguous: write it without, or as 0x hex)` };
    if (!/^[0-7]+$/.test(digits))
      return { ok: false, reason: `"${text}" is not an octal number (digits 0-7 after a leading 0)` };
    value = Number.parseInt(digits, 8);
  } else {
    value = Number.parseInt(digits, 10);
  }
  if (suffix === "K") value *= 1024;
  else if (suffix === "M") value *= 1024 * 1024;
  if (!Number.isSafeInteger(value)) return { ok: false, reason: `"${text}" is too large` };
  return { ok: true, value };
}
