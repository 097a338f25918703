import type { ResizableAllocator } from "./allocator.js";
import { type Arena, ArenaSet, arenaCheck, arenaLayout, type HeldArena, RecordBit } from "./arena.js";
import { type AllocatorOptions, BaseAllocator } from "./base.js";
import { alignUp, Block, Granule, headerCheck } from "./block.js";
import { AllocError } from "./errors.js";

/** Options of the heap and TLSF allocators. */
export interface ArenaAllocatorOptions extends AllocatorOptions {
  /**
   * Arenas are 2^arenaOrder pages (default 4: 16 KiB with 1 KiB pages); a request too large for
   * one gets an arena of the order it needs.
   */
  readonly arenaOrder?: number | undefined;
}

/**
 * What the heap (first fit) and TLSF allocators share: arenas of pages, the 8-byte checked block
 * headers with boundary tags, the granule-state bitmap that says in O(1) whether an address is a
 * live block ("free must not trust the bytes in front of the pointer"), validated free with
 * merging of both neighbours, resize, and the return of empty arenas. Subclasses own the free
 * lists.
 *
 * **Trust.** Everything in an arena (headers, footers, free-list links, the granule bitmap, the
 * control block) is memory the task that uses the heap can write, so every operation runs in two
 * phases: a *check* phase that only reads, and validates every link and size it will act on as
 * hardened allocators do (glibc's "corrupted double-linked list" and size/boundary-tag checks,
 * Linux's `CONFIG_DEBUG_LIST`), then a *commit* phase that only writes, and only inside blocks
 * the check phase validated. A violation is `HEAP_CORRUPTION` with the address of the offending
 * word, raised before anything is written or published. Rules:
 * - a free block's header passes its check word, says FREE and not PREV_FREE (free neighbours
 *   always merge), and its size keeps it inside its arena; when its size is used, its footer
 *   holds its address and the next header has PREV_FREE;
 * - a link (or list head) points inside an arena, 8-aligned, at such a free block of the right
 *   list, whose back link points at the block it came from (the subclasses say which links);
 * - a live block's header passes its check and stays inside its arena; the next header has
 *   PREV_FREE clear.
 *
 * The JS `ArenaSet` caches arena geometry, which comes from the page source and no task can
 * write; every allocator decision reads simulated memory.
 *
 * **Record.** All of the above can be forged together on a task heap: a header with its public
 * check word, a footer, the next header's PREV_FREE, a list link and a granule state make a
 * consistent lie, which alone could get a live block handed out twice (offered as a free block)
 * or a block never handed out accepted by free (marked live). So each arena also has a record
 * of its blocks in JS, where no task can write it, as a kernel keeps its own state in its own
 * memory (`HeldArena` in arena.ts: per 8-byte granule, the size of the block whose header
 * starts there and whether it is live; slabs keep one bit per block for the same reason). It
 * is written only by the allocator's own commits (split, merge, resize, a new arena) and costs
 * no simulated access. The decisions check what memory says against it, O(1) each (one array
 * read):
 * - a free block about to be handed out must be a free block of the record, of the size its
 *   header says; with free blocks' neighbours merged in the record as in memory, the record's
 *   blocks tile the arena, so that block overlaps no live block (HEAP_CORRUPTION at its header
 *   otherwise);
 * - a free (or resize) needs the pointer to be a live block in the record and in the granule
 *   bitmap: neither is today's INVALID_FREE / DOUBLE_FREE from the bitmap, one without the other
 *   is HEAP_CORRUPTION at the bitmap word; the live header's size must be the record's, and a
 *   free neighbour it merges with (or a resize absorbs) a free block of the record of its size
 *   (HEAP_CORRUPTION at that header otherwise), so a merge never swallows a live block;
 * - an arena goes back only when the record says its one block is free.
 * A record of live starts alone would not do in O(1): "no live block inside [b, b + size)" for
 * a size read from memory needs either every granule of each live block marked (O(size) per
 * call) or the free extents, which this record is.
 *
 * Hooks come in check/commit pairs: the base calls every `check...` of an operation before the
 * first write, then the raw commits, which must not throw.
 */
