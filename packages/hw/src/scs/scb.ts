import { CORE_PROFILES, type CoreKind, type CoreProfile } from "../board/cores.js";
import { Cfsr, ExceptionNumber, Hfsr } from "../fault.js";

/** System Control Block register addresses. */
export const ScbReg = {
  /** CPUID Base Register (read-only): implementer, variant, architecture, part number, revision. */
  CPUID: 0xe000ed00,
  /** Interrupt Control and State Register (reads as zero, writes ignored in the model). */
  ICSR: 0xe000ed04,
  /** Vector Table Offset Register (TBLOFF, bits [31:7]). */
  VTOR: 0xe000ed08,
  /** Application Interrupt and Reset Control Register (reads as zero, writes ignored in the model). */
  AIRCR: 0xe000ed0c,
  /** System Control Register (SLEEPONEXIT, SLEEPDEEP, SEVONPEND). */
  SCR: 0xe000ed10,
  /** Configuration and Control Register (see {@link Ccr}). */
  CCR: 0xe000ed14,
  /** System Handler Priority Register 1 (MemManage, BusFault, UsageFault). */
  SHPR1: 0xe000ed18,
  /** System Handler Priority Register 2 (SVCall). */
  SHPR2: 0xe000ed1c,
  /** System Handler Priority Register 3 (DebugMonitor, PendSV, SysTick). */
  SHPR3: 0xe000ed20,
  /** System Handler Control and State Register (see {@link Shcsr}). */
  SHCSR: 0xe000ed24,
  /** Configurable Fault Status Register: MMFSR, BFSR, UFSR (see {@link Cfsr}); write-1-to-clear. */
  CFSR: 0xe000ed28,
  /** HardFault Status Register (see {@link Hfsr}); write-1-to-clear. */
  HFSR: 0xe000ed2c,
  /** Debug Fault Status Register (reads as zero, writes ignored in the model). */
  DFSR: 0xe000ed30,
  /** MemManage Fault Address Register (valid while CFSR.MMARVALID is set). */
  MMFAR: 0xe000ed34,
  /** BusFault Address Register (valid while CFSR.BFARVALID is set). */
  BFAR: 0xe000ed38,
  /** Auxiliary Fault Status Register (reads as zero, writes ignored in the model). */
  AFSR: 0xe000ed3c,
  /**
   * Software Triggered Interrupt Register (reads as zero, writes ignored; unprivileged writes allowed with
   * CCR.USERSETMPEND).
   */
  STIR: 0xe000ef00,
} as const;

/** SHCSR enable bits of the configurable faults; a fault taken while disabled escalates to HardFault (HFSR.FORCED). */
export const Shcsr = {
  /** MEMFAULTENA: MemManage enabled. */
  MEMFAULTENA: 1 << 16,
  /** BUSFAULTENA: BusFault enabled. */
  BUSFAULTENA: 1 << 17,
  /** USGFAULTENA: UsageFault enabled. */
  USGFAULTENA: 1 << 18,
} as const;

/** CCR bits. */
export const Ccr = {
  /**
   * ARMv7-M: Thread mode may be entered with exceptions active (reset 0). RES1 on ARMv8-M, which
   * always allows it (packages/hw/README.md, Fault registers).
   */
  NONBASETHRDENA: 1 << 0,
  /** Unprivileged software may write STIR. */
  USERSETMPEND: 1 << 1,
  /** Unaligned halfword and word accesses raise UsageFault UNALIGNED. */
  UNALIGN_TRP: 1 << 3,
  /** SDIV/UDIV by zero raises UsageFault DIVBYZERO (the model executes no divides). */
  DIV_0_TRP: 1 << 4,
  /**
   * Code at priority < 0 (HardFault, NMI, FAULTMASK) ignores the precise BusFaults of its loads
   * and stores: a load reads 0, a store is dropped, nothing is recorded (fetches and stacking
   * still fault).
   */
  BFHFNMIGN: 1 << 8,
  /** 8-byte stack alignment on exception entry (reset value 1; RES1 on ARMv8-M). */
  STKALIGN: 1 << 9,
  /** ARMv8-M: stack limit violations in handlers at priority < 0 (HardFault, NMI) are ignored. */
  STKOFHFNMIGN: 1 << 10,
} as const;

