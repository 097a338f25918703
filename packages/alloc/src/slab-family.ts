import type { AllocatorStats } from "./allocator.js";
import { type AllocatorOptions, BaseAllocator } from "./base.js";
import { AllocError } from "./errors.js";
import { PageMap } from "./page-map.js";
import { CACHE_TAG_MASK, SlabCaches, SlabFreeResult, type SlabGeometry } from "./slab-cache.js";

/** Options shared by the slab and slab array allocators. */
export interface SlabFamilyOptions extends AllocatorOptions {
  /**
   * Empty slabs kept per block size for the next allocations instead of going back to the page
   * source at once (default 1). `releaseEmpty()` returns them too.
   */
  readonly retainEmpty?: number | undefined;
}

/**
 * What the slab and slab array allocators share: a slab cache per block size (see
 * `SlabCaches`), the page map that finds a block's slab in O(1), slab growth from the page
 * source and the return of empty slabs.
 *
 * The page source may itself keep its metadata in memory a task can write (the kernel nests a
 * region manager in a slab-array task heap): what it reports corrupted, or a refusal to take a
 * slab back, is `HEAP_CORRUPTION`, and pages it hands out twice are refused. A slab that cannot
 * be given back when a free empties it stays (the free itself succeeded); `releaseEmpty()`
 * reports why. Exported as the base class of `SlabAllocator` and `SlabArrayAllocator`, so code
 * can name or test for either.
 *
 * @example
 * ```ts
 * import { type Allocator, SlabFamily } from "@rtos-sim/alloc";
 * const slabBacked = (a: Allocator) => a instanceof SlabFamily; // a slab or slab array allocator
 * ```
 */
export abstract class SlabFamily extends BaseAllocator {
  /** @internal One slab cache per block size (set once by the subclass's constructor). */
  protected caches!: SlabCaches;
  /** @internal Which pages hold which cache's slabs. */
  protected readonly pageMap: PageMap;
  /** @internal Empty slabs each cache keeps rather than return their pages (`retainEmpty`). */
  protected readonly retain: number;

  constructor(kind: "slab" | "slab-array", options: SlabFamilyOptions) {
    super(kind, options);
    this.pageMap = new PageMap(this.pageOrder);
    const retain = options.retainEmpty ?? 1;
    // -1 released every empty slab and NaN none ever, both silently.
    if (!Number.isSafeInteger(retain) || retain < 0) {
      throw new AllocError("BAD_OPTION", `${kind}: retainEmpty must be a non-negative integer, got ${String(retain)}`, {
        option: "retainEmpty",
        value: retain,
      });
    }
    this.retain = retain;
  }

  /** @internal Creates the slab caches, one per geometry (called once, by the constructor). */
  protected setCaches(geometry: readonly SlabGeometry[]): void {
    this.caches = new SlabCaches(geometry, this.access.memory, this.pageMap);
  }

  /** Allocates from cache `c`, growing it by a slab when needed (inside enter/leave when switching). */
  protected allocFrom(c: number): number | null {
    const caches = this.caches;
    let a = caches.alloc(c);
    if (a < 0) {
      a = this.refill(c, a);
      if (a < 0) return null;
    }
    const bs = caches.geometry[c]!.blockSize;
    this.allocations++;
    if (a + bs > this.highestEnd) this.highestEnd = a + bs;
    if (this.observer !== null) this.observer.blockAllocated(a, bs, this.name);
    return a;
  }

  /** Slow path of {@link allocFrom}: a new slab (-1: out of pages), or a corrupted header. */
  private refill(c: number, code: number): number {
    const caches = this.caches;
    if (code === -2) throw this.error("HEAP_CORRUPTION", "slab free list or bitmap corrupted", caches.corruptAt);
    const g = caches.geometry[c]!;
    const base = this.takePages(g.order);
    if (base === null) {
      this.failures++;
      return -1;
    }
    for (let i = 0; i < 2 ** g.order; i++) {
      if (this.pageMap.get(base + i * this.pageSize) !== 0)
        throw this.error("HEAP_CORRUPTION", "page source handed out pages this allocator holds", base, {
          order: g.order,
        });
    }
    this.pageMap.set(base, 2 ** g.order, caches.format(c, base));
    const a = caches.alloc(c);
    if (a === -2) throw this.error("HEAP_CORRUPTION", "slab header check failed", caches.corruptAt);
    return a;
  }

  /** Frees a block: the page map finds its slab, the slab's bitmap decides (all in O(1)). */
  free(address: number): void {
    const tag = this.pageMap.get(address);
    if (tag === 0) throw this.error("WRONG_ALLOCATOR", "free of an address outside this allocator's pages", address);
    const c = (tag & CACHE_TAG_MASK) - 1;
    const caches = this.caches;
    const s = caches.slabOf(c, address);
    const access = this.access;
    if (!access.switching) {
      this.release(c, s, address, tag >>> 8);
      return;
    }
    access.enter();
    try {
      this.release(c, s, address, tag >>> 8);
    } finally {
      access.leave();
    }
  }

