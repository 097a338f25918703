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
  /** @internal One slab cache per block size. */
  protected readonly caches: SlabCache[] = [];
  /** @internal Which pages hold which cache's slabs. */
  protected readonly pageMap: PageMap;
  protected readonly retain: number;

  constructor(kind: "slab" | "slab-array", options: SlabFamilyOptions) {
    super(kind, options);
    this.pageMap = new PageMap(this.pageOrder);
    this.retain = options.retainEmpty ?? 1;
  }

  /** @internal Adds the slab cache of one block size. */
  protected addCache(g: SlabGeometry): void {
    this.caches.push(new SlabCache(g, this.access, this.pageMap, this.caches.length + 1));
  }

  /** Allocates from cache `c`, growing it by a slab when needed (inside enter/leave). */
  protected allocFrom(c: number): number | null {
    const cache = this.caches[c]!;
    let a = cache.alloc();
    if (a < 0) {
      a = this.refill(cache, c, a);
      if (a < 0) return null;
    }
    const bs = cache.g.blockSize;
    this.freeBytesCount -= bs;
    this.liveBlocks++;
    this.liveBytes += bs;
    this.allocations++;
    if (a + bs > this.highestEnd) this.highestEnd = a + bs;
    if (this.observer !== null) this.observer.blockAllocated(a, bs, this.name);
    return a;
  }

  /** Slow path of {@link allocFrom}: a new slab (-1: out of pages), or a corrupted header. */
  private refill(cache: SlabCache, c: number, code: number): number {
    if (code === -2) throw this.error("HEAP_CORRUPTION", "slab free list or bitmap corrupted", cache.corruptAt);
    const g = cache.g;
    const base = this.takePages(g.order);
    if (base === null) {
      this.failures++;
      return -1;
    }
    this.pageMap.set(base, 2 ** g.order, c + 1);
    cache.format(base);
    this.freeBytesCount += g.blocks * g.blockSize;
    const a = cache.alloc();
    if (a === -2) throw this.error("HEAP_CORRUPTION", "slab header check failed", cache.corruptAt);
    return a;
  }

  /** Frees a block: the page map finds its slab, the slab's bitmap decides (all in O(1)). */
  free(address: number): void {
    const tag = this.pageMap.get(address);
    if (tag === 0) throw this.error("WRONG_ALLOCATOR", "free of an address outside this allocator's pages", address);
    const cache = this.caches[tag - 1]!;
    const s = address - (address & cache.mask);
    const access = this.access;
    access.enter();
    try {
      const r = cache.free(s, address);
      if (r !== SlabFreeResult.Ok) throw this.freeError(r, cache, s, address);
      const bs = cache.g.blockSize;
      this.freeBytesCount += bs;
      this.liveBlocks--;
      this.liveBytes -= bs;
      this.frees++;
      if (this.observer !== null) this.observer.blockFreed(address, bs, this.name);
      cache.push(address);
      if (cache.becameEmpty && cache.empty > this.retain) this.dropSlab(cache, s);
    } finally {
      access.leave();
    }
  }

  private freeError(r: SlabFreeResult, cache: SlabCache, s: number, address: number) {
    if (r === SlabFreeResult.NotBlockStart)
      return this.error("INVALID_FREE", "free of an address that is not a block start", address, { slab: s });
    if (r === SlabFreeResult.NotLive)
      return this.error("DOUBLE_FREE", "free of a block that is not live", address, { slab: s });
    return this.error("HEAP_CORRUPTION", "slab header check failed", cache.corruptAt, { freeing: address });
  }

  private dropSlab(cache: SlabCache, s: number): void {
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
      for (const cache of this.caches) {
        for (const s of cache.bases.filter((b) => cache.isEmpty(b))) {
          this.dropSlab(cache, s);
          pages += 2 ** cache.g.order;
        }
      }
    } finally {
      this.access.leave();
    }
    return pages;
  }
}
