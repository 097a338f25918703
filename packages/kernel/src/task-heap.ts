import type { Core } from "@rtos-sim/hw";
import { checkedAllocator, type MemoryChecker } from "@rtos-sim/memcheck";
import { RegionManager } from "@rtos-sim/region";
import { HEAP_KINDS, type HeapKind } from "./heaps/table.js";
import type { TaskAllocator } from "./heaps/types.js";
import type { TaskHeap } from "./task-record.js";

/** What {@link makeTaskHeap} needs: the block, the heap kind and the checker settings. */
export interface TaskHeapOptions {
  readonly core: Core;
  readonly checker: MemoryChecker | null;
  /** The region manager's page order (the block is 2^order of its pages). */
  readonly pageOrder: number;
  readonly redzone: number | undefined;
  readonly quarantineBytes: number;
  readonly name: string;
  readonly kind: HeapKind;
  readonly base: number;
  readonly size: number;
  readonly order: number;
  readonly classes?: readonly number[] | undefined;
}

/**
 * A region manager nested in a heap block becomes a page pool the checker follows: its free
 * pages (all but its metadata) are nobody's until it gives them to a slab, and pages a slab
 * gives back keep their history, so a stale pointer into them is a use after free of pages.
 */
function followPool(checker: MemoryChecker, pages: RegionManager, owner: string): void {
  for (const r of pages.regions()) {
    const metaStart = r.metadataStart;
    const metaEnd = metaStart + r.metadataPages * pages.pageSize;
    if (metaStart > r.pageStart) checker.pagePool(r.pageStart, metaStart - r.pageStart, owner, pages.pageSize);
    if (r.pageEnd > metaEnd) checker.pagePool(metaEnd, r.pageEnd - metaEnd, owner, pages.pageSize);
  }
  pages.observer = checker;
}

/**
 * Builds a heap over one block with its kind's entry of {@link HEAP_KINDS}: the page source (the
 * whole block as one arena, or a region manager nested in it for a slab array, which the
 * checker then follows as a page pool), the allocator over it (named `<kind>:<name>`), wrapped
 * with redzones and a quarantine when the checker is on (the quarantine holds at most a quarter
 * of the block, so it never starves a correct program).
 */
export function makeTaskHeap(o: TaskHeapOptions): TaskHeap {
  const entry = HEAP_KINDS[o.kind];
  const pages = entry.pages({ base: o.base, size: o.size, order: o.order, pageOrder: o.pageOrder }, o.core, o.name);
  if (o.checker && pages instanceof RegionManager) followPool(o.checker, pages, `heap:${o.name}`);
  const inner = entry.allocator({
    name: `${o.kind}:${o.name}`,
    pages,
    arenaOrder: o.order,
    memory: o.core,
    observer: o.checker,
    ...(o.classes ? { slabClasses: o.classes } : {}),
  });
  const allocator: TaskAllocator = o.checker
    ? (checkedAllocator(o.checker, inner, {
        redzone: o.redzone,
        quarantineBytes: o.quarantineBytes,
        capacity: o.size,
      }) as unknown as TaskAllocator)
    : inner;
  return { kind: o.kind, base: o.base, size: o.size, order: o.order, allocator };
}
