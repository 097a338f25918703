import { ArenaAllocator, type ArenaAllocatorOptions } from "./arena-allocator.js";

/**
 * Heap (FreeRTOS heap_4 style): a header in front of every block, an address-ordered
 * singly linked free list (root in the control block of the first arena, links inside the free
 * blocks), first fit, split when the rest can hold a minimum block (16 bytes), merge with both
 * neighbours on free, resize in place when the next block is free and large enough, else
 * allocate-copy-free.
 *
 * The free list in simulated memory is the truth; a write-through JS cache of it (addresses and
 * sizes in address order) makes the first-fit search a scan of a typed array instead of a walk
 * through simulated memory. Every block the allocator acts on is read back from memory and
 * checked against its header check and the cache, so a corrupted header or link is reported as
 * `HEAP_CORRUPTION` at the next operation that uses it.
 *
 * Free and resize do not trust the bytes in front of the pointer: the granule-state bitmap in
 * the arena's trailer says whether it is a live block (O(1)); see {@link ArenaAllocator}.
 *
 * @example
 * ```ts
 * const heap = new HeapAllocator({ pages: regions, memory: machine.core });
 * const p = heap.allocate(40)!;
 * heap.free(p);
 * ```
 */
export class HeapAllocator extends ArenaAllocator {
  readonly kind = "heap" as const;
  protected readonly minBlock = 16;
  protected readonly controlBytes = 8;
  /** Cache of the free list in address order: pairs (header address, block size). */
  private list = new Int32Array(128);
  private n = 0;

  constructor(options: ArenaAllocatorOptions) {
    super("heap", options);
  }

  protected initControl(): void {
    this.mem.write32(this.ctl, 0);
    this.n = 0;
  }

  /** Index of the first cached free block at or above `h`. */
  private lowerBound(h: number): number {
    const list = this.list;
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (list[2 * mid]! < h) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Header address of cached entry `i`, or 0 past the end (the list's terminator in memory). */
  private at(i: number): number {
    return i < this.n ? this.list[2 * i]! : 0;
  }

  /** Index of free block `h` in the cache, checking its link in memory against the cache. */
  private indexOf(h: number): number {
    const i = this.lowerBound(h);
    if (i >= this.n || this.list[2 * i] !== h) throw this.corruption(h, "block missing from the free list");
    const next = this.at(i + 1);
    const link = this.mem.read32(h + 8);
    if (link !== next) throw this.corruption(h + 8, "free-list link", { link, expected: next });
    return i;
  }

  /** Address of the link that points at entry `i` (the root for the first). */
  private linkTo(i: number): number {
    return i === 0 ? this.ctl : this.list[2 * (i - 1)]! + 8;
  }

  protected take(need: number): number {
    const list = this.list;
    const end = 2 * this.n;
    for (let i = 1; i < end; i += 2) if (list[i]! >= need) return list[i - 1]!;
    return 0;
  }

  protected override checkTaken(h: number, size: number): void {
    const i = this.lowerBound(h);
    if (this.list[2 * i + 1] !== size) throw this.corruption(h, "free block size differs from the free list", { size });
  }

  protected linkFree(h: number, size: number): void {
    const i = this.lowerBound(h);
    if (2 * this.n === this.list.length) {
      const grown = new Int32Array(this.list.length * 2);
      grown.set(this.list);
      this.list = grown;
    }
    this.mem.write32(h + 8, this.at(i));
    this.mem.write32(this.linkTo(i), h);
    const list = this.list;
    list.copyWithin(2 * i + 2, 2 * i, 2 * this.n);
    list[2 * i] = h;
    list[2 * i + 1] = size;
    this.n++;
  }

  protected unlinkFree(h: number, _size: number): void {
    const i = this.indexOf(h);
    this.mem.write32(this.linkTo(i), this.at(i + 1));
    this.remove(i);
  }

  private remove(i: number): void {
    this.list.copyWithin(2 * i, 2 * i + 2, 2 * this.n);
    this.n--;
  }

  protected replaceFree(h: number, _size: number, r: number, rsize: number): void {
    const i = this.indexOf(h);
    if (r !== h) {
      this.mem.write32(r + 8, this.at(i + 1));
      this.mem.write32(this.linkTo(i), r);
      this.list[2 * i] = r;
    }
    this.list[2 * i + 1] = rsize;
  }

  protected freed(h: number, size: number, p: number, psize: number, n: number, nsize: number): void {
    const list = this.list;
    if (p !== 0) {
      const i = this.indexOf(p);
      if (n !== 0) {
        if (this.at(i + 1) !== n) throw this.corruption(n, "block missing from the free list");
        this.indexOf(n);
        this.mem.write32(p + 8, this.at(i + 2));
        this.remove(i + 1);
        list[2 * i + 1] = psize + size + nsize;
      } else list[2 * i + 1] = psize + size;
    } else if (n !== 0) {
      const i = this.indexOf(n);
      this.mem.write32(h + 8, this.at(i + 1));
      this.mem.write32(this.linkTo(i), h);
      list[2 * i] = h;
      list[2 * i + 1] = size + nsize;
    } else this.linkFree(h, size);
  }
}
