import type { Arena } from "./arena.js";
import { ArenaAllocator, type ArenaAllocatorOptions } from "./arena-allocator.js";
import { Block } from "./block.js";

/** Smallest block: header, link, footer. */
const MIN_BLOCK = 16;

/**
 * Heap (FreeRTOS heap_4 style): a header in front of every block, an address-ordered
 * singly linked free list (root in the control block of the first arena, the link at +8 of each
 * free block), first fit, split when the rest can hold a minimum block (16 bytes), merge with
 * both neighbours on free, resize in place when the next block is free and large enough, else
 * allocate-copy-free.
 *
 * **Where the state lives.** All of it in simulated memory, the lists not cached in JS: the
 * free-list root, the links, the checked 8-byte headers and footers of {@link ArenaAllocator}. The
 * first-fit search walks the list in memory, as heap_4 does (O(free blocks)); so does a free
 * whose block has no free neighbour before it (to find its place in address order). On a task
 * heap all of it is memory the task can write, so every walk validates each link before it
 * follows it: inside an arena, 8-aligned, above the end of the block it comes from (strictly
 * increasing addresses: a forged cycle cannot make a walk loop), at a header that says free
 * with a size inside the arena. The block taken, merged or split also passes the header check,
 * footer and PREV_FREE checks, and its successor link the same range checks, before the first
 * write; a violation is `HEAP_CORRUPTION` with the address of the offending word, and nothing
 * changes.
 *
 * Free and resize do not trust the bytes in front of the pointer: the granule-state bitmap in
 * the arena's trailer and the allocator's record of its blocks (kept in JS, where no task can
 * write it) must both say it is a live block (O(1)), and a block the list offers must be a free
 * block of that record, so forged metadata never gets a live block handed out twice nor a block
 * never handed out freed; see {@link ArenaAllocator}.
 *
 * @example
 * ```ts
 * import { createMachine, STM32F407 } from "@rtos-sim/hw";
 * import { RegionManager } from "@rtos-sim/region";
 * import { HeapAllocator } from "@rtos-sim/alloc";
 * const m = createMachine(STM32F407);
 * const regions = new RegionManager({ memory: m.core, regions: m.board.memory.filter((r) => r.kind === "ram") });
 * const heap = new HeapAllocator({ pages: regions, memory: m.core });
 * const p = heap.allocate(40)!;
 * heap.free(p);
 * ```
 */
export class HeapAllocator extends ArenaAllocator {
  /** Always `"heap"`. */
  readonly kind = "heap" as const;
  protected readonly minBlock = MIN_BLOCK;
  protected readonly controlBytes = 8;
  /**
   * Set by the check phase for the commit that follows (positions in the list in memory, never
   * kept across calls): the link word that points at the position found (the root or a free
   * block's link) and the validated free block after the blocks being replaced (0: none).
   */
  private cur = 0;
  private after = 0;
  /** Set by {@link walk}: word 0 of the block it found (for the header check that follows). */
  private walkW0 = 0;

  constructor(options: ArenaAllocatorOptions) {
    super("heap", options);
  }

  protected initControl(): void {
    this.mem.write32(this.ctl, 0);
  }

  // ---- check phase (reads only) -------------------------------------------------------------

  /**
   * Validates the link `y` read from the word at `from`, which must point above `floor`: 0 (the
   * end of the list) or a block header inside an arena whose word 0 says free with a size inside
   * that arena.
   */
  private follow(y: number, from: number, floor: number): void {
    if (y === 0) return;
    const a = this.reach(y, from, floor);
    const w0 = this.mem.read32(y);
    const size = w0 & ~Block.FLAGS;
    if ((w0 & Block.FLAGS) !== Block.FREE || size < MIN_BLOCK || y + size > a.sentinel)
      this.fail(from, "free-list link to a block that is not free", y);
  }

  /**
   * Walks the list to the first link at or above `x`: sets `cur` to the link word that holds it
   * and returns it (0: the end; the caller validates it). Every link passed is checked to lie
   * inside an arena and above the one before (so the walk ends, and reads only arena words).
   */
  private seek(x: number): number {
    const m = this.mem;
    let link = this.ctl;
    let floor = 0;
    let lo = 0;
    let hi = 0;
    for (;;) {
      const y = m.read32(link);
      if (y === 0 || y >= x) {
        this.cur = link;
        return y;
      }
      if (y <= floor || y + MIN_BLOCK > hi || ((y - lo) & 7) !== 0) {
        const a = this.reach(y, link, floor);
        lo = a.first;
        hi = a.sentinel;
      }
      floor = y;
      link = y + 8;
    }
  }

  /** Positions `cur` at the link that points at the free block `x`; HEAP_CORRUPTION when no link does. */
  private locate(x: number): void {
    const y = this.seek(x);
    if (y !== x) this.fail(this.cur, "free block missing from the free list", y);
  }

