/**
 * The one interface every secondary allocator implements, so an application swaps allocators
 * without changes (the FreeRTOS heap_n precedent), and the narrow interface through which the
 * memory checker follows block transitions.
 */

/** Block transitions, as a memory checker follows them. Addresses and sizes in bytes. */
export interface BlockObserver {
  /** A block [address, address + size) was handed out to a user by `allocator`. */
  blockAllocated(address: number, size: number, allocator: string): void;
  /** The block at `address` (of `size` bytes) was freed back to `allocator`. */
  blockFreed(address: number, size: number, allocator: string): void;
  /**
   * A block moved or changed size (in place when the addresses are equal). The allocators of this
   * package call it for in-place resizes only; a resize that moves is published as
   * `blockAllocated` (new block), the copy (made with the caller's actor tag), then `blockFreed`
   * (old block).
   */
  blockResized(oldAddress: number, oldSize: number, newAddress: number, newSize: number, allocator: string): void;
  /**
   * Optional: copies a moving resize's bytes (with the caller's actor already set). An observer
   * that tracks initialization (the memory checker) carries its per-byte state over this way, so
   * the never-written bytes of the old block do not read as uninitialized data.
   */
  readonly memcpy?: ((dst: number, src: number, length: number) => void) | undefined;
}

/** Kinds of secondary allocator. */
export type AllocatorKind = "slab" | "slab-array" | "stack" | "heap" | "tlsf";

/** Counters every allocator reports. */
export interface AllocatorStats {
  /** The allocator's instance name. */
  readonly name: string;
  /** Which allocator it is. */
  readonly kind: AllocatorKind;
  /** Blocks currently handed out. */
  readonly liveBlocks: number;
  /** Bytes requested by the live blocks (slab and slab array: whole blocks of their size). */
  readonly liveBytes: number;
  /** Pages currently held from the region manager. */
  readonly pages: number;
  /** Bytes of those pages. */
  readonly heldBytes: number;
  /** Bytes free inside held pages (usable for future allocations). */
  readonly freeBytes: number;
  /** Highest byte offset ever handed out, relative to the allocator's lowest page (for fragmentation). */
  readonly highWaterMark: number;
  /** Successful allocations so far. */
  readonly allocations: number;
  /** Frees so far. */
  readonly frees: number;
  /** Allocations that returned null. */
  readonly failures: number;
}

/** A secondary allocator. */
export interface Allocator {
  /** Instance name, shown in reports (the kernel names a task's heap `<kind>:<task>`, e.g. "tlsf:sensor"). */
  readonly name: string;
  /** Which allocator it is. */
  readonly kind: AllocatorKind;
  /**
   * Hands out a block of at least `size` bytes aligned on `align` (a power of two up to a page;
   * default 8). Returns its address, or null when out of memory.
   */
  allocate(size: number, align?: number): number | null;
  /** Frees a live block; a typed error (and no change) when `address` is not one. */
  free(address: number): void;
  /** Whether `address` is the start of a live block of this allocator. */
  owns(address: number): boolean;
  /** Usable size of the live block at `address`, or undefined. */
  blockSize(address: number): number | undefined;
  /** Current counters. */
  stats(): AllocatorStats;
  /** Returns empty pages to the region manager; returns how many pages went back. */
  releaseEmpty(): number;
  /** Follower of block transitions (the memory checker), or null. */
  observer: BlockObserver | null;
}

/** An allocator that can also resize blocks (heap, TLSF). */
export interface ResizableAllocator extends Allocator {
  /**
   * Resizes the live block at `address` to `size` bytes: in place when possible, else
   * allocate-copy-free. Returns the (possibly new) address, or null when out of memory (the old
   * block is then unchanged).
   */
  resize(address: number, size: number): number | null;
}
