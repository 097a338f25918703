import { type AccessFilter, type AccessHook, AccessKind, type Core } from "@rtos-sim/hw";
import { AccessCheck, type BufferCheck } from "./access.js";
import type { BlockRecord, BlockTable } from "./blocks.js";
import { Copies } from "./copies.js";
import type { MemcheckEmitter } from "./emitter.js";
import { MemcheckError } from "./errors.js";
import { type FrameShape, FrameTransitions } from "./frames.js";
import { checkLeaks, type LeakOptions, type LeakSummary } from "./leaks.js";
import { type LeakRole, Ledger, type PagePool, type PageRecord } from "./ledger.js";
import { type CheckedMachine, type CheckerOptions, type MemoryRange, resolveOptions } from "./options.js";
import { hex, type MemReport, type ReportKind, type StateDump } from "./report.js";
import { Reporter } from "./reporter.js";
import { Shadow, type ShadowCost } from "./shadow.js";
import type { StackCapture } from "./source-site.js";
import { type StackRecord, StackTransitions } from "./stacks.js";
import { ALL, ANY, FIRST_WRITE, StateBit } from "./state.js";
import { Transitions } from "./transitions.js";

/** INI in all four bytes of a word. */
const INI_WORD = StateBit.I * 0x01010101;

/**
 * The memory checker: per-byte state for every RAM region, checked page and block transitions,
 * redzone and quarantine primitives (see {@link CheckedAllocator}), stacks, leaks, buffer
 * validation for syscalls, and the access hook.
 *
 * It implements the region manager's `PageObserver` and the allocators' `BlockObserver`
 * structurally: set it as their `observer`.
 *
 * It is the public face of collaborators, each with one job: the {@link Shadow} (per-byte state,
 * and the filter the core tests), the {@link Ledger} (blocks, allocators, pages, stacks, roots),
 * the {@link Reporter} (report building, repeats and caps, events, the stop policy), and the
 * transitions, stack, access, copy and leak logic that use them (see the package README).
 * The access hook's fast paths stay here, on the object the core calls.
 *
 * @example
 * ```ts
 * import { ActorMode, createMachine, makeActor, STM32F407 } from "@rtos-sim/hw";
 * import { CheckerFault, MemoryChecker } from "@rtos-sim/memcheck";
 * const m = createMachine(STM32F407);
 * const checker = new MemoryChecker(m, { clock: () => m.core.cycles });
 * checker.attach();
 * checker.pagesGiven(0x20000000, 1024, "heap");
 * checker.blockAllocated(0x20000010, 10, "heap");
 * m.core.actor = makeActor(ActorMode.User, 1);
 * try {
 *   m.core.write32(0x20000018, 1); // bytes 10 and 11 are past the block
 * } catch (e) {
 *   if (e instanceof CheckerFault) console.log(e.code, e.report.size);
 * }
 * // heap-buffer-overflow 4
 * ```
 */
export class MemoryChecker implements AccessHook {
  /** Per-byte state of every RAM region. */
  readonly shadow: Shadow;
  /** What the checker knows beyond the per-byte state: blocks, allocators, pages, stacks, roots. */
  readonly ledger: Ledger;
  /** Builds, counts, keeps and emits the reports, and applies the stop policy. */
  readonly reporter: Reporter;
  /** Live blocks and freed-block history (the ledger's). */
  readonly blocks: BlockTable;
  /** Registered task stacks by task id (the ledger's). */
  readonly stacks: Map<number, StackRecord>;
  /** Pages given out, by start address (the ledger's). */
  readonly pages: Map<number, PageRecord>;
  /** Nested page pools, by start address (the ledger's; see {@link MemoryChecker.pagePool}). */
  readonly pools: Map<number, PagePool>;
  /** Leak roots: image data and bss, plus {@link MemoryChecker.addRoot} (the ledger's). */
  readonly roots: MemoryRange[];
  /** Typed events ("report", "suppressed"; the reporter's). */
  readonly events: MemcheckEmitter;
  /** Every report kept so far (at most `maxReports` per task; the reporter's). */
  readonly reports: MemReport[];
  /**
   * The hook's filter (the shadow): the core tests an aligned access's state word against the
   * actor's mask itself (the same test as the fast path of {@link MemoryChecker.onAccess}) and
   * only calls the hook when it fails, so a correct access costs no call.
   */
  readonly filter: AccessFilter;
  private readonly core: Core;
  private readonly bus: CheckedMachine["bus"];
  private readonly transitions: Transitions;
  private readonly stackTransitions: StackTransitions;
  private readonly frameTransitions: FrameTransitions;
  private readonly access: AccessCheck;
  private readonly copies: Copies;
  private readonly peek: (address: number, length: number) => Uint8Array;
  private readonly taskAlive: (task: number) => boolean;
  // The access hook's hot region: the last one an access succeeded in.
  private hStart = 0;
  private hWords: Int32Array = new Int32Array(0);
  private readonly fast: Int32Array;

