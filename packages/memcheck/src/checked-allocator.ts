import type { BlockRecord } from "./blocks.js";
import type { MemoryChecker } from "./checker.js";
import { MemcheckError } from "./errors.js";
import { hex } from "./report.js";
import { ALL, StateBit } from "./state.js";

/** The block transitions an allocator reports (the shape of `@rtos-sim/alloc`'s BlockObserver). */
export interface BlockObserverLike {
  /** A block [address, address + size) was handed out to a user by the allocator named `allocator`. */
  blockAllocated(address: number, size: number, allocator: string): void;
  /** The block at `address` (`size` bytes) was freed back to `allocator`. */
  blockFreed(address: number, size: number, allocator: string): void;
  /** A block moved or changed size (in place when the two addresses are equal). */
  blockResized(oldAddress: number, oldSize: number, newAddress: number, newSize: number, allocator: string): void;
  /** Copies a moving resize's bytes (optional). */
  readonly memcpy?: ((dst: number, src: number, length: number) => void) | undefined;
}

/**
 * Anything with the shape of `@rtos-sim/alloc`'s `Allocator` (memcheck has no runtime
 * dependency on it): allocate, free, owns, blockSize, stats, releaseEmpty, observer.
 */
export interface AllocatorLike {
  /** Instance name, shown in reports and used as the checker's allocator key. */
  readonly name: string;
  /** Allocator kind ("heap", "slab", "slab-array", "stack", "tlsf"): `slab` kinds report `slab-out-of-bounds`. */
  readonly kind: string;
  /** Hands out at least `size` bytes aligned on `align`; returns the address, or null when out of memory. */
  allocate(size: number, align?: number): number | null;
  /** Frees the live block starting at `address`. */
  free(address: number): void;
  /** In-place growth (TLSF, first fit): used by a checked resize when moving finds no room. */
  readonly resize?: ((address: number, size: number) => number | null) | undefined;
  /** Whether `address` is the start of a live block of this allocator. */
  owns(address: number): boolean;
  /** Usable size in bytes of the live block at `address`, or undefined when there is none. */
  blockSize(address: number): number | undefined;
  /** The allocator's counters (its own stats object). */
  stats(): object;
  /** Returns empty pages to the region manager; returns how many pages went back. */
  releaseEmpty(): number;
  /** Follower of block transitions, or null (a {@link CheckedAllocator} clears its inner allocator's). */
  observer: BlockObserverLike | null;
}

/** Options of {@link checkedAllocator}. */
export interface CheckedAllocatorOptions {
  /** Redzone bytes on each side of a block, an integer >= 0 (rounded up to the alignment on the left). Default 16. */
  readonly redzone?: number | undefined;
  /** Bytes of freed blocks (with their redzones) held back before the real free. Default 64 KiB. */
  readonly quarantineBytes?: number | undefined;
  /**
   * Bytes the inner allocator manages (e.g. the task heap's size): the quarantine then holds at
   * most `quarantineFraction` of it, so it never starves the program (ASan bounds its quarantine
   * too). Default: unknown (only `quarantineBytes` bounds it).
   */
  readonly capacity?: number | undefined;
  /** Largest share of `capacity` the quarantine may hold. Default 1/4. */
  readonly quarantineFraction?: number | undefined;
}

interface Guarded {
  readonly inner: number;
  innerSize: number;
  readonly user: number;
  record: BlockRecord | null;
}

/**
 * An allocator wrapped with redzones and a quarantine. Each allocation asks the inner allocator
 * for size + redzones, poisons the redzones and hands out the address after the left one; each
 * free poisons the block and keeps it in a FIFO quarantine until the byte budget evicts it to
 * the real free. So an overflow into a neighbouring live block hits a redzone first, and a stale
 * pointer used after the memory was handed out again still hits a freed block.
 *
 * A correct program must get the same answers with the checker on: when the inner allocator
 * cannot satisfy a request, quarantined blocks go back to it oldest first, the request retried
 * after each, and when the quarantine is empty the block is asked for without redzones (its
 * neighbours' redzones still fence it). The quarantine holds at most `quarantineFraction` of the
 * heap's `capacity`.
 *
 * The wrapper takes over the inner allocator's observer (it reports to the checker itself).
 */
export class CheckedAllocator<A extends AllocatorLike = AllocatorLike> implements AllocatorLike {
  /** The inner allocator's name. */
  readonly name: string;
  /** The inner allocator's kind (registered with the checker at construction). */
  readonly kind: A["kind"];
  /**
   * The wrapped allocator: it sees each block with its redzones. Its observer is cleared, so
   * blocks taken from it directly are unknown to the checker.
   */
  readonly inner: A;
  /**
   * Redzone bytes asked for on each side of a block (option `redzone`, default 16; the left one rounded up to the
   * alignment).
   */
  readonly redzone: number;
  /** The quarantine's byte budget: `quarantineBytes`, capped at `quarantineFraction` of `capacity`. */
  readonly quarantineBytes: number;
  /** Not used: the checker is told directly. Present for the Allocator shape. */
  observer: BlockObserverLike | null = null;
  private readonly checker: MemoryChecker;
  private readonly live = new Map<number, Guarded>();
  private readonly fifo: Guarded[] = [];
  private head = 0;
  private held = 0;

