import { type AccessFilter, type AccessHook, AccessKind, type AccessRecord } from "./access.js";
import { HwError } from "./errors.js";
import type { HwEmitter } from "./events.js";
import { Cfsr, ExceptionNumber, Fault, Hfsr } from "./fault.js";
import type { Bus } from "./memory/bus.js";
import type { MemorySegment } from "./memory/segment.js";
import { defaultPerm, isSystemXn } from "./mpu/fields.js";
import { BLOCK_SHIFT, type MpuModel, type PermTable } from "./mpu/model.js";
import { GRANULE_SHIFT, Perm } from "./mpu/perm.js";
import type { Ppb } from "./scs/ppb.js";
import { Ccr, type Scb } from "./scs/scb.js";

/** Processor mode. */
export type Mode = "thread" | "handler";

/** Execution priority of Thread mode with no exception active (lower than any configurable priority). */
export const THREAD_PRIORITY = 256;

/** No filter words: one zero word, so only a mask of -1 (no hook) passes. */
const NO_WORDS = new Int32Array(1);

/** `T` with the keys `K` writable (the core swaps its own readonly accessors). */
type Writable<T, K extends keyof T> = { -readonly [P in K]: T[P] };

/** Why an access is made: ordinary, exception stacking, exception unstacking. */
const enum Purpose {
  Normal = 0,
  Stack = 1,
  Unstack = 2,
}

/**
 * The Cortex-M core's view of memory: mode, CONTROL.nPRIV, execution priority, and every load,
 * store and fetch checked by the MPU (precomputed permission tables), then shown to the access
 * hook, then performed by the bus. A faulting access sets CFSR/MMFAR/BFAR/HFSR as the silicon
 * would, latches the fault in {@link Core.pendingFault} and throws it.
 *
 * Every access method takes `unprivileged`: privileged code making an unprivileged access (the
 * LDRT/STRT idiom the kernel uses to touch user buffers on a task's behalf).
 */
export class Core {
  readonly bus: Bus;
  readonly mpu: MpuModel;
  readonly scb: Scb;
  readonly emitter: HwEmitter;
  private readonly ppb: Ppb;
  private perm: PermTable | null = null;
  private hSegment: MemorySegment | null = null;
  private hStart = 0;
  private hSize = 0;
  private hWSize = 0;
  private hFreeR = 0;
  private hFreeW = 0;
  private hFreeLo = 0;
  // The quick window (see the fast paths): its start, views and limits, and the filter's state
  // words for it (word of window offset u = `(u >>> 2) + hQShadowOff`). Declared without
  // initializers, first stored by the constructor (for the largest writable memory under the
  // reset MPU) and then only when a value changes: while the configuration stays the same, V8
  // keeps them "constant fields" and folds them into the accessors.
  declare private hQStart: number;
  declare private hQView: DataView;
  declare private hQBytes: Uint8Array;
  declare private hQR4: number;
  declare private hQR2: number;
  declare private hQR1: number;
  declare private hQW4: number;
  declare private hQW2: number;
  declare private hQW1: number;
  declare private hQShadow: Int32Array;
  declare private hQShadowOff: number;
  /** Views of a window not starting at its segment's start, kept per segment. */
  private readonly windowViews = new Map<MemorySegment, { lo: number; view: DataView; bytes: Uint8Array }>();
  private hG = 0;
  private hCost = 0;
  private hView: DataView = new DataView(new ArrayBuffer(0));
  private hBytes: Uint8Array = new Uint8Array(0);
  private hPerm: Uint8Array = new Uint8Array(0);
  private modeValue: Mode = "thread";
  private nPriv = false;
  private psplimValue = 0;
  private msplimValue = 0;
  /** CONTROL.SPSEL: Thread mode runs on the process stack (PSP, limited by PSPLIM). */
  controlSpsel = false;
  private priority = THREAD_PRIORITY;
  private privilegedValue = true;
  private rmask: number = Perm.PR;
  private wmask: number = Perm.PW;
  private actorValue = 0;
  private hookValue: AccessHook | null = null;
  private filter: AccessFilter | null = null;
  private countCyclesValue = false;
  /** True when a hook is installed or cycles are counted: the fast paths then test the filter. */
  private observed = false;
  /** The hook filter's state words for the hot segment (empty: no filter there) and the actor's mask. */
  private hShadow: Int32Array = NO_WORDS;
  private hShadowOff = 0;
  /** Index mask of hShadow: all ones with a filter run, 0 without (then hShadow is one word). */
  private hShadowIdx = 0;
  private hMask = -1;

  /** Tag software sets to say who is running (e.g. a task id and a checker mode); passed to the hook. */
  get actor(): number {
    return this.actorValue;
  }
  set actor(v: number) {
    this.actorValue = v;
    if (this.hookValue !== null) this.hMask = this.maskFor(v);
  }

  /**
   * Whether anything tells actors apart: true while a hook is installed (the actor tag is an
   * argument of its calls). Software that switches the actor around short stretches of work,
   * like the allocators, may skip the switch while this is false.
   */
  get actorObserved(): boolean {
    return this.hookValue !== null;
  }

  /** The memory checker's hook, or null. Its optional filter lets fast-path accesses skip the call. */
  get hook(): AccessHook | null {
    return this.hookValue;
  }
  set hook(h: AccessHook | null) {
    this.hookValue = h;
    this.filter = h?.filter ?? null;
    this.observed = h !== null || this.countCyclesValue;
    this.hMask = this.maskFor(this.actorValue);
    this.pickAccessors();
    this.cool();
  }
  /**
   * Charge {@link Core.cycles} per access (1 + the memory's wait states). Off by default: the
   * kernel turns it on for simulated time; the hw benchmark reports both.
   */
  get countCycles(): boolean {
    return this.countCyclesValue;
  }
  set countCycles(on: boolean) {
    this.countCyclesValue = on;
    this.observed = this.hookValue !== null || on;
    this.pickAccessors();
    this.quick();
  }
  /** Core cycles charged by memory accesses while {@link Core.countCycles} is on. */
  cycles = 0;

  /** The fast paths' mask: -1 (always pass) without a hook, 0 (never) for a hook without a filter. */
  private maskFor(actor: number): number {
    if (this.hookValue === null) return -1;
    if (this.filter === null) return 0;
    return this.filter.filterMasks[actor] ?? 0;
  }
  /**
   * The first fault (or hook error) not yet handled. While set, every further access rethrows
   * it: code that caught the JS exception cannot continue as if nothing happened.
   */
  pendingFault: Error | null = null;