  constructor(machine: CheckedMachine, options: CheckerOptions = {}) {
    const opts = resolveOptions(options);
    // Without it, a missing machine was a TypeError.
    if (
      typeof machine !== "object" ||
      machine === null ||
      typeof machine.bus !== "object" ||
      typeof machine.core !== "object"
    ) {
      throw new MemcheckError("OPTION_INVALID", "machine must be a machine (createMachine): its board, bus and core", {
        option: "machine",
        value: machine === null ? "null" : typeof machine,
      });
    }
    const { bus, core } = machine;
    this.core = core;
    this.bus = bus;
    this.peek = (a, n) => bus.peek(a, n);
    const shadow = new Shadow(bus, core.filterState);
    const ledger = new Ledger(opts.freedHistory);
    const reporter = new Reporter({ bus, core, shadow, ledger, options: opts });
    this.taskAlive = opts.taskAlive;
    this.shadow = shadow;
    this.ledger = ledger;
    this.reporter = reporter;
    this.filter = shadow;
    this.fast = shadow.filterMasks;
    this.blocks = ledger.blocks;
    this.stacks = ledger.stacks;
    this.pages = ledger.pages;
    this.pools = ledger.pools;
    this.roots = ledger.roots;
    this.events = reporter.events;
    this.reports = reporter.reports;
    this.transitions = new Transitions({ shadow, ledger, reporter, pageSize: opts.pageSize, reach: opts.reach });
    this.stackTransitions = new StackTransitions({ shadow, ledger, reporter });
    this.frameTransitions = new FrameTransitions({
      shadow,
      ledger,
      clock: opts.clock,
      useAfterReturn: opts.stackUseAfterReturn,
    });
    this.access = new AccessCheck({ bus, core, shadow, ledger, reporter, reach: opts.reach });
    this.copies = new Copies({ core, shadow, reporter, access: this.access });
    const image = [...(options.data ?? []), ...(options.bss ?? [])];
    for (const r of [...image, ...(options.metadata ?? [])]) shadow.checkRange(r.start, r.size);
    for (const r of image) shadow.fill(r.start, r.size, ANY | StateBit.W | StateBit.I);
    for (const r of options.metadata ?? []) shadow.fill(r.start, r.size, ALL | StateBit.W | StateBit.I);
    ledger.roots.push(...image);
  }

  /** Reports dropped by the caps (`maxRepeats`, `maxReports`), and a DMA transfer's later pieces in a block it was reported in. */
  get suppressed(): number {
    return this.reporter.suppressed;
  }

  /** Whether reports name source lines (option `sourceSites`): callers then pass call stacks ({@link MemoryChecker.beginRequest}). */
  get sourceSites(): boolean {
    return this.reporter.sourceSites;
  }

  /** Installs the checker as the core's access hook. */
  attach(): this {
    this.core.hook = this;
    return this;
  }

  /** Removes the checker from the core (only if it is the installed hook). */
  detach(): void {
    if (this.core.hook === this) this.core.hook = null;
  }

  /** What the state costs per managed byte, on the host and on the device. */
  cost(): ShadowCost {
    return this.shadow.cost();
  }

  // ---- the access hook ----------------------------------------------------------------------

