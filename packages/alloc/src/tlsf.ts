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

/** The list (first level * 16 + second level) holding blocks of `size` bytes. */
function listOf(size: number): number {
  if (size < SMALL) return size >>> 3;
  const t = 31 - Math.clz32(size);
  return ((t - (SL_LOG2 + 2)) << SL_LOG2) | ((size >>> (t - SL_LOG2)) & (SL_COUNT - 1));
}

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
  /**
   * Write-through cache of the control block (index = byte offset / 4): every change is written
   * to simulated memory, reads of bitmaps and list heads come from here.
   */
  private readonly cc = new Int32Array(CONTROL_BYTES / 4);

  constructor(options: ArenaAllocatorOptions) {
    super("tlsf", options);
  }

  protected initControl(): void {
    const m = this.mem;
    for (let x = 0; x < CONTROL_BYTES; x += 4) m.write32(this.ctl + x, 0);
    this.cc.fill(0);
  }

  /** Writes control word at byte offset `off` (memory and cache). */
  private setCtl(off: number, value: number): void {
    this.cc[off >>> 2] = value;
    this.mem.write32(this.ctl + off, value);
  }

  protected take(need: number): number {
    let size = need;
    if (size >= SMALL) size += (1 << (31 - Math.clz32(size) - SL_LOG2)) - 1;
    const l = listOf(size);
    let fl = l >>> SL_LOG2;
    if (fl >= FL_COUNT) return 0;
    if (this.ctl === 0) return 0;
    const cc = this.cc;
    let slMap = cc[(SL_BITMAPS >>> 2) + fl]! & (-1 << (l & (SL_COUNT - 1))) & 0xffff;
    if (slMap === 0) {
      const flMap = cc[FL_BITMAP >>> 2]! & (-1 << (fl + 1));
      if (flMap === 0) return 0;
      fl = 31 - Math.clz32(flMap & -flMap);
      slMap = cc[(SL_BITMAPS >>> 2) + fl]!;
    }
    const sl = 31 - Math.clz32(slMap & -slMap);
    return cc[(HEADS >>> 2) + fl * SL_COUNT + sl]!;
  }

  // The list head's `prev` field is not kept (the control block says who the head is): a link
  // writes two words, and unlinking the head reads one.

  protected linkFree(h: number, size: number): void {
    const l = listOf(size);
    const fl = l >>> SL_LOG2;
    const m = this.mem;
    const cc = this.cc;
    const i = (HEADS >>> 2) + l;
    const head = cc[i]!;
    m.write32(h + 8, head);
    if (head !== 0) m.write32(head + 12, h);
    else {
      const si = (SL_BITMAPS >>> 2) + fl;
      const sm = cc[si]!;
      this.setCtl(si << 2, sm | (1 << (l & (SL_COUNT - 1))));
      if (sm === 0) this.setCtl(FL_BITMAP, cc[FL_BITMAP >>> 2]! | (1 << fl));
    }
    this.setCtl(i << 2, h);
  }

  protected unlinkFree(h: number, size: number): void {
    const m = this.mem;
    const l = listOf(size);
    const fl = l >>> SL_LOG2;
    const cc = this.cc;
    const i = (HEADS >>> 2) + l;
    const next = m.read32(h + 8);
    if ((next & 7) !== 0) throw this.corruption(h + 8, "free-list link", { next });
    if (cc[i] === h) {
      this.setCtl(i << 2, next);
      if (next === 0) {
        const si = (SL_BITMAPS >>> 2) + fl;
        const sm = cc[si]! & ~(1 << (l & (SL_COUNT - 1)));
        this.setCtl(si << 2, sm);
        if (sm === 0) this.setCtl(FL_BITMAP, cc[FL_BITMAP >>> 2]! & ~(1 << fl));
      }
      return;
    }
    const prev = m.read32(h + 12);
    if (prev === 0 || (prev & 7) !== 0) throw this.corruption(h + 12, "free-list link", { next, prev });
    m.write32(prev + 8, next);
    if (next !== 0) m.write32(next + 12, prev);
  }

  protected replaceFree(h: number, size: number, r: number, rsize: number): void {
    const l = listOf(size);
    if (r === h || l !== listOf(rsize)) {
      this.unlinkFree(h, size);
      this.linkFree(r, rsize);
      return;
    }
    // Same list: r takes h's place.
    const m = this.mem;
    const next = m.read32(h + 8);
    if ((next & 7) !== 0) throw this.corruption(h + 8, "free-list link", { next });
    const i = (HEADS >>> 2) + l;
    if (this.cc[i] === h) {
      m.write32(r + 8, next);
      this.setCtl(i << 2, r);
    } else {
      const prev = m.read32(h + 12);
      if (prev === 0 || (prev & 7) !== 0) throw this.corruption(h + 12, "free-list link", { next, prev });
      m.write32(r + 8, next);
      m.write32(r + 12, prev);
      m.write32(prev + 8, r);
    }
    if (next !== 0) m.write32(next + 12, r);
  }

  protected freed(h: number, size: number, p: number, psize: number, n: number, nsize: number): void {
    if (p !== 0) this.unlinkFree(p, psize);
    if (n !== 0) this.unlinkFree(n, nsize);
    this.linkFree(p !== 0 ? p : h, size + psize + (n !== 0 ? nsize : 0));
  }
}