  constructor(bus: Bus, mpu: MpuModel, scb: Scb, ppb: Ppb, emitter: HwEmitter) {
    this.bus = bus;
    this.mpu = mpu;
    this.scb = scb;
    this.ppb = ppb;
    this.emitter = emitter;
    mpu.onChange = () => this.invalidate();
    // The first quick window: the largest writable memory (the board's main RAM), reset MPU.
    this.perm = this.usesDefaultMap() ? mpu.defaultMapTable : mpu.table();
    const ram = bus.segments.reduce<MemorySegment | undefined>(
      (best, g) => (g.index > 0 && g.wsize > (best?.wsize ?? 0) ? g : best),
      undefined,
    );
    if (ram !== undefined) this.warm(ram, ram.start);
    if (this.hQView === undefined) this.quick();
  }

  // ---- CPU state ---------------------------------------------------------------------------

  /** Thread or Handler mode. */
  get mode(): Mode {
    return this.modeValue;
  }
  set mode(m: Mode) {
    this.modeValue = m;
    this.updatePrivilege();
  }

  /** CONTROL.nPRIV: Thread mode is unprivileged when set. */
  get controlNPriv(): boolean {
    return this.nPriv;
  }
  set controlNPriv(v: boolean) {
    this.nPriv = v;
    this.updatePrivilege();
  }

  /**
   * PSPLIM (ARMv8-M Mainline): the lowest address the process stack pointer may take; bits [2:0]
   * are RES0. Throws `STACK_LIMIT_UNSUPPORTED` on a core without stack limit registers (ARMv7-M).
   */
  get psplim(): number {
    return this.psplimValue;
  }
  set psplim(v: number) {
    this.psplimValue = this.stackLimitValue("PSPLIM", v);
  }

  /** MSPLIM (ARMv8-M Mainline): the main stack's limit, as {@link Core.psplim}. */
  get msplim(): number {
    return this.msplimValue;
  }
  set msplim(v: number) {
    this.msplimValue = this.stackLimitValue("MSPLIM", v);
  }

  private stackLimitValue(name: string, v: number): number {
    if (!this.scb.profile.stackLimits) {
      throw new HwError("STACK_LIMIT_UNSUPPORTED", `${name}: this core has no stack limit registers (ARMv8-M only)`, {
        field: name,
        value: v,
      });
    }
    return (v & ~7) >>> 0;
  }

  /** The limit of the stack in use: PSPLIM in Thread mode with CONTROL.SPSEL set, MSPLIM otherwise. */
  get stackLimit(): number {
    return this.modeValue === "thread" && this.controlSpsel ? this.psplimValue : this.msplimValue;
  }

  /**
   * An instruction that moves SP (PUSH, STMDB/STR with SP writeback, SUB to SP...) to `sp`: below
   * the current stack's limit it raises UsageFault STKOF (CFSR bit 20) and SP must not be updated;
   * SP equal to the limit is allowed. Ignored at priority < 0 with CCR.STKOFHFNMIGN.
   */
  checkStackLimit(sp: number): void {
    const a = sp >>> 0;
    if (a >= this.stackLimit) return;
    if (this.priority < 0 && (this.scb.ccr & Ccr.STKOFHFNMIGN) !== 0) return;
    this.raise(ExceptionNumber.UsageFault, Cfsr.STKOF, null, this.record(a, 4, AccessKind.Write, this.privileged));
  }

  /** Handler mode, or Thread mode with CONTROL.nPRIV = 0. */
  get privileged(): boolean {
    return this.privilegedValue;
  }

  /**
   * Execution priority: {@link THREAD_PRIORITY} in Thread mode with nothing active, 0..255 in a
   * handler, -1 in HardFault, -2 in NMI (also FAULTMASK = -1).
   */
  get executionPriority(): number {
    return this.priority;
  }
  set executionPriority(p: number) {
    this.priority = p;
    this.invalidate();
  }

  /**
   * Runs `fn` as a debugger would touch memory (SWD, not the CPU): accesses are privileged, not
   * counted as cycles and not shown to the hook, so observing the system (page maps, statistics
   * read through the core) does not change the simulation. Mode, CONTROL.nPRIV, actor, hook and
   * cycle counting are restored afterwards. A latched fault still rethrows.
   *
   * @example
   * ```ts
   * const owners = core.debugAccess(() => regionManager.owners());
   * ```
   */
  debugAccess<T>(fn: () => T): T {
    const mode = this.modeValue;
    const nPriv = this.nPriv;
    const hook = this.hookValue;
    const counting = this.countCyclesValue;
    const actor = this.actorValue;
    this.mode = "handler";
    this.hook = null;
    this.countCycles = false;
    try {
      return fn();
    } finally {
      this.countCycles = counting;
      this.hook = hook;
      this.actor = actor;
      this.nPriv = nPriv;
      this.mode = mode;
    }
  }

  /** Clears the latched fault (the kernel does this once it has handled it). */
  clearFault(): void {
    this.pendingFault = null;
    this.invalidate();
  }

  /** Drops the cached decision table and the hot segment: the next access takes the slow path. */
  private invalidate(): void {
    this.perm = null;
    this.cool();
  }

  private cool(): void {
    this.hSize = 0;
    this.hWSize = 0;
    this.hFreeR = 0;
    this.hFreeW = 0;
    this.hFreeLo = 0;
    this.quick();
  }

  /**
   * Recomputes the quick window from the free window: open with no cycle counting and either no
   * hook or a hook whose filter covers the hot segment (the filtered accessors then test it).
   */
  private quick(): void {
    const open =
      !this.countCyclesValue && (this.hookValue === null || (this.filter !== null && this.hShadowIdx === -1));
    const lo = this.hFreeLo;
    const r = open ? Math.max(0, this.hFreeR - lo) : 0;
    const w = open ? Math.max(0, this.hFreeW - lo) : 0;
    const start = (this.hStart + lo) | 0;
    const win = lo === 0 || r === 0 ? null : this.windowView(lo);
    const view = win === null ? this.hView : win.view;
    const bytes = win === null ? this.hBytes : win.bytes;
    const shadowOff = this.hShadowOff + (lo >>> 2);
    // Stored only on change (see the fields' comment).
    if (this.hQStart !== start) this.hQStart = start;
    if (this.hQView !== view) this.hQView = view;
    if (this.hQBytes !== bytes) this.hQBytes = bytes;
    if (this.hQShadow !== this.hShadow) this.hQShadow = this.hShadow;
    if (this.hQShadowOff !== shadowOff) this.hQShadowOff = shadowOff;
    const r4 = Math.max(0, r - 3);
    const r2 = Math.max(0, r - 1);
    const w4 = Math.max(0, w - 3);
    const w2 = Math.max(0, w - 1);
    if (this.hQR4 !== r4) this.hQR4 = r4;
    if (this.hQR2 !== r2) this.hQR2 = r2;
    if (this.hQR1 !== r) this.hQR1 = r;
    if (this.hQW4 !== w4) this.hQW4 = w4;
    if (this.hQW2 !== w2) this.hQW2 = w2;
    if (this.hQW1 !== w) this.hQW1 = w;
  }