  /**
   * Called by the core for every access the MPU allowed, before the bus performs it.
   *
   * The fast path decides an access inside one aligned word of the hot region with one load of
   * the word's four state bytes, one OR with the actor's mask and one compare; everything else
   * (unaligned, larger, another region, not plainly accessible) goes to the exact slow path.
   * It is kept under V8's inlining budget on purpose (about 80 bytes of bytecode): an index
   * outside the region reads `undefined`, which fails the compare, so no bounds test is needed.
   */
  onAccess(address: number, size: number, kind: AccessKind, _privileged: boolean, actor: number): void {
    if ((this.hWords[(address - this.hStart) >> 2]! | this.fast[actor]!) + 1 || (address & 3) + size > 4)
      this.slowAccess(address, size, kind, actor);
  }

  /**
   * A DMA (a bus master, mode `ActorMode.Dma`) starts a transfer as `actor`: its bad accesses into
   * one block until its next start are one report (the pieces are the same access, cut by when
   * time was observed), counted under `suppressed` after the first.
   */
  onMasterStart(actor: number): void {
    this.reporter.masterStart(actor);
  }

  /** A first write into the hot region here, else the exact path ({@link AccessCheck}). */
  private slowAccess(address: number, size: number, kind: AccessKind, actor: number): void {
    if (kind === 1 && (address & 3) + size <= 4) {
      // A first write into owned, writable memory of the hot region: set INI on its bytes.
      const i = (address - this.hStart) >> 2;
      const w = this.hWords[i];
      if (w !== undefined && (w | FIRST_WRITE[actor & 3]!) === -1) {
        const bytes = size === 4 ? -1 : ((1 << (size * 8)) - 1) << ((address & 3) * 8);
        this.hWords[i] = w | (bytes & INI_WORD);
        return;
      }
    }
    const r = this.access.check(address, size, kind, actor);
    if (r !== undefined) {
      this.hStart = r.wordStart;
      this.hWords = r.words;
    }
  }

  // ---- reports --------------------------------------------------------------------------------

  /**
   * Sets the call-site label recorded by the next transition (allocation, free...) or report.
   *
   * @example
   * ```ts
   * import type { AllocatorLike, MemoryChecker } from "@rtos-sim/memcheck";
   * function sample(checker: MemoryChecker, heap: AllocatorLike) {
   *   checker.at("sensor.ts:42");
   *   const p = heap.allocate(10); // reports about this block name sensor.ts:42
   * }
   * ```
   */
  at(label: string): this {
    this.reporter.at(label);
    return this;
  }

  /**
   * Sets the JS call stack of the next transition or report: where the task's code made the
   * call being carried out now (see `captureStack`; used with the `sourceSites` option).
   */
  calledFrom(stack: StackCapture): this {
    this.reporter.calledFrom(stack);
    return this;
  }

  /**
   * The kernel carries out syscall `op` for `task` until {@link MemoryChecker.endRequest}: a
   * bad free or allocation is reported as the task's (user mode, "in syscall free") rather than
   * the kernel's, and `stack` (the call stack captured when the task made the call, or null)
   * gives the source line of every site and report.
   */
  beginRequest(task: number, op: string, stack: StackCapture | null = null): void {
    this.reporter.beginRequest(task, op, stack);
  }

  /** The syscall begun with {@link MemoryChecker.beginRequest} is over. */
  endRequest(): void {
    this.reporter.endRequest();
  }

  /**
   * Files a report for an allocation request refused before any allocator ran: `calloc-overflow`
   * (`n * size` does not fit 32 bits) or `allocation-size-too-big`, by the running task (or the
   * task of the current request). It never stops: the call returns NULL.
   */
  allocationRefused(
    kind: Extract<ReportKind, "calloc-overflow" | "allocation-size-too-big">,
    message: string,
    size: number,
    details: string[] = [],
  ): MemReport {
    return this.reporter.requestError(kind, message, size, details);
  }

  /** The state of the 16-byte rows around `address` (two before, two after). */
  dump(address: number, rowsBefore = 2, rowsAfter = 2): StateDump {
    return this.reporter.dump(address, rowsBefore, rowsAfter);
  }

