import type { MemoryTypeSetting } from "../mpu/config.js";
import type { MemoryAttributes } from "../mpu/fields.js";
import { Perm } from "../mpu/perm.js";

/** PMSAv8 MPU register addresses in the System Control Space (the Secure MPU; ARMv8-M ARM D1.2). */
export const MpuV8Reg = {
  /** MPU_TYPE (read-only): DREGION[15:8], the number of regions. */
  TYPE: 0xe000ed90,
  /** MPU_CTRL: ENABLE, HFNMIENA, PRIVDEFENA (the PMSAv7 bits, see {@link MpuCtrl}). */
  CTRL: 0xe000ed94,
  /** MPU_RNR: the region MPU_RBAR and MPU_RLAR select (and the base of the aliases' group of four). */
  RNR: 0xe000ed98,
  /** MPU_RBAR: BASE, SH, AP, XN of region RNR (see {@link RbarV8}). */
  RBAR: 0xe000ed9c,
  /** MPU_RLAR: LIMIT, PXN, AttrIndx, EN of region RNR (see {@link Rlar}). */
  RLAR: 0xe000eda0,
  /** MPU_RBAR_A1: MPU_RBAR of region RNR[7:2]:1. */
  RBAR_A1: 0xe000eda4,
  /** MPU_RLAR_A1: MPU_RLAR of region RNR[7:2]:1. */
  RLAR_A1: 0xe000eda8,
  /** MPU_RBAR_A2: MPU_RBAR of region RNR[7:2]:2. */
  RBAR_A2: 0xe000edac,
  /** MPU_RLAR_A2: MPU_RLAR of region RNR[7:2]:2. */
  RLAR_A2: 0xe000edb0,
  /** MPU_RBAR_A3: MPU_RBAR of region RNR[7:2]:3. */
  RBAR_A3: 0xe000edb4,
  /** MPU_RLAR_A3: MPU_RLAR of region RNR[7:2]:3. */
  RLAR_A3: 0xe000edb8,
  /** MPU_MAIR0: memory attributes Attr0..Attr3 (one byte each, Attr0 in bits [7:0]). */
  MAIR0: 0xe000edc0,
  /** MPU_MAIR1: memory attributes Attr4..Attr7. */
  MAIR1: 0xe000edc4,
} as const;

/** MPU_RBAR fields (PMSAv8): BASE[31:5], SH[4:3], AP[2:1], XN[0]. */
export const RbarV8 = {
  /** XN: execute-never. */
  XN: 1 << 0,
  /** Position of AP[2:1]: 00 privileged RW, 01 RW, 10 privileged RO, 11 RO (see {@link AP_V8_NAMES}). */
  AP_SHIFT: 1,
  /** AP field, bits [2:1]. */
  AP_MASK: 0x3 << 1,
  /** Position of SH, the shareability of Normal memory (see {@link SH_NAMES}). */
  SH_SHIFT: 3,
  /** SH field, bits [4:3]. */
  SH_MASK: 0x3 << 3,
  /** BASE, bits [31:5]: the region's first address (32-byte aligned). */
  BASE_MASK: 0xffffffe0,
} as const;

/** MPU_RLAR fields: LIMIT[31:5], PXN[4] (ARMv8.1-M; RES0 on ARMv8.0-M), AttrIndx[3:1], EN[0]. */
export const Rlar = {
  /** EN: the region is enabled. */
  EN: 1 << 0,
  /** Position of AttrIndx: which MAIR attribute (0..7) the region uses. */
  ATTRINDX_SHIFT: 1,
  /** AttrIndx field, bits [3:1]. */
  ATTRINDX_MASK: 0x7 << 1,
  /** PXN (ARMv8.1-M): privileged execute-never. */
  PXN: 1 << 4,
  /** LIMIT, bits [31:5]: the region's last address is LIMIT:0x1F (inclusive). */
  LIMIT_MASK: 0xffffffe0,
} as const;

/** The bits of MPU_RLAR that exist (read back): PXN only on ARMv8.1-M. */
export function rlarDefined(pxn: boolean): number {
  return pxn ? 0xffffffff : 0xffffffef;
}

/** The accesses PMSAv8's AP[2:1] encodes: 00 privileged RW, 01 RW, 10 privileged RO, 11 RO. */
export type AccessV8 = "priv-rw" | "rw" | "priv-ro" | "ro";

/** AP[2:1] value to name. */
export const AP_V8_NAMES: readonly AccessV8[] = ["priv-rw", "rw", "priv-ro", "ro"];

/** Name to AP[2:1] value. */
export const AP_V8_VALUES: Readonly<Record<AccessV8, number>> = { "priv-rw": 0, rw: 1, "priv-ro": 2, ro: 3 };