export abstract class ArenaAllocator extends BaseAllocator implements ResizableAllocator {
  /** @internal The arenas held (cache of their geometry, which no task can write). */
  protected readonly arenas = new ArenaSet();
  protected readonly arenaOrder: number;
  /** Smallest block (header included): room for the free-list links and the footer. */
  protected abstract readonly minBlock: number;
  /** Bytes of the control block (list roots, bitmaps) in the first arena. */
  protected abstract readonly controlBytes: number;
  /** Address of the control block (0 while no arena is held). */
  protected ctl = 0;
  private ctlArena: Arena | null = null;
  /** Bytes of allocated blocks (headers included), and of arena metadata. */
  private usedBytes = 0;
  private overhead = 0;
  /** Slack of the header read last by {@link readHeader}. */
  protected slack = 0;
  /** Set by {@link take}: word 0 of the free block found (validated). */
  protected takenW0 = 0;
  /** Set by {@link take}: the arena of the free block found (so place() need not look it up). */
  protected takenArena: Arena | undefined = undefined;
  /**
   * Set by {@link checkFreeExtent}: word 0 of the header after the free block it validated (so
   * place() reads only its word 1 for the header check; never kept across calls).
   */
  private extentNext = 0;
  /** Set by {@link prevFree}: the size of the free block it found (never kept across calls). */
  private prevSize = 0;

  constructor(kind: "heap" | "tlsf", options: ArenaAllocatorOptions) {
    super(kind, options);
    const order = options.arenaOrder ?? 4;
    if (!Number.isInteger(order) || order < 0 || order + this.pageOrder > 29) {
      throw new AllocError(
        "BAD_OPTION",
        `arena order must be an integer in [0, ${29 - this.pageOrder}], got ${String(order)}`,
        {
          option: "arenaOrder",
          value: order,
        },
      );
    }
    this.arenaOrder = order;
  }

  /**
   * The geometry of the arena holding `address` (its blocks, trailer, granule-state bitmap and
   * control block), or undefined: what a heap walker or a debugger reads. The layout is no
   * secret, and everything in it but the geometry itself lives in memory a task heap's task can
   * write, so no validation may rest on it being unforged.
   */
  arenaOf(address: number): Arena | undefined {
    const a = this.arenas.find(address);
    if (a === undefined) return undefined;
    // The geometry only: the record of blocks stays the allocator's.
    const { record: _, ...geometry } = a as HeldArena;
    return geometry;
  }

  // ---- free-list policy (subclasses) -------------------------------------------------------

  /** Writes an empty control block at `this.ctl`. */
  protected abstract initControl(): void;
  /**
   * Finds a free block of at least `need` bytes (0 when none), validated with
   * {@link checkFreeBlock} and as a member of its free list, with every link its removal will
   * follow validated too; leaves word 0 in {@link takenW0} and the block's arena in
   * {@link takenArena}. Reads only.
   */
  protected abstract take(need: number): number;
  /**
   * Check phase after {@link take} found `b`: `gap` bytes at `b` stay free (0: none) and a free
   * rest `r` of `rest` bytes is split off (r = 0: none). Reads only. Not called when `b` is taken
   * whole (no gap, no rest): take() validated every link its removal follows.
   */
  protected abstract checkTaken(b: number, gap: number, r: number, rest: number): void;
  /** Commit of {@link checkTaken}: `b` (`bsize`) leaves the free lists, the gap and rest enter. */
  protected abstract commitTaken(b: number, bsize: number, gap: number, r: number, rest: number): void;
  /**
   * Check phase of a free: the live block `h` (`size`) is freed and merges with the free
   * previous block `p` (`psize`, or p = 0) and the free next block `n` (`nsize`, or n = 0), all
   * three already validated by the base. Reads only.
   */
  protected abstract checkFreed(h: number, size: number, p: number, psize: number, n: number, nsize: number): void;
  /** Commit of {@link checkFreed}: list maintenance of the free (headers are the base's). */
  protected abstract freed(h: number, size: number, p: number, psize: number, n: number, nsize: number): void;
  /**
   * Check phase of a resize in place that absorbs the free block `n` (`nsize`, validated) and
   * gives back a free rest `r` of `rest` bytes (r = 0: none). Reads only.
   */
  protected abstract checkAbsorb(n: number, nsize: number, r: number, rest: number): void;
  /** Commit of {@link checkAbsorb}. */
  protected abstract absorb(n: number, nsize: number, r: number, rest: number): void;
  /** Check phase of adding the new free block `x` of `size` bytes to the lists. Reads only. */
  protected abstract checkInsert(x: number, size: number): void;
  /** Commit of {@link checkInsert}. */
  protected abstract insert(x: number, size: number): void;
  /** Check phase of removing the free block `x` (`size`, validated) from the lists. Reads only. */
  protected abstract checkRemove(x: number, size: number): void;
  /** Commit of {@link checkRemove}. */
  protected abstract remove(x: number, size: number): void;

  // ---- headers, validation and granule states ------------------------------------------------

  /** Reads and checks the header at `h`; returns word 0 (slack in `this.slack`) or throws HEAP_CORRUPTION. */
  protected readHeader(h: number): number {
    return this.checkHeader(h, this.mem.read32(h));
  }

