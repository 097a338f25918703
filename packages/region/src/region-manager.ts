import { ActorMode, isMemoryPort, type MemoryPort, withActorMode } from "@rtos-sim/hw";
import { type PlanInput, planRegions, type RegionSpec, type ReservedRange } from "./bootstrap.js";
import { BuddyAllocator } from "./buddy.js";
import { type ConsistencyProblem, checkRegion, type RegionScan, scanRegion } from "./check.js";
import { hex, RegionError } from "./errors.js";
import { Hdr, HEADER_BYTES, MAGIC, type PageAllocatorKind, PageState } from "./layout.js";
import { OwnerRegistry } from "./owners.js";
import { PageListAllocator } from "./page-list.js";
import { checkFree, headOf, type ManagedRegion } from "./page-lookup.js";
import { type PageMapOptions, renderPageMap } from "./page-map.js";
import type { PageObserver, PageRequest, PageSource } from "./page-source.js";
import { type RegionStats, regionStats } from "./stats.js";

/** Options of a {@link RegionManager}; each field documents its default. */
export interface RegionManagerOptions {
  /** Where the metadata lives: `machine.core` (privileged accesses) or any {@link MemoryPort}. */
  readonly memory: MemoryPort;
  /** Regions to manage, e.g. `board.memory.filter((r) => !r.readOnly)`. */
  readonly regions: readonly RegionSpec[];
  /** Pages are 2^pageOrder bytes, 5..16. Default 10 (1 KiB). */
  readonly pageOrder?: number | undefined;
  /** Page allocator of every region, or per region name (others "buddy"). Default "buddy". */
  readonly allocator?: PageAllocatorKind | Readonly<Record<string, PageAllocatorKind>> | undefined;
  /** Ranges whose pages are never allocatable (image, .data/.bss, kernel stacks). Default none. */
  readonly reserved?: readonly ReservedRange[] | undefined;
  /** Follower of page transitions (the memory checker). Default none. */
  readonly observer?: PageObserver | null | undefined;
  /**
   * Manage regions that touch (e.g. STM32F407 SRAM1 + SRAM2) as one region named "SRAM1+SRAM2":
   * one metadata block and blocks that may cross the seam. Default false: every board region is
   * its own region, addressable by its name.
   */
  readonly mergeContiguous?: boolean | undefined;
}

/** One managed region as the bootstrap laid it out. */
export interface RegionInfo {
  /** The region's name (merged regions: the parts joined with "+"). */
  readonly name: string;
  /** Board regions it covers (more than one when contiguous regions were merged). */
  readonly parts: readonly string[];
  /** First byte address of the region. */
  readonly start: number;
  /** One past its last byte. */
  readonly end: number;
  /** Its page allocator. */
  readonly allocator: PageAllocatorKind;
  /** First page-aligned address (bytes below it, up to `start`, are lost). */
  readonly pageStart: number;
  /** End of the last whole page (bytes above it, up to `end`, are lost). */
  readonly pageEnd: number;
  /** Whole pages in [pageStart, pageEnd), metadata and reserved pages included. */
  readonly pages: number;
  /** Largest block order the region can hold (0 for "list"). */
  readonly maxOrder: number;
  /** Metadata pages: [metadataStart, metadataStart + metadataPages * pageSize). */
  readonly metadataStart: number;
  /** Pages carved out for the metadata. */
  readonly metadataPages: number;
  /** Bytes of metadata in use (header, page entries, bitmaps). */
  readonly metadataBytes: number;
}

/** What one page is, read from its region's metadata. */
export interface PageInfo {
  /** Name of the region holding the page. */
  readonly region: string;
  /** Address of the page. */
  readonly page: number;
  /** State of the block the page belongs to. */
  readonly state: "free" | "allocated" | "reserved" | "metadata";
  /** The block the page belongs to (a reserved or metadata page is a block of order 0). */
  readonly block: {
    /** Address of the block's first page. */
    readonly address: number;
    /** The block is 2^order pages. */
    readonly order: number;
  };
  /** Allocated: the owner; reserved: the range's label; otherwise null. */
  readonly owner: string | null;
}

