/**
 * The narrow interfaces between the region manager and its users. Secondary allocators take
 * pages through {@link PageSource}; the memory checker follows page transitions through
 * {@link PageObserver} without the region manager depending on it.
 */

/** Options of a page allocation. */
export interface PageRequest {
  /** Who will hold the pages (shown in page maps and reports). */
  readonly owner: string;
  /** Only this board memory region (e.g. "CCM", "DTCM"); default: any, lowest address first. */
  readonly region?: string | undefined;
}

/** Where secondary allocators get blocks of 2^order pages. */
export interface PageSource {
  /** Page size is 2^pageOrder bytes. */
  readonly pageOrder: number;
  /**
   * Allocates a block of 2^order contiguous pages aligned on its size; returns its address, or
   * null when no free block is large enough (out of memory is not an error).
   */
  allocPages(order: number, request: PageRequest): number | null;
  /** Frees a block given out by allocPages with the same order (typed error on bad input). */
  freePages(address: number, order: number): void;
}

/** Page transitions, as a memory checker follows them. Sizes in bytes. */
export interface PageObserver {
  /** Pages were given to `owner` (not accessible -> accessible). */
  pagesGiven(address: number, size: number, owner: string): void;
  /** Pages came back (accessible -> not accessible). */
  pagesReturned(address: number, size: number, owner: string): void;
}
