import { AccessKind } from "./access.js";
import { AccessPath, Purpose } from "./access-path.js";
import { HwError, requireObject } from "./errors.js";
import { Cfsr, ExceptionNumber, Hfsr } from "./fault.js";
import { bitBandByte, isBitBandAlias, touchesBitBandAlias } from "./memory/bit-band.js";
import type { MemorySegment } from "./memory/segment.js";
import { GRANULE, GRANULE_SHIFT, Perm } from "./mpu/perm.js";
import { Ccr } from "./scs/scb.js";
import { BASIC_FRAME_WORDS } from "./timing/exception-timing.js";

/** Bytes of the basic exception frame (R0-R3, R12, LR, PC, xPSR). */
const FRAME_BYTES = 4 * BASIC_FRAME_WORDS;

export type { Mode } from "./access-path.js";
export { THREAD_PRIORITY } from "./access-path.js";

/**
 * The Cortex-M core's view of memory: mode, CONTROL.nPRIV, execution priority, and every load,
 * store and fetch checked by the MPU (precomputed permission tables), then shown to the access
 * hook, then performed by the bus. A faulting access sets CFSR/MMFAR/BFAR/HFSR as the silicon
 * would, latches the fault in {@link Core.pendingFault} and throws it.
 *
 * Single loads, stores and instruction fetches are the {@link AccessPath}'s; the core adds the
 * operations built on them: block transfers (memcpy-like, all-or-nothing), LDM/STM-like word
 * transfers, exception stacking and unstacking, vector reads, and debugger access.
 *
 * Every access method takes `unprivileged`: privileged code making an unprivileged access (the
 * LDRT/STRT idiom the kernel uses to touch user buffers on a task's behalf).
 */
export class Core extends AccessPath {
  private psplimValue = 0;
  private msplimValue = 0;
  /** CONTROL.SPSEL: Thread mode runs on the process stack (PSP, limited by PSPLIM). */
  controlSpsel = false;

  /**
   * PSPLIM (ARMv8-M Mainline): the lowest address the process stack pointer may take; bits [2:0]
   * are RES0. Throws `STACK_LIMIT_UNSUPPORTED` on a core without stack limit registers (ARMv7-M).
   */
  get psplim(): number {
    return this.psplimValue;
  }
  /** Sets PSPLIM (bits [2:0] cleared); throws `STACK_LIMIT_UNSUPPORTED` on ARMv7-M. */
  set psplim(v: number) {
    this.psplimValue = this.stackLimitValue("PSPLIM", v);
  }

