import type { MemoryPort } from "@rtos-sim/hw";
import { RegionError } from "./errors.js";
import { ctz, type Geometry, GIVEN, Hdr, LEVEL_STRIDE, PageState } from "./layout.js";

/**
 * The buddy page allocator of one region: blocks of 2^k pages aligned on their size (in
 * absolute addresses, so one MPU region covers a block), split on allocation and merged with
 * their buddy on free. Its whole state is in the region's metadata, in memory: the page entries
 * and, per order, a bitmap of free blocks with summary levels.
 *
 * Lowest address first: allocation takes the smallest order that has a free block (one read of
 * the header's order mask), then that order's lowest-address free block (one read per summary
 * level, finding the lowest set bit), and splits it keeping the lower half. Costs grow with the
 * number of orders and of summary levels (log32 of the blocks), not with the number of pages.
 *
 * The caller validates arguments: methods here assume a valid order and block. The metadata
 * itself is not trusted: a region manager nested in a task's heap keeps it in memory the task
 * can write, so every value read from it is checked before it steers a write (the order mask and
 * summaries stay inside their levels, the block a bitmap names lies inside the span and its
 * entry says free with that order, and every buddy a free merges with has its bitmap bit too);
 * a violation is `METADATA_CORRUPT` with the address, raised before anything is written. Every
 * write goes to an address computed from the geometry, inside the metadata. Page frame numbers
 * are below 2^27 (PAGE_ORDER >= 5), so int32 shifts are exact.
 */
export class BuddyAllocator {
  private readonly m: MemoryPort;
  private readonly g: Geometry;
  /** Metadata base address (the header). */
  readonly meta: number;
  private readonly entries: number;
  private readonly pfn0: number;
  private readonly pfn1: number;
  private readonly maxOrder: number;
  /** Per order k and level l at [k * LEVEL_STRIDE + l]: absolute address of the level's first word. */
  private readonly levelBase: Float64Array;
  private readonly levels: Int32Array;
  private readonly slotBase: Int32Array;
  /**
   * Metadata and reserved pages before each page of the span (from the bootstrap's plan, in JS:
   * no task writes it), so whether a block holds one is two reads, whatever its size.
   */
  private fixedBefore: Int32Array = new Int32Array(1);

  constructor(memory: MemoryPort, geometry: Geometry, meta: number) {
    this.m = memory;
    this.g = geometry;
    this.meta = meta;
    this.entries = meta + 0x40;
    this.pfn0 = geometry.pfn0;
    this.pfn1 = geometry.pfn1;
    this.maxOrder = geometry.maxOrder;
    this.levelBase = Float64Array.from(geometry.levelOffset, (off) => meta + off);
    this.levels = geometry.levels;
    this.slotBase = geometry.slotBase;
  }

  /**
   * Bootstrap: zeroes the bitmaps, writes every page entry (`fixed[i]` is the entry of a
   * metadata or reserved page, 0 for an available one) and frees the available pages as the
   * largest aligned blocks that fit (the fully merged state).
   */
  init(fixed: Uint32Array): void {
    const m = this.m;
    const g = this.g;
    this.fixedBefore = fixedPrefix(fixed, g.pages);
    for (let a = this.entries + 4 * g.pages; a < this.meta + g.metaBytes; a += 4) m.write32(a, 0);
    m.write32(this.meta + Hdr.Head, 0);
    m.write32(this.meta + Hdr.FreePages, 0);
    for (let i = 0; i < g.pages; i++) m.write32(this.entries + 4 * i, fixed[i]!);
    let free = 0;
    let p = this.pfn0;
    while (p < this.pfn1) {
      if (fixed[p - this.pfn0] !== 0) {
        p++;
        continue;
      }
      let k = 0;
      while (k < this.maxOrder) {
        const size = 2 ** (k + 1);
        if (p % size !== 0 || p + size > this.pfn1) break;
        let clear = true;
        for (let q = p + 2 ** k; q < p + size; q++) if (fixed[q - this.pfn0] !== 0) clear = false;
        if (!clear) break;
        k++;
      }
      this.setBit(k, p);
      m.write32(this.entries + 4 * (p - this.pfn0), PageState.Free | (k << 4));
      free += 2 ** k;
      p += 2 ** k;
    }
    m.write32(this.meta + Hdr.FreePages, free);
  }