  /** Views of the hot segment from offset `lo` on (cached per segment). */
  private windowView(lo: number): { lo: number; view: DataView; bytes: Uint8Array } {
    const seg = this.hSegment!;
    let v = this.windowViews.get(seg);
    if (v === undefined || v.lo !== lo) {
      v = {
        lo,
        view: new DataView(seg.view.buffer, seg.view.byteOffset + lo, seg.size - lo),
        bytes: seg.bytes.subarray(lo),
      };
      this.windowViews.set(seg, v);
    }
    return v;
  }

  /**
   * Installs the accessors for the current observation: the plain quick paths, or with a
   * filtering hook the ones that also test the filter (so the plain ones stay as small as an
   * unchecked access needs).
   */
  private pickAccessors(): void {
    const filtered = this.hookValue !== null && this.filter !== null && !this.countCyclesValue;
    const read32 = filtered ? this.read32Filtered : this.read32Quick;
    if (this.read32 === read32) return;
    const self = this as Writable<Core, "read32" | "write32" | "read16" | "write16" | "read8" | "write8">;
    self.read32 = read32;
    self.write32 = filtered ? this.write32Filtered : this.write32Quick;
    self.read16 = filtered ? this.read16Filtered : this.read16Quick;
    self.write16 = filtered ? this.write16Filtered : this.write16Quick;
    self.read8 = filtered ? this.read8Filtered : this.read8Quick;
    self.write8 = filtered ? this.write8Filtered : this.write8Quick;
  }

  /**
   * Makes `s` the hot segment under the current table, with a "free window" around `address`:
   * the run of whole 1 KiB blocks (around the one holding `address`) whose every granule allows
   * reads (and, separately, writes) at both privilege levels. Accesses inside it need no
   * per-granule lookup. Segments not starting on a granule are never hot.
   */
  private warm(s: MemorySegment, address: number): void {
    if (this.perm === null || (s.start & 31) !== 0 || this.pendingFault !== null) return;
    const t = this.perm;
    this.hSegment = s;
    // `| 0`: the hot fields hold int32s (a start at or above 2^31 wraps; every use subtracts it
    // from an address modulo 2^32), so V8 keeps them small integers, not heap numbers.
    this.hStart = s.start | 0;
    this.hSize = s.size | 0;
    this.hWSize = s.wsize | 0;
    this.hG = s.gbase | 0;
    this.hCost = s.cost | 0;
    this.hView = s.view;
    this.hBytes = s.bytes;
    this.hPerm = t.bytes;
    const run = this.filter?.filterRun(s.start);
    if (run && run.start <= s.start && run.end >= s.end && ((s.start - run.start) & 3) === 0) {
      this.hShadow = run.words;
      this.hShadowOff = (s.start - run.start) >>> 2;
      this.hShadowIdx = -1;
    } else {
      this.hShadow = NO_WORDS;
      this.hShadowOff = 0;
      this.hShadowIdx = 0;
    }
    const and = t.and[s.index - 1]!;
    const RW = Perm.PR | Perm.UR;
    const WW = Perm.PW | Perm.UW;
    if ((and & RW) === RW) {
      this.hFreeLo = 0;
      this.hFreeR = this.hSize;
      this.hFreeW = (and & WW) === WW ? this.hWSize : 0;
      this.quick();
      return;
    }
    // Blocks of the window must lie wholly inside the segment (granule index from s.gbase).
    const first = (s.gbase + 31) >>> BLOCK_SHIFT;
    const last = ((s.gbase + (s.size >>> GRANULE_SHIFT)) >>> BLOCK_SHIFT) - 1;
    const here = (s.gbase + ((address - s.start) >>> GRANULE_SHIFT)) >>> BLOCK_SHIFT;
    const need = RW | (s.wsize > 0 ? WW : 0);
    const ba = t.blockAnd;
    if (here < first || here > last || (ba[here]! & need) !== need) {
      this.hFreeLo = 0;
      this.hFreeR = 0;
      this.hFreeW = 0;
      this.quick();
      return;
    }
    let lo = here;
    while (lo > first && (ba[lo - 1]! & need) === need) lo--;
    let hi = here;
    while (hi < last && (ba[hi + 1]! & need) === need) hi++;
    const gOff = s.gbase;
    this.hFreeLo = ((lo << BLOCK_SHIFT) - gOff) << GRANULE_SHIFT;
    this.hFreeR = (((hi + 1) << BLOCK_SHIFT) - gOff) << GRANULE_SHIFT;
    this.hFreeW = s.wsize > 0 ? this.hFreeR : 0;
    this.quick();
  }

  private updatePrivilege(): void {
    this.privilegedValue = this.modeValue === "handler" || !this.nPriv;
    this.rmask = this.privilegedValue ? Perm.PR : Perm.UR;
    this.wmask = this.privilegedValue ? Perm.PW : Perm.UW;
  }

  // ---- fast paths ---------------------------------------------------------------------------
  //
  // The last memory segment the slow path succeeded on is "hot": its bounds, view and place in
  // the permission table sit in fields of the core. [hFreeLo, hFreeR) / [hFreeLo, hFreeW) is a
  // window of the segment where every granule allows reads / writes at both privilege levels
  // (the whole segment with the MPU off or one region covering it), so the common case needs no
  // table lookup; elsewhere in the segment the granule's permission byte decides.
  // Anything else (miss, fault, unaligned, after an MPU change) takes `slow`, which re-warms.

  // The quick window: with no cycle counting, an aligned access inside the hot segment's free
  // window is one bounds test (offsets from the window's start, `hQStart`) and the access itself,
  // small enough for V8 to inline at every call site. `hQR4`... are one past the last window
  // offset where such an access fits (0: no quick window). With a filtering hook installed the
  // public accessors are the `...Filtered` variants, which also test the filter's state word;
  // without one, the `...Quick` variants, which do not pay for that test. Everything else takes
  // the `...More` method.

