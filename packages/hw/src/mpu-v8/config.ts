import { HwError, requireObject, requireRegionNumber } from "../errors.js";
import type { MpuRegionView } from "../mpu/view.js";
import {
  type AccessV8,
  AP_V8_NAMES,
  AP_V8_VALUES,
  type DeviceType,
  decodeMairAttr,
  RbarV8,
  Rlar,
  SH_NAMES,
} from "./fields.js";

/** SH[1:0] by the typed API's names. */
const SH_VALUES: Readonly<Record<NonNullable<MpuV8RegionSettings["shareability"]>, number>> = {
  "non-shareable": 0,
  outer: 2,
  inner: 3,
};

/** Settings of one PMSAv8 region through the typed API. */
export interface MpuV8RegionSettings {
  /** First address: a multiple of 32. */
  readonly base: number;
  /** Bytes: a multiple of 32, at least 32 (no power-of-two rule). */
  readonly size: number;
  /** AP[2:1]. PMSAv8 has no "none" and no "privileged RW, unprivileged RO". */
  readonly access: AccessV8;
  /** Instruction fetch allowed (XN = 0). Default false. */
  readonly executable?: boolean | undefined;
  /** ARMv8.1-M: privileged fetch forbidden (PXN = 1). Default false. */
  readonly privilegedExecuteNever?: boolean | undefined;
  /** AttrIndx: which MAIR attribute (0..7). Default 0. */
  readonly attrIndex?: number | undefined;
  /** SH for Normal memory. Default "non-shareable". */
  readonly shareability?: "non-shareable" | "outer" | "inner" | undefined;
  /** RLAR.EN. Default true. */
  readonly enabled?: boolean | undefined;
}

/** A PMSAv8 region as decoded from its registers (RBAR, RLAR and the MAIR attribute it selects). */
export interface Pmsav8RegionView extends MpuRegionView {
  readonly architecture: "pmsav8";
  readonly access: AccessV8;
  /** SH[1:0] by name ("reserved" for 01). */
  readonly shareability: (typeof SH_NAMES)[number];
  /** AP[2:1]. */
  readonly ap: number;
  /** RLAR.PXN (always false on ARMv8.0-M, where it is RES0). */
  readonly pxn: boolean;
  /** RLAR.AttrIndx, 0..7. */
  readonly attrIndex: number;
  /** The MAIR attribute byte AttrIndx selects. */
  readonly attr: number;
  /** The Device type, or null for Normal memory. */
  readonly device: DeviceType | null;
  /** MPU_RBAR as stored. */
  readonly rbar: number;
  /** MPU_RLAR as stored. */
  readonly rlar: number;
}

/**
 * Validates typed settings and encodes them as RBAR and RLAR values. Throws {@link HwError}
 * naming the field (`MPU_REGION_NUMBER`, `MPU_ALIGNMENT`, `MPU_SIZE`, `MPU_FIELD_RESERVED`);
 * nothing is written by the caller on error.
 *
 * @param region - The region number, 0..regionCount-1.
 * @param regionCount - The MPU's DREGION (`mpu.regionCount`).
 * @param s - The region's settings.
 * @param pxnImplemented - Whether RLAR.PXN exists (ARMv8.1-M: `CORE_PROFILES[board.core].pxn`);
 *   `privilegedExecuteNever` without it is `MPU_FIELD_RESERVED`.
 *
 * @example
 * ```ts
 * import { CORE_PROFILES, createMachine, encodeRegionV8, MpuV8Reg, STM32U585 } from "@rtos-sim/hw";
 * const m = createMachine(STM32U585);
 * const pxn = CORE_PROFILES[m.board.core].pxn;
 * console.log(pxn); // false
 * // false: a Cortex-M33 has no PXN bit
 * const { rbar, rlar } = encodeRegionV8(0, m.mpu.regionCount, { base: 0x20000000, size: 0x100, access: "rw" }, pxn);
 * m.core.write32(MpuV8Reg.RNR, 0);
 * m.core.write32(MpuV8Reg.RBAR, rbar);
 * m.core.write32(MpuV8Reg.RLAR, rlar);
 * ```
 */
