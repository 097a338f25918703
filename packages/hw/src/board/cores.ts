import type { MpuArchitecture } from "../mpu/view.js";

/** What the model needs to know of a CPU core (one entry per core in {@link CORE_PROFILES}). */
export interface CoreProfile {
  /** The architecture the core implements. */
  readonly architecture: "ARMv7-M" | "ARMv7E-M" | "ARMv8-M Mainline" | "ARMv8.1-M Mainline";
  /** Its MPU: PMSAv7 (ARMv7-M) or PMSAv8 (ARMv8-M). */
  readonly mpu: MpuArchitecture;
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
}

/**
 * The cores the model knows. Cortex-M3/M4/M7 (ARMv7-M, PMSAv7; CCR.STKALIGN writable, reset 1),
 * Cortex-M33 (ARMv8-M Mainline, PMSAv8, CCR.STKALIGN RES1, CCR.STKOFHFNMIGN) and Cortex-M55
 * (ARMv8.1-M Mainline: also MPU_RLAR.PXN; CCR.DC/IC/BP as on the Cortex-M7). CPUID values are
 * the TRMs' (M3 r2p1, M4 r0p1, M7 r1p2, M33 r0p4, M55 r1p0).
 */
export const CORE_PROFILES = {
  "cortex-m3": {
    architecture: "ARMv7-M",
    mpu: "pmsav7",
    mpuRegions: 8,
    cpuid: 0x412fc231,
    ccrWritable: 0x0000031b,
    ccrFixed: 0,
    stackLimits: false,
    pxn: false,
  },
  "cortex-m4": {
    architecture: "ARMv7E-M",
    mpu: "pmsav7",
    mpuRegions: 8,
    cpuid: 0x410fc241,
    ccrWritable: 0x0000031b,
    ccrFixed: 0,
    stackLimits: false,
    pxn: false,
  },
  "cortex-m7": {
    architecture: "ARMv7E-M",
    mpu: "pmsav7",
    mpuRegions: 16,
    cpuid: 0x411fc272,
    ccrWritable: 0x0007031b,
    ccrFixed: 0,
    stackLimits: false,
    pxn: false,
  },
  "cortex-m33": {
    architecture: "ARMv8-M Mainline",
    mpu: "pmsav8",
    mpuRegions: 8,
    cpuid: 0x410fd214,
    ccrWritable: 0x0000051a,
    ccrFixed: 0x00000200,
    stackLimits: true,
    pxn: false,
  },
  "cortex-m55": {
    architecture: "ARMv8.1-M Mainline",
    mpu: "pmsav8",
    mpuRegions: 8,
    cpuid: 0x411fd220,
    ccrWritable: 0x0007051a,
    ccrFixed: 0x00000200,
    stackLimits: true,
    pxn: true,
  },
} as const satisfies Record<string, CoreProfile>;

/** CPU cores the model knows. */
export type CoreKind = keyof typeof CORE_PROFILES;

/** The MPU architecture of a core (a union when the core is not known statically). */
export type MpuOf<C extends CoreKind> = (typeof CORE_PROFILES)[C]["mpu"];