  /** 32-bit little-endian load. */
  readonly read32: (address: number, unprivileged?: boolean) => number = this.read32Quick;
  /** 32-bit little-endian store. */
  readonly write32: (address: number, value: number, unprivileged?: boolean) => void = this.write32Quick;
  /** 16-bit little-endian load. */
  readonly read16: (address: number, unprivileged?: boolean) => number = this.read16Quick;
  /** 16-bit little-endian store. */
  readonly write16: (address: number, value: number, unprivileged?: boolean) => void = this.write16Quick;
  /** 8-bit load. */
  readonly read8: (address: number, unprivileged?: boolean) => number = this.read8Quick;
  /** 8-bit store. */
  readonly write8: (address: number, value: number, unprivileged?: boolean) => void = this.write8Quick;

  private read32Quick(address: number, unprivileged?: boolean): number {
    const u = (address - this.hQStart) >>> 0;
    if (u < this.hQR4 && (u & 3) === 0) return this.hQView.getUint32(u, true);
    return this.read32More(address, unprivileged);
  }

  private read32Filtered(address: number, unprivileged?: boolean): number {
    const u = (address - this.hQStart) >>> 0;
    if (u < this.hQR4 && (u & 3) === 0 && (this.hQShadow[(u >>> 2) + this.hQShadowOff]! | this.hMask) === -1)
      return this.hQView.getUint32(u, true);
    return this.read32More(address, unprivileged);
  }

  private read32More(address: number, unprivileged: boolean | undefined): number {
    // Quick accessors pass `unprivileged` through as given (no default: smaller to inline).
    unprivileged = unprivileged === true;
    const off = (address - this.hStart) | 0;
    if ((off & 3) === 0) {
      const u = off >>> 0;
      if (u <= this.hFreeR - 4 && u >= this.hFreeLo) {
        if (this.observed) this.observe(u, 4, AccessKind.Read, unprivileged);
        return this.hView.getUint32(u, true);
      }
      if (
        u <= this.hSize - 4 &&
        (this.hPerm[(u >>> GRANULE_SHIFT) + this.hG]! & (unprivileged ? Perm.UR : this.rmask)) !== 0
      ) {
        if (this.observed) this.observe(u, 4, AccessKind.Read, unprivileged);
        return this.hView.getUint32(u, true);
      }
    }
    return this.slow(address >>> 0, 4, AccessKind.Read, unprivileged, 0, Purpose.Normal);
  }

  private write32Quick(address: number, value: number, unprivileged?: boolean): void {
    const u = (address - this.hQStart) >>> 0;
    if (u < this.hQW4 && (u & 3) === 0) this.hQView.setUint32(u, value, true);
    else this.write32More(address, value, unprivileged);
  }

  private write32Filtered(address: number, value: number, unprivileged?: boolean): void {
    const u = (address - this.hQStart) >>> 0;
    if (u < this.hQW4 && (u & 3) === 0 && (this.hQShadow[(u >>> 2) + this.hQShadowOff]! | this.hMask) === -1)
      this.hQView.setUint32(u, value, true);
    else this.write32More(address, value, unprivileged);
  }

  private write32More(address: number, value: number, unprivileged: boolean | undefined): void {
    unprivileged = unprivileged === true;
    const off = (address - this.hStart) | 0;
    if ((off & 3) === 0) {
      const u = off >>> 0;
      if (u <= this.hFreeW - 4 && u >= this.hFreeLo) {
        if (this.observed) this.observe(u, 4, AccessKind.Write, unprivileged);
        this.hView.setUint32(u, value, true);
        return;
      }
      if (
        u <= this.hWSize - 4 &&
        (this.hPerm[(u >>> GRANULE_SHIFT) + this.hG]! & (unprivileged ? Perm.UW : this.wmask)) !== 0
      ) {
        if (this.observed) this.observe(u, 4, AccessKind.Write, unprivileged);
        this.hView.setUint32(u, value, true);
        return;
      }
    }
    this.slow(address >>> 0, 4, AccessKind.Write, unprivileged, value, Purpose.Normal);
  }

  private read16Quick(address: number, unprivileged?: boolean): number {
    const u = (address - this.hQStart) >>> 0;
    if (u < this.hQR2 && (u & 1) === 0) return this.hQView.getUint16(u, true);
    return this.read16More(address, unprivileged);
  }

  private read16Filtered(address: number, unprivileged?: boolean): number {
    const u = (address - this.hQStart) >>> 0;
    if (u < this.hQR2 && (u & 1) === 0 && (this.hQShadow[(u >>> 2) + this.hQShadowOff]! | this.hMask) === -1)
      return this.hQView.getUint16(u, true);
    return this.read16More(address, unprivileged);
  }

  private read16More(address: number, unprivileged: boolean | undefined): number {
    unprivileged = unprivileged === true;
    const off = (address - this.hStart) | 0;
    if ((off & 1) === 0) {
      const u = off >>> 0;
      if (u <= this.hFreeR - 2 && u >= this.hFreeLo) {
        if (this.observed) this.observe(u, 2, AccessKind.Read, unprivileged);
        return this.hView.getUint16(u, true);
      }
      if (
        u <= this.hSize - 2 &&
        (this.hPerm[(u >>> GRANULE_SHIFT) + this.hG]! & (unprivileged ? Perm.UR : this.rmask)) !== 0
      ) {
        if (this.observed) this.observe(u, 2, AccessKind.Read, unprivileged);
        return this.hView.getUint16(u, true);
      }
    }
    return this.slow(address >>> 0, 2, AccessKind.Read, unprivileged, 0, Purpose.Normal);
  }

  private write16Quick(address: number, value: number, unprivileged?: boolean): void {
    const u = (address - this.hQStart) >>> 0;
    if (u < this.hQW2 && (u & 1) === 0) this.hQView.setUint16(u, value, true);
    else this.write16More(address, value, unprivileged);
  }

  private write16Filtered(address: number, value: number, unprivileged?: boolean): void {
    const u = (address - this.hQStart) >>> 0;
    if (u < this.hQW2 && (u & 1) === 0 && (this.hQShadow[(u >>> 2) + this.hQShadowOff]! | this.hMask) === -1)
      this.hQView.setUint16(u, value, true);
    else this.write16More(address, value, unprivileged);
  }

  private write16More(address: number, value: number, unprivileged: boolean | undefined): void {
    unprivileged = unprivileged === true;
    const off = (address - this.hStart) | 0;
    if ((off & 1) === 0) {
      const u = off >>> 0;
      if (u <= this.hFreeW - 2 && u >= this.hFreeLo) {
        if (this.observed) this.observe(u, 2, AccessKind.Write, unprivileged);
        this.hView.setUint16(u, value, true);
        return;
      }
      if (
        u <= this.hWSize - 2 &&
        (this.hPerm[(u >>> GRANULE_SHIFT) + this.hG]! & (unprivileged ? Perm.UW : this.wmask)) !== 0
      ) {
        if (this.observed) this.observe(u, 2, AccessKind.Write, unprivileged);
        this.hView.setUint16(u, value, true);
        return;
      }
    }
    this.slow(address >>> 0, 2, AccessKind.Write, unprivileged, value, Purpose.Normal);
  }

