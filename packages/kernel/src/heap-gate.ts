import { type AllocatorStats, AllocError, type BlockObserver } from "@rtos-sim/alloc";
import { type Core, hex32, type Mode } from "@rtos-sim/hw";
import type { MemoryChecker } from "@rtos-sim/memcheck";
import type { TaskAllocator } from "./heaps/types.js";

/**
 * The kernel's record of a task's live heap blocks (address -> requested size), kept in the
 * kernel's own state where no task can write it: what `free` and `realloc` validate pointers
 * against in O(1), what a restart frees, and the task's heap use in reports.
 */
export class LiveBlocks {
  /** Live blocks: address -> requested size. */
  readonly blocks = new Map<number, number>();
  /** Bytes requested by the live blocks. */
  inUse = 0;
  /** The most bytes the live blocks have held at once (kept when the heap is rebuilt). */
  peak = 0;

  /**
   * Records a block handed to the task. An address already recorded (an allocator whose lists the
   * task forged hands out a live block again) replaces its record, counted once.
   */
  add(address: number, size: number): void {
    this.inUse += size - (this.blocks.get(address) ?? 0);
    this.blocks.set(address, size);
    if (this.inUse > this.peak) this.peak = this.inUse;
  }

  /** Forgets a freed block. */
  remove(address: number): void {
    this.inUse -= this.blocks.get(address) ?? 0;
    this.blocks.delete(address);
  }

  /** Forgets every block (the heap was rebuilt); the peak stays. */
  clear(): void {
    this.blocks.clear();
    this.inUse = 0;
  }
}

/** What a {@link HeapGate} needs of the task it serves. */
export interface GatedTask {
  /** The task's name (for errors). */
  readonly name: string;
  /** Whether the task runs privileged (read at every call: the kernel's gives what the task's last switch-in loaded). */
  readonly privileged: boolean;
  /** Makes the task's MPU configuration the loaded one (a no-op when it already is). */
  loadPlan(): void;
}

/**
 * The kernel's side of a task heap, wrapped around its allocator (with the checker's redzones
 * and quarantine when the checker is on):
 *
 * - every allocator call runs with the task's privilege and MPU view (Thread mode, CONTROL.nPRIV
 *   as the task's, the task's MPU configuration loaded), so the allocator, following links and
 *   sizes that live in memory the task can write, can only ever touch what the task itself may:
 *   a forged link pointing elsewhere is the task's MemManage fault, not a privileged write;
 * - every pointer given to `free` or `realloc` is checked against the kernel's {@link LiveBlocks}
 *   first, in O(1): a pointer the task forged a header and granule bitmap for in its own heap is
 *   refused (the checker's report with the checker on, else `INVALID_FREE`), and the allocator
 *   is not called: nothing changes.
 *
 * @example
 * ```ts
 * import type { Core } from "@rtos-sim/hw";
 * import { HeapGate, LiveBlocks, type TaskAllocator } from "@rtos-sim/kernel";
 * function gated(core: Core, allocator: TaskAllocator, loadPlan: () => void) {
 *   const gate = new HeapGate(core, allocator, { name: "sensor", privileged: false, loadPlan }, new LiveBlocks(), null);
 *   const p = gate.allocate(32); // runs the allocator unprivileged, with the task's MPU view
 *   if (p !== null) gate.free(p);
 * }
 * ```
 */
export class HeapGate implements TaskAllocator {
  /** The inner allocator's name (`<kind>:<task>`). */
  readonly name: string;
  /** The inner allocator's kind ("tlsf", "heap" or "slab-array"). */
  readonly kind: TaskAllocator["kind"];

  /** The inner allocator's observer (the memory checker, or null). */
  get observer(): BlockObserver | null {
    return this.inner.observer;
  }
  set observer(o: BlockObserver | null) {
    this.inner.observer = o;
  }

  constructor(
    private readonly core: Core,
    /** The task heap's allocator (checked or raw). */
    readonly inner: TaskAllocator,
    private readonly task: GatedTask,
    /** The kernel's record of the task's live blocks. */
    readonly live: LiveBlocks,
    private readonly checker: MemoryChecker | null,
  ) {
    this.name = inner.name;
    this.kind = inner.kind;
  }