  /** Address of the entry of page `pfn`. */
  entryAddress(pfn: number): number {
    return this.entries + 4 * (pfn - this.pfn0);
  }

  /**
   * Allocates a block of 2^order pages for owner id `owner`; returns its first page frame
   * number, or -1 when no free block is large enough.
   */
  alloc(order: number, owner: number): number {
    const m = this.m;
    const mask = m.read32(this.meta + Hdr.Head) & (-1 << order);
    if (mask === 0) return -1;
    let k = ctz(mask);
    if (k > this.maxOrder) this.corrupt(this.meta + Hdr.Head, `order mask has bit ${k} above the largest order`);
    const p = this.findFirst(k);
    // The bitmaps may lie (a region nested in a task's memory): the block must lie inside the
    // span and its head entry must say free with that order, before anything is written.
    if (p < this.pfn0 || p + (1 << k) > this.pfn1)
      this.corrupt(this.levelBase[k * LEVEL_STRIDE]!, `order ${k} bit names a block outside the span`);
    const pe = m.read32(this.entries + 4 * (p - this.pfn0));
    if ((pe & 7) !== PageState.Free || ((pe >>> 4) & 31) !== k)
      this.corrupt(this.entries + 4 * (p - this.pfn0), `order ${k} bitmap names a block whose entry is not free`);
    // Entries and bitmaps forged together could still name the metadata's own pages (or reserved
    // ones): those never become free, whatever memory says.
    if (this.holdsFixed(p, k))
      this.corrupt(this.entries + 4 * (p - this.pfn0), `order ${k} free block holds metadata or reserved pages`);
    this.clearBit(k, p);
    while (k > order) {
      k--;
      const b = p + (1 << k);
      const ea = this.entries + 4 * (b - this.pfn0);
      m.write32(ea, (m.read32(ea) & GIVEN) | PageState.Free | (k << 4));
      this.setBit(k, b);
    }
    m.write32(this.entries + 4 * (p - this.pfn0), PageState.Allocated | GIVEN | (order << 4) | (owner << 16));
    m.write32(this.meta + Hdr.FreePages, m.read32(this.meta + Hdr.FreePages) - (1 << order));
    return p;
  }

  /** Frees the allocated block at page `p` of `order` (validated by the caller), merging with free buddies. */
  release(p: number, order: number): void {
    const m = this.m;
    // Check phase (reads only): every buddy the merge will take must have its bit set in its
    // order's bitmap too, or its entry was forged (METADATA_CORRUPT before anything changes).
    for (let q = p, j = order; j < this.maxOrder; j++) {
      const b = q ^ (1 << j);
      if (b < this.pfn0 || b + (1 << j) > this.pfn1) break;
      const eb = m.read32(this.entries + 4 * (b - this.pfn0));
      if ((eb & 7) !== PageState.Free || ((eb >>> 4) & 31) !== j) break;
      const s = (b >>> j) - this.slotBase[j]!;
      const wa = this.levelBase[j * LEVEL_STRIDE]! + 4 * (s >>> 5);
      if ((m.read32(wa) & (1 << (s & 31))) === 0)
        this.corrupt(this.entries + 4 * (b - this.pfn0), `free entry of order ${j} without its bitmap bit`);
      if (this.holdsFixed(b, j))
        this.corrupt(this.entries + 4 * (b - this.pfn0), `free buddy of order ${j} holds metadata or reserved pages`);
      q = Math.min(q, b);
    }
    let k = order;
    // GIVEN bit of the current head's entry (the freed block's head was allocated: set).
    let given = GIVEN;
    while (k < this.maxOrder) {
      const b = p ^ (1 << k);
      if (b < this.pfn0 || b + (1 << k) > this.pfn1) break;
      const eb = m.read32(this.entries + 4 * (b - this.pfn0));
      if ((eb & 7) !== PageState.Free || ((eb >>> 4) & 31) !== k) break;
      this.clearBit(k, b);
      // The higher of the two heads becomes a tail, keeping its history bit.
      if (b > p) m.write32(this.entries + 4 * (b - this.pfn0), eb & GIVEN);
      else {
        m.write32(this.entries + 4 * (p - this.pfn0), given);
        p = b;
        given = eb & GIVEN;
      }
      k++;
    }
    m.write32(this.entries + 4 * (p - this.pfn0), given | PageState.Free | (k << 4));
    this.setBit(k, p);
    m.write32(this.meta + Hdr.FreePages, m.read32(this.meta + Hdr.FreePages) + (1 << order));
  }

