import { type AccessRecord, accessKindName } from "./access.js";

/** Exception numbers of the faults (ARMv7-M B1.5.2). */
export const ExceptionNumber = {
  /** HardFault (3): an escalated configurable fault (HFSR.FORCED) or a vector table read error (HFSR.VECTTBL). */
  HardFault: 3,
  /** MemManage (4): an access the MPU (or the default map's XN) forbids. */
  MemManage: 4,
  /**
   * BusFault (5): an access nothing decodes, a write to read-only or fetch from non-executable memory, an unprivileged
   * PPB access.
   */
  BusFault: 5,
  /** UsageFault (6): in the model, UNALIGNED and (ARMv8-M) STKOF. */
  UsageFault: 6,
} as const;
/** One of {@link ExceptionNumber}'s values. */
export type ExceptionNumber = (typeof ExceptionNumber)[keyof typeof ExceptionNumber];

/** CFSR bits (MMFSR byte 0, BFSR byte 1, UFSR halfword 2). */
export const Cfsr = {
  /** MMFSR: instruction access violation (fetch from a region without execute permission or XN); MMFAR not valid. */
  IACCVIOL: 1 << 0,
  /** MMFSR: data access violation (load or store the MPU forbids); MMFAR holds the address. */
  DACCVIOL: 1 << 1,
  /** MMFSR: MemManage on exception return unstacking. */
  MUNSTKERR: 1 << 3,
  /** MMFSR: MemManage on exception entry stacking. */
  MSTKERR: 1 << 4,
  /** MMFSR: MemManage during lazy floating-point state preservation. */
  MLSPERR: 1 << 5,
  /** MMFSR: MMFAR holds the faulting address. */
  MMARVALID: 1 << 7,
  /** BFSR: bus error on an instruction fetch. */
  IBUSERR: 1 << 8,
  /** BFSR: precise data bus error; BFAR holds the address (with BFARVALID). */
  PRECISERR: 1 << 9,
  /** BFSR: imprecise data bus error (BFAR not valid). */
  IMPRECISERR: 1 << 10,
  /** BFSR: bus error on exception return unstacking. */
  UNSTKERR: 1 << 11,
  /** BFSR: bus error on exception entry stacking. */
  STKERR: 1 << 12,
  /** BFSR: bus error during lazy floating-point state preservation. */
  LSPERR: 1 << 13,
  /** BFSR: BFAR holds the faulting address. */
  BFARVALID: 1 << 15,
  /** UFSR: undefined instruction. */
  UNDEFINSTR: 1 << 16,
  /** UFSR: invalid EPSR state (e.g. T bit clear). */
  INVSTATE: 1 << 17,
  /** UFSR: invalid PC load (bad EXC_RETURN or exception return integrity check). */
  INVPC: 1 << 18,
  /** UFSR: coprocessor instruction with the coprocessor absent or disabled. */
  NOCP: 1 << 19,
  /** ARMv8-M: a stack pointer update below the stack limit (PSPLIM/MSPLIM). */
  STKOF: 1 << 20,
  /** UFSR: unaligned access trapped (CCR.UNALIGN_TRP, or an instruction that needs alignment). */
  UNALIGNED: 1 << 24,
  /** UFSR: SDIV/UDIV by zero with CCR.DIV_0_TRP set. */
  DIVBYZERO: 1 << 25,
} as const;

/** HFSR bits. */
export const Hfsr = {
  /** Bus error on a vector table read during exception processing. */
  VECTTBL: 1 << 1,
  /** A configurable fault (disabled or at insufficient priority) escalated to HardFault. */
  FORCED: 1 << 30,
  /** A debug event while halting debug is disabled. */
  DEBUGEVT: 1 << 31,
} as const;

/** Names of the set CFSR bits, lowest bit first (e.g. `["DACCVIOL", "MMARVALID"]`). */
export function decodeCfsr(cfsr: number): string[] {
  const names: string[] = [];
  for (const [name, bit] of Object.entries(Cfsr)) if ((cfsr & bit) !== 0) names.push(name);
  return names;
}

/** Names of the set HFSR bits. */
export function decodeHfsr(hfsr: number): string[] {
  const names: string[] = [];
  for (const [name, bit] of Object.entries(Hfsr)) if ((hfsr & bit) >>> 0 !== 0) names.push(name);
  return names;
}

/** Name of a fault exception number. */
export function exceptionName(n: number): string {
  switch (n) {
    case 3:
      return "HardFault";
    case 4:
      return "MemManage";
    case 5:
      return "BusFault";
    case 6:
      return "UsageFault";
    default:
      return `exception ${n}`;
  }
}

