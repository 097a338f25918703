import type { BlockRecord } from "./blocks.js";
import { MemcheckError } from "./errors.js";
import { frameContaining } from "./frames.js";
import type { Ledger } from "./ledger.js";
import { hex, type ReportKind } from "./report.js";
import type { Reporter } from "./reporter.js";
import type { Shadow } from "./shadow.js";
import { ALL, NO, StateBit, Tag, USR } from "./state.js";

const OWNERS = StateBit.A | StateBit.U;
/** Mask and value of a plain allocator-owned byte (ALL, any WRT/INI). */
const ALL_MASK = StateBit.A | StateBit.U | StateBit.P;
const ALL_VALUE = StateBit.A | StateBit.P;
const isAllPlain = (s: number) => (s & ALL_MASK) !== ALL_VALUE;

/** What {@link Transitions} works with. */
export interface TransitionsParts {
  readonly shadow: Shadow;
  readonly ledger: Ledger;
  readonly reporter: Reporter;
  /** Bytes per page of the observed region manager, or null. */
  readonly pageSize: number | null;
  /** How far outside a block an address is still attributed to it (the checker's resolved `reach`). */
  readonly reach: number;
}

/**
 * The checker's transitions: pages, blocks, redzones and quarantine, sharing, protection and
 * initialization, each checked against its expected source state in the shadow, and kept in the
 * ledger. A wrong source state goes to the reporter (and, with the default policy, stops the
 * caller before anything changes); bad input is a `MemcheckError`.
 */
export class Transitions {
  private readonly shadow: Shadow;
  private readonly ledger: Ledger;
  private readonly reporter: Reporter;
  private readonly pageSize: number | null;
  private readonly reach: number;

  constructor(parts: TransitionsParts) {
    this.shadow = parts.shadow;
    this.ledger = parts.ledger;
    this.reporter = parts.reporter;
    this.pageSize = parts.pageSize;
    this.reach = parts.reach;
  }

  // ---- pages ---------------------------------------------------------------------------------

  /** Region manager gave pages to an allocator: NO -> ALL, writable, uninitialized. */
  pagesGiven(address: number, size: number, owner: string): void {
    this.shadow.checkRange(address, size);
    const bad = this.shadow.find(address, size, (s) => s !== NO);
    if (bad >= 0) {
      const owned = (this.shadow.get(bad) & StateBit.K) !== 0;
      const kind = owned ? "double-alloc" : "invalid-transition";
      this.error(kind, `pages given to ${owner} are not free`, bad, size, null, [
        `pages [${hex(address)}, ${hex(address + size)}) expected owner NO`,
      ]);
    }
    this.shadow.fill(address, size, ALL | StateBit.W);
    const pageSize = this.ledger.poolContaining(address)?.pageSize ?? this.pageSize;
    this.ledger.pages.set(address, { size, owner, given: this.reporter.site(false), pageSize });
    this.ledger.pagesReused(address, size);
  }

  /**
   * Pages came back to the region manager: ALL -> NO, remembered as returned (with who held
   * them and who returned them) until given out again, so a later access is a use after free.
   * A nested page pool inside them goes with them (its free pages are NO already).
   */
  pagesReturned(address: number, size: number, owner: string): void {
    this.shadow.checkRange(address, size);
    const pools =
      this.ledger.pools.size === 0
        ? []
        : [...this.ledger.pools.values()].filter((p) => p.address >= address && p.address + p.size <= address + size);
    const inPool = (a: number) => pools.some((p) => a >= p.address && a < p.address + p.size);
    let bad = this.shadow.find(address, size, isAllPlain);
    while (bad >= 0 && this.shadow.get(bad) === NO && inPool(bad)) {
      const next = bad + 1 < address + size ? this.shadow.find(bad + 1, address + size - bad - 1, isAllPlain) : -1;
      bad = next;
    }
    if (bad >= 0) {
      const allNo = this.shadow.find(address, size, (s) => s !== NO) < 0;
      const live = this.ledger.blocks.liveContaining(bad) ?? null;
      const kind = allNo ? "double-free" : "invalid-transition";
      const why = allNo
        ? "pages returned twice"
        : live
          ? "pages returned while a block in them is live"
          : "pages returned in the wrong state";
      this.error(kind, `${why} (${owner})`, bad, size, live);
    }
    this.shadow.fill(address, size, NO);
    for (const p of pools) this.ledger.pools.delete(p.address);
    const rec = this.ledger.pages.get(address);
    this.ledger.pages.delete(address);
    if (pools.length > 0) {
      // The nested pools' page records go with them.
      for (const a of [...this.ledger.pages.keys()])
        if (a >= address && a < address + size) this.ledger.pages.delete(a);
    }
    const freed = this.reporter.site(false);
    const pageSize = rec?.pageSize ?? this.ledger.poolContaining(address)?.pageSize ?? this.pageSize;
    this.ledger.pagesReused(address, size);
    this.ledger.pagesFreed({ address, size, owner, given: rec?.given ?? freed, pageSize, freed });
  }

