/**
 * What each CFSR and HFSR bit means, for fault reports (the human output, the HTML report and
 * the fault-report guide use the same words).
 */
export const CFSR_MEANING: Readonly<Record<string, string>> = {
  IACCVIOL: "MemManage: instruction fetch from a region without execute permission (or XN); MMFAR not valid",
  DACCVIOL: "MemManage: data access the MPU does not permit at this privilege",
  MUNSTKERR: "MemManage: exception return unstacking hit a region it may not read",
  MSTKERR: "MemManage: exception entry stacking hit a region it may not write",
  MLSPERR: "MemManage: lazy floating-point state preservation was not permitted",
  MMARVALID: "MMFAR holds the address of the faulting data access",
  IBUSERR: "BusFault: instruction fetch from memory that cannot execute (e.g. STM32F407 CCM)",
  PRECISERR: "BusFault: precise data bus error (unmapped address, store to flash, unprivileged SCS access)",
  IMPRECISERR: "BusFault: imprecise data bus error (BFAR not valid)",
  UNSTKERR: "BusFault: bus error while unstacking on exception return",
  STKERR: "BusFault: bus error while stacking on exception entry",
  LSPERR: "BusFault: bus error during lazy floating-point state preservation",
  BFARVALID: "BFAR holds the address of the faulting access",
  UNDEFINSTR: "UsageFault: undefined instruction",
  INVSTATE: "UsageFault: invalid EPSR state (e.g. Thumb bit clear)",
  INVPC: "UsageFault: invalid EXC_RETURN value on exception return",
  NOCP: "UsageFault: coprocessor access with the coprocessor disabled",
  STKOF: "UsageFault (ARMv8-M): stack pointer update below the stack limit (PSPLIM/MSPLIM); SP not updated",
  UNALIGNED: "UsageFault: unaligned access (CCR.UNALIGN_TRP set, or Device/Strongly-ordered memory, or LDM/STM)",
  DIVBYZERO: "UsageFault: division by zero with CCR.DIV_0_TRP set",
};

/** What each HFSR bit means. */
export const HFSR_MEANING: Readonly<Record<string, string>> = {
  VECTTBL: "HardFault: bus error reading the vector table",
  FORCED: "HardFault: a configurable fault escalated (disabled in SHCSR, or not allowed at this priority)",
  DEBUGEVT: "HardFault: debug event",
};