  private read8Quick(address: number, unprivileged?: boolean): number {
    const u = (address - this.hQStart) >>> 0;
    if (u < this.hQR1) return this.hQBytes[u]!;
    return this.read8More(address, unprivileged);
  }

  private read8Filtered(address: number, unprivileged?: boolean): number {
    const u = (address - this.hQStart) >>> 0;
    if (u < this.hQR1 && (this.hQShadow[(u >>> 2) + this.hQShadowOff]! | this.hMask) === -1) return this.hQBytes[u]!;
    return this.read8More(address, unprivileged);
  }

  private read8More(address: number, unprivileged: boolean | undefined): number {
    unprivileged = unprivileged === true;
    const off = (address - this.hStart) | 0;
    {
      const u = off >>> 0;
      if (u <= this.hFreeR - 1 && u >= this.hFreeLo) {
        if (this.observed) this.observe(u, 1, AccessKind.Read, unprivileged);
        return this.hBytes[u]!;
      }
      if (
        u <= this.hSize - 1 &&
        (this.hPerm[(u >>> GRANULE_SHIFT) + this.hG]! & (unprivileged ? Perm.UR : this.rmask)) !== 0
      ) {
        if (this.observed) this.observe(u, 1, AccessKind.Read, unprivileged);
        return this.hBytes[u]!;
      }
    }
    return this.slow(address >>> 0, 1, AccessKind.Read, unprivileged, 0, Purpose.Normal);
  }

  private write8Quick(address: number, value: number, unprivileged?: boolean): void {
    const u = (address - this.hQStart) >>> 0;
    if (u < this.hQW1) this.hQBytes[u] = value;
    else this.write8More(address, value, unprivileged);
  }

  private write8Filtered(address: number, value: number, unprivileged?: boolean): void {
    const u = (address - this.hQStart) >>> 0;
    if (u < this.hQW1 && (this.hQShadow[(u >>> 2) + this.hQShadowOff]! | this.hMask) === -1) this.hQBytes[u] = value;
    else this.write8More(address, value, unprivileged);
  }

  private write8More(address: number, value: number, unprivileged: boolean | undefined): void {
    unprivileged = unprivileged === true;
    const off = (address - this.hStart) | 0;
    {
      const u = off >>> 0;
      if (u <= this.hFreeW - 1 && u >= this.hFreeLo) {
        if (this.observed) this.observe(u, 1, AccessKind.Write, unprivileged);
        this.hBytes[u] = value;
        return;
      }
      if (
        u <= this.hWSize - 1 &&
        (this.hPerm[(u >>> GRANULE_SHIFT) + this.hG]! & (unprivileged ? Perm.UW : this.wmask)) !== 0
      ) {
        if (this.observed) this.observe(u, 1, AccessKind.Write, unprivileged);
        this.hBytes[u] = value;
        return;
      }
    }
    this.slow(address >>> 0, 1, AccessKind.Write, unprivileged, value, Purpose.Normal);
  }

  /**
   * The hook and cycle accounting of a fast-path access at offset `u` of the hot segment: the
   * hook is called unless its filter passes the access's state word.
   */
  private observe(u: number, size: number, kind: AccessKind, unprivileged: boolean): void {
    if (this.countCyclesValue) this.cycles += this.hCost;
    if ((this.hShadow[((u >>> 2) + this.hShadowOff) & this.hShadowIdx]! | this.hMask) === -1) return;
    const h = this.hookValue;
    if (h !== null)
      h.onAccess((this.hStart + u) >>> 0, size, kind, this.privilegedValue && !unprivileged, this.actorValue);
  }

  /** Instruction fetch of one Thumb halfword (MPU read permission and XN, bus executability). */
  fetch(address: number): number {
    return this.slow(address >>> 0, 2, AccessKind.Fetch, false, 0, Purpose.Normal);
  }

  // ---- blocks -------------------------------------------------------------------------------

  /**
   * Reads `length` bytes (a memcpy-like byte transfer: no alignment needed). All-or-nothing:
   * the MPU checks every granule and the bus every byte before any byte moves; the hook sees one
   * access of `length` bytes.
   */
  readBytes(address: number, length: number, unprivileged = false): Uint8Array {
    const a = address >>> 0;
    if (length <= 0) return new Uint8Array(0);
    const s = this.blockCheck(a, length, AccessKind.Read, unprivileged);
    if (s) {
      if (this.countCycles) this.cycles += s.cost * Math.ceil(length / 4);
      return s.bytes.slice(a - s.start, a - s.start + length);
    }
    const out = new Uint8Array(length);
    if (s === null) for (let i = 0; i < length; i++) out[i] = this.rawByte(a + i, AccessKind.Read, 0, !unprivileged);
    else
      for (let i = 0; i < length; i++) out[i] = this.slow(a + i, 1, AccessKind.Read, unprivileged, 0, Purpose.Normal);
    return out;
  }

  /** Writes bytes (memcpy-like, all-or-nothing: every granule and byte is checked before any byte is written). */
  writeBytes(address: number, data: Uint8Array, unprivileged = false): void {
    const a = address >>> 0;
    if (data.length === 0) return;
    const s = this.blockCheck(a, data.length, AccessKind.Write, unprivileged);
    if (s) {
      if (this.countCycles) this.cycles += s.cost * Math.ceil(data.length / 4);
      s.bytes.set(data, a - s.start);
      return;
    }
    if (s === null)
      for (let i = 0; i < data.length; i++) this.rawByte(a + i, AccessKind.Write, data[i]!, !unprivileged);
    else
      for (let i = 0; i < data.length; i++)
        this.slow(a + i, 1, AccessKind.Write, unprivileged, data[i]!, Purpose.Normal);
  }

  /** Fills `length` bytes with `value` (memset-like, all-or-nothing like {@link Core.writeBytes}). */
  fill(address: number, value: number, length: number, unprivileged = false): void {
    const a = address >>> 0;
    if (length <= 0) return;
    const s = this.blockCheck(a, length, AccessKind.Write, unprivileged);
    if (s) {
      if (this.countCycles) this.cycles += s.cost * Math.ceil(length / 4);
      s.bytes.fill(value, a - s.start, a - s.start + length);
      return;
    }
    if (s === null) for (let i = 0; i < length; i++) this.rawByte(a + i, AccessKind.Write, value, !unprivileged);
    else for (let i = 0; i < length; i++) this.slow(a + i, 1, AccessKind.Write, unprivileged, value, Purpose.Normal);
  }