/** One block of pages as {@link RegionManager.blocks} lists it (reserved and metadata pages are blocks of order 0). */
export interface BlockInfo {
  /** Name of the region holding the block. */
  readonly region: string;
  /** Address of its first page. */
  readonly address: number;
  /** The block is 2^order pages (always 0 in list regions). */
  readonly order: number;
  /** What the block is. */
  readonly state: "free" | "allocated" | "reserved" | "metadata";
  /** Allocated: the owner; reserved: the range's label; otherwise null. */
  readonly owner: string | null;
}

/** Pages held by one owner. */
export interface OwnerSummary {
  /** The id stored in its page entries (1..65535, in order of first use). */
  readonly id: number;
  /** The owner's name as given to `allocPages`. */
  readonly name: string;
  /** Allocated blocks it holds. */
  readonly blocks: number;
  /** Pages in those blocks. */
  readonly pages: number;
}

type Managed = ManagedRegion;

/**
 * The region manager: tracks every page of every region with per-page metadata carved out of the
 * region itself, in simulated memory, and hands out blocks of 2^order pages aligned on their size
 * (buddy) or single pages (list). Implements {@link PageSource} for secondary allocators and
 * publishes page transitions to a {@link PageObserver}.
 *
 * Every metadata access goes through `memory` with the actor switched to `ActorMode.Allocator`.
 * Bad input raises a {@link RegionError} and changes nothing; out of memory returns null. A
 * `Fault` raised by the core on a metadata access (an MPU set to deny the kernel its own
 * metadata) propagates as on the device, possibly with the metadata half-updated;
 * {@link RegionManager.consistencyCheck} then tells.
 *
 * @example
 * ```ts
 * import { createMachine, STM32F407 } from "@rtos-sim/hw";
 * import { RegionManager } from "@rtos-sim/region";
 * const m = createMachine(STM32F407);
 * const rm = new RegionManager({ memory: m.core, regions: m.board.memory.filter((r) => !r.readOnly) });
 * const block = rm.allocPages(2, { owner: "slab-64", region: "SRAM1" }); // 4 KiB, 4 KiB-aligned
 * rm.freePages(block!, 2);
 * ```
 */
export class RegionManager implements PageSource {
  /** Page size is 2^pageOrder bytes. */
  readonly pageOrder: number;
  /** Bytes per page. */
  readonly pageSize: number;
  /** Follower of page transitions, or null; may be set at any time. */
  observer: PageObserver | null;
  private readonly memory: MemoryPort;
  private readonly managed: readonly Managed[];
  private readonly byName = new Map<string, Managed>();
  private readonly ownerIds = new OwnerRegistry();
  private readonly largestOrder: number;

  /** Validates everything, then writes each region's metadata (typed error and no write on bad options). */
  constructor(options: RegionManagerOptions) {
    checkOptions(options);
    const input: PlanInput = {
      pageOrder: options.pageOrder ?? 10,
      regions: options.regions,
      allocator: options.allocator ?? "buddy",
      reserved: options.reserved ?? [],
      mergeContiguous: options.mergeContiguous ?? false,
    };
    const plans = planRegions(input);
    this.pageOrder = input.pageOrder;
    // A shift, not 2 ** n: V8 keeps the field (and every address computed from it) a small integer.
    this.pageSize = 1 << input.pageOrder;
    this.memory = options.memory;
    this.observer = options.observer ?? null;
    this.managed = plans.map((plan) => {
      const g = plan.geometry;
      const alloc =
        plan.kind === "buddy"
          ? new BuddyAllocator(options.memory, g, plan.metaBase)
          : new PageListAllocator(options.memory, g, plan.metaBase);
      return { plan, alloc, pfn0: g.pfn0, pfn1: g.pfn1, maxOrder: g.maxOrder };
    });
    this.largestOrder = Math.max(...this.managed.map((r) => r.maxOrder));
    for (const r of this.managed) {
      this.byName.set(r.plan.name, r);
      for (const part of r.plan.parts) this.byName.set(part, r);
    }
    const saved = this.enter();
    try {
      for (const r of this.managed) this.writeMetadata(r);
    } finally {
      this.leave(saved);
    }
  }