export function encodeRegionV8(
  region: number,
  regionCount: number,
  s: MpuV8RegionSettings,
  pxnImplemented: boolean,
): {
  /** MPU_RBAR: BASE, SH, AP, XN. */
  rbar: number;
  /** MPU_RLAR: LIMIT (base + size - 32), PXN, AttrIndx, EN. */
  rlar: number;
} {
  requireObject(s, "MPU region settings");
  requireRegionNumber(region, regionCount);
  if (!Number.isInteger(s.base) || s.base < 0 || s.base > 0xffffffff || s.base % 32 !== 0) {
    throw new HwError(
      "MPU_ALIGNMENT",
      `RBAR.BASE: base ${Number.isInteger(s.base) && s.base >= 0 ? `0x${s.base.toString(16)}` : String(s.base)} must be a 32-bit multiple of 32`,
      {
        field: "RBAR.BASE",
        value: s.base,
        region,
      },
    );
  }
  if (!Number.isInteger(s.size) || s.size < 32 || s.size % 32 !== 0 || s.base + s.size > 2 ** 32) {
    throw new HwError("MPU_SIZE", `RLAR.LIMIT: size ${String(s.size)} must be a multiple of 32 within 4 GiB`, {
      field: "RLAR.LIMIT",
      value: s.size,
      region,
    });
  }
  // Own names only: "toString" or "constructor" would find Object.prototype's and encode as 0.
  const ap = Object.hasOwn(AP_V8_VALUES, s.access) ? AP_V8_VALUES[s.access] : undefined;
  if (ap === undefined) {
    throw new HwError("MPU_FIELD_RESERVED", `RBAR.AP: PMSAv8 cannot encode access "${String(s.access)}"`, {
      field: "RBAR.AP",
      value: s.access,
      region,
    });
  }
  const attrIndex = s.attrIndex ?? 0;
  if (!Number.isInteger(attrIndex) || attrIndex < 0 || attrIndex > 7) {
    throw new HwError("MPU_FIELD_RESERVED", `RLAR.AttrIndx must be 0..7, got ${String(attrIndex)}`, {
      field: "RLAR.AttrIndx",
      value: attrIndex,
      region,
    });
  }
  if (s.privilegedExecuteNever && !pxnImplemented) {
    throw new HwError("MPU_FIELD_RESERVED", "RLAR.PXN is RES0 on ARMv8.0-M (it exists from ARMv8.1-M)", {
      field: "RLAR.PXN",
      value: true,
      region,
    });
  }
  const shName = s.shareability ?? "non-shareable";
  const sh = Object.hasOwn(SH_VALUES, shName) ? SH_VALUES[shName] : undefined;
  if (sh === undefined) {
    throw new HwError("MPU_FIELD_RESERVED", `RBAR.SH: unknown shareability ${JSON.stringify(s.shareability)}`, {
      field: "RBAR.SH",
      value: s.shareability,
      region,
    });
  }
  let rbar = s.base | (sh << RbarV8.SH_SHIFT) | (ap << RbarV8.AP_SHIFT);
  if (!s.executable) rbar |= RbarV8.XN;
  let rlar = ((s.base + s.size - 32) & Rlar.LIMIT_MASK) | (attrIndex << Rlar.ATTRINDX_SHIFT);
  if (s.privilegedExecuteNever) rlar |= Rlar.PXN;
  if (s.enabled ?? true) rlar |= Rlar.EN;
  return { rbar: rbar >>> 0, rlar: rlar >>> 0 };
}

/** Decodes a PMSAv8 region from RBAR, RLAR and the MAIR attribute its AttrIndx selects. */
export function decodeRegionV8(number: number, rbar: number, rlar: number, attr: number): Pmsav8RegionView {
  const base = (rbar & RbarV8.BASE_MASK) >>> 0;
  const limit = (rlar | 0x1f) >>> 0;
  const ap = (rbar & RbarV8.AP_MASK) >>> RbarV8.AP_SHIFT;
  const m = decodeMairAttr(attr);
  const sh = (rbar & RbarV8.SH_MASK) >>> RbarV8.SH_SHIFT;
  return {
    architecture: "pmsav8",
    number,
    enabled: (rlar & Rlar.EN) !== 0,
    base,
    size: limit >= base ? limit - base + 1 : 0,
    limit,
    access: AP_V8_NAMES[ap]!,
    ap,
    xn: (rbar & RbarV8.XN) !== 0,
    pxn: (rlar & Rlar.PXN) !== 0,
    shareability: SH_NAMES[sh]!,
    attrIndex: (rlar & Rlar.ATTRINDX_MASK) >>> Rlar.ATTRINDX_SHIFT,
    attr: attr & 0xff,
    device: m.device,
    attributes: m.device === null ? { ...m.attributes, shareable: sh >= 2 } : m.attributes,
    srd: 0,
    subregions: null,
    rbar: rbar >>> 0,
    rlar: rlar >>> 0,
  };
}