  /** Positions `cur` and `after` where a new free block [x, x + size) goes, validating both neighbours. */
  private gapAt(x: number, size: number): void {
    const y = this.seek(x);
    this.follow(y, this.cur, x + size - 1);
    this.after = y;
    const cur = this.cur;
    if (cur === this.ctl) return;
    const prev = cur - 8;
    const w0 = this.mem.read32(prev);
    if ((w0 & Block.FLAGS) !== Block.FREE || prev + (w0 & ~Block.FLAGS) > x)
      this.fail(prev, "free block before a new free block is not free or overlaps it", w0);
  }

  /** Validates the link of the free block `x` (`size`, validated) and keeps it in `after`. */
  private successor(x: number, size: number): void {
    const next = this.mem.read32(x + 8);
    this.follow(next, x + 8, x + size - 1);
    this.after = next;
  }

  protected take(need: number): number {
    if (this.ctl === 0) return 0;
    const y = this.walk(need);
    return y === 0 ? 0 : this.taken(y, this.cur);
  }

  /**
   * The first-fit walk: the first block of at least `need` bytes (0: none), with `cur` set to
   * the link word that points at it. Only the loop, so the engine can inline its memory reads.
   */
  private walk(need: number): number {
    const m = this.mem;
    let link = this.ctl;
    let y = m.read32(link);
    let floor = 0;
    // Bounds of the arena of the block looked at: links usually stay in it (address order).
    let lo = 0;
    let hi = 0;
    while (y !== 0) {
      // y > floor >= lo once in an arena: only the end and the alignment need a test.
      if (y <= floor || y + MIN_BLOCK > hi || ((y - lo) & 7) !== 0) {
        const a = this.reach(y, link, floor);
        lo = a.first;
        hi = a.sentinel;
      }
      const w0 = m.read32(y);
      const size = w0 & -8;
      if ((w0 & 7) !== Block.FREE || size < MIN_BLOCK || y + size > hi)
        this.fail(link, "free-list link to a block that is not free", y);
      if (size >= need) {
        this.walkW0 = w0;
        break;
      }
      floor = y + size - 1;
      link = y + 8;
      y = m.read32(link);
    }
    this.cur = link;
    return y;
  }

  /** The arena of `y`, a link read from `link` that left the current arena (HEAP_CORRUPTION when it lies in none, or not above `floor`). */
  private reach(y: number, link: number, floor: number): Arena {
    const a = y > floor ? this.blockArena(y) : undefined;
    if (a === undefined) this.fail(link, "free-list link out of address order or outside the arenas", y);
    return a;
  }

  /** The walk found `y` through the link word at `link`: validates it and its successor. */
  private taken(y: number, link: number): number {
    const a = this.arenas.find(y)!;
    // walk() read word 0 of y (and nothing was written since): the header check reads word 1.
    const w0 = this.checkFreeHeader(a, y, this.walkW0);
    this.takenW0 = w0;
    this.takenArena = a;
    this.cur = link;
    this.successor(y, w0 & -8);
    return y;
  }

  protected checkTaken(_b: number, _gap: number, _r: number, _rest: number): void {
    // take() located the block and validated its successor: the pieces stay in its place.
  }

  protected checkFreed(h: number, size: number, p: number, _psize: number, n: number, nsize: number): void {
    if (p !== 0) {
      // The merged block stays where p is, in p's place in the list.
      const link = this.mem.read32(p + 8);
      if (n === 0) this.follow(link, p + 8, h + size - 1);
      else if (link !== n) this.fail(p + 8, "free block missing from the free list", link);
      else this.successor(n, nsize);
      return;
    }
    if (n === 0) this.gapAt(h, size);
    else {
      this.locate(n);
      this.successor(n, nsize);
    }
  }

  protected checkAbsorb(n: number, nsize: number, _r: number, _rest: number): void {
    this.locate(n);
    this.successor(n, nsize);
  }

  protected checkInsert(x: number, size: number): void {
    this.gapAt(x, size);
  }

  protected checkRemove(x: number, size: number): void {
    this.locate(x);
    this.successor(x, size);
  }

  // ---- commit phase (writes only where the check phase validated) ---------------------------

  protected commitTaken(b: number, _bsize: number, gap: number, r: number, _rest: number): void {
    const m = this.mem;
    if (r !== 0) {
      m.write32(r + 8, this.after);
      m.write32(gap !== 0 ? b + 8 : this.cur, r);
    } else if (gap === 0) m.write32(this.cur, this.after);
  }

  protected freed(h: number, _size: number, p: number, _psize: number, n: number, _nsize: number): void {
    const m = this.mem;
    if (p !== 0) {
      if (n !== 0) m.write32(p + 8, this.after);
      return;
    }
    m.write32(h + 8, this.after);
    m.write32(this.cur, h);
  }

  protected absorb(_n: number, _nsize: number, r: number, _rest: number): void {
    if (r !== 0) {
      this.mem.write32(r + 8, this.after);
      this.mem.write32(this.cur, r);
    } else this.mem.write32(this.cur, this.after);
  }

  protected insert(x: number, _size: number): void {
    this.mem.write32(x + 8, this.after);
    this.mem.write32(this.cur, x);
  }

  protected remove(_x: number, _size: number): void {
    this.mem.write32(this.cur, this.after);
  }
}