  /**
   * Pages given to `owner` become a nested page pool: a region manager of the owner's hands out
   * blocks of `pageSize`-byte pages from [address, address + size) (a slab-array task heap's
   * does). Its free pages are nobody's: ALL -> NO, until it gives them out (`pagesGiven`).
   */
  pagePool(address: number, size: number, owner: string, pageSize: number): void {
    this.shadow.checkRange(address, size);
    if (!Number.isInteger(pageSize) || pageSize <= 0 || (pageSize & (pageSize - 1)) !== 0) {
      throw new MemcheckError("OPTION_INVALID", "pageSize must be a power of two", { pageSize });
    }
    const bad = this.shadow.find(address, size, isAllPlain);
    if (bad >= 0) {
      const live = this.ledger.blocks.liveContaining(bad) ?? null;
      this.error("invalid-transition", `page pool of ${owner} over memory not held by an allocator`, bad, size, live);
    }
    this.shadow.fill(address, size, NO);
    this.ledger.pools.set(address, { address, size, owner, pageSize });
  }

  // ---- blocks -----------------------------------------------------------------------------------

  private newRecord(address: number, size: number, allocator: string): BlockRecord {
    return this.ledger.newBlock(address, size, allocator, this.reporter.site());
  }

  private error(
    kind: ReportKind,
    message: string,
    address: number,
    size: number,
    block: BlockRecord | null,
    details: string[] = [],
  ): void {
    this.reporter.transitionError(kind, message, address, size, block, details);
  }

  /** Checks that [address, address+size) may be handed out (all ALL); reports otherwise. */
  private expectAllocatorOwned(address: number, size: number, user: number, allocator: string): void {
    const prior = this.ledger.blocks.live.get(user);
    if (prior) {
      this.error("double-alloc", `block handed out twice by ${allocator}`, user, size, prior);
      return;
    }
    const bad = size > 0 ? this.shadow.mismatch(address, size, ALL_MASK, ALL_VALUE) : -1;
    if (bad < 0) return;
    const s = this.shadow.get(bad);
    if (
      (s & StateBit.U) !== 0 ||
      (s & (StateBit.K | StateBit.P)) === StateBit.K ||
      s === Tag.Redzone ||
      s === Tag.Freed
    ) {
      const live = this.ledger.blocks.liveContaining(bad) ?? null;
      this.error("double-alloc", `block overlaps a block already handed out`, bad, size, live);
    } else {
      this.error("invalid-transition", `block handed out by ${allocator} outside its pages`, bad, size, null);
    }
  }

  /** An allocator handed out [address, address + size): ALL -> USR, writable, uninitialized. */
  blockAllocated(address: number, size: number, allocator: string): void {
    if (size > 0) this.shadow.checkRange(address, size);
    this.expectAllocatorOwned(address, size, address, allocator);
    if (size > 0) this.shadow.fill(address, size, USR | StateBit.W);
    this.ledger.blocks.live.set(address, this.newRecord(address, size, allocator));
  }

