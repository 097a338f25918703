import { CORE_PROFILES, type CoreKind, type CoreProfile } from "../board/cores.js";

/** System Control Block register addresses. */
export const ScbReg = {
  CPUID: 0xe000ed00,
  ICSR: 0xe000ed04,
  VTOR: 0xe000ed08,
  AIRCR: 0xe000ed0c,
  SCR: 0xe000ed10,
  CCR: 0xe000ed14,
  SHPR1: 0xe000ed18,
  SHPR2: 0xe000ed1c,
  SHPR3: 0xe000ed20,
  SHCSR: 0xe000ed24,
  CFSR: 0xe000ed28,
  HFSR: 0xe000ed2c,
  DFSR: 0xe000ed30,
  MMFAR: 0xe000ed34,
  BFAR: 0xe000ed38,
  AFSR: 0xe000ed3c,
  STIR: 0xe000ef00,
} as const;

/** SHCSR enable bits. */
export const Shcsr = { MEMFAULTENA: 1 << 16, BUSFAULTENA: 1 << 17, USGFAULTENA: 1 << 18 } as const;

/** CCR bits. */
export const Ccr = {
  USERSETMPEND: 1 << 1,
  UNALIGN_TRP: 1 << 3,
  DIV_0_TRP: 1 << 4,
  BFHFNMIGN: 1 << 8,
  STKALIGN: 1 << 9,
  /** ARMv8-M: stack limit violations in handlers at priority < 0 (HardFault, NMI) are ignored. */
  STKOFHFNMIGN: 1 << 10,
} as const;

/**
 * The System Control Block registers the model implements: CPUID, VTOR, CCR, SHPR1-3, SHCSR,
 * CFSR (write-1-to-clear), HFSR (write-1-to-clear), MMFAR, BFAR. Other SCB words read as zero
 * and ignore writes. Priority fields keep 4 bits (PRI[7:4]), as on STM32.
 */
export class Scb {
  readonly cpuid: number;
  vtor = 0;
  scr = 0;
  ccr = Ccr.STKALIGN;
  /** SHPR1..3 as one array of 12 priority bytes for exceptions 4..15. */
  readonly shpr = new Uint8Array(12);
  shcsr = 0;
  cfsr = 0;
  hfsr = 0;
  mmfar = 0;
  bfar = 0;

  /** The core's profile: CPUID, the CCR bits it implements, stack limit registers. */
  readonly profile: CoreProfile;

  constructor(core: CoreKind) {
    this.profile = CORE_PROFILES[core];
    this.cpuid = this.profile.cpuid;
  }

  /** Priority of a configurable exception (4..15). */
  priority(exception: number): number {
    return this.shpr[exception - 4] ?? 0;
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
          // SHPR1 byte 3 and SHPR2 bytes 0-2 and SHPR3 byte 1 are reserved; we keep them zero.
          const exc = 4 + i + b;
          if (exc === 7 || exc === 8 || exc === 9 || exc === 10 || exc === 13) continue;
          this.shpr[i + b] = (value >>> (8 * b)) & 0xf0;
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
        return true;
      case ScbReg.BFAR:
        this.bfar = merge(this.bfar);
        return true;
      default:
        return false;
    }
  }
}
