import { type AllocatorOptions, BaseAllocator } from "./base.js";
import { alignUp } from "./block.js";
import { AllocError } from "./errors.js";

/** "No block / no chunk" link (1: never a block header or chunk base; 0 is a valid address). */
const NIL = 1;
/** Chunk header: check word, previous chunk, order, top (next free byte). */
const CHUNK_HEADER = 16;
/** Block header: requested size, previous block's header (NIL for the first). */
const BLOCK_HEADER = 8;

function chunkCheck(base: number, order: number): number {
  return (base ^ 0x57ac0000 ^ (order << 20)) & 0x3fffffff;
}

/** Options of {@link StackAllocator}. */
export interface StackOptions extends AllocatorOptions {
  /** Chunks are 2^chunkOrder pages (default 2: 4 KiB with 1 KiB pages); larger requests get larger chunks. */
  readonly chunkOrder?: number | undefined;
}

/**
 * A chunk of pages the stack holds (cache of the chunk headers in memory), or held and gave back.
 * `used` and `liveEnd` are the stack's own history (JS, from its own top, never read from memory):
 * `[liveEnd, used)` is memory the stack handed out and has freed since.
 */
interface Chunk {
  readonly base: number;
  readonly order: number;
  readonly end: number;
  /** The highest top the chunk reached since it was taken. */
  used: number;
  /** The top the chunk had when the stack moved on to a chunk above it (its live blocks end there). */
  liveEnd: number;
  /**
   * The header of the chunk's first block (0 until it is pushed, in the call that took the
   * chunk): the one block whose link leaves the chunk (NIL in the bottom chunk).
   */
  first: number;
}

/**
 * Stack allocator: arbitrary sizes by bump allocation in chunks of 2^k pages, mass
 * free back to a saved position ({@link mark} / {@link release}: a get-position /
 * free(position)). Every block has an 8-byte header in simulated memory (requested size, link to
 * the previous block) and every chunk a 16-byte header (check word, previous chunk, order, top),
 * so the stack can be walked in memory. Grows by taking another chunk when the current one is
 * full; chunks left empty by a release go back to the page source at once.
 *
 * Results: `allocate(0)` is null; out of pages is null; `free(p)` pops p only when it is the top
 * block (`STACK_ORDER` for another live block; `DOUBLE_FREE` for memory the stack handed out and
 * freed since, in a chunk it holds or one it gave back and has not taken again: a double free or
 * a stale pointer, the stack keeps no per-block record; `INVALID_FREE` elsewhere in its chunks;
 * `WRONG_ALLOCATOR` outside them); `release(m)` with a mark that is not a position of the current
 * stack is `BAD_MARK`. `owns` walks the stack (O(live blocks)).
 *
 * **Where the state lives.** In simulated memory (a task can write it on a task heap): the chunk
 * and block headers. In JS (no task can write it): the chunk list (geometry from the page
 * source), the top block and the top, kept as a kernel keeps globals, and the stack's own history
 * (how high each chunk's top went, each chunk's first block, the chunks it gave back) that names a
 * double free. A block's link to the previous block is followed only when it names a header in
 * the same chunk whose block ends at or before it; only a chunk's first block links out of it, to
 * the top block of the chunk below (or NIL in the bottom chunk); and the top block's size must
 * reach the top: the walk is strictly ordered (a forged cycle cannot loop), every position
 * derived from memory stays in a chunk, and a forged link cannot end a chunk early (its pages
 * given back under live blocks); a violation is `HEAP_CORRUPTION`, found before a release pops anything. A page source
 * that refuses a chunk back (its metadata corrupted) is `HEAP_CORRUPTION` too; the blocks popped
 * until then stay popped.
 *
 * @example
 * ```ts
 * import { createMachine, STM32F407 } from "@rtos-sim/hw";
 * import { RegionManager } from "@rtos-sim/region";
 * import { StackAllocator } from "@rtos-sim/alloc";
 * const m = createMachine(STM32F407);
 * const regions = new RegionManager({ memory: m.core, regions: m.board.memory.filter((r) => r.kind === "ram") });
 * const stack = new StackAllocator({ pages: regions, memory: m.core });
 * const mark = stack.mark();
 * stack.allocate(100);
 * stack.allocate(30);
 * stack.release(mark); // both blocks freed at once
 * ```
 */
export class StackAllocator extends BaseAllocator {
  /** Always `"stack"`. */
  readonly kind = "stack" as const;
  private readonly chunkOrder: number;
  private readonly chunks: Chunk[] = [];
  /**
   * Chunks given back to the page source and not taken again (pairwise disjoint: a chunk taken
   * again drops every record it overlaps), to name a free into one a double free.
   */
  private readonly givenBack: Chunk[] = [];
  /** Roots (like kernel globals): header of the top block, next free byte of the current chunk. */
  private last = NIL;
  private top = 0;