  /**
   * {@link readHeader} of the header at `h` whose word 0, `w0`, was read earlier in the same
   * check phase (nothing written since): reads word 1 and checks it. Returns `w0`.
   */
  protected checkHeader(h: number, w0: number): number {
    const w1 = this.mem.read32(h + 4);
    const slack = w1 & 0xffff;
    if (w1 !== headerCheck(h, w0, slack)) this.fail(h, "header check failed", w1);
    this.slack = slack;
    return w0;
  }

  /** Writes the header at `h`. */
  protected writeHeader(h: number, w0: number, slack: number): void {
    this.mem.write32(h, w0);
    this.mem.write32(h + 4, headerCheck(h, w0, slack));
  }

  /**
   * Writes a free block's header and footer. One function with its three stores: the hot paths
   * call it once instead of making three memory calls that V8's inlining budget leaves out of
   * them (docs/benchmarks.md, "Allocators in the simulated core"). The check word is
   * `headerCheck` with slack 0 written out: V8's cumulative inlining budget (920 bytes of
   * bytecode per compiled function) holds the three stores only when no other call inlines.
   */
  protected writeFree(h: number, size: number, prevFree: number): void {
    const m = this.mem;
    const w0 = size | Block.FREE | prevFree;
    m.write32(h, w0);
    m.write32(h + 4, (Math.imul((w0 & ~Block.PREV_FREE) ^ h, 0x9e3779b1) >>> 18) << 16);
    m.write32(h + size - 4, h);
  }

  protected corruption(address: number, what: string, extra: Record<string, unknown> = {}): AllocError {
    return this.error("HEAP_CORRUPTION", `heap corruption (${what})`, address, extra);
  }

  /**
   * Throws HEAP_CORRUPTION at `address` (`what`; `found`: the offending value). Kept apart so
   * the hot checks stay small enough for the JS engine to inline.
   */
  protected fail(address: number, what: string, found: number): never {
    throw this.corruption(address, what, { found: found >>> 0 });
  }

  /**
   * The arena in which a block header at `x` may sit (8-aligned from the arena's base, at or
   * after its first block, room for a minimum block before the sentinel), or undefined: the
   * range check every link read from memory passes before it is followed.
   */
  protected blockArena(x: number): Arena | undefined {
    const a = this.arenas.find(x);
    if (a === undefined || x < a.first || ((x - a.base) & 7) !== 0 || x + this.minBlock > a.sentinel) return undefined;
    return a;
  }

  /**
   * Validates the free block at `x` of arena `a` whose size will be used: header check, FREE
   * and not PREV_FREE, a size that keeps it inside the arena, a footer holding `x`, and PREV_FREE
   * in the next header. Returns word 0; HEAP_CORRUPTION (at the offending word) otherwise.
   */
  protected checkFreeBlock(a: Arena, x: number): number {
    return this.checkFreeHeader(a, x, this.mem.read32(x));
  }

  /**
   * {@link checkFreeBlock} of `x` whose word 0, `w0`, was read earlier in the same check phase
   * (nothing written since): reads word 1, checks it, then {@link checkFreeExtent}. Returns `w0`.
   */
  protected checkFreeHeader(a: Arena, x: number, w0: number): number {
    const w1 = this.mem.read32(x + 4);
    if (w1 !== headerCheck(x, w0, 0)) this.fail(x, "free block header check failed", w1);
    return this.checkFreeExtent(a, x, w0);
  }

  /**
   * {@link checkFreeBlock} once the header check of `x` passed, given its word 0: flags, size
   * inside the arena, the record (a free block of that size starts at `x`: see "Record"), footer
   * and the next header's PREV_FREE. Returns `w0`.
   */
  protected checkFreeExtent(a: Arena, x: number, w0: number): number {
    const m = this.mem;
    const size = w0 & ~Block.FLAGS;
    if ((w0 & Block.FLAGS) !== Block.FREE || size < this.minBlock || x + size > a.sentinel)
      this.fail(x, "not a free block inside its arena", w0);
    if ((a as HeldArena).record[(x - a.base) >>> 3] !== size)
      this.fail(x, "not a free block of this size in the allocator's record", w0);
    const footer = m.read32(x + size - 4);
    if (footer !== x) this.fail(x + size - 4, "free block footer does not match its header", footer);
    const nw0 = m.read32(x + size);
    if ((nw0 & Block.PREV_FREE) === 0) this.fail(x + size, "header after a free block does not say PREV_FREE", nw0);
    this.extentNext = nw0;
    return w0;
  }

