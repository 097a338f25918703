import { SimError } from "@rtos-sim/hw";

/**
 * Error codes raised by `@rtos-sim/alloc`. Every code is raised before anything changes: the
 * allocator is exactly as it was before the failing call.
 *
 * - `BAD_SIZE`: the size is not a non-negative safe integer, or (slab, slab array) larger than the
 *   largest block the allocator serves. Size 0 is not an error: `allocate(0)` returns null.
 * - `BAD_ALIGNMENT`: the alignment is not a power of two in [1, page size], or (slab, slab array)
 *   larger than the natural alignment of the blocks that could serve the size.
 * - `INVALID_FREE`: the address lies in pages this allocator holds but is not the start of a live
 *   block (interior pointer, wild pointer, a forged header in front of it).
 * - `DOUBLE_FREE`: the address is the start of a block that was freed and not handed out again.
 *   The stack allocator, which keeps no per-block record, says it of any address in memory it
 *   handed out and has freed since (above its top, below the highest its chunk reached), in a
 *   chunk it holds or in one it gave back to the page source and has not taken again.
 * - `WRONG_ALLOCATOR`: the address is not inside any page this allocator holds (a block of another
 *   allocator, or a wild pointer outside its pages). A double free after the pages went back to
 *   the page source is this for the slab, heap and TLSF allocators (slabs emptied beyond
 *   `retainEmpty`, arenas `releaseEmpty` returned): they keep no record of pages they gave back.
 * - `HEAP_CORRUPTION`: metadata in simulated memory failed its check (a header, footer, size,
 *   free-list link, bitmap or list head a task overflowed into or forged, a slab bitmap that
 *   disagrees with the slab allocator's record of the blocks it handed out, or a page source
 *   nested in the heap that reports its own metadata corrupted); `context.address` is the
 *   address of the offending word, and (heap, TLSF) `context.found` the value found there.
 * - `STACK_ORDER`: `free` on a stack allocator of a live block that is not the top block.
 * - `BAD_MARK`: a stack mark that is not a position of the current stack.
 * - `BAD_OPTION`: a constructor option is missing, of the wrong shape or out of range
 *   (`context.option` names it: `options`, `pages`, `memory`, `name`, `observer`, `region`, or
 *   the allocator's own); also, at the first request for pages, a `region` the page source does
 *   not know (it answered `UNKNOWN_REGION`; nothing was taken).
 */
export type AllocErrorCode =
  | "BAD_SIZE"
  | "BAD_ALIGNMENT"
  | "INVALID_FREE"
  | "DOUBLE_FREE"
  | "WRONG_ALLOCATOR"
  | "HEAP_CORRUPTION"
  | "STACK_ORDER"
  | "BAD_MARK"
  | "BAD_OPTION";

/**
 * A typed allocator error: a stable {@link AllocErrorCode} and a context naming the allocator and
 * the offending address, size or option.
 *
 * @example
 * ```ts
 * import { createMachine, STM32F407 } from "@rtos-sim/hw";
 * import { RegionManager } from "@rtos-sim/region";
 * import { AllocError, TlsfAllocator } from "@rtos-sim/alloc";
 * const m = createMachine(STM32F407);
 * const regions = new RegionManager({ memory: m.core, regions: m.board.memory.filter((r) => r.kind === "ram") });
 * const tlsf = new TlsfAllocator({ pages: regions, memory: m.core, region: "SRAM1" });
 * const p = tlsf.allocate(16)!;
 * try {
 *   tlsf.free(p + 4);
 * } catch (e) {
 *   if (e instanceof AllocError && e.code === "INVALID_FREE") console.log(e.context.address === p + 4);
 * }
 * // true
 * ```
 */
export class AllocError extends SimError<AllocErrorCode> {
  constructor(code: AllocErrorCode, message: string, context: Record<string, unknown> = {}) {
    super(code, message, context);
    this.name = "AllocError";
  }
}

/** Formats an address as 0x%08x for messages. */
export function hex(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, "0")}`;
}