  /** LDM-like: `count` words from a word-aligned address (UsageFault UNALIGNED otherwise). */
  readWords(address: number, count: number, unprivileged = false): Uint32Array {
    if (this.pendingFault) throw this.pendingFault;
    const a = address >>> 0;
    if (a & 3) this.raiseUnaligned(a, 4, AccessKind.Read, this.privileged && !unprivileged);
    const out = new Uint32Array(count);
    for (let i = 0; i < count; i++) out[i] = this.read32(a + 4 * i, unprivileged);
    return out;
  }

  /** STM-like: words to a word-aligned address (UsageFault UNALIGNED otherwise). */
  writeWords(address: number, words: ArrayLike<number>, unprivileged = false): void {
    if (this.pendingFault) throw this.pendingFault;
    const a = address >>> 0;
    if (a & 3) this.raiseUnaligned(a, 4, AccessKind.Write, this.privileged && !unprivileged);
    for (let i = 0; i < words.length; i++) this.write32(a + 4 * i, words[i]!, unprivileged);
  }

  // ---- exception stacking -------------------------------------------------------------------

  /**
   * Exception entry: pushes an 8-word frame (R0-R3, R12, LR, PC, xPSR) below `sp` with the
   * privilege of the interrupted code (call it before switching to Handler mode), 8-byte aligned
   * (CCR.STKALIGN; a realignment sets bit 9 of the stacked xPSR). A violation is MemManage
   * MSTKERR or BusFault STKERR (no fault address). A frame below the stack in use's limit
   * (ARMv8-M PSPLIM/MSPLIM) is UsageFault STKOF with no access made. Returns the new stack pointer.
   */
  pushFrame(sp: number, frame: ArrayLike<number>): number {
    let fp = ((sp >>> 0) - 32) >>> 0;
    // PushStack: a realignment is recorded in bit 9 of the stacked xPSR (popFrame undoes it).
    const realign = this.scb.ccr & Ccr.STKALIGN ? fp & 4 : 0;
    if (this.scb.ccr & Ccr.STKALIGN) fp = (fp & ~7) >>> 0;
    if (fp < this.stackLimit) this.checkStackLimit(fp);
    const xpsr = (((frame[7] ?? 0) & ~0x200) | (realign << 7)) >>> 0;
    const s = this.frameCheck(fp, AccessKind.Write);
    if (s === undefined) {
      for (let i = 0; i < 8; i++)
        this.slow((fp + 4 * i) >>> 0, 4, AccessKind.Write, false, i === 7 ? xpsr : (frame[i] ?? 0), Purpose.Stack);
      return fp;
    }
    const off = fp - s.start;
    const view = s.view;
    for (let i = 0; i < 7; i++) view.setUint32(off + 4 * i, (frame[i] ?? 0) >>> 0, true);
    view.setUint32(off + 28, xpsr, true);
    return fp;
  }

  /**
   * Exception return: pops the 8-word frame at `sp` with the privilege of the code returned to
   * (set `mode`/`controlNPriv` first). A violation is MemManage MUNSTKERR or BusFault UNSTKERR.
   * The returned SP undoes a realignment recorded in the stacked xPSR bit 9 (CCR.STKALIGN set).
   * `into` (8 words) receives the frame instead of a new array (the context switch reuses one).
   */
  popFrame(sp: number, into?: Uint32Array): { frame: Uint32Array; sp: number } {
    const fp = sp >>> 0;
    const frame = into ?? new Uint32Array(8);
    const s = this.frameCheck(fp, AccessKind.Read);
    if (s === undefined) {
      for (let i = 0; i < 8; i++)
        frame[i] = this.slow((fp + 4 * i) >>> 0, 4, AccessKind.Read, false, 0, Purpose.Unstack);
    } else {
      const off = fp - s.start;
      for (let i = 0; i < 8; i++) frame[i] = s.view.getUint32(off + 4 * i, true);
    }
    const realigned = this.scb.ccr & Ccr.STKALIGN && frame[7]! & 0x200 ? 4 : 0;
    return { frame, sp: ((fp + 32) | realigned) >>> 0 };
  }

  /**
   * Fast check of a 32-byte exception frame at a word-aligned `fp`: when every granule allows
   * the access at the current privilege and the frame lies in one writable memory segment,
   * shows it to the hook as one access and charges its cycles, returning the segment; otherwise
   * returns undefined and the caller takes the word-by-word path, which raises the precise
   * stacking fault (MSTKERR/STKERR or MUNSTKERR/UNSTKERR).
   */
  private frameCheck(fp: number, kind: AccessKind): MemorySegment | undefined {
    if (this.pendingFault) throw this.pendingFault;
    if ((fp & 3) !== 0 || fp > 0xffffffe0) return undefined;
    const s = this.bus.segmentFor(fp, 32);
    if (!s || (kind === AccessKind.Write && s.wsize === 0)) return undefined;
    const need = kind === AccessKind.Write ? this.wmask : this.rmask;
    const t = this.table();
    const g = (fp >>> GRANULE_SHIFT) - s.g0;
    if ((t.bytes[g]! & need) === 0 || (t.bytes[((fp + 31) >>> GRANULE_SHIFT) - s.g0]! & need) === 0) return undefined;
    if (this.hook !== null) this.hook.onAccess(fp, 32, kind, this.privilegedValue, this.actor);
    if (this.countCycles) this.cycles += 8 * s.cost;
    return s;
  }

  /** Vector-table read (always the default memory map, privileged): the word at VTOR + 4n. */
  readVector(n: number): number {
    const a = (this.scb.vtor + 4 * n) >>> 0;
    const s = this.bus.segmentFor(a, 4);
    if (!s)
      this.raise(
        ExceptionNumber.HardFault,
        0,
        null,
        { address: a, size: 4, kind: AccessKind.Read, privileged: true, actor: this.actor },
        Hfsr.VECTTBL,
      );
    return s!.view.getUint32(a - s!.start, true);
  }

  // ---- MPU decision helpers -------------------------------------------------------------------

  /** Whether the default map applies to everyone now (MPU off, or priority < 0 without HFNMIENA). */
  private usesDefaultMap(): boolean {
    return !this.mpu.enabled || (this.priority < 0 && !this.mpu.hfnmiena);
  }

  private table(): PermTable {
    if (this.perm === null) this.perm = this.usesDefaultMap() ? this.mpu.defaultMapTable : this.mpu.table();
    return this.perm;
  }

