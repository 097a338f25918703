import { type AccessFilter, type AccessHook, AccessKind, type AccessRecord } from "./access.js";
import { GRANULE_EXECUTABLE, VIEW_COST_SHIFT, ViewCache, viewVariant } from "./access-view.js";
import { HwError } from "./errors.js";
import type { HwEmitter } from "./events.js";
import { Cfsr, ExceptionNumber, Fault } from "./fault.js";
import { bitBandBit, bitBandByte, isBitBandAlias } from "./memory/bit-band.js";
import type { Bus } from "./memory/bus.js";
import { defaultPerm, isSystemXn } from "./mpu/fields.js";
import type { MpuModel, PermTable } from "./mpu/model.js";
import { GRANULE, GRANULE_SHIFT, Perm } from "./mpu/perm.js";
import type { Ppb } from "./scs/ppb.js";
import { Ccr, type Scb, ScbReg } from "./scs/scb.js";

/** Processor mode. */
export type Mode = "thread" | "handler";

/** Execution priority of Thread mode with no exception active (lower than any configurable priority). */
export const THREAD_PRIORITY = 256;

/** Why an access is made: ordinary, exception stacking, exception unstacking, lazy FP state preservation. */
export const enum Purpose {
  Normal = 0,
  Stack = 1,
  Unstack = 2,
  /** The FP part of an extended frame written lazily (S0-S15, FPSCR): MLSPERR / LSPERR. */
  LazyStack = 3,
}

/**
 * Most cycles the fast paths charge before the general path looks at the clock (the cycle
 * counter's fast part stays a small integer).
 */
const CHARGE_SPAN = 1 << 28;

/** Frames of JS stack a `Fault` keeps at least (see `raise`). */
const FAULT_STACK_FRAMES = 16;

/** The view offsets while no table is current: none (never written). */
const NO_VIEWS = new Int32Array(4);

/** `BAD_ARGUMENT` for a mode that is neither Thread nor Handler (a JS caller's typo would leave privilege undefined). */
function badMode(m: unknown): HwError {
  return new HwError("BAD_ARGUMENT", `mode must be "thread" or "handler", not ${JSON.stringify(String(m))}`, {
    field: "mode",
    value: String(m),
  });
}

/** Whether the host stores a Uint32Array's words little-endian (the bus's order). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Bit conversions of the float accessors. */
const SCRATCH = new DataView(new ArrayBuffer(8));

/**
 * One memory access of the Cortex-M core, from the load or store to the bytes: privilege
 * (mode, CONTROL.nPRIV, execution priority), the MPU's decision, the access hook and its
 * filter, the cycle charge and the cycle alarm, the bus, and the faults with the fault status
 * registers as the silicon sets them; and the instruction fetch. {@link Core} adds the
 * operations built on single accesses (block transfers, exception stacking, vector reads).
 *
 * The fast paths (`read32` ... `write8`, `readF32`) have one shape whatever is installed, so
 * every call site stays monomorphic and nothing relies on V8 treating a field as a constant.
 * They work through one DataView over the bus's buffer (see `BufferLayout`): the block table
 * turns the address into a buffer offset; one byte of the current access view (see
 * {@link ViewCache}: the MPU's permission at this privilege, writable memory, the cycle cost)
 * decides the MPU and the bus; with a hook, one word of the filter state decides whether the
 * hook must see the access; with cycle counting, the charge is one subtraction from a budget
 * that runs out at the next cycle alarm. Anything else takes the general path
 * (the protected `general` method), which decides exactly and reopens the fast paths.
 */
export class AccessPath {
  // Fields the constructor sets are `declare`d: compiled with define semantics for class fields
  // (TypeScript's default from ES2022, and what tsx applies to files outside a tsconfig's
  // `include`), a plain declaration would first define them as `undefined`, and V8 would then
  // keep the fast paths' numbers as tagged values and their DataView untyped (about 25% slower).
  /** The memory map the accesses reach after the MPU. */
  declare readonly bus: Bus;
  /** The MPU that decides every access outside the PPB. */
  declare readonly mpu: MpuModel;
  /** The System Control Block: CCR, SHCSR and SHPR decide faults; CFSR, HFSR, MMFAR, BFAR record them. */
  declare readonly scb: Scb;
  /** Where `fault` events go (emitted only while someone listens). */
  declare readonly emitter: HwEmitter;
  /** @internal The PPB's registers (SCB, MPU, SysTick). */
  declare protected readonly ppb: Ppb;

  // ---- the fast paths' state (see the class comment) ----------------------------------------
  /** One DataView over the bus's whole buffer: memory, filter state, views, block table. */
  declare private readonly d: DataView;
  /**
   * @internal The same buffer as 32-bit words on a little-endian host (the bus's byte order:
   * a word stored here is the DataView's `setUint32(i, v, true)`), else null. V8 compiles a
   * typed array's element store in about a third of a DataView store's host instructions: the
   * fast paths' block stores (register runs, exception frames) use it.
   */
  declare protected readonly words32: Uint32Array | null;
  /** Buffer offsets of the block table and of the filter state. */
  declare private readonly blocksAt: number;
  declare private readonly filterAt: number;
  /** Buffer offset of the current access view, or of the closed view until the general path reopens. */
  declare private viewAt: number;
  /** The running actor's filter mask: -1 without a hook (no test), 0 for a hook without a filter. */
  private fmask = -1;
  /** Cycles the fast paths may still charge before the general path must look (alarm, span). */
  private left = CHARGE_SPAN;
  /** The cycle count at which `left` reaches 0. */
  private chargeEnd = CHARGE_SPAN;
  /**
   * The access hook's filter state: one byte per byte of memory, at the memory's offsets in the
   * bus buffer (`filterState[bus.offsetOf(address)]`). A hook with a filter keeps its per-byte
   * state here; the core tests the word of an aligned access against the actor's mask.
   */
  declare readonly filterState: Uint8Array;

