import type { MpuArchitecture } from "../mpu/view.js";

/** What the model needs to know of a CPU core (one entry per core in {@link CORE_PROFILES}). */
export interface CoreProfile {
  /** The architecture the core implements. */
  readonly architecture: "ARMv6-M" | "ARMv7-M" | "ARMv7E-M" | "ARMv8-M Mainline" | "ARMv8.1-M Mainline";
  /**
   * Its MPU: PMSAv7 (ARMv7-M, and ARMv6-M's PMSAv6, which has PMSAv7's register layout without
   * the alias registers and with 256-byte regions at least: see {@link CoreProfile.mpuAliases}
   * and {@link CoreProfile.mpuMinRegionSize}) or PMSAv8 (ARMv8-M).
   */
  readonly mpu: MpuArchitecture;
  /**
   * Whether the MPU has the alias registers RBAR_A1..A3 and RASR_A1..A3 (PMSAv7) or
   * RBAR_A1..A3 and RLAR_A1..A3 (PMSAv8), through which one STM programs up to four regions.
   * False on ARMv6-M (PMSAv6): those addresses are reserved (read as zero, writes ignored in the
   * model; docs/mpu-model.md, "ARMv6-M"), and a region is programmed through RBAR and RASR.
   */
  readonly mpuAliases: boolean;
  /**
   * The smallest MPU region in bytes: 32 (PMSAv7 RASR.SIZE >= 4, PMSAv8's 32-byte granule), 256
   * on ARMv6-M (PMSAv6: RASR.SIZE >= 7; a smaller SIZE is UNPREDICTABLE and the model ignores the
   * region, as it does PMSAv7's SIZE < 4).
   */
  readonly mpuMinRegionSize: 32 | 256;
  /**
   * Whether the core has the configurable faults (MemManage, BusFault, UsageFault) with SHCSR's
   * enables, SHPR1 and the fault status and address registers CFSR, HFSR, MMFAR and BFAR. False
   * on ARMv6-M: every fault is a HardFault, none of those registers exists (their SCB addresses
   * read as zero and ignore writes in the model), and a handler learns nothing but the
   * exception and its stacked frame (docs/fault-reports.md, "ARMv6-M").
   */
  readonly configurableFaults: boolean;
  /**
   * Implemented bits of each exception priority field (the top bits of the byte): 4 in the
   * model for the ARMv7-M and ARMv8-M cores (as on the STM32 parts), 2 on the Cortex-M0+ (four
   * levels: 0x00, 0x40, 0x80, 0xC0).
   */
  readonly priorityBits: 2 | 4;
  /** MPU regions when the board does not say (DREGION is a build-time option of the chip). */
  readonly mpuRegions: 8 | 16;
  /** CPUID: implementer 0x41 (Arm), variant, architecture 0xF, part number, revision. */
  readonly cpuid: number;
  /** CCR bits software can write. */
  readonly ccrWritable: number;
  /** CCR bits that always read as one (RES1). */
  readonly ccrFixed: number;
  /** Whether the core has the stack limit registers PSPLIM and MSPLIM (ARMv8-M Mainline). */
  readonly stackLimits: boolean;
  /** Whether MPU_RLAR.PXN exists (ARMv8.1-M); RES0 on ARMv8.0-M. */
  readonly pxn: boolean;
  /**
   * MMFAR and BFAR are one physical register on the Arm cores the model knows; what a second fault
   * does to it differs. `"overwrite"` (Cortex-M3, M4, M7): a fault that records an address
   * replaces the register and clears the other fault's valid bit, so MMARVALID and BFARVALID are
   * never set together (the Generic User Guides of BFARVALID: "other faults can set this bit to 0,
   * such as a MemManage fault occurring later"). `"hold"` (Cortex-M33, M55): while MMARVALID or
   * BFARVALID is set, a fault records no address and does not set its valid bit; the handler
   * clears the valid bit before the register can take another address (Cortex-M33 fault address
   * register, as TI's CC13x4 technical reference manual describes it). `"none"` (ARMv6-M): there
   * is no fault address register.
   */
  readonly faultAddressRegister: "overwrite" | "hold" | "none";
  /**
   * Whether the core offers bit-banding as an implementation option (Cortex-M3 and M4; a board
   * says whether its chip has it, `BoardSpec.bitBand`; docs/bit-banding.md).
   */
  readonly bitBandOption: boolean;
}

