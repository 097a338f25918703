import { ArenaAllocator, type ArenaAllocatorOptions } from "./arena-allocator.js";

/**
 * Heap (seed 004, FreeRTOS heap_4 style): a header in front of every block, an address-ordered
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
  /** Cache of the free list: header addresses (ascending) and block sizes. */
  private addrs = new Int32Array(64);
  private sizes = new Int32Array(64);
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
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.addrs[mid]! < h) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index of free block `h` in the cache, checking its link in memory against the cache. */
  private indexOf(h: number): number {
    const i = this.lowerBound(h);
    if (i >= this.n || this.addrs[i] !== h) throw this.corruption(h, "block missing from the free list");
    const next = i + 1 < this.n ? this.addrs[i + 1]! : 0;
    const link = this.mem.read32(h + 8);
    if (link !== next) throw this.corruption(h + 8, "free-list link", { link, expected: next });
    return i;
  }

  /** Address of the link that points at entry `i` (the root for the first). */
  private linkTo(i: number): number {
    return i === 0 ? this.ctl : this.addrs[i - 1]! + 8;
  }

  protected take(need: number): number {
    const sizes = this.sizes;
    const n = this.n;
    for (let i = 0; i < n; i++) if (sizes[i]! >= need) return this.addrs[i]!;
    return 0;
  }

  protected override checkTaken(h: number, size: number): void {
    const i = this.lowerBound(h);
    if (this.sizes[i] !== size) throw this.corruption(h, "free block size differs from the free list", { size });
  }

  protected linkFree(h: number, size: number): void {
    const i = this.lowerBound(h);
    if (this.n === this.addrs.length) {
      const a = new Int32Array(this.n * 2);
      a.set(this.addrs);
      this.addrs = a;
      const s = new Int32Array(this.n * 2);
      s.set(this.sizes);
      this.sizes = s;
    }
    this.mem.write32(h + 8, i < this.n ? this.addrs[i]! : 0);
    this.mem.write32(this.linkTo(i), h);
    this.addrs.copyWithin(i + 1, i, this.n);
    this.sizes.copyWithin(i + 1, i, this.n);
    this.addrs[i] = h;
    this.sizes[i] = size;
    this.n++;
  }

  protected unlinkFree(h: number, _size: number): void {
    const i = this.indexOf(h);
    this.mem.write32(this.linkTo(i), i + 1 < this.n ? this.addrs[i + 1]! : 0);
    this.remove(i);
  }

  private remove(i: number): void {
    this.addrs.copyWithin(i, i + 1, this.n);
    this.sizes.copyWithin(i, i + 1, this.n);
    this.n--;
  }

  protected replaceFree(h: number, _size: number, r: number, rsize: number): void {
    const i = this.indexOf(h);
    if (r !== h) {
      this.mem.write32(r + 8, i + 1 < this.n ? this.addrs[i + 1]! : 0);
      this.mem.write32(this.linkTo(i), r);
      this.addrs[i] = r;
    }
    this.sizes[i] = rsize;
  }

  protected freed(h: number, size: number, p: number, psize: number, n: number, nsize: number): void {
    if (p !== 0) {
      const i = this.indexOf(p);
      if (n !== 0) {
        if (this.addrs[i + 1] !== n) throw this.corruption(n, "block missing from the free list");
        this.indexOf(n);
        this.mem.write32(p + 8, i + 2 < this.n ? this.addrs[i + 2]! : 0);
        this.remove(i + 1);
        this.sizes[i] = psize + size + nsize;
      } else this.sizes[i] = psize + size;
    } else if (n !== 0) {
      const i = this.indexOf(n);
      this.mem.write32(h + 8, i + 1 < this.n ? this.addrs[i + 1]! : 0);
      this.mem.write32(this.linkTo(i), h);
      this.addrs[i] = h;
      this.sizes[i] = size + nsize;
    } else this.linkFree(h, size);
  }
}
