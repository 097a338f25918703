import { HwError, requireObject, requireRegionNumber } from "../errors.js";
import { floorLog2, isPowerOfTwo } from "../pow2.js";
import { type AccessPermission, AP_NAMES, AP_VALUES, decodeMemoryAttributes, Rasr } from "./fields.js";
import type { MpuRegionView } from "./view.js";

/** Memory type names accepted by the typed API (TEX/C/B/S encodings of table B3-13). */
export type MemoryTypeSetting =
  | "strongly-ordered"
  | "device"
  | "device-nonshareable"
  | "normal-wt"
  | "normal-wb"
  | "normal-nc"
  | "normal-wbwa";

const TYPE_BITS: Record<MemoryTypeSetting, { tex: number; c: boolean; b: boolean }> = {
  "strongly-ordered": { tex: 0, c: false, b: false },
  device: { tex: 0, c: false, b: true },
  "device-nonshareable": { tex: 2, c: false, b: false },
  "normal-wt": { tex: 0, c: true, b: false },
  "normal-wb": { tex: 0, c: true, b: true },
  "normal-nc": { tex: 1, c: false, b: false },
  "normal-wbwa": { tex: 1, c: true, b: true },
};

/**
 * What a PMSAv7-layout MPU implements: ARMv7-M's PMSAv7, or ARMv6-M's PMSAv6 (no alias registers,
 * regions of 256 bytes at least, no TEX field). docs/mpu-model.md, "ARMv6-M".
 */
export interface Pmsav7Variant {
  /** RBAR_A1..A3 and RASR_A1..A3 exist (false on ARMv6-M: reserved addresses, read as zero, writes ignored). */
  readonly aliases: boolean;
  /** The smallest region: 32 bytes (RASR.SIZE >= 4), 256 on ARMv6-M (RASR.SIZE >= 7). */
  readonly minRegionSize: 32 | 256;
  /** RASR.TEX exists (false on ARMv6-M: RASR bits [21:19] read as zero and ignore writes). */
  readonly tex: boolean;
}

/** ARMv7-M's PMSAv7: aliases, 32-byte regions, TEX. */
export const PMSAV7: Pmsav7Variant = Object.freeze({ aliases: true, minRegionSize: 32, tex: true });

/** ARMv6-M's PMSAv6: no aliases, 256-byte regions at least, no TEX. */
export const PMSAV6: Pmsav7Variant = Object.freeze({ aliases: false, minRegionSize: 256, tex: false });

/** Settings of one MPU region through the typed API. */
export interface MpuRegionSettings {
  /** Base address: aligned to `size`. */
  readonly base: number;
  /** Size in bytes: a power of two from 32 to 2^32. */
  readonly size: number;
  /** Access permissions (AP). */
  readonly access: Exclude<AccessPermission, "reserved">;
  /** Instruction fetch allowed (XN = 0). Default false. */
  readonly executable?: boolean | undefined;
  /** Memory type. Default "normal-wb". Or raw TEX/C/B bits. */
  readonly memory?:
    | MemoryTypeSetting
    | {
        /** RASR.TEX, 0..7. */
        readonly tex: number;
        /** RASR.C. */
        readonly c: boolean;
        /** RASR.B. */
        readonly b: boolean;
      }
    | undefined;
  /** S bit for Normal memory. Default false. */
  readonly shareable?: boolean | undefined;
  /** SRD: bit i disables subregion i (regions of 256 B or more). Default 0. */
  readonly subregionDisable?: number | undefined;
  /** Default true. */
  readonly enabled?: boolean | undefined;
}

/** A PMSAv7 region as decoded from its registers (RBAR, RASR). */
export interface Pmsav7RegionView extends MpuRegionView {
  readonly architecture: "pmsav7";
  /** RBAR.ADDR as written. */
  readonly rawBase: number;
  /** Base the hardware uses: RBAR.ADDR rounded down to the size (address[31:SIZE+1] compared). */
  readonly base: number;
  /** Size in bytes (2^(SIZE+1)). */
  readonly size: number;
  /** RASR.SIZE (the region is 2^(SIZE+1) bytes; values below 4 are reserved). */
  readonly sizeField: number;
  /** RASR.AP, 0..7 (named in `access`). */
  readonly ap: number;
  /** RASR.TEX, 0..7. */
  readonly tex: number;
  /** RASR.C. */
  readonly c: boolean;
  /** RASR.B. */
  readonly b: boolean;
  /** RASR.S. */
  readonly s: boolean;
  /** Per subregion (0 = lowest), true when enabled (all true below 256 B, where SRD is ignored). */
  readonly subregions: readonly boolean[];
  /** RBAR.ADDR (bits [31:5]; VALID and REGION are not stored). */
  readonly rbar: number;
  /** MPU_RASR as stored (reserved bits zero). */
  readonly rasr: number;
}

/**
 * Validates typed settings and encodes them as RBAR (ADDR only) and RASR values.
 * Throws {@link HwError} naming the field; nothing is written by the caller on error.
 *
 * @param region - The region number, 0..regionCount-1.
 * @param regionCount - The MPU's DREGION (`mpu.regionCount`).
 * @param s - The region's settings.
 *
 * @example
 * ```ts
 * import { createMachine, decodeRegion, encodeRegion, MpuReg, Rbar, STM32F407 } from "@rtos-sim/hw";
 * const m = createMachine(STM32F407);
 * const { rbar, rasr } = encodeRegion(1, m.mpu.regionCount, { base: 0x20000000, size: 1024, access: "rw" });
 * m.core.write32(MpuReg.RBAR, rbar | Rbar.VALID | 1); // VALID: REGION selects region 1
 * m.core.write32(MpuReg.RASR, rasr);
 * console.log(decodeRegion(1, rbar, rasr).access); // rw
 * ```
 */