  /**
   * A block of the task's heap, or null (out of memory, or a size or power-of-two alignment this
   * allocator never serves, such as one above a slab array's largest class, or an alignment
   * above what its classes have); recorded as live.
   */
  allocate(size: number, align?: number): number | null {
    const p = this.asTask(() => {
      try {
        return this.inner.allocate(size, align);
      } catch (e) {
        if (e instanceof AllocError && e.code === "BAD_SIZE") return null;
        // A power of two the heap's kind cannot align on (a slab array's classes are aligned on
        // 64 at most, an arena on a page) is the heap's limit, not a bad argument: NULL, as
        // aligned_alloc answers an alignment it does not support.
        if (e instanceof AllocError && e.code === "BAD_ALIGNMENT" && isPowerOfTwo(align)) return null;
        throw e;
      }
    });
    if (p !== null) this.live.add(p, size);
    return p;
  }

  /** Frees a live block of the task; anything else is refused before the allocator runs. */
  free(address: number): void {
    this.checkLive(address, "free");
    try {
      this.asTask(() => this.inner.free(address));
    } catch (e) {
      this.settle(address);
      throw e;
    }
    this.live.remove(address);
  }

  /**
   * After an allocator call on the live block at `address` failed: with the checker, the call
   * may have taken the block before failing (its free put the block in quarantine, then handing
   * an older block back to the allocator met that block's corrupted header), and the record
   * follows the wrapper's own (JS, no memory access): a block it no longer holds is not live,
   * so a restart does not free it a second time. A bare allocator changes nothing when it fails.
   */
  private settle(address: number): void {
    if (this.checker !== null && !this.inner.owns(address)) this.live.remove(address);
  }

  /**
   * Resizes a live block (in place when the allocator can, else allocate, copy with the task's
   * privilege, free); null when out of memory (the old block stays live). `resize(p, 0)` frees
   * the block and returns null, as the allocators' own `resize` does.
   */
  resize(address: number, size: number): number | null {
    this.checkLive(address, "realloc");
    if (size === 0) {
      // The allocator would free it and answer null, which here means "out of memory, the old
      // block stays": the kernel's record would keep a freed block as live.
      this.free(address);
      return null;
    }
    const p = this.asTask(() => {
      try {
        return this.moveOrResize(this.inner, address, size);
      } catch (e) {
        if (e instanceof AllocError && e.code === "BAD_SIZE") return null; // a size it never serves
        this.settle(address);
        throw e;
      }
    });
    if (p === null) return null;
    this.live.remove(address);
    this.live.add(p, size);
    return p;
  }

  /** Resizes in place when the allocator can, else allocate, copy (as the task), free. */
  private moveOrResize(inner: TaskAllocator, address: number, size: number): number | null {
    if (typeof inner.resize === "function") return inner.resize(address, size);
    const old = inner.blockSize(address) ?? 0;
    const q = inner.allocate(size, 8);
    if (q === null) return null;
    const n = Math.min(old, size);
    if (this.checker) this.checker.memcpy(q, address, n);
    else this.core.writeBytes(q, this.core.readBytes(address, n));
    inner.free(address);
    return q;
  }

  /** Whether `address` is a live block of the task, by the kernel's record. */
  owns(address: number): boolean {
    return this.live.blocks.has(address);
  }

  /** Usable size of a live block (by the allocator, with the task's privilege), or undefined. */
  blockSize(address: number): number | undefined {
    if (!this.owns(address)) return undefined;
    return this.asTask(() => this.inner.blockSize(address));
  }

  /** Gives empty pages back (with the task's privilege). */
  releaseEmpty(): number {
    return this.asTask(() => this.inner.releaseEmpty());
  }

  /** The allocator's counters. */
  stats(): AllocatorStats {
    return this.inner.stats();
  }

  /**
   * Refuses a pointer that is not a live block of the task (the checker's report first, when it
   * is on, else `INVALID_FREE`); does nothing for a live one.
   */
  checkLive(address: number, op: "free" | "realloc"): void {
    if (this.live.blocks.has(address)) return;
    // The checker names the mistake (double free, invalid free...) from its own record; with the
    // default policy it throws its CheckerFault here.
    this.checker?.checkFree(address, this.inner.name);
    throw new AllocError(
      "INVALID_FREE",
      `${this.inner.name}: ${op} of ${hex32(address)}, not a live block of task ${this.task.name}`,
      {
        allocator: this.inner.name,
        address: address >>> 0,
      },
    );
  }

  /** Runs `fn` as the task: Thread mode, its privilege, its MPU configuration; restores the mode after. */
  private asTask<T>(fn: () => T): T {
    const core = this.core;
    const mode: Mode = core.mode;
    const nPriv = core.controlNPriv;
    this.task.loadPlan();
    core.mode = "thread";
    core.controlNPriv = !this.task.privileged;
    try {
      return fn();
    } finally {
      core.mode = mode;
      core.controlNPriv = nPriv;
    }
  }
}

function isPowerOfTwo(n: number | undefined): boolean {
  return n !== undefined && Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
}
