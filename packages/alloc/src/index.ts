/**
 * `@rtos-sim/alloc`: the secondary allocators, built on pages from the region
 * manager (`PageSource` of `@rtos-sim/region`) and keeping all their metadata in simulated
 * memory, reached through the core (so an overflowing task really can corrupt it, and the memory
 * checker sees every metadata access as an "allocator" access):
 *
 * - {@link SlabAllocator}: one block size, slabs of 2^k pages with a live-block bitmap; O(1).
 * - {@link SlabArrayAllocator}: a slab per size class (by step or powers of two); O(1).
 * - {@link StackAllocator}: bump allocation, mass free to a mark.
 * - {@link HeapAllocator}: a FreeRTOS heap_4 style first fit, headers in front of blocks.
 * - {@link TlsfAllocator}: two-level segregated fit, O(1); the default general-purpose allocator.
 *
 * All implement {@link Allocator} (heap and TLSF also {@link ResizableAllocator}), publish block
 * transitions to a {@link BlockObserver}, and report bad input as an {@link AllocError} with a
 * stable code, changing nothing. Heap and TLSF check every pointer passed to free/resize against
 * a granule-state bitmap kept apart from user data and a record of their blocks kept in JS
 * (which no task can write), and every header, size, link, bitmap and list
 * head they read (all of it memory a task can write, on a task heap) before it steers a write,
 * as hardened allocators do, so invalid frees, overflows and forged metadata are reported as
 * typed errors, never followed outside the heap.
 *
 * @example
 * ```ts
 * import { createMachine, STM32F407 } from "@rtos-sim/hw";
 * import { RegionManager } from "@rtos-sim/region";
 * import { TlsfAllocator } from "@rtos-sim/alloc";
 * const m = createMachine(STM32F407);
 * const regions = new RegionManager({ memory: m.core, regions: m.board.memory.filter((r) => r.kind === "ram") });
 * const tlsf = new TlsfAllocator({ pages: regions, memory: m.core, region: "SRAM1" });
 * const p = tlsf.allocate(100)!;
 * tlsf.free(p);
 * ```
 *
 * @packageDocumentation
 */
export type {
  Allocator,
  AllocatorKind,
  AllocatorStats,
  BlockObserver,
  ResizableAllocator,
} from "./allocator.js";
export type { Arena } from "./arena.js";
export type { ArenaAllocatorOptions } from "./arena-allocator.js";
export { ArenaAllocator } from "./arena-allocator.js";
export type { AllocatorOptions } from "./base.js";
export { BaseAllocator } from "./base.js";
export type { AllocErrorCode } from "./errors.js";
export { AllocError } from "./errors.js";
export { HeapAllocator } from "./heap.js";
export { AllocatorAccess } from "./port.js";
export type { SlabOptions } from "./slab.js";
export { SlabAllocator } from "./slab.js";
export type { SlabArrayOptions } from "./slab-array.js";
export { powerOfTwoClasses, SlabArrayAllocator, stepClasses } from "./slab-array.js";
export type { SlabFamilyOptions } from "./slab-family.js";
export { SlabFamily } from "./slab-family.js";
export type { StackOptions } from "./stack.js";
export { StackAllocator } from "./stack.js";
export { TlsfAllocator } from "./tlsf.js";
