import { AccessKind, type Core, Perm } from "@rtos-sim/hw";
import type { BlockRecord } from "./blocks.js";
import { type CheckedMachine, CheckerBase, type CheckerOptions, type MemoryRange } from "./checker-base.js";
import { MemcheckError } from "./errors.js";
import { type LeakOptions, type LeakSummary, scanLeaks } from "./leaks.js";
import { hex, type ReportKind } from "./report.js";
import type { ShadowCost } from "./shadow.js";
import { initStack, moveStackPointer, type StackRecord } from "./stacks.js";
import { ALL, ANY, NO, StateBit, Tag, USR } from "./state.js";

/** The answer of {@link MemoryChecker.validateBuffer}. */
export interface BufferCheck {
  /** Whether the task may make the access. */
  readonly ok: boolean;
  /** First offending byte, or null. */
  readonly address: number | null;
  /** "mpu" when the task's MPU view denies it, else the error kind the access would report. */
  readonly reason: "mpu" | ReportKind | null;
  readonly message: string;
}

const OWNERS = StateBit.A | StateBit.U;
/** Mask and value of a plain allocator-owned byte (ALL, any WRT/INI). */
const ALL_MASK = StateBit.A | StateBit.U | StateBit.P;
const ALL_VALUE = StateBit.A | StateBit.P;
const isAllPlain = (s: number) => (s & ALL_MASK) !== ALL_VALUE;

/**
 * The memory checker: per-byte state for every RAM region, checked page and block transitions,
 * redzone and quarantine primitives (see {@link CheckedAllocator}), stacks, leaks, buffer
 * validation for syscalls, and the access hook.
 *
 * It implements the region manager's `PageObserver` and the allocators' `BlockObserver`
 * structurally: set it as their `observer`.
 *
 * @example
 * ```ts
 * const m = createMachine(STM32F407);
 * const checker = new MemoryChecker(m, { clock: () => m.core.cycles });
 * checker.attach();
 * checker.pagesGiven(0x20000000, 1024, "heap");
 * checker.blockAllocated(0x20000010, 10, "heap");
 * m.core.actor = makeActor(ActorMode.User, 1);
 * m.core.write32(0x20000018, 1); // throws CheckerFault heap-buffer-overflow (bytes 10, 11)
 * ```
 */
export class MemoryChecker extends CheckerBase {
  /** Leak roots: image data and bss, plus {@link MemoryChecker.addRoot}. */
  readonly roots: MemoryRange[] = [];
  /** Pages given out, by start address. */
  readonly pages = new Map<number, { size: number; owner: string }>();
  private readonly kinds = new Map<string, string>();

  constructor(machine: CheckedMachine, options: CheckerOptions = {}) {
    super(machine, options);
    const image = [...(options.data ?? []), ...(options.bss ?? [])];
    for (const r of [...image, ...(options.metadata ?? [])]) this.range(r.start, r.size);
    for (const r of image) this.shadow.fill(r.start, r.size, ANY | StateBit.W | StateBit.I);
    for (const r of options.metadata ?? []) this.shadow.fill(r.start, r.size, ALL | StateBit.W | StateBit.I);
    this.roots.push(...image);
  }

  /** Installs the checker as the core's access hook. */
  attach(): this {
    this.machine.core.hook = this;
    return this;
  }

  /** Removes the checker from the core (only if it is the installed hook). */
  detach(): void {
    if (this.machine.core.hook === this) this.machine.core.hook = null;
  }

  /** Tells the checker what kind an allocator is (names "slab-out-of-bounds" vs "heap-buffer-overflow"). */
  registerAllocator(name: string, kind: string): void {
    this.kinds.set(name, kind);
  }

  /** What the state costs per managed byte, on the host and on the device. */
  cost(): ShadowCost {
    return this.shadow.cost();
  }

  /** Validates a range: inside one managed region, positive length. */
  protected range(address: number, size: number): void {
    if (!(size > 0) || !this.shadow.covers(address >>> 0, size)) {
      throw new MemcheckError("RANGE_OUTSIDE_MANAGED", `[${hex(address)}, +${size}) is not inside one RAM region`, {
        address,
        size,
      });
    }
  }

