import { LiveBlocks, type LiveIndex } from "./live-index.js";
import type { BlockInfo, Site } from "./report.js";

/** The checker's record of one block handed out by an allocator. */
export interface BlockRecord {
  /** First user byte. */
  readonly address: number;
  /** Requested size. */
  size: number;
  /** Name of the allocator instance that handed it out (e.g. "heap:sensor"). */
  readonly allocator: string;
  /** That allocator's registered kind ("heap", "slab", ...; "heap" when it was never registered). */
  readonly allocatorKind: string;
  /** `live`; `freed` (back with its allocator); `quarantined` (freed, held back by a {@link CheckedAllocator}). */
  state: "live" | "freed" | "quarantined";
  /** When and by whom it was allocated. */
  allocated: Site;
  /** When and by whom it was freed, or null while live. */
  freed: Site | null;
}

/**
 * Live blocks by address, and a bounded history of freed ones (newest last) to name the block
 * in use-after-free and double-free reports. The look-ups are only used on error paths; the live
 * ones go through an index by address built at the first one (a scan when blocks overlap), so a
 * task holding many blocks does not pay for all of them at every report.
 */
export class BlockTable {
  /** Live blocks by start address (first user byte). */
  readonly live: Map<number, BlockRecord>;
  /** The live blocks by address, for the look-ups. */
  private readonly index: LiveIndex;
  /** Freed blocks, a ring of `history` entries; `next` is where the next one goes. */
  private readonly ring: (BlockRecord | undefined)[];
  private next = 0;

  constructor(history: number) {
    const live = new LiveBlocks();
    this.live = live;
    this.index = live.index;
    this.ring = new Array(history);
  }

  /** Changes a live block's size (a block resized in place). */
  resize(rec: BlockRecord, size: number): void {
    rec.size = size;
    this.index.added(rec);
  }

  /** Freed blocks remembered, newest first. */
  get freed(): BlockRecord[] {
    const out: BlockRecord[] = [];
    const n = this.ring.length;
    for (let k = 1; k <= n; k++) {
      const b = this.ring[(this.next - k + n) % n];
      if (b) out.push(b);
    }
    return out;
  }

  /** Moves a live record to the freed history. */
  retire(rec: BlockRecord, state: "freed" | "quarantined", site: Site): void {
    this.live.delete(rec.address);
    rec.state = state;
    rec.freed = site;
    if (this.ring.length === 0) return;
    this.ring[this.next] = rec;
    this.next = (this.next + 1) % this.ring.length;
  }

  /** The live block containing `address`, if any. */
  liveContaining(address: number): BlockRecord | undefined {
    const found = this.index.containing(address);
    if (found !== null) return found;
    for (const b of this.live.values()) if (address >= b.address && address < b.address + Math.max(b.size, 1)) return b;
    return undefined;
  }

  private newest(match: (b: BlockRecord) => boolean): BlockRecord | undefined {
    const n = this.ring.length;
    for (let k = 1; k <= n; k++) {
      const b = this.ring[(this.next - k + n) % n];
      if (b === undefined) return undefined;
      if (match(b)) return b;
    }
    return undefined;
  }

  /** The newest freed block containing `address`, if any. */
  freedContaining(address: number): BlockRecord | undefined {
    return this.newest((b) => address >= b.address && address < b.address + Math.max(b.size, 1));
  }

  /** The newest freed block starting at `address`, if any. */
  freedAt(address: number): BlockRecord | undefined {
    return this.newest((b) => b.address === address);
  }

  /** The live (or, with `freed`, freed) block nearest to `address` within `reach` bytes outside it. */
  nearest(address: number, reach: number, freed = false): BlockRecord | undefined {
    if (!freed) {
      const found = this.index.nearest(address, reach);
      if (found !== null) return found;
    }
    let best: BlockRecord | undefined;
    let bestD = reach + 1;
    const consider = (b: BlockRecord) => {
      const end = b.address + b.size;
      const d = address < b.address ? b.address - address : address >= end ? address - end : 0;
      if (d < bestD) {
        best = b;
        bestD = d;
      }
    };
    if (freed) for (const b of this.freed) consider(b);
    else for (const b of this.live.values()) consider(b);
    return best;
  }
}

/** Describes where `address` is relative to a block. */
export function blockInfo(b: BlockRecord, address: number): BlockInfo {
  const end = b.address + b.size;
  const relation = address < b.address ? "left" : address >= end ? "right" : "inside";
  const distance =
    relation === "left" ? b.address - address : relation === "right" ? address - end : address - b.address;
  return {
    address: b.address,
    size: b.size,
    allocator: b.allocator,
    allocatorKind: b.allocatorKind,
    state: b.state,
    relation,
    distance,
    allocated: b.allocated,
    freed: b.freed,
  };
}