  /** Granule state of user address `d` in arena `a`. */
  private stateOf(a: Arena, d: number): number {
    const g = (d - a.base) >>> 3;
    const w = this.mem.read16(a.bitmap + ((g >>> 3) << 1));
    return (w >>> ((g & 7) << 1)) & 3;
  }

  private setState(a: Arena, d: number, st: number): void {
    const g = (d - a.base) >>> 3;
    const wa = a.bitmap + ((g >>> 3) << 1);
    const sh = (g & 7) << 1;
    this.mem.write16(wa, (this.mem.read16(wa) & ~(3 << sh)) | (st << sh));
  }

  /** Block size (header included) for a request of `size` bytes. */
  protected need(size: number): number {
    const n = (size + Block.HEADER + 7) & -8;
    return Math.max(n, this.minBlock);
  }

  // ---- allocate -----------------------------------------------------------------------------

  /**
   * Hands out a block of at least `size` bytes aligned on `align` (power of two up to a page,
   * default 8). `allocate(0)` is null; out of memory (or larger than the page source can give)
   * is null and counts a failure; bad size/alignment is a typed error.
   */
  allocate(size: number, align?: number): number | null {
    if (align === undefined && size > 0 && size <= 0x20000000 && (size | 0) === size) {
      const access = this.access;
      if (!access.switching) return this.place(size, 8);
      access.enter();
      try {
        return this.place(size, 8);
      } finally {
        access.leave();
      }
    }
    const al = this.checkRequest(size, align);
    if (size === 0) return null;
    if (size > 2 ** 29) {
      this.failures++;
      return null;
    }
    this.access.enter();
    try {
      return this.place(size, al);
    } finally {
      this.access.leave();
    }
  }

  private place(size: number, al: number): number | null {
    const need = this.need(size);
    const search = al > 8 ? need + al + this.minBlock : need;
    let b = this.take(search);
    if (b === 0) {
      if (!this.grow(search)) {
        this.failures++;
        return null;
      }
      b = this.take(search);
      if (b === 0) {
        this.failures++;
        return null;
      }
    }
    // take() validated b: a free block of at least `search` bytes inside its arena.
    const m = this.mem;
    const a = this.takenArena!;
    const w0 = this.takenW0;
    const bsize = w0 & ~Block.FLAGS;
    if (bsize < search) this.fail(b, "free-list block too small for its list", w0);
    let h = b;
    let hsize = bsize;
    let gap = 0;
    if (al > 8 && ((b + Block.HEADER) & (al - 1)) !== 0) {
      // Leading gap of at least one minimum block stays free where b was.
      gap = alignUp(b + Block.HEADER + this.minBlock, al) - Block.HEADER - b;
      h = b + gap;
      hsize -= gap;
    }
    const rest = hsize - need;
    const split = rest >= this.minBlock;
    const r = split ? h + need : 0;
    // Check phase: the header after b when it loses its PREV_FREE, and the list changes.
    const n = b + bsize;
    // Word 0 of n was read by take()'s checkFreeExtent (its PREV_FREE); nothing was written since.
    const nw0 = split ? 0 : this.checkHeader(n, this.extentNext);
    // A block taken whole (most allocations) has nothing more to check: take() validated every
    // link its removal follows, and a call to a hook that returns at once costs about 40 host
    // instructions.
    if (gap !== 0 || split) this.checkTaken(b, gap, r, split ? rest : 0);
    // Commit phase.
    this.commitTaken(b, bsize, gap, r, split ? rest : 0);
    if (gap !== 0) this.writeFree(b, gap, w0 & Block.PREV_FREE);
    if (split) this.writeFree(r, rest, 0);
    else m.write32(n, nw0 & ~Block.PREV_FREE);
    const mine = split ? need : hsize;
    this.writeHeader(h, mine | (gap !== 0 ? Block.PREV_FREE : w0 & Block.PREV_FREE), mine - Block.HEADER - size);
    // Granule state: -> LIVE.
    const d = h + Block.HEADER;
    const g = (d - a.base) >>> 3;
    const wa = a.bitmap + ((g >>> 3) << 1);
    const sh = (g & 7) << 1;
    m.write16(wa, (m.read16(wa) & ~(3 << sh)) | (Granule.LIVE << sh));
    // The record (see "Record"), before the observer hears of the block: b's free block is now
    // the gap (if any), the block and the rest (if any).
    const rec = (a as HeldArena).record;
    if (gap !== 0) rec[(b - a.base) >>> 3] = gap;
    rec[(h - a.base) >>> 3] = mine | RecordBit.LIVE;
    if (split) rec[(r - a.base) >>> 3] = rest;
    this.usedBytes += mine;
    this.liveBlocks++;
    this.liveBytes += size;
    this.allocations++;
    if (d + size > this.highestEnd) this.highestEnd = d + size;
    if (this.observer !== null) this.observer.blockAllocated(d, size, this.name);
    return d;
  }

