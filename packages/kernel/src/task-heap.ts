import type { Allocator, BlockObserver, ResizableAllocator } from "@rtos-sim/alloc";
import type { Core } from "@rtos-sim/hw";
import { checkedAllocator, type MemoryChecker } from "@rtos-sim/memcheck";
import { type PageRequest, type PageSource, RegionManager } from "@rtos-sim/region";
import { KernelError } from "./errors.js";
import type { HeapKind, TaskHeap } from "./task-record.js";

/** A task heap's allocator: any allocator, with `resize` when it has one (TLSF, first fit). */
export type TaskAllocator = Allocator & Partial<Pick<ResizableAllocator, "resize">>;

/** What a {@link HeapFactory} is given to build one task heap's allocator. */
export interface HeapFactoryOptions {
  readonly name: string;
  readonly kind: HeapKind;
  /** Where its pages come from: the whole block as one arena, or (slab array) a region manager nested in the block. */
  readonly pages: PageSource;
  /** Pages per arena, as an order: the whole heap block is the one arena (TLSF, first fit). */
  readonly arenaOrder: number;
  readonly memory: Core;
  readonly observer: BlockObserver | null;
  /** Size classes of a slab array. */
  readonly slabClasses?: readonly number[];
}

/** Builds the allocator of a task heap over a page source (the kernel passes TLSF, first fit or a slab array). */
export type HeapFactory = (options: HeapFactoryOptions) => TaskAllocator;

/** Page order of the region manager nested in a slab-array heap block: 128-byte pages. */
export const SLAB_PAGE_ORDER = 7;

/**
 * The page source of one heap block for TLSF and first fit: the whole block (2^order pages from
 * the region manager, covered by the task's one MPU region) is handed out as a single arena, and
 * nothing else. The allocator's arena header and block headers, in simulated memory, are the
 * heap's state; this object only remembers whether the block is lent.
 */
export class HeapBlockSource implements PageSource {
  readonly pageOrder: number;
  private lent = false;

  constructor(
    readonly base: number,
    readonly order: number,
    pageOrder: number,
  ) {
    this.pageOrder = pageOrder;
  }

  /** The whole block, once, for a request of exactly its order; null otherwise. */
  allocPages(order: number, _request: PageRequest): number | null {
    if (this.lent || order !== this.order) return null;
    this.lent = true;
    return this.base;
  }

  /** Takes the block back (`BAD_ARGUMENT` for anything but the lent block). */
  freePages(address: number, order: number): void {
    if (!this.lent || address !== this.base || order !== this.order) {
      throw new KernelError("BAD_ARGUMENT", "heap block returned that was not lent", { address, order });
    }
    this.lent = false;
  }
}

/**
 * The page source of a slab-array heap: a {@link RegionManager} nested over the task's heap block
 * with 128-byte pages ({@link SLAB_PAGE_ORDER}), its page metadata at the start of the block (in
 * the task's own memory, like every heap header), handing out the small blocks of pages slabs
 * need. A 4 KiB block keeps 2 pages of metadata and 30 pages for slabs.
 */
export function slabPageSource(memory: Core, name: string, base: number, size: number): RegionManager {
  return new RegionManager({
    memory,
    regions: [{ name: `heap:${name}`, start: base, size }],
    pageOrder: SLAB_PAGE_ORDER,
  });
}

/** What {@link makeTaskHeap} needs: the block, the allocator kind, the factory and the checker settings. */
export interface TaskHeapOptions {
  readonly core: Core;
  readonly checker: MemoryChecker | null;
  readonly heapFactory: HeapFactory;
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
 * Builds a heap over one block: its page source (the whole block as one arena, or a region
 * manager nested in it for a slab array), the allocator from the factory (named `<kind>:<name>`),
 * wrapped with redzones and a quarantine when the checker is on.
 */
export function makeTaskHeap(o: TaskHeapOptions): TaskHeap {
  const pages =
    o.kind === "slab-array"
      ? slabPageSource(o.core, o.name, o.base, o.size)
      : new HeapBlockSource(o.base, o.order, o.pageOrder);
  const inner = o.heapFactory({
    name: `${o.kind}:${o.name}`,
    kind: o.kind,
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
      }) as unknown as TaskAllocator)
    : inner;
  return { kind: o.kind, base: o.base, size: o.size, order: o.order, allocator };
}
