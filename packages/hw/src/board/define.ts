import { HwError } from "../errors.js";
import type { Board, BoardSpec, CoreKind, MemoryKind, MemoryRegion, PeripheralRangeSpec } from "./types.js";

const CORES: Record<CoreKind, 8 | 16> = { "cortex-m3": 8, "cortex-m4": 8, "cortex-m7": 16 };
const KINDS: readonly MemoryKind[] = ["ram", "flash", "rom", "otp"];
const MAX = 0x1_0000_0000;

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, "0")}`;
}

function checkU32(value: unknown, field: string, board: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value >= MAX) {
    throw new HwError(
      "BOARD_FIELD",
      `board "${board}": ${field} must be an integer in [0, 2^32), got ${String(value)}`,
      {
        board,
        field,
        value,
      },
    );
  }
  return value;
}

function checkName(value: unknown, field: string, board: string): string {
  if (typeof value !== "string" || value.length === 0) {
    throw new HwError("BOARD_FIELD", `board "${board}": ${field} must be a non-empty string`, { board, field, value });
  }
  return value;
}

function checkOverlaps(
  board: string,
  what: string,
  ranges: readonly { readonly name: string; readonly start: number; readonly size: number }[],
): void {
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1]!;
    const b = sorted[i]!;
    if (b.start < a.start + a.size) {
      throw new HwError(
        "BOARD_OVERLAP",
        `board "${board}": ${what} "${a.name}" [${hex(a.start)}, ${hex(a.start + a.size)}) overlaps "${b.name}" [${hex(
          b.start,
        )}, ${hex(b.start + b.size)})`,
        { board, first: a.name, second: b.name },
      );
    }
  }
}

/**
 * Validates a board description and returns a frozen {@link Board} with every default filled in.
 * Throws {@link HwError} (`BOARD_FIELD`, `BOARD_UNKNOWN_CORE`, `BOARD_OVERLAP`, `BOARD_INVALID`)
 * naming the offending field; nothing is returned on error.
 *
 * @example
 * ```ts
 * const board = defineBoard({
 *   name: "my-board", core: "cortex-m4",
 *   memory: [{ name: "FLASH", kind: "flash", start: 0x08000000, size: 256 * 1024 },
 *            { name: "RAM", start: 0x20000000, size: 64 * 1024 }],
 * });
 * ```
 */
export function defineBoard(spec: BoardSpec): Board {
  if (typeof spec !== "object" || spec === null) {
    throw new HwError("BOARD_INVALID", "a board description must be an object", { value: spec });
  }
  const name = checkName(spec.name, "name", String((spec as { name?: unknown }).name ?? "?"));
  if (!(spec.core in CORES)) {
    throw new HwError(
      "BOARD_UNKNOWN_CORE",
      `board "${name}": unknown core "${String(spec.core)}" (known: ${Object.keys(CORES).join(", ")})`,
      { board: name, field: "core", value: spec.core },
    );
  }
  const mpuRegions = spec.mpuRegions ?? CORES[spec.core];
  if (mpuRegions !== 8 && mpuRegions !== 16) {
    throw new HwError("BOARD_FIELD", `board "${name}": mpuRegions must be 8 or 16`, {
      board: name,
      field: "mpuRegions",
      value: mpuRegions,
    });
  }
  const clockHz = spec.clockHz ?? 16_000_000;
  if (typeof clockHz !== "number" || !Number.isFinite(clockHz) || clockHz <= 0) {
    throw new HwError("BOARD_FIELD", `board "${name}": clockHz must be a positive number`, {
      board: name,
      field: "clockHz",
      value: clockHz,
    });
  }
  if (!Array.isArray(spec.memory) || spec.memory.length === 0) {
    throw new HwError("BOARD_FIELD", `board "${name}": memory must be a non-empty array of regions`, {
      board: name,
      field: "memory",
    });
  }
  const names = new Set<string>();
  const memory: MemoryRegion[] = spec.memory.map((m, i) => {
    const field = `memory[${i}]`;
    if (typeof m !== "object" || m === null) {
      throw new HwError("BOARD_FIELD", `board "${name}": ${field} must be an object`, { board: name, field });
    }
    const rname = checkName(m.name, `${field}.name`, name);
    if (names.has(rname)) {
      throw new HwError("BOARD_FIELD", `board "${name}": duplicate memory region name "${rname}"`, {
        board: name,
        field: `${field}.name`,
        value: rname,
      });
    }
    names.add(rname);
    const start = checkU32(m.start, `${field}.start`, name);
    const size = checkU32(m.size, `${field}.size`, name);
    if (size === 0 || start + size > MAX) {
      throw new HwError("BOARD_FIELD", `board "${name}": ${field}.size must be > 0 and end within 4 GiB`, {
        board: name,
        field: `${field}.size`,
        value: size,
      });
    }
    const kind = m.kind ?? "ram";
    if (!KINDS.includes(kind)) {
      throw new HwError("BOARD_FIELD", `board "${name}": ${field}.kind must be one of ${KINDS.join(", ")}`, {
        board: name,
        field: `${field}.kind`,
        value: kind,
      });
    }
    const waitStates = m.waitStates ?? 0;
    if (!Number.isInteger(waitStates) || waitStates < 0 || waitStates > 15) {
      throw new HwError("BOARD_FIELD", `board "${name}": ${field}.waitStates must be an integer 0..15`, {
        board: name,
        field: `${field}.waitStates`,
        value: waitStates,
      });
    }
    for (const flag of ["readOnly", "executable"] as const) {
      if (m[flag] !== undefined && typeof m[flag] !== "boolean") {
        throw new HwError("BOARD_FIELD", `board "${name}": ${field}.${flag} must be a boolean`, {
          board: name,
          field: `${field}.${flag}`,
          value: m[flag],
        });
      }
    }
    if (start >= 0xe0000000) {
      throw new HwError("BOARD_FIELD", `board "${name}": ${field} lies in the system range 0xE0000000-0xFFFFFFFF`, {
        board: name,
        field: `${field}.start`,
        value: start,
      });
    }
    return Object.freeze({
      name: rname,
      start,
      size,
      end: start + size,
      kind,
      readOnly: m.readOnly ?? kind !== "ram",
      executable: m.executable ?? true,
      waitStates,
    });
  });
  checkOverlaps(name, "memory region", memory);
  const peripherals: PeripheralRangeSpec[] = (spec.peripherals ?? []).map((p, i) => {
    const field = `peripherals[${i}]`;
    const pname = checkName(p?.name, `${field}.name`, name);
    const start = checkU32(p.start, `${field}.start`, name);
    const size = checkU32(p.size, `${field}.size`, name);
    if (size === 0 || start + size > 0xe0000000) {
      throw new HwError("BOARD_FIELD", `board "${name}": ${field} must be non-empty and below 0xE0000000`, {
        board: name,
        field: `${field}.size`,
        value: size,
      });
    }
    return Object.freeze({ name: pname, start, size });
  });
  checkOverlaps(name, "peripheral range", peripherals);
  const devices: Record<string, number> = {};
  for (const [k, v] of Object.entries(spec.devices ?? {})) devices[k] = checkU32(v, `devices.${k}`, name);
  const aliases = spec.aliases ?? [];
  if (!Array.isArray(aliases) || aliases.some((a) => typeof a !== "string")) {
    throw new HwError("BOARD_FIELD", `board "${name}": aliases must be an array of strings`, {
      board: name,
      field: "aliases",
    });
  }
  return Object.freeze({
    name,
    aliases: Object.freeze([...aliases]),
    description: spec.description ?? name,
    core: spec.core,
    mpuRegions,
    clockHz,
    memory: Object.freeze([...memory].sort((a, b) => a.start - b.start)),
    peripherals: Object.freeze(peripherals.sort((a, b) => a.start - b.start)),
    devices: Object.freeze(devices),
  });
}
