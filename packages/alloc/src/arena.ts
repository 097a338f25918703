import { hex } from "./errors.js";

/**
 * An arena of the heap and TLSF allocators: 2^order pages taken from the page source, laid out as
 * `[blocks ... | sentinel header | trailer: check word, next arena, granule-state bitmap, control]`.
 * The JS `Arena` record is a cache of geometry; the arena list itself is linked through the
 * trailers in simulated memory.
 */
export interface Arena {
  /** Address of its first page. */
  readonly base: number;
  /** Size is 2^order pages. */
  readonly order: number;
  /** Its size in bytes: 2^order pages. */
  readonly bytes: number;
  /** Header address of the first block (base, or base + 8 when base is 0: 0 means "none"). */
  readonly first: number;
  /** Header address of the sentinel (size 0, never free) that ends the blocks. */
  readonly sentinel: number;
  /** Address of the trailer (check word, next arena link). */
  readonly trailer: number;
  /** Address of the granule-state bitmap (2 bits per 8 bytes, in halfwords). */
  readonly bitmap: number;
  /** Address of the allocator's control block in this arena, or 0. */
  readonly control: number;
}

/**
 * An arena the allocator holds: its geometry and its record of blocks, kept in JS where no task
 * can write it (see `ArenaAllocator`'s "Record"): `record[(h - base) >>> 3]` is, for a block
 * whose header is at `h`, its size (header included) | 1 when it is live (handed out), its size
 * when it is free, and 0 where no block starts.
 */
export interface HeldArena extends Arena {
  /** The record of blocks, one entry per 8-byte granule of the arena, up to its sentinel. */
  readonly record: Int32Array;
}

/**
 * The record entry's live bit: an entry is the block's size | `LIVE` when it is live, its size
 * when it is free. A `const enum`, so the build writes its value at every use (see `Block` in
 * block.ts).
 */
export const enum RecordBit {
  /** Set in the record entry of a live block (a free block's entry is its size). */
  LIVE = 1,
}

/** Trailer check word of the arena at `base`. */
export function arenaCheck(base: number, order: number): number {
  return (base ^ 0x2a4e0000 ^ (order << 24)) & 0x3fffffff;
}

/**
 * Lays out an arena of `bytes` at `base` with `controlBytes` of control block (0 when the control
 * lives elsewhere).
 */
export function arenaLayout(base: number, order: number, bytes: number, controlBytes: number): Arena {
  const bitmapBytes = Math.ceil(bytes / 64) * 2;
  const metaBytes = (8 + bitmapBytes + controlBytes + 7) & -8;
  const trailer = base + bytes - metaBytes;
  return {
    base,
    order,
    bytes,
    first: base === 0 ? 8 : base,
    sentinel: trailer - 8,
    trailer,
    bitmap: trailer + 8,
    control: controlBytes > 0 ? trailer + 8 + bitmapBytes : 0,
  };
}

/** The arenas an allocator holds (a cache of the in-memory list), with a last-hit lookup. */
export class ArenaSet {
  readonly list: Arena[] = [];
  private last: Arena | null = null;

  /** The arena whose blocks contain `address`, or undefined. */
  find(address: number): Arena | undefined {
    const l = this.last;
    if (l !== null && address >= l.base && address < l.sentinel) return l;
    return this.scan(address);
  }

  /** {@link find} past the last hit (kept apart so the engine can inline the common case). */
  private scan(address: number): Arena | undefined {
    for (const a of this.list) {
      if (address >= a.base && address < a.sentinel) {
        this.last = a;
        return a;
      }
    }
    return undefined;
  }

  add(a: Arena): void {
    this.list.push(a);
  }

  remove(a: Arena): void {
    this.list.splice(this.list.indexOf(a), 1);
    if (this.last === a) this.last = null;
  }

  /** Human description, for errors. */
  describe(): string {
    return this.list.map((a) => `${hex(a.base)}+${a.bytes}`).join(", ");
  }
}
