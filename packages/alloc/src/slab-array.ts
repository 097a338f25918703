import { AllocError } from "./errors.js";
import { slabGeometry, slabOrderFor } from "./slab-cache.js";
import { SlabFamily, type SlabFamilyOptions } from "./slab-family.js";

/** Most size classes a slab array takes. */
const MAX_CLASSES = 255;

/** BAD_OPTION for a class-list parameter (`option` names it). */
function badClassParameter(fn: string, option: string, why: string, value: number): AllocError {
  return new AllocError("BAD_OPTION", `${fn}: ${option} ${why}, got ${String(value)}`, { option, value });
}

/**
 * Size classes every `step` bytes up to `max` (e.g. step 16, max 64: 16, 32, 48, 64). `step` a
 * positive integer, `max` a non-negative integer giving at most 255 classes (`BAD_OPTION`).
 */
export function stepClasses(step: number, max: number): number[] {
  if (!Number.isSafeInteger(step) || step < 1)
    throw badClassParameter("stepClasses", "step", "must be a positive integer", step);
  if (!Number.isSafeInteger(max) || max < 0 || Math.floor(max / step) > MAX_CLASSES) {
    throw badClassParameter(
      "stepClasses",
      "max",
      `must be a non-negative integer giving at most ${MAX_CLASSES} classes`,
      max,
    );
  }
  const out: number[] = [];
  for (let s = step; s <= max; s += step) out.push(s);
  return out;
}

/**
 * Power-of-two size classes from `min` to `max` (e.g. 8, 16, ..., 512). `min` a positive integer,
 * `max` a non-negative integer (`BAD_OPTION`).
 */
export function powerOfTwoClasses(min: number, max: number): number[] {
  if (!Number.isSafeInteger(min) || min < 1) {
    throw badClassParameter("powerOfTwoClasses", "min", "must be a positive integer", min);
  }
  if (!Number.isSafeInteger(max) || max < 0) {
    throw badClassParameter("powerOfTwoClasses", "max", "must be a non-negative integer", max);
  }
  const out: number[] = [];
  for (let s = min; s <= max; s *= 2) out.push(s);
  return out;
}

/** Options of {@link SlabArrayAllocator}. */
export interface SlabArrayOptions extends SlabFamilyOptions {
  /**
   * Block sizes, ascending multiples of 8 (default `stepClasses(16, 512)`; see also
   * {@link powerOfTwoClasses}).
   */
  readonly classes?: readonly number[] | undefined;
  /**
   * Each class's slabs hold at least this many blocks: a positive integer, default 32. A slab
   * tracks at most 256 blocks, so a larger value gives every class 256-block slabs (or the most
   * its largest slab holds).
   */
  readonly minBlocksPerSlab?: number | undefined;
}

/**
 * Slab array: one slab cache per size class; a request goes to the smallest class that fits
 * (and is aligned enough). Same slab layout and O(1) operations as {@link SlabAllocator}.
 *
 * Results: `allocate(0)` is null; a size above the largest class is `BAD_SIZE`; an alignment no
 * class at or above the size provides is `BAD_ALIGNMENT`; out of pages is null. Observer and
 * stats count whole class-size blocks.
 *
 * @example
 * ```ts
 * import { createMachine, STM32F407 } from "@rtos-sim/hw";
 * import { RegionManager } from "@rtos-sim/region";
 * import { powerOfTwoClasses, SlabArrayAllocator } from "@rtos-sim/alloc";
 * const m = createMachine(STM32F407);
 * const regions = new RegionManager({ memory: m.core, regions: m.board.memory.filter((r) => r.kind === "ram") });
 * const kmalloc = new SlabArrayAllocator({ pages: regions, memory: m.core, classes: powerOfTwoClasses(8, 256) });
 * const p = kmalloc.allocate(20)!; // from the 32-byte class
 * ```
 */
export class SlabArrayAllocator extends SlabFamily {
  /** Always `"slab-array"`. */
  readonly kind = "slab-array" as const;
  /** The block sizes, ascending. */
  readonly classes: readonly number[];
  private readonly lookup: Uint8Array;
  private readonly max: number;

  constructor(options: SlabArrayOptions) {
    super("slab-array", options);
    const classes = options.classes ?? stepClasses(16, 512);
    const minBlocks = options.minBlocksPerSlab ?? 32;
    if (!Number.isSafeInteger(minBlocks) || minBlocks < 1) {
      throw new AllocError("BAD_OPTION", `minBlocksPerSlab must be a positive integer, got ${String(minBlocks)}`, {
        option: "minBlocksPerSlab",
        value: minBlocks,
      });
    }
    if (!Array.isArray(classes)) {
      throw new AllocError("BAD_OPTION", "size classes must be an array", { option: "classes", value: classes });
    }
    const bad = classes.findIndex(
      (c, i) => !Number.isInteger(c) || c < 8 || c % 8 !== 0 || (i > 0 && c <= classes[i - 1]!),
    );
    if (classes.length === 0 || classes.length > MAX_CLASSES || bad >= 0 || classes.at(-1)! > this.pageSize * 64) {
      throw new AllocError("BAD_OPTION", "size classes must be 1..255 ascending multiples of 8 up to 64 pages", {
        option: "classes",
        value: classes,
      });
    }
    this.classes = [...classes];
    this.max = classes.at(-1)!;
    this.lookup = new Uint8Array((this.max >>> 3) + 1);
    let c = 0;
    for (let i = 0; i <= this.max >>> 3; i++) {
      while (classes[c]! < i * 8) c++;
      this.lookup[i] = c;
    }
    this.setCaches(
      classes.map((size) => slabGeometry(size, slabOrderFor(size, this.pageOrder, minBlocks), this.pageOrder)),
    );
  }

  /** Hands out a block of the smallest fitting class (see the class comment for results). */
  allocate(size: number, align?: number): number | null {
    if (align === undefined && size > 0 && size <= this.max && (size | 0) === size) {
      // Fast path: a plain request of a valid size.
      const c = this.lookup[(size + 7) >>> 3]!;
      const access = this.access;
      if (!access.switching) return this.allocFrom(c);
      access.enter();
      try {
        return this.allocFrom(c);
      } finally {
        access.leave();
      }
    }
    return this.allocateChecked(size, align);
  }

  /** {@link allocate} for requests with an alignment or an unusual size (validated first). */
  private allocateChecked(size: number, align: number | undefined): number | null {
    const a = this.checkRequest(size, align);
    if (size > this.max) {
      throw new AllocError("BAD_SIZE", `${this.name}: ${size} bytes exceed the largest class (${this.max})`, {
        allocator: this.name,
        size,
        max: this.max,
      });
    }
    let c = this.lookup[(size + 7) >>> 3]!;
    if (a > 8) {
      const geometry = this.caches.geometry;
      while (c < geometry.length && geometry[c]!.align < a) c++;
      if (c === geometry.length) {
        throw new AllocError("BAD_ALIGNMENT", `${this.name}: no size class of ${size}+ bytes is aligned on ${a}`, {
          allocator: this.name,
          size,
          align: a,
        });
      }
    }
    if (size === 0) return null;
    this.access.enter();
    try {
      return this.allocFrom(c);
    } finally {
      this.access.leave();
    }
  }
}