/**
 * The cores the model knows. Cortex-M0+ (ARMv6-M, PMSAv6: PMSAv7's registers without the aliases,
 * 256-byte regions at least; no configurable faults and no fault status registers: every fault
 * is a HardFault; CCR read-only with UNALIGN_TRP and STKALIGN set), Cortex-M3/M4/M7 (ARMv7-M, PMSAv7; CCR.STKALIGN writable, reset 1),
 * Cortex-M33 (ARMv8-M Mainline, PMSAv8, CCR bit 0 and STKALIGN RES1, CCR.STKOFHFNMIGN) and Cortex-M55
 * (ARMv8.1-M Mainline: also MPU_RLAR.PXN; CCR.DC/IC/BP as on the Cortex-M7). CPUID values are
 * the TRMs' (M0+ r0p1 as on the RP2040, M3 r2p1, M4 r0p1, M7 r1p2, M33 r0p4, M55 r1p0). MMFAR and BFAR are one register on
 * all of them (see {@link CoreProfile.faultAddressRegister}).
 */
export const CORE_PROFILES = {
  /**
   * Cortex-M0+ r0p1: ARMv6-M with the optional MPU (PMSAv6, 8 regions) and the
   * unprivileged/privileged extension, as the RP2040 configures it (docs/mpu-model.md, "ARMv6-M").
   */
  "cortex-m0plus": {
    /** ARMv6-M. */
    architecture: "ARMv6-M",
    /** MPU: PMSAv6, modelled as PMSAv7 without the alias registers and with 256-byte regions at least. */
    mpu: "pmsav7",
    /** No RBAR_A1..A3 / RASR_A1..A3: reserved addresses on ARMv6-M. */
    mpuAliases: false,
    /** Smallest MPU region: 256 bytes (RASR.SIZE >= 7). */
    mpuMinRegionSize: 256,
    /** No MemManage, BusFault, UsageFault, SHCSR, SHPR1, CFSR, HFSR, MMFAR, BFAR: every fault is a HardFault. */
    configurableFaults: false,
    /** Priority fields keep 2 bits (PRI[7:6]). */
    priorityBits: 2,
    /** MPU region count (DREGION): 8 when the MPU is implemented. */
    mpuRegions: 8,
    /** CPUID 0x410CC601: Arm, r0p1, architecture 0xC (ARMv6-M), part 0xC60. */
    cpuid: 0x410cc601,
    /** CCR is read-only on ARMv6-M. */
    ccrWritable: 0,
    /** CCR.STKALIGN and CCR.UNALIGN_TRP always read as one: CCR is 0x00000208 (every unaligned halfword or word access faults). */
    ccrFixed: 0x00000208,
    /** No PSPLIM/MSPLIM. */
    stackLimits: false,
    /** No PXN (PMSAv6). */
    pxn: false,
    /** No fault address register. */
    faultAddressRegister: "none",
    /** No bit-banding. */
    bitBandOption: false,
  },
  /** Cortex-M3 r2p1: ARMv7-M, PMSAv7, 8 MPU regions. */
  "cortex-m3": {
    /** ARMv7-M. */
    architecture: "ARMv7-M",
    /** MPU: PMSAv7. */
    mpu: "pmsav7",
    /** MPU alias registers RBAR_A1..A3 present. */
    mpuAliases: true,
    /** Smallest MPU region: 32 bytes. */
    mpuMinRegionSize: 32,
    /** MemManage, BusFault, UsageFault and their status registers present. */
    configurableFaults: true,
    /** Priority fields keep 4 bits (PRI[7:4]). */
    priorityBits: 4,
    /** Default MPU region count (DREGION): 8. */
    mpuRegions: 8,
    /** CPUID 0x412FC231: Arm, r2p1, part 0xC23. */
    cpuid: 0x412fc231,
    /** Writable CCR bits: NONBASETHRDENA, USERSETMPEND, UNALIGN_TRP, DIV_0_TRP, BFHFNMIGN, STKALIGN. */
    ccrWritable: 0x0000031b,
    /** No CCR bit is RES1. */
    ccrFixed: 0,
    /** No PSPLIM/MSPLIM. */
    stackLimits: false,
    /** No PXN (PMSAv7). */
    pxn: false,
    /** MMFAR and BFAR: one register, the last fault's address. */
    faultAddressRegister: "overwrite",
    /** Bit-banding: an implementation option of the core. */
    bitBandOption: true,
  },
  /** Cortex-M4 r0p1: ARMv7E-M, PMSAv7, 8 MPU regions. */
  "cortex-m4": {
    /** ARMv7E-M (DSP extension). */
    architecture: "ARMv7E-M",
    /** MPU: PMSAv7. */
    mpu: "pmsav7",
    /** MPU alias registers RBAR_A1..A3 present. */
    mpuAliases: true,
    /** Smallest MPU region: 32 bytes. */
    mpuMinRegionSize: 32,
    /** MemManage, BusFault, UsageFault and their status registers present. */
    configurableFaults: true,
    /** Priority fields keep 4 bits (PRI[7:4]). */
    priorityBits: 4,
    /** Default MPU region count (DREGION): 8. */
    mpuRegions: 8,
    /** CPUID 0x410FC241: Arm, r0p1, part 0xC24. */
    cpuid: 0x410fc241,
    /** Writable CCR bits: NONBASETHRDENA, USERSETMPEND, UNALIGN_TRP, DIV_0_TRP, BFHFNMIGN, STKALIGN. */
    ccrWritable: 0x0000031b,
    /** No CCR bit is RES1. */
    ccrFixed: 0,
    /** No PSPLIM/MSPLIM. */
    stackLimits: false,
    /** No PXN (PMSAv7). */
    pxn: false,
    /** MMFAR and BFAR: one register, the last fault's address. */
    faultAddressRegister: "overwrite",
    /** Bit-banding: an implementation option of the core. */
    bitBandOption: true,
  },
  /** Cortex-M7 r1p2: ARMv7E-M, PMSAv7, 16 MPU regions by default (8 or 16 on silicon). */
  "cortex-m7": {
    /** ARMv7E-M (DSP extension). */
    architecture: "ARMv7E-M",
    /** MPU: PMSAv7. */
    mpu: "pmsav7",
    /** MPU alias registers RBAR_A1..A3 present. */
    mpuAliases: true,
    /** Smallest MPU region: 32 bytes. */
    mpuMinRegionSize: 32,
    /** MemManage, BusFault, UsageFault and their status registers present. */
    configurableFaults: true,
    /** Priority fields keep 4 bits (PRI[7:4]). */
    priorityBits: 4,
    /** Default MPU region count (DREGION): 16. */
    mpuRegions: 16,
    /** CPUID 0x411FC272: Arm, r1p2, part 0xC27. */
    cpuid: 0x411fc272,
    /** Writable CCR bits: the Cortex-M4's plus DC, IC and BP (cache and branch predictor enables). */
    ccrWritable: 0x0007031b,
    /** No CCR bit is RES1. */
    ccrFixed: 0,
    /** No PSPLIM/MSPLIM. */
    stackLimits: false,
    /** No PXN (PMSAv7). */
    pxn: false,
    /** MMFAR and BFAR: one register, the last fault's address. */
    faultAddressRegister: "overwrite",
    /** No bit-banding. */
    bitBandOption: false,
  },
  /** Cortex-M33 r0p4: ARMv8-M Mainline, PMSAv8, 8 MPU regions. */
  "cortex-m33": {
    /** ARMv8-M Mainline. */
    architecture: "ARMv8-M Mainline",
    /** MPU: PMSAv8. */
    mpu: "pmsav8",
    /** MPU alias registers RBAR_A1..A3 present. */
    mpuAliases: true,
    /** Smallest MPU region: 32 bytes. */
    mpuMinRegionSize: 32,
    /** MemManage, BusFault, UsageFault and their status registers present. */
    configurableFaults: true,
    /** Priority fields keep 4 bits (PRI[7:4]). */
    priorityBits: 4,
    /** Default MPU region count (DREGION): 8. */
    mpuRegions: 8,
    /** CPUID 0x410FD214: Arm, r0p4, part 0xD21. */
    cpuid: 0x410fd214,
    /** Writable CCR bits: USERSETMPEND, UNALIGN_TRP, DIV_0_TRP, BFHFNMIGN, STKOFHFNMIGN. */
    ccrWritable: 0x0000051a,
    /** CCR bit 0 (ARMv7-M's NONBASETHRDENA) and STKALIGN are RES1: CCR resets to 0x00000201. */
    ccrFixed: 0x00000201,
    /** Has PSPLIM/MSPLIM. */
    stackLimits: true,
    /** No PXN (ARMv8.0-M: RLAR bit 4 is RES0). */
    pxn: false,
    /** MMFAR and BFAR: one register, held while a valid bit is set. */
    faultAddressRegister: "hold",
    /** No bit-banding. */
    bitBandOption: false,
  },
  /** Cortex-M55 r1p0: ARMv8.1-M Mainline, PMSAv8 with PXN, 8 MPU regions. */
  "cortex-m55": {
    /** ARMv8.1-M Mainline. */
    architecture: "ARMv8.1-M Mainline",
    /** MPU: PMSAv8. */
    mpu: "pmsav8",
    /** MPU alias registers RBAR_A1..A3 present. */
    mpuAliases: true,
    /** Smallest MPU region: 32 bytes. */
    mpuMinRegionSize: 32,
    /** MemManage, BusFault, UsageFault and their status registers present. */
    configurableFaults: true,
    /** Priority fields keep 4 bits (PRI[7:4]). */
    priorityBits: 4,
    /** Default MPU region count (DREGION): 8. */
    mpuRegions: 8,
    /** CPUID 0x411FD220: Arm, r1p0, part 0xD22. */
    cpuid: 0x411fd220,
    /** Writable CCR bits: the Cortex-M33's plus DC, IC and BP. */
    ccrWritable: 0x0007051a,
    /** CCR bit 0 (ARMv7-M's NONBASETHRDENA) and STKALIGN are RES1: CCR resets to 0x00000201. */
    ccrFixed: 0x00000201,
    /** Has PSPLIM/MSPLIM. */
    stackLimits: true,
    /** Has MPU_RLAR.PXN. */
    pxn: true,
    /** MMFAR and BFAR: one register, held while a valid bit is set (as on the Cortex-M33: a project choice). */
    faultAddressRegister: "hold",
    /** No bit-banding. */
    bitBandOption: false,
  },
} as const satisfies Record<string, CoreProfile>;

/** CPU cores the model knows. */
export type CoreKind = keyof typeof CORE_PROFILES;

/** The MPU architecture of a core (a union when the core is not known statically). */
export type MpuOf<C extends CoreKind> = (typeof CORE_PROFILES)[C]["mpu"];

/**
 * The name of a core's protected memory system architecture, as a person reads it: `"PMSAv6"`
 * (ARMv6-M: the `"pmsav7"` register layout, without aliases, TEX or regions below 256 bytes),
 * `"PMSAv7"` or `"PMSAv8"`.
 */
export function pmsaName(core: CoreKind): "PMSAv6" | "PMSAv7" | "PMSAv8" {
  const p: CoreProfile = CORE_PROFILES[core];
  if (p.mpu === "pmsav8") return "PMSAv8";
  return p.architecture === "ARMv6-M" ? "PMSAv6" : "PMSAv7";
}
