import { HwError } from "../errors.js";
import { defineBoard } from "./define.js";
import { type LinkerMemoryRegion, parseLinkerMemory } from "./linker-script.js";
import type { Board, BoardSpec, CoreKind, MemoryKind, MemoryRegion, MemoryRegionSpec } from "./types.js";
import { valueText } from "./value-text.js";

/** Options of {@link boardFromLinkerScript}. */
export interface LinkerBoardOptions {
  /** Name of the new board. */
  readonly name: string;
  /** The core; required without `base`, defaults to the base board's. */
  readonly core?: CoreKind | undefined;
  /**
   * A board whose peripherals, devices, device roles, core, MPU region count, clock and bit-banding are kept and whose
   * memory the script's regions override (see {@link boardFromLinkerScript}); its initial contents are kept where
   * read-only memory of the new board still holds them.
   */
  readonly base?: Board | undefined;
  /**
   * With `base`: keep the base board's memory regions that no script region overlaps (system
   * memory, OTP, backup SRAM...). Default true.
   */
  readonly keepBaseMemory?: boolean | undefined;
  /** Default: the base board's, else 16 MHz. */
  readonly clockHz?: number | undefined;
  /** Default: the base board's, else from the core (8 on M3/M4, 16 on M7). */
  readonly mpuRegions?: 8 | 16 | undefined;
  /**
   * One-line description. Default: `"<base.name> with the memory of a linker script"`, or `"board from a linker
   * script"` without `base`.
   */
  readonly description?: string | undefined;
}

function overlaps(r: LinkerMemoryRegion, m: MemoryRegion): boolean {
  return r.origin < m.end && m.start < r.end;
}

/**
 * The board memory region a linker script region becomes. Standalone: no `w` -> read-only
 * `flash`; `w` -> `ram`; executable when `x`. Over a base board, the silicon wins where it is
 * stricter: a region overlapping base flash/ROM stays read-only (and takes its kind), one
 * overlapping non-executable memory (STM32F407 CCM, written `(xrw)` by STM32CubeIDE) stays
 * non-executable (and one over memory a DMA cannot reach stays unreachable), and wait states are
 * the highest of the overlapped regions.
 */
function regionSpec(r: LinkerMemoryRegion, under: readonly MemoryRegion[]): MemoryRegionSpec {
  const readOnly = !r.writable || under.some((m) => m.readOnly);
  const kind: MemoryKind = under.find((m) => m.kind !== "ram")?.kind ?? (readOnly ? "flash" : "ram");
  return {
    name: r.name,
    start: r.origin,
    size: r.length,
    kind,
    readOnly,
    executable: r.executable && under.every((m) => m.executable),
    waitStates: under.reduce((w, m) => Math.max(w, m.waitStates), 0),
    dmaReachable: under.every((m) => m.dmaReachable),
  };
}

/**
 * Builds a board whose memory is the `MEMORY` block of a GNU ld linker script (see
 * {@link parseLinkerMemory} for what is read and its `LINKER_SCRIPT` errors).
 *
 * - Standalone (`core` given, no `base`): the board has exactly the script's regions and no
 *   peripherals.
 * - Over a built-in or custom `base` board: the script's regions replace the base memory they
 *   overlap; the other base regions are kept (unless `keepBaseMemory: false`), and so are the
 *   peripherals, devices, device roles, core, MPU region count, clock and bit-banding. A region may extend past the base
 *   memory (a larger part of the same family). Silicon restrictions of the overlapped base
 *   memory stay (read-only flash, non-executable CCM, wait states).
 *
 * Errors: `LINKER_SCRIPT` (with line and column; also for a region in the system range
 * 0xE0000000+), `BOARD_FIELD` (`core` missing without `base`, bad `name`, `keepBaseMemory` not
 * a boolean, `base` not a board...), then those of {@link defineBoard}: for the `base`, which is
 * checked as defineBoard checks a board, with `context.field` under `base.` (`base.memory[0]`).
 * Nothing is built on error.
 *
 * @example
 * ```ts
 * import { boardFromLinkerScript, STM32F407 } from "@rtos-sim/hw";
 * const board = boardFromLinkerScript(
 *   `MEMORY {
 *      CCMRAM (xrw) : ORIGIN = 0x10000000, LENGTH = 64K
 *      RAM    (xrw) : ORIGIN = 0x20000000, LENGTH = 128K
 *      FLASH  (rx)  : ORIGIN = 0x08000000, LENGTH = 1024K
 *    }`,
 *   { name: "my-f407", base: STM32F407 },
 * );
 * ```
 */
