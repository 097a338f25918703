import { type BlockRecord, BlockTable } from "./blocks.js";
import type { MemoryRange } from "./options.js";
import type { Site } from "./report.js";
import type { StackRecord } from "./stacks.js";

/** Pages the region manager gave out: their size, the owner it named, and when. */
export interface PageRecord {
  /** Bytes of the block of pages. */
  readonly size: number;
  /** The owner the region manager named when giving them out. */
  readonly owner: string;
  /** Who took them and when. */
  readonly given: Site;
  /** Bytes per page of the region manager that gave them, or null when unknown. */
  readonly pageSize: number | null;
}

/** A block of pages returned to its region manager and not given out again since. */
export interface FreedPagesRecord extends PageRecord {
  /** First byte of the block of pages. */
  readonly address: number;
  /** Who returned them and when. */
  readonly freed: Site;
}

/**
 * A nested page pool: pages given to an owner that runs a region manager of its own over them
 * (a slab-array task heap does), whose free pages are nobody's until that manager gives them out.
 */
export interface PagePool {
  /** First byte of the pool. */
  readonly address: number;
  /** Bytes of the pool. */
  readonly size: number;
  /** The owner the outer region manager gave the pages to. */
  readonly owner: string;
  /** Bytes per page of the nested region manager. */
  readonly pageSize: number;
}

/**
 * What a leak check does with an allocator's blocks:
 * - `block` (default): candidates, reported when lost;
 * - `root`: memory the kernel holds (partitions, the kernel heap: control blocks, queue slots),
 *   scanned for pointers as roots and never reported;
 * - `ignored`: neither scanned nor reported (task stacks: their live part is a root through the
 *   stack records, the rest is dead).
 */
export type LeakRole = "block" | "root" | "ignored";

/**
 * The checker's ledger: what it knows about memory beyond the per-byte state. Live blocks and
 * the freed-block history (with their sites; a quarantined block is a freed one in state
 * `quarantined`), the allocators' kinds and leak roles, the pages given out and the history of
 * pages returned, nested page pools, the task stacks followed, and the leak roots. It is
 * bookkeeping only: the transitions keep it and the shadow in step, the access classifier and
 * the leak scan read it, and the checker's own tables are JS state no task can write.
 */
export class Ledger {
  /** Live blocks and freed-block history. */
  readonly blocks: BlockTable;
  /** Pages given out, by start address. */
  readonly pages = new Map<number, PageRecord>();
  /** Nested page pools, by start address. */
  readonly pools = new Map<number, PagePool>();
  /** Registered task stacks by task id. */
  readonly stacks = new Map<number, StackRecord>();
  /** Leak roots: image data and bss, plus those added. */
  readonly roots: MemoryRange[] = [];
  /** Lost blocks already reported, per leak kind (a later check counts them without a new report). */
  readonly leaksReported = new WeakMap<BlockRecord, string>();
  private readonly kinds = new Map<string, string>();
  private readonly roles = new Map<string, LeakRole>();
  /** Returned pages not given out again, oldest first (at most `pageHistory`). */
  private readonly freedPages = new Map<number, FreedPagesRecord>();
  private readonly pageHistory: number;

  /** `freedHistory`: how many freed blocks (and returned blocks of pages) to remember. */
  constructor(freedHistory: number) {
    this.blocks = new BlockTable(freedHistory);
    this.pageHistory = Math.min(freedHistory, 256);
  }

  /** Records what kind an allocator is (names "slab-out-of-bounds" vs "heap-buffer-overflow"). */
  registerAllocator(name: string, kind: string): void {
    this.kinds.set(name, kind);
  }

  /** The kind registered for an allocator, "heap" by default. */
  allocatorKind(name: string): string {
    return this.kinds.get(name) ?? "heap";
  }

  /** Sets what leak checks do with an allocator's blocks. */
  setLeakRole(allocator: string, role: LeakRole): void {
    this.roles.set(allocator, role);
  }

  /** What leak checks do with an allocator's blocks ("block" by default). */
  leakRole(allocator: string): LeakRole {
    return this.roles.get(allocator) ?? "block";
  }

  /** A new live record for a block an allocator handed out (not yet in the table). */
  newBlock(address: number, size: number, allocator: string, allocated: Site): BlockRecord {
    return {
      address,
      size,
      allocator,
      allocatorKind: this.allocatorKind(allocator),
      state: "live",
      allocated,
      freed: null,
    };
  }

  /** Removes the roots starting at `start`. */
  removeRoot(start: number): void {
    for (let i = this.roots.length - 1; i >= 0; i--) if (this.roots[i]!.start === start) this.roots.splice(i, 1);
  }

  /** What the leak scan starts from: the roots, then the live part [SP, top) of every stack. */
  scanRoots(): MemoryRange[] {
    const stackRoots = [...this.stacks.values()].map((s) => ({ start: s.sp, size: s.top - s.sp }));
    return [...this.roots, ...stackRoots];
  }

  // ---- pages ---------------------------------------------------------------------------------

  /** The pool [address, address + size) lies in, if any. */
  poolContaining(address: number): PagePool | undefined {
    for (const p of this.pools.values()) if (address >= p.address && address < p.address + p.size) return p;
    return undefined;
  }

  /** Records pages returned; they stay in the history until given out again (or pushed out). */
  pagesFreed(record: FreedPagesRecord): void {
    if (this.pageHistory === 0) return;
    this.freedPages.delete(record.address);
    this.freedPages.set(record.address, record);
    if (this.freedPages.size > this.pageHistory) {
      this.freedPages.delete(this.freedPages.keys().next().value!);
    }
  }

  /** Pages given out again: history entries overlapping [address, address + size) are dropped. */
  pagesReused(address: number, size: number): void {
    if (this.freedPages.size === 0) return;
    for (const r of this.freedPages.values()) {
      if (r.address < address + size && address < r.address + r.size) this.freedPages.delete(r.address);
    }
  }

  /** The newest returned block of pages containing `address` and not given out again, if any. */
  freedPagesContaining(address: number): FreedPagesRecord | undefined {
    let found: FreedPagesRecord | undefined;
    for (const r of this.freedPages.values()) if (address >= r.address && address < r.address + r.size) found = r;
    return found;
  }
}
