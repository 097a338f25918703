import { HwError } from "../errors.js";

/** A named address range [start, end). */
export interface AddressRange {
  /** The name of the region the range lies in. */
  readonly name: string;
  /** First address. */
  readonly start: number;
  /** Bytes (`end - start`). */
  readonly size: number;
  /** One past the last byte. */
  readonly end: number;
}

/** A range in use (e.g. a program's .data/.bss/heap/stack as its linker map gives them). */
export interface UsedRange {
  /** First address (an integer within 32 bits). */
  readonly start: number;
  /** Bytes (>= 0; 0 covers nothing). */
  readonly size: number;
}

/** Normalises a memory description entry: board regions ({start,size}) and linker regions ({origin,length}). */
function bounds(r: {
  readonly start?: number;
  readonly size?: number;
  readonly origin?: number;
  readonly length?: number;
}) {
  const start = r.start ?? r.origin ?? 0;
  const size = r.size ?? r.length ?? 0;
  return { start, end: start + size };
}

/**
 * The parts of `regions` that no `used` range covers: what an allocator may manage once the
 * program's own sections are placed (the free memory a linker script marks with symbols such
 * as `_end` and `_estack`). Accepts board regions (`start`/`size`) and linker regions
 * (`origin`/`length`); each piece keeps its region's name. Pieces come in region order, then
 * address order; empty pieces are dropped; used ranges may overlap each other and straddle
 * regions.
 *
 * Throws {@link HwError} `ADDRESS_RANGE` (with `context.field` = `used[i]`) for a used range that
 * is not integers within 32 bits or has a negative size; nothing is returned on error.
 *
 * @example
 * ```ts
 * import { hex32, STM32F407, subtractRanges } from "@rtos-sim/hw";
 * const left = subtractRanges(STM32F407.memory.filter((r) => r.name === "SRAM1"), [{ start: 0x20000000, size: 0x2400 }]);
 * for (const r of left) console.log(r.name, hex32(r.start), hex32(r.size), hex32(r.end));
 * // SRAM1 0x20002400 0x00019c00 0x2001c000
 * ```
 */
export function subtractRanges(
  regions: readonly {
    readonly name: string;
    readonly start?: number;
    readonly size?: number;
    readonly origin?: number;
    readonly length?: number;
  }[],
  used: readonly UsedRange[],
): AddressRange[] {
  for (const [field, list] of [
    ["regions", regions],
    ["used", used],
  ] as const) {
    if (!Array.isArray(list)) {
      throw new HwError("BAD_ARGUMENT", `subtractRanges: ${field} must be an array`, {
        field,
        value: list === null ? "null" : typeof list,
      });
    }
  }
  used.forEach((u, i) => {
    const ok =
      Number.isInteger(u?.start) &&
      Number.isInteger(u?.size) &&
      u.start >= 0 &&
      u.size >= 0 &&
      u.start + u.size <= 2 ** 32;
    if (!ok) {
      throw new HwError("ADDRESS_RANGE", `used[${i}] must be { start, size } integers within 32-bit addresses`, {
        field: `used[${i}]`,
        value: u,
      });
    }
  });
  const holes = used
    .filter((u) => u.size > 0)
    .map((u) => ({ start: u.start, end: u.start + u.size }))
    .sort((a, b) => a.start - b.start);
  const out: AddressRange[] = [];
  for (const r of regions) {
    const { start, end } = bounds(r);
    let cursor = start;
    for (const h of holes) {
      if (h.end <= cursor || h.start >= end) continue;
      if (h.start > cursor)
        out.push(Object.freeze({ name: r.name, start: cursor, size: h.start - cursor, end: h.start }));
      cursor = Math.max(cursor, h.end);
      if (cursor >= end) break;
    }
    if (cursor < end) out.push(Object.freeze({ name: r.name, start: cursor, size: end - cursor, end }));
  }
  return out;
}