export function boardFromLinkerScript(text: string, options: LinkerBoardOptions): Board {
  if (typeof text !== "string") {
    throw new HwError("LINKER_SCRIPT", "boardFromLinkerScript expects the text of a linker script", {
      line: 1,
      column: 1,
    });
  }
  if (typeof options !== "object" || options === null) {
    throw new HwError("BOARD_INVALID", "boardFromLinkerScript needs options { name, core | base }", { value: options });
  }
  const base = options.base === undefined ? undefined : checkedBase(options.base, options.name);
  if (options.keepBaseMemory !== undefined && typeof options.keepBaseMemory !== "boolean") {
    // A truthy "no" kept the base memory.
    throw new HwError("BOARD_FIELD", `board "${boardLabel(options.name)}": keepBaseMemory must be a boolean`, {
      board: options.name,
      field: "keepBaseMemory",
      value: options.keepBaseMemory,
    });
  }
  const core = options.core ?? base?.core;
  if (core === undefined) {
    throw new HwError("BOARD_FIELD", `board "${boardLabel(options.name)}": core is missing (give core or base)`, {
      board: options.name,
      field: "core",
    });
  }
  const regions = parseLinkerMemory(text);
  for (const r of regions) {
    if (r.end > 0xe0000000) {
      throw new HwError(
        "LINKER_SCRIPT",
        `line ${r.line}, column ${r.column}: region ${r.name} reaches the system range 0xE0000000-0xFFFFFFFF, which holds no board memory`,
        { line: r.line, column: r.column, region: r.name },
      );
    }
  }
  const baseMemory = base?.memory ?? [];
  const memory: MemoryRegionSpec[] = regions.map((r) =>
    regionSpec(
      r,
      baseMemory.filter((m) => overlaps(r, m)),
    ),
  );
  if (options.keepBaseMemory ?? true) {
    const taken = new Set(memory.map((m) => m.name));
    for (const m of baseMemory) {
      if (regions.some((r) => overlaps(r, m))) continue;
      // A kept base region whose name the script reuses elsewhere would be a duplicate: the script wins.
      if (taken.has(m.name)) continue;
      memory.push({
        name: m.name,
        start: m.start,
        size: m.size,
        kind: m.kind,
        readOnly: m.readOnly,
        executable: m.executable,
        waitStates: m.waitStates,
        dmaReachable: m.dmaReachable,
      });
    }
  }
  // The base chip's factory-programmed bytes where read-only memory still holds them (the base is a
  // board defineBoard checked: its contents are placed entries).
  const contents = (base?.contents ?? []).filter((c) =>
    memory.some((m) => (m.readOnly ?? m.kind !== "ram") && c.address >= m.start && c.end <= m.start + m.size),
  );
  return defineBoard({
    name: options.name,
    description:
      options.description ?? (base ? `${base.name} with the memory of a linker script` : "board from a linker script"),
    core,
    ...(options.mpuRegions !== undefined || base ? { mpuRegions: options.mpuRegions ?? base?.mpuRegions } : {}),
    ...(options.clockHz !== undefined || base ? { clockHz: options.clockHz ?? base?.clockHz } : {}),
    memory,
    peripherals: base?.peripherals ?? [],
    devices: base?.devices ?? {},
    roles: base?.roles ?? {},
    // The base chip's bit-banding, when the core stays its own (another core has its own option).
    bitBand: base?.bitBand === true && core === base.core,
    contents,
  });
}

/** The board's name for a message: a string as it is, anything else as valueText shows it (String() of an object without a prototype threw). */
function boardLabel(name: unknown): string {
  return typeof name === "string" ? name : valueText(name);
}

/**
 * `base` as defineBoard validates it (a board defineBoard made passes unchanged): a value that is
 * not a board (a name, a memory list that is a string or holds null) threw a TypeError where its
 * regions were read. Its errors name the field under `base.` (`base.memory[0]`).
 */
function checkedBase(base: unknown, name: unknown): Board {
  if (typeof base !== "object" || base === null) {
    throw new HwError(
      "BOARD_FIELD",
      `board "${boardLabel(name)}": base must be a board (defineBoard, boardFromJson or a built-in), got ${valueText(base)}`,
      { board: name, field: "base", value: base },
    );
  }
  try {
    return defineBoard(base as Board as BoardSpec & { readonly core: CoreKind });
  } catch (e) {
    if (!(e instanceof HwError)) throw e;
    const field = (e.context as { field?: unknown }).field;
    throw new HwError(e.code, `base: ${e.detail}`, {
      ...e.context,
      field: typeof field === "string" ? `base.${field}` : "base",
    });
  }
}