  /** Forgets every report and repeat count (state is kept). */
  clearReports(): void {
    this.reporter.clear();
  }

  // ---- pages and blocks -----------------------------------------------------------------------

  /** Tells the checker what kind an allocator is (names "slab-out-of-bounds" vs "heap-buffer-overflow"). */
  registerAllocator(name: string, kind: string): void {
    this.ledger.registerAllocator(name, kind);
  }

  /** Region manager gave pages to an allocator: NO -> ALL, writable, uninitialized. */
  pagesGiven(address: number, size: number, owner: string): void {
    this.transitions.pagesGiven(address, size, owner);
  }

  /**
   * Pages came back to the region manager: ALL -> NO. They are remembered as returned (who held
   * them, who returned them, when) until given out again: an access is a `use-after-free`.
   */
  pagesReturned(address: number, size: number, owner: string): void {
    this.transitions.pagesReturned(address, size, owner);
  }

  /**
   * Pages given to `owner` become a nested page pool: a region manager of its own hands out
   * blocks of `pageSize`-byte pages from [address, address + size) (set the checker as that
   * region manager's observer too). Its free pages are nobody's: ALL -> NO until given out.
   *
   * @example
   * ```ts
   * import type { MemoryPort } from "@rtos-sim/hw";
   * import type { MemoryChecker } from "@rtos-sim/memcheck";
   * import { RegionManager } from "@rtos-sim/region";
   * function sensorPool(core: MemoryPort, checker: MemoryChecker, heap: number, size: number): RegionManager {
   *   const rm = new RegionManager({ memory: core, regions: [{ name: "pool", start: heap, size }], pageOrder: 7 });
   *   const r = rm.regions()[0]!;
   *   const free = r.metadataStart + r.metadataPages * rm.pageSize; // after its metadata pages
   *   checker.pagePool(free, r.pageEnd - free, "heap:sensor", rm.pageSize);
   *   rm.observer = checker;
   *   return rm;
   * }
   * ```
   */
  pagePool(address: number, size: number, owner: string, pageSize: number): void {
    this.transitions.pagePool(address, size, owner, pageSize);
  }

  /** An allocator handed out [address, address + size): ALL -> USR, writable, uninitialized. */
  blockAllocated(address: number, size: number, allocator: string): void {
    this.transitions.blockAllocated(address, size, allocator);
  }

  /**
   * Checks a free before the allocator performs it: reports double-free, invalid-free (interior,
   * wild, never allocated) or alloc-dealloc-mismatch. Returns whether the free may proceed
   * (with the default policy a bad free throws a CheckerFault instead of returning false).
   */
  checkFree(address: number, allocator: string): boolean {
    return this.transitions.checkFree(address, allocator);
  }

  /** An allocator took back the block at `address`: USR -> ALL, writable, uninitialized. */
  blockFreed(address: number, size: number, allocator: string): void {
    this.transitions.blockFreed(address, size, allocator);
  }

  /** A block moved or changed size: checked like a free of the old bytes and an allocation of the new. */
  blockResized(oldAddress: number, oldSize: number, newAddress: number, newSize: number, allocator: string): void {
    this.transitions.blockResized(oldAddress, oldSize, newAddress, newSize, allocator);
  }

  // ---- redzones and quarantine (used by CheckedAllocator) -------------------------------------

  /**
   * The inner allocator handed out [inner, inner + innerSize) of which [user, user + size) goes
   * to the user: the user bytes become USR, the rest redzone (NO).
   */
  guardedBlockAllocated(inner: number, innerSize: number, user: number, size: number, allocator: string): void {
    this.transitions.guardedBlockAllocated(inner, innerSize, user, size, allocator);
  }