  constructor(checker: MemoryChecker, inner: A, options: CheckedAllocatorOptions = {}) {
    const redzone = options.redzone ?? 16;
    const budget = options.quarantineBytes ?? 64 * 1024;
    const fraction = options.quarantineFraction ?? 1 / 4;
    const capacity = options.capacity ?? Number.POSITIVE_INFINITY;
    // A redzone that is not a whole number of bytes (or Infinity) would make every request with
    // redzones a bad size: each allocation would drain the quarantine and go without them.
    if (
      !Number.isSafeInteger(redzone) ||
      redzone < 0 ||
      !(budget >= 0) ||
      !(fraction >= 0 && fraction <= 1) ||
      !(capacity > 0)
    ) {
      throw new MemcheckError(
        "OPTION_INVALID",
        "redzone must be an integer >= 0, quarantineBytes >= 0, quarantineFraction in [0, 1], capacity > 0",
        { redzone, quarantineBytes: budget, quarantineFraction: fraction, capacity },
      );
    }
    const quarantineBytes = Math.min(budget, Math.floor(capacity * fraction));
    this.checker = checker;
    this.inner = inner;
    this.name = inner.name;
    this.kind = inner.kind;
    this.redzone = redzone;
    this.quarantineBytes = quarantineBytes;
    inner.observer = null;
    checker.registerAllocator(inner.name, inner.kind);
  }

  /** Bytes held in quarantine now. */
  get quarantined(): number {
    return this.held;
  }

  /**
   * Allocates `size` bytes aligned on `align` (default 8) between two redzones; `label` is
   * recorded as the allocation site. When the inner allocator is out of memory, quarantined
   * blocks are released oldest first (retrying after each), then the block is asked for without
   * redzones. Returns null when even that fails.
   */
  allocate(size: number, align = 8, label?: string): number | null {
    if (!(align > 0) || (align & (align - 1)) !== 0) {
      throw new MemcheckError("OPTION_INVALID", "align must be a power of two", { align });
    }
    let left = this.redzone === 0 ? 0 : Math.ceil(this.redzone / align) * align;
    let right = this.redzone;
    let inner = this.tryInner(left + size + right, align);
    while (inner === null && this.head < this.fifo.length) {
      this.evict();
      inner = this.tryInner(left + size + right, align);
    }
    if (inner === null && left + right > 0) {
      left = 0;
      right = 0;
      inner = this.inner.allocate(size, align);
    }
    if (inner === null) return null;
    const innerSize = this.inner.blockSize(inner) ?? left + size + right;
    const user = inner + left;
    if (label !== undefined) this.checker.at(label);
    this.checker.guardedBlockAllocated(inner, innerSize, user, size, this.name);
    this.live.set(user, { inner, innerSize, user, record: null });
    return user;
  }

  /**
   * The inner allocator's block for a request grown by redzones, or null: a size the allocator
   * refuses outright (`BAD_SIZE`: above a slab array's largest class) is no room for redzones,
   * and the request is tried again without them (where the same error, the bare allocator's own
   * answer, goes to the caller).
   */
  private tryInner(size: number, align: number): number | null {
    try {
      return this.inner.allocate(size, align);
    } catch (e) {
      if ((e as { code?: unknown }).code === "BAD_SIZE") return null;
      throw e;
    }
  }

  /** Frees a block: checked (double, invalid, mismatched), poisoned, then quarantined. */
  free(address: number, label?: string): void {
    if (label !== undefined) this.checker.at(label);
    const ok = this.checker.checkFree(address, this.name);
    const g = this.live.get(address);
    if (!ok || !g) return; // reported (with the default policy, thrown)
    this.hold(g);
    while (this.held > this.quarantineBytes) this.evict();
  }

  /** Poisons a live block and puts it at the end of the quarantine (no eviction). */
  private hold(g: Guarded): void {
    g.record = this.checker.quarantineBlock(g.user);
    this.live.delete(g.user);
    this.fifo.push(g);
    this.held += g.innerSize;
  }

  /**
   * Resizes a block the way ASan's realloc does: always a new guarded block, the kept bytes
   * copied with their INI state (`checker.memcpy`, as the running actor), the old block freed
   * into quarantine, so a stale pointer to the old block is caught. `size` 0 frees the block and
   * returns null; null when out of memory (the old block unchanged). A bad address is reported
   * as a free would be.
   */
  resize(address: number, size: number, label?: string): number | null {
    const g = this.live.get(address);
    if (!g) {
      this.free(address, label);
      return null;
    }
    if (size === 0) {
      this.free(address, label);
      return null;
    }
    const old = this.checker.blocks.live.get(address)?.size ?? 0;
    // The call's label, given here or set before the call (`checker.at`, as the kernel's realloc
    // does): the new block's allocation consumes it, and the old block's free repeats it.
    const why = label ?? this.checker.reporter.pendingLabel ?? undefined;
    const p = this.allocate(size, 8, label);
    if (p === null) return this.resizeInPlace(g, size);
    this.checker.memcpy(p, address, Math.min(old, size));
    // The free's site says why: a stale pointer's report then reads "freed by ... (realloc moved
    // it to 0x...)", as ASan's free stack shows realloc.
    const moved = `realloc moved it to ${hex(p)}`;
    try {
      this.free(address, why === undefined ? moved : `${why}, ${moved}`);
    } catch (e) {
      // The old block is freed, but handing an older one back to the allocator failed (its header
      // corrupted): the call fails, and the new block, which no caller will ever learn of, is
      // freed too rather than left live for nobody.
      this.hold(this.live.get(p)!);
      throw e;
    }
    return p;
  }

