import { HwError } from "../errors.js";
import { BIT_BAND_ALIAS_BYTES, BIT_BAND_WINDOWS } from "../memory/bit-band.js";
import { checkContents } from "./contents.js";
import { CORE_PROFILES, type CoreKind, type MpuOf } from "./cores.js";
import type { Board, BoardSpec, MemoryKind, MemoryRegion, PeripheralRangeSpec } from "./types.js";
import { valueText } from "./value-text.js";

const KINDS: readonly MemoryKind[] = ["ram", "flash", "rom", "otp"];
const MAX = 0x1_0000_0000;
/** Start of the system range (PPB and vendor system): no board memory or peripheral may lie there. */
const SYSTEM = 0xe0000000;

/**
 * Most bytes of memory one board may declare (all regions together): 256 MiB. A machine backs
 * all of it with one ArrayBuffer that also holds the core's per-byte filter state and access
 * views (about 2.5 bytes per byte of memory), so a typo such as `"size": "0xFFFFFFF0"` is
 * refused here with a typed error instead of failing later with an allocation error.
 */
export const MAX_BOARD_MEMORY = 256 * 1024 * 1024;

/** Most memory regions one board may declare (the bus decodes to at most 254 backing segments). */
export const MAX_BOARD_REGIONS = 254;

/** The cores a board may name, e.g. for error messages and JSON validation. */
export const CORE_KINDS: readonly CoreKind[] = Object.freeze(Object.keys(CORE_PROFILES) as CoreKind[]);

