import { HwError } from "../errors.js";
import { defineBoard } from "./define.js";
import { parseJsonText } from "./json-text.js";
import { parseSizeLiteral } from "./size.js";
import type { Board, BoardSpec } from "./types.js";

const BOARD_KEYS = [
  "name",
  "aliases",
  "description",
  "core",
  "mpuRegions",
  "clockHz",
  "memory",
  "peripherals",
  "devices",
  "roles",
  "bitBand",
  "contents",
  "$schema",
] as const;
const REGION_KEYS = ["name", "start", "size", "kind", "readOnly", "executable", "waitStates", "dmaReachable"] as const;
const PERIPHERAL_KEYS = ["name", "start", "size", "dmaReachable"] as const;
const CONTENTS_KEYS = ["name", "address", "bytes", "description"] as const;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function boardName(value: Record<string, unknown>): string {
  return typeof value.name === "string" && value.name.length > 0 ? value.name : "?";
}

function checkKeys(obj: Record<string, unknown>, allowed: readonly string[], prefix: string, board: string): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) {
      const field = prefix === "" ? key : `${prefix}.${key}`;
      throw new HwError(
        "BOARD_FIELD",
        `board "${board}": unknown field "${field}" (allowed: ${allowed.filter((k) => k !== "$schema").join(", ")})`,
        { board, field, value: obj[key] },
      );
    }
  }
}

/**
 * An address or size as JSON may give it: a number, or a string holding a hex (`"0x20000000"`)
 * or decimal number with an optional K/M suffix (`"128K"`, `"1M"`). Other strings, booleans,
 * fractions... are refused naming the field. `undefined` passes through (defineBoard reports it
 * as missing).
 */
function jsonNumber(value: unknown, field: string, board: string): unknown {
  if (typeof value !== "string") return value;
  const r = parseSizeLiteral(value.trim(), { octal: false });
  if (!r.ok) {
    throw new HwError("BOARD_FIELD", `board "${board}": ${field} must be a number, got ${r.reason}`, {
      board,
      field,
      value,
    });
  }
  return r.value;
}

/**
 * A JSON list's entries converted by index, up to and including the first entry that is not an
 * object (a hole included), which defineBoard refuses there: a map kept a sparse list's holes for
 * defineBoard to skip, and went through all 2^32 - 1 indices of an empty list of that length.
 * Anything but an array is returned as it is, for defineBoard to refuse.
 */
function convertList(list: unknown, convert: (item: Record<string, unknown>, i: number) => unknown): unknown {
  if (!Array.isArray(list)) return list;
  const out: unknown[] = [];
  for (let i = 0; i < list.length; i++) {
    const item: unknown = list[i];
    if (!isObject(item)) {
      out.push(item);
      break;
    }
    out.push(convert(item, i));
  }
  return out;
}

function convertRanges(
  list: unknown,
  key: "memory" | "peripherals",
  allowed: readonly string[],
  board: string,
): unknown {
  return convertList(list, (item, i) => {
    const field = `${key}[${i}]`;
    checkKeys(item, allowed, field, board);
    return {
      ...item,
      start: jsonNumber(item.start, `${field}.start`, board),
      size: jsonNumber(item.size, `${field}.size`, board),
    };
  });
}

function convertContents(list: unknown, board: string): unknown {
  return convertList(list, (item, i) => {
    const field = `contents[${i}]`;
    checkKeys(item, CONTENTS_KEYS, field, board);
    return { ...item, address: jsonNumber(item.address, `${field}.address`, board) };
  });
}

/**
 * Builds a board from a parsed JSON value with the shape of {@link BoardSpec}. Addresses and
 * sizes (`memory[i].start/size`, `peripherals[i].start/size`, `devices.*`) may be numbers or
 * strings such as `"0x20000000"`, `"128K"`, `"1M"`; `roles` maps a role to a device name
 * (`{ "uart": "USART1" }`); `contents` lists initial bytes of read-only memory
 * (`{ "name": "UID", "address": "0x1FFF7A10", "bytes": [65, 0, 32, 0] }`); `core` is matched case-insensitively;
 * unknown fields are refused (a typo such as `"szie"` is an error, not a silent default).
 * Throws {@link HwError} naming the field in `context.field`: `BOARD_INVALID` (not an object),
 * `BOARD_FIELD`, `BOARD_UNKNOWN_CORE`, `BOARD_OVERLAP` (see {@link defineBoard}). Nothing is
 * built on error.
 *
 * @example
 * ```ts
 * import { boardFromJson } from "@rtos-sim/hw";
 * const board = boardFromJson({
 *   name: "bluepill", core: "cortex-m3",
 *   memory: [{ name: "FLASH", kind: "flash", start: "0x08000000", size: "64K" },
 *            { name: "RAM", start: "0x20000000", size: "20K" }],
 * });
 * ```
 */
export function boardFromJson(value: unknown): Board {
  if (!isObject(value)) {
    throw new HwError("BOARD_INVALID", "a board description must be a JSON object", {
      value: Array.isArray(value) ? "array" : value,
    });
  }
  const board = boardName(value);
  checkKeys(value, BOARD_KEYS, "", board);
  let devices: unknown = value.devices;
  if (isObject(devices)) {
    const out: Record<string, unknown> = {};
    // defineProperty: a "__proto__" device (parseJsonText keeps the key) was set as the prototype, dropped.
    for (const [k, v] of Object.entries(devices)) {
      Object.defineProperty(out, k, {
        value: jsonNumber(v, `devices.${k}`, board),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    devices = out;
  }
  const spec = {
    name: value.name,
    aliases: value.aliases,
    description: value.description,
    core: typeof value.core === "string" ? value.core.toLowerCase() : value.core,
    mpuRegions: value.mpuRegions,
    clockHz: value.clockHz,
    memory: convertRanges(value.memory, "memory", REGION_KEYS, board),
    peripherals: convertRanges(value.peripherals, "peripherals", PERIPHERAL_KEYS, board),
    devices,
    roles: value.roles,
    bitBand: value.bitBand,
    contents: convertContents(value.contents, board),
  };
  return defineBoard(spec as unknown as BoardSpec);
}

/**
 * Reads a custom board from the text of a JSON file (see {@link boardFromJson} for the shape).
 * Malformed JSON is `BOARD_JSON` with `context` `{ offset, line, column }` (duplicate keys
 * included); the other codes are those of {@link boardFromJson}.
 *
 * @example
 * ```ts
 * import { createMachine, parseBoardJson } from "@rtos-sim/hw";
 * const board = parseBoardJson(`{
 *   "name": "f407-small", "core": "cortex-m4",
 *   "memory": [ { "name": "FLASH", "kind": "flash", "start": "0x08000000", "size": "512K" },
 *               { "name": "RAM", "start": "0x20000000", "size": "128K" } ]
 * }`);
 * const m = createMachine(board);
 * ```
 */
export function parseBoardJson(text: string): Board {
  if (typeof text !== "string") {
    throw new HwError("BOARD_JSON", "parseBoardJson expects the text of a JSON file", { value: typeof text });
  }
  return boardFromJson(parseJsonText(text));
}
