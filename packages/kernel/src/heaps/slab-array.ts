import { powerOfTwoClasses, SlabArrayAllocator } from "@rtos-sim/alloc";
import type { Core } from "@rtos-sim/hw";
import { RegionManager } from "@rtos-sim/region";
import type { HeapKindEntry } from "./types.js";

/** Page order of the region manager nested in a slab-array heap block: 128-byte pages. */
export const SLAB_PAGE_ORDER = 7;

/** Default size classes of a slab-array task heap: 16, 32, 64, 128, 256 bytes. */
export const DEFAULT_SLAB_CLASSES: readonly number[] = powerOfTwoClasses(16, 256);

/**
 * The page source of a slab-array heap: a {@link RegionManager} nested over the task's heap block
 * with 128-byte pages ({@link SLAB_PAGE_ORDER}), its page metadata at the start of the block (in
 * the task's own memory, like every heap header), handing out the small blocks of pages slabs
 * need. A 4 KiB block keeps 2 pages of metadata and 30 pages for slabs.
 */
export function slabPageSource(memory: Core, name: string, base: number, size: number): RegionManager {
  return new RegionManager({
    memory,
    regions: [{ name: `heap:${name}`, start: base, size }],
    pageOrder: SLAB_PAGE_ORDER,
  });
}

/** `heap: "slab-array"`: a slab per size class (at least 4 blocks each) over a nested region manager. */
export const slabArrayHeap: HeapKindEntry = {
  summary: "a slab per size class over a region manager nested in the block (128-byte pages)",
  pages: (block, memory, task) => slabPageSource(memory, task, block.base, block.size),
  allocator: (o) =>
    new SlabArrayAllocator({
      name: o.name,
      pages: o.pages,
      memory: o.memory,
      observer: o.observer,
      classes: o.slabClasses ?? DEFAULT_SLAB_CLASSES,
      minBlocksPerSlab: 4,
    }),
};
