/**
 * Reads the shape of a heap or TLSF arena from simulated memory, the way a debugger script
 * walks FreeRTOS's heap: block headers from the first one to the sentinel. Word 0 of each
 * 8-byte header is the block size (headers included, a multiple of 8) with flag bit 0 set when
 * the block is free (the layout of `@rtos-sim/alloc`'s heap and TLSF allocators).
 */

/** Word-0 flag of a free block. */
const FREE = 1;
const FLAGS = 7;

/** The shape of a heap at one moment. */
export interface HeapShape {
  /** Bytes from the first block header to the sentinel. */
  readonly blockBytes: number;
  /** Blocks in use (allocated). */
  readonly usedBlocks: number;
  /** Bytes of used blocks, headers included. */
  readonly usedBytes: number;
  /** Free blocks. */
  readonly freeBlocks: number;
  /** Bytes of free blocks, headers included. */
  readonly freeBytes: number;
  /** Bytes of the largest free block (header included). */
  readonly largestFree: number;
  /**
   * External fragmentation: 1 - largest free block / all free bytes (0 with one or no free
   * block), the measure the region manager's `stats()` uses for pages.
   */
  readonly fragmentation: number;
  /** False when a header made no sense (the walk stopped there). */
  readonly intact: boolean;
}

/**
 * Walks the arena whose first block header is at `first` and which ends before `end`, reading
 * with `peek` (a debugger read: no MPU check, no checker hook, no cycles).
 *
 * @example
 * ```ts
 * import type { Kernel } from "@rtos-sim/kernel";
 * import { walkHeap } from "@rtos-sim/apps";
 * function heapShape(kernel: Kernel) {
 *   const k = kernel.task("tlsf-0")!;
 *   return walkHeap((a, n) => kernel.machine.bus.peek(a, n), k.heap!.base, k.heap!.base + k.heap!.size);
 * }
 * ```
 */
export function walkHeap(peek: (address: number, length: number) => Uint8Array, first: number, end: number): HeapShape {
  let h = first;
  let usedBlocks = 0;
  let usedBytes = 0;
  let freeBlocks = 0;
  let freeBytes = 0;
  let largestFree = 0;
  let intact = true;
  for (;;) {
    if (h + 8 > end) {
      intact = false;
      break;
    }
    const b = peek(h, 4);
    const w0 = (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
    const size = (w0 & ~FLAGS) >>> 0;
    if (size === 0) break; // the sentinel
    if (size < 16 || h + size > end) {
      intact = false;
      break;
    }
    if ((w0 & FREE) !== 0) {
      freeBlocks++;
      freeBytes += size;
      if (size > largestFree) largestFree = size;
    } else {
      usedBlocks++;
      usedBytes += size;
    }
    h += size;
  }
  return {
    blockBytes: h - first,
    usedBlocks,
    usedBytes,
    freeBlocks,
    freeBytes,
    largestFree,
    fragmentation: freeBlocks > 1 ? 1 - largestFree / freeBytes : 0,
    intact,
  };
}
