import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { BOARDS, type Board, findBoard, parseBoardJson, SimError } from "@rtos-sim/hw";
import type { OptionSpec } from "../cli/command.js";
import { CliError } from "../cli/errors.js";

/** The `--json` option, shared by every command that can print JSON. */
export const JSON_OPTION: OptionSpec = {
  type: "boolean",
  description: "print one JSON document on standard output and nothing else",
};

/**
 * A board by name or alias, or from a JSON board file when the argument ends in `.json`
 * (`@rtos-sim/hw`'s `parseBoardJson` shape). Throws {@link CliError} `UNKNOWN_BOARD` or
 * `INPUT_FILE` (exit 3) naming the board or the file and the field at fault.
 */
export function boardOrThrow(name: string, command: string, cwd = process.cwd()): Board {
  if (name.toLowerCase().endsWith(".json")) return boardFile(name, command, cwd);
  const board = findBoard(name);
  if (!board) {
    throw new CliError(
      "UNKNOWN_BOARD",
      `unknown board ${JSON.stringify(name)} (built-in boards: ${BOARDS.map((b) => b.name).join(", ")}; see rtos-sim boards; or a board .json file)`,
      { board: name },
      command,
    );
  }
  return board;
}

/**
 * Reads an input file and parses it; a missing or unreadable file, or a parse error (a typed
 * `SimError`), is one `INPUT_FILE` error (exit code 3) saying `label: why`.
 */
export function parseInputFile<T>(
  path: string,
  label: string,
  command: string,
  cwd: string,
  parse: (text: string, file: string) => T,
): T {
  const file = resolve(cwd, path);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const why = (e as { code?: string }).code === "ENOENT" ? "file not found" : (e as Error).message;
    throw new CliError("INPUT_FILE", `${label}: ${why}`, { file }, command);
  }
  try {
    return parse(text, file);
  } catch (e) {
    if (e instanceof SimError)
      throw new CliError("INPUT_FILE", `${label}: ${e.message}`, { file, cause: e.code }, command);
    throw e;
  }
}

function boardFile(path: string, command: string, cwd: string): Board {
  return parseInputFile(path, `board file ${path}`, command, cwd, (text) => parseBoardJson(text));
}

/** Total bytes of a board's memory regions of one kind. */
export function totalOf(board: Board, kind: string): number {
  return board.memory.filter((m) => m.kind === kind).reduce((sum, m) => sum + m.size, 0);
}

/** Writes a value as one JSON document (pretty-printed, newline-terminated). */
export function jsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
