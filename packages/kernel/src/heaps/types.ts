import type { Allocator, BlockObserver, ResizableAllocator } from "@rtos-sim/alloc";
import type { Core } from "@rtos-sim/hw";
import type { PageSource } from "@rtos-sim/region";

/** A task heap's allocator: any allocator, with `resize` when it has one (TLSF, first fit). */
export type TaskAllocator = Allocator & Partial<Pick<ResizableAllocator, "resize">>;

/** The block of pages a heap lives in (one MPU region): 2^order pages of the region manager. */
export interface HeapBlock {
  /** Address of the block (aligned on its size). */
  readonly base: number;
  /** Bytes: 2^order pages. */
  readonly size: number;
  /** Block size as an order of the region manager's pages. */
  readonly order: number;
  /** The region manager's page order. */
  readonly pageOrder: number;
}

/** What a heap kind's allocator is built from. */
export interface HeapAllocatorOptions {
  /** Allocator name, `<kind>:<task>` (shown in reports and page maps). */
  readonly name: string;
  /** The page source the kind made over the block ({@link HeapKindEntry.pages}). */
  readonly pages: PageSource;
  /** Pages per arena, as an order: the whole heap block is the one arena (TLSF, first fit). */
  readonly arenaOrder: number;
  /** The core the allocator's headers and lists are read and written through (checked accesses). */
  readonly memory: Core;
  /** Told of every block allocated, freed or resized (the memory checker), or null. */
  readonly observer: BlockObserver | null;
  /** Size classes of a slab array (`TaskSpec.slabClasses`). */
  readonly slabClasses?: readonly number[];
}

/**
 * One entry of the heap-kind table ({@link HEAP_KINDS}): where a task heap of this kind gets its
 * pages inside the task's heap block, and the allocator over them. Everything stays inside the
 * block (one MPU region), in the task's own memory.
 *
 * @example
 * ```ts
 * import { TlsfAllocator } from "@rtos-sim/alloc";
 * import { HeapBlockSource, type HeapKindEntry } from "@rtos-sim/kernel";
 * export const tlsfHeap: HeapKindEntry = {
 *   summary: "TLSF: O(1) good fit over the whole block",
 *   pages: (block) => new HeapBlockSource(block.base, block.order, block.pageOrder),
 *   allocator: (o) => new TlsfAllocator({ ...o, arenaOrder: o.arenaOrder }),
 * };
 * ```
 */
export interface HeapKindEntry {
  /** One line for docs and errors. */
  readonly summary: string;
  /** The page source over the task's heap block. */
  pages(block: HeapBlock, memory: Core, task: string): PageSource;
  /** The allocator over those pages. */
  allocator(options: HeapAllocatorOptions): TaskAllocator;
}
