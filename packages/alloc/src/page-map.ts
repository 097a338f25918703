/**
 * A cache of which pages an allocator holds: page number -> a small positive tag (0 = not held).
 * It is derived only from the page source's answers (the truth of page ownership lives with the
 * region manager and in each slab or chunk header in simulated memory); it lets `free` reject a
 * pointer outside the allocator's pages in O(1) without touching memory it does not own.
 *
 * Two levels: 1 MiB directories of `Int32Array`s, created on first use.
 */
export class PageMap {
  private readonly order: number;
  private readonly perDir: number;
  private readonly mask: number;
  /** Directory per MiB; the shared all-zero `none` until a page of that MiB is tagged. */
  private readonly dirs: Int32Array[];
  private readonly none: Int32Array;

  /** `pageOrder`: log2 of the page size (at most 20). */
  constructor(pageOrder: number) {
    this.order = pageOrder;
    this.perDir = 2 ** (20 - pageOrder);
    this.mask = this.perDir - 1;
    this.none = new Int32Array(this.perDir);
    this.dirs = new Array<Int32Array>(4096).fill(this.none);
  }

  /** The tag of the page holding `address` (0 when not held). */
  get(address: number): number {
    return this.dirs[address >>> 20]![(address >>> this.order) & this.mask]!;
  }

  /** Tags `count` pages starting at `address` (tag 0 clears them). */
  set(address: number, count: number, tag: number): void {
    for (let i = 0; i < count; i++) {
      const a = address + i * 2 ** this.order;
      const top = a >>> 20;
      let d = this.dirs[top]!;
      if (d === this.none) {
        d = new Int32Array(this.perDir);
        this.dirs[top] = d;
      }
      d[(a >>> this.order) & (this.perDir - 1)] = tag;
    }
  }
}
