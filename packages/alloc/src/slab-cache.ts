import type { PageMap } from "./page-map.js";
import type { AllocatorAccess } from "./port.js";

/** Slab header layout (byte offsets from the slab's base), all in simulated memory. */
export const SlabHeader = {
  /** Check word: `slabCheck(base, blockSize)`; anything else is a corrupted slab header. */
  CHECK: 0,
  /** Halfword, bit i set: bitmap halfword i has at least one live block (0: the slab is empty). */
  USED: 4,
  /** First of the live-block bitmap halfwords (bit set = block handed out). */
  BITMAP: 6,
} as const;

/** The "no block" link (1: never a block address, which is 8-aligned; 0 is a valid address). */
export const NIL = 1;

/**
 * Most blocks a slab tracks: 16 bitmap halfwords behind a 16-bit summary halfword. (Halfwords
 * keep every value a small integer in the JS engine: no boxing on the hot path.)
 */
export const MAX_SLAB_BLOCKS = 256;

/**
 * The check word of the slab at `base` with blocks of `blockSize` bytes (below 2^30, so it stays
 * a small integer in the JS engine).
 */
export function slabCheck(base: number, blockSize: number): number {
  return (base ^ sizeKey(blockSize)) & 0x3fffffff;
}

/** The block-size part of {@link slabCheck}. */
function sizeKey(blockSize: number): number {
  return 0x15ab0000 ^ Math.imul(blockSize, 0x9e3779b1);
}

/** Largest power of two dividing `n` (n > 0). */
export function pow2Divisor(n: number): number {
  return n & -n;
}

/** Geometry of the slabs of one block size. */
export interface SlabGeometry {
  readonly blockSize: number;
  /** Slab size is 2^order pages. */
  readonly order: number;
  readonly slabBytes: number;
  /** Offset of the first block from the slab's base. */
  readonly first: number;
  /** Blocks per slab. */
  readonly blocks: number;
  /** Bitmap halfwords per slab. */
  readonly words: number;
  /** Alignment every block of such a slab has. */
  readonly align: number;
}

/** Lays out slabs of 2^order pages (2^pageOrder bytes each) for blocks of `blockSize` bytes. */
export function slabGeometry(blockSize: number, order: number, pageOrder: number): SlabGeometry {
  const slabBytes = 2 ** (order + pageOrder);
  const align = Math.min(pow2Divisor(blockSize), 64);
  let blocks = Math.min(Math.floor((slabBytes - SlabHeader.BITMAP) / blockSize), MAX_SLAB_BLOCKS);
  let words = Math.ceil(blocks / 16);
  let first = roundUp(SlabHeader.BITMAP + 2 * words, align);
  blocks = Math.min(Math.floor((slabBytes - first) / blockSize), MAX_SLAB_BLOCKS);
  words = Math.max(1, Math.ceil(blocks / 16));
  first = roundUp(SlabHeader.BITMAP + 2 * words, align);
  return { blockSize, order, slabBytes, first, blocks, words, align };
}

/** Smallest slab order (>= 0) holding at least `minBlocks` blocks (or the most a slab may track). */
export function slabOrderFor(blockSize: number, pageOrder: number, minBlocks: number): number {
  let order = 0;
  for (;;) {
    const g = slabGeometry(blockSize, order, pageOrder);
    if (g.blocks >= Math.min(minBlocks, MAX_SLAB_BLOCKS) || g.blocks === MAX_SLAB_BLOCKS) return order;
    order++;
  }
}

function roundUp(x: number, a: number): number {
  return Math.ceil(x / a) * a;
}

/** Why a slab free was refused (validated before any change). */
export const enum SlabFreeResult {
  Ok = 0,
  NotBlockStart = 1,
  NotLive = 2,
  Corrupted = 3,
}

/**
 * The slabs of one block size: a free list threaded through the free blocks (LIFO, root in
 * {@link head}, like a kernel global; a block's first word links to the next free block), and in
 * each slab's header a check word, a summary halfword and a live-block bitmap that decides in
 * O(1) whether an address is a live block. Allocate: one link read, one bitmap read and write;
 * free: check word, bitmap read and write, one link write. Used by the slab and slab array
 * allocators, always between `access.enter()` and `access.leave()`.
 */
export class SlabCache {
  readonly g: SlabGeometry;
  /** First free block ({@link NIL} = none). */
  head = NIL;
  /** Bases of the slabs held (a cache of the page map), and how many are empty (derived). */
  readonly bases: number[] = [];
  empty = 0;
  /** Set by {@link free}: the slab has no live block left. */
  becameEmpty = false;
  /** Corrupted metadata address found by the last failing call (0 when none). */
  corruptAt = 0;
  /** `slabBytes - 1`: a block's slab base is `address - (address & mask)`. */
  readonly mask: number;
  private readonly access: AllocatorAccess;
  /** The owner's page map and this cache's tag in it (a link must point into this cache's slabs). */
  private readonly pages: PageMap;
  private readonly tag: number;
  /** Value of the last bitmap halfword with no live block (bits past the last block set). */
  private readonly lastPad: number;
  private readonly last: number;
  private readonly key: number;
  private readonly bs: number;
  private readonly first: number;
  private readonly inv: number;