  // ---- pages ---------------------------------------------------------------------------------

  /** Region manager gave pages to an allocator: NO -> ALL, writable, uninitialized. */
  pagesGiven(address: number, size: number, owner: string): void {
    this.range(address, size);
    const bad = this.shadow.find(address, size, (s) => s !== NO);
    if (bad >= 0) {
      const owned = (this.shadow.get(bad) & StateBit.K) !== 0;
      const kind = owned ? "double-alloc" : "invalid-transition";
      this.transitionError(kind, `pages given to ${owner} are not free`, bad, size, null, [
        `pages [${hex(address)}, ${hex(address + size)}) expected owner NO`,
      ]);
    }
    this.shadow.fill(address, size, ALL | StateBit.W);
    this.pages.set(address, { size, owner });
  }

  /** Pages came back to the region manager: ALL -> NO. */
  pagesReturned(address: number, size: number, owner: string): void {
    this.range(address, size);
    const bad = this.shadow.find(address, size, isAllPlain);
    if (bad >= 0) {
      const allNo = this.shadow.find(address, size, (s) => s !== NO) < 0;
      const live = this.blocks.liveContaining(bad) ?? null;
      const kind = allNo ? "double-free" : "invalid-transition";
      const why = allNo
        ? "pages returned twice"
        : live
          ? "pages returned while a block in them is live"
          : "pages returned in the wrong state";
      this.transitionError(kind, `${why} (${owner})`, bad, size, live);
    }
    this.shadow.fill(address, size, NO);
    this.pages.delete(address);
  }

  // ---- blocks -----------------------------------------------------------------------------------

  private newRecord(address: number, size: number, allocator: string): BlockRecord {
    return {
      address,
      size,
      allocator,
      allocatorKind: this.kinds.get(allocator) ?? "heap",
      state: "live",
      allocated: this.site(),
      freed: null,
    };
  }

  /** Checks that [address, address+size) may be handed out (all ALL); reports otherwise. */
  private expectAllocatorOwned(address: number, size: number, user: number, allocator: string): void {
    const prior = this.blocks.live.get(user);
    if (prior) {
      this.transitionError("double-alloc", `block handed out twice by ${allocator}`, user, size, prior);
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
      const live = this.blocks.liveContaining(bad) ?? null;
      this.transitionError("double-alloc", `block overlaps a block already handed out`, bad, size, live);
    } else {
      this.transitionError("invalid-transition", `block handed out by ${allocator} outside its pages`, bad, size, null);
    }
  }

  /** An allocator handed out [address, address + size): ALL -> USR, writable, uninitialized. */
  blockAllocated(address: number, size: number, allocator: string): void {
    if (size > 0) this.range(address, size);
    this.expectAllocatorOwned(address, size, address, allocator);
    if (size > 0) this.shadow.fill(address, size, USR | StateBit.W);
    this.blocks.live.set(address, this.newRecord(address, size, allocator));
  }

  /**
   * Checks a free before the allocator performs it: reports double-free, invalid-free (interior,
   * wild, never allocated) or alloc-dealloc-mismatch. Returns whether the free may proceed
   * (with the default policy a bad free throws a CheckerFault instead of returning false).
   */
  checkFree(address: number, allocator: string): boolean {
    const a = address >>> 0;
    const rec = this.blocks.live.get(a);
    if (rec) {
      if (rec.allocator === allocator) return true;
      this.transitionError(
        "alloc-dealloc-mismatch",
        `block of ${rec.allocator} freed to ${allocator}`,
        a,
        rec.size,
        rec,
      );
      return false;
    }
    const inside = this.blocks.liveContaining(a);
    if (inside) {
      this.transitionError("invalid-free", `free of an address inside a block (interior pointer)`, a, 0, inside);
      return false;
    }
    const old = this.blocks.freedAt(a);
    if (old) {
      this.transitionError("double-free", `block freed twice`, a, old.size, old);
      return false;
    }
    const wild = this.shadow.get(a) < 0;
    const message = wild ? "free of an address outside every memory region" : "free of an address never allocated";
    this.transitionError("invalid-free", message, a, 0, null);
    return false;
  }