  constructor(options: StackOptions) {
    super("stack", options);
    const order = options.chunkOrder ?? 2;
    if (!Number.isInteger(order) || order < 0 || order + this.pageOrder > 29) {
      throw new AllocError(
        "BAD_OPTION",
        `chunk order must be an integer in [0, ${29 - this.pageOrder}], got ${String(order)}`,
        { option: "chunkOrder", value: order },
      );
    }
    this.chunkOrder = order;
  }

  /** Pushes a block of `size` bytes aligned on `align` (default 8). */
  allocate(size: number, align?: number): number | null {
    const al = this.checkRequest(size, align);
    if (size === 0) return null;
    if (size > 2 ** 29) {
      this.failures++;
      return null;
    }
    this.access.enter();
    try {
      let c = this.chunks.at(-1);
      let data = c === undefined ? 0 : alignUp(this.top + BLOCK_HEADER, al);
      if (c === undefined || data + size > c.end) {
        const grown = this.grow(size, al);
        if (grown === null) {
          this.failures++;
          return null;
        }
        c = grown;
        data = alignUp(this.top + BLOCK_HEADER, al);
      }
      const h = data - BLOCK_HEADER;
      if (c.first === 0) c.first = h;
      const m = this.mem;
      m.write32(h, size);
      m.write32(h + 4, this.last);
      this.last = h;
      this.freeBytesCount -= data + size - this.top;
      this.top = data + size;
      if (this.top > c.used) c.used = this.top;
      m.write32(c.base + 12, this.top);
      this.noteAllocated(data, size);
      return data;
    } finally {
      this.access.leave();
    }
  }

  private grow(size: number, al: number): Chunk | null {
    let order = this.chunkOrder;
    while (CHUNK_HEADER + BLOCK_HEADER + al + size > 2 ** (order + this.pageOrder)) order++;
    if (order + this.pageOrder > 29) return null;
    const base = this.takePages(order);
    if (base === null) return null;
    const c: Chunk = { base, order, end: base + 2 ** (order + this.pageOrder), used: 0, liveEnd: 0, first: 0 };
    if (this.chunks.some((h) => base < h.end && h.base < c.end))
      throw this.error("HEAP_CORRUPTION", "page source handed out pages of a chunk this stack holds", base, { order });
    c.used = c.liveEnd = base + CHUNK_HEADER;
    const given = this.givenBack;
    for (let i = given.length - 1; i >= 0; i--) if (base < given[i]!.end && given[i]!.base < c.end) given.splice(i, 1);
    const m = this.mem;
    const prev = this.chunks.at(-1);
    if (prev !== undefined) prev.liveEnd = this.top;
    m.write32(base, chunkCheck(base, order));
    m.write32(base + 4, prev === undefined ? NIL : prev.base);
    m.write32(base + 8, order);
    m.write32(base + 12, base + CHUNK_HEADER);
    this.chunks.push(c);
    this.freeBytesCount = c.end - base - CHUNK_HEADER;
    this.top = base + CHUNK_HEADER;
    return c;
  }

  /** The current position, to pass to {@link release} later. */
  mark(): number {
    return this.last;
  }

  /**
   * Frees every block pushed after `mark` (observer: one `blockFreed` per block, newest first)
   * and returns emptied chunks to the page source. `BAD_MARK` (no change) when `mark` is not a
   * position of the current stack.
   */
  release(mark: number): void {
    this.access.enter();
    try {
      // Validate first: the mark must be on the chain from the top, every link and size on the
      // way checked (the pops below then cannot fail).
      let h = this.last;
      // An empty stack has no top block to check (its header would be NIL, not memory).
      if (h !== mark && h !== NIL) this.checkTop();
      while (h !== mark) {
        if (h === NIL) throw this.error("BAD_MARK", "release to a mark that is not on the stack", mark);
        h = this.prevOf(h);
      }
      while (this.last !== mark) this.pop();
    } finally {
      this.access.leave();
    }
  }