  // ---- free ---------------------------------------------------------------------------------

  /** Checks that `address` is a live block of this allocator; returns its arena (throws otherwise). */
  private live(address: number): Arena {
    const a = this.arenas.find(address);
    if (a === undefined)
      throw this.error("WRONG_ALLOCATOR", "free of an address outside this allocator's arenas", address);
    if (((address - a.base) & 7) !== 0 || address < a.first + Block.HEADER)
      throw this.error("INVALID_FREE", "not the start of a block", address);
    const st = this.stateOf(a, address);
    const live = ((a as HeldArena).record[(address - Block.HEADER - a.base) >>> 3]! & RecordBit.LIVE) !== 0;
    if (st === Granule.LIVE && live) return a;
    // The granule bitmap and the record disagree: the task forged the bitmap (see "Record").
    if (st === Granule.LIVE || live) {
      const g = (address - a.base) >>> 3;
      this.fail(a.bitmap + ((g >>> 3) << 1), "granule state disagrees with the allocator's record", st);
    }
    if (st === Granule.FREED) throw this.error("DOUBLE_FREE", "block already freed", address);
    throw this.error("INVALID_FREE", "not the start of a live block", address);
  }

  /**
   * Reads and checks the header of the live block `h` of arena `a` (its size must be the
   * record's: see "Record"); returns word 0.
   */
  private liveHeader(a: Arena, h: number): number {
    const w0 = this.readHeader(h);
    const size = w0 & ~Block.FLAGS;
    if ((w0 & (Block.FREE | 4)) !== 0 || size < this.minBlock || h + size > a.sentinel)
      this.fail(h, "live block header is inconsistent", w0);
    if ((a as HeldArena).record[(h - a.base) >>> 3] !== (size | RecordBit.LIVE))
      this.fail(h, "live block header disagrees with the allocator's record", w0);
    return w0;
  }

  /**
   * Reads and checks the header `n` that follows a live block of arena `a`: its check, PREV_FREE
   * clear, and either the sentinel (never free) or a block inside the arena; a free one is
   * validated with {@link checkFreeBlock}. Returns word 0.
   */
  private nextOfLive(a: Arena, n: number): number {
    const m = this.mem;
    const nw0 = m.read32(n);
    const nw1 = m.read32(n + 4);
    if (nw1 !== headerCheck(n, nw0, nw1 & 0xffff)) this.fail(n, "header check failed", nw1);
    const nsize = nw0 & ~Block.FLAGS;
    if (
      (nw0 & (Block.PREV_FREE | 4)) !== 0 ||
      (n === a.sentinel ? (nw0 & Block.FREE) !== 0 : nsize < this.minBlock || n + nsize > a.sentinel)
    )
      this.fail(n, "next header is inconsistent", nw0);
    if ((nw0 & Block.FREE) !== 0) {
      if ((nw1 & 0xffff) !== 0) this.fail(n, "free block header with slack", nw1);
      this.checkFreeExtent(a, n, nw0);
    }
    return nw0;
  }

  /** Frees a live block, merging it with free neighbours. Typed error and no change otherwise. */
  free(address: number): void {
    const access = this.access;
    if (!access.switching) {
      this.release(address);
      return;
    }
    access.enter();
    try {
      this.release(address);
    } finally {
      access.leave();
    }
  }

