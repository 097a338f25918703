import type { AllocatorAccess } from "./port.js";

/** Slab header layout (byte offsets from the slab's base), all in simulated memory. */
export const SlabHeader = {
  /** Check word: `slabCheck(base, blockSize)`; anything else is a corrupted slab header. */
  CHECK: 0,
  /** Next slab of the partial stack ({@link NIL} = none). */
  NEXT: 4,
  /** Halfword, bit i set: bitmap halfword i is full. */
  FULL: 8,
  /** Halfword, bit i set: bitmap halfword i has at least one live block. */
  USED: 10,
  /** First of the live-block bitmap halfwords (bit set = block handed out). */
  BITMAP: 12,
} as const;

/** The "no slab" link (1: never a slab base, which is page-aligned; 0 is a valid address). */
export const NIL = 1;

/**
 * Most blocks a slab tracks: 16 bitmap halfwords behind two 16-bit summary halfwords. (Halfwords
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
 * The slabs of one block size: a partial stack (slabs with a free block, singly linked through
 * the slab headers; allocation always uses the top, so a slab only fills up on top and is popped
 * in O(1)), and in each slab a live-block bitmap with two summary words, so allocate and free
 * take three memory accesses in the common case. Used by the slab and slab array allocators,
 * always between `access.enter()` and `access.leave()`.
 */
export class SlabCache {
  readonly g: SlabGeometry;
  /** Top of the partial stack (root pointer, like a kernel global); {@link NIL} = none. */
  partial = NIL;
  /** Slabs held, and how many of them are empty (derived counts). */
  slabs = 0;
  empty = 0;
  /** Set by {@link free}: the slab has no live block left. */
  becameEmpty = false;
  /** Corrupted metadata address found by the last failing call (0 when none). */
  corruptAt = 0;
  private readonly access: AllocatorAccess;
  /** Summary value with every bitmap halfword full. */
  private readonly allFull: number;
  /** Value of the last bitmap halfword with no live block (bits past the last block set). */
  private readonly lastPad: number;
  private readonly last: number;
  private readonly key: number;
  private readonly bs: number;
  private readonly first: number;
  private readonly inv: number;
  /** `slabBytes - 1`: a block's slab base is `address - (address & mask)`. */
  readonly mask: number;

  constructor(g: SlabGeometry, access: AllocatorAccess) {
    this.g = g;
    this.access = access;
    this.key = sizeKey(g.blockSize);
    this.bs = g.blockSize;
    this.first = g.first;
    this.inv = 1 / g.blockSize;
    this.mask = g.slabBytes - 1;
    this.allFull = (1 << g.words) - 1;
    const real = g.blocks - 16 * (g.words - 1);
    this.lastPad = 0xffff & ~((1 << real) - 1);
    this.last = g.words - 1;
  }

  /** Writes a fresh slab header at `base` and pushes it on the partial stack. */
  format(base: number): void {
    const m = this.access.memory;
    const g = this.g;
    m.write32(base + SlabHeader.CHECK, slabCheck(base, g.blockSize));
    m.write16(base + SlabHeader.FULL, 0);
    m.write16(base + SlabHeader.USED, 0);
    for (let i = 0; i < g.words; i++) m.write16(base + SlabHeader.BITMAP + 2 * i, i === this.last ? this.lastPad : 0);
    this.link(base);
    this.slabs++;
    this.empty++;
  }

  /** Erases the header of an empty slab about to go back to the page source. */
  unformat(base: number): void {
    this.unlink(base);
    this.access.memory.write32(base + SlabHeader.CHECK, 0);
    this.slabs--;
    this.empty--;
  }

  /**
   * Hands out a block from the top of the partial stack: -1 when the stack is empty, -2 when the
   * slab header is corrupted (`corruptAt` says where). Three accesses in the common case: check
   * word, summary, bitmap halfword (read and write).
   */
  alloc(): number {
    const s = this.partial;
    if (s === NIL) return -1;
    const m = this.access.memory;
    if (m.read32(s) !== ((s ^ this.key) & 0x3fffffff)) return this.corrupt(s + SlabHeader.CHECK);
    const full = m.read16(s + SlabHeader.FULL);
    const free = ~full & this.allFull;
    if (free === 0) return this.corrupt(s + SlabHeader.FULL);
    const i = 31 - Math.clz32(free & -free);
    const wa = s + SlabHeader.BITMAP + 2 * i;
    const w = m.read16(wa);
    if (w === 0xffff) return this.corrupt(wa);
    const b = 31 - Math.clz32(~w & (w + 1));
    const nw = w | (1 << b);
    m.write16(wa, nw);
    if (w === (i === this.last ? this.lastPad : 0)) {
      const used = m.read16(s + SlabHeader.USED);
      if (used === 0) this.empty--;
      m.write16(s + SlabHeader.USED, used | (1 << i));
    }
    if (nw === 0xffff) {
      const nf = full | (1 << i);
      m.write16(s + SlabHeader.FULL, nf);
      if (nf === this.allFull) this.partial = m.read32(s + SlabHeader.NEXT);
    }
    return s + this.first + (i * 16 + b) * this.bs;
  }

  /**
   * Frees the block at `address` of the slab at `s` (a slab of this cache). Returns a
   * {@link SlabFreeResult}; on anything but Ok nothing changed. Sets `becameEmpty` when the slab
   * has no live block left.
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
    if (w === 0xffff) {
      const full = m.read16(s + SlabHeader.FULL);
      m.write16(s + SlabHeader.FULL, full & ~(1 << i));
      if (full === this.allFull) this.link(s);
    }
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

  /** Whether the block at `address` of slab `s` is live (no change, no error). */
  isLive(s: number, address: number): boolean {
    const g = this.g;
    const off = address - s - g.first;
    if (off < 0) return false;
    const idx = (off / g.blockSize) | 0;
    if (idx * g.blockSize !== off || idx >= g.blocks) return false;
    const w = this.access.memory.read16(s + SlabHeader.BITMAP + 2 * (idx >>> 4));
    return (w & (1 << (idx & 15))) !== 0;
  }

  /** Whether the slab at `s` has no live block. */
  isEmpty(s: number): boolean {
    return this.access.memory.read16(s + SlabHeader.USED) === 0;
  }

  /** Empty slabs of the partial stack (walked in memory). */
  emptySlabs(): number[] {
    const out: number[] = [];
    const m = this.access.memory;
    for (let s = this.partial; s !== NIL; s = m.read32(s + SlabHeader.NEXT)) if (this.isEmpty(s)) out.push(s);
    return out;
  }

  /** Pushes slab `s` on the partial stack. */
  private link(s: number): void {
    this.access.memory.write32(s + SlabHeader.NEXT, this.partial);
    this.partial = s;
  }

  /** Removes slab `s` from the partial stack wherever it is (walks the stack: release only). */
  private unlink(s: number): void {
    const m = this.access.memory;
    const n = m.read32(s + SlabHeader.NEXT);
    if (this.partial === s) {
      this.partial = n;
      return;
    }
    for (let p = this.partial; p !== NIL; ) {
      const q = m.read32(p + SlabHeader.NEXT);
      if (q === s) {
        m.write32(p + SlabHeader.NEXT, n);
        return;
      }
      p = q;
    }
  }

  private corrupt(at: number): number {
    this.corruptAt = at;
    return -2;
  }
}