  /**
   * The MPU's permission byte (see {@link Perm}) for any address as the core sees it now: the
   * precomputed table for memory, a direct decision elsewhere; XN for the system range; the PPB's
   * fixed privileged-only read/write.
   */
  permissionAt(address: number): number {
    const a = address >>> 0;
    const t = this.table();
    const s = this.bus.segmentFor(a);
    let p: number;
    if (s) p = t.bytes[(a >>> GRANULE_SHIFT) - s.g0]!;
    else p = this.usesDefaultMap() ? defaultPerm(a) : this.mpu.decide(a);
    // The PPB ignores the MPU: privileged read/write only, Strongly-ordered, never executable.
    if (isSystemXn(a)) p = a >>> 20 === 0xe00 ? Perm.PR | Perm.PW | Perm.DEVICE : p & ~(Perm.PX | Perm.UX);
    return p;
  }

  /**
   * Checks a block transfer before any byte moves: the MPU for every granule (MemManage at the
   * first denied one), then the bus for every byte (precise BusFault at the first byte no memory
   * or peripheral decodes, or read-only memory for a write), then shows it to the hook once.
   * Returns the one segment holding the whole block, `null` when the block is valid but spans
   * segments or peripherals (copy byte by byte with `rawByte`), or `undefined` when it touches
   * the PPB (each byte takes the slow path, which applies the PPB rules).
   */
  private blockCheck(
    a: number,
    length: number,
    kind: AccessKind,
    unprivileged: boolean,
  ): MemorySegment | null | undefined {
    if (this.pendingFault) throw this.pendingFault;
    const priv = this.privileged && !unprivileged;
    const last = a + length - 1;
    if (last > 0xffffffff || a >>> 20 === 0xe00 || last >>> 20 === 0xe00 || (a < 0xe0000000 && last >= 0xe0100000)) {
      return undefined;
    }
    const need = kind === AccessKind.Read ? (priv ? Perm.PR : Perm.UR) : priv ? Perm.PW : Perm.UW;
    for (let g = a >>> GRANULE_SHIFT; g <= last >>> GRANULE_SHIFT; g++) {
      const ga = Math.max(a, g * 32);
      if ((this.permissionAt(ga) & need) === 0) {
        this.raise(ExceptionNumber.MemManage, Cfsr.DACCVIOL | Cfsr.MMARVALID, ga, this.record(a, length, kind, priv));
      }
    }
    const s = this.bus.segmentFor(a, length);
    const busFault = (at: number): never =>
      this.raise(ExceptionNumber.BusFault, Cfsr.PRECISERR | Cfsr.BFARVALID, at, this.record(a, length, kind, priv));
    if (s) {
      if (kind === AccessKind.Write && s.wsize === 0) busFault(a);
    } else {
      for (let i = 0; i < length; i++) {
        const seg = this.bus.segmentFor(a + i);
        if (seg ? kind === AccessKind.Write && seg.wsize === 0 : !this.bus.peripheralAt(a + i)) busFault(a + i);
      }
    }
    if (this.hook !== null) this.hook.onAccess(a, length, kind, priv, this.actor);
    return s ?? null;
  }

  /** One byte of a checked block transfer: memory or a peripheral, no further checks. */
  private rawByte(a: number, kind: AccessKind, value: number, privileged: boolean): number {
    const seg = this.bus.segmentFor(a);
    if (seg) {
      if (this.countCycles) this.cycles += seg.cost;
      if (kind === AccessKind.Write) seg.bytes[a - seg.start] = value;
      return seg.bytes[a - seg.start]!;
    }
    const hit = this.bus.peripheralAt(a)!;
    if (this.countCycles) this.cycles += 2;
    if (hit.device === null || hit.offset >= hit.device.size) return 0;
    const ctx = { privileged, actor: this.actor };
    if (kind === AccessKind.Write) {
      hit.device.write(hit.offset, 1, value & 0xff, ctx);
      return 0;
    }
    return hit.device.read(hit.offset, 1, ctx) & 0xff;
  }

  // ---- the general path ----------------------------------------------------------------------

  private record(address: number, size: number, kind: AccessKind, privileged: boolean): AccessRecord {
    return { address, size, kind, privileged, actor: this.actor };
  }