  /** The lowest-address free block of order `k` (its page frame number); the order must have one. */
  private findFirst(k: number): number {
    const m = this.m;
    const g = this.g;
    const base = k * LEVEL_STRIDE;
    let idx = 0;
    for (let l = this.levels[k]! - 1; l >= 0; l--) {
      if (idx >= g.levelWords[base + l]!)
        this.corrupt(this.levelBase[base + l + 1]!, `order ${k} summary beyond its level`);
      const a = this.levelBase[base + l]! + 4 * idx;
      const w = m.read32(a);
      if (w === 0) this.corrupt(a, `summary of order ${k} points to an empty word`);
      idx = idx * 32 + ctz(w);
    }
    if (idx >= g.slots[k]!) this.corrupt(this.levelBase[base]!, `order ${k} bit beyond the span`);
    return (idx + this.slotBase[k]!) << k;
  }

  /** Marks the block of order `k` at page `p` free in the bitmap, and the order in the mask. */
  private setBit(k: number, p: number): void {
    const m = this.m;
    let s = (p >>> k) - this.slotBase[k]!;
    const levels = this.levels[k]!;
    const base = k * LEVEL_STRIDE;
    for (let l = 0; l < levels; l++) {
      const a = this.levelBase[base + l]! + 4 * (s >>> 5);
      const w = m.read32(a);
      m.write32(a, (w | (1 << (s & 31))) >>> 0);
      if (w !== 0) return;
      s >>>= 5;
    }
    const h = this.meta + Hdr.Head;
    m.write32(h, (m.read32(h) | (1 << k)) >>> 0);
  }

  /** Clears the block's bit, the summaries that become empty, and the order's mask bit when it has no free block left. */
  private clearBit(k: number, p: number): void {
    const m = this.m;
    let s = (p >>> k) - this.slotBase[k]!;
    const levels = this.levels[k]!;
    const base = k * LEVEL_STRIDE;
    for (let l = 0; l < levels; l++) {
      const a = this.levelBase[base + l]! + 4 * (s >>> 5);
      const w = (m.read32(a) & ~(1 << (s & 31))) >>> 0;
      m.write32(a, w);
      if (w !== 0) return;
      s >>>= 5;
    }
    const h = this.meta + Hdr.Head;
    m.write32(h, (m.read32(h) & ~(1 << k)) >>> 0);
  }

  /** Whether the block of order `k` at page `p` (inside the span) holds a metadata or reserved page. */
  private holdsFixed(p: number, k: number): boolean {
    const i = p - this.pfn0;
    return this.fixedBefore[i + (1 << k)] !== this.fixedBefore[i];
  }

  private corrupt(address: number, what: string): never {
    throw new RegionError("METADATA_CORRUPT", `buddy metadata at 0x${address.toString(16)}: ${what}`, { address });
  }
}

/** `out[i]`: how many of the first `i` pages are metadata or reserved (`fixed[j] !== 0`). */
export function fixedPrefix(fixed: Uint32Array, pages: number): Int32Array {
  const out = new Int32Array(pages + 1);
  for (let i = 0; i < pages; i++) out[i + 1] = out[i]! + (fixed[i] !== 0 ? 1 : 0);
  return out;
}
