import { ArenaAllocator, type ArenaAllocatorOptions } from "./arena-allocator.js";
import { FLAGS } from "./block.js";

/**
 * Heap (seed 004, FreeRTOS heap_4 style): a header in front of every block, an address-ordered
 * singly linked free list (root in the control block of the first arena, links inside the free
 * blocks), first fit, split when the rest can hold a minimum block (16 bytes), merge with both
 * neighbours on free, resize in place when the next block is free and large enough, else
 * allocate-copy-free. The search reads each free block's size word and link; the header check is
 * verified on every block the allocator acts on.
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
  /** Where the last search found its block: the block and its predecessor in the list (0 = root). */
  private found = 0;
  private pred = 0;

  constructor(options: ArenaAllocatorOptions) {
    super("heap", options);
  }

  protected initControl(): void {
    this.mem.write32(this.ctl, 0);
    this.found = 0;
  }

  /** Most list steps before a walk is declared a corrupted (cyclic) list. */
  private limit(): number {
    return (this.heldPages * this.pageSize) / 16 + 2;
  }

  protected take(need: number): number {
    if (this.ctl === 0) return 0;
    const m = this.mem;
    let prev = 0;
    let p = m.read32(this.ctl);
    let steps = this.limit();
    while (p !== 0) {
      if ((m.read32(p) & ~FLAGS) >= need) {
        this.found = p;
        this.pred = prev;
        return p;
      }
      prev = p;
      p = m.read32(p + 8);
      if ((p & 7) !== 0 || --steps < 0) throw this.corruption(prev + 8, "free-list link", { next: p });
    }
    return 0;
  }

  /** The free-list predecessor of free block `h` (0 = the root). */
  private predOf(h: number): number {
    if (this.found === h) return this.pred;
    const m = this.mem;
    let prev = 0;
    let q = m.read32(this.ctl);
    let steps = this.limit();
    while (q !== h) {
      if (q === 0 || (q & 7) !== 0 || --steps < 0)
        throw this.corruption(prev === 0 ? this.ctl : prev + 8, "free block missing from the list", { block: h });
      prev = q;
      q = m.read32(q + 8);
    }
    return prev;
  }

  private setNext(pred: number, value: number): void {
    this.mem.write32(pred === 0 ? this.ctl : pred + 8, value);
  }

  protected linkFree(h: number, _size: number): void {
    const m = this.mem;
    let prev = 0;
    let q = m.read32(this.ctl);
    let steps = this.limit();
    while (q !== 0 && q < h) {
      prev = q;
      q = m.read32(q + 8);
      if ((q & 7) !== 0 || --steps < 0) throw this.corruption(prev + 8, "free-list link", { next: q });
    }
    m.write32(h + 8, q);
    this.setNext(prev, h);
    this.found = 0;
  }

  protected unlinkFree(h: number, _size: number): void {
    const pred = this.predOf(h);
    this.setNext(pred, this.mem.read32(h + 8));
    this.found = 0;
  }

  protected replaceFree(h: number, _size: number, r: number, _rsize: number): void {
    if (h === r) return;
    const pred = this.predOf(h);
    this.mem.write32(r + 8, this.mem.read32(h + 8));
    this.setNext(pred, r);
    this.found = 0;
  }

  protected freed(h: number, size: number, p: number, _psize: number, n: number, _nsize: number): void {
    if (p !== 0 && n !== 0) this.mem.write32(p + 8, this.mem.read32(n + 8));
    else if (p !== 0) return;
    else if (n !== 0) {
      const pred = this.predOf(n);
      this.mem.write32(h + 8, this.mem.read32(n + 8));
      this.setNext(pred, h);
    } else this.linkFree(h, size);
    this.found = 0;
  }
}
