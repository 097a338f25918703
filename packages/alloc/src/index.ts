/**
 * `@rtos-sim/alloc` (work in progress).
 * @packageDocumentation
 */
export type {
  Allocator,
  AllocatorKind,
  AllocatorStats,
  BlockObserver,
  ResizableAllocator,
} from "./allocator.js";
