/** Pages in the page map's flat window: 16 MiB of 1 KiB pages (a 64 KiB table). */
const WINDOW_PAGES = 1 << 14;

/**
 * A cache of which pages an allocator holds: page number -> a small positive tag (0 = not held).
 * It is derived only from the page source's answers (the truth of page ownership lives with the
 * region manager and in each slab or chunk header in simulated memory); it lets `free` reject a
 * pointer outside the allocator's pages in O(1) without touching memory it does not own.
 *
 * A flat window of 2^14 pages, placed around the first page tagged (an allocator's pages
 * usually come from one region), answers with one typed-array load; pages outside it live in
 * 1 MiB directories created on first use.
 */
export class PageMap {
  private readonly order: number;
  private readonly perDir: number;
  private readonly mask: number;
  /** Page number of the window's first page (-1 until the first page is tagged). */
  private first = -1;
  private readonly window = new Int32Array(WINDOW_PAGES);
  private readonly dirs: (Int32Array | undefined)[] = new Array(4096).fill(undefined);

  /** `pageOrder`: log2 of the page size (at most 20). */
  constructor(pageOrder: number) {
    this.order = pageOrder;
    this.perDir = 1 << (20 - pageOrder);
    this.mask = this.perDir - 1;
  }

  /** The tag of the page holding `address` (0 when not held). */
  get(address: number): number {
    const i = ((address >>> this.order) - this.first) >>> 0;
    if (i < WINDOW_PAGES) return this.window[i]!;
    return this.outside(address);
  }

  private outside(address: number): number {
    const d = this.dirs[address >>> 20];
    return d === undefined ? 0 : d[(address >>> this.order) & this.mask]!;
  }

  /** Tags `count` pages starting at `address` (tag 0 clears them). */
  set(address: number, count: number, tag: number): void {
    if (this.first < 0) this.first = (address >>> this.order) & ~(WINDOW_PAGES - 1);
    for (let i = 0; i < count; i++) {
      const a = address + (i << this.order);
      const w = ((a >>> this.order) - this.first) >>> 0;
      if (w < WINDOW_PAGES) {
        this.window[w] = tag;
        continue;
      }
      const top = a >>> 20;
      let d = this.dirs[top];
      if (d === undefined) {
        d = new Int32Array(this.perDir);
        this.dirs[top] = d;
      }
      d[(a >>> this.order) & this.mask] = tag;
    }
  }
}