  constructor(g: SlabGeometry, access: AllocatorAccess, pages: PageMap, tag: number) {
    this.g = g;
    this.access = access;
    this.pages = pages;
    this.tag = tag;
    const real = g.blocks - 16 * (g.words - 1);
    this.lastPad = 0xffff & ~((1 << real) - 1);
    this.last = g.words - 1;
    this.key = sizeKey(g.blockSize);
    this.bs = g.blockSize;
    this.first = g.first;
    this.inv = 1 / g.blockSize;
    this.mask = g.slabBytes - 1;
  }

  /** Writes a fresh slab header at `base` and threads its blocks onto the free list (lowest first). */
  format(base: number): void {
    const m = this.access.memory;
    const g = this.g;
    m.write32(base + SlabHeader.CHECK, slabCheck(base, g.blockSize));
    m.write16(base + SlabHeader.USED, 0);
    for (let i = 0; i < g.words; i++) m.write16(base + SlabHeader.BITMAP + 2 * i, i === this.last ? this.lastPad : 0);
    let head = this.head;
    for (let i = g.blocks - 1; i >= 0; i--) {
      const b = base + g.first + i * g.blockSize;
      m.write32(b, head);
      head = b;
    }
    this.head = head;
    this.bases.push(base);
    this.empty++;
  }

  /** Takes an empty slab's blocks off the free list and erases its header (it goes back to the page source). */
  unformat(base: number): void {
    const m = this.access.memory;
    const end = base + this.g.slabBytes;
    let prev = NIL;
    for (let b = this.head; b !== NIL; ) {
      const next = m.read32(b);
      if (b >= base && b < end) {
        if (prev === NIL) this.head = next;
        else m.write32(prev, next);
      } else prev = b;
      b = next;
    }
    m.write32(base + SlabHeader.CHECK, 0);
    this.bases.splice(this.bases.indexOf(base), 1);
    this.empty--;
  }

  /**
   * Hands out the first block of the free list: -1 when the list is empty, -2 when the list or a
   * bitmap is corrupted (`corruptAt` says where).
   */
  alloc(): number {
    const h = this.head;
    if (h === NIL) return -1;
    const m = this.access.memory;
    const s = h - (h & this.mask);
    const off = h - s - this.first;
    const idx = Math.round(off * this.inv);
    if (off < 0 || idx * this.bs !== off || idx >= this.g.blocks) return this.corrupt(h);
    const i = idx >>> 4;
    const bit = 1 << (idx & 15);
    const wa = s + SlabHeader.BITMAP + 2 * i;
    const w = m.read16(wa);
    const next = m.read32(h);
    if ((w & bit) !== 0 || (next !== NIL && this.pages.get(next) !== this.tag)) return this.corrupt(h);
    m.write16(wa, w | bit);
    if (w === (i === this.last ? this.lastPad : 0)) {
      const used = m.read16(s + SlabHeader.USED);
      if (used === 0) this.empty--;
      m.write16(s + SlabHeader.USED, used | (1 << i));
    }
    this.head = next;
    return h;
  }

  /**
   * Marks the block at `address` of the slab at `s` (a slab of this cache) free in the bitmap.
   * Returns a {@link SlabFreeResult}; on anything but Ok nothing changed. Sets `becameEmpty`
   * when the slab has no live block left. The caller then publishes the free and calls
   * {@link push}.
   */
  free(s: number, address: number): SlabFreeResult {
    const m = this.access.memory;
    const off = address - s - this.first;
    const idx = Math.round(off * this.inv);
    if (off < 0 || idx * this.bs !== off || idx >= this.g.blocks) return SlabFreeResult.NotBlockStart;
    if (m.read32(s) !== ((s ^ this.key) & 0x3fffffff)) {
      this.corruptAt = s + SlabHeader.CHECK;
      return SlabFreeResult.Corrupted;
    }
    const i = idx >>> 4;
    const bit = 1 << (idx & 15);
    const wa = s + SlabHeader.BITMAP + 2 * i;
    const w = m.read16(wa);
    if ((w & bit) === 0) return SlabFreeResult.NotLive;
    const nw = w & ~bit;
    m.write16(wa, nw);
    this.becameEmpty = false;
    if (nw === (i === this.last ? this.lastPad : 0)) {
      const used = m.read16(s + SlabHeader.USED) & ~(1 << i);
      m.write16(s + SlabHeader.USED, used);
      if (used === 0) {
        this.empty++;
        this.becameEmpty = true;
      }
    }
    return SlabFreeResult.Ok;
  }

  /** Threads a freed block onto the free list (after the free was published). */
  push(address: number): void {
    this.access.memory.write32(address, this.head);
    this.head = address;
  }

  /** Whether the block at `address` of slab `s` is live (no change, no error). */
  isLive(s: number, address: number): boolean {
    const off = address - s - this.first;
    const idx = Math.round(off * this.inv);
    if (off < 0 || idx * this.bs !== off || idx >= this.g.blocks) return false;
    const w = this.access.memory.read16(s + SlabHeader.BITMAP + 2 * (idx >>> 4));
    return (w & (1 << (idx & 15))) !== 0;
  }

  /** Whether the slab at `s` has no live block. */
  isEmpty(s: number): boolean {
    return this.access.memory.read16(s + SlabHeader.USED) === 0;
  }

  private corrupt(at: number): number {
    this.corruptAt = at;
    return -2;
  }
}
