import { ArenaAllocator } from "@rtos-sim/alloc";
import { type Core, valueText } from "@rtos-sim/hw";
import { checkedAllocator, type MemoryChecker } from "@rtos-sim/memcheck";
import { RegionManager } from "@rtos-sim/region";
import { KernelError } from "./errors.js";
import { HEAP_KINDS, type HeapKind } from "./heaps/table.js";
import type { TaskAllocator } from "./heaps/types.js";
import type { TaskHeap } from "./task-record.js";

/** What {@link makeTaskHeap} needs: the block, the heap kind and the checker settings. */
export interface TaskHeapOptions {
  /** The core the allocator's metadata is read and written through (checked accesses). */
  readonly core: Core;
  /** The memory checker: with it the allocator is wrapped with redzones and a quarantine; null for none. */
  readonly checker: MemoryChecker | null;
  /** The region manager's page order (the block is 2^order of its pages). */
  readonly pageOrder: number;
  /** Redzone bytes around each block with the checker (`KernelMemcheckOptions.redzone`); undefined: 16. */
  readonly redzone: number | undefined;
  /** Bytes of freed blocks held back from reuse with the checker (capped at a quarter of the block). */
  readonly quarantineBytes: number;
  /** The owner's name (the task's, or "kernel"): the allocator is named `<kind>:<name>`. */
  readonly name: string;
  /** The heap kind: which entry of {@link HEAP_KINDS} builds it. */
  readonly kind: HeapKind;
  /** Address of the heap block (from the region manager, aligned on its size). */
  readonly base: number;
  /** Bytes of the block: 2^order pages. */
  readonly size: number;
  /** Block order in pages of the region manager. */
  readonly order: number;
  /** Size classes of a "slab-array" heap (`TaskSpec.slabClasses`); undefined: the kind's default. */
  readonly classes?: readonly number[] | undefined;
  /**
   * The setting that sized the block, named when it is too small: `"heapSize"` (a task's, the
   * default: `BAD_TASK`) or `"kernelHeapSize"` (the kernel's option: `BAD_CONFIG`).
   */
  readonly sizeSetting?: "heapSize" | "kernelHeapSize";
}

/** Bytes for blocks below which an arena heap is refused: room for no allocation worth the name. */
export const MIN_HEAP_ROOM = 64;

/**
 * A heap block whose allocator's own metadata leave less than {@link MIN_HEAP_ROOM} bytes for
 * blocks (TLSF's 1,636-byte control block in a 1 KiB block: every malloc would return NULL) is a
 * `BAD_TASK` (a task's `heapSize`) or `BAD_CONFIG` (`kernelHeapSize`) naming the smallest block
 * size that works.
 */
function checkRoom(inner: ArenaAllocator, o: TaskHeapOptions): void {
  const room = inner.arenaRoom(o.size);
  if (room >= MIN_HEAP_ROOM) return;
  let enough = o.size * 2;
  while (inner.arenaRoom(enough) < MIN_HEAP_ROOM) enough *= 2;
  const what = `gives a ${o.size}-byte ${o.kind} heap, whose own metadata leave ${room} bytes for blocks: ask for at least ${enough} bytes`;
  if (o.sizeSetting === "kernelHeapSize") {
    throw new KernelError("BAD_CONFIG", `kernelHeapSize ${what}`, {
      field: "kernelHeapSize",
      heapBytes: o.size,
      room,
    });
  }
  throw new KernelError("BAD_TASK", `task ${valueText(o.name)}: heapSize ${what}, or another heap kind`, {
    task: o.name,
    field: "heapSize",
    heapBytes: o.size,
    room,
    kind: o.kind,
  });
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
  if (inner instanceof ArenaAllocator) checkRoom(inner, o);
  const allocator: TaskAllocator = o.checker
    ? (checkedAllocator(o.checker, inner, {
        redzone: o.redzone,
        quarantineBytes: o.quarantineBytes,
        capacity: o.size,
      }) as unknown as TaskAllocator)
    : inner;
  return { kind: o.kind, base: o.base, size: o.size, order: o.order, allocator };
}
