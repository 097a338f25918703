import { type AllocatorOptions, BaseAllocator } from "./base.js";
import { PageMap } from "./page-map.js";
import { SlabCache, SlabFreeResult, type SlabGeometry } from "./slab-cache.js";

/** Options shared by the slab and slab array allocators. */
export interface SlabFamilyOptions extends AllocatorOptions {
  /**
   * Empty slabs kept per block size for the next allocations instead of going back to the page
   * source at once (default 1). `releaseEmpty()` returns them too.
   */
  readonly retainEmpty?: number;
}

/**
 * What the slab and slab array allocators share: one {@link SlabCache} per block size, the page
 * map that finds a block's slab in O(1), slab growth from the page source and the return of
 * empty slabs.
 */
export abstract class SlabFamily extends BaseAllocator {
  protected readonly caches: SlabCache[] = [];
  protected readonly pageMap: PageMap;
  protected readonly retain: number;

  constructor(kind: "slab" | "slab-array", options: SlabFamilyOptions) {
    super(kind, options);
    this.pageMap = new PageMap(this.pageOrder);
    this.retain = options.retainEmpty ?? 1;
  }

  protected addCache(g: SlabGeometry): void {
    this.caches.push(new SlabCache(g, this.access));
  }

  /** Allocates from cache `c`, growing it by a slab when needed (inside enter/leave). */
  protected allocFrom(c: number, size: number): number | null {
    const cache = this.caches[c]!;
    let a = cache.alloc();
    if (a === -1) {
      const g = cache.g;
      const base = this.takePages(g.order);
      if (base === null) {
        this.failures++;
        return null;
      }
      this.pageMap.set(base, 2 ** g.order, c + 1);
      cache.format(base);
      this.freeBytesCount += g.blocks * g.blockSize;
      a = cache.alloc();
    }
    if (a === -2) throw this.error("HEAP_CORRUPTION", "slab header check failed", cache.corruptAt);
    this.freeBytesCount -= cache.g.blockSize;
    this.noteAllocated(a, cache.g.blockSize);
    void size;
    return a;
  }

  /** Frees a block: the page map finds its slab, the slab's bitmap decides (all in O(1)). */
  free(address: number): void {
    const tag = this.pageMap.get(address);
    if (tag === 0) throw this.error("WRONG_ALLOCATOR", "free of an address outside this allocator's pages", address);
    const cache = this.caches[tag - 1]!;
    const g = cache.g;
    const s = address - (address & (g.slabBytes - 1));
    this.access.enter();
    try {
      const r = cache.free(s, address);
      if (r !== SlabFreeResult.Ok) {
        if (r === SlabFreeResult.NotBlockStart)
          throw this.error("INVALID_FREE", "free of an address that is not a block start", address, { slab: s });
        if (r === SlabFreeResult.NotLive)
          throw this.error("DOUBLE_FREE", "free of a block that is not live", address, { slab: s });
        throw this.error("HEAP_CORRUPTION", "slab header check failed", cache.corruptAt, { freeing: address });
      }
      this.freeBytesCount += g.blockSize;
      this.noteFreed(address, g.blockSize);
      if (cache.becameEmpty && cache.empty > this.retain) this.dropSlab(cache, tag, s);
    } finally {
      this.access.leave();
    }
  }

  private dropSlab(cache: SlabCache, tag: number, s: number): void {
    void tag;
    cache.unformat(s);
    this.pageMap.set(s, 2 ** cache.g.order, 0);
    this.freeBytesCount -= cache.g.blocks * cache.g.blockSize;
    this.givePages(s, cache.g.order);
  }

  /** Whether `address` is the start of a live block of this allocator. */
  owns(address: number): boolean {
    const tag = this.pageMap.get(address);
    if (tag === 0) return false;
    const cache = this.caches[tag - 1]!;
    const s = address - (address & (cache.g.slabBytes - 1));
    this.access.enter();
    try {
      return cache.isLive(s, address);
    } finally {
      this.access.leave();
    }
  }

  /** The block size of the live block at `address` (its slab's block size), or undefined. */
  blockSize(address: number): number | undefined {
    if (!this.owns(address)) return undefined;
    return this.caches[this.pageMap.get(address) - 1]!.g.blockSize;
  }

  /** Returns every empty slab's pages to the page source; returns the number of pages. */
  releaseEmpty(): number {
    let pages = 0;
    this.access.enter();
    try {
      this.caches.forEach((cache, i) => {
        for (const s of cache.emptySlabs()) {
          this.dropSlab(cache, i + 1, s);
          pages += 2 ** cache.g.order;
        }
      });
    } finally {
      this.access.leave();
    }
    return pages;
  }
}
