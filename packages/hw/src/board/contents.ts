import { HwError } from "../errors.js";
import type { MemoryContents, MemoryRegion } from "./types.js";

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, "0")}`;
}

function fieldError(board: string, field: string, message: string, value?: unknown): HwError {
  return new HwError("BOARD_FIELD", `board "${board}": ${field} ${message}`, { board, field, value });
}

function isByteList(value: unknown): value is ArrayLike<number> {
  return Array.isArray(value) || value instanceof Uint8Array;
}

function checkEntry(
  c: unknown,
  i: number,
  board: string,
  memory: readonly MemoryRegion[],
  names: Set<string>,
): MemoryContents {
  const field = `contents[${i}]`;
  if (typeof c !== "object" || c === null || Array.isArray(c)) throw fieldError(board, field, "must be an object", c);
  const e = c as Record<string, unknown>;
  const name = e.name;
  if (typeof name !== "string" || name.length === 0)
    throw fieldError(board, `${field}.name`, "must be a non-empty string", name);
  if (names.has(name)) throw fieldError(board, `${field}.name`, `duplicates contents name "${name}"`, name);
  names.add(name);
  const address = e.address;
  if (typeof address !== "number" || !Number.isInteger(address) || address < 0 || address >= 0x1_0000_0000) {
    throw fieldError(board, `${field}.address`, "must be an integer in [0, 2^32)", address);
  }
  const raw = e.bytes;
  // The length read once: a list whose length changes between reads (a getter) is checked as it was first read.
  const length = isByteList(raw) ? raw.length : 0;
  if (!isByteList(raw) || !Number.isInteger(length) || length <= 0)
    throw fieldError(board, `${field}.bytes`, "must be a non-empty array of bytes", raw);
  // The span before the bytes: a list far larger than any read-only region is refused without
  // copying it (a 1 GiB array took the time and the memory to copy before being refused).
  const end = address + length;
  const region = memory.find((m) => address >= m.start && end <= m.end);
  if (region === undefined || !region.readOnly) {
    const where =
      region === undefined
        ? "no single memory region of the board holds them"
        : `${region.name} is writable (initial contents are for read-only memory)`;
    throw fieldError(board, `${field}.address`, `[${hex(address)}, ${hex(end)}): ${where}`, address);
  }
  const bytes: number[] = [];
  for (let k = 0; k < length; k++) {
    const b = raw[k];
    if (typeof b !== "number" || !Number.isInteger(b) || b < 0 || b > 255) {
      throw fieldError(board, `${field}.bytes[${k}]`, "must be an integer 0..255", b);
    }
    bytes.push(b);
  }
  // Absent or undefined: the name. Anything else (null included) must be a string.
  const description = e.description === undefined ? name : e.description;
  if (typeof description !== "string") throw fieldError(board, `${field}.description`, "must be a string", description);
  return Object.freeze({ name, address, end, bytes: Object.freeze(bytes), description, region: region.name });
}

/**
 * Validates a board's `contents` (see {@link BoardSpec.contents}) against its validated memory:
 * each entry named uniquely, its bytes integers 0..255 lying wholly in one read-only region, no
 * two entries overlapping. Returns them frozen and sorted by address; throws {@link HwError}
 * `BOARD_FIELD` (the field in `context.field`, e.g. `"contents[1].bytes[3]"`) or `BOARD_OVERLAP`.
 */
export function checkContents(
  value: unknown,
  board: string,
  memory: readonly MemoryRegion[],
): readonly MemoryContents[] {
  if (value === undefined) return Object.freeze([]);
  if (!Array.isArray(value)) throw fieldError(board, "contents", "must be an array", value);
  const names = new Set<string>();
  // By index, not map: map skips a sparse array's holes, leaving entries the sort then failed on
  // with a TypeError; a hole is an entry that is not an object.
  const list: { c: MemoryContents; i: number }[] = [];
  for (let i = 0; i < value.length; i++) list.push({ c: checkEntry(value[i], i, board, memory, names), i });
  const sorted = [...list].sort((a, b) => a.c.address - b.c.address || a.i - b.i);
  for (let k = 1; k < sorted.length; k++) {
    const a = sorted[k - 1]!;
    const b = sorted[k]!;
    if (b.c.address < a.c.end) {
      const later = a.i > b.i ? a : b;
      throw new HwError(
        "BOARD_OVERLAP",
        `board "${board}": contents "${a.c.name}" [${hex(a.c.address)}, ${hex(a.c.end)}) overlaps "${b.c.name}" [${hex(
          b.c.address,
        )}, ${hex(b.c.end)})`,
        { board, field: `contents[${later.i}]`, first: a.c.name, second: b.c.name },
      );
    }
  }
  return Object.freeze(sorted.map((s) => s.c));
}

/** The bytes of 32-bit words, little-endian (as the core reads them): `wordsLE(0x04030201)` is `[1, 2, 3, 4]`. */
export function wordsLE(...words: readonly number[]): number[] {
  return words.flatMap((w) => [w & 0xff, (w >>> 8) & 0xff, (w >>> 16) & 0xff, (w >>> 24) & 0xff]);
}

/** The two bytes of a 16-bit halfword, little-endian: `halfwordLE(1024)` is `[0x00, 0x04]`. */
export function halfwordLE(value: number): number[] {
  return [value & 0xff, (value >>> 8) & 0xff];
}
