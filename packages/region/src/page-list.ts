import type { MemoryPort } from "@rtos-sim/hw";
import { fixedPrefix } from "./buddy.js";
import { RegionError } from "./errors.js";
import { type Geometry, GIVEN, Hdr, LIST_NIL, PageState } from "./layout.js";

/**
 * The list page allocator of one region: single pages only (order 0), a singly linked free list
 * threaded through the page entries in the region's metadata (a free page's entry holds the
 * index of the next free page). O(1) allocation and free.
 *
 * Order: bootstrap links the free pages in address order, so a fresh region hands out pages
 * lowest address first; a freed page is pushed on the head (LIFO: the most recently freed page
 * comes back first). Deterministic either way; only the buddy allocator keeps lowest-address
 * first after frees.
 */
export class PageListAllocator {
  private readonly m: MemoryPort;
  private readonly g: Geometry;
  /** Metadata base address (the header). */
  readonly meta: number;
  private readonly entries: number;
  /** Metadata and reserved pages before each page (from the bootstrap's plan, in JS: no task writes it). */
  private fixedBefore: Int32Array = new Int32Array(1);

  constructor(memory: MemoryPort, geometry: Geometry, meta: number) {
    this.m = memory;
    this.g = geometry;
    this.meta = meta;
    this.entries = meta + 0x40;
  }

  /** Bootstrap: writes every page entry, linking the available pages (`fixed[i] === 0`) in address order. */
  init(fixed: Uint32Array): void {
    const m = this.m;
    const n = this.g.pages;
    this.fixedBefore = fixedPrefix(fixed, n);
    let next = LIST_NIL;
    let free = 0;
    for (let i = n - 1; i >= 0; i--) {
      if (fixed[i] !== 0) {
        m.write32(this.entries + 4 * i, fixed[i]!);
        continue;
      }
      m.write32(this.entries + 4 * i, PageState.Free | (next << 4));
      next = i;
      free++;
    }
    m.write32(this.meta + Hdr.Head, next);
    m.write32(this.meta + Hdr.FreePages, free);
  }

  /** Address of the entry of page `pfn`. */
  entryAddress(pfn: number): number {
    return this.entries + 4 * (pfn - this.g.pfn0);
  }

  /** Allocates one page for owner id `owner` (order must be 0); returns its page frame number or -1. */
  alloc(_order: number, owner: number): number {
    const m = this.m;
    const i = m.read32(this.meta + Hdr.Head);
    if (i === LIST_NIL) return -1;
    if (i >= this.g.pages) this.corrupt(this.meta + Hdr.Head, `free list head ${i} beyond ${this.g.pages} pages`);
    const ea = this.entries + 4 * i;
    const e = m.read32(ea);
    if ((e & 7) !== PageState.Free) this.corrupt(ea, `free list page ${i} is not free`);
    // A forged head and entry could name a metadata or reserved page: those never become free.
    if (this.fixedBefore[i + 1] !== this.fixedBefore[i])
      this.corrupt(ea, `free list page ${i} is a metadata or reserved page`);
    m.write32(this.meta + Hdr.Head, e >>> 4);
    m.write32(ea, PageState.Allocated | GIVEN | (owner << 16));
    m.write32(this.meta + Hdr.FreePages, m.read32(this.meta + Hdr.FreePages) - 1);
    return this.g.pfn0 + i;
  }

  /** Frees the allocated page `pfn` (validated by the caller): pushes it on the list head. */
  release(pfn: number, _order: number): void {
    const m = this.m;
    const i = pfn - this.g.pfn0;
    m.write32(this.entries + 4 * i, PageState.Free | GIVEN | (m.read32(this.meta + Hdr.Head) << 4));
    m.write32(this.meta + Hdr.Head, i);
    m.write32(this.meta + Hdr.FreePages, m.read32(this.meta + Hdr.FreePages) + 1);
  }

  private corrupt(address: number, what: string): never {
    throw new RegionError("METADATA_CORRUPT", `page list metadata at 0x${address.toString(16)}: ${what}`, { address });
  }
}