  /**
   * Checks a free before the allocator performs it: reports double-free, invalid-free (interior,
   * wild, never allocated) or alloc-dealloc-mismatch. Returns whether the free may proceed
   * (with the default policy a bad free throws a CheckerFault instead of returning false).
   */
  checkFree(address: number, allocator: string): boolean {
    const a = address >>> 0;
    const rec = this.ledger.blocks.live.get(a);
    if (rec?.allocator === allocator) return true;
    if (this.notMalloced(a, rec ?? this.ledger.blocks.liveContaining(a))) return false;
    if (rec) {
      this.error("alloc-dealloc-mismatch", `block of ${rec.allocator} freed to ${allocator}`, a, rec.size, rec);
      return false;
    }
    const inside = this.ledger.blocks.liveContaining(a);
    if (inside) {
      this.error("invalid-free", `free of an address inside a block (interior pointer)`, a, 0, inside);
      return false;
    }
    const old = this.ledger.blocks.freedAt(a);
    if (old) {
      this.error("double-free", `block freed twice`, a, old.size, old);
      return false;
    }
    this.neverAllocated(a);
    return false;
  }

  /**
   * Reports the free of an address that is no block's start, live or freed, nor inside a live
   * block: described as ASan and Memcheck describe it, by where it lies. Inside a freed block
   * (an interior pointer to it), or within `reach` bytes of a block (its redzone, the
   * allocator's header between two blocks), the block is named with the address's place ("8
   * bytes to the left of 64-byte block"); in a static range of the image (`.data`, `.bss`, an
   * added root), that range with the offset, as Memcheck's "is 0 bytes inside data symbol";
   * elsewhere "never allocated", or "outside every memory region".
   */
  private neverAllocated(a: number): void {
    const blocks = this.ledger.blocks;
    const freed = blocks.freedContaining(a);
    if (freed) {
      this.error("invalid-free", "free of an address inside a freed block (interior pointer)", a, 0, freed);
      return;
    }
    const near = blocks.nearest(a, this.reach) ?? blocks.nearest(a, this.reach, true);
    if (near) {
      this.error("invalid-free", "free of an address never allocated", a, 0, near);
      return;
    }
    const range = this.ledger.roots.find((r) => a >= r.start && a - r.start < r.size);
    if (range) {
      const name = range.name ?? "static data";
      this.error("invalid-free", `free of an address in ${name}, not a heap block`, a, 0, null, [
        `${hex(a)} is located ${a - range.start} bytes inside ${name} [${hex(range.start)}, ${hex(range.start + range.size)})`,
      ]);
      return;
    }
    const wild = this.shadow.get(a) < 0;
    const message = wild ? "free of an address outside every memory region" : "free of an address never allocated";
    this.error("invalid-free", message, a, 0, null);
  }

  /**
   * Reports the free of an address no heap handed out though it lies in memory the checker knows:
   * a task's stack, or a partition (`region`, a block of an allocator of kind "partition"). Such
   * an address is ASan's "attempting free on address which was not malloc()-ed" (Memcheck:
   * "Invalid free()", "Address ... is on thread 1's stack"): `invalid-free`, not an interior
   * pointer or a mismatch, and no block's allocation site is named (the kernel's boot); on a
   * stack, the live call frame it lies in and its locals are described, as ASan does.
   * Returns whether it reported.
   */
  private notMalloced(a: number, region: BlockRecord | undefined): boolean {
    for (const st of this.ledger.stacks.values()) {
      if (a < st.base || a >= st.top) continue;
      const name = this.reporter.nameOf(st.task);
      const record = frameContaining(st.frames, a);
      this.reporter.transitionError(
        "invalid-free",
        `free of an address on the stack of task ${name}, not a heap block`,
        a,
        0,
        null,
        [`stack of task ${name}: [${hex(st.base)}, ${hex(st.top)}), SP ${hex(st.sp)}`],
        record ? { record, task: st.task } : null,
      );
      return true;
    }
    if (region?.allocatorKind !== "partition") return false;
    const end = region.address + region.size;
    this.error("invalid-free", "free of an address in a partition, not a heap block", a, 0, null, [
      `${hex(a)} is located ${a - region.address} bytes inside partition [${hex(region.address)}, ${hex(end)})`,
    ]);
    return true;
  }