  private writeMetadata(r: Managed): void {
    const m = this.memory;
    const { plan } = r;
    const g = plan.geometry;
    const b = plan.metaBase;
    for (let a = b; a < b + HEADER_BYTES; a += 4) m.write32(a, 0);
    m.write32(b + Hdr.Magic, MAGIC);
    m.write8(b + Hdr.PageOrder, this.pageOrder);
    m.write8(b + Hdr.Kind, plan.kind === "buddy" ? 0 : 1);
    m.write8(b + Hdr.MaxOrder, g.maxOrder);
    m.write32(b + Hdr.Base, plan.pageStart);
    m.write32(b + Hdr.Pages, g.pages);
    m.write32(b + Hdr.MetaPages, g.metaPages);
    r.alloc.init(plan.fixed);
  }

  /** Switches the port's actor to allocator mode; returns the previous tag. */
  private enter(): number {
    const saved = this.memory.actor;
    this.memory.actor = withActorMode(saved, ActorMode.Allocator);
    return saved;
  }

  private leave(saved: number): void {
    this.memory.actor = saved;
  }

  // ---- PageSource ------------------------------------------------------------------------------

  /**
   * Allocates a block of 2^order pages aligned on its size for `request.owner`, in
   * `request.region` or, by default, in the lowest-address region that has one. Returns the
   * block's address, or null when no free block is large enough.
   * Errors: `BAD_ORDER`, `BAD_OWNER`, `UNKNOWN_REGION`.
   */
  allocPages(order: number, request: PageRequest): number | null {
    if (!Number.isInteger(order) || order < 0 || order > 31) {
      throw new RegionError("BAD_ORDER", `order must be an integer in 0..31, got ${String(order)}`, { order });
    }
    const name = request?.region;
    let only: Managed | undefined;
    if (name !== undefined) {
      only = this.byName.get(name);
      if (only === undefined) {
        throw new RegionError("UNKNOWN_REGION", `no managed region is named "${String(name)}"`, { region: name });
      }
      if (order > only.maxOrder) {
        throw new RegionError("BAD_ORDER", `region "${only.plan.name}" holds blocks up to order ${only.maxOrder}`, {
          order,
          region: only.plan.name,
          maxOrder: only.maxOrder,
          allocator: only.plan.kind,
        });
      }
    } else if (order > this.largestOrder) {
      throw new RegionError("BAD_ORDER", `no region holds blocks of order ${order}`, { order });
    }
    const owner = this.ownerIds.idOf(request?.owner);
    const saved = this.enter();
    let address = -1;
    try {
      if (only !== undefined) {
        const p = only.alloc.alloc(order, owner);
        if (p >= 0) address = p * this.pageSize;
      } else {
        for (const r of this.managed) {
          if (order > r.maxOrder) continue;
          const p = r.alloc.alloc(order, owner);
          if (p >= 0) {
            address = p * this.pageSize;
            break;
          }
        }
      }
    } finally {
      this.leave(saved);
    }
    if (address < 0) return null;
    if (this.observer !== null) this.observer.pagesGiven(address, this.pageSize * 2 ** order, request.owner);
    return address;
  }

  /**
   * Frees the block at `address` allocated with `order`, merging it with free buddies.
   * Errors (nothing changes): `BAD_ORDER`, `OUTSIDE_REGIONS`, `NOT_BLOCK_START`, `NOT_ALLOCATED`,
   * `DOUBLE_FREE`, `WRONG_ORDER`, `RESERVED`, `METADATA_CORRUPT`.
   */
  freePages(address: number, order: number): void {
    if (!Number.isInteger(order) || order < 0 || order > 31) {
      throw new RegionError("BAD_ORDER", `order must be an integer in 0..31, got ${String(order)}`, { address, order });
    }
    const r = this.regionOfPage(address);
    if (r === undefined) {
      throw new RegionError("OUTSIDE_REGIONS", `${hexOf(address)} is in no region's pages`, { address, order });
    }
    const saved = this.enter();
    let ownerId = 0;
    try {
      ownerId = checkFree(this.memory, r, address, order, this.pageSize);
      r.alloc.release(address / this.pageSize, order);
    } finally {
      this.leave(saved);
    }
    if (this.observer !== null) {
      this.observer.pagesReturned(address, this.pageSize * 2 ** order, this.ownerIds.nameOf(ownerId));
    }
  }