  private release(address: number): void {
    const m = this.mem;
    const a = this.arenas.find(address);
    // The fast checks below fall back to live()/liveHeader(), which name the error and throw.
    if (a === undefined || ((address - a.base) & 7) !== 0 || address < a.first + Block.HEADER) this.live(address);
    const arena = a!;
    // Granule state: must be LIVE (the truth kept apart from the bytes in front of the pointer).
    const g = (address - arena.base) >>> 3;
    const wa = arena.bitmap + ((g >>> 3) << 1);
    const sh = (g & 7) << 1;
    const stateWord = m.read16(wa);
    const h = address - Block.HEADER;
    const rec = (arena as HeldArena).record;
    // ...and the record must say live too (see "Record"); live() names the error.
    if (((stateWord >>> sh) & 3) !== Granule.LIVE || (rec[(h - arena.base) >>> 3]! & RecordBit.LIVE) === 0)
      this.live(address);
    // A call of its own, with its two loads (see writeFree).
    const w0 = this.liveHeader(arena, h);
    const slack = this.slack;
    const size = w0 & ~Block.FLAGS;
    // Check phase: both neighbours and the list changes, before anything is written or published.
    const n = h + size;
    const nw0 = this.nextOfLive(arena, n);
    const nfree = (nw0 & Block.FREE) !== 0;
    const nsize = nfree ? nw0 & ~Block.FLAGS : 0;
    let p = 0;
    let psize = 0;
    if ((w0 & Block.PREV_FREE) !== 0) {
      p = this.prevFree(arena, h);
      psize = this.prevSize;
    }
    this.checkFreed(h, size, p, psize, nfree ? n : 0, nsize);
    // The block is the allocator's again before it writes anything into it; the observer hears
    // first, so one that refuses the free (a checker's stop policy) leaves the counters as well.
    if (this.observer !== null) this.observer.blockFreed(address, size - Block.HEADER - slack, this.name);
    this.usedBytes -= size;
    this.liveBlocks--;
    this.liveBytes -= size - Block.HEADER - slack;
    this.frees++;
    // Commit phase.
    this.freed(h, size, p, psize, nfree ? n : 0, nsize);
    this.writeFree(p !== 0 ? p : h, size + psize + nsize, 0);
    // h's granule: LIVE -> FREED (NONE when merged into p).
    m.write16(wa, (stateWord & ~(3 << sh)) | ((p !== 0 ? Granule.NONE : Granule.FREED) << sh));
    if (nfree) this.setState(arena, n + Block.HEADER, Granule.NONE);
    else m.write32(n, nw0 | Block.PREV_FREE);
    // The record: h, p and n are one free block.
    const base = arena.base;
    if (p !== 0) rec[(h - base) >>> 3] = 0;
    if (nfree) rec[(n - base) >>> 3] = 0;
    rec[((p !== 0 ? p : h) - base) >>> 3] = size + psize + nsize;
  }

  /**
   * The free block before the live block at `h` (whose header says PREV_FREE), found through
   * `h`'s footer and validated: inside the arena, 8-aligned, a free header ending at `h`
   * (HEAP_CORRUPTION otherwise). Sets {@link prevSize} to its size.
   */
  private prevFree(arena: Arena, h: number): number {
    const p = this.mem.read32(h - 4);
    if (p < arena.first || p + this.minBlock > h || ((p - arena.base) & 7) !== 0)
      this.fail(h - 4, "footer out of range", p);
    const pw0 = this.readHeader(p);
    const psize = pw0 & ~Block.FLAGS;
    if ((pw0 & Block.FLAGS) !== Block.FREE || this.slack !== 0 || p + psize !== h)
      this.fail(p, "previous block is not a free block ending here", pw0);
    if ((arena as HeldArena).record[(p - arena.base) >>> 3] !== psize)
      this.fail(p, "not a free block of this size in the allocator's record", pw0);
    this.prevSize = psize;
    return p;
  }

  /**
   * The check phase of {@link release} alone (reads only): the error the free of `address` would
   * raise, or nothing. Kept apart from release(), whose hot path it would lengthen.
   */
  private checkRelease(address: number): void {
    const arena = this.live(address);
    const h = address - Block.HEADER;
    const w0 = this.liveHeader(arena, h);
    const size = w0 & ~Block.FLAGS;
    const n = h + size;
    const nw0 = this.nextOfLive(arena, n);
    const nfree = (nw0 & Block.FREE) !== 0;
    let p = 0;
    let psize = 0;
    if ((w0 & Block.PREV_FREE) !== 0) {
      p = this.prevFree(arena, h);
      psize = this.prevSize;
    }
    this.checkFreed(h, size, p, psize, nfree ? n : 0, nfree ? nw0 & ~Block.FLAGS : 0);
  }

  // ---- resize -------------------------------------------------------------------------------

