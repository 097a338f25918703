import { ArenaAllocator, type ArenaAllocatorOptions } from "./arena-allocator.js";

/** log2 of the second-level subdivisions (16 lists per power of two). */
const SL_LOG2 = 4;
const SL_COUNT = 1 << SL_LOG2;
/** Sizes below this (128 B) map linearly: fl 0, one list per 8 bytes. */
const SMALL = 1 << (SL_LOG2 + 3);
/** First-level classes: block sizes up to 2^29 bytes. */
const FL_COUNT = 24;
/** Control block layout (bytes from its start). */
const FL_BITMAP = 0;
const SL_BITMAPS = 4;
const HEADS = SL_BITMAPS + 4 * FL_COUNT;
const CONTROL_BYTES = HEADS + 4 * FL_COUNT * SL_COUNT;

/**
 * TLSF (Masmano et al., ECRTS 2004): two-level segregated fit with immediate merging, O(1)
 * allocate and free. The control block (first-level bitmap, 24 second-level bitmaps, 384 list
 * heads) lives in the first arena's trailer; the free lists are doubly linked through the free
 * blocks; every block has the checked 8-byte header of {@link ArenaAllocator}. The default
 * general-purpose allocator.
 *
 * Results: `allocate(0)` is null; out of memory is null (a failure); bad size or alignment is a
 * typed error; free of anything but a live block is a typed error and changes nothing.
 *
 * @example
 * ```ts
 * const tlsf = new TlsfAllocator({ pages: regions, memory: machine.core });
 * const p = tlsf.allocate(100)!;
 * const q = tlsf.resize(p, 400)!; // in place when the next block is free
 * tlsf.free(q);
 * ```
 */
export class TlsfAllocator extends ArenaAllocator {
  readonly kind = "tlsf" as const;
  protected readonly minBlock = 24;
  protected readonly controlBytes = CONTROL_BYTES;
  private fl = 0;
  private sl = 0;

  constructor(options: ArenaAllocatorOptions) {
    super("tlsf", options);
  }

  protected initControl(): void {
    const m = this.mem;
    for (let x = 0; x < CONTROL_BYTES; x += 4) m.write32(this.ctl + x, 0);
  }

  /** Sets `fl`/`sl` to the list holding blocks of `size` bytes. */
  private mapping(size: number): void {
    if (size < SMALL) {
      this.fl = 0;
      this.sl = size >>> 3;
    } else {
      const t = 31 - Math.clz32(size);
      this.sl = (size >>> (t - SL_LOG2)) & (SL_COUNT - 1);
      this.fl = t - (SL_LOG2 + 2);
    }
  }

  protected take(need: number): number {
    let size = need;
    if (size >= SMALL) size += (1 << (31 - Math.clz32(size) - SL_LOG2)) - 1;
    this.mapping(size);
    let fl = this.fl;
    if (fl >= FL_COUNT) return 0;
    const m = this.mem;
    const ctl = this.ctl;
    if (ctl === 0) return 0;
    let slMap = m.read32(ctl + SL_BITMAPS + 4 * fl) & (-1 << this.sl) & 0xffff;
    if (slMap === 0) {
      const flMap = m.read32(ctl + FL_BITMAP) & (-1 << (fl + 1));
      if (flMap === 0) return 0;
      fl = 31 - Math.clz32(flMap & -flMap);
      slMap = m.read32(ctl + SL_BITMAPS + 4 * fl);
    }
    const sl = 31 - Math.clz32(slMap & -slMap);
    const h = m.read32(ctl + HEADS + 4 * (fl * SL_COUNT + sl));
    if (h === 0 || (h & 7) !== 0) throw this.corruption(ctl + HEADS + 4 * (fl * SL_COUNT + sl), "list head");
    return h;
  }

  protected linkFree(h: number, size: number): void {
    this.mapping(size);
    const m = this.mem;
    const ctl = this.ctl;
    const i = this.fl * SL_COUNT + this.sl;
    const head = m.read32(ctl + HEADS + 4 * i);
    m.write32(h + 8, head);
    m.write32(h + 12, 0);
    if (head !== 0) m.write32(head + 12, h);
    else {
      const sa = ctl + SL_BITMAPS + 4 * this.fl;
      const sm = m.read32(sa);
      m.write32(sa, sm | (1 << this.sl));
      if (sm === 0) m.write32(ctl + FL_BITMAP, m.read32(ctl + FL_BITMAP) | (1 << this.fl));
    }
    m.write32(ctl + HEADS + 4 * i, h);
  }

  protected unlinkFree(h: number, size: number): void {
    const m = this.mem;
    const next = m.read32(h + 8);
    const prev = m.read32(h + 12);
    if ((next & 7) !== 0 || (prev & 7) !== 0) throw this.corruption(h + 8, "free-list link", { next, prev });
    if (prev !== 0) m.write32(prev + 8, next);
    else {
      this.mapping(size);
      const ctl = this.ctl;
      m.write32(ctl + HEADS + 4 * (this.fl * SL_COUNT + this.sl), next);
      if (next === 0) {
        const sa = ctl + SL_BITMAPS + 4 * this.fl;
        const sm = m.read32(sa) & ~(1 << this.sl);
        m.write32(sa, sm);
        if (sm === 0) m.write32(ctl + FL_BITMAP, m.read32(ctl + FL_BITMAP) & ~(1 << this.fl));
      }
    }
    if (next !== 0) m.write32(next + 12, prev);
  }

  protected replaceFree(h: number, size: number, r: number, rsize: number): void {
    this.unlinkFree(h, size);
    this.linkFree(r, rsize);
  }

  protected freed(h: number, size: number, p: number, psize: number, n: number, nsize: number): void {
    if (p !== 0) this.unlinkFree(p, psize);
    if (n !== 0) this.unlinkFree(n, nsize);
    this.linkFree(p !== 0 ? p : h, size + psize + (n !== 0 ? nsize : 0));
  }
}