/** Read/write permission bits of an AP[2:1] value (no fetch bits). */
export function apV8Perm(ap: number): number {
  switch (ap & 3) {
    case 0:
      return Perm.PR | Perm.PW;
    case 1:
      return Perm.PR | Perm.PW | Perm.UR | Perm.UW;
    case 2:
      return Perm.PR;
    default:
      return Perm.PR | Perm.UR;
  }
}

/** Shareability names of SH[1:0] (01 is reserved). */
export const SH_NAMES = ["non-shareable", "reserved", "outer", "inner"] as const;

/** The Device memory types of MAIR `0b0000dd00`. */
export type DeviceType = "nGnRnE" | "nGnRE" | "nGRE" | "GRE";

const DEVICE_TYPES: readonly DeviceType[] = ["nGnRnE", "nGnRE", "nGRE", "GRE"];

/** One MAIR attribute (8 bits) decoded. */
export interface MairAttribute {
  /** Memory type and cache policy (Device-nGnRnE shows as "strongly-ordered", its ARMv7 name). */
  readonly attributes: MemoryAttributes;
  /** The Device type, or null for Normal memory. */
  readonly device: DeviceType | null;
  /**
   * An UNPREDICTABLE encoding (`0b0000dd01/10/11`, or a non-zero outer nibble with inner
   * `0b0000`): the project treats it as Device-nGnRnE (docs/mpu-model.md).
   */
  readonly unpredictable: boolean;
}

/** A Normal-memory cache policy nibble (outer or inner) by name. */
function policy(n: number): string {
  if (n === 0b0100) return "non-cacheable";
  const kind = n & 0b0100 ? "write-back" : "write-through";
  const transient = (n & 0b1000) === 0 ? " transient" : "";
  const r = (n & 0b10) !== 0;
  const w = (n & 0b01) !== 0;
  const alloc = r && w ? "read and write allocate" : r ? "read allocate" : w ? "write allocate" : "no allocate";
  return `${kind}${transient}, ${alloc}`;
}

/** Decodes a MAIR attribute: `0b0000dd00` Device, otherwise `oooo:iiii` Normal (ARMv8-M ARM B8.2). */
export function decodeMairAttr(attr: number): MairAttribute {
  const a = attr & 0xff;
  const outer = a >>> 4;
  const inner = a & 0xf;
  if (outer === 0) {
    const dd = (a >>> 2) & 3;
    const unpredictable = (a & 3) !== 0;
    const device = unpredictable ? "nGnRnE" : DEVICE_TYPES[dd]!;
    const type = device === "nGnRnE" ? "strongly-ordered" : "device";
    return {
      attributes: { type, shareable: true, inner: null, outer: null, reserved: unpredictable },
      device,
      unpredictable,
    };
  }
  if (inner === 0) {
    return {
      attributes: { type: "strongly-ordered", shareable: true, inner: null, outer: null, reserved: true },
      device: "nGnRnE",
      unpredictable: true,
    };
  }
  return {
    attributes: { type: "normal", shareable: false, inner: policy(inner), outer: policy(outer), reserved: false },
    device: null,
    unpredictable: false,
  };
}

/**
 * MAIR attributes for the memory types of the typed API (ARMv7 names): Normal write-back
 * non-transient (read-allocate `0xEE`, read and write allocate `0xFF`), write-through `0xAA`,
 * non-cacheable `0x44`, Device-nGnRE `0x04` (ARMv7 Device, shareable or not: SH is ignored for
 * Device memory), Device-nGnRnE `0x00` (ARMv7 Strongly-ordered).
 */
export const MAIR_OF: Readonly<Record<MemoryTypeSetting, number>> = {
  "normal-wb": 0xee,
  "normal-wbwa": 0xff,
  "normal-wt": 0xaa,
  "normal-nc": 0x44,
  device: 0x04,
  "device-nonshareable": 0x04,
  "strongly-ordered": 0x00,
};

/**
 * The permission byte of a region from its RBAR and RLAR and the MAIR attribute it selects
 * (before the system-space execute-never rule). A fetch needs read permission, XN = 0, PXN = 0
 * when privileged, and Normal memory (a fetch from Device memory is UNPREDICTABLE: the project
 * makes Device memory execute-never).
 */
export function regionV8Perm(rbar: number, rlar: number, attr: number): number {
  const rw = apV8Perm((rbar & RbarV8.AP_MASK) >>> RbarV8.AP_SHIFT);
  const { device } = decodeMairAttr(attr);
  let p = rw;
  if (device !== null) return p | Perm.DEVICE;
  if ((rbar & RbarV8.XN) === 0) {
    if (rw & Perm.PR && (rlar & Rlar.PXN) === 0) p |= Perm.PX;
    if (rw & Perm.UR) p |= Perm.UX;
  }
  return p;
}
