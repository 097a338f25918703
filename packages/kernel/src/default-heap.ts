import { HeapAllocator, TlsfAllocator } from "@rtos-sim/alloc";
import type { HeapFactory } from "./task-heap.js";

/** Task heaps with the allocators of `@rtos-sim/alloc`: TLSF (default) or first fit. */
export const defaultHeapFactory: HeapFactory = (o) => {
  const options = { name: o.name, pages: o.pages, memory: o.memory, observer: o.observer, arenaOrder: o.arenaOrder };
  return o.kind === "heap" ? new HeapAllocator(options) : new TlsfAllocator(options);
};