  /** {@link free} once the block's cache, slab and live-record slot are known (inside enter/leave when switching). */
  private release(c: number, s: number, address: number, slot: number): void {
    const caches = this.caches;
    const r = caches.free(c, s, address, slot);
    if (r !== SlabFreeResult.Ok) throw this.freeError(r, s, address);
    this.frees++;
    if (this.observer !== null) this.observer.blockFreed(address, caches.geometry[c]!.blockSize, this.name);
    caches.push(c, address);
    if (caches.becameEmpty && caches.empty[c]! > this.retain) {
      // The free is done; giving the slab back is not part of it. A slab whose header or free
      // list is corrupted, or that the page source refuses, stays (releaseEmpty reports it).
      try {
        this.dropSlab(c, s);
      } catch (e) {
        if (!(e instanceof AllocError)) throw e;
      }
    }
  }

  private freeError(r: SlabFreeResult, s: number, address: number) {
    if (r === SlabFreeResult.NotBlockStart)
      return this.error("INVALID_FREE", "free of an address that is not a block start", address, { slab: s });
    if (r === SlabFreeResult.NotLive)
      return this.error("DOUBLE_FREE", "free of a block that is not live", address, { slab: s });
    return this.error("HEAP_CORRUPTION", "slab header or bitmap corrupted", this.caches.corruptAt, {
      freeing: address,
    });
  }

  /**
   * Gives the empty slab `s` of cache `c` back to the page source. Its header, bitmap and the
   * cache's free list are validated first ({@link SlabCaches.checkDrop}: HEAP_CORRUPTION, with
   * nothing changed); then the slab's blocks leave the free list (the allocator touches its
   * pages only while it holds them) and the pages go back. A page source that refuses them (its
   * own metadata corrupted) is HEAP_CORRUPTION too; the slab is gone from this allocator and its
   * pages stay with the source.
   */
  private dropSlab(c: number, s: number): void {
    const caches = this.caches;
    const order = caches.geometry[c]!.order;
    if (!caches.checkDrop(c, s))
      throw this.error("HEAP_CORRUPTION", "slab header or free list corrupted", caches.corruptAt, { slab: s });
    caches.unformat(c, s);
    this.pageMap.set(s, 2 ** order, 0);
    this.givePages(s, order);
  }

  /**
   * Current counters. Live and free bytes are derived from each cache's live-block and slab
   * counts, so the hot paths update one counter per cache instead of four.
   */
  override stats(): AllocatorStats {
    const caches = this.caches;
    let blocks = 0;
    let bytes = 0;
    let free = 0;
    caches.geometry.forEach((g, c) => {
      const live = caches.live[c]!;
      blocks += live;
      bytes += live * g.blockSize;
      free += (caches.bases[c]!.length * g.blocks - live) * g.blockSize;
    });
    this.liveBlocks = blocks;
    this.liveBytes = bytes;
    this.freeBytesCount = free;
    return super.stats();
  }

  /** Whether `address` is the start of a live block of this allocator. */
  owns(address: number): boolean {
    const tag = this.pageMap.get(address);
    if (tag === 0) return false;
    const caches = this.caches;
    this.access.enter();
    try {
      const c = (tag & CACHE_TAG_MASK) - 1;
      return caches.isLive(c, caches.slabOf(c, address), address);
    } finally {
      this.access.leave();
    }
  }

  /** The block size of the live block at `address` (its slab's block size), or undefined. */
  blockSize(address: number): number | undefined {
    if (!this.owns(address)) return undefined;
    return this.caches.geometry[(this.pageMap.get(address) & CACHE_TAG_MASK) - 1]!.blockSize;
  }

  /**
   * Returns every empty slab's pages to the page source; returns the number of pages. Every
   * empty slab is checked before the first goes back: a corrupted one is `HEAP_CORRUPTION` with
   * no slab given back (a page source that refuses a slab's pages still fails mid-way: that
   * slab is gone from the allocator, its pages stay with the source).
   */
  releaseEmpty(): number {
    const caches = this.caches;
    let pages = 0;
    this.access.enter();
    try {
      const drops: { c: number; s: number }[] = [];
      caches.geometry.forEach((_, c) => {
        for (const s of caches.bases[c]!) if (caches.isEmpty(s)) drops.push({ c, s });
      });
      for (const { c, s } of drops) {
        if (!caches.checkDrop(c, s))
          throw this.error("HEAP_CORRUPTION", "slab header or free list corrupted", caches.corruptAt, { slab: s });
      }
      for (const { c, s } of drops) {
        this.dropSlab(c, s);
        pages += 2 ** caches.geometry[c]!.order;
      }
    } finally {
      this.access.leave();
    }
    return pages;
  }
}
