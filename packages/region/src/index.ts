/**
 * `@rtos-sim/region`: the region manager, the memory system's foundation. It takes
 * the RAM regions of a board (minus reserved ranges such as the image's .data/.bss and kernel
 * stacks) and tracks every page of 2^PAGE_ORDER bytes with per-page metadata carved out of each
 * region itself, in simulated memory: a 64 B header, 4 B per page, and (buddy) a bitmap per order.
 * Blocks of 2^k pages aligned on their size come from a buddy allocator (lowest address first)
 * or single pages from a free list. Secondary allocators take pages through {@link PageSource};
 * the memory checker follows transitions through {@link PageObserver}. Bad input is a typed
 * {@link RegionError} and changes nothing; {@link RegionManager.consistencyCheck} re-reads the
 * metadata from memory and reports corruption.
 *
 * @example
 * ```ts
 * import { createMachine, STM32F407 } from "@rtos-sim/hw";
 * import { RegionManager } from "@rtos-sim/region";
 * const m = createMachine(STM32F407);
 * const rm = new RegionManager({ memory: m.core, regions: m.board.memory.filter((r) => !r.readOnly) });
 * const block = rm.allocPages(3, { owner: "task1-stack", region: "SRAM1" }); // 8 KiB, 8 KiB-aligned
 * console.log(rm.pageMap("SRAM1"));
 * ```
 *
 * @packageDocumentation
 */
export type { RegionPlan, RegionSpec, ReservedRange } from "./bootstrap.js";
export type { ConsistencyProblem, ProblemCode, RegionScan, ScannedBlock } from "./check.js";
export type { RegionErrorCode } from "./errors.js";
export { RegionError } from "./errors.js";
export type { PageAllocatorKind } from "./layout.js";
export { Geometry, GIVEN, Hdr, HEADER_BYTES, LIST_NIL, MAGIC, MAX_ORDER_LIMIT, PageState } from "./layout.js";
export { dataViewPort } from "./memory-port.js";
export { MAX_OWNER_ID } from "./owners.js";
export type { PageMapOptions } from "./page-map.js";
export type { PageObserver, PageRequest, PageSource } from "./page-source.js";
export type { BlockInfo, OwnerSummary, PageInfo, RegionInfo, RegionManagerOptions } from "./region-manager.js";
export { RegionManager } from "./region-manager.js";
export type { RegionStats } from "./stats.js";