/**
 * The SCB words that do not exist on a core without configurable faults (ARMv6-M): SHPR1, SHCSR,
 * CFSR, HFSR, MMFAR, BFAR, AFSR and STIR. The ARMv6-M SCB has no register at those addresses;
 * the model reads them as zero and ignores writes (docs/fault-reports.md, "ARMv6-M").
 */
const ARMV6M_ABSENT: ReadonlySet<number> = new Set([
  ScbReg.SHPR1,
  ScbReg.SHCSR,
  ScbReg.CFSR,
  ScbReg.HFSR,
  ScbReg.MMFAR,
  ScbReg.BFAR,
  ScbReg.AFSR,
  ScbReg.STIR,
]);

/**
 * Whether the word at `address` is an SCB register that a core of `profile` lacks: on a core
 * without configurable faults (ARMv6-M) SHPR1, SHCSR, CFSR, HFSR, MMFAR, BFAR, AFSR and STIR,
 * which the model reads as zero and whose writes it ignores; false on every other core and address.
 */
export function scbRegisterAbsent(profile: CoreProfile, address: number): boolean {
  return !profile.configurableFaults && ARMV6M_ABSENT.has(address);
}

/**
 * The System Control Block registers the model implements: CPUID, VTOR, CCR, SHPR1-3, SHCSR,
 * CFSR (write-1-to-clear), HFSR (write-1-to-clear), MMFAR, BFAR. Other SCB words read as zero
 * and ignore writes. Priority fields keep the profile's bits (`CoreProfile.priorityBits`: PRI[7:4]
 * as on STM32, PRI[7:6] on the Cortex-M0+). On a core without configurable faults (ARMv6-M) SHPR1,
 * SHCSR, CFSR, HFSR, MMFAR, BFAR, AFSR and STIR are absent: they read as zero, ignore writes, and
 * a fault records nothing in the fields (CCR is read-only there, 0x00000208).
 *
 * The fields hold the register values. Assigning a field sets it as is, as a debugger would
 * (`m.scb.shcsr = Shcsr.MEMFAULTENA | ...`): no write mask, no write-1-to-clear. Software's
 * writes go through the PPB (`core.write32(ScbReg.CFSR, bits)`, or {@link Scb.writeWord} without
 * the core), which apply the masks and write-1-to-clear that each field's comment gives for "a
 * PPB write".
 */
export class Scb {
  /** CPUID (read-only): the core profile's value. */
  readonly cpuid: number;
  /** VTOR: vector table offset; a PPB write keeps bits [31:7]. */
  vtor = 0;
  /** SCR: a PPB write keeps SLEEPONEXIT, SLEEPDEEP, SEVONPEND (mask 0x16). */
  scr = 0;
  /**
   * CCR (see {@link Ccr}); a PPB write keeps the profile's writable bits and forces its RES1 bits.
   * Reset: STKALIGN, and the RES1 bits (ARMv8-M: bit 0 too, 0x00000201).
   */
  ccr: number;
  /** SHPR1..3 as one array of 12 priority bytes for exceptions 4..15. */
  readonly shpr = new Uint8Array(12);
  /** SHCSR: fault enables (see {@link Shcsr}), active and pending bits. */
  shcsr = 0;
  /**
   * CFSR (see {@link Cfsr}): the model ORs in each fault's bits; a PPB write of 1s clears them
   * (`core.write32(ScbReg.CFSR, cfsr)`); assigning the field sets it.
   */
  cfsr = 0;
  /** HFSR (see {@link Hfsr}); a PPB write of 1s clears them; assigning the field sets it. */
  hfsr = 0;
  /**
   * MMFAR: the fault address register as MMFAR reads it, valid while CFSR.MMARVALID is set. The
   * same register as BFAR (see {@link Scb.recordFault}): the model keeps both fields equal.
   */
  mmfar = 0;
  /** BFAR: the fault address register as BFAR reads it, valid while CFSR.BFARVALID is set (equal to MMFAR). */
  bfar = 0;

  /** The core's profile: CPUID, the CCR bits it implements, stack limit registers. */
  readonly profile: CoreProfile;
  /** Mask of a priority field's implemented bits (0xF0, or 0xC0 on the Cortex-M0+). */
  private readonly priorityMask: number;