  /**
   * A guarded block was resized by its allocator (see {@link CheckedAllocator}'s resize): its
   * old range, lent back to the allocator (ALL) for the work, had the states `saved`.
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
    this.transitions.guardedBlockResized(oldInner, saved, inner, innerSize, oldUser, user, size, allocator);
  }

  /**
   * Copies bytes raw (`bus.peek`/`bus.load`: no access checks, no cycles), each carrying its
   * INI state: an allocator moving a block's data on its own (see {@link CheckedAllocator}).
   */
  copyRaw(dst: number, src: number, length: number): void {
    if (length <= 0) return;
    const init = Uint8Array.from({ length }, (_, i) => this.shadow.get(src + i) & StateBit.I);
    this.bus.load(dst, this.peek(src, length));
    for (let i = 0; i < length; i++) {
      if (this.shadow.get(dst + i) >= 0) this.shadow.update(dst + i, 1, ~StateBit.I, init[i]!);
    }
  }

  /**
   * A checked free kept the block in quarantine: USR -> NO (freed). Call after {@link checkFree}.
   * Returns the block's record (give it back to {@link releaseQuarantined}).
   */
  quarantineBlock(user: number): BlockRecord {
    return this.transitions.quarantineBlock(user);
  }

  /** A quarantined block (with its redzones) goes back to its allocator: NO -> ALL, writable. */
  releaseQuarantined(inner: number, innerSize: number, rec: BlockRecord): void {
    this.transitions.releaseQuarantined(inner, innerSize, rec);
  }

  // ---- share, protect, initialize -------------------------------------------------------------

  /** Shares user memory with the allocator: USR -> ANY. */
  share(address: number, size: number): void {
    this.transitions.share(address, size);
  }

  /** Takes shared memory back from the allocator: ANY -> USR. */
  unshare(address: number, size: number): void {
    this.transitions.unshare(address, size);
  }

  /** Makes owned memory read-only (clears WRT). */
  makeReadOnly(address: number, size: number): void {
    this.transitions.makeReadOnly(address, size);
  }

  /** Makes owned memory writable (sets WRT). */
  makeWritable(address: number, size: number): void {
    this.transitions.makeWritable(address, size);
  }

  /** Marks owned memory initialized (e.g. filled by DMA). */
  makeInitialized(address: number, size: number): void {
    this.transitions.makeInitialized(address, size);
  }

  /** Marks owned memory uninitialized. */
  makeUninitialized(address: number, size: number): void {
    this.transitions.makeUninitialized(address, size);
  }

  // ---- stacks ---------------------------------------------------------------------------------

  /**
   * Follows a task stack [base, base + size) with stack pointer `sp` (default: the top, empty).
   * The memory must be owned (a block or image memory); bytes below SP become inaccessible.
   */
  registerStack(task: number, base: number, size: number, sp = base + size): void {
    this.stackTransitions.register(task, base, size, sp);
  }

  /**
   * The task's stack pointer is now `sp` (call before exception stacking and after unstacking).
   * Below the base: a `stack-overflow` report (SP is then held at the base).
   */
  stackPointer(task: number, sp: number): void {
    this.stackTransitions.moveTo(task, sp);
  }

  /**
   * The task whose code runs now (0: none): its live stack bytes become plain, so its own stack
   * accesses pass the core's filter; those of the task that stopped need the task checked again
   * (another task touching them is a `stack-out-of-bounds` report).
   */
  taskRunning(task: number): void {
    this.stackTransitions.setRunning(task);
  }

  /**
   * A call's prologue put a frame of `shape` at `base` on the task's stack (SP already moved
   * down to it, see {@link MemoryChecker.stackPointer}): its redzones become stack redzones, so
   * an access to one is a `stack-buffer-overflow` naming the frame and its nearest local. The
   * live bytes keep passing the core's filter: a correct access costs nothing more.
   * `FRAME_RANGE` when the frame or a redzone is not in the live part of the stack, `FRAME_SHAPE`
   * for a shape of the wrong make. The checker works from its own copy of `shape` (each field
   * read once and checked), so what the caller's objects say afterwards changes nothing.
   *
   * @example
   * ```ts
   * import type { MemoryChecker } from "@rtos-sim/memcheck";
   * function enterF(checker: MemoryChecker, base: number): void {
   *   checker.stackPointer(1, base); // sub sp, #48
   *   checker.frameEntered(1, base, { function: "f", size: 48, locals: [{ name: "buf", offset: 16, size: 5 }],
   *     redzones: [{ offset: 0, size: 16 }, { offset: 21, size: 27 }] });
   * }
   * ```
   */
  frameEntered(task: number, base: number, shape: FrameShape): void {
    this.frameTransitions.entered(task, base, shape);
  }