/** Whether `value` names a core the model knows. */
export function isCoreKind(value: unknown): value is CoreKind {
  return typeof value === "string" && Object.hasOwn(CORE_PROFILES, value);
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, "0")}`;
}

function fieldError(board: string, field: string, message: string, value?: unknown): HwError {
  return new HwError("BOARD_FIELD", `board "${board}": ${field} ${message}`, { board, field, value });
}

function checkU32(value: unknown, field: string, board: string): number {
  if (value === undefined) throw fieldError(board, field, "is missing", value);
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value >= MAX) {
    throw fieldError(board, field, `must be an integer in [0, 2^32), got ${valueText(value)}`, value);
  }
  // -0 is 0.
  return value + 0;
}

function checkName(value: unknown, field: string, board: string): string {
  if (value === undefined) throw fieldError(board, field, "is missing", value);
  if (typeof value !== "string" || value.length === 0)
    throw fieldError(board, field, "must be a non-empty string", value);
  return value;
}

/** The elements of a list read by index (holes as `undefined`), for lists of a bounded length. */
function denseList(list: readonly unknown[]): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < list.length; i++) out.push(list[i]);
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

interface Ranged {
  readonly name: string;
  readonly start: number;
  readonly size: number;
  /** Index in the description's array (for the error's field). */
  readonly index: number;
}

function checkOverlaps(board: string, what: string, list: string, ranges: readonly Ranged[]): void {
  const sorted = [...ranges].sort((a, b) => a.start - b.start || a.index - b.index);
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1]!;
    const b = sorted[i]!;
    if (b.start < a.start + a.size) {
      const later = a.index > b.index ? a : b;
      throw new HwError(
        "BOARD_OVERLAP",
        `board "${board}": ${what} "${a.name}" [${hex(a.start)}, ${hex(a.start + a.size)}) overlaps "${b.name}" [${hex(
          b.start,
        )}, ${hex(b.start + b.size)})`,
        { board, field: `${list}[${later.index}]`, first: a.name, second: b.name },
      );
    }
  }
}

function checkMemoryRegion(m: unknown, i: number, board: string, names: Set<string>): MemoryRegion {
  const field = `memory[${i}]`;
  if (!isObject(m)) throw fieldError(board, field, "must be an object", m);
  const rname = checkName(m.name, `${field}.name`, board);
  if (names.has(rname)) throw fieldError(board, `${field}.name`, `duplicates memory region name "${rname}"`, rname);
  names.add(rname);
  const start = checkU32(m.start, `${field}.start`, board);
  const size = checkU32(m.size, `${field}.size`, board);
  if (size === 0) throw fieldError(board, `${field}.size`, "must be > 0", size);
  if (start >= SYSTEM) {
    throw fieldError(board, `${field}.start`, "lies in the system range 0xE0000000-0xFFFFFFFF", start);
  }
  if (start + size > SYSTEM) {
    throw fieldError(
      board,
      `${field}.size`,
      `runs into the system range: [${hex(start)}, +${size}) ends past 0xE0000000`,
      size,
    );
  }
  const kind = m.kind ?? "ram";
  if (typeof kind !== "string" || !KINDS.includes(kind as MemoryKind)) {
    throw fieldError(board, `${field}.kind`, `must be one of ${KINDS.join(", ")}`, kind);
  }
  const waitStates = m.waitStates ?? 0;
  if (typeof waitStates !== "number" || !Number.isInteger(waitStates) || waitStates < 0 || waitStates > 15) {
    throw fieldError(board, `${field}.waitStates`, "must be an integer 0..15", waitStates);
  }
  for (const flag of ["readOnly", "executable", "dmaReachable"] as const) {
    if (m[flag] !== undefined && typeof m[flag] !== "boolean") {
      throw fieldError(board, `${field}.${flag}`, "must be a boolean", m[flag]);
    }
  }
  return Object.freeze({
    name: rname,
    start,
    size,
    end: start + size,
    kind: kind as MemoryKind,
    readOnly: (m.readOnly as boolean | undefined) ?? kind !== "ram",
    executable: (m.executable as boolean | undefined) ?? true,
    waitStates,
    dmaReachable: (m.dmaReachable as boolean | undefined) ?? true,
  });
}

function checkPeripheral(p: unknown, i: number, board: string, names: Set<string>): PeripheralRangeSpec {
  const field = `peripherals[${i}]`;
  if (!isObject(p)) throw fieldError(board, field, "must be an object", p);
  const pname = checkName(p.name, `${field}.name`, board);
  if (names.has(pname)) throw fieldError(board, `${field}.name`, `duplicates peripheral range name "${pname}"`, pname);
  names.add(pname);
  const start = checkU32(p.start, `${field}.start`, board);
  const size = checkU32(p.size, `${field}.size`, board);
  if (size === 0) throw fieldError(board, `${field}.size`, "must be > 0", size);
  if (start + size > SYSTEM) throw fieldError(board, `${field}.size`, "must end at or below 0xE0000000", size);
  if (p.dmaReachable !== undefined && typeof p.dmaReachable !== "boolean") {
    throw fieldError(board, `${field}.dmaReachable`, "must be a boolean", p.dmaReachable);
  }
  return Object.freeze({ name: pname, start, size, ...(p.dmaReachable === false ? { dmaReachable: false } : {}) });
}

/** A role name: lowercase letters, digits and `-`, starting with a letter (`uart`, `can-1`). */
const ROLE_NAME = /^[a-z][a-z0-9-]{0,31}$/;

function checkRoles(
  value: unknown,
  devices: Readonly<Record<string, number>>,
  board: string,
): Readonly<Record<string, string>> {
  const raw = value ?? {};
  if (!isObject(raw)) throw fieldError(board, "roles", "must be an object of role: device name", raw);
  const roles: Record<string, string> = {};
  for (const [role, device] of Object.entries(raw)) {
    const field = `roles.${role}`;
    if (!ROLE_NAME.test(role)) throw fieldError(board, field, "must be a lowercase name (a-z, 0-9, -)", role);
    if (typeof device !== "string" || !Object.hasOwn(devices, device)) {
      const known = Object.keys(devices);
      throw fieldError(
        board,
        field,
        `must name one of the board's devices (${known.length > 0 ? known.join(", ") : "none declared"}), got ${valueText(device)}`,
        device,
      );
    }
    roles[role] = device;
  }
  return Object.freeze(roles);
}