  /** An allocator took back the block at `address`: USR -> ALL, writable, uninitialized. */
  blockFreed(address: number, _size: number, allocator: string): void {
    if (!this.checkFree(address, allocator)) return;
    const rec = this.ledger.blocks.live.get(address >>> 0)!;
    if (rec.size > 0) {
      const bad = this.shadow.mismatch(rec.address, rec.size, OWNERS, StateBit.U);
      if (bad >= 0) this.error("invalid-transition", "freed block is not user-owned (shared?)", bad, rec.size, rec);
      this.shadow.fill(rec.address, rec.size, ALL | StateBit.W);
    }
    this.ledger.blocks.retire(rec, "freed", this.reporter.site());
  }

  /** A block moved or changed size: checked like a free of the old bytes and an allocation of the new. */
  blockResized(oldAddress: number, oldSize: number, newAddress: number, newSize: number, allocator: string): void {
    const rec = this.ledger.blocks.live.get(oldAddress >>> 0);
    if (!rec) {
      this.error("invalid-transition", "resize of a block that is not live", oldAddress, oldSize, null);
      return;
    }
    if (rec.allocator !== allocator) {
      this.error(
        "alloc-dealloc-mismatch",
        `block of ${rec.allocator} resized by ${allocator}`,
        oldAddress,
        oldSize,
        rec,
      );
      return;
    }
    if (newSize > 0) this.shadow.checkRange(newAddress, newSize);
    const keep = Math.min(rec.size, newSize);
    const saved = rec.size > 0 ? this.shadow.snapshot(rec.address, rec.size) : new Uint8Array(0);
    if (rec.size > 0) this.shadow.fill(rec.address, rec.size, ALL | StateBit.W);
    const bad = newSize > 0 ? this.shadow.find(newAddress, newSize, isAllPlain) : -1;
    if (bad >= 0) {
      if (rec.size > 0) this.shadow.restore(rec.address, saved);
      this.error("double-alloc", "resized block overlaps memory already handed out", bad, newSize, rec);
    }
    if (newSize > 0) this.shadow.fill(newAddress, newSize, USR | StateBit.W);
    for (let i = 0; i < keep; i++) {
      if (saved[i]! & StateBit.I) this.shadow.update(newAddress + i, 1, ~0, StateBit.I);
    }
    if (newAddress === rec.address) {
      this.ledger.blocks.resize(rec, newSize);
      return;
    }
    this.ledger.blocks.retire(rec, "freed", this.reporter.site());
    this.ledger.blocks.live.set(newAddress, this.newRecord(newAddress, newSize, allocator));
  }

  // ---- redzones and quarantine (used by CheckedAllocator) ------------------------------------------

  /**
   * The inner allocator handed out [inner, inner + innerSize) of which [user, user + size) goes
   * to the user: the user bytes become USR, the rest redzone (NO).
   */
  guardedBlockAllocated(inner: number, innerSize: number, user: number, size: number, allocator: string): void {
    this.shadow.checkRange(inner, innerSize);
    this.expectAllocatorOwned(inner, innerSize, user, allocator);
    this.shadow.fill(inner, innerSize, Tag.Redzone);
    if (size > 0) this.shadow.fill(user, size, USR | StateBit.W);
    this.ledger.blocks.live.set(user, this.newRecord(user, size, allocator));
  }