  private regionOfPage(address: number): Managed | undefined {
    if (typeof address !== "number" || !Number.isInteger(address)) return undefined;
    for (const r of this.managed) if (address >= r.plan.pageStart && address < r.plan.pageEnd) return r;
    return undefined;
  }

  // ---- queries ---------------------------------------------------------------------------------

  /** The managed regions in address order, as the bootstrap laid them out. */
  regions(): readonly RegionInfo[] {
    return this.managed.map(({ plan }) => ({
      name: plan.name,
      parts: plan.parts,
      start: plan.start,
      end: plan.end,
      allocator: plan.kind,
      pageStart: plan.pageStart,
      pageEnd: plan.pageEnd,
      pages: plan.geometry.pages,
      maxOrder: plan.geometry.maxOrder,
      metadataStart: plan.metaBase,
      metadataPages: plan.geometry.metaPages,
      metadataBytes: plan.geometry.metaBytes,
    }));
  }

  /** What the page holding `address` is (read from memory), or null outside every region's pages. */
  pageInfo(address: number): PageInfo | null {
    const r = this.regionOfPage(address);
    if (r === undefined) return null;
    const pfn = Math.floor(address / this.pageSize);
    const saved = this.enter();
    try {
      const [head, e] = headOf(this.memory, r, pfn, this.pageSize);
      const state = e & 7;
      const order = r.plan.kind === "buddy" && state <= PageState.Allocated ? (e >>> 4) & 31 : 0;
      const block = { address: head * this.pageSize, order };
      const base = { region: r.plan.name, page: pfn * this.pageSize, block };
      if (state === PageState.Allocated) return { ...base, state: "allocated", owner: this.ownerIds.nameOf(e >>> 16) };
      if (state === PageState.Reserved)
        return { ...base, state: "reserved", owner: r.plan.reserved[e >>> 16]?.label ?? "reserved" };
      if (state === PageState.Metadata) return { ...base, state: "metadata", owner: null };
      return { ...base, state: "free", owner: null };
    } finally {
      this.leave(saved);
    }
  }

  /** The owner of the allocated block holding `address`, or null (free, reserved, metadata, outside). */
  ownerOf(address: number): string | null {
    const info = this.pageInfo(address);
    return info?.state === "allocated" ? info.owner : null;
  }

  /**
   * The blocks of a region (or of every region) in address order, read from memory: free,
   * allocated (with the owner), reserved (with the label) and metadata pages. `UNKNOWN_REGION`
   * for a name no region has.
   */
  blocks(regionName?: string): readonly BlockInfo[] {
    let list = this.managed;
    if (regionName !== undefined) {
      const r = this.byName.get(regionName);
      if (r === undefined) {
        throw new RegionError("UNKNOWN_REGION", `no managed region is named "${String(regionName)}"`, {
          region: regionName,
        });
      }
      list = [r];
    }
    const out: BlockInfo[] = [];
    for (const r of list) {
      for (const b of this.scanOne(r).blocks) {
        const state =
          b.state === PageState.Free
            ? "free"
            : b.state === PageState.Allocated
              ? "allocated"
              : b.state === PageState.Reserved
                ? "reserved"
                : "metadata";
        const owner =
          b.state === PageState.Allocated
            ? this.ownerIds.nameOf(b.owner)
            : b.state === PageState.Reserved
              ? (r.plan.reserved[b.owner]?.label ?? "reserved")
              : null;
        out.push({ region: r.plan.name, address: b.pfn * this.pageSize, order: b.order, state, owner });
      }
    }
    return out;
  }