  /**
   * Every access the fast paths do not take: faults, unaligned, PPB, peripherals, read-only
   * memory, granule or segment crossings, and the first access after an MPU change.
   */
  private slow(
    a: number,
    size: number,
    kind: AccessKind,
    unprivileged: boolean,
    value: number,
    purpose: Purpose,
  ): number {
    if (this.pendingFault) throw this.pendingFault;
    const priv = this.privileged && !unprivileged;
    const last = a + size - 1;

    // PPB: default map, Strongly-ordered, XN, privileged only.
    if (a >>> 20 === 0xe00) {
      if (kind === AccessKind.Fetch)
        this.raise(ExceptionNumber.MemManage, Cfsr.IACCVIOL, null, this.record(a, size, kind, priv));
      const stir = a === 0xe000ef00 && (this.scb.ccr & Ccr.USERSETMPEND) !== 0;
      if (!priv && !stir)
        this.raise(ExceptionNumber.BusFault, Cfsr.PRECISERR | Cfsr.BFARVALID, a, this.record(a, size, kind, priv));
      if (a & (size - 1)) this.raiseUnaligned(a, size, kind, priv);
      if (this.countCycles) this.cycles += 1;
      if (kind === AccessKind.Read) return this.ppb.read(a, size);
      this.ppb.write(a, size, value);
      return 0;
    }

    // Alignment trap (checked before the MPU, as MemU does).
    const misaligned = size > 1 && (a & (size - 1)) !== 0;
    if (misaligned && kind !== AccessKind.Fetch && (this.scb.ccr & Ccr.UNALIGN_TRP) !== 0) {
      this.raiseUnaligned(a, size, kind, priv);
    }

    // MPU: every granule the access touches.
    let p = this.permissionAt(a);
    if (last <= 0xffffffff && last >>> GRANULE_SHIFT !== a >>> GRANULE_SHIFT) {
      const q = this.permissionAt(last);
      p = (p & q) | ((p | q) & Perm.DEVICE);
    }
    const need =
      kind === AccessKind.Read
        ? priv
          ? Perm.PR
          : Perm.UR
        : kind === AccessKind.Write
          ? priv
            ? Perm.PW
            : Perm.UW
          : priv
            ? Perm.PX
            : Perm.UX;
    if ((p & need) === 0) {
      if (kind === AccessKind.Fetch)
        this.raise(ExceptionNumber.MemManage, Cfsr.IACCVIOL, null, this.record(a, size, kind, priv));
      else if (purpose === Purpose.Stack)
        this.raise(ExceptionNumber.MemManage, Cfsr.MSTKERR, null, this.record(a, size, kind, priv));
      else if (purpose === Purpose.Unstack)
        this.raise(ExceptionNumber.MemManage, Cfsr.MUNSTKERR, null, this.record(a, size, kind, priv));
      // A split access faults in its denied part: MMFAR = the first byte of the denied granule.
      else {
        const at = (this.permissionAt(a) & need) !== 0 ? (last & ~31) >>> 0 : a;
        this.raise(ExceptionNumber.MemManage, Cfsr.DACCVIOL | Cfsr.MMARVALID, at, this.record(a, size, kind, priv));
      }
    }
    if (misaligned && (p & Perm.DEVICE) !== 0) this.raiseUnaligned(a, size, kind, priv);

    if (this.hook !== null) this.hook.onAccess(a, size, kind, priv, this.actor);

    // Bus.
    if (last > 0xffffffff) this.busFault(a, size, kind, priv, purpose);
    const s = this.bus.segmentFor(a, size);
    if (s) {
      if (kind === AccessKind.Write && s.wsize === 0) this.busFault(a, size, kind, priv, purpose);
      if (kind === AccessKind.Fetch && !s.region.executable) this.busFault(a, size, kind, priv, purpose);
      if (this.countCycles) this.cycles += s.cost;
      if (kind !== AccessKind.Fetch && purpose === Purpose.Normal) this.warm(s, a);
      const off = a - s.start;
      if (kind === AccessKind.Write) {
        if (size === 4) s.view.setUint32(off, value, true);
        else if (size === 2) s.view.setUint16(off, value, true);
        else s.bytes[off] = value;
        return 0;
      }
      return size === 4 ? s.view.getUint32(off, true) : size === 2 ? s.view.getUint16(off, true) : s.bytes[off]!;
    }
    if (this.bus.segmentFor(a) || this.bus.segmentFor(last)) {
      // Crosses the edge of a region: contiguous regions carry the access on; a gap faults.
      for (let i = 0; i < size; i++) if (!this.bus.segmentFor(a + i)) this.busFault(a, size, kind, priv, purpose);
      let v = 0;
      for (let i = 0; i < size; i++) {
        const seg = this.bus.segmentFor(a + i)!;
        if (kind === AccessKind.Write) {
          if (seg.wsize === 0) this.busFault(a, size, kind, priv, purpose);
          seg.bytes[a + i - seg.start] = (value >>> (8 * i)) & 0xff;
        } else {
          if (kind === AccessKind.Fetch && !seg.region.executable) this.busFault(a, size, kind, priv, purpose);
          v |= seg.bytes[a + i - seg.start]! << (8 * i);
        }
        if (this.countCycles) this.cycles += seg.cost;
      }
      return v >>> 0;
    }
    const hit = this.bus.peripheralAt(a);
    if (!hit || kind === AccessKind.Fetch || !this.bus.peripheralAt(last)) this.busFault(a, size, kind, priv, purpose);
    if (this.countCycles) this.cycles += 2;
    const dev = hit!.device;
    if (dev === null) return 0; // decoded range, nothing attached: RAZ/WI
    if (hit!.offset + size > dev.size) this.busFault(a, size, kind, priv, purpose);
    const ctx = { privileged: priv, actor: this.actor };
    if (kind === AccessKind.Write) {
      dev.write(hit!.offset, size as 1 | 2 | 4, value >>> 0, ctx);
      return 0;
    }
    return dev.read(hit!.offset, size as 1 | 2 | 4, ctx) >>> 0;
  }

  /** The BusFault of an access no memory or peripheral decodes (no closure on the slow path: it runs per resume). */
  private busFault(a: number, size: number, kind: AccessKind, priv: boolean, purpose: Purpose): never {
    const rec = this.record(a, size, kind, priv);
    if (kind === AccessKind.Fetch) return this.raise(ExceptionNumber.BusFault, Cfsr.IBUSERR, null, rec);
    if (purpose === Purpose.Stack) return this.raise(ExceptionNumber.BusFault, Cfsr.STKERR, null, rec);
    if (purpose === Purpose.Unstack) return this.raise(ExceptionNumber.BusFault, Cfsr.UNSTKERR, null, rec);
    return this.raise(ExceptionNumber.BusFault, Cfsr.PRECISERR | Cfsr.BFARVALID, a, rec);
  }

  private raiseUnaligned(a: number, size: number, kind: AccessKind, priv: boolean): never {
    return this.raise(ExceptionNumber.UsageFault, Cfsr.UNALIGNED, null, this.record(a, size, kind, priv));
  }

  /**
   * Takes a fault: sets CFSR (and MMFAR/BFAR when valid), escalates to HardFault (HFSR.FORCED)
   * when the fault is disabled in SHCSR or cannot preempt the current execution priority,
   * locks up at priority < 0, latches and throws.
   */
  private raise(
    cause: ExceptionNumber,
    bits: number,
    address: number | null,
    access: AccessRecord,
    hfsrBits = 0,
  ): never {
    const scb = this.scb;
    scb.cfsr = (scb.cfsr | bits) >>> 0;
    if (bits & Cfsr.MMARVALID) scb.mmfar = address! >>> 0;
    if (bits & Cfsr.BFARVALID) scb.bfar = address! >>> 0;
    let exception: ExceptionNumber = cause;
    let lockup = false;
    if (this.priority < 0) {
      lockup = true;
      exception = ExceptionNumber.HardFault;
    } else if (cause === ExceptionNumber.HardFault) {
      scb.hfsr = (scb.hfsr | hfsrBits) >>> 0;
    } else if (!scb.faultEnabled(cause) || scb.priority(cause) >= this.priority) {
      exception = ExceptionNumber.HardFault;
      scb.hfsr = (scb.hfsr | Hfsr.FORCED) >>> 0;
    }
    const fault = new Fault({
      exception,
      cause,
      cfsr: bits,
      hfsr: scb.hfsr,
      faultAddress: bits & (Cfsr.MMARVALID | Cfsr.BFARVALID) ? address : null,
      access,
      lockup,
    });
    this.latch(fault);
    if (this.emitter.listenerCount("fault") > 0) this.emitter.emit("fault", fault);
    throw fault;
  }

  /** Latches an error raised during an access (faults, and errors thrown by the hook). */
  latch(error: Error): void {
    if (this.pendingFault === null) this.pendingFault = error;
    this.cool();
  }
}
