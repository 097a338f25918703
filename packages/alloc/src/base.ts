import { isMemoryPort, type MemoryPort } from "@rtos-sim/hw";
import type { PageSource } from "@rtos-sim/region";
import type { Allocator, AllocatorKind, AllocatorStats, BlockObserver } from "./allocator.js";
import { AllocError, hex } from "./errors.js";
import { AllocatorAccess } from "./port.js";

/** Options every allocator takes. */
export interface AllocatorOptions {
  /** Instance name, 1-64 characters, shown in reports and page maps (default: the kind, e.g. "tlsf"). */
  readonly name?: string | undefined;
  /** Where pages come from (the region manager). */
  readonly pages: PageSource;
  /** Where the metadata lives: `machine.core` (checked accesses, seen by the checker's hook). */
  readonly memory: MemoryPort;
  /**
   * Only take pages from this board memory region (e.g. "CCM"); default: any. A name the page
   * source does not know is `BAD_OPTION` at the first request for pages (nothing taken).
   */
  readonly region?: string | undefined;
  /** Follower of block transitions (default none). */
  readonly observer?: BlockObserver | null | undefined;
}

/**
 * What all allocators share: the metadata accessor, the page source, the observer and the
 * counters behind {@link AllocatorStats}.
 *
 * The rule every allocator here follows: its state lives in simulated memory, and every decision
 * reads it from there, so a corruption has the effect it would have in C, and is then caught.
 * On a task heap that memory is the task's own, so anything read from it (links, sizes, bitmaps,
 * list heads) is validated before it steers a write; a violation is `HEAP_CORRUPTION` with the
 * address and changes nothing. JS fields hold only what no task can write: counters (statistics),
 * geometry and page ownership learned from the page source's answers, and roots the allocator
 * keeps privately as a kernel keeps globals. Each allocator's TSDoc says which is which.
 */
export abstract class BaseAllocator implements Allocator {
  readonly name: string;
  /** Which allocator it is. */
  abstract readonly kind: AllocatorKind;
  observer: BlockObserver | null;
  /** The metadata accessor (Allocator actor mode while inside a call). */
  readonly access: AllocatorAccess;
  /** Memory of the metadata (same object as `access.memory`). */
  protected readonly mem: MemoryPort;
  protected readonly source: PageSource;
  protected readonly region: string | undefined;
  /** Page size in bytes and its log2. */
  readonly pageSize: number;
  /** log2 of {@link BaseAllocator.pageSize}: the page source's PAGE_ORDER. */
  readonly pageOrder: number;
  protected liveBlocks = 0;
  protected liveBytes = 0;
  protected heldPages = 0;
  protected freeBytesCount = 0;
  protected allocations = 0;
  protected frees = 0;
  protected failures = 0;
  /** Lowest page address ever held, and the highest user byte end ever handed out. */
  protected lowest = Number.POSITIVE_INFINITY;
  protected highestEnd = 0;

  constructor(kind: AllocatorKind, options: AllocatorOptions) {
    checkCommonOptions(kind, options);
    this.name = options.name ?? kind;
    this.observer = options.observer ?? null;
    this.mem = options.memory;
    this.access = new AllocatorAccess(options.memory);
    this.source = options.pages;
    this.region = options.region;
    this.pageOrder = options.pages.pageOrder;
    this.pageSize = 1 << this.pageOrder;
  }

  abstract allocate(size: number, align?: number): number | null;
  abstract free(address: number): void;
  abstract owns(address: number): boolean;
  abstract blockSize(address: number): number | undefined;
  abstract releaseEmpty(): number;

  /** Current counters. */
  stats(): AllocatorStats {
    return {
      name: this.name,
      kind: this.kind,
      liveBlocks: this.liveBlocks,
      liveBytes: this.liveBytes,
      pages: this.heldPages,
      heldBytes: this.heldPages * this.pageSize,
      freeBytes: this.freeBytesCount,
      highWaterMark: this.highestEnd === 0 ? 0 : this.highestEnd - this.lowest,
      allocations: this.allocations,
      frees: this.frees,
      failures: this.failures,
    };
  }

  /**
   * Takes 2^order pages from the source: null when it has none, or when the order is larger than
   * the source's regions can hold (its `BAD_ORDER` error).
   */
  protected takePages(order: number): number | null {
    const request = this.region === undefined ? { owner: this.name } : { owner: this.name, region: this.region };
    let a: number | null;
    try {
      a = this.source.allocPages(order, request);
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      // A block larger than the region can ever hold is out of memory for an allocator.
      if (code === "BAD_ORDER") return null;
      // A page source with its metadata in memory a task can write (a region manager nested in
      // the task's heap) reports what it found corrupted: the heap's metadata, for this allocator.
      if (code === "METADATA_CORRUPT") throw this.pageSourceCorruption(e, 0);
      // The `region` option names no region of the page source (the constructor cannot ask it):
      // the allocator's own typed error, so a caller narrowing on AllocError sees every refusal.
      if (code === "UNKNOWN_REGION") {
        throw new AllocError(
          "BAD_OPTION",
          `${this.name}: region "${String(this.region)}" is not a region of the page source`,
          {
            allocator: this.name,
            option: "region",
            value: this.region,
          },
        );
      }
      throw e;
    }
    if (a === null) return null;
    this.heldPages += 2 ** order;
    if (a < this.lowest) this.lowest = a;
    return a;
  }

