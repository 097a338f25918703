import type { BlockRecord } from "./blocks.js";

/** Changes since the index was built that look-ups go through one by one; past them it is dropped. */
const PENDING_MAX = 64;

/** Look-ups scanned before the index is built again: at first, at least, and at most. */
const PATIENCE_FIRST = 8;
const PATIENCE_MAX = 4096;

/** The bytes a block spans for a look-up: [address, address + max(size, 1)). */
const spanEnd = (b: BlockRecord) => b.address + Math.max(b.size, 1);

/**
 * The live blocks by address, as {@link BlockTable}'s error paths look them up: the block holding
 * an address, or the nearest one. A scan of every live block costs 4-30 ns a block, so a task
 * that holds 100,000 blocks paid about 0.4 ms for each report, even a suppressed one, and a run
 * with a report in a loop slowed down in proportion to its blocks.
 *
 * The index is a sorted array built after a few look-ups (8 at first), then kept while blocks
 * come and go: the ones set since ({@link LiveIndex.added}) are looked at one by one and the
 * sorted entries of blocks since freed are skipped, up to 64 changes; then it is dropped and the
 * look-ups scan until it is worth building again. Its patience adapts: an index dropped before
 * it answered as many look-ups as were scanned before it doubles the scans before the next
 * (up to 4,096), so a task that allocates much and reports now and then pays about what the scan
 * cost; one that reports in a loop pays a binary search. Allocations and frees cost a push and a
 * count while it is built, a test once dropped.
 *
 * It never answers differently from the scan in the table's order: where that answer depends on
 * the order (blocks that overlap, handed out twice by a corrupt allocator; two blocks at the same
 * distance), `null` tells the caller to scan.
 */
export class LiveIndex {
  /** Live blocks sorted by address when built (some since freed or replaced), or null. */
  private sorted: BlockRecord[] | null = null;
  /** Blocks set or resized since the index was built. */
  private readonly pending: BlockRecord[] = [];
  /** Blocks removed since it was built. */
  private removed = 0;
  /** Whether the sorted blocks overlapped when the index was built. */
  private builtOverlapping = false;
  /** Whether the blocks overlap, as of the last check (null: check again). */
  private overlapping: boolean | null = null;
  /** Look-ups scanned since the index was dropped, and how many to scan before building it. */
  private scans = 0;
  private patience = PATIENCE_FIRST;
  /** Look-ups the index answered since it was built. */
  private served = 0;

  /** `live`: the table's map of live blocks by address (the index reads it, never writes it). */
  constructor(private readonly live: ReadonlyMap<number, BlockRecord>) {}

  /** A block was set (allocated, or its size changed). */
  added(rec: BlockRecord): void {
    if (this.sorted === null) return;
    this.overlapping = null;
    if (this.pending.push(rec) + this.removed > PENDING_MAX) this.reset();
  }

  /** A block was removed. */
  deleted(): void {
    if (this.sorted === null) return;
    if (this.pending.length + ++this.removed > PENDING_MAX) this.reset();
  }

  /** Drops the index (too many changes, or every block removed); look-ups scan until it is built again. */
  reset(): void {
    if (this.sorted !== null) {
      this.patience =
        this.served < this.patience
          ? Math.min(this.patience * 2, PATIENCE_MAX)
          : Math.max(this.patience / 2, PATIENCE_FIRST);
    }
    this.sorted = null;
    this.pending.length = 0;
    this.removed = 0;
    this.overlapping = null;
    this.scans = 0;
    this.served = 0;
  }

  /**
   * The live block holding `address` (in [address, address + max(size, 1))), undefined when
   * none does, or null when the index cannot tell (blocks overlap: scan).
   */
  containing(address: number): BlockRecord | undefined | null {
    if (!this.ready()) return null;
    const p = this.before(address);
    if (p !== undefined && address < spanEnd(p)) return p;
    for (const b of this.pending) if (this.current(b) && address >= b.address && address < spanEnd(b)) return b;
    return undefined;
  }