  /**
   * Resizes the live block at `address` to `size` bytes: in place when shrinking or when the next
   * block is free and large enough (observer: `blockResized` with equal addresses), else
   * allocate-copy-free (observer: `blockAllocated` of the new block, the copy with the caller's
   * actor tag, `blockFreed` of the old one; alignment 8). Returns the address, or null when out of
   * memory (the old block unchanged). `resize(p, 0)` frees the block and returns null.
   */
  resize(address: number, size: number): number | null {
    this.checkRequest(size, undefined);
    this.access.enter();
    try {
      const a = this.live(address);
      const h = address - Block.HEADER;
      const w0 = this.liveHeader(a, h);
      const bsize = w0 & ~Block.FLAGS;
      const oldReq = bsize - Block.HEADER - this.slack;
      if (size === 0) {
        this.release(address);
        return null;
      }
      const need = this.need(size);
      const n = h + bsize;
      const nw0 = this.nextOfLive(a, n);
      const nfree = (nw0 & Block.FREE) !== 0;
      const nsize = nfree ? nw0 & ~Block.FLAGS : 0;
      if (need <= bsize || (nfree && bsize + nsize >= need)) {
        // Absorb the next free block (if any), then give back what is not needed.
        const total = bsize + nsize;
        const rest = total - need;
        const split = rest >= this.minBlock;
        const mine = split ? need : total;
        const r = split ? h + need : 0;
        // Check phase: the header after the new extent, and the list changes.
        const end = h + total;
        // Word 0 of `end` was read by nextOfLive()'s checkFreeExtent of n; nothing was written since.
        const ew0 = nfree ? this.checkHeader(end, this.extentNext) : nw0;
        if (nfree) this.checkAbsorb(n, nsize, r, split ? rest : 0);
        else if (split) this.checkInsert(r, rest);
        // Commit phase. The observer hears of the new size first: when it refuses (a checker's
        // stop policy), nothing has changed. The commit then writes only outside the block as it
        // now is (the list changes use the links the check phase read, never the absorbed
        // block's bytes), and into the bytes a shrinking block hands back once they are the
        // allocator's again.
        if (this.observer !== null) this.observer.blockResized(address, oldReq, address, size, this.name);
        this.usedBytes += mine - bsize;
        this.liveBytes += size - oldReq;
        const last = address + size;
        if (last > this.highestEnd) this.highestEnd = last;
        if (nfree) {
          this.absorb(n, nsize, r, split ? rest : 0);
          this.setState(a, n + Block.HEADER, Granule.NONE);
        } else if (split) this.insert(r, rest);
        if (split) {
          this.writeFree(r, rest, 0);
          this.mem.write32(end, ew0 | Block.PREV_FREE);
        } else if (nfree) this.mem.write32(end, ew0 & ~Block.PREV_FREE);
        this.writeHeader(h, mine | (w0 & Block.PREV_FREE), mine - Block.HEADER - size);
        // The record: n is absorbed (r may start where n did), h is `mine` bytes, r is free.
        const rec = (a as HeldArena).record;
        if (nfree) rec[(n - a.base) >>> 3] = 0;
        rec[(h - a.base) >>> 3] = mine | RecordBit.LIVE;
        if (split) rec[(r - a.base) >>> 3] = rest;
        return address;
      }
      // Allocate-copy-free: the free of the old block is checked first, so a corrupted neighbour
      // of it fails the resize before anything is allocated or copied (the check reads only).
      this.checkRelease(address);
      const moved = this.place(size, 8);
      if (moved === null) return null;
      this.access.copyAsCaller(moved, address, Math.min(oldReq, size), this.observer ?? undefined);
      this.release(address);
      return moved;
    } finally {
      this.access.leave();
    }
  }

  // ---- queries ------------------------------------------------------------------------------

  /** Whether `address` is the start of a live block of this allocator (O(1), no error). */
  owns(address: number): boolean {
    const a = this.arenas.find(address);
    if (a === undefined || ((address - a.base) & 7) !== 0 || address < a.first + Block.HEADER) return false;
    this.access.enter();
    try {
      // Live in the granule bitmap and in the record (see "Record").
      return (
        this.stateOf(a, address) === Granule.LIVE &&
        ((a as HeldArena).record[(address - Block.HEADER - a.base) >>> 3]! & RecordBit.LIVE) !== 0
      );
    } finally {
      this.access.leave();
    }
  }

  /** Usable bytes of the live block at `address` (at least the requested size), or undefined. */
  blockSize(address: number): number | undefined {
    if (!this.owns(address)) return undefined;
    this.access.enter();
    try {
      return (this.liveHeader(this.arenas.find(address)!, address - Block.HEADER) & ~Block.FLAGS) - Block.HEADER;
    } finally {
      this.access.leave();
    }
  }

  override stats() {
    const s = super.stats();
    return {
      ...s,
      /**
       * Bytes of the free blocks in the held arenas (headers included): held bytes minus arena metadata and used
       * blocks.
       */
      freeBytes: s.heldBytes - this.overhead - this.usedBytes,
    };
  }