  /**
   * Gives 2^order pages back to the source. The allocator only gives back pages it took, so a
   * refusal (any typed error of the source) means the source's metadata was corrupted:
   * HEAP_CORRUPTION, the pages still held.
   */
  protected givePages(address: number, order: number): void {
    try {
      this.source.freePages(address, order);
    } catch (e) {
      if (typeof (e as { code?: unknown }).code === "string") throw this.pageSourceCorruption(e, address);
      throw e;
    }
    this.heldPages -= 2 ** order;
  }

  /** HEAP_CORRUPTION for a page source's typed error (at its `context.address`, else `address`). */
  private pageSourceCorruption(e: unknown, address: number): AllocError {
    const err = e as { code: string; message?: string; context?: Record<string, unknown> };
    const at = typeof err.context?.address === "number" ? (err.context.address as number) : address;
    return this.error("HEAP_CORRUPTION", `page source metadata corrupted (${err.code})`, at, {
      pageSourceCode: err.code,
      pageSourceMessage: err.message,
    });
  }

  /** Validates size and alignment (throws BAD_SIZE / BAD_ALIGNMENT); returns the alignment. */
  protected checkRequest(size: number, align: number | undefined): number {
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new AllocError("BAD_SIZE", `${this.name}: size must be a non-negative integer, got ${size}`, {
        allocator: this.name,
        size,
      });
    }
    const a = align ?? 8;
    if (!Number.isInteger(a) || a < 1 || a > this.pageSize || (a & (a - 1)) !== 0) {
      throw new AllocError("BAD_ALIGNMENT", `${this.name}: alignment must be a power of two up to ${this.pageSize}`, {
        allocator: this.name,
        align: a,
        max: this.pageSize,
      });
    }
    return Math.max(a, 8);
  }

  /** Records a block handed out (counters, high-water mark, observer). */
  protected noteAllocated(address: number, size: number): void {
    this.liveBlocks++;
    this.liveBytes += size;
    this.allocations++;
    const end = address + size;
    if (end > this.highestEnd) this.highestEnd = end;
    if (this.observer !== null) this.observer.blockAllocated(address, size, this.name);
  }

  /** Records a block freed (counters, observer). */
  protected noteFreed(address: number, size: number): void {
    this.liveBlocks--;
    this.liveBytes -= size;
    this.frees++;
    if (this.observer !== null) this.observer.blockFreed(address, size, this.name);
  }

  /** A typed error naming this allocator and the address. */
  protected error(code: AllocError["code"], what: string, address: number, extra: Record<string, unknown> = {}) {
    return new AllocError(code, `${this.name}: ${what} at ${hex(address)}`, {
      allocator: this.name,
      address: address >>> 0,
      ...extra,
    });
  }
}

/** Largest page order an allocator takes (its page map's limit: pages of at most 1 MiB). */
const MAX_PAGE_ORDER = 20;

const isFn = (o: object, key: string) => typeof (o as Record<string, unknown>)[key] === "function";

/**
 * The options every allocator takes, checked before any is used (`BAD_OPTION` naming the
 * option): a page order that is not an integer made the geometry loops (`order + pageOrder`
 * never above its limit with NaN) run forever, and a missing object failed with a TypeError.
 */
function checkCommonOptions(kind: AllocatorKind, options: AllocatorOptions): void {
  const bad = (option: string, why: string, value: unknown) =>
    new AllocError("BAD_OPTION", `${kind}: ${option} ${why}`, {
      option,
      value: typeof value === "object" || typeof value === "function" ? typeof value : value,
    });
  if (typeof options !== "object" || options === null) throw bad("options", "must be an object", options);
  const { pages, memory, name } = options;
  if (typeof pages !== "object" || pages === null || !isFn(pages, "allocPages") || !isFn(pages, "freePages")) {
    throw bad("pages", "must be a page source (allocPages, freePages, pageOrder)", pages);
  }
  const order = pages.pageOrder;
  if (typeof order !== "number" || !Number.isInteger(order) || order < 0 || order > MAX_PAGE_ORDER) {
    throw bad("pages", `page order must be an integer in [0, ${MAX_PAGE_ORDER}], got ${String(order)}`, order);
  }
  if (!isMemoryPort(memory)) {
    throw bad("memory", "must be a memory port (the core: read8..write32)", memory);
  }
  // The name labels the pages it takes: the region manager's owner labels are 1-64 characters.
  if (name !== undefined && (typeof name !== "string" || name.length === 0 || name.length > 64)) {
    throw bad("name", "must be a string of 1 to 64 characters", name);
  }
  const { observer, region } = options;
  if (observer !== undefined && observer !== null && typeof observer !== "object") {
    throw bad("observer", "must be an object (or null)", observer);
  }
  if (region !== undefined && (typeof region !== "string" || region.length === 0)) {
    throw bad("region", "must be a region name (a non-empty string)", region);
  }
}
