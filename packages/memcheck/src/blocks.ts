import type { BlockInfo, Site } from "./report.js";

/** The checker's record of one block handed out by an allocator. */
export interface BlockRecord {
  /** First user byte. */
  readonly address: number;
  /** Requested size. */
  size: number;
  readonly allocator: string;
  readonly allocatorKind: string;
  state: "live" | "freed" | "quarantined";
  allocated: Site;
  freed: Site | null;
}

/**
 * Live blocks by address, and a bounded history of freed ones (newest last) to name the block
 * in use-after-free and double-free reports. The lookups that scan are only used on error paths.
 */
export class BlockTable {
  readonly live = new Map<number, BlockRecord>();
  readonly freed: BlockRecord[] = [];
  private readonly history: number;

  constructor(history: number) {
    this.history = history;
  }

  /** Moves a live record to the freed history. */
  retire(rec: BlockRecord, state: "freed" | "quarantined", site: Site): void {
    this.live.delete(rec.address);
    rec.state = state;
    rec.freed = site;
    this.freed.push(rec);
    if (this.freed.length > this.history) this.freed.shift();
  }

  /** The live block containing `address`, if any. */
  liveContaining(address: number): BlockRecord | undefined {
    for (const b of this.live.values()) if (address >= b.address && address < b.address + Math.max(b.size, 1)) return b;
    return undefined;
  }

  /** The newest freed block containing `address`, if any. */
  freedContaining(address: number): BlockRecord | undefined {
    for (let i = this.freed.length - 1; i >= 0; i--) {
      const b = this.freed[i]!;
      if (address >= b.address && address < b.address + Math.max(b.size, 1)) return b;
    }
    return undefined;
  }

  /** The newest freed block starting at `address`, if any. */
  freedAt(address: number): BlockRecord | undefined {
    for (let i = this.freed.length - 1; i >= 0; i--) if (this.freed[i]!.address === address) return this.freed[i];
    return undefined;
  }

  /** The live (or, with `freed`, freed) block nearest to `address` within `reach` bytes outside it. */
  nearest(address: number, reach: number, freed = false): BlockRecord | undefined {
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