  /** Every owner that holds pages now, with its block and page counts (read from memory), in id order. */
  owners(): readonly OwnerSummary[] {
    const blocks = new Map<number, number>();
    const pages = new Map<number, number>();
    for (const s of this.scans()) {
      for (const b of s.blocks) {
        if (b.state !== PageState.Allocated) continue;
        blocks.set(b.owner, (blocks.get(b.owner) ?? 0) + 1);
        pages.set(b.owner, (pages.get(b.owner) ?? 0) + 2 ** b.order);
      }
    }
    return [...blocks.keys()]
      .sort((a, b) => a - b)
      .map((id) => ({ id, name: this.ownerIds.nameOf(id), blocks: blocks.get(id)!, pages: pages.get(id)! }));
  }

  /** Figures per region (read from memory): pages, lost edges, metadata overhead, free blocks per order, fragmentation. */
  stats(): readonly RegionStats[] {
    const scans = this.scans();
    return this.managed.map((r, i) => regionStats(r.plan, scans[i]!, this.pageSize));
  }

  /**
   * Reads every region's metadata through memory and verifies it: header, page entries and
   * blocks, reserved and metadata pages, free bitmaps and their summaries (buddy) or the free list
   * (list), the free page counter, and complete merging. Returns the problems found (empty when
   * consistent).
   */
  consistencyCheck(): readonly ConsistencyProblem[] {
    const saved = this.enter();
    try {
      return this.managed.flatMap((r) => checkRegion(this.memory, r.plan, this.ownerIds.list().length));
    } finally {
      this.leave(saved);
    }
  }

  /** Throws `METADATA_CORRUPT` (context: address, region, problem) on the first problem {@link consistencyCheck} finds. */
  assertConsistent(): void {
    const p = this.consistencyCheck()[0];
    if (p !== undefined) {
      throw new RegionError("METADATA_CORRUPT", `${p.region}: ${p.message}`, {
        address: p.address,
        region: p.region,
        problem: p.code,
      });
    }
  }

  /**
   * A text map of a region's pages for a terminal, one character per page (or per group of pages
   * on big regions), with a legend. `UNKNOWN_REGION` for a name no region has; `BAD_OPTION`
   * (naming the field) for a `width` or `pagesPerChar` that is not an integer from 1.
   */
  pageMap(regionName: string, options: PageMapOptions = {}): string {
    const r = this.byName.get(regionName);
    if (r === undefined) {
      throw new RegionError("UNKNOWN_REGION", `no managed region is named "${String(regionName)}"`, {
        region: regionName,
      });
    }
    // NaN and Infinity drew a map of "NaN pages" at address 0; 0 and fractions were changed
    // into something else without a word.
    for (const field of ["width", "pagesPerChar"] as const) {
      const value: unknown = options[field];
      if (value !== undefined && (!Number.isSafeInteger(value) || (value as number) < 1)) {
        throw new RegionError("BAD_OPTION", `pageMap: ${field} must be an integer from 1, got ${String(value)}`, {
          field,
          value,
        });
      }
    }
    const scan = this.scanOne(r);
    return renderPageMap(r.plan, scan, this.pageSize, (id) => this.ownerIds.nameOf(id), options);
  }

  private scans(): RegionScan[] {
    return this.managed.map((r) => this.scanOne(r));
  }

  private scanOne(r: Managed): RegionScan {
    const saved = this.enter();
    try {
      return scanRegion(this.memory, r.plan);
    } finally {
      this.leave(saved);
    }
  }
}

function hexOf(n: number): string {
  return typeof n === "number" && Number.isFinite(n) ? hex(n) : String(n);
}

/** `BAD_OPTION` unless the options, the memory port and the observer have the right shapes (checked before anything else). */
function checkOptions(options: RegionManagerOptions): void {
  const bad = (option: string, why: string, value: unknown) =>
    new RegionError("BAD_OPTION", `${option} ${why}`, { field: option, value: typeof value });
  if (typeof options !== "object" || options === null) throw bad("options", "must be an object", options);
  const { memory, observer } = options;
  if (!isMemoryPort(memory)) {
    throw bad("memory", "must be a memory port (the core, or dataViewPort)", memory);
  }
  if (observer !== undefined && observer !== null && typeof observer !== "object") {
    throw bad("observer", "must be an object (or null)", observer);
  }
}