  /**
   * A guarded block was resized by its allocator (in place when the addresses are equal), after
   * its old range [oldInner, oldInner + oldInnerSize) had been lent back to it (ALL) for the
   * work; `saved` holds that range's states from before. The new range is redzone but
   * [user, user + size), whose bytes kept from the old block keep their INI.
   */
  guardedBlockResized(
    oldInner: number,
    saved: Uint8Array,
    inner: number,
    innerSize: number,
    oldUser: number,
    user: number,
    size: number,
    allocator: string,
  ): void {
    this.shadow.checkRange(inner, innerSize);
    const rec = this.ledger.blocks.live.get(oldUser)!;
    const keep = Math.min(rec.size, size);
    this.shadow.fill(inner, innerSize, Tag.Redzone);
    if (size > 0) this.shadow.fill(user, size, USR | StateBit.W);
    for (let i = 0; i < keep; i++) {
      if (saved[oldUser - oldInner + i]! & StateBit.I) this.shadow.update(user + i, 1, ~0, StateBit.I);
    }
    if (user === oldUser) {
      this.ledger.blocks.resize(rec, size);
      return;
    }
    this.ledger.blocks.retire(rec, "freed", this.reporter.site(false));
    this.ledger.blocks.live.set(user, this.newRecord(user, size, allocator));
  }

  /**
   * A checked free kept the block in quarantine: USR -> NO (freed). Call after {@link checkFree}.
   * Returns the block's record (give it back to {@link releaseQuarantined}).
   */
  quarantineBlock(user: number): BlockRecord {
    const rec = this.ledger.blocks.live.get(user)!;
    if (rec.size > 0) {
      const bad = this.shadow.mismatch(rec.address, rec.size, OWNERS, StateBit.U);
      if (bad >= 0) this.error("invalid-transition", "freed block is not user-owned (shared?)", bad, rec.size, rec);
      this.shadow.fill(rec.address, rec.size, Tag.Freed);
    }
    this.ledger.blocks.retire(rec, "quarantined", this.reporter.site());
    return rec;
  }

  /** A quarantined block (with its redzones) goes back to its allocator: NO -> ALL, writable. */
  releaseQuarantined(inner: number, innerSize: number, rec: BlockRecord): void {
    this.shadow.checkRange(inner, innerSize);
    this.shadow.fill(inner, innerSize, ALL | StateBit.W);
    if (rec.state === "quarantined") rec.state = "freed";
  }

  // ---- share, protect, initialize ------------------------------------------------------------

  private retag(address: number, size: number, from: (s: number) => boolean, why: string, and: number, or: number) {
    this.shadow.checkRange(address, size);
    const bad = this.shadow.find(address, size, (s) => !from(s));
    if (bad >= 0) this.error("invalid-transition", why, bad, size, this.ledger.blocks.liveContaining(bad) ?? null);
    this.shadow.update(address, size, and, or);
  }

  /** Shares user memory with the allocator: USR -> ANY. */
  share(address: number, size: number): void {
    this.retag(address, size, (s) => (s & OWNERS) === StateBit.U, "share of memory that is not USR", ~0, StateBit.A);
  }

  /** Takes shared memory back from the allocator: ANY -> USR. */
  unshare(address: number, size: number): void {
    this.retag(address, size, (s) => (s & OWNERS) === OWNERS, "unshare of memory that is not ANY", ~StateBit.A, 0);
  }

  /** Makes owned memory read-only (clears WRT). */
  makeReadOnly(address: number, size: number): void {
    this.retag(address, size, (s) => (s & StateBit.K) !== 0, "read-only on memory nobody owns", ~StateBit.W, 0);
  }

  /** Makes owned memory writable (sets WRT). */
  makeWritable(address: number, size: number): void {
    this.retag(address, size, (s) => (s & StateBit.K) !== 0, "writable on memory nobody owns", ~0, StateBit.W);
  }

  /** Marks owned memory initialized (e.g. filled by DMA). */
  makeInitialized(address: number, size: number): void {
    this.retag(address, size, (s) => (s & StateBit.K) !== 0, "initialized on memory nobody owns", ~0, StateBit.I);
  }

  /** Marks owned memory uninitialized. */
  makeUninitialized(address: number, size: number): void {
    this.retag(address, size, (s) => (s & StateBit.K) !== 0, "uninitialized on memory nobody owns", ~StateBit.I, 0);
  }
}
