import { AllocError } from "./errors.js";
import { slabGeometry, slabOrderFor } from "./slab-cache.js";
import { SlabFamily, type SlabFamilyOptions } from "./slab-family.js";

/** Options of {@link SlabAllocator}. */
export interface SlabOptions extends SlabFamilyOptions {
  /** The one block size, in bytes (a multiple of 8, at least 8). */
  readonly blockSize: number;
  /**
   * Slab size is 2^slabOrder pages: an integer from 0 with slabs under 1 GiB (order + the page
   * order at most 29), else `BAD_OPTION`. Default: the smallest order holding 32 blocks.
   */
  readonly slabOrder?: number | undefined;
}

/**
 * Slab allocator: blocks of one fixed size cut from slabs of 2^k pages. Each slab starts with a
 * header in simulated memory (check word, a summary halfword, a live-block bitmap), and the free
 * blocks hold the free list; allocate and free are O(1). Empty slabs go back to the page source
 * (one is kept, see `retainEmpty`). Blocks are naturally aligned on the largest power of two
 * dividing the block size (at most 64).
 *
 * Results: `allocate(0)` is null; a size above the block size is `BAD_SIZE`; an alignment above
 * the natural one is `BAD_ALIGNMENT`; out of pages is null. Observer and stats count whole
 * blocks (`liveBytes` = live blocks x block size).
 *
 * @example
 * ```ts
 * import { createMachine, STM32F407 } from "@rtos-sim/hw";
 * import { RegionManager } from "@rtos-sim/region";
 * import { SlabAllocator } from "@rtos-sim/alloc";
 * const m = createMachine(STM32F407);
 * const regions = new RegionManager({ memory: m.core, regions: m.board.memory.filter((r) => r.kind === "ram") });
 * const slab = new SlabAllocator({ pages: regions, memory: m.core, blockSize: 32 });
 * const p = slab.allocate(24)!; // a 32-byte block
 * slab.free(p);
 * ```
 */
export class SlabAllocator extends SlabFamily {
  /** Always `"slab"`. */
  readonly kind = "slab" as const;
  /** The block size. */
  readonly size: number;

  constructor(options: SlabOptions) {
    super("slab", options);
    const bs = options.blockSize;
    if (!Number.isInteger(bs) || bs < 8 || bs % 8 !== 0 || bs > this.pageSize * 64) {
      throw new AllocError("BAD_OPTION", `slab block size must be a multiple of 8 in [8, 64 pages], got ${bs}`, {
        option: "blockSize",
        value: bs,
      });
    }
    const order = options.slabOrder ?? slabOrderFor(bs, this.pageOrder, 32);
    // The same bound as arenas and stack chunks: 2^(order + pageOrder) must stay a 32-bit shift
    // (above it the slab size wrapped, and every allocation asked the page source for an order
    // it can never hold: null forever).
    if (!Number.isInteger(order) || order < 0 || order + this.pageOrder > 29) {
      throw new AllocError(
        "BAD_OPTION",
        `slab order must be an integer in [0, ${29 - this.pageOrder}], got ${String(order)}`,
        { option: "slabOrder", value: order },
      );
    }
    const g = slabGeometry(bs, order, this.pageOrder);
    if (g.blocks < 1) {
      throw new AllocError("BAD_OPTION", `slab order ${order} cannot hold a ${bs}-byte block`, {
        option: "slabOrder",
        value: order,
      });
    }
    this.size = bs;
    this.setCaches([g]);
  }

  /** Hands out one block (see the class comment for size and alignment results). */
  allocate(size: number, align?: number): number | null {
    const a = this.checkRequest(size, align);
    if (size > this.size) {
      throw new AllocError("BAD_SIZE", `${this.name}: ${size} bytes exceed the ${this.size}-byte blocks`, {
        allocator: this.name,
        size,
        max: this.size,
      });
    }
    const natural = this.caches.geometry[0]!.align;
    if (a > natural) {
      throw new AllocError("BAD_ALIGNMENT", `${this.name}: blocks are aligned on ${natural}, not ${a}`, {
        allocator: this.name,
        align: a,
        max: natural,
      });
    }
    if (size === 0) return null;
    const access = this.access;
    if (!access.switching) return this.allocFrom(0);
    access.enter();
    try {
      return this.allocFrom(0);
    } finally {
      access.leave();
    }
  }
}
