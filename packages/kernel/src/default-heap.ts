import { HeapAllocator, powerOfTwoClasses, SlabArrayAllocator, TlsfAllocator } from "@rtos-sim/alloc";
import type { HeapFactory } from "./task-heap.js";

/** Default size classes of a slab-array task heap: 16, 32, 64, 128, 256 bytes. */
export const DEFAULT_SLAB_CLASSES: readonly number[] = powerOfTwoClasses(16, 256);

/**
 * Task heaps with the allocators of `@rtos-sim/alloc`: TLSF (default), first fit ("heap"), or a
 * slab array (slabs of at least 4 blocks over the nested page source).
 */
export const defaultHeapFactory: HeapFactory = (o) => {
  const options = { name: o.name, pages: o.pages, memory: o.memory, observer: o.observer };
  if (o.kind === "slab-array") {
    return new SlabArrayAllocator({ ...options, classes: o.slabClasses ?? DEFAULT_SLAB_CLASSES, minBlocksPerSlab: 4 });
  }
  return o.kind === "heap"
    ? new HeapAllocator({ ...options, arenaOrder: o.arenaOrder })
    : new TlsfAllocator({ ...options, arenaOrder: o.arenaOrder });
};