  /**
   * The task's innermost frame, at `base`, returned (SP already moved up to its top): with the
   * `stackUseAfterReturn` option its bytes become stack-after-return until SP comes down over
   * them again (a new frame, a push, an exception frame), so an access through a pointer kept to
   * one of its locals is a `stack-use-after-return` naming the frame and the local.
   * `FRAME_UNKNOWN` when `base` is not the task's innermost frame.
   */
  frameLeft(task: number, base: number): void {
    this.frameTransitions.left(task, base);
  }

  /** Stops following a task's stack; its bytes get back the state they had at registration. */
  unregisterStack(task: number): void {
    this.stackTransitions.unregister(task);
  }

  // ---- leaks ----------------------------------------------------------------------------------

  /** Adds a leak root (memory whose words may hold pointers to blocks). */
  addRoot(start: number, size: number, name = "root"): void {
    this.shadow.checkRange(start, size);
    this.ledger.roots.push({ start, size, name });
  }

  /** Removes the roots starting at `start`. */
  removeRoot(start: number): void {
    this.ledger.removeRoot(start);
  }

  /**
   * What leak checks do with an allocator's blocks: candidates (`block`, the default), roots
   * never reported (`root`: partitions, the kernel heap's control blocks and queue slots), or
   * neither (`ignored`: task stacks, whose live part is a root through the stack records).
   */
  setLeakRole(allocator: string, role: LeakRole): void {
    this.ledger.setLeakRole(allocator, role);
  }

  /**
   * Scans roots (image data/bss, added roots, live stack parts, blocks of "root" allocators) and
   * live blocks for pointers, reports lost blocks not reported before (`leak-definite`,
   * `leak-indirect`, `leak-possible`; `leak-reachable` on request) and returns the summary, in
   * Memcheck's categories. `task` restricts reports to blocks that task allocated. Blocks of
   * tasks still alive (option `taskAlive`) that no root reaches are counted as `held`.
   */
  checkLeaks(options: LeakOptions = {}): LeakSummary {
    // The scan only reads, and nothing runs while it does: the memory's own bytes, not a copy
    // (a copy of MPS2's 4 MiB of code in RAM per check cost more than the scan).
    const bus = this.bus;
    const view = (a: number, n: number) => {
      const s = bus.segmentFor(a, Math.max(n, 1));
      return s ? s.bytes.subarray(a - s.start, a - s.start + n) : bus.peek(a, n);
    };
    return checkLeaks(this.ledger, this.reporter, view, options, this.taskAlive);
  }

  /** A task ended: its stack is dropped and its lost blocks reported. */
  taskEnded(task: number): LeakSummary {
    if (this.ledger.stacks.has(task)) this.unregisterStack(task);
    return this.checkLeaks({ task });
  }

  // ---- syscalls and copies --------------------------------------------------------------------

  /**
   * May `actor` read/write [address, address + length)? Combines the MPU view (`permission`,
   * default: `core.permissionAt` under the configuration loaded now, unprivileged for user mode)
   * with the checker's state (freed blocks, redzones, other owners, read-only memory). Whether
   * the bytes of a read are initialized is not a right to the memory and is not checked here
   * ({@link MemoryChecker.checkSyscallParam}). Reports nothing and changes nothing.
   */
  validateBuffer(
    actor: number,
    address: number,
    length: number,
    access: "read" | "write",
    permission?: (address: number) => number,
  ): BufferCheck {
    return this.access.validateBuffer(actor, address, length, access, permission);
  }