  /** MSPLIM (ARMv8-M Mainline): the main stack's limit, as {@link Core.psplim}. */
  get msplim(): number {
    return this.msplimValue;
  }
  /** Sets MSPLIM (bits [2:0] cleared); throws `STACK_LIMIT_UNSUPPORTED` on ARMv7-M. */
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
    return this.mode === "thread" && this.controlSpsel ? this.psplimValue : this.msplimValue;
  }

  /**
   * An instruction that moves SP (PUSH, STMDB/STR with SP writeback, SUB to SP...) to `sp`: below
   * the current stack's limit it raises UsageFault STKOF (CFSR bit 20) and SP must not be updated;
   * SP equal to the limit is allowed. Ignored at priority < 0 with CCR.STKOFHFNMIGN.
   */
  checkStackLimit(sp: number): void {
    const a = sp >>> 0;
    if (a >= this.stackLimit) return;
    if (this.executionPriority < 0 && (this.scb.ccr & Ccr.STKOFHFNMIGN) !== 0) return;
    this.raise(ExceptionNumber.UsageFault, Cfsr.STKOF, null, this.record(a, 4, AccessKind.Write, this.privileged));
  }

  /**
   * Runs `fn` as a debugger would touch memory (SWD, not the CPU): accesses are privileged, not
   * checked by the MPU (the default memory map decides, as for an access through the debug port:
   * whatever regions a forged configuration loaded), not counted as cycles and not shown to the
   * hook, so observing the system (page maps, statistics read through the core) does not change
   * the simulation. Mode, CONTROL.nPRIV, actor, hook and
   * cycle counting are restored afterwards. A latched fault still rethrows.
   *
   * @example
   * ```ts
   * import { createMachine, STM32F407 } from "@rtos-sim/hw";
   * import { RegionManager } from "@rtos-sim/region";
   * const { core } = createMachine(STM32F407);
   * const regionManager = new RegionManager({ memory: core, regions: [{ name: "SRAM1", start: 0x20000000, size: 0x1c000 }] });
   * const owners = core.debugAccess(() => regionManager.owners()); // reads its metadata, checks bypassed
   * ```
   */
  debugAccess<T>(fn: () => T): T {
    const mode = this.mode;
    const nPriv = this.controlNPriv;
    const hook = this.hook;
    const counting = this.countCycles;
    const actor = this.actor;
    const debugging = this.debugging;
    this.mode = "handler";
    this.hook = null;
    this.countCycles = false;
    this.debugging = true;
    try {
      return fn();
    } finally {
      this.debugging = debugging;
      this.countCycles = counting;
      this.hook = hook;
      this.actor = actor;
      this.controlNPriv = nPriv;
      this.mode = mode;
    }
  }

  // ---- blocks -------------------------------------------------------------------------------

  /**
   * Reads `length` bytes (a memcpy-like byte transfer: no alignment needed). All-or-nothing:
   * the MPU checks every granule and the bus every byte before any byte moves; the hook sees one
   * access of `length` bytes.
   */
  readBytes(address: number, length: number, unprivileged = false): Uint8Array {
    const a = address >>> 0;
    const n = blockLength("readBytes", length);
    if (n === 0) return new Uint8Array(0);
    const s = this.blockCheck(a, n, AccessKind.Read, unprivileged);
    if (s) {
      if (this.countCycles) this.charge(s.cost * Math.ceil(n / 4));
      return s.bytes.slice(a - s.start, a - s.start + n);
    }
    // Byte by byte: the output grows with the bytes read, so a length far past the memory the
    // range reaches faults at its first unmapped byte instead of allocating the whole length.
    let out: Uint8Array = new Uint8Array(Math.min(n, READ_CHUNK));
    for (let i = 0; i < n; i++) {
      if (i === out.length) out = grown(out, Math.min(n, 2 * i));
      out[i] =
        s === null
          ? this.rawByte(a + i, AccessKind.Read, 0, !unprivileged)
          : this.general(a + i, 1, AccessKind.Read, unprivileged, 0, Purpose.Normal);
    }
    return out;
  }

  /** Writes bytes (memcpy-like, all-or-nothing: every granule and byte is checked before any byte is written). */
  writeBytes(address: number, data: Uint8Array, unprivileged = false): void {
    const a = address >>> 0;
    // The bytes as they are now, with their own length: what is checked is what is written.
    const bytes = ownBytes(data);
    const n = bytes.length;
    if (n === 0) return;
    const s = this.blockCheck(a, n, AccessKind.Write, unprivileged);
    if (s) {
      if (this.countCycles) this.charge(s.cost * Math.ceil(n / 4));
      s.bytes.set(bytes, a - s.start);
      return;
    }
    if (s === null) for (let i = 0; i < n; i++) this.rawByte(a + i, AccessKind.Write, bytes[i]!, !unprivileged);
    else for (let i = 0; i < n; i++) this.general(a + i, 1, AccessKind.Write, unprivileged, bytes[i]!, Purpose.Normal);
  }

  /** Fills `length` bytes with `value` (memset-like, all-or-nothing like {@link Core.writeBytes}). */
  fill(address: number, value: number, length: number, unprivileged = false): void {
    const a = address >>> 0;
    const v = Number(value) & 0xff;
    const n = blockLength("fill", length);
    if (n === 0) return;
    const s = this.blockCheck(a, n, AccessKind.Write, unprivileged);
    if (s) {
      if (this.countCycles) this.charge(s.cost * Math.ceil(n / 4));
      s.bytes.fill(v, a - s.start, a - s.start + n);
      return;
    }
    if (s === null) for (let i = 0; i < n; i++) this.rawByte(a + i, AccessKind.Write, v, !unprivileged);
    else for (let i = 0; i < n; i++) this.general(a + i, 1, AccessKind.Write, unprivileged, v, Purpose.Normal);
  }

  /**
   * LDM-like: `count` words from a word-aligned address (UsageFault UNALIGNED otherwise). `into`
   * (at least `count` words) receives them instead of a new array (the context switch reuses one);
   * a fault leaves the words before it loaded there.
   */
  readWords(address: number, count: number, unprivileged = false, into?: Uint32Array): Uint32Array {
    // A plain integer of at most 2^30 words (the address space): a negative or fractional count
    // was a RangeError of the array, NaN an empty read, 2^32 a 16 GiB array.
    if (typeof count !== "number" || !(count >>> 0 === count && count <= 0x40000000)) throw badWordCount(count);
    if (this.pendingFault !== null) throw this.pendingFault;
    const a = address >>> 0;
    if (a & 3) this.raiseUnaligned(a, 4, AccessKind.Read, this.privileged && !unprivileged);
    const out = into ?? new Uint32Array(count);
    if (this.readRun32(a, count, unprivileged, out)) return out;
    for (let i = 0; i < count; i++) out[i] = this.read32(a + 4 * i, unprivileged);
    return out;
  }

  /** STM-like: words to a word-aligned address (UsageFault UNALIGNED otherwise). */
  writeWords(address: number, words: ArrayLike<number>, unprivileged = false): void {
    if (this.pendingFault !== null) throw this.pendingFault;
    const a = address >>> 0;
    if (a & 3) this.raiseUnaligned(a, 4, AccessKind.Write, this.privileged && !unprivileged);
    if (this.writeRun32(a, words, unprivileged)) return;
    for (let i = 0; i < words.length; i++) this.write32(a + 4 * i, words[i]!, unprivileged);
  }

  // ---- exception stacking -------------------------------------------------------------------

  /**
   * Exception entry: pushes an 8-word frame (R0-R3, R12, LR, PC, xPSR) below `sp` with the
   * privilege of the interrupted code (call it before switching to Handler mode), 8-byte aligned
   * (CCR.STKALIGN; a realignment sets bit 9 of the stacked xPSR). A violation is MemManage
   * MSTKERR or BusFault STKERR (no fault address). A frame below the stack in use's limit
   * (ARMv8-M PSPLIM/MSPLIM) is UsageFault STKOF with no access made; the architecture then sets SP
   * to the limit, which a caller keeping SP does itself ({@link Core.stackLimit}): this throws.
   * Returns the new stack pointer.
   */
  pushFrame(sp: number, frame: ArrayLike<number>): number {
    let fp = ((sp >>> 0) - FRAME_BYTES) >>> 0;
    // PushStack: a realignment is recorded in bit 9 of the stacked xPSR (popFrame undoes it).
    const stkalign = (this.scb.ccr & Ccr.STKALIGN) !== 0;
    const realign = stkalign ? fp & 4 : 0;
    if (stkalign) fp = (fp & ~7) >>> 0;
    // Below either limit, the limit of the stack in use decides (both are 0 without limit registers).
    if (fp < this.psplimValue || fp < this.msplimValue) this.checkStackLimit(fp);
    const xpsr = (((frame[7] ?? 0) & ~0x200) | (realign << 7)) >>> 0;
    // The frame's words as they are (no realignment to record) take the store run's fast path
    // when it applies (no hook, every granule writable, the charge within the budget).
    if (xpsr === frame[7] && frame.length === BASIC_FRAME_WORDS && this.writeRun32(fp, frame, false)) return fp;
    this.pushChecked(fp, frame, xpsr);
    return fp;
  }

  /**
   * {@link Core.pushFrame}'s stores when the run's fast path did not take them: the frame checked
   * as one access ({@link Core.frameCheck}), else word by word (the precise stacking fault).
   */
  private pushChecked(fp: number, frame: ArrayLike<number>, xpsr: number): void {
    const s = this.frameCheck(fp, AccessKind.Write);
    if (s === undefined) {
      for (let i = 0; i < 8; i++)
        this.general((fp + 4 * i) >>> 0, 4, AccessKind.Write, false, i === 7 ? xpsr : (frame[i] ?? 0), Purpose.Stack);
      return;
    }
    // The eight stores written out: a loop costs more than the stores (checks on every pass).
    const w = this.words32;
    if (w !== null) {
      // As word stores of the little-endian host (AccessPath.words32): the same bytes.
      const at = (s.offset + (fp - s.start)) >>> 2;
      w[at] = frame[0] ?? 0;
      w[at + 1] = frame[1] ?? 0;
      w[at + 2] = frame[2] ?? 0;
      w[at + 3] = frame[3] ?? 0;
      w[at + 4] = frame[4] ?? 0;
      w[at + 5] = frame[5] ?? 0;
      w[at + 6] = frame[6] ?? 0;
      w[at + 7] = xpsr;
      return;
    }
    const off = fp - s.start;
    const view = s.view;
    view.setUint32(off, (frame[0] ?? 0) >>> 0, true);
    view.setUint32(off + 4, (frame[1] ?? 0) >>> 0, true);
    view.setUint32(off + 8, (frame[2] ?? 0) >>> 0, true);
    view.setUint32(off + 12, (frame[3] ?? 0) >>> 0, true);
    view.setUint32(off + 16, (frame[4] ?? 0) >>> 0, true);
    view.setUint32(off + 20, (frame[5] ?? 0) >>> 0, true);
    view.setUint32(off + 24, (frame[6] ?? 0) >>> 0, true);
    view.setUint32(off + 28, xpsr, true);
  }

  /**
   * Exception return: pops the 8-word frame at `sp` with the privilege of the code returned to
   * (set `mode`/`controlNPriv` first). A violation is MemManage MUNSTKERR or BusFault UNSTKERR.
   * The returned SP undoes a realignment recorded in the stacked xPSR bit 9 (CCR.STKALIGN set).
   * `into` (8 words) receives the frame instead of a new array (the context switch reuses one).
   */
  popFrame(
    sp: number,
    into?: Uint32Array,
  ): {
    /** The stacked words: R0, R1, R2, R3, R12, LR, PC, xPSR. */
    frame: Uint32Array;
    /** SP after the frame (32 bytes up, 4 more when xPSR bit 9 records a realignment). */
    sp: number;
  } {
    const frame = into ?? new Uint32Array(8);
    return { frame, sp: this.unstackFrame(sp, frame) };
  }

  /**
   * {@link Core.popFrame} into `frame` (8 words), returning only the new SP: the context switch
   * unstacks at every return to a task and needs no result object.
   */
  unstackFrame(sp: number, frame: Uint32Array): number {
    const fp = sp >>> 0;
    if (!this.readRun32(fp, BASIC_FRAME_WORDS, false, frame)) this.unstackChecked(fp, frame);
    const realigned = (frame[7]! & 0x200) !== 0 && (this.scb.ccr & Ccr.STKALIGN) !== 0 ? 4 : 0;
    return ((fp + FRAME_BYTES) | realigned) >>> 0;
  }

  /**
   * {@link Core.unstackFrame}'s loads when the run's fast path did not take them: the frame checked
   * as one access ({@link Core.frameCheck}), else word by word (the precise unstacking fault).
   */
  private unstackChecked(fp: number, frame: Uint32Array): void {
    const s = this.frameCheck(fp, AccessKind.Read);
    if (s === undefined) {
      for (let i = 0; i < 8; i++)
        frame[i] = this.general((fp + 4 * i) >>> 0, 4, AccessKind.Read, false, 0, Purpose.Unstack);
    } else {
      // The eight loads written out, as pushFrame's stores.
      const off = fp - s.start;
      const view = s.view;
      frame[0] = view.getUint32(off, true);
      frame[1] = view.getUint32(off + 4, true);
      frame[2] = view.getUint32(off + 8, true);
      frame[3] = view.getUint32(off + 12, true);
      frame[4] = view.getUint32(off + 16, true);
      frame[5] = view.getUint32(off + 20, true);
      frame[6] = view.getUint32(off + 24, true);
      frame[7] = view.getUint32(off + 28, true);
    }
  }

  /**
   * Lazy floating-point state preservation (FPCCR.LSPEN, the reset setting): the first FP
   * instruction of a handler writes S0-S15 and FPSCR (`words`) into the space the exception entry
   * reserved above the basic frame at `address` (word-aligned: UsageFault UNALIGNED otherwise),
   * with the privilege of the code the exception interrupted (`unprivileged`). A violation is
   * MemManage MLSPERR or BusFault LSPERR with no fault address (MMFAR and BFAR not valid), not
   * the DACCVIOL / PRECISERR of an ordinary store.
   *
   * @example
   * ```ts
   * import { createMachine, STM32F407 } from "@rtos-sim/hw";
   * const { core } = createMachine(STM32F407);
   * const frameAt = 0x20001000; // a task's exception frame
   * core.preserveFpState(frameAt + 32, new Uint32Array(17), true); // a task's S0-S15, FPSCR
   * ```
   */
  preserveFpState(address: number, words: ArrayLike<number>, unprivileged = false): void {
    if (this.pendingFault !== null) throw this.pendingFault;
    const a = address >>> 0;
    if (a & 3) this.raiseUnaligned(a, 4, AccessKind.Write, this.privileged && !unprivileged);
    if (this.writeRun32(a, words, unprivileged)) return;
    for (let i = 0; i < words.length; i++) {
      this.general((a + 4 * i) >>> 0, 4, AccessKind.Write, unprivileged, words[i]! >>> 0, Purpose.LazyStack);
    }
  }

  /**
   * Fast check of a 32-byte exception frame at a word-aligned `fp`: when every granule allows
   * the access at the current privilege and the frame lies in one writable memory segment,
   * shows it to the hook as one access and charges its cycles, returning the segment; otherwise
   * returns undefined and the caller takes the word-by-word path, which raises the precise
   * stacking fault (MSTKERR/STKERR or MUNSTKERR/UNSTKERR).
   */
  private frameCheck(fp: number, kind: AccessKind): MemorySegment | undefined {
    if (this.pendingFault !== null) throw this.pendingFault;
    if ((fp & 3) !== 0 || fp > 2 ** 32 - FRAME_BYTES) return undefined;
    const s = this.bus.segmentFor(fp, FRAME_BYTES);
    if (!s || (kind === AccessKind.Write && s.wsize === 0)) return undefined;
    const need = kind === AccessKind.Write ? this.wmask : this.rmask;
    const t = this.table();
    const g = (fp >>> GRANULE_SHIFT) - s.g0;
    if ((t.bytes[g]! & need) === 0 || (t.bytes[((fp + FRAME_BYTES - 1) >>> GRANULE_SHIFT) - s.g0]! & need) === 0)
      return undefined;
    if (this.hook !== null) this.hook.onAccess(fp, FRAME_BYTES, kind, this.privileged, this.actor);
    if (this.countCycles) this.charge(8 * s.cost);
    // The frame's view bytes, so that the next frame here takes the fast path (readRun32, writeRun32).
    this.fillView(s.offset + (fp - s.start));
    this.fillView(s.offset + (fp + FRAME_BYTES - 1 - s.start));
    return s;
  }

  /**
   * An exception return whose EXC_RETURN the return may not take: UsageFault INVPC (CFSR bit 18,
   * no fault address), as ARMv7-M's ExceptionReturn (B1.5.8) and ARMv8-M's take for a return to
   * Handler mode with no exception nested, a reserved value, or a value the software refuses
   * before its `BX LR`. The access record is the PC load of `excReturn` at the current privilege.
   *
   * @example
   * ```ts
   * import type { Core } from "@rtos-sim/hw";
   * function returnFromHandler(core: Core, excReturn: number): void {
   *   if (excReturn !== 0xfffffffd) core.invalidExceptionReturn(excReturn); // throws the Fault
   * }
   * ```
   */
  invalidExceptionReturn(excReturn: number): never {
    return this.executionFault(Cfsr.INVPC, excReturn, 4);
  }

  /**
   * Execution in a state the core cannot execute in: UsageFault INVSTATE (CFSR bit 17, no fault
   * address), as the first instruction after an exception return whose stacked xPSR has the T
   * bit (EPSR.T, bit 24) clear raises it (an M-profile core executes Thumb only). The access
   * record is the instruction fetch at `address` at the current privilege.
   *
   * @example
   * ```ts
   * import type { Core } from "@rtos-sim/hw";
   * function checkThumb(core: Core, xpsr: number, pc: number): void {
   *   if ((xpsr & 0x01000000) === 0) core.invalidState(pc); // throws the Fault
   * }
   * ```
   */
  invalidState(address: number): never {
    return this.executionFault(Cfsr.INVSTATE, address, 2);
  }

  /** A UsageFault of execution (no fault address): a latched fault first, else `bit` with a fetch of `size` at `address` as its record. */
  private executionFault(bit: number, address: number, size: number): never {
    if (this.pendingFault !== null) throw this.pendingFault;
    return this.raise(
      ExceptionNumber.UsageFault,
      bit,
      null,
      this.record(address >>> 0, size, AccessKind.Fetch, this.privileged),
    );
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

  /**
   * Checks a block transfer before any byte moves: the MPU for every granule (MemManage at the
   * first denied one), then the bus for every byte (precise BusFault at the first byte no memory
   * or peripheral decodes, or read-only memory for a write), then shows it to the hook once.
   * Returns the one segment holding the whole block, `null` when the block is valid but spans
   * segments or peripherals (copy byte by byte with `rawByte`), or `undefined` when it touches
   * the PPB or a bit-band alias window (each byte takes the slow path, which applies the PPB's
   * rules or remaps the byte to its bit; through an alias, the MPU's granules and every byte's
   * target are checked first, so a block that faults there moves no bit either).
   */
  private blockCheck(
    a: number,
    length: number,
    kind: AccessKind,
    unprivileged: boolean,
  ): MemorySegment | null | undefined {
    if (this.pendingFault !== null) throw this.pendingFault;
    const priv = this.privileged && !unprivileged;
    const last = a + length - 1;
    if (last > 0xffffffff || a >>> 20 === 0xe00 || last >>> 20 === 0xe00 || (a < 0xe0000000 && last >= 0xe0100000)) {
      return undefined;
    }
    const alias = this.bus.board.bitBand && touchesBitBandAlias(a, last);
    const need = kind === AccessKind.Read ? (priv ? Perm.PR : Perm.UR) : priv ? Perm.PW : Perm.UW;
    for (let g = a >>> GRANULE_SHIFT; g <= last >>> GRANULE_SHIFT; g++) {
      const ga = Math.max(a, g * GRANULE);
      if ((this.permissionAt(ga) & need) === 0) {
        this.raise(ExceptionNumber.MemManage, Cfsr.DACCVIOL | Cfsr.MMARVALID, ga, this.record(a, length, kind, priv));
      }
    }
    const busFault = (at: number): never =>
      this.raise(ExceptionNumber.BusFault, Cfsr.PRECISERR | Cfsr.BFARVALID, at, this.record(a, length, kind, priv));
    if (alias) {
      // Every byte's target (an alias byte's bit's byte) decoded before any bit moves, as for
      // memory; the bytes then take the slow path one by one (which remaps and shows them).
      for (let i = 0; i < length; i++) {
        const at = (a + i) >>> 0;
        if (!this.bitBandTargetValid(isBitBandAlias(at) ? bitBandByte(at) : at, kind)) busFault(at);
      }
      return undefined;
    }
    const s = this.bus.segmentFor(a, length);
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

  /**
   * Whether a one-byte access of `kind` at `target` (a block byte, or the byte an alias byte's bit
   * is in) would reach memory or a peripheral's registers: what `general` and `bitBandAccess`
   * accept, so that a block through an alias faults before any bit moves.
   */
  private bitBandTargetValid(target: number, kind: AccessKind): boolean {
    const seg = this.bus.segmentFor(target);
    if (seg) return kind !== AccessKind.Write || seg.wsize !== 0;
    const hit = this.bus.peripheralAt(target);
    return hit !== undefined && (hit.device === null || hit.offset < hit.device.size);
  }

  /** One byte of a checked block transfer: memory or a peripheral, no further checks. */
  private rawByte(a: number, kind: AccessKind, value: number, privileged: boolean): number {
    const seg = this.bus.segmentFor(a);
    if (seg) {
      if (this.countCycles) this.charge(seg.cost);
      if (kind === AccessKind.Write) seg.bytes[a - seg.start] = value;
      return seg.bytes[a - seg.start]!;
    }
    const hit = this.bus.peripheralAt(a)!;
    if (this.countCycles) this.charge(2);
    if (hit.device === null || hit.offset >= hit.device.size) return 0;
    const ctx = { privileged, actor: this.actor };
    if (kind === AccessKind.Write) {
      hit.device.write(hit.offset, 1, value & 0xff, ctx);
      return 0;
    }
    return hit.device.read(hit.offset, 1, ctx) & 0xff;
  }
}

/**
 * A block transfer's length, read once: a plain integer in [0, 2^32] (`ACCESS_SIZE` otherwise).
 * Everything after the check uses this number alone, so a length cannot be one value for the MPU
 * and bus checks and another for the copy.
 */
function blockLength(op: string, length: unknown): number {
  if (typeof length !== "number" || !Number.isInteger(length) || length < 0 || length > 0x100000000) {
    throw new HwError(
      "ACCESS_SIZE",
      `${op}: the length must be an integer in [0, 2^32], got ${typeof length === "number" ? length : typeof length}`,
      {
        op,
        length: typeof length === "number" ? length : typeof length,
      },
    );
  }
  return length;
}

/** The bytes to write, as a Uint8Array of their own (a copy unless `data` is a plain Uint8Array). */
function ownBytes(data: ArrayLike<number>): Uint8Array {
  // A Proxy is no view (ArrayBuffer.isView looks at the object itself, running no trap).
  if (
    ArrayBuffer.isView(data) &&
    Object.getPrototypeOf(data) === Uint8Array.prototype &&
    !Object.hasOwn(data, "length")
  ) {
    return data as Uint8Array;
  }
  // `new Uint8Array(n)` of a number is n zero bytes, of null none: neither is the caller's data.
  // Only its type is tested here: the copy reads `length` once, so what is checked is what is written.
  requireObject(data, "writeBytes: data");
  return new Uint8Array(data);
}

/** The first allocation of a byte-by-byte {@link Core.readBytes}, doubled as bytes are read. */
const READ_CHUNK = 4096;

/** `bytes` copied into a new array of `length` bytes (length >= bytes.length). */
function grown(bytes: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  out.set(bytes);
  return out;
}

/** The error of a readWords count that is not an integer in [0, 2^30] (out of line: readWords runs twice per switch). */
function badWordCount(count: unknown): HwError {
  return new HwError("ACCESS_SIZE", `readWords: the count must be an integer in [0, 2^30], got ${String(count)}`, {
    op: "readWords",
    length: typeof count === "number" ? count : typeof count,
  });
}
