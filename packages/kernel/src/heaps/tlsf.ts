import { TlsfAllocator } from "@rtos-sim/alloc";
import { HeapBlockSource } from "./block-source.js";
import type { HeapKindEntry } from "./types.js";

/** `heap: "tlsf"` (the default): TLSF over the whole block as one arena. */
export const tlsfHeap: HeapKindEntry = {
  summary: "TLSF (two-level segregated fit) over the whole block",
  pages: (block) => new HeapBlockSource(block.base, block.order, block.pageOrder),
  allocator: (o) =>
    new TlsfAllocator({
      name: o.name,
      pages: o.pages,
      memory: o.memory,
      observer: o.observer,
      arenaOrder: o.arenaOrder,
    }),
};
