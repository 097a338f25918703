/**
 * The metadata layout of one region, computed from its page span alone (so the geometry never
 * changes after bootstrap and is safe to keep in JS: the allocator's state is in memory).
 *
 * ```text
 *  metadata base (first page-aligned run of non-reserved pages, normally the region's first page)
 *  +0x00  header (64 B)
 *         +0x00 u32 magic "RGN1" (0x314e4752)   +0x04 u8 PAGE_ORDER  +0x05 u8 kind (0 buddy, 1 list)
 *         +0x06 u8 largest order  +0x07 u8 0    +0x08 u32 address of page 0
 *         +0x0c u32 page count    +0x10 u32 free pages
 *         +0x14 u32 buddy: mask of orders with a free block / list: index of the first free page
 *         +0x18 u32 metadata pages  +0x1c..0x3f zero
 *  +0x40  page entries: one u32 per page of the span (4 B per page)
 *  +0x40 + 4*pages  buddy only: per order k = 0..largest, a bitmap of free blocks of order k
 *         (bit i = the block of order k at page (base_k + i) << k is free), followed by its
 *         summary levels (bit j of a summary word = word j of the level below is non-zero) up to
 *         one top word.
 * ```
 *
 * A page entry (u32): bits 0-2 state ({@link PageState}), bit 3 GIVEN (the page was the start of
 * an allocated block at least once), then by state: FREE buddy head: bits 4-8 order; FREE list
 * page: bits 4-31 index of the next free page (0x0fffffff = end); ALLOCATED: bits 4-8 order,
 * bits 16-31 owner id; RESERVED: bits 16-31 index of the reserved range; TAIL: nothing (the page
 * belongs to the block whose head is the nearest head below it).
 */

/** Page states stored in bits 0-2 of a page entry. */
export const PageState = {
  /** A page inside a block (not its first page). */
  Tail: 0,
  /** First page of a free block (buddy) or a free page (list). */
  Free: 1,
  /** First page of an allocated block. */
  Allocated: 2,
  /** A reserved page (image, .data/.bss, kernel stacks): never allocatable. */
  Reserved: 3,
  /** A page holding the region's own metadata: never allocatable. */
  Metadata: 4,
} as const;
/** One of {@link PageState}'s values. */
export type PageState = (typeof PageState)[keyof typeof PageState];

/** Entry bit: the page was the start of an allocated block at least once (tells DOUBLE_FREE from NOT_ALLOCATED). */
export const GIVEN = 8;
/** End of a list allocator's free list (28-bit index). */
export const LIST_NIL = 0x0fffffff;
/** "RGN1" little-endian. */
export const MAGIC = 0x314e4752;
/** Header size in bytes. */
export const HEADER_BYTES = 64;
/** Header field offsets. */
export const Hdr = {
  /** u32: {@link MAGIC}, "RGN1". */
  Magic: 0x00,
  /** u8: PAGE_ORDER (pages are 2^PAGE_ORDER bytes). */
  PageOrder: 0x04,
  /** u8: the page allocator, 0 buddy, 1 list. */
  Kind: 0x05,
  /** u8: the largest block order (0 for list regions). */
  MaxOrder: 0x06,
  /** u32: address of page 0 of the span. */
  Base: 0x08,
  /** u32: pages in the span. */
  Pages: 0x0c,
  /** u32: free pages. */
  FreePages: 0x10,
  /** Buddy: mask of orders with a free block. List: first free page index. */
  Head: 0x14,
  /** u32: pages holding the metadata. */
  MetaPages: 0x18,
} as const;
/** Largest block order the buddy allocator supports (2^26 pages). */
export const MAX_ORDER_LIMIT = 26;
/** Summary levels an order's bitmap may need (32^6 > 2^27 blocks). */
const MAX_LEVELS = 8;

/** Which page allocator a region uses. */
export type PageAllocatorKind = "buddy" | "list";

/** Index of the lowest set bit of a non-zero 32-bit value. */
export function ctz(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/**
 * Where every metadata field of a region sits, derived from its page span: `pfn0` (address of
 * its first page >> PAGE_ORDER) and `pages`.
 */
export class Geometry {
  /** Pages are 2^pageOrder bytes (5..16). */
  readonly pageOrder: number;
  /** The region's page allocator. */
  readonly kind: PageAllocatorKind;
  /** First page frame number (address >> pageOrder). */
  readonly pfn0: number;
  /** One past the last page frame number. */
  readonly pfn1: number;
  /** Pages in the span (`pfn1 - pfn0`). */
  readonly pages: number;
  /** Largest order of an aligned block that fits in the span (0 for list regions). */
  readonly maxOrder: number;
  /** Per order: the first block number (pfn >> k) the bitmap covers. */
  readonly slotBase: Int32Array;
  /** Per order: blocks the bitmap covers. */
  readonly slots: Int32Array;
  /** Per order: number of levels (1 = the bitmap alone). */
  readonly levels: Int32Array;
  /** Per order k and level l at [k * 8 + l]: byte offset from the metadata base. */
  readonly levelOffset: Int32Array;
  /** Per order k and level l at [k * 8 + l]: words in the level. */
  readonly levelWords: Int32Array;
  /** Bytes of metadata actually used (header + entries + bitmaps). */
  readonly metaBytes: number;
  /** Pages carved out for the metadata. */
  readonly metaPages: number;

  constructor(pageOrder: number, kind: PageAllocatorKind, pfn0: number, pages: number) {
    this.pageOrder = pageOrder;
    this.kind = kind;
    this.pfn0 = pfn0;
    this.pfn1 = pfn0 + pages;
    this.pages = pages;
    let max = 0;
    if (kind === "buddy") {
      while (max < MAX_ORDER_LIMIT) {
        const k = max + 1;
        const first = Math.ceil(pfn0 / 2 ** k) * 2 ** k;
        if (first + 2 ** k > this.pfn1) break;
        max = k;
      }
    }
    this.maxOrder = max;
    const orders = kind === "buddy" ? max + 1 : 0;
    this.slotBase = new Int32Array(orders);
    this.slots = new Int32Array(orders);
    this.levels = new Int32Array(orders);
    this.levelOffset = new Int32Array(orders * MAX_LEVELS);
    this.levelWords = new Int32Array(orders * MAX_LEVELS);
    let off = HEADER_BYTES + 4 * pages;
    for (let k = 0; k < orders; k++) {
      const base = Math.floor(pfn0 / 2 ** k);
      const slots = Math.floor((this.pfn1 - 1) / 2 ** k) - base + 1;
      this.slotBase[k] = base;
      this.slots[k] = slots;
      let words = Math.ceil(slots / 32);
      let l = 0;
      for (;;) {
        this.levelOffset[k * MAX_LEVELS + l] = off;
        this.levelWords[k * MAX_LEVELS + l] = words;
        off += 4 * words;
        l++;
        if (words === 1) break;
        words = Math.ceil(words / 32);
      }
      this.levels[k] = l;
    }
    this.metaBytes = off;
    this.metaPages = Math.ceil(off / 2 ** pageOrder);
  }

  /** Byte offset of the u32 word holding block `slot`'s bit at `level` of order `k`. */
  wordOffset(k: number, level: number, slot: number): number {
    return this.levelOffset[k * MAX_LEVELS + level]! + 4 * (slot >>> (5 * (level + 1)));
  }
}

/** Stride of {@link Geometry.levelOffset}. */
export const LEVEL_STRIDE = MAX_LEVELS;
