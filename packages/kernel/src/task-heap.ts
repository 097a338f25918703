import type { BlockObserver, ResizableAllocator } from "@rtos-sim/alloc";
import type { Core } from "@rtos-sim/hw";
import type { PageRequest, PageSource } from "@rtos-sim/region";
import { KernelError } from "./errors.js";

/** Builds the allocator of a task heap over a page source (the kernel passes TLSF or first fit). */
export type HeapFactory = (options: {
  readonly name: string;
  readonly kind: "tlsf" | "heap";
  readonly pages: PageSource;
  /** Pages per arena, as an order: the whole heap block is the one arena. */
  readonly arenaOrder: number;
  readonly memory: Core;
  readonly observer: BlockObserver | null;
}) => ResizableAllocator;

/**
 * The page source of one heap block: the whole block (2^order pages from the region manager,
 * covered by the task's one MPU region) is handed out as a single arena to the heap's allocator,
 * and nothing else. The allocator's arena header and block headers, in simulated memory, are the
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

  allocPages(order: number, _request: PageRequest): number | null {
    if (this.lent || order !== this.order) return null;
    this.lent = true;
    return this.base;
  }

  freePages(address: number, order: number): void {
    if (!this.lent || address !== this.base || order !== this.order) {
      throw new KernelError("BAD_ARGUMENT", "heap block returned that was not lent", { address, order });
    }
    this.lent = false;
  }
}
