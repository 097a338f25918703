import { BOARDS, type Board, findBoard } from "@rtos-sim/hw";
import type { OptionSpec } from "../cli/command.js";
import { CliError } from "../cli/errors.js";

/** The `--json` option, shared by every command that can print JSON. */
export const JSON_OPTION: OptionSpec = {
  type: "boolean",
  description: "print one JSON document on standard output and nothing else",
};

/** Finds a built-in board by name or alias; throws {@link CliError} `UNKNOWN_BOARD` (exit 3). */
export function boardOrThrow(name: string, command: string): Board {
  const board = findBoard(name);
  if (!board) {
    throw new CliError(
      "UNKNOWN_BOARD",
      `unknown board "${name}" (built-in boards: ${BOARDS.map((b) => b.name).join(", ")}; see rtos-sim boards)`,
      { board: name },
      command,
    );
  }
  return board;
}

/** Total bytes of a board's memory regions of one kind. */
export function totalOf(board: Board, kind: string): number {
  return board.memory.filter((m) => m.kind === kind).reduce((sum, m) => sum + m.size, 0);
}

/** Writes a value as one JSON document (pretty-printed, newline-terminated). */
export function jsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