  // ---- what the views are derived from -------------------------------------------------------
  declare private readonly viewCache: ViewCache;
  private perm: PermTable | null = null;
  /**
   * The view offsets of the current table per variant (`ViewCache.offsetsOf`, kept up to date by
   * the cache; 0: none yet), so that a change of privilege alone picks its view with one read.
   */
  private tableViews: Int32Array = NO_VIEWS;
  private modeValue: Mode = "thread";
  private nPriv = false;
  private priority = THREAD_PRIORITY;
  private privilegedValue = true;
  /** @internal Permission bits a load / store needs at the current privilege. */
  protected rmask: number = Perm.PR;
  /** @internal */
  protected wmask: number = Perm.PW;
  private actorValue = 0;
  private hookValue: AccessHook | null = null;
  private filter: AccessFilter | null = null;
  private countCyclesValue = false;
  /** @internal Inside `Core.debugAccess`: a debugger's accesses, which the MPU does not check (the default map decides). */
  protected debugging = false;
  private alarmAt = Number.POSITIVE_INFINITY;
  private alarmFn: ((due: number) => void) | null = null;
  /** The granule outside memory the MPU last decided (-1: none since it changed) and its decision. */
  private decidedGranule = -1;
  private decidedPerm = 0;
  /** The board has bit-banding: data accesses to the alias windows are remapped (docs/bit-banding.md). */
  private readonly bitBandValue: boolean;

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
    const l = bus.bufferLayout;
    this.d = new DataView(bus.buffer);
    this.words32 = LITTLE_ENDIAN ? new Uint32Array(bus.buffer, 0, bus.buffer.byteLength >>> 2) : null;
    this.blocksAt = l.blocksOffset;
    this.filterAt = l.filterOffset;
    this.filterState = new Uint8Array(bus.buffer, l.filterOffset, l.memoryBytes);
    this.viewCache = new ViewCache(bus);
    this.viewAt = this.viewCache.closed;
    this.bitBandValue = bus.board.bitBand === true;
    mpu.onChange = () => this.mpuChanged();
  }

  // ---- CPU state -----------------------------------------------------------------------------

  /** Thread or Handler mode. */
  get mode(): Mode {
    return this.modeValue;
  }
  /** Sets the mode; privilege follows (Handler mode is always privileged). */
  set mode(m: Mode) {
    if (m === this.modeValue) return;
    if (m !== "thread" && m !== "handler") throw badMode(m);
    this.modeValue = m;
    this.updatePrivilege();
  }

  /** CONTROL.nPRIV: Thread mode is unprivileged when set. */
  get controlNPriv(): boolean {
    return this.nPriv;
  }
  /** Sets CONTROL.nPRIV; privilege follows. */
  set controlNPriv(v: boolean) {
    if (v === this.nPriv) return;
    this.nPriv = v;
    this.updatePrivilege();
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
  /** Sets the execution priority (decides escalation to HardFault, lockup, and HFNMIENA's effect). */
  set executionPriority(p: number) {
    this.priority = p;
    this.invalidate();
  }

  private updatePrivilege(): void {
    const priv = this.modeValue === "handler" || !this.nPriv;
    if (priv === this.privilegedValue) return;
    this.privilegedValue = priv;
    this.rmask = priv ? Perm.PR : Perm.UR;
    this.wmask = priv ? Perm.PW : Perm.UW;
    this.reopen();
  }

  /** Tag software sets to say who is running (e.g. a task id and a checker mode); passed to the hook. */
  get actor(): number {
    return this.actorValue;
  }
  /** Sets the actor tag (see {@link makeActor}). */
  set actor(v: number) {
    this.actorValue = v;
    if (this.hookValue !== null) this.fmask = this.maskFor(v);
  }

  /**
   * Whether anything tells actors apart: true while a hook is installed (the actor tag is an
   * argument of its calls). Software that switches the actor around short stretches of work,
   * like the allocators, may skip the switch while this is false.
   */
  get actorObserved(): boolean {
    return this.hookValue !== null;
  }

  /**
   * The memory checker's hook, or null. Its optional filter (masks over the state it keeps in
   * {@link AccessPath.filterState}) lets fast-path accesses skip the call.
   */
  get hook(): AccessHook | null {
    return this.hookValue;
  }
  /** Installs a hook (null removes it); its filter takes effect at once. */
  set hook(h: AccessHook | null) {
    this.hookValue = h;
    this.filter = h?.filter ?? null;
    this.fmask = this.maskFor(this.actorValue);
  }

  /** The filter mask of an actor: -1 (always pass) without a hook, 0 (never) for a hook without a filter. */
  private maskFor(actor: number): number {
    if (this.hookValue === null) return -1;
    if (this.filter === null) return 0;
    return this.filter.filterMasks[actor] ?? 0;
  }

  // ---- cycles --------------------------------------------------------------------------------

  /**
   * Charge {@link AccessPath.cycles} per access (1 + the memory's wait states). Off by default:
   * the scheduler turns it on for simulated time.
   */
  get countCycles(): boolean {
    return this.countCyclesValue;
  }
  /** Turns cycle counting on or off. */
  set countCycles(on: boolean) {
    this.countCyclesValue = on;
    this.reopen();
  }

  /** Core cycles charged so far (memory accesses, and what software charges with {@link AccessPath.charge}). */
  get cycles(): number {
    return this.chargeEnd - this.left;
  }
  /** Sets the cycle count (the alarm does not fire for the jump; a count past it fires at the next charge). */
  set cycles(c: number) {
    this.rebase(c);
  }

  /**
   * Charges `n` cycles (the cost of work that is not a memory access: computation, exception
   * entry, a context switch), firing the cycle alarm when it is due.
   */
  charge(n: number): void {
    this.left -= n;
    if (this.left < 0) this.chargeEvent(n);
  }

  /**
   * Calls `fn` once, at the first access (or {@link AccessPath.charge}) that would bring {@link
   * AccessPath.cycles} past `at`, with the count it would bring (`due`); that access waits for
   * `fn` (which sees {@link AccessPath.cycles} before it), and if `fn` throws (latch the error
   * first to stop the running code, as a watchdog does) it is neither performed nor charged.
   * What `fn` charges and accesses itself (an interrupt handler taken at that point: its
   * stacking, its body) is counted before that access; an alarm `fn` sets again (here or in the
   * past) fires at the next charge. `fn` = null (or `at` = Infinity) clears the alarm.
   */
  setAlarm(at: number, fn: ((due: number) => void) | null): void {
    this.alarmAt = fn === null ? Number.POSITIVE_INFINITY : at;
    this.alarmFn = fn;
    this.rebase(this.cycles);
  }

  /** Restarts the fast budget at cycle count `now`: until the alarm, at most {@link CHARGE_SPAN}. */
  private rebase(now: number): void {
    const span = Math.max(0, Math.min(CHARGE_SPAN, this.alarmAt - now));
    this.left = span | 0;
    this.chargeEnd = now + span;
  }

  /**
   * The budget ran out with a charge of `n`: when the charge takes the count past the alarm, the
   * alarm runs first with the charge not made (if it throws, the access is neither performed nor
   * charged), and what it charges itself (an interrupt handler's cycles) comes before the charge;
   * then the budget restarts from the new count. An alarm `fn` sets again at or before that count
   * fires at the next charge, not at this one.
   */
  private chargeEvent(n: number): void {
    let now = this.chargeEnd - this.left;
    if (now > this.alarmAt) {
      const fn = this.alarmFn;
      this.alarmAt = Number.POSITIVE_INFINITY;
      this.alarmFn = null;
      this.rebase(now - n);
      fn?.(now);
      now = this.chargeEnd - this.left + n;
    }
    this.rebase(now);
  }

  // ---- views ---------------------------------------------------------------------------------

  /** Drops the cached decision table: the next access takes the general path, which reopens. */
  protected invalidate(): void {
    this.perm = null;
    this.tableViews = NO_VIEWS;
    this.viewAt = this.viewCache.closed;
  }

  /**
   * The MPU's configuration changed: the cached table goes; when the MPU already knows the new
   * one (a context switch's reload of a configuration loaded before), it is taken at once, so
   * the next access stays on the fast path instead of reopening through the general path.
   */
  private mpuChanged(): void {
    this.decidedGranule = -1;
    this.invalidate();
    if (this.usesDefaultMap()) return;
    const t = this.mpu.knownTable();
    if (t === null) return;
    this.open(t);
  }

  /**
   * Makes `t` the current table and picks its view through the view cache (which counts the use
   * of its views at both privilege levels: a change of privilege alone does not count one).
   */
  private open(t: PermTable): void {
    const cache = this.viewCache;
    this.perm = t;
    this.tableViews = cache.offsetsOf(t);
    this.viewAt = this.pendingFault !== null ? cache.closed : cache.get(t, this.privilegedValue, this.countCyclesValue);
  }

  /**
   * Picks the view for the current table at the current privilege and cycle counting (when a
   * table is current): the one the table has, else one from the view cache.
   */
  private reopen(): void {
    const t = this.perm;
    if (t === null || this.pendingFault !== null) {
      this.viewAt = this.viewCache.closed;
      return;
    }
    const at = this.tableViews[viewVariant(this.privilegedValue, this.countCyclesValue)]!;
    this.viewAt = at !== 0 ? at : this.viewCache.get(t, this.privilegedValue, this.countCyclesValue);
  }

  /** Whether the default map applies to everyone now (MPU off, or priority < 0 without HFNMIENA). */
  private usesDefaultMap(): boolean {
    return !this.mpu.enabled || (this.priority < 0 && !this.mpu.hfnmiena);
  }

  /** @internal The permission table of the current configuration (computed on first use). */
  protected table(): PermTable {
    let t = this.perm;
    if (t === null) {
      t = this.usesDefaultMap() ? this.mpu.defaultMapTable : this.mpu.table();
      this.open(t);
    }
    return t;
  }

  /**
   * The MPU's permission byte (see {@link Perm}) for any address as the core sees it now: the
   * precomputed table for memory, a direct decision elsewhere; XN for the system range; the PPB's
   * fixed privileged-only read/write.
   */
  permissionAt(address: number): number {
    const a = address >>> 0;
    if (this.debugging) return defaultPerm(a);
    const t = this.table();
    const s = this.bus.segmentFor(a);
    let p: number;
    if (s) p = t.bytes[(a >>> GRANULE_SHIFT) - s.g0]!;
    else if (this.usesDefaultMap()) p = defaultPerm(a);
    else {
      // Outside memory (device registers, mostly): the MPU decides by granule, as its regions
      // and subregions are whole granules; a driver polling a register asks once per configuration.
      const g = a >>> GRANULE_SHIFT;
      if (g !== this.decidedGranule) {
        this.decidedPerm = this.mpu.decide(a);
        this.decidedGranule = g;
      }
      p = this.decidedPerm;
    }
    // The PPB ignores the MPU: privileged read/write only, Strongly-ordered, never executable.
    if (isSystemXn(a)) p = a >>> 20 === 0xe00 ? Perm.PR | Perm.PW | Perm.DEVICE : p & ~(Perm.PX | Perm.UX);
    return p;
  }

  /** Clears the latched fault (the kernel does this once it has handled it). */
  clearFault(): void {
    this.pendingFault = null;
    this.invalidate();
  }

  /** Latches an error raised during an access (faults, and errors thrown by the hook or an alarm). */
  latch(error: Error): void {
    if (this.pendingFault === null) this.pendingFault = error;
    this.viewAt = this.viewCache.closed;
  }

  // ---- fast paths ----------------------------------------------------------------------------
  //
  // `i` is the address's offset in the bus buffer (in the trap block when no single segment owns
  // its 64 KiB); `v` the current view's byte for its granule: bit 0/1 load/store at the current
  // privilege, bit 2/3 unprivileged load/store, bits 4-7 the cycle cost (0 when cycles are not
  // counted). The literals stand for `ViewBit` and `VIEW_COST_SHIFT` of access-view.ts: imported
  // constants are loaded and checked at every access. A charge that would run the budget out is
  // left to the general path, which charges it and fires the alarm before any byte moves.

  /** 32-bit little-endian load (`unprivileged`: the LDRT idiom of privileged code). */
  read32(address: number, unprivileged?: boolean): number {
    const d = this.d;
    const a = address | 0;
    const i = (a + d.getInt32((this.blocksAt + ((a >>> 16) << 2)) | 0, true)) | 0;
    const v = d.getUint8((this.viewAt + (i >>> 5)) | 0);
    if (
      (v & (unprivileged === true ? 4 : 1)) !== 0 &&
      (i & 3) === 0 &&
      (this.fmask === -1 || (d.getInt32((this.filterAt + i) | 0, true) | this.fmask) === -1)
    ) {
      if (v < 16) return d.getUint32(i, true);
      const left = (this.left - (v >>> 4)) | 0;
      if (left >= 0) {
        this.left = left;
        return d.getUint32(i, true);
      }
    }
    return this.missRead(a, 4, unprivileged === true) >>> 0;
  }

  /** 32-bit little-endian store. */
  write32(address: number, value: number, unprivileged?: boolean): void {
    const d = this.d;
    const a = address | 0;
    const i = (a + d.getInt32((this.blocksAt + ((a >>> 16) << 2)) | 0, true)) | 0;
    const v = d.getUint8((this.viewAt + (i >>> 5)) | 0);
    if (
      (v & (unprivileged === true ? 8 : 2)) !== 0 &&
      (i & 3) === 0 &&
      (this.fmask === -1 || (d.getInt32((this.filterAt + i) | 0, true) | this.fmask) === -1)
    ) {
      if (v < 16) {
        d.setUint32(i, value, true);
        return;
      }
      const left = (this.left - (v >>> 4)) | 0;
      if (left >= 0) {
        this.left = left;
        d.setUint32(i, value, true);
        return;
      }
    }
    this.missWrite(a, 4, unprivileged === true, value);
  }

  /**
   * @internal Builds the current view's chunk that holds bus buffer offset `i` when it is not built
   * yet, as the general path does for the accesses it takes: exception frames, checked on their
   * own path, call it so that the next frame there takes the word runs' fast path.
   */
  protected fillView(i: number): void {
    this.viewCache.fill(this.viewAt, i);
  }

  /**
   * @internal `count` words from word-aligned `a` into `out` at once, as `count` {@link
   * AccessPath.read32} calls would load and charge them, when each word would take the fast path
   * and the whole charge fits the budget (so no alarm falls inside). Returns false, having done
   * nothing, otherwise: the caller then goes word by word, which faults at the precise word. The
   * context switch moves 9-word blocks (R4-R11 and EXC_RETURN) twice per switch (docs/timing.md).
   */
  protected readRun32(a: number, count: number, unprivileged: boolean, out: Uint32Array): boolean {
    const i = this.runOffset(a, count, unprivileged ? 4 : 1);
    if (i < 0) return false;
    const d = this.d;
    let k = 0;
    if (count >= 8) {
      // The first eight words written out, the loop takes the rest: V8 compiles a loop over the
      // DataView with its checks and reloads at every pass (about 30 x86 instructions a word), a
      // straight run of loads with a fraction of that. The context switch's two 9-word runs
      // (R4-R11 and EXC_RETURN) cost about 275 fewer host instructions per switch.
      out[0] = d.getUint32(i, true);
      out[1] = d.getUint32((i + 4) | 0, true);
      out[2] = d.getUint32((i + 8) | 0, true);
      out[3] = d.getUint32((i + 12) | 0, true);
      out[4] = d.getUint32((i + 16) | 0, true);
      out[5] = d.getUint32((i + 20) | 0, true);
      out[6] = d.getUint32((i + 24) | 0, true);
      out[7] = d.getUint32((i + 28) | 0, true);
      k = 8;
    }
    for (let j = (i + 4 * k) | 0; k < count; k++, j = (j + 4) | 0) out[k] = d.getUint32(j, true);
    return true;
  }

  /** @internal {@link AccessPath.readRun32} for stores: `words` to word-aligned `a`, or false with nothing stored. */
  protected writeRun32(a: number, words: ArrayLike<number>, unprivileged: boolean): boolean {
    const count = words.length;
    const i = this.runOffset(a, count, unprivileged ? 8 : 2);
    if (i < 0) return false;
    const w = this.words32;
    if (w !== null) {
      // Word stores of the little-endian host (see words32; `i` is word-aligned), the first
      // eight written out, as readRun32's loads.
      const at = i >>> 2;
      let k = 0;
      if (count >= 8) {
        w[at] = words[0]!;
        w[at + 1] = words[1]!;
        w[at + 2] = words[2]!;
        w[at + 3] = words[3]!;
        w[at + 4] = words[4]!;
        w[at + 5] = words[5]!;
        w[at + 6] = words[6]!;
        w[at + 7] = words[7]!;
        k = 8;
      }
      for (; k < count; k++) w[at + k] = words[k]!;
      return true;
    }
    const d = this.d;
    for (let k = 0, j = i; k < count; k++, j = (j + 4) | 0) d.setUint32(j, words[k]!, true);
    return true;
  }

  /**
   * The buffer offset of a run of `count` words at word-aligned `a` when every word passes the
   * fast path's test (view bit `bit`, no checker filter, all in one 64 KiB block so the offsets
   * are contiguous), its cycles charged at once; -1 (nothing charged) otherwise. The view has one
   * byte per 32-byte granule, so the test is made once per granule the run touches (its words
   * pass or fail together), each word charged its granule's cost.
   */
  private runOffset(a: number, count: number, bit: number): number {
    if (this.fmask !== -1 || count <= 0) return -1;
    const d = this.d;
    const first = a | 0;
    if (first >>> 16 !== ((first + 4 * (count - 1)) | 0) >>> 16) return -1;
    const i = (first + d.getInt32((this.blocksAt + ((first >>> 16) << 2)) | 0, true)) | 0;
    if ((i & 3) !== 0) return -1;
    const end = i + 4 * count;
    const last = (end - 1) >>> 5;
    let cost = 0;
    let from = i;
    for (let g = i >>> 5; g <= last; g++) {
      const v = d.getUint8((this.viewAt + g) | 0);
      if ((v & bit) === 0) return -1;
      const to = Math.min(end, 32 * (g + 1));
      cost = (cost + (v >>> 4) * ((to - from) >>> 2)) | 0;
      from = to;
    }
    const left = (this.left - cost) | 0;
    if (left < 0) return -1;
    this.left = left;
    return i;
  }

  /** 16-bit little-endian load. */
  read16(address: number, unprivileged?: boolean): number {
    const d = this.d;
    const a = address | 0;
    const i = (a + d.getInt32((this.blocksAt + ((a >>> 16) << 2)) | 0, true)) | 0;
    const v = d.getUint8((this.viewAt + (i >>> 5)) | 0);
    if (
      (v & (unprivileged === true ? 4 : 1)) !== 0 &&
      (i & 1) === 0 &&
      (this.fmask === -1 || (d.getInt32((this.filterAt + (i & ~3)) | 0, true) | this.fmask) === -1)
    ) {
      if (v < 16) return d.getUint16(i, true);
      const left = (this.left - (v >>> 4)) | 0;
      if (left >= 0) {
        this.left = left;
        return d.getUint16(i, true);
      }
    }
    return this.missRead(a, 2, unprivileged === true);
  }

  /** 16-bit little-endian store. */
  write16(address: number, value: number, unprivileged?: boolean): void {
    const d = this.d;
    const a = address | 0;
    const i = (a + d.getInt32((this.blocksAt + ((a >>> 16) << 2)) | 0, true)) | 0;
    const v = d.getUint8((this.viewAt + (i >>> 5)) | 0);
    if (
      (v & (unprivileged === true ? 8 : 2)) !== 0 &&
      (i & 1) === 0 &&
      (this.fmask === -1 || (d.getInt32((this.filterAt + (i & ~3)) | 0, true) | this.fmask) === -1)
    ) {
      if (v < 16) {
        d.setUint16(i, value, true);
        return;
      }
      const left = (this.left - (v >>> 4)) | 0;
      if (left >= 0) {
        this.left = left;
        d.setUint16(i, value, true);
        return;
      }
    }
    this.missWrite(a, 2, unprivileged === true, value);
  }

  /** 8-bit load. */
  read8(address: number, unprivileged?: boolean): number {
    const d = this.d;
    const a = address | 0;
    const i = (a + d.getInt32((this.blocksAt + ((a >>> 16) << 2)) | 0, true)) | 0;
    const v = d.getUint8((this.viewAt + (i >>> 5)) | 0);
    if (
      (v & (unprivileged === true ? 4 : 1)) !== 0 &&
      (this.fmask === -1 || (d.getInt32((this.filterAt + (i & ~3)) | 0, true) | this.fmask) === -1)
    ) {
      if (v < 16) return d.getUint8(i);
      const left = (this.left - (v >>> 4)) | 0;
      if (left >= 0) {
        this.left = left;
        return d.getUint8(i);
      }
    }
    return this.missRead(a, 1, unprivileged === true);
  }

  /** 8-bit store. */
  write8(address: number, value: number, unprivileged?: boolean): void {
    const d = this.d;
    const a = address | 0;
    const i = (a + d.getInt32((this.blocksAt + ((a >>> 16) << 2)) | 0, true)) | 0;
    const v = d.getUint8((this.viewAt + (i >>> 5)) | 0);
    if (
      (v & (unprivileged === true ? 8 : 2)) !== 0 &&
      (this.fmask === -1 || (d.getInt32((this.filterAt + (i & ~3)) | 0, true) | this.fmask) === -1)
    ) {
      if (v < 16) {
        d.setUint8(i, value);
        return;
      }
      const left = (this.left - (v >>> 4)) | 0;
      if (left >= 0) {
        this.left = left;
        d.setUint8(i, value);
        return;
      }
    }
    this.missWrite(a, 1, unprivileged === true, value);
  }

  /**
   * 32-bit float load (IEEE 754 single, little-endian: VLDR.32); checked like {@link
   * AccessPath.read32}, and a word-aligned address is required (UsageFault UNALIGNED otherwise).
   */
  readF32(address: number, unprivileged?: boolean): number {
    const d = this.d;
    const a = address | 0;
    const i = (a + d.getInt32((this.blocksAt + ((a >>> 16) << 2)) | 0, true)) | 0;
    const v = d.getUint8((this.viewAt + (i >>> 5)) | 0);
    if (
      (v & (unprivileged === true ? 4 : 1)) !== 0 &&
      (i & 3) === 0 &&
      (this.fmask === -1 || (d.getInt32((this.filterAt + i) | 0, true) | this.fmask) === -1)
    ) {
      if (v < 16) return d.getFloat32(i, true);
      const left = (this.left - (v >>> 4)) | 0;
      if (left >= 0) {
        this.left = left;
        return d.getFloat32(i, true);
      }
    }
    if ((a & 3) !== 0) this.floatUnaligned(a, 4, AccessKind.Read, unprivileged === true);
    SCRATCH.setInt32(0, this.missRead(a, 4, unprivileged === true), true);
    return SCRATCH.getFloat32(0, true);
  }

  /**
   * VLDR and VSTR need a word-aligned address whatever CCR.UNALIGN_TRP says (only LDR, STR, LDRH,
   * STRH and their T forms may be unaligned: Armv7-M ARM A3.2.1): UsageFault UNALIGNED, raised
   * before the MPU is asked, as for any alignment fault. A latched fault rethrows first.
   */
  private floatUnaligned(a: number, size: number, kind: AccessKind, unprivileged: boolean): never {
    if (this.pendingFault !== null) throw this.pendingFault;
    return this.raiseUnaligned(a >>> 0, size, kind, this.privilegedValue && !unprivileged);
  }

  /**
   * Instruction fetch of one Thumb halfword: MPU execute permission at the current privilege and
   * an executable bus region, else IACCVIOL / IBUSERR from the general path. The views carry no
   * execute bits, so the fast path reads the current permission table and the bus's granule
   * attributes at the same index (a memory granule wholly inside one executable segment, below
   * the always-XN system range): the decision the general path makes for such an address.
   */
  fetch(address: number): number {
    const d = this.d;
    const a = address | 0;
    const perm = this.perm;
    if (perm !== null && (a & 1) === 0 && a >>> 29 !== 7 && this.hookValue === null && this.pendingFault === null) {
      const i = (a + d.getInt32(this.blocksAt + ((a >>> 16) << 2), true)) | 0;
      const g = i >>> 5;
      const at = this.viewCache.attr[g]!;
      if ((at & GRANULE_EXECUTABLE) !== 0 && (perm.bytes[g]! & (this.privilegedValue ? Perm.PX : Perm.UX)) !== 0) {
        if (this.countCyclesValue) this.charge(at >>> VIEW_COST_SHIFT);
        return d.getUint16(i, true);
      }
    }
    return this.general(address >>> 0, 2, AccessKind.Fetch, false, 0, Purpose.Normal);
  }

  /** 32-bit float store (VSTR.32); checked like {@link AccessPath.write32}, word alignment required. */
  writeF32(address: number, value: number, unprivileged?: boolean): void {
    if ((address & 3) !== 0) this.floatUnaligned(address, 4, AccessKind.Write, unprivileged === true);
    SCRATCH.setFloat32(0, value, true);
    this.write32(address, SCRATCH.getUint32(0, true), unprivileged);
  }

  /**
   * 64-bit float load (VLDR.64): two word accesses, lower address first, as the core performs
   * it (word alignment is required, and enough); a fault in the second word leaves the first one read.
   */
  readF64(address: number, unprivileged?: boolean): number {
    if ((address & 3) !== 0) this.floatUnaligned(address, 8, AccessKind.Read, unprivileged === true);
    const lo = this.read32(address, unprivileged);
    const hi = this.read32((address + 4) >>> 0, unprivileged);
    SCRATCH.setUint32(0, lo, true);
    SCRATCH.setUint32(4, hi, true);
    return SCRATCH.getFloat64(0, true);
  }

  /** 64-bit float store (VSTR.64): two word stores, lower address first. */
  writeF64(address: number, value: number, unprivileged?: boolean): void {
    if ((address & 3) !== 0) this.floatUnaligned(address, 8, AccessKind.Write, unprivileged === true);
    SCRATCH.setFloat64(0, value, true);
    const lo = SCRATCH.getUint32(0, true);
    const hi = SCRATCH.getUint32(4, true);
    this.write32(address, lo, unprivileged);
    this.write32((address + 4) >>> 0, hi, unprivileged);
  }

  // ---- the general path ----------------------------------------------------------------------

  /**
   * The fast paths' ways into the general path (few arguments, so the fast paths stay small
   * enough for V8 to inline many of them into one caller). The address stays the int32 the fast
   * path computed with (the general path widens it), and a load comes back as the int32 of its
   * bits, which `read32` turns into the uint32 at the call (`>>> 0`). So both of a fast path's
   * returns are untagged 32-bit integers and V8 keeps its result unboxed; with the conversion
   * inside this method, the call's result stayed a tagged value and every word loaded at or
   * above 2^31 was boxed into a heap number (about 9% of the task-like loop, docs/benchmarks.md).
   */
  private missRead(a: number, size: number, unprivileged: boolean): number {
    return this.general(a, size, AccessKind.Read, unprivileged, 0, Purpose.Normal) | 0;
  }
  private missWrite(a: number, size: number, unprivileged: boolean, value: number): void {
    this.general(a, size, AccessKind.Write, unprivileged, value, Purpose.Normal);
  }

  /** @internal An access record for faults. */
  protected record(address: number, size: number, kind: AccessKind, privileged: boolean): AccessRecord {
    return { address, size, kind, privileged, actor: this.actorValue };
  }

  /**
   * @internal Every access the fast paths do not take, decided exactly: faults, unaligned, the
   * PPB, peripherals, read-only memory, granule or segment crossings, the hook, the first access
   * after an MPU or hook change (which reopens the fast paths), and a charge that reaches the
   * cycle alarm. `address` is a uint32, or (from the fast paths) the same address as an int32.
   */
  protected general(
    address: number,
    size: number,
    kind: AccessKind,
    unprivileged: boolean,
    value: number,
    purpose: Purpose,
  ): number {
    if (this.pendingFault !== null) throw this.pendingFault;
    const a = address < 0 ? address + 0x100000000 : address;
    const priv = this.privilegedValue && !unprivileged;
    const last = a + size - 1;

    // PPB: default map, Strongly-ordered, XN, privileged only.
    if (a >>> 20 === 0xe00) {
      if (kind === AccessKind.Fetch)
        this.raise(ExceptionNumber.MemManage, Cfsr.IACCVIOL, null, this.record(a, size, kind, priv));
      const stir = a === ScbReg.STIR && (this.scb.ccr & Ccr.USERSETMPEND) !== 0;
      if (!priv && !stir) return this.busFault(a, size, kind, priv, purpose);
      if (a & (size - 1)) this.raiseUnaligned(a, size, kind, priv);
      if (this.countCyclesValue) this.charge(1);
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
      else if (purpose === Purpose.LazyStack)
        this.raise(ExceptionNumber.MemManage, Cfsr.MLSPERR, null, this.record(a, size, kind, priv));
      // A split access faults in its denied part: MMFAR = the first byte of the denied granule.
      else {
        const at = (this.permissionAt(a) & need) !== 0 ? (last & -GRANULE) >>> 0 : a;
        this.raise(ExceptionNumber.MemManage, Cfsr.DACCVIOL | Cfsr.MMARVALID, at, this.record(a, size, kind, priv));
      }
    }
    if (misaligned && (p & Perm.DEVICE) !== 0) this.raiseUnaligned(a, size, kind, priv);

    // Bit-band alias (a data access; a fetch is not remapped and finds nothing there).
    if (this.bitBandValue && kind !== AccessKind.Fetch && isBitBandAlias(a)) {
      return this.bitBandAccess(a, size, kind, priv, value, purpose);
    }

    if (this.hookValue !== null) this.hookValue.onAccess(a, size, kind, priv, this.actorValue);

    // Bus.
    if (last > 0xffffffff) return this.busFault(a, size, kind, priv, purpose);
    const s = this.bus.segmentFor(a, size);
    if (s) {
      if (kind === AccessKind.Write && s.wsize === 0) return this.busFault(a, size, kind, priv, purpose);
      if (kind === AccessKind.Fetch && !s.region.executable) return this.busFault(a, size, kind, priv, purpose);
      if (this.countCyclesValue) this.charge(s.cost);
      if (purpose === Purpose.Normal) this.viewCache.fill(this.viewAt, s.offset + (a - s.start));
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
      // Crosses the edge of a region: contiguous regions carry the access on; a gap, a read-only
      // byte of a store or a non-executable byte of a fetch faults before any byte moves.
      for (let i = 0; i < size; i++) {
        const seg = this.bus.segmentFor(a + i);
        const bad =
          seg === undefined ||
          (kind === AccessKind.Write && seg.wsize === 0) ||
          (kind === AccessKind.Fetch && !seg.region.executable);
        if (bad) return this.busFault(a, size, kind, priv, purpose);
      }
      let v = 0;
      for (let i = 0; i < size; i++) {
        const seg = this.bus.segmentFor(a + i)!;
        if (kind === AccessKind.Write) seg.bytes[a + i - seg.start] = (value >>> (8 * i)) & 0xff;
        else v |= seg.bytes[a + i - seg.start]! << (8 * i);
        if (this.countCyclesValue) this.charge(seg.cost);
      }
      return v >>> 0;
    }
    const hit = this.bus.peripheralAt(a);
    if (!hit || kind === AccessKind.Fetch || (last >= hit.range.start + hit.range.size && !this.bus.peripheralAt(last)))
      return this.busFault(a, size, kind, priv, purpose);
    if (this.countCyclesValue) this.charge(2);
    const dev = hit!.device;
    if (dev === null) return 0; // decoded range, nothing attached: RAZ/WI
    if (hit!.offset + size > dev.size) return this.busFault(a, size, kind, priv, purpose);
    const ctx = { privileged: priv, actor: this.actorValue };
    if (kind === AccessKind.Write) {
      dev.write(hit!.offset, size as 1 | 2 | 4, value >>> 0, ctx);
      return 0;
    }
    return dev.read(hit!.offset, size as 1 | 2 | 4, ctx) >>> 0;
  }

  /**
   * @internal A data access to a bit-band alias word, after the MPU allowed the alias address
   * (docs/bit-banding.md). The bus interface makes it an access of the same size to the bit's
   * byte, aligned down to that size: a load returns the bit in bit 0; a store of bit 0 is one
   * locked read-modify-write of the bit (the other bits written back as read). The hook sees a
   * one-byte access to the bit's byte. A bit whose byte nothing decodes, or in read-only memory
   * for a store, is a precise BusFault at the alias address (BFAR: the address the core issued).
   * Cycles: the target's access cost, twice for a store.
   */
  protected bitBandAccess(
    a: number,
    size: number,
    kind: AccessKind,
    priv: boolean,
    value: number,
    purpose: Purpose,
  ): number {
    const byte = bitBandByte(a);
    const at = (byte & -size) >>> 0;
    const shift = (byte - at) * 8 + bitBandBit(a);
    const s = this.bus.segmentFor(at, size);
    const hit = s ? undefined : this.bus.peripheralAt(at);
    const dev = hit?.device ?? null;
    if (s ? kind === AccessKind.Write && s.wsize === 0 : !hit || (dev !== null && hit.offset + size > dev.size)) {
      return this.busFault(a, size, kind, priv, purpose);
    }
    if (this.hookValue !== null) this.hookValue.onAccess(byte, 1, kind, priv, this.actorValue);
    const cost = s ? s.cost : 2;
    if (this.countCyclesValue) this.charge(kind === AccessKind.Write ? 2 * cost : cost);
    const ctx = { privileged: priv, actor: this.actorValue };
    const off = s ? at - s.start : hit!.offset;
    let old = 0;
    if (s) old = s.readSized(off, size);
    else if (dev !== null) old = dev.read(off, size as 1 | 2 | 4, ctx) >>> 0;
    if (kind === AccessKind.Read) return (old >>> shift) & 1;
    const next = (value & 1 ? old | (1 << shift) : old & ~(1 << shift)) >>> 0;
    if (s) s.writeSized(off, size, next);
    else if (dev !== null) dev.write(off, size as 1 | 2 | 4, next, ctx);
    return 0;
  }

  /**
   * @internal The BusFault of an access no memory or peripheral decodes, or that the bus refuses
   * (no closure on the slow path: it runs per resume). With CCR.BFHFNMIGN set, code at priority
   * < 0 (HardFault, NMI, FAULTMASK) ignores the precise BusFault of a load or store: nothing is
   * recorded, a load reads 0 (the architecture's UNKNOWN, the project's choice), a store is
   * dropped; the return value is that 0. Fetches and exception stacking still fault.
   */
  protected busFault(a: number, size: number, kind: AccessKind, priv: boolean, purpose: Purpose): number {
    if (
      this.priority < 0 &&
      purpose === Purpose.Normal &&
      kind !== AccessKind.Fetch &&
      (this.scb.ccr & Ccr.BFHFNMIGN) !== 0
    ) {
      return 0;
    }
    const rec = this.record(a, size, kind, priv);
    if (kind === AccessKind.Fetch) return this.raise(ExceptionNumber.BusFault, Cfsr.IBUSERR, null, rec);
    if (purpose === Purpose.Stack) return this.raise(ExceptionNumber.BusFault, Cfsr.STKERR, null, rec);
    if (purpose === Purpose.Unstack) return this.raise(ExceptionNumber.BusFault, Cfsr.UNSTKERR, null, rec);
    if (purpose === Purpose.LazyStack) return this.raise(ExceptionNumber.BusFault, Cfsr.LSPERR, null, rec);
    return this.raise(ExceptionNumber.BusFault, Cfsr.PRECISERR | Cfsr.BFARVALID, a, rec);
  }

  /** @internal */
  protected raiseUnaligned(a: number, size: number, kind: AccessKind, priv: boolean): never {
    return this.raise(ExceptionNumber.UsageFault, Cfsr.UNALIGNED, null, this.record(a, size, kind, priv));
  }

  /**
   * Takes a fault: sets CFSR (and MMFAR/BFAR when valid), escalates to HardFault (HFSR.FORCED)
   * when the fault is disabled in SHCSR or cannot preempt the current execution priority,
   * locks up at priority < 0, latches and throws.
   */
  protected raise(
    cause: ExceptionNumber,
    bits: number,
    address: number | null,
    access: AccessRecord,
    hfsrBits = 0,
  ): never {
    const scb = this.scb;
    // The bits this fault sets: a fault address register that holds an earlier fault's address
    // takes no new one (see `Scb.recordFault`).
    bits = scb.recordFault(bits, address);
    let exception: ExceptionNumber = cause;
    let lockup = false;
    if (this.priority < 0) {
      lockup = true;
      exception = ExceptionNumber.HardFault;
    } else {
      // Escalation and HFSR are the SCB's (ARMv6-M: every fault a HardFault, no HFSR).
      exception = scb.faultException(cause, this.priority, hfsrBits);
    }
    // The fault's JS stack names the line of code that made the access (a kernel's fault record
    // shows it): it may lie deeper than the engine's default of 10 frames below this one.
    const E = Error as { stackTraceLimit?: number };
    const limit = E.stackTraceLimit;
    const deepen = typeof limit === "number" && limit < FAULT_STACK_FRAMES;
    if (deepen) E.stackTraceLimit = FAULT_STACK_FRAMES;
    let fault: Fault;
    try {
      fault = new Fault({
        exception,
        cause,
        cfsr: bits,
        hfsr: scb.hfsr,
        faultAddress: bits & (Cfsr.MMARVALID | Cfsr.BFARVALID) ? address : null,
        access,
        lockup,
        faultStatusRegisters: scb.profile.configurableFaults,
      });
    } finally {
      if (deepen) E.stackTraceLimit = limit;
    }
    this.latch(fault);
    if (this.emitter.listenerCount("fault") > 0) this.emitter.emit("fault", fault);
    throw fault;
  }
}
