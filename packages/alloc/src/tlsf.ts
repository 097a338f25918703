import { ArenaAllocator, type ArenaAllocatorOptions } from "./arena-allocator.js";
import { Block } from "./block.js";

// The geometry and the control-block layout are `const enum`s: the build writes each use as its
// value, where a module constant would be a load and a check at every use in the engine (about
// 3% of TLSF's instructions per operation).

/** The size classes. */
const enum Class {
  /** log2 of the second-level subdivisions (16 lists per power of two). */
  SL_LOG2 = 4,
  SL_COUNT = 16,
  /** Sizes below this (128 B) map linearly: fl 0, one list per 8 bytes. */
  SMALL = 128,
  /** First-level classes: the last (23) holds blocks of [2^29, 2^30) bytes. */
  FL_COUNT = 24,
  /** The first-level bitmap bits that name a class (any other bit is corruption, ignored). */
  FL_MASK = 0xffffff,
}

/** The control block: offsets from its start, and its size. */
const enum Control {
  /** The first-level bitmap. */
  FL_BITMAP = 0,
  /** One second-level bitmap per first-level class. */
  SL_BITMAPS = 4,
  /** The list heads, one per (first, second) level: SL_BITMAPS + 4 * FL_COUNT. */
  HEADS = 100,
  /** HEADS + 4 * FL_COUNT * SL_COUNT. */
  BYTES = 1636,
}

/** Smallest block: header, two links, footer. */
const MIN_BLOCK = 24;

/** The list (first level * 16 + second level) holding blocks of `size` bytes. */
function listOf(size: number): number {
  if (size < Class.SMALL) return size >>> 3;
  const t = 31 - Math.clz32(size);
  return ((t - (Class.SL_LOG2 + 2)) << Class.SL_LOG2) | ((size >>> (t - Class.SL_LOG2)) & (Class.SL_COUNT - 1));
}