/**
 * Details of a {@link Fault}. On a core without fault status registers (ARMv6-M,
 * `faultStatusRegisters` false) `exception` is always HardFault and `hfsr` 0, while `cause`,
 * `cfsr` and `faultAddress` keep the model's classification: what an ARMv7-M core would record
 * for the same access, which no register of the ARMv6-M core holds (docs/fault-reports.md,
 * "ARMv6-M").
 */
export interface FaultInfo {
  /** The exception taken: the configurable fault, or 3 when it escalated to HardFault (always 3 on ARMv6-M). */
  readonly exception: ExceptionNumber;
  /** The configurable fault that was raised (4, 5 or 6), even when escalated (ARMv6-M: the model's classification). */
  readonly cause: ExceptionNumber;
  /** CFSR bits this fault set (the register may hold older bits too); ARMv6-M: the model's classification, in no register. */
  readonly cfsr: number;
  /** HFSR after the fault (FORCED set on escalation; 0 on ARMv6-M, which has no HFSR). */
  readonly hfsr: number;
  /** MMFAR or BFAR value when valid (MMARVALID / BFARVALID), else null; ARMv6-M: the model's, in no register. */
  readonly faultAddress: number | null;
  /** The access that faulted. */
  readonly access: AccessRecord;
  /** True when the fault happened at priority < 0 (HardFault/NMI): the core locks up. */
  readonly lockup: boolean;
  /**
   * Whether the core has the fault status and address registers (CFSR, HFSR, MMFAR, BFAR) that
   * hold `cfsr`, `hfsr` and `faultAddress`. Default true; false on ARMv6-M, where a handler sees
   * only the HardFault and its stacked frame.
   */
  readonly faultStatusRegisters?: boolean;
}

/**
 * A fault taken by the simulated core: thrown by the faulting access and latched on the core.
 * Carries the exception number, the CFSR bits (and their names), the fault address and the access.
 */
export class Fault extends Error implements FaultInfo {
  readonly exception: ExceptionNumber;
  override readonly cause: ExceptionNumber;
  readonly cfsr: number;
  readonly hfsr: number;
  readonly faultAddress: number | null;
  readonly access: AccessRecord;
  readonly lockup: boolean;
  /** See {@link FaultInfo.faultStatusRegisters} (false on ARMv6-M). */
  readonly faultStatusRegisters: boolean;
  /** Decoded names of {@link Fault.cfsr}. */
  readonly cfsrNames: readonly string[];

  constructor(info: FaultInfo) {
    const names = decodeCfsr(info.cfsr);
    const shown = names.length > 0 ? names : decodeHfsr(info.hfsr);
    const where = info.faultAddress === null ? "" : ` at 0x${info.faultAddress.toString(16).padStart(8, "0")}`;
    const registers = info.faultStatusRegisters ?? true;
    const esc =
      info.exception !== info.cause && !info.lockup && registers ? ` escalated to HardFault (HFSR.FORCED)` : "";
    const access = `${accessKindName(info.access.kind)} of ${info.access.size} byte(s) at 0x${info.access.address
      .toString(16)
      .padStart(8, "0")}`;
    super(
      registers
        ? `${info.lockup ? "Lockup: " : ""}${exceptionName(info.cause)} ${shown.join("|")}${where}${esc} on ${access}`
        : `${info.lockup ? "Lockup: " : ""}HardFault on ${access} (ARMv6-M: no fault status registers; the model's classification: ${exceptionName(
            info.cause,
          )} ${shown.join("|")}${where})`,
    );
    this.name = "Fault";
    this.exception = info.exception;
    this.cause = info.cause;
    this.cfsr = info.cfsr;
    this.hfsr = info.hfsr;
    this.faultAddress = info.faultAddress;
    this.access = Object.freeze({ ...info.access });
    this.lockup = info.lockup;
    this.faultStatusRegisters = registers;
    this.cfsrNames = Object.freeze(names);
    // Task code catches this object, and the kernel builds its fault record from it: frozen, the
    // record says what the core set.
    Object.freeze(this);
  }

  /** A plain JSON-able view. */
  toJSON(): Record<string, unknown> {
    return {
      exception: this.exception,
      exceptionName: exceptionName(this.exception),
      cause: exceptionName(this.cause),
      cfsr: this.cfsr,
      cfsrNames: this.cfsrNames,
      hfsr: this.hfsr,
      faultAddress: this.faultAddress,
      access: { ...this.access, kind: accessKindName(this.access.kind) },
      lockup: this.lockup,
      faultStatusRegisters: this.faultStatusRegisters,
      message: this.message,
    };
  }
}