  constructor(core: CoreKind) {
    this.profile = CORE_PROFILES[core];
    this.cpuid = this.profile.cpuid;
    this.ccr = (Ccr.STKALIGN | this.profile.ccrFixed) >>> 0;
    this.priorityMask = (0xff << (8 - this.profile.priorityBits)) & 0xff;
  }

  /** Whether the word at `address` is an SCB register this core lacks (ARMv6-M: SHPR1, SHCSR, CFSR...). */
  private absent(address: number): boolean {
    return scbRegisterAbsent(this.profile, address);
  }

  /**
   * Records a fault as the core does: ORs `bits` into CFSR and, with MMARVALID or BFARVALID among
   * them, `address` into the fault address register, which MMFAR and BFAR both read. What a
   * second fault does depends on the core (`CoreProfile.faultAddressRegister`): on the Cortex-M3,
   * M4 and M7 its address replaces the first and the first's valid bit is cleared; on the
   * Cortex-M33 and M55 the register holds the first address, and the second fault sets no valid
   * bit, until software clears the first's.
   *
   * @example
   * ```ts
   * import { Cfsr, createMachine, hex32, STM32F407, STM32U585 } from "@rtos-sim/hw";
   * for (const board of [STM32F407, STM32U585]) {
   *   const { scb } = createMachine(board);
   *   scb.recordFault(Cfsr.DACCVIOL | Cfsr.MMARVALID, 0x20004000);
   *   scb.recordFault(Cfsr.PRECISERR | Cfsr.BFARVALID, 0x60000000);
   *   console.log(board.core, hex32(scb.cfsr), hex32(scb.mmfar), hex32(scb.bfar));
   * }
   * // cortex-m4 0x00008202 0x60000000 0x60000000
   * // cortex-m33 0x00000282 0x20004000 0x20004000
   * ```
   *
   * On a core without fault status registers (ARMv6-M, `faultAddressRegister` `"none"`) nothing
   * is recorded, and `bits` is returned as it came: the model's classification of the fault,
   * which no register of the core holds.
   *
   * @returns the bits the fault set: `bits`, without its valid bit when the register was held.
   */
  recordFault(bits: number, address: number | null): number {
    if (this.profile.faultAddressRegister === "none") return bits;
    const valid = bits & (Cfsr.MMARVALID | Cfsr.BFARVALID);
    if (valid === 0) {
      this.cfsr = (this.cfsr | bits) >>> 0;
      return bits;
    }
    const held = this.cfsr & (Cfsr.MMARVALID | Cfsr.BFARVALID);
    if (held !== 0 && this.profile.faultAddressRegister === "hold") {
      const set = bits & ~valid;
      this.cfsr = (this.cfsr | set) >>> 0;
      return set;
    }
    this.cfsr = ((this.cfsr & ~(Cfsr.MMARVALID | Cfsr.BFARVALID)) | bits) >>> 0;
    this.mmfar = (address ?? 0) >>> 0;
    this.bfar = this.mmfar;
    return bits;
  }

  /** Priority of a configurable exception (4..15). */
  priority(exception: number): number {
    return this.shpr[exception - 4] ?? 0;
  }

  /**
   * The exception a fault of `cause` takes at execution priority `priority` (>= 0: below 0 the
   * core locks up, the caller's concern), setting HFSR as the core does: a HardFault ORs
   * `hfsrBits` (VECTTBL) into HFSR; a configurable fault disabled in SHCSR or at a priority that
   * cannot preempt escalates to HardFault with HFSR.FORCED. On a core without configurable faults
   * (ARMv6-M) every fault is a HardFault and, with no HFSR, nothing is recorded.
   */
  faultException(cause: ExceptionNumber, priority: number, hfsrBits: number): ExceptionNumber {
    if (!this.profile.configurableFaults) return ExceptionNumber.HardFault;
    if (cause === ExceptionNumber.HardFault) {
      this.hfsr = (this.hfsr | hfsrBits) >>> 0;
      return cause;
    }
    if (!this.faultEnabled(cause) || this.priority(cause) >= priority) {
      this.hfsr = (this.hfsr | Hfsr.FORCED) >>> 0;
      return ExceptionNumber.HardFault;
    }
    return cause;
  }

