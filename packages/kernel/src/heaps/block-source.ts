import type { PageRequest, PageSource } from "@rtos-sim/region";
import { KernelError } from "../errors.js";

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
    /** Address of the heap block. */
    readonly base: number,
    /** Block order: the block is 2^order pages of 2^pageOrder bytes. */
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