  /**
   * The live block nearest to `address` within `reach` bytes outside it (0 inside), undefined
   * when none is, or null when the index cannot tell (blocks overlap, or two are as near: scan).
   */
  nearest(address: number, reach: number): BlockRecord | undefined | null {
    if (!this.ready()) return null;
    const candidates: BlockRecord[] = [];
    const p = this.before(address);
    if (p !== undefined) {
      candidates.push(p);
      // A zero-size block right at its left neighbour's end is as near as that neighbour.
      const q = this.before(p.address - 1);
      if (q !== undefined && q.address + q.size === p.address + p.size) candidates.push(q);
    }
    const n = this.after(address);
    if (n !== undefined) candidates.push(n);
    for (const b of this.pending) if (this.current(b) && !candidates.includes(b)) candidates.push(b);
    let best: BlockRecord | undefined;
    let bestD = reach + 1;
    let tie = false;
    for (const b of candidates) {
      const end = b.address + b.size;
      const d = address < b.address ? b.address - address : address >= end ? address - end : 0;
      if (d < bestD) {
        best = b;
        bestD = d;
        tie = false;
      } else if (d === bestD && best !== undefined) tie = true;
    }
    return tie ? null : best;
  }

  /** Builds the index when it is worth it; false when a look-up should scan (not built, or blocks overlap). */
  private ready(): boolean {
    if (this.sorted === null) {
      if (++this.scans <= this.patience) return false;
      const sorted = [...this.live.values()].sort((a, b) => a.address - b.address);
      this.sorted = sorted;
      this.builtOverlapping = sorted.some((b, i) => i > 0 && b.address < spanEnd(sorted[i - 1]!));
      this.overlapping = null;
    }
    if (this.overlapping === null) this.overlapping = this.builtOverlapping || this.freshOverlap();
    if (this.overlapping) return false;
    this.served++;
    return true;
  }

  /** Whether a block set since the index was built overlaps another live block. */
  private freshOverlap(): boolean {
    const fresh = [...new Set(this.pending)].filter((b) => this.current(b)).sort((a, b) => a.address - b.address);
    for (let i = 0; i < fresh.length; i++) {
      const b = fresh[i]!;
      if (i > 0 && b.address < spanEnd(fresh[i - 1]!)) return true;
      const l = this.before(b.address);
      if (l !== undefined && b.address < spanEnd(l)) return true;
      const r = this.after(b.address);
      if (r !== undefined && r.address < spanEnd(b)) return true;
    }
    return false;
  }

  /** Whether `b` is the live block at its address now. */
  private current(b: BlockRecord): boolean {
    return this.live.get(b.address) === b;
  }

  /** Whether a sorted entry is live and unchanged since the index was built (else it is skipped). */
  private settled(b: BlockRecord): boolean {
    return this.current(b) && !this.pending.includes(b);
  }

  /** Index of the first sorted entry whose address is above `address`. */
  private upper(address: number): number {
    const s = this.sorted!;
    let lo = 0;
    let hi = s.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (s[mid]!.address <= address) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The settled sorted block with the highest address at or below `address`. */
  private before(address: number): BlockRecord | undefined {
    const s = this.sorted!;
    for (let i = this.upper(address) - 1; i >= 0; i--) if (this.settled(s[i]!)) return s[i];
    return undefined;
  }

  /** The settled sorted block with the lowest address above `address`. */
  private after(address: number): BlockRecord | undefined {
    const s = this.sorted!;
    for (let i = this.upper(address); i < s.length; i++) if (this.settled(s[i]!)) return s[i];
    return undefined;
  }
}

/**
 * The table's map of live blocks by address: a Map that tells its {@link LiveIndex} of every
 * change (`set`, `delete`, `clear`).
 */
export class LiveBlocks extends Map<number, BlockRecord> {
  /** The index of these blocks by address. */
  readonly index: LiveIndex = new LiveIndex(this);

  /** Sets the live block at `address` (and tells the index). */
  override set(address: number, rec: BlockRecord): this {
    super.set(address, rec);
    this.index.added(rec);
    return this;
  }

  /** Removes the live block at `address` (and tells the index). */
  override delete(address: number): boolean {
    if (!super.delete(address)) return false;
    this.index.deleted();
    return true;
  }

  /** Removes every live block (and drops the index). */
  override clear(): void {
    super.clear();
    this.index.reset();
  }
}