  /** An allocator took back the block at `address`: USR -> ALL, writable, uninitialized. */
  blockFreed(address: number, _size: number, allocator: string): void {
    if (!this.checkFree(address, allocator)) return;
    const rec = this.blocks.live.get(address >>> 0)!;
    if (rec.size > 0) {
      const bad = this.shadow.mismatch(rec.address, rec.size, OWNERS, StateBit.U);
      if (bad >= 0)
        this.transitionError("invalid-transition", "freed block is not user-owned (shared?)", bad, rec.size, rec);
      this.shadow.fill(rec.address, rec.size, ALL | StateBit.W);
    }
    this.blocks.retire(rec, "freed", this.site());
  }

  /** A block moved or changed size: checked like a free of the old bytes and an allocation of the new. */
  blockResized(oldAddress: number, oldSize: number, newAddress: number, newSize: number, allocator: string): void {
    const rec = this.blocks.live.get(oldAddress >>> 0);
    if (!rec) {
      this.transitionError("invalid-transition", "resize of a block that is not live", oldAddress, oldSize, null);
      return;
    }
    if (rec.allocator !== allocator) {
      this.transitionError(
        "alloc-dealloc-mismatch",
        `block of ${rec.allocator} resized by ${allocator}`,
        oldAddress,
        oldSize,
        rec,
      );
      return;
    }
    if (newSize > 0) this.range(newAddress, newSize);
    const keep = Math.min(rec.size, newSize);
    const saved = rec.size > 0 ? this.shadow.snapshot(rec.address, rec.size) : new Uint8Array(0);
    if (rec.size > 0) this.shadow.fill(rec.address, rec.size, ALL | StateBit.W);
    const bad = newSize > 0 ? this.shadow.find(newAddress, newSize, isAllPlain) : -1;
    if (bad >= 0) {
      if (rec.size > 0) this.shadow.restore(rec.address, saved);
      this.transitionError("double-alloc", "resized block overlaps memory already handed out", bad, newSize, rec);
    }
    if (newSize > 0) this.shadow.fill(newAddress, newSize, USR | StateBit.W);
    for (let i = 0; i < keep; i++) {
      if (saved[i]! & StateBit.I) this.shadow.update(newAddress + i, 1, ~0, StateBit.I);
    }
    if (newAddress === rec.address) {
      rec.size = newSize;
      return;
    }
    this.blocks.retire(rec, "freed", this.site());
    this.blocks.live.set(newAddress, this.newRecord(newAddress, newSize, allocator));
  }

  // ---- redzones and quarantine (used by CheckedAllocator) ------------------------------------------

  /**
   * The inner allocator handed out [inner, inner + innerSize) of which [user, user + size) goes
   * to the user: the user bytes become USR, the rest redzone (NO).
   */
  guardedBlockAllocated(inner: number, innerSize: number, user: number, size: number, allocator: string): void {
    this.range(inner, innerSize);
    this.expectAllocatorOwned(inner, innerSize, user, allocator);
    this.shadow.fill(inner, innerSize, Tag.Redzone);
    if (size > 0) this.shadow.fill(user, size, USR | StateBit.W);
    this.blocks.live.set(user, this.newRecord(user, size, allocator));
  }

  /**
   * A checked free kept the block in quarantine: USR -> NO (freed). Call after {@link checkFree}.
   * Returns the block's record (give it back to {@link releaseQuarantined}).
   */
  quarantineBlock(user: number): BlockRecord {
    const rec = this.blocks.live.get(user)!;
    if (rec.size > 0) {
      const bad = this.shadow.mismatch(rec.address, rec.size, OWNERS, StateBit.U);
      if (bad >= 0)
        this.transitionError("invalid-transition", "freed block is not user-owned (shared?)", bad, rec.size, rec);
      this.shadow.fill(rec.address, rec.size, Tag.Freed);
    }
    this.blocks.retire(rec, "quarantined", this.site());
    return rec;
  }

