import { type BlockRecord, BlockTable } from "./blocks.js";
import type { MemoryRange } from "./options.js";
import type { Site } from "./report.js";
import type { StackRecord } from "./stacks.js";

/** Pages the region manager gave out: their size and the owner it named. */
export interface PageRecord {
  readonly size: number;
  readonly owner: string;
}

/**
 * The checker's ledger: what it knows about memory beyond the per-byte state. Live blocks and
 * the freed-block history (with their sites; a quarantined block is a freed one in state
 * `quarantined`), the allocators' kinds, the pages given out, the task stacks followed, and the
 * leak roots. It is bookkeeping only: the transitions keep it and the shadow in step, the
 * access classifier and the leak scan read it, and the checker's own tables are JS state no task
 * can write.
 */
export class Ledger {
  /** Live blocks and freed-block history. */
  readonly blocks: BlockTable;
  /** Pages given out, by start address. */
  readonly pages = new Map<number, PageRecord>();
  /** Registered task stacks by task id. */
  readonly stacks = new Map<number, StackRecord>();
  /** Leak roots: image data and bss, plus those added. */
  readonly roots: MemoryRange[] = [];
  private readonly kinds = new Map<string, string>();

  /** `freedHistory`: how many freed blocks to remember. */
  constructor(freedHistory: number) {
    this.blocks = new BlockTable(freedHistory);
  }

  /** Records what kind an allocator is (names "slab-out-of-bounds" vs "heap-buffer-overflow"). */
  registerAllocator(name: string, kind: string): void {
    this.kinds.set(name, kind);
  }

  /** The kind registered for an allocator, "heap" by default. */
  allocatorKind(name: string): string {
    return this.kinds.get(name) ?? "heap";
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
}
