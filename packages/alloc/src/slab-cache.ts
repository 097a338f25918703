import type { MemoryPort } from "@rtos-sim/hw";
import type { PageMap } from "./page-map.js";

/** Slab header layout (byte offsets from the slab's base), all in simulated memory. */
export const enum SlabHeader {
  /** Check word: `slabCheck(base, blockSize)`; anything else is a corrupted slab header. */
  CHECK = 0,
  /** Halfword, bit i set: bitmap halfword i has at least one live block (0: the slab is empty). */
  USED = 4,
  /** First of the live-block bitmap halfwords (bit set = block handed out). */
  BITMAP = 6,
}

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
export function sizeKey(blockSize: number): number {
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
  const slabBytes = 1 << (order + pageOrder);
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

/** Bits of a page-map tag holding the cache number + 1 (the rest: the slab's slot in the live record). */
export const CACHE_TAG_MASK = 0xff;

/** Why a slab free was refused (validated before any change). */
export const enum SlabFreeResult {
  Ok = 0,
  NotBlockStart = 1,
  NotLive = 2,
  Corrupted = 3,
}

/**
 * The slab caches of one allocator, one per block size, as parallel arrays indexed by cache
 * number (the hot paths then touch typed arrays, not one object per cache). Each cache has a
 * free list threaded through its free blocks (LIFO, root in `head[c]` like a kernel global; a
 * free block's first word links to the next), and each slab a header in simulated memory: a
 * check word, a summary halfword and a live-block bitmap that decides in O(1) whether an address
 * is a live block. Allocate: one link read, one bitmap read and write; free: check word, bitmap
 * read and write, one link write. Used by the slab and slab array allocators, between
 * `access.enter()` and `access.leave()` while the actor is observed (`AllocatorAccess.switching`).
 * Cache `c` tags a slab's pages `c + 1 + 256 * slot` in the page map (`slot`: the slab's place
 * in the live record).
 *
 * **Where the state lives.** In simulated memory (a task can write it on a task heap): slab
 * headers, bitmaps, the links in free blocks. In JS (no task can write it): the list roots
 * `head[c]` (the only copy, a kernel global in C), the geometry, the slab bases and the page
 * map (learned from the page source's answers), counters, and the live record: one bit per
 * block the allocator handed out and has not taken back (16 halfwords per slab, as the kernel
 * keeps a record of live blocks in its own memory, which no task can write). A link read from
 * memory is followed only once it is in one of the cache's pages, at a block start its bitmap
 * says is free and the live record does not hold; a free is taken only when both say live. So a
 * bitmap the task forged cannot make the allocator hand out a live block twice, nor free a block
 * it never handed out: the disagreement is `HEAP_CORRUPTION` at the bitmap word, found with one
 * more read per call (no loop). A slab goes back to the page source only once its header, bitmap,
 * live record and the whole free list check out ({@link SlabCaches.checkDrop}: at most one step
 * per block, so a forged cycle cannot loop).
 */
export class SlabCaches {
  /** Each cache's geometry. */
  readonly geometry: readonly SlabGeometry[];
  /** First free block of each cache ({@link NIL} = none). */
  readonly head: number[];
  /** Live blocks per cache (a statistic: the bitmaps in memory are the truth). */
  readonly live: Int32Array;
  /** Empty slabs per cache (derived from the summary halfwords as they change). */
  readonly empty: Int32Array;
  /** Bases of each cache's slabs (a cache of the page map). */
  readonly bases: number[][];
  /** Set by {@link free}: the slab has no live block left. */
  becameEmpty = false;
  /** Corrupted metadata address found by the last failing call (0 when none). */
  corruptAt = 0;
  private readonly m: MemoryPort;
  private readonly pages: PageMap;
  /** Per cache: `slabBytes - 1` (a block's slab base is `address - (address & mask)`). */
  private readonly mask: Int32Array;
  /** Block size of each cache. */
  private readonly size: Int32Array;
  private readonly first: Int32Array;
  private readonly blocks: Int32Array;
  private readonly key: Int32Array;
  /** Index of the last bitmap halfword, and its value with no live block (bits past the last block set). */
  private readonly last: Int32Array;
  private readonly lastPad: Int32Array;
  /** The live record: bitmap halfword `i` of the slab in slot `n` at `16 * n + i` (see the class comment). */
  private record = new Uint16Array(16 * 8);
  /** Slots of slabs given back, to reuse. */
  private readonly freeSlots: number[] = [];
  /** Slots used so far (the next new one). */
  private slots = 0;

  constructor(geometry: readonly SlabGeometry[], memory: MemoryPort, pages: PageMap) {
    const n = geometry.length;
    this.geometry = geometry;
    this.m = memory;
    this.pages = pages;
    this.head = new Array<number>(n).fill(NIL);
    this.live = new Int32Array(n);
    this.empty = new Int32Array(n);
    this.bases = geometry.map(() => []);
    this.mask = Int32Array.from(geometry, (g) => g.slabBytes - 1);
    this.size = Int32Array.from(geometry, (g) => g.blockSize);
    this.first = Int32Array.from(geometry, (g) => g.first);
    this.blocks = Int32Array.from(geometry, (g) => g.blocks);
    this.key = Int32Array.from(geometry, (g) => sizeKey(g.blockSize));
    this.last = Int32Array.from(geometry, (g) => g.words - 1);
    this.lastPad = Int32Array.from(geometry, (g) => 0xffff & ~((1 << (g.blocks - 16 * (g.words - 1))) - 1));
  }

  /** The base of the slab of cache `c` holding `address`. */
  slabOf(c: number, address: number): number {
    return address - (address & this.mask[c]!);
  }

  /**
   * Writes a fresh slab header at `base` and threads its blocks onto cache `c`'s free list
   * (lowest first). Returns the page-map tag of the slab's pages (cache and live-record slot),
   * which the caller sets before the next call.
   */
  format(c: number, base: number): number {
    let slot = this.freeSlots.pop();
    if (slot === undefined) {
      slot = this.slots++;
      if (16 * this.slots > this.record.length) {
        const grown = new Uint16Array(2 * this.record.length);
        grown.set(this.record);
        this.record = grown;
      }
    }
    this.record.fill(0, 16 * slot, 16 * slot + 16);
    const m = this.m;
    const g = this.geometry[c]!;
    m.write32(base + SlabHeader.CHECK, slabCheck(base, g.blockSize));
    m.write16(base + SlabHeader.USED, 0);
    const last = this.last[c]!;
    for (let i = 0; i <= last; i++) m.write16(base + SlabHeader.BITMAP + 2 * i, i === last ? this.lastPad[c]! : 0);
    let head = this.head[c]!;
    const first = base + this.first[c]!;
    for (let i = g.blocks - 1; i >= 0; i--) {
      const b = first + i * g.blockSize;
      m.write32(b, head);
      head = b;
    }
    this.head[c] = head;
    this.bases[c]!.push(base);
    this.empty[c]!++;
    return c + 1 + 256 * slot;
  }

  /**
   * Whether the slab at `base` of cache `c` may go back to the page source (reads only): its
   * check word, a summary and every bitmap halfword saying no block is live, and cache `c`'s
   * free list walkable by {@link unformat} (every link in one of the cache's slabs, at a free
   * block's start, and no more links than the cache has blocks: a forged cycle cannot make the
   * walk loop). False sets `corruptAt`.
   */
  checkDrop(c: number, base: number): boolean {
    const m = this.m;
    if (m.read32(base + SlabHeader.CHECK) !== ((base ^ this.key[c]!) & 0x3fffffff)) return this.refuse(base);
    if (m.read16(base + SlabHeader.USED) !== 0) return this.refuse(base + SlabHeader.USED);
    const last = this.last[c]!;
    for (let i = 0; i <= last; i++) {
      const wa = base + SlabHeader.BITMAP + 2 * i;
      if (m.read16(wa) !== (i === last ? this.lastPad[c]! : 0)) return this.refuse(wa);
    }
    // The bitmap says empty: the live record must too, or the task cleared live blocks' bits.
    const r = 16 * (this.pages.get(base) >>> 8);
    for (let i = 0; i <= last; i++) if (this.record[r + i] !== 0) return this.refuse(base + SlabHeader.BITMAP + 2 * i);
    let budget = this.bases[c]!.length * this.blocks[c]!;
    let from = 0;
    for (let b = this.head[c]!; b !== NIL; ) {
      if (budget-- === 0 || (this.pages.get(b) & CACHE_TAG_MASK) !== c + 1 || !this.isFreeBlock(c, b))
        return this.refuse(from || b);
      from = b;
      b = m.read32(b);
    }
    return true;
  }

  /** Whether `b` (in a page of cache `c`) is the start of a block its slab's bitmap says is free. */
  private isFreeBlock(c: number, b: number): boolean {
    const s = b - (b & this.mask[c]!);
    const idx = this.blockIndex(c, b - s);
    if (idx < 0) return false;
    return (this.m.read16(s + SlabHeader.BITMAP + 2 * (idx >>> 4)) & (1 << (idx & 15))) === 0;
  }

  private refuse(at: number): false {
    this.corruptAt = at;
    return false;
  }

  /**
   * Takes an empty slab's blocks off cache `c`'s free list and erases its header (it goes back
   * to the page source). {@link checkDrop} must have passed.
   */
  unformat(c: number, base: number): void {
    const m = this.m;
    const end = base + this.geometry[c]!.slabBytes;
    let prev = NIL;
    for (let b = this.head[c]!; b !== NIL; ) {
      const next = m.read32(b);
      if (b >= base && b < end) {
        if (prev === NIL) this.head[c] = next;
        else m.write32(prev, next);
      } else prev = b;
      b = next;
    }
    m.write32(base + SlabHeader.CHECK, 0);
    this.freeSlots.push(this.pages.get(base) >>> 8);
    const bases = this.bases[c]!;
    bases.splice(bases.indexOf(base), 1);
    this.empty[c]!--;
  }

  /**
   * Hands out the first block of cache `c`'s free list: -1 when the list is empty, -2 when the
   * list or a bitmap is corrupted (`corruptAt` says where).
   */
  alloc(c: number): number {
    const h = this.head[c]!;
    if (h === NIL) return -1;
    const m = this.m;
    const s = h - (h & this.mask[c]!);
    const idx = this.blockIndex(c, h - s);
    if (idx < 0) return this.corrupt(h);
    const i = idx >>> 4;
    const bit = 1 << (idx & 15);
    const wa = s + SlabHeader.BITMAP + 2 * i;
    const w = m.read16(wa);
    const next = m.read32(h);
    if ((w & bit) !== 0 || (next !== NIL && (this.pages.get(next) & CACHE_TAG_MASK) !== c + 1)) return this.corrupt(h);
    // The bitmap says free; the live record must agree (a task clears a live block's bit and
    // links it in: the block would be handed out twice).
    const ri = 16 * (this.pages.get(h) >>> 8) + i;
    const r = this.record[ri]!;
    if ((r & bit) !== 0) return this.corrupt(wa);
    this.record[ri] = r | bit;
    m.write16(wa, w | bit);
    if (w === (i === this.last[c] ? this.lastPad[c] : 0)) {
      const used = m.read16(s + SlabHeader.USED);
      if (used === 0) this.empty[c]!--;
      m.write16(s + SlabHeader.USED, used | (1 << i));
    }
    this.head[c] = next;
    this.live[c]!++;
    return h;
  }

  /**
   * Marks the block at `address` of the slab at `s` (a slab of cache `c`, in live-record slot
   * `slot`: its page-map tag >>> 8) free in the bitmap. Returns a {@link SlabFreeResult}; on
   * anything but Ok nothing changed (`Corrupted` when the header's check word fails, or the
   * bitmap and the live record disagree: `corruptAt` says where). Sets `becameEmpty` when the
   * slab has no live block left. The caller then publishes the free and calls {@link push}.
   */
  free(c: number, s: number, address: number, slot: number): SlabFreeResult {
    const m = this.m;
    const idx = this.blockIndex(c, address - s);
    if (idx < 0) return SlabFreeResult.NotBlockStart;
    if (m.read32(s) !== ((s ^ this.key[c]!) & 0x3fffffff)) {
      this.corruptAt = s + SlabHeader.CHECK;
      return SlabFreeResult.Corrupted;
    }
    const i = idx >>> 4;
    const bit = 1 << (idx & 15);
    const wa = s + SlabHeader.BITMAP + 2 * i;
    const w = m.read16(wa);
    const ri = 16 * slot + i;
    const r = this.record[ri]!;
    if ((w & bit) === 0 || (r & bit) === 0) {
      if ((w & bit) === 0 && (r & bit) === 0) return SlabFreeResult.NotLive;
      this.corruptAt = wa;
      return SlabFreeResult.Corrupted;
    }
    this.record[ri] = r & ~bit;
    const nw = w & ~bit;
    m.write16(wa, nw);
    this.live[c]!--;
    this.becameEmpty = false;
    if (nw === (i === this.last[c] ? this.lastPad[c] : 0)) {
      const used = m.read16(s + SlabHeader.USED) & ~(1 << i);
      m.write16(s + SlabHeader.USED, used);
      if (used === 0) {
        this.empty[c]!++;
        this.becameEmpty = true;
      }
    }
    return SlabFreeResult.Ok;
  }

  /** Threads a freed block onto cache `c`'s free list (after the free was published). */
  push(c: number, address: number): void {
    this.m.write32(address, this.head[c]!);
    this.head[c] = address;
  }

  /**
   * Whether the block at `address` of slab `s` of cache `c` is live (no change, no error): its
   * bitmap bit and the live record both say so.
   */
  isLive(c: number, s: number, address: number): boolean {
    const idx = this.blockIndex(c, address - s);
    if (idx < 0) return false;
    const w = this.m.read16(s + SlabHeader.BITMAP + 2 * (idx >>> 4));
    const r = this.record[16 * (this.pages.get(s) >>> 8) + (idx >>> 4)]!;
    return (w & r & (1 << (idx & 15))) !== 0;
  }

  /** Whether the slab at `s` has no live block. */
  isEmpty(s: number): boolean {
    return this.m.read16(s + SlabHeader.USED) === 0;
  }

  /**
   * The index of the block starting `offset` bytes into a slab of cache `c`, or -1 when no block
   * starts there: the quotient of the offset from the first block by the block size, when it is
   * a whole number below the block count. (One division: small enough in bytecode that alloc()
   * and free() fit V8's inlining budget with their three memory accesses, see docs/benchmarks.md.)
   */
  private blockIndex(c: number, offset: number): number {
    const q = (offset - this.first[c]!) / this.size[c]!;
    return q >>> 0 === q && q < this.blocks[c]! ? q : -1;
  }

  private corrupt(at: number): number {
    this.corruptAt = at;
    return -2;
  }
}