  /** A quarantined block (with its redzones) goes back to its allocator: NO -> ALL, writable. */
  releaseQuarantined(inner: number, innerSize: number, rec: BlockRecord): void {
    this.range(inner, innerSize);
    this.shadow.fill(inner, innerSize, ALL | StateBit.W);
    if (rec.state === "quarantined") rec.state = "freed";
  }

  // ---- share, protect, initialize ------------------------------------------------------------

  private retag(address: number, size: number, from: (s: number) => boolean, why: string, and: number, or: number) {
    this.range(address, size);
    const bad = this.shadow.find(address, size, (s) => !from(s));
    if (bad >= 0) this.transitionError("invalid-transition", why, bad, size, this.blocks.liveContaining(bad) ?? null);
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

  // ---- stacks ----------------------------------------------------------------------------------

  /**
   * Follows a task stack [base, base + size) with stack pointer `sp` (default: the top, empty).
   * The memory must be owned (a block or image memory); bytes below SP become inaccessible.
   */
  registerStack(task: number, base: number, size: number, sp = base + size): void {
    this.range(base, size);
    if (this.stacks.has(task)) throw new MemcheckError("STACK_EXISTS", `task ${task} has a stack`, { task });
    for (const s of this.stacks.values()) {
      if (base < s.top && s.base < base + size) {
        throw new MemcheckError("STACK_OVERLAP", `stack overlaps the stack of task ${s.task}`, { task, other: s.task });
      }
    }
    if (sp < base || sp > base + size) throw new MemcheckError("STACK_SP_RANGE", "SP outside the stack", { task, sp });
    const bad = this.shadow.find(base, size, (s) => (s & StateBit.K) === 0);
    if (bad >= 0) this.transitionError("invalid-transition", "stack in memory nobody owns", bad, size, null);
    const st: StackRecord = { task, base, top: base + size, sp, saved: this.shadow.snapshot(base, size) };
    this.stacks.set(task, st);
    initStack(this.shadow, st);
  }

  /**
   * The task's stack pointer is now `sp` (call before exception stacking and after unstacking).
   * Below the base: a `stack-overflow` report (SP is then held at the base).
   */
  stackPointer(task: number, sp: number): void {
    const st = this.stacks.get(task);
    if (!st) throw new MemcheckError("STACK_UNKNOWN", `task ${task} has no stack`, { task });
    if (sp > st.top) throw new MemcheckError("STACK_SP_RANGE", "SP above the top of the stack", { task, sp });
    if (sp < st.base) {
      this.transitionError("stack-overflow", `stack pointer ${hex(sp)} below the stack base`, sp, st.base - sp, null, [
        `stack of task ${task}: [${hex(st.base)}, ${hex(st.top)}), ${st.base - sp} bytes overflow`,
      ]);
      sp = st.base;
    }
    moveStackPointer(this.shadow, st, sp);
  }

  /** Stops following a task's stack; its bytes get back the state they had at registration. */
  unregisterStack(task: number): void {
    const st = this.stacks.get(task);
    if (!st) throw new MemcheckError("STACK_UNKNOWN", `task ${task} has no stack`, { task });
    this.shadow.restore(st.base, st.saved);
    this.stacks.delete(task);
  }

  // ---- leaks -------------------------------------------------------------------------------------

  /** Adds a leak root (memory whose words may hold pointers to blocks). */
  addRoot(start: number, size: number, name = "root"): void {
    this.range(start, size);
    this.roots.push({ start, size, name });
  }

  /** Removes the roots starting at `start`. */
  removeRoot(start: number): void {
    for (let i = this.roots.length - 1; i >= 0; i--) if (this.roots[i]!.start === start) this.roots.splice(i, 1);
  }

  /**
   * Scans roots (image data/bss, added roots, live stack parts) and live blocks for pointers,
   * reports lost blocks (`leak-definite`, `leak-indirect`; `leak-reachable` on request) and
   * returns the summary. `task` restricts reports to blocks that task allocated.
   */
  checkLeaks(options: LeakOptions = {}): LeakSummary {
    const stackRoots = [...this.stacks.values()].map((s) => ({ start: s.sp, size: s.top - s.sp }));
    const peek = (a: number, n: number) => this.machine.bus.peek(a, n);
    const summary = scanLeaks([...this.blocks.live.values()], [...this.roots, ...stackRoots], peek, options.task);
    const emit = (kind: ReportKind, list: readonly BlockRecord[], what: string) => {
      for (const b of list) {
        const actor = ((b.allocated.task << 2) | 2) >>> 0;
        this.file(this.makeReport(kind, `${b.size} bytes ${what}`, b.address, b.size, null, actor, b, []), false);
      }
    };
    emit("leak-definite", summary.definite, "definitely lost");
    emit("leak-indirect", summary.indirect, "indirectly lost");
    if (options.reportReachable) emit("leak-reachable", summary.reachable, "still reachable");
    return summary;
  }

  /** A task ended: its stack is dropped and its lost blocks reported. */
  taskEnded(task: number): LeakSummary {
    if (this.stacks.has(task)) this.unregisterStack(task);
    return this.checkLeaks({ task });
  }

  // ---- syscalls and copies ----------------------------------------------------------------------

  /**
   * May `actor` read/write [address, address + length)? Combines the MPU view (`permission`,
   * default: `core.permissionAt` under the configuration loaded now, unprivileged for user mode)
   * with the checker's state. Reports nothing and changes nothing.
   */
  validateBuffer(
    actor: number,
    address: number,
    length: number,
    access: "read" | "write",
    permission: (address: number) => number = (a) => this.machine.core.permissionAt(a),
  ): BufferCheck {
    const a = address >>> 0;
    if (length <= 0) return { ok: true, address: null, reason: null, message: "empty buffer" };
    if (a + length > 0x100000000) return { ok: false, address: a, reason: "wild-access", message: "buffer wraps" };
    const user = (actor & 3) === 2;
    const need = access === "read" ? (user ? Perm.UR : Perm.PR) : user ? Perm.UW : Perm.PW;
    for (let g = a; g < a + length; g = (g & ~31) + 32) {
      if ((permission(g >>> 0) & need) === 0) {
        return { ok: false, address: g >>> 0, reason: "mpu", message: `MPU denies ${access} at ${hex(g)}` };
      }
    }
    const kind = access === "read" ? AccessKind.Read : AccessKind.Write;
    const p = this.examineOnly(a, length, kind, actor);
    if (p) return { ok: false, address: p.address, reason: p.kind, message: p.message };
    return { ok: true, address: null, reason: null, message: "ok" };
  }

  /** Reports an overlapping copy; returns whether [dst, +len) and [src, +len) are disjoint. */
  checkCopy(dst: number, src: number, length: number): boolean {
    if (length <= 0 || dst + length <= src || src + length <= dst) return true;
    this.transitionError("overlapping-copy", "source and destination of a copy overlap", dst, length, null, [
      `source [${hex(src)}, ${hex(src + length)}), destination [${hex(dst)}, ${hex(dst + length)})`,
    ]);
    return false;
  }

  /**
   * A checked memcpy through the core (as the running actor): overlap check, source readable
   * (initialized or not: copying is not a use), destination writable; the initialized state of
   * each byte is copied with it, as Memcheck copies V bits.
   */
  memcpy(dst: number, src: number, length: number, core: Core = this.machine.core): void {
    if (length <= 0 || !this.checkCopy(dst, src, length)) return;
    let bytes: Uint8Array;
    this.copying = true;
    try {
      bytes = core.readBytes(src, length);
    } finally {
      this.copying = false;
    }
    core.writeBytes(dst, bytes);
    for (let i = 0; i < length; i++) {
      const r = this.shadow.regionAt(dst + i);
      if (!r) continue;
      const d = r.bytes[dst + i - r.start]!;
      const init = this.shadow.get(src + i) & StateBit.I;
      if ((d & StateBit.K) !== 0) r.bytes[dst + i - r.start] = (d & ~StateBit.I) | init;
    }
  }
}
