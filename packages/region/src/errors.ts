import { SimError } from "@rtos-sim/hw";

/**
 * Error codes raised by `@rtos-sim/region`. Every one is raised before anything changes: the
 * metadata in memory, the owner registry and the observer see nothing of a rejected call.
 *
 * Bootstrap (the {@link RegionManager} constructor):
 * - `BAD_OPTION`: the options are not an object, `memory` is not a memory port (the core), or
 *   `observer` is neither an object nor null.
 * - `BAD_PAGE_ORDER`: pageOrder is not an integer in 5..16.
 * - `BAD_REGION`: a region is malformed (name, start, size, past 4 GiB, duplicate name, read-only).
 * - `REGIONS_OVERLAP`: two regions share bytes.
 * - `REGION_TOO_SMALL`: a region has no room for its own metadata plus one allocatable page.
 * - `BAD_RESERVED`: a reserved range is malformed or lies outside every region.
 * - `BAD_ALLOCATOR`: an allocator kind other than "buddy" or "list", or one given for an unknown region.
 *
 * Allocation and queries:
 * - `BAD_ORDER`: an order that is not an integer, is negative, or that the region(s) can never
 *   hold (above the region's largest order; above 0 on a "list" region).
 * - `BAD_OWNER`: the owner is not a non-empty string of at most 64 characters, or the 65,535
 *   owner ids are used up.
 * - `UNKNOWN_REGION`: no managed region has that name.
 * - `BAD_OPTION`: a `pageMap` option (`width`, `pagesPerChar`) that is not an integer from 1.
 *
 * Freeing:
 * - `OUTSIDE_REGIONS`: the address is in no region's pages (including the lost edge bytes).
 * - `NOT_BLOCK_START`: the address is not page-aligned, or lies inside an allocated block but
 *   not at its first page.
 * - `NOT_ALLOCATED`: the page is free and was never the start of an allocated block.
 * - `DOUBLE_FREE`: the page is free and was the start of an allocated block before.
 * - `WRONG_ORDER`: the block at the address was allocated with another order.
 * - `RESERVED`: the page is reserved (image, stacks) or holds the region's metadata.
 *
 * Integrity:
 * - `METADATA_CORRUPT`: a metadata byte read from memory is impossible (bad magic, bad state,
 *   broken free list or bitmap); `context.address` is the metadata address at fault.
 */
export type RegionErrorCode =
  | "BAD_OPTION"
  | "BAD_PAGE_ORDER"
  | "BAD_REGION"
  | "REGIONS_OVERLAP"
  | "REGION_TOO_SMALL"
  | "BAD_RESERVED"
  | "BAD_ALLOCATOR"
  | "BAD_ORDER"
  | "BAD_OWNER"
  | "UNKNOWN_REGION"
  | "OUTSIDE_REGIONS"
  | "NOT_BLOCK_START"
  | "NOT_ALLOCATED"
  | "DOUBLE_FREE"
  | "WRONG_ORDER"
  | "RESERVED"
  | "METADATA_CORRUPT";

/**
 * A typed error of the region manager: a stable {@link RegionErrorCode} and a context naming
 * the address, order, region or field at fault.
 *
 * @example
 * ```ts
 * import { createMachine, STM32F407 } from "@rtos-sim/hw";
 * import { RegionError, RegionManager } from "@rtos-sim/region";
 * const m = createMachine(STM32F407);
 * const rm = new RegionManager({ memory: m.core, regions: m.board.memory.filter((r) => !r.readOnly) });
 * const block = rm.allocPages(1, { owner: "buffers", region: "SRAM1" })!;
 * try {
 *   rm.freePages(block, 0); // allocated with order 1
 * } catch (e) {
 *   if (e instanceof RegionError && e.code === "WRONG_ORDER") console.log(e.context.allocatedOrder);
 * }
 * // 1
 * ```
 */
export class RegionError extends SimError<RegionErrorCode> {
  constructor(code: RegionErrorCode, message: string, context: Record<string, unknown> = {}) {
    super(code, message, context);
    this.name = "RegionError";
  }
}

/** `0x2000_0400`-style hexadecimal rendering used in messages and page maps. */
export function hex(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, "0")}`;
}