/**
 * Validates a board description and returns a frozen {@link Board} with every default filled in.
 * Throws {@link HwError} naming the offending field in `context.field` (e.g. `"memory[2].size"`);
 * nothing is returned on error. Codes:
 * - `BOARD_INVALID`: the description is not an object.
 * - `BOARD_FIELD`: a field is missing, of the wrong type or out of range (also duplicate region
 *   names, memory in the system range 0xE0000000+, more than {@link MAX_BOARD_MEMORY} bytes or
 *   {@link MAX_BOARD_REGIONS} regions).
 * - `BOARD_UNKNOWN_CORE`: `core` is not one of {@link CORE_KINDS}.
 * - `BOARD_FIELD` also for a device role that is not a lowercase name (`roles.<role>`) or that
 *   names no entry of `devices`.
 * - `BOARD_FIELD` for `bitBand` on a core without the option (only the Cortex-M3 and M4 have it).
 * - `BOARD_FIELD` for a `contents` entry that is malformed (`contents[i].bytes[k]` not a byte...)
 *   or whose bytes do not lie wholly in one read-only memory region (`contents[i].address`).
 * - `BOARD_OVERLAP`: two memory regions, or two peripheral ranges, overlap (`field` names the
 *   later one in the description); or, with `bitBand`, a region or range lies in an alias window;
 *   or two `contents` entries overlap. Memory inside a peripheral range is allowed (STM32F407
 *   backup SRAM sits in AHB1): memory decodes first.
 *
 * @example
 * ```ts
 * import { defineBoard } from "@rtos-sim/hw";
 * const board = defineBoard({
 *   name: "my-board", core: "cortex-m4",
 *   memory: [{ name: "FLASH", kind: "flash", start: 0x08000000, size: 256 * 1024 },
 *            { name: "RAM", start: 0x20000000, size: 64 * 1024 }],
 * });
 * ```
 */