  /**
   * No room to move (quarantine drained, even without redzones): the inner allocator resizes the
   * block where it is, as it would without the checker (growing into a free neighbour), so a
   * correct realloc loop gets the same answers. The block's range is lent back to it (ALL) for
   * the work, then the redzones are laid again. Its own move would need the very room the
   * allocation above did not find, so it stays in place; should it move, the data moves raw.
   */
  private resizeInPlace(g: Guarded, size: number): number | null {
    const inner = this.inner;
    if (typeof inner.resize !== "function") return null;
    const shadow = this.checker.shadow;
    const left = g.user - g.inner;
    const saved = shadow.snapshot(g.inner, g.innerSize);
    shadow.fill(g.inner, g.innerSize, ALL | StateBit.W);
    const checker = this.checker;
    inner.observer = {
      blockAllocated() {},
      blockFreed() {},
      blockResized() {},
      memcpy: (d, s, n) => checker.copyRaw(d, s, n),
    };
    let r: number | null = null;
    try {
      r = inner.resize(g.inner, left + size + this.redzone) ?? inner.resize(g.inner, left + size);
    } finally {
      inner.observer = null;
    }
    if (r === null) {
      shadow.restore(g.inner, saved);
      return null;
    }
    const innerSize = inner.blockSize(r) ?? left + size;
    this.checker.guardedBlockResized(g.inner, saved, r, innerSize, g.user, r + left, size, this.name);
    this.live.delete(g.user);
    this.live.set(r + left, { inner: r, innerSize, user: r + left, record: null });
    return r + left;
  }

  /** Empties the quarantine (every held block really freed); returns how many blocks went. */
  flushQuarantine(): number {
    let n = 0;
    while (this.head < this.fifo.length) {
      this.evict();
      n++;
    }
    return n;
  }

  private evict(): void {
    const g = this.fifo[this.head++]!;
    this.held -= g.innerSize;
    if (this.head > 1024 && this.head * 2 > this.fifo.length) {
      this.fifo.splice(0, this.head);
      this.head = 0;
    }
    this.checker.releaseQuarantined(g.inner, g.innerSize, g.record!);
    this.inner.free(g.inner);
  }

  /** Whether `address` is a live block handed out by this wrapper. */
  owns(address: number): boolean {
    return this.live.has(address);
  }

  /** Requested size of the live block at `address`. */
  blockSize(address: number): number | undefined {
    const g = this.live.get(address);
    return g ? this.checker.blocks.live.get(g.user)?.size : undefined;
  }

  /** The inner allocator's counters (blocks in quarantine still count as live there). */
  stats(): ReturnType<A["stats"]> {
    return this.inner.stats() as ReturnType<A["stats"]>;
  }

  /** Flushes the quarantine, then returns the inner allocator's empty pages. */
  releaseEmpty(): number {
    this.flushQuarantine();
    return this.inner.releaseEmpty();
  }
}

/**
 * Wraps an allocator with redzones and a quarantine.
 *
 * @example
 * ```ts
 * import { createMachine, STM32F407 } from "@rtos-sim/hw";
 * import { TlsfAllocator } from "@rtos-sim/alloc";
 * import { checkedAllocator, MemoryChecker } from "@rtos-sim/memcheck";
 * import { RegionManager } from "@rtos-sim/region";
 * const m = createMachine(STM32F407);
 * const rm = new RegionManager({ memory: m.core, regions: m.board.memory.filter((r) => !r.readOnly) });
 * const metadata = rm.regions().map((r) => ({ start: r.metadataStart, size: r.metadataPages * rm.pageSize }));
 * const checker = new MemoryChecker(m, { metadata }).attach();
 * rm.observer = checker;
 * const rawHeap = new TlsfAllocator({ name: "tlsf", pages: rm, memory: m.core, region: "SRAM1", observer: checker });
 * const heap = checkedAllocator(checker, rawHeap, { redzone: 16, quarantineBytes: 64 * 1024 });
 * const p = heap.allocate(10, 8, "sensor.ts:12")!;
 * heap.free(p);
 * ```
 */
export function checkedAllocator<A extends AllocatorLike>(
  checker: MemoryChecker,
  allocator: A,
  options: CheckedAllocatorOptions = {},
): CheckedAllocator<A> {
  return new CheckedAllocator(checker, allocator, options);
}
