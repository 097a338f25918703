/**
 * Text a run produced, made safe to print on a terminal. A task's UART bytes, the message of an
 * error it threw, a label it gave `malloc`: all of it comes from simulated memory or task code, and
 * a byte 0x1B starts an escape sequence the terminal obeys (clear the screen, retitle the window,
 * recolour or hide what follows); a newline could forge a line of the summary ("OK: ..."); a
 * bidirectional override (U+202E) reorders what is shown. Each such character is shown as an
 * escape instead: `\e` for ESC, `\n`, `\r`, `\t` kept as a tab, `\xHH` for other C0 and C1
 * controls and DEL, `\u{HHHH}` for the bidirectional controls, as `cat -v` or systemd's journal
 * show them. The JSON output, the trace and the report keep the text as it was (JSON and HTML
 * escape it themselves).
 *
 * @example
 * ```ts
 * import { printable } from "./printable.js";
 * console.log(printable("\x1b[2Jhello\n")); // \e[2Jhello\n
 * ```
 */
export function printable(text: string): string {
  let out: string | null = null;
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!unsafe(c)) continue;
    out = (out ?? "") + text.slice(from, i) + escaped(c);
    from = i + 1;
  }
  return out === null ? text : out + text.slice(from);
}

/** C0 controls but tab, DEL, C1 controls, the bidirectional embeddings, overrides and isolates. */
function unsafe(c: number): boolean {
  return (
    (c < 0x20 && c !== 0x09) || (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)
  );
}

function escaped(c: number): string {
  if (c === 0x1b) return "\\e";
  if (c === 0x0a) return "\\n";
  if (c === 0x0d) return "\\r";
  const hex = c.toString(16).toUpperCase();
  return c > 0xff ? `\\u{${hex}}` : `\\x${hex.padStart(2, "0")}`;
}