export function defineBoard<const C extends CoreKind>(spec: BoardSpec & { readonly core: C }): Board<MpuOf<C>> {
  if (!isObject(spec)) {
    throw new HwError("BOARD_INVALID", "a board description must be an object", { value: spec });
  }
  const raw = spec as unknown as Record<string, unknown>;
  const name = checkName(raw.name, "name", typeof raw.name === "string" ? raw.name : "?");
  if (raw.core === undefined) throw fieldError(name, "core", `is missing (known: ${CORE_KINDS.join(", ")})`);
  if (!isCoreKind(raw.core)) {
    throw new HwError(
      "BOARD_UNKNOWN_CORE",
      `board "${name}": unknown core ${valueText(raw.core)} (known: ${CORE_KINDS.join(", ")})`,
      { board: name, field: "core", value: raw.core },
    );
  }
  const core = raw.core;
  const mpuRegions = raw.mpuRegions ?? CORE_PROFILES[core].mpuRegions;
  if (mpuRegions !== 8 && mpuRegions !== 16) throw fieldError(name, "mpuRegions", "must be 8 or 16", mpuRegions);
  // ARMv6-M's PMSAv6 has 8 regions (MPU_TYPE.DREGION is 0 or 8): 16 made a Cortex-M0+ with an MPU no part has.
  if (core === "cortex-m0plus" && mpuRegions !== 8) {
    throw fieldError(name, "mpuRegions", "must be 8 on the Cortex-M0+ (PMSAv6 has 8 regions)", mpuRegions);
  }
  const clockHz = raw.clockHz ?? 16_000_000;
  // Whole hertz, below 2^32 (4.29 GHz): a fraction of a hertz or 1e300 made every cycle-to-time
  // conversion (ms, ticks, wait states) approximate or absurd.
  if (typeof clockHz !== "number" || !Number.isInteger(clockHz) || clockHz < 1 || clockHz > 0xffffffff) {
    throw fieldError(name, "clockHz", "must be an integer number of hertz in 1..2^32-1", clockHz);
  }
  const description = raw.description ?? name;
  if (typeof description !== "string") throw fieldError(name, "description", "must be a string", description);
  const aliases = raw.aliases ?? [];
  if (!Array.isArray(aliases)) throw fieldError(name, "aliases", "must be an array of non-empty strings", aliases);
  // By index, not some: it skipped a sparse array's holes, which became undefined aliases.
  const aliasList: string[] = [];
  for (let i = 0; i < aliases.length; i++) {
    const a: unknown = aliases[i];
    if (typeof a !== "string" || a.length === 0) {
      throw fieldError(name, "aliases", `must be an array of non-empty strings (aliases[${i}] is ${valueText(a)})`, a);
    }
    aliasList.push(a);
  }
  if (raw.memory === undefined) throw fieldError(name, "memory", "is missing");
  if (!Array.isArray(raw.memory) || raw.memory.length === 0) {
    throw fieldError(name, "memory", "must be a non-empty array of regions", raw.memory);
  }
  if (raw.memory.length > MAX_BOARD_REGIONS) {
    throw fieldError(name, "memory", `has ${raw.memory.length} regions; at most ${MAX_BOARD_REGIONS} are supported`);
  }
  const names = new Set<string>();
  // A hole of a sparse list is an entry that is not an object (map skipped it: a TypeError later).
  const memory = denseList(raw.memory).map((m, i) => checkMemoryRegion(m, i, name, names));
  checkOverlaps(
    name,
    "memory region",
    "memory",
    memory.map((m, index) => ({ name: m.name, start: m.start, size: m.size, index })),
  );
  const total = memory.reduce((sum, m) => sum + m.size, 0);
  if (total > MAX_BOARD_MEMORY) {
    throw fieldError(
      name,
      "memory",
      `declares ${total} bytes; at most ${MAX_BOARD_MEMORY} (256 MiB) are modelled`,
      total,
    );
  }
  const rawPeripherals = raw.peripherals ?? [];
  if (!Array.isArray(rawPeripherals)) throw fieldError(name, "peripherals", "must be an array", rawPeripherals);
  const pnames = new Set<string>();
  const peripherals: PeripheralRangeSpec[] = [];
  for (let i = 0; i < rawPeripherals.length; i++) peripherals.push(checkPeripheral(rawPeripherals[i], i, name, pnames));
  checkOverlaps(
    name,
    "peripheral range",
    "peripherals",
    peripherals.map((p, index) => ({ name: p.name, start: p.start, size: p.size, index })),
  );
  const rawDevices = raw.devices ?? {};
  if (!isObject(rawDevices)) throw fieldError(name, "devices", "must be an object of name: address", rawDevices);
  const devices: Record<string, number> = {};
  // defineProperty: a device named "__proto__" (a JSON key) was an assignment to the prototype, dropped.
  for (const [k, v] of Object.entries(rawDevices)) {
    Object.defineProperty(devices, k, {
      value: checkU32(v, `devices.${k}`, name),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  const roles = checkRoles(raw.roles, devices, name);
  const bitBand = checkBitBand(raw.bitBand, core, name, [...memory, ...peripherals]);
  const contents = checkContents(raw.contents, name, memory);
  return Object.freeze({
    name,
    aliases: Object.freeze(aliasList),
    description,
    core,
    mpuArchitecture: CORE_PROFILES[core].mpu as MpuOf<C>,
    mpuRegions,
    clockHz,
    memory: Object.freeze([...memory].sort((a, b) => a.start - b.start)),
    peripherals: Object.freeze([...peripherals].sort((a, b) => a.start - b.start)),
    devices: Object.freeze(devices),
    roles,
    bitBand,
    contents,
  });
}

/**
 * `bitBand`: a boolean (default false), true only on a core with the option (Cortex-M3, M4) and
 * with no memory or peripheral range in an alias window (their addresses become bits there).
 */
function checkBitBand(
  value: unknown,
  core: CoreKind,
  board: string,
  ranges: readonly { readonly name: string; readonly start: number; readonly size: number }[],
): boolean {
  if (value === undefined || value === false) return false;
  if (value !== true) throw fieldError(board, "bitBand", "must be a boolean", value);
  if (!CORE_PROFILES[core].bitBandOption) {
    throw fieldError(board, "bitBand", `is an option of the Cortex-M3 and M4 cores only, not the ${core}`, value);
  }
  for (const w of BIT_BAND_WINDOWS) {
    const clash = ranges.find((r) => r.start < w.alias + BIT_BAND_ALIAS_BYTES && r.start + r.size > w.alias);
    if (clash) {
      const window = `0x${w.alias.toString(16)}-0x${(w.alias + BIT_BAND_ALIAS_BYTES - 1).toString(16)}`;
      throw new HwError(
        "BOARD_OVERLAP",
        `board "${board}": bitBand needs the ${w.name} alias window ${window} free, but ${clash.name} lies in it`,
        { board, field: "bitBand", value: clash.name },
      );
    }
  }
  return true;
}