  /**
   * A syscall's input bytes, as Memcheck checks them ("Syscall param write(buf) points to
   * uninitialised byte(s)"): when [address, address + length), which `actor` may read (see
   * {@link MemoryChecker.validateBuffer}), holds an uninitialized byte, files an
   * `uninitialized-read` at the first one, its message naming the parameter (`param`, e.g.
   * `"send(ptr)"`), and stops as a read error does (only the "stop" policy stops). The syscall
   * then reads the bytes as a copy ({@link MemoryChecker.readAsCopy}): passing them on is no
   * further use. Returns whether every byte was initialized.
   *
   * @example
   * ```ts
   * import type { MemoryChecker } from "@rtos-sim/memcheck";
   * function checkSend(checker: MemoryChecker, actor: number, ptr: number): void {
   *   if (!checker.checkSyscallParam(actor, ptr, 16, "send(ptr)")) {
   *     // reported; the send goes on under "stop-writes" and "continue"
   *   }
   * }
   * ```
   */
  checkSyscallParam(actor: number, address: number, length: number, param: string): boolean {
    const p = this.access.uninitializedIn(address, length, actor);
    if (p === null) return true;
    const a = address >>> 0;
    this.reporter.badAccess(
      {
        ...p,
        message: `syscall param ${param} points to uninitialized byte(s)`,
        details: [
          `buffer [${hex(a)}, ${hex(a + length)}) passed to ${param}: its first uninitialized byte is ${p.address - a} bytes in`,
          ...p.details,
        ],
      },
      length,
      "read",
      actor,
    );
    return false;
  }

  /**
   * Reads [address, address + length) through the core as the running actor, checked as any read
   * except that uninitialized bytes are no error: moving bytes is not a use of them (the kernel
   * copying a task's buffer for a syscall, after {@link MemoryChecker.checkSyscallParam}).
   * `unprivileged`: the LDRT form, as the kernel reads a task's buffer.
   */
  readAsCopy(address: number, length: number, unprivileged = false, core: Core = this.core): Uint8Array {
    return this.access.readForCopy(core, address, length, unprivileged);
  }

  /**
   * Files the report an access by `actor` to [address, address + length) would make (a freed
   * buffer passed to a syscall: `use-after-free` with its sites), without stopping, and returns
   * it; null when the checker sees nothing wrong. Changes no state. A read is examined as
   * {@link MemoryChecker.validateBuffer} examines it, as a copy's source: an uninitialized byte
   * before the freed or redzone byte that refused the buffer is not the diagnosis.
   */
  diagnoseBuffer(actor: number, address: number, length: number, access: "read" | "write"): MemReport | null {
    if (length <= 0) return null;
    const a = address >>> 0;
    const p =
      access === "read"
        ? this.access.examineCopy(a, length, actor)
        : this.access.examine(a, length, AccessKind.Write, actor);
    return p === null ? null : this.reporter.accessError(p, length, access, actor, false);
  }

  /**
   * Reports an overlapping copy; returns whether [dst, +len) and [src, +len) are disjoint.
   * `COPY_RANGE` when an address is not an integer in [0, 2^32) or the length not an integer
   * below 2^32 (numbers only: each operand is read once).
   */
  checkCopy(dst: number, src: number, length: number): boolean {
    return this.copies.checkCopy(dst, src, length);
  }

  /**
   * A checked memcpy through the core (as the running actor): overlap check, source readable
   * (initialized or not: copying is not a use), destination writable; the initialized state of
   * each byte is copied with it, as Memcheck copies V bits. An overlapping copy is reported and
   * (when the policy lets it return) not performed. The core checks the source (MPU view, bus,
   * then the checker) before any work per byte, so a huge `length` faults at once at the first
   * byte the actor may not read. Bad operands are `COPY_RANGE` (see {@link MemoryChecker.checkCopy}).
   */
  memcpy(dst: number, src: number, length: number, core: Core = this.core): void {
    this.copies.memcpy(dst, src, length, core);
  }

  /**
   * A checked memmove through the core (as the running actor): as {@link MemoryChecker.memcpy}
   * but the ranges may overlap (the source is read whole before the destination is written).
   */
  memmove(dst: number, src: number, length: number, core: Core = this.core): void {
    this.copies.memmove(dst, src, length, core);
  }
}
