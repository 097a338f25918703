import { HeapAllocator } from "@rtos-sim/alloc";
import { HeapBlockSource } from "./block-source.js";
import type { HeapKindEntry } from "./types.js";

/** `heap: "heap"`: the first-fit heap over the whole block as one arena. */
export const firstFitHeap: HeapKindEntry = {
  summary: "first fit over the whole block",
  pages: (block) => new HeapBlockSource(block.base, block.order, block.pageOrder),
  allocator: (o) =>
    new HeapAllocator({
      name: o.name,
      pages: o.pages,
      memory: o.memory,
      observer: o.observer,
      arenaOrder: o.arenaOrder,
    }),
};
