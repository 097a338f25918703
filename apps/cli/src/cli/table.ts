import { stripAnsi } from "./io.js";

/** A column of a text table. */
export interface Column {
  /** Header text (its visible width counts towards the column's width). */
  readonly header: string;
  /** Default "left". */
  readonly align?: "left" | "right";
}

/**
 * Renders rows as a plain-text table: a header, a rule, one line per row, columns separated by
 * two spaces, padded by visible width (ANSI colours do not count). Ends with a newline.
 *
 * @example
 * ```ts
 * import { renderTable } from "@rtos-sim/cli";
 * console.log(renderTable([{ header: "name" }, { header: "size", align: "right" }], [["Flash", "1 MiB"]]));
 * // name    size
 * // -----  -----
 * // Flash  1 MiB
 * ```
 */
export function renderTable(columns: readonly Column[], rows: readonly (readonly string[])[], indent = ""): string {
  const widths = columns.map((c, i) => Math.max(c.header.length, ...rows.map((r) => stripAnsi(r[i] ?? "").length)));
  const cell = (text: string, i: number) => {
    const pad = " ".repeat(Math.max(0, widths[i]! - stripAnsi(text).length));
    return columns[i]?.align === "right" ? pad + text : text + pad;
  };
  const line = (cells: readonly string[]) =>
    `${indent}${columns
      .map((_, i) => cell(cells[i] ?? "", i))
      .join("  ")
      .trimEnd()}\n`;
  return (
    line(columns.map((c) => c.header)) + line(widths.map((w) => "-".repeat(w))) + rows.map((r) => line(r)).join("")
  );
}