  /**
   * Bytes a first arena of `bytes` bytes keeps for blocks (their headers included), after its
   * trailer, its granule bitmap and this allocator's control block: 0 when those leave no room.
   * A heap of `bytes` bytes whose room is below the smallest block can never allocate.
   *
   * @example
   * ```ts
   * import { createMachine, STM32F407 } from "@rtos-sim/hw";
   * import { RegionManager } from "@rtos-sim/region";
   * import { TlsfAllocator } from "@rtos-sim/alloc";
   * const m = createMachine(STM32F407);
   * const regions = new RegionManager({ memory: m.core, regions: m.board.memory.filter((r) => r.kind === "ram") });
   * const tlsf = new TlsfAllocator({ pages: regions, memory: m.core, region: "SRAM1" });
   * console.log(tlsf.arenaRoom(1024)); // 0
   * console.log(tlsf.arenaRoom(2048)); // 328
   * // 0: TLSF's 1,636-byte control block does not fit in 1 KiB
   * ```
   */
  arenaRoom(bytes: number): number {
    const l = arenaLayout(0x1000, 0, bytes, this.controlBytes);
    return Math.max(0, l.sentinel - l.first);
  }

  // ---- arenas -------------------------------------------------------------------------------

  /** Takes an arena large enough for a block of `need` bytes; false when the page source has none. */
  private grow(need: number): boolean {
    const ctlBytes = this.ctl === 0 ? this.controlBytes : 0;
    let order = this.arenaOrder;
    for (;;) {
      const l = arenaLayout(0x1000, order, 1 << (order + this.pageOrder), ctlBytes);
      if (l.sentinel - l.first >= need) break;
      order++;
      if (order + this.pageOrder > 29) return false;
    }
    const base = this.takePages(order);
    if (base === null) return false;
    const bytes = 1 << (order + this.pageOrder);
    for (const held of this.arenas.list) {
      if (base < held.base + held.bytes && held.base < base + bytes)
        throw this.corruption(base, "page source handed out pages of an arena this allocator holds", { order });
    }
    const layout = arenaLayout(base, order, bytes, ctlBytes);
    const a: HeldArena = { ...layout, record: new Int32Array(((layout.sentinel - base) >>> 3) + 1) };
    const size = a.sentinel - a.first;
    if (a.control === 0) {
      // Check phase: the lists the first block joins (nothing is written yet; the pages go back).
      try {
        this.checkInsert(a.first, size);
      } catch (e) {
        this.givePages(base, order);
        throw e;
      }
    }
    const m = this.mem;
    m.write32(a.trailer, arenaCheck(base, order));
    const prevHead = this.arenas.list.at(-1);
    m.write32(a.trailer + 4, 0);
    if (prevHead !== undefined) m.write32(prevHead.trailer + 4, base);
    for (let x = a.bitmap; x < a.bitmap + Math.ceil(a.bytes / 64) * 2; x += 2) m.write16(x, 0);
    if (a.control !== 0) {
      this.ctl = a.control;
      this.ctlArena = a;
      this.initControl();
    }
    this.arenas.add(a);
    this.overhead += a.bytes - size;
    this.writeHeader(a.sentinel, Block.PREV_FREE, 0);
    this.writeFree(a.first, size, 0);
    a.record[(a.first - base) >>> 3] = size;
    // A fresh control block has empty lists: its check cannot fail (it positions the subclass).
    if (a.control !== 0) this.checkInsert(a.first, size);
    this.insert(a.first, size);
    return true;
  }

  /**
   * Returns every arena with no live block to the page source (the arena holding the control
   * block goes last, once every other arena is gone). Returns the number of pages. An arena
   * whose memory says it is one free block while the record holds blocks (see "Record") is
   * HEAP_CORRUPTION at its first header, and stays.
   */
  releaseEmpty(): number {
    let pages = 0;
    this.access.enter();
    try {
      for (const a of [...this.arenas.list].reverse()) {
        if (a === this.ctlArena && this.arenas.list.length > 1) continue;
        const w0 = this.readHeader(a.first);
        const size = a.sentinel - a.first;
        if ((w0 & Block.FREE) === 0 || (w0 & ~Block.FLAGS) !== size) continue;
        this.checkFreeBlock(a, a.first);
        this.checkRemove(a.first, size);
        this.remove(a.first, size);
        const i = this.arenas.list.indexOf(a);
        const prev = this.arenas.list[i - 1];
        if (prev !== undefined) this.mem.write32(prev.trailer + 4, this.mem.read32(a.trailer + 4));
        this.mem.write32(a.trailer, 0);
        this.arenas.remove(a);
        this.overhead -= a.bytes - size;
        if (a === this.ctlArena) {
          this.ctl = 0;
          this.ctlArena = null;
        }
        // Last: the allocator touches the arena only while it holds it. A page source that
        // refuses it (its own metadata corrupted) is HEAP_CORRUPTION; the pages stay with it.
        this.givePages(a.base, a.order);
        pages += 2 ** a.order;
      }
    } finally {
      this.access.leave();
    }
    return pages;
  }
}
