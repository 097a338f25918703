/** Whether a UTF-16 code unit is a C0 or C1 control character or a line or paragraph separator. */
function isControl(code: number): boolean {
  return code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029;
}

/**
 * An error message as one line of plain text: control characters (a newline, an escape
 * sequence) that came from an argument, a file name or a file's text are written as `\uXXXX`,
 * so an error is always one line and cannot move the terminal's cursor or change its colours.
 *
 * @example
 * ```ts
 * import { oneLine } from "./one-line.js";
 *
 * console.log(oneLine('unknown board "a\nb"')); // unknown board "a\u000ab"
 * ```
 */
export function oneLine(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    out += isControl(code) ? `\\u${code.toString(16).padStart(4, "0")}` : text[i];
  }
  return out;
}
