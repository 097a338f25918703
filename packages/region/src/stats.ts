import type { RegionPlan } from "./bootstrap.js";
import type { RegionScan } from "./check.js";
import type { PageAllocatorKind } from "./layout.js";
import { PageState } from "./layout.js";

/** Figures of one region, read from its metadata in memory. Pages are 2^PAGE_ORDER bytes. */
export interface RegionStats {
  /** The region's name (merged regions: the parts joined with "+"). */
  readonly name: string;
  /** Its page allocator. */
  readonly allocator: PageAllocatorKind;
  /** First byte address of the region. */
  readonly start: number;
  /** One past its last byte. */
  readonly end: number;
  /** Region size in bytes. */
  readonly size: number;
  /** Bytes per page (2^PAGE_ORDER). */
  readonly pageSize: number;
  /** Whole pages in the region (metadata and reserved included). */
  readonly pages: number;
  /** Partial pages cut off at the region's edges because its start or end is not page-aligned (0..2). */
  readonly lostEdgePages: number;
  /** Bytes in those partial pages. */
  readonly lostBytes: number;
  /** Pages carved out for the metadata. */
  readonly metadataPages: number;
  /** Bytes of metadata in use (header + 4 B per page + bitmaps). */
  readonly metadataBytes: number;
  /** Metadata pages as a percentage of the region's size. */
  readonly metadataOverheadPercent: number;
  /** Pages of reserved ranges. */
  readonly reservedPages: number;
  /** Pages in allocated blocks. */
  readonly allocatedPages: number;
  /** Pages in free blocks. */
  readonly freePages: number;
  /** Free blocks per order (index = order). */
  readonly freeBlocksByOrder: readonly number[];
  /** Free pages per order: free blocks of order k times 2^k. */
  readonly freePagesByOrder: readonly number[];
  /** The lowest-address free block of the largest free order, or null when nothing is free. */
  readonly largestFreeBlock: {
    /** Address of its first page. */
    readonly address: number;
    /** The block is 2^order pages. */
    readonly order: number;
    /** Its size in bytes: 2^order * pageSize. */
    readonly bytes: number;
  } | null;
  /** 1 - largest free block / total free (0 when nothing or one block is free). */
  readonly fragmentation: number;
  /** Pages whose entries belong to no valid block (non-zero only when the metadata is corrupt). */
  readonly unaccountedPages: number;
}

/** Computes a region's figures from a scan of its page entries. */
export function regionStats(plan: RegionPlan, scan: RegionScan, pageSize: number): RegionStats {
  const g = plan.geometry;
  const freeBlocks = new Array<number>(g.maxOrder + 1).fill(0);
  let free = 0;
  let allocated = 0;
  let reserved = 0;
  let largest: ScanBest = null;
  for (const b of scan.blocks) {
    const n = 2 ** b.order;
    if (b.state === PageState.Free) {
      free += n;
      freeBlocks[b.order] = (freeBlocks[b.order] ?? 0) + 1;
      if (largest === null || b.order > largest.order) largest = { pfn: b.pfn, order: b.order };
    } else if (b.state === PageState.Allocated) allocated += n;
    else if (b.state === PageState.Reserved) reserved += n;
  }
  const size = plan.end - plan.start;
  const lostLow = plan.pageStart - plan.start;
  const lostHigh = plan.end - plan.pageEnd;
  return {
    name: plan.name,
    allocator: plan.kind,
    start: plan.start,
    end: plan.end,
    size,
    pageSize,
    pages: g.pages,
    lostEdgePages: (lostLow > 0 ? 1 : 0) + (lostHigh > 0 ? 1 : 0),
    lostBytes: lostLow + lostHigh,
    metadataPages: g.metaPages,
    metadataBytes: g.metaBytes,
    metadataOverheadPercent: (100 * g.metaPages * pageSize) / size,
    reservedPages: reserved,
    allocatedPages: allocated,
    freePages: free,
    freeBlocksByOrder: freeBlocks,
    freePagesByOrder: freeBlocks.map((c, k) => c * 2 ** k),
    largestFreeBlock:
      largest === null
        ? null
        : { address: largest.pfn * pageSize, order: largest.order, bytes: 2 ** largest.order * pageSize },
    fragmentation: largest === null ? 0 : 1 - 2 ** largest.order / free,
    unaccountedPages: scan.orphans.length,
  };
}

type ScanBest = { pfn: number; order: number } | null;