/** Index of the lowest set bit of a non-zero value. */
function ctz(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/**
 * TLSF (Masmano et al., ECRTS 2004): two-level segregated fit with immediate merging, O(1)
 * allocate and free. The default general-purpose allocator.
 *
 * **Where the state lives.** All of it in simulated memory, the lists not cached in JS: the control
 * block (first-level bitmap, 24 second-level bitmaps, 384 list heads) in the first arena's
 * trailer, the free lists doubly linked through the free blocks (`next` at +8, `prev` at +12;
 * the list head's `prev` is not kept: the control block says who the head is), and the checked
 * 8-byte headers and footers of {@link ArenaAllocator}. On a task heap all of it is memory the
 * task can write, so every decision (which list, which block, where to link) reads it back and
 * validates it first:
 * - bitmaps: only bits that name a class are used; a set bit over an empty second-level bitmap
 *   or an empty list head is `HEAP_CORRUPTION` at that word;
 * - a list head, and every `next`/`prev` link followed, must point inside an arena at a block
 *   whose checked header says free and whose size belongs to that list; the block taken also
 *   passes the footer and PREV_FREE checks;
 * - unlinking checks both back links (`next.prev` and `prev.next` must name the block: glibc's
 *   "corrupted double-linked list") and the head slot, before the first write.
 * Each check reads a fixed number of words, so allocate and free stay O(1). The block taken,
 * freed or merged is also checked against the allocator's record of its blocks, kept in JS
 * where no task can write it (one array read each; see {@link ArenaAllocator}): a forgery of
 * all of the above together never gets a live block handed out twice nor a block never handed
 * out freed.
 *
 * Results: `allocate(0)` is null; out of memory is null (a failure); bad size or alignment is a
 * typed error; free of anything but a live block is a typed error and changes nothing; a
 * corrupted header, link, bitmap or head is `HEAP_CORRUPTION` with its address and changes
 * nothing.
 *
 * @example
 * ```ts
 * import { createMachine, STM32F407 } from "@rtos-sim/hw";
 * import { RegionManager } from "@rtos-sim/region";
 * import { TlsfAllocator } from "@rtos-sim/alloc";
 * const m = createMachine(STM32F407);
 * const regions = new RegionManager({ memory: m.core, regions: m.board.memory.filter((r) => r.kind === "ram") });
 * const tlsf = new TlsfAllocator({ pages: regions, memory: m.core });
 * const p = tlsf.allocate(100)!;
 * const q = tlsf.resize(p, 400)!; // in place when the next block is free
 * tlsf.free(q);
 * ```
 */
export class TlsfAllocator extends ArenaAllocator {
  /** Always `"tlsf"`. */
  readonly kind = "tlsf" as const;
  protected readonly minBlock = MIN_BLOCK;
  protected readonly controlBytes = Control.BYTES;
  // What the check phase read, for the commit that follows (never kept across calls): the list
  // of the block take() found and its `next`; the last unlink checked (is it the head, its
  // `next` and `prev`); the last list head checked.
  private tList = 0;
  private tNext = 0;
  // The bitmaps take() read (second level of the block's class, first level or -1 when not
  // read), masked as used: the commit that takes the block off its list updates them.
  private tSl = 0;
  private tFl = -1;
  // The lists the check phase computed for the commit: of a split-off rest (checkTaken), of the
  // merged block and of the free neighbours (checkFreed).
  private rList = 0;
  private fList = 0;
  private pList = 0;
  private nList = 0;
  private uHead = false;
  private uNext = 0;
  private uPrev = 0;
  private hHead = 0;

  constructor(options: ArenaAllocatorOptions) {
    super("tlsf", options);
  }

  protected initControl(): void {
    const m = this.mem;
    for (let x = 0; x < Control.BYTES; x += 4) m.write32(this.ctl + x, 0);
  }

  // ---- check phase (reads only) -------------------------------------------------------------

  protected take(need: number): number {
    let size = need;
    if (size >= Class.SMALL) size += (1 << (31 - Math.clz32(size) - Class.SL_LOG2)) - 1;
    const l = listOf(size);
    let fl = l >>> Class.SL_LOG2;
    if (fl >= Class.FL_COUNT) return 0;
    const ctl = this.ctl;
    if (ctl === 0) return 0;
    const m = this.mem;
    let slWord = m.read32(ctl + Control.SL_BITMAPS + 4 * fl) & 0xffff;
    let slMap = slWord & (-1 << (l & (Class.SL_COUNT - 1)));
    let flWord = -1;
    if (slMap === 0) {
      flWord = m.read32(ctl + Control.FL_BITMAP) & Class.FL_MASK;
      const flMap = flWord & (-1 << (fl + 1));
      if (flMap === 0) return 0;
      fl = ctz(flMap);
      const sa = ctl + Control.SL_BITMAPS + 4 * fl;
      slWord = m.read32(sa) & 0xffff;
      slMap = slWord;
      if (slMap === 0) this.fail(sa, "first-level bit set over an empty second-level bitmap", slMap);
    }
    const tl = (fl << Class.SL_LOG2) | ctz(slMap);
    const ha = ctl + Control.HEADS + 4 * tl;
    const b = m.read32(ha);
    const a = this.blockArena(b);
    if (a === undefined) this.fail(ha, "list head empty or outside the arenas under a set bitmap bit", b);
    const w0 = this.checkFreeBlock(a, b);
    if (listOf(w0 & ~Block.FLAGS) !== tl) this.fail(ha, "list head of another size class", b);
    // It is the head (no `prev`); its `next` becomes the head, and is checked by checkTaken()
    // when a block is linked in front of it.
    this.takenW0 = w0;
    this.takenArena = a;
    this.tList = tl;
    this.tNext = m.read32(b + 8);
    this.tSl = slWord;
    this.tFl = flWord;
    return b;
  }

  /**
   * Validates `x`, reached through the link word at `from`, as a member of list `l`: inside an
   * arena, its word 0 saying free (not PREV_FREE) with a size inside the arena and of that list.
   */
  private checkListed(x: number, l: number, from: number): void {
    const a = this.blockArena(x);
    if (a === undefined) this.fail(from, "free-list link outside the arenas", x);
    const w0 = this.mem.read32(x);
    const size = w0 & ~Block.FLAGS;
    if ((w0 & Block.FLAGS) !== Block.FREE || x + size > a.sentinel || listOf(size) !== l)
      this.fail(from, "free-list link to a block that is not a free block of this list", x);
  }

  /** Validates `next`, the `next` link of `x` in list `l`: a member whose back link names `x`. */
  private checkNext(x: number, next: number, l: number): void {
    if (next === x) this.fail(x + 8, "free-list link to itself", next);
    this.checkListed(next, l, x + 8);
    const back = this.mem.read32(next + 12);
    if (back !== x) this.fail(x + 8, "corrupted double-linked list (next.prev)", next);
  }

  /**
   * Validates the removal of the free block `x` from list `l`: its `next` (back link), and either
   * the head slot naming it or its `prev` (forward link). Keeps what it read in uHead/uNext/uPrev.
   */
  private checkUnlink(x: number, l: number): void {
    const m = this.mem;
    const next = m.read32(x + 8);
    if (next !== 0) this.checkNext(x, next, l);
    this.uNext = next;
    this.uHead = m.read32(this.ctl + Control.HEADS + 4 * l) === x;
    if (this.uHead) return;
    const prev = m.read32(x + 12);
    if (prev === x) this.fail(x + 12, "free-list link to itself", prev);
    this.checkListed(prev, l, x + 12);
    const fwd = m.read32(prev + 8);
    if (fwd !== x) this.fail(x + 12, "corrupted double-linked list (prev.next)", prev);
    this.uPrev = prev;
  }

  /** Validates the head of list `l` before a block is linked in front of it; keeps it in hHead. */
  private checkHead(l: number): void {
    const ha = this.ctl + Control.HEADS + 4 * l;
    const head = this.mem.read32(ha);
    if (head !== 0) this.checkListed(head, l, ha);
    this.hHead = head;
  }

  protected checkTaken(b: number, gap: number, r: number, rest: number): void {
    const l = this.tList;
    const next = this.tNext;
    if (gap === 0) {
      if (r === 0) return; // b leaves the head slot to `next` (the base skips this call then)
      const lr = listOf(rest);
      this.rList = lr;
      if (lr === l) {
        if (next !== 0) this.checkNext(b, next, l);
        return;
      }
      this.checkHead(lr);
      return;
    }
    // Rare (aligned requests): b's `next` may become the head the pieces are linked in front of.
    if (next !== 0) this.checkNext(b, next, l);
    this.checkHead(listOf(gap));
    if (r !== 0) this.checkHead(listOf(rest));
  }

  protected checkFreed(_h: number, size: number, p: number, psize: number, n: number, nsize: number): void {
    if (p !== 0) {
      const lp = listOf(psize);
      this.pList = lp;
      this.checkUnlink(p, lp);
    }
    if (n !== 0) {
      const ln = listOf(nsize);
      this.nList = ln;
      this.checkUnlink(n, ln);
    }
    const l = listOf(size + psize + nsize);
    this.fList = l;
    this.checkHead(l);
  }

  protected checkAbsorb(n: number, nsize: number, r: number, rest: number): void {
    this.checkUnlink(n, listOf(nsize));
    if (r !== 0) this.checkHead(listOf(rest));
  }

  protected checkInsert(_x: number, size: number): void {
    this.checkHead(listOf(size));
  }

  protected checkRemove(x: number, size: number): void {
    this.checkUnlink(x, listOf(size));
  }

  // ---- commit phase (writes only where the check phase validated) ---------------------------

  /**
   * Takes the block take() found, the head of list `l`, off it ({@link unlinkKnown} of a head):
   * the bitmap words are those take() read, the commit's first writes (nothing changed them).
   */
  private unlinkTaken(l: number, next: number): void {
    const m = this.mem;
    const ctl = this.ctl;
    m.write32(ctl + Control.HEADS + 4 * l, next);
    if (next !== 0) return;
    const fl = l >>> Class.SL_LOG2;
    const sm = this.tSl & ~(1 << (l & (Class.SL_COUNT - 1)));
    m.write32(ctl + Control.SL_BITMAPS + 4 * fl, sm);
    if (sm === 0) {
      const fw = this.tFl >= 0 ? this.tFl : m.read32(ctl + Control.FL_BITMAP) & Class.FL_MASK;
      m.write32(ctl + Control.FL_BITMAP, fw & ~(1 << fl));
    }
  }

  /** Links free block `h` in front of `head`, the current head of list `l`. */
  private linkBefore(h: number, l: number, head: number): void {
    const m = this.mem;
    const ctl = this.ctl;
    m.write32(h + 8, head);
    if (head !== 0) m.write32(head + 12, h);
    else {
      const fl = l >>> Class.SL_LOG2;
      const sa = ctl + Control.SL_BITMAPS + 4 * fl;
      const sm = m.read32(sa) & 0xffff;
      m.write32(sa, sm | (1 << (l & (Class.SL_COUNT - 1))));
      if (sm === 0) m.write32(ctl + Control.FL_BITMAP, (m.read32(ctl + Control.FL_BITMAP) & Class.FL_MASK) | (1 << fl));
    }
    m.write32(ctl + Control.HEADS + 4 * l, h);
  }

  /** Unlinks a free block of list `l`, given whether it is the head and its links. */
  private unlinkKnown(l: number, isHead: boolean, next: number, prev: number): void {
    const m = this.mem;
    if (isHead) {
      const ctl = this.ctl;
      m.write32(ctl + Control.HEADS + 4 * l, next);
      if (next === 0) {
        const fl = l >>> Class.SL_LOG2;
        const sa = ctl + Control.SL_BITMAPS + 4 * fl;
        const sm = m.read32(sa) & 0xffff & ~(1 << (l & (Class.SL_COUNT - 1)));
        m.write32(sa, sm);
        if (sm === 0)
          m.write32(ctl + Control.FL_BITMAP, m.read32(ctl + Control.FL_BITMAP) & Class.FL_MASK & ~(1 << fl));
      }
      return;
    }
    m.write32(prev + 8, next);
    if (next !== 0) m.write32(next + 12, prev);
  }

  /** Unlinks free block `x` of list `l`, reading its links now (after other changes of the same commit). */
  private unlink(x: number, l: number): void {
    const m = this.mem;
    const next = m.read32(x + 8);
    const isHead = m.read32(this.ctl + Control.HEADS + 4 * l) === x;
    this.unlinkKnown(l, isHead, next, isHead ? 0 : m.read32(x + 12));
  }

  protected commitTaken(b: number, _bsize: number, gap: number, r: number, rest: number): void {
    const l = this.tList;
    const next = this.tNext;
    if (gap === 0) {
      if (r !== 0 && this.rList === l) {
        // Same list: the rest takes b's place at the head.
        const m = this.mem;
        m.write32(r + 8, next);
        if (next !== 0) m.write32(next + 12, r);
        m.write32(this.ctl + Control.HEADS + 4 * l, r);
        return;
      }
      // b was the head of l; the rest's list is another one, whose head checkTaken() read.
      this.unlinkTaken(l, next);
      if (r !== 0) this.linkBefore(r, this.rList, this.hHead);
      return;
    }
    this.unlinkTaken(l, next);
    this.link(b, listOf(gap));
    if (r !== 0) this.link(r, listOf(rest));
  }

  /** Links free block `h` at the head of list `l`, reading the head now. */
  private link(h: number, l: number): void {
    this.linkBefore(h, l, this.mem.read32(this.ctl + Control.HEADS + 4 * l));
  }

  protected freed(h: number, _size: number, p: number, _psize: number, n: number, _nsize: number): void {
    // The lists checkFreed() computed from the same sizes.
    const l = this.fList;
    if (p !== 0 && n !== 0) {
      this.mergeBoth(p, n, l);
      return;
    }
    let head = this.hHead;
    if (p !== 0 || n !== 0) {
      const lx = p !== 0 ? this.pList : this.nList;
      this.unlinkKnown(lx, this.uHead, this.uNext, this.uPrev);
      if (lx === l && this.uHead) head = this.uNext;
    }
    this.linkBefore(p !== 0 ? p : h, l, head);
  }

  /**
   * {@link freed} with both neighbours free: `p` and `n` leave their lists, `p` (the merged block)
   * joins list `l`. Apart from freed(), which V8 inlines into the free path: its size there
   * decides whether that path's other calls inline too.
   */
  private mergeBoth(p: number, n: number, l: number): void {
    // Two unlinks may touch each other's links (p and n adjacent in one list): read as we go.
    this.unlink(p, this.pList);
    this.unlink(n, this.nList);
    this.link(p, l);
  }

  protected absorb(_n: number, nsize: number, r: number, rest: number): void {
    const ln = listOf(nsize);
    this.unlinkKnown(ln, this.uHead, this.uNext, this.uPrev);
    if (r === 0) return;
    const l = listOf(rest);
    this.linkBefore(r, l, l === ln && this.uHead ? this.uNext : this.hHead);
  }

  protected insert(x: number, size: number): void {
    this.linkBefore(x, listOf(size), this.hHead);
  }

  protected remove(_x: number, size: number): void {
    this.unlinkKnown(listOf(size), this.uHead, this.uNext, this.uPrev);
  }
}