  /**
   * Reads and checks the previous-block link of block header `h` (a header of the stack, in
   * chunk `i` of the chunk list). The chunk's first block (the stack knows which) links to NIL
   * in the bottom chunk, else to the chunk below's top block, whose block ends where that chunk's
   * live blocks end; every other block links to an 8-aligned header in its own chunk whose block
   * ends at or before `h`. The stack's blocks are then strictly ordered, so a forged link can
   * neither leave the chunks, make a walk loop, nor end a chunk's blocks early (which would give
   * its pages back under live blocks).
   */
  private prevOf(h: number): number {
    const m = this.mem;
    const p = m.read32(h + 4);
    const i = this.chunkIndex(h);
    const first = h === this.chunks[i]!.first;
    if (first && i === 0) {
      if (p !== NIL) throw this.error("HEAP_CORRUPTION", "stack block link out of range", h + 4, { link: p });
      return p;
    }
    const j = p !== NIL && (p & 7) === 0 ? this.chunkIndex(p) : -1;
    const c = this.chunks[j];
    if (c === undefined || j !== (first ? i - 1 : i) || p < c.base + CHUNK_HEADER || p + BLOCK_HEADER > c.end)
      throw this.error("HEAP_CORRUPTION", "stack block link out of range", h + 4, { link: p });
    const end = p + BLOCK_HEADER + m.read32(p);
    if (first && end !== c.liveEnd)
      throw this.error("HEAP_CORRUPTION", "stack block size does not reach its chunk's top", p, { end });
    if (end > h) throw this.error("HEAP_CORRUPTION", "stack block size runs past the next block", p, { end });
    return p;
  }

  /** Checks the top block's size against the stack's top (before it is popped). */
  private checkTop(): void {
    const h = this.last;
    const size = this.mem.read32(h);
    if (h + BLOCK_HEADER + size !== this.top)
      throw this.error("HEAP_CORRUPTION", "stack top block size does not reach the top", h, { size });
  }

  private chunkIndex(address: number): number {
    return this.chunks.findIndex((c) => address >= c.base && address < c.end);
  }

  private chunkOf(address: number): Chunk | undefined {
    return this.chunks[this.chunkIndex(address)];
  }

  /** Frees the top block (and its chunk when it was the chunk's first block); its links were checked. */
  private pop(): void {
    const h = this.last;
    const m = this.mem;
    const size = m.read32(h);
    const prev = m.read32(h + 4);
    this.last = prev;
    this.noteFreed(h + BLOCK_HEADER, size);
    const c = this.chunks.at(-1)!;
    if (prev === NIL || prev < c.base || prev >= c.end) {
      // The chunk is empty now: give it back, continue in the previous one.
      this.chunks.pop();
      m.write32(c.base, 0);
      this.givePages(c.base, c.order);
      this.givenBack.push(c);
      const below = this.chunks.at(-1);
      if (below === undefined) {
        this.top = 0;
        this.freeBytesCount = 0;
        return;
      }
      this.top = prev === NIL ? below.base + CHUNK_HEADER : prev + BLOCK_HEADER + m.read32(prev);
      m.write32(below.base + 12, this.top);
      this.freeBytesCount = below.end - this.top;
      return;
    }
    const newTop = prev + BLOCK_HEADER + m.read32(prev);
    this.freeBytesCount += this.top - newTop;
    this.top = newTop;
    m.write32(c.base + 12, newTop);
  }

  /** Pops `address` when it is the top block; typed error otherwise (no change). */
  free(address: number): void {
    if (this.last !== NIL && address === this.last + BLOCK_HEADER) {
      this.access.enter();
      try {
        this.checkTop();
        this.prevOf(this.last);
        this.pop();
      } finally {
        this.access.leave();
      }
      return;
    }
    if (this.owns(address))
      throw this.error("STACK_ORDER", "free of a block that is not the top of the stack", address);
    const c = this.chunkOf(address);
    if (c !== undefined) {
      const liveEnd = c === this.chunks.at(-1) ? this.top : c.liveEnd;
      if (address - BLOCK_HEADER >= liveEnd && address < c.used)
        throw this.error("DOUBLE_FREE", "free of stack memory already freed (popped, not pushed again)", address);
      throw this.error("INVALID_FREE", "not a live block of the stack", address);
    }
    const g = this.givenBack.find((r) => address >= r.base && address < r.end);
    if (g !== undefined && address - BLOCK_HEADER >= g.base + CHUNK_HEADER && address < g.used)
      throw this.error(
        "DOUBLE_FREE",
        "free of stack memory already freed, in a chunk given back to the page source",
        address,
        {
          chunk: g.base,
        },
      );
    throw this.error("WRONG_ALLOCATOR", "free of an address outside this stack's chunks", address);
  }

  /** Whether `address` is a live block (walks the stack from the top). */
  owns(address: number): boolean {
    this.access.enter();
    try {
      for (let h = this.last; h !== NIL; h = this.prevOf(h)) if (h + BLOCK_HEADER === address) return true;
      return false;
    } finally {
      this.access.leave();
    }
  }

  /** Requested size of the live block at `address`, or undefined. */
  blockSize(address: number): number | undefined {
    if (!this.owns(address)) return undefined;
    this.access.enter();
    try {
      return this.mem.read32(address - BLOCK_HEADER);
    } finally {
      this.access.leave();
    }
  }

  /** Chunks go back as soon as a release empties them: nothing is left to release (returns 0). */
  releaseEmpty(): number {
    return 0;
  }
}