export function encodeRegion(
  region: number,
  regionCount: number,
  s: MpuRegionSettings,
  variant: Pmsav7Variant = PMSAV7,
): {
  /** RBAR.ADDR: the base (VALID and REGION clear). */
  rbar: number;
  /** MPU_RASR. */
  rasr: number;
} {
  requireObject(s, "MPU region settings");
  requireRegionNumber(region, regionCount);
  const min = variant.minRegionSize;
  if (!isPowerOfTwo(s.size) || s.size < min || s.size > 2 ** 32) {
    throw new HwError("MPU_SIZE", `RASR.SIZE: region size ${s.size} must be a power of two from ${min} B to 4 GiB`, {
      field: "RASR.SIZE",
      value: s.size,
      region,
    });
  }
  if (!Number.isInteger(s.base) || s.base < 0 || s.base > 0xffffffff || s.base % s.size !== 0) {
    throw new HwError(
      "MPU_ALIGNMENT",
      `RBAR.ADDR: base 0x${(s.base >>> 0).toString(16)} must be aligned to the region size ${s.size}`,
      { field: "RBAR.ADDR", value: s.base, size: s.size, region },
    );
  }
  // Own names only: "toString" or "constructor" would find Object.prototype's and encode as 0.
  const ap = Object.hasOwn(AP_VALUES, s.access) ? AP_VALUES[s.access] : undefined;
  if (ap === undefined) {
    throw new HwError("MPU_FIELD_RESERVED", `RASR.AP: unknown access "${String(s.access)}"`, {
      field: "RASR.AP",
      value: s.access,
      region,
    });
  }
  const mem = s.memory ?? "normal-wb";
  const bits = typeof mem === "string" ? TYPE_BITS[mem] : mem;
  if (!bits || !Number.isInteger(bits.tex) || bits.tex < 0 || bits.tex > 7) {
    throw new HwError("MPU_FIELD_RESERVED", `RASR.TEX: unknown memory type ${JSON.stringify(mem)}`, {
      field: "RASR.TEX",
      value: mem,
      region,
    });
  }
  if (bits.tex !== 0 && !variant.tex) {
    throw new HwError(
      "MPU_FIELD_RESERVED",
      `RASR.TEX: TEX=${bits.tex} on an MPU without TEX (ARMv6-M PMSAv6: TEX reads as zero; use a TEX=0 memory type)`,
      { field: "RASR.TEX", value: bits.tex, region },
    );
  }
  if (decodeMemoryAttributes(bits.tex, bits.c, bits.b, false).reserved) {
    throw new HwError(
      "MPU_FIELD_RESERVED",
      `RASR.TEX/C/B: TEX=${bits.tex} C=${+bits.c} B=${+bits.b} is a reserved memory type encoding`,
      { field: "RASR.TEX", value: bits.tex, region },
    );
  }
  const srd = s.subregionDisable ?? 0;
  if (!Number.isInteger(srd) || srd < 0 || srd > 0xff) {
    throw new HwError("MPU_FIELD_RESERVED", `RASR.SRD must be an 8-bit mask, got ${srd}`, {
      field: "RASR.SRD",
      value: srd,
      region,
    });
  }
  if (srd !== 0 && s.size < 256) {
    throw new HwError("MPU_FIELD_RESERVED", `RASR.SRD: regions under 256 B have no subregions (size ${s.size})`, {
      field: "RASR.SRD",
      value: srd,
      region,
    });
  }
  const sizeField = floorLog2(s.size) - 1;
  let rasr = (sizeField << Rasr.SIZE_SHIFT) | (srd << Rasr.SRD_SHIFT) | (ap << Rasr.AP_SHIFT);
  rasr |= bits.tex << Rasr.TEX_SHIFT;
  if (bits.c) rasr |= Rasr.C;
  if (bits.b) rasr |= Rasr.B;
  if (s.shareable) rasr |= Rasr.S;
  if (!s.executable) rasr |= Rasr.XN;
  if (s.enabled ?? true) rasr |= Rasr.ENABLE;
  return { rbar: s.base >>> 0, rasr: rasr >>> 0 };
}

/** Decodes a PMSAv7 region's register pair. */
export function decodeRegion(number: number, rbar: number, rasr: number): Pmsav7RegionView {
  const sizeField = (rasr & Rasr.SIZE_MASK) >>> Rasr.SIZE_SHIFT;
  const size = 2 ** (sizeField + 1);
  const rawBase = (rbar & 0xffffffe0) >>> 0;
  const base = size >= 2 ** 32 ? 0 : rawBase - (rawBase % size);
  const ap = (rasr & Rasr.AP_MASK) >>> Rasr.AP_SHIFT;
  const tex = (rasr & Rasr.TEX_MASK) >>> Rasr.TEX_SHIFT;
  const c = (rasr & Rasr.C) !== 0;
  const b = (rasr & Rasr.B) !== 0;
  const s = (rasr & Rasr.S) !== 0;
  const srd = (rasr & Rasr.SRD_MASK) >>> Rasr.SRD_SHIFT;
  const subregions: boolean[] = [];
  for (let i = 0; i < 8; i++) subregions.push(size < 256 || ((srd >> i) & 1) === 0);
  return {
    architecture: "pmsav7",
    number,
    enabled: (rasr & Rasr.ENABLE) !== 0,
    rawBase,
    base,
    size,
    limit: base + size - 1,
    sizeField,
    ap,
    access: AP_NAMES[ap]!,
    xn: (rasr & Rasr.XN) !== 0,
    tex,
    c,
    b,
    s,
    attributes: decodeMemoryAttributes(tex, c, b, s),
    srd,
    subregions,
    rbar: rawBase,
    rasr: rasr >>> 0,
  };
}