  /** Whether a configurable fault is enabled in SHCSR (MemManage 4, BusFault 5, UsageFault 6). */
  faultEnabled(exception: number): boolean {
    const bit =
      exception === 4
        ? Shcsr.MEMFAULTENA
        : exception === 5
          ? Shcsr.BUSFAULTENA
          : exception === 6
            ? Shcsr.USGFAULTENA
            : 0;
    return (this.shcsr & bit) !== 0;
  }

  /** Reads the 32-bit register at a word address; undefined when this block does not decode it. */
  readWord(address: number): number | undefined {
    if (this.absent(address)) return 0;
    switch (address) {
      case ScbReg.CPUID:
        return this.cpuid;
      case ScbReg.VTOR:
        return this.vtor;
      case ScbReg.SCR:
        return this.scr;
      case ScbReg.CCR:
        return this.ccr;
      case ScbReg.SHPR1:
      case ScbReg.SHPR2:
      case ScbReg.SHPR3: {
        const i = address - ScbReg.SHPR1;
        return (this.shpr[i]! | (this.shpr[i + 1]! << 8) | (this.shpr[i + 2]! << 16) | (this.shpr[i + 3]! << 24)) >>> 0;
      }
      case ScbReg.SHCSR:
        return this.shcsr;
      case ScbReg.CFSR:
        return this.cfsr >>> 0;
      case ScbReg.HFSR:
        return this.hfsr >>> 0;
      case ScbReg.MMFAR:
        return this.mmfar >>> 0;
      case ScbReg.BFAR:
        return this.bfar >>> 0;
      case ScbReg.ICSR:
      case ScbReg.AIRCR:
      case ScbReg.DFSR:
      case ScbReg.AFSR:
        return 0;
      default:
        return undefined;
    }
  }

  /**
   * Writes the register at a word address. `lanes` is the byte-lane mask of the access
   * (0xFF for a byte at offset 0, 0xFFFF0000 for the upper halfword, 0xFFFFFFFF for a word).
   * Returns false when this block does not decode the address.
   */
  writeWord(address: number, value: number, lanes: number): boolean {
    const merge = (old: number) => ((old & ~lanes) | (value & lanes)) >>> 0;
    if (this.absent(address)) return true;
    switch (address) {
      case ScbReg.CPUID:
      case ScbReg.ICSR:
      case ScbReg.AIRCR:
      case ScbReg.DFSR:
      case ScbReg.AFSR:
      case ScbReg.STIR:
        return true;
      case ScbReg.VTOR:
        this.vtor = merge(this.vtor) & 0xffffff80;
        return true;
      case ScbReg.SCR:
        this.scr = merge(this.scr) & 0x16;
        return true;
      case ScbReg.CCR:
        this.ccr = ((merge(this.ccr) & this.profile.ccrWritable) | this.profile.ccrFixed) >>> 0;
        return true;
      case ScbReg.SHPR1:
      case ScbReg.SHPR2:
      case ScbReg.SHPR3: {
        const i = address - ScbReg.SHPR1;
        for (let b = 0; b < 4; b++) {
          if (((lanes >>> (8 * b)) & 0xff) === 0) continue;
          // SHPR1 byte 3 and SHPR2 bytes 0-2 and SHPR3 byte 1 are reserved; we keep them zero (SHPR1
          // is absent on ARMv6-M: `absent` answered above).
          const exc = 4 + i + b;
          if (exc === 7 || exc === 8 || exc === 9 || exc === 10 || exc === 13) continue;
          // ARMv6-M has no DebugMonitor (12): SHPR3 keeps PendSV and SysTick only.
          if (exc === 12 && !this.profile.configurableFaults) continue;
          this.shpr[i + b] = (value >>> (8 * b)) & this.priorityMask;
        }
        return true;
      }
      case ScbReg.SHCSR:
        this.shcsr = merge(this.shcsr) & 0x0007fd8b;
        return true;
      case ScbReg.CFSR:
        this.cfsr = (this.cfsr & ~(value & lanes)) >>> 0;
        return true;
      case ScbReg.HFSR:
        this.hfsr = (this.hfsr & ~(value & lanes & 0xc0000002)) >>> 0;
        return true;
      case ScbReg.MMFAR:
        this.mmfar = merge(this.mmfar);
        this.bfar = this.mmfar;
        return true;
      case ScbReg.BFAR:
        this.bfar = merge(this.bfar);
        this.mmfar = this.bfar;
        return true;
      default:
        return false;
    }
  }
}
