import { PERM_ALL, PERM_PRIV, Perm } from "./perm.js";

/** MPU register addresses in the System Control Space. */
export const MpuReg = {
  /** MPU_TYPE (read-only): DREGION[15:8], the number of regions; SEPARATE = 0. */
  TYPE: 0xe000ed90,
  /** MPU_CTRL: ENABLE, HFNMIENA, PRIVDEFENA (see {@link MpuCtrl}). */
  CTRL: 0xe000ed94,
  /** MPU_RNR: the region number that MPU_RBAR and MPU_RASR select. */
  RNR: 0xe000ed98,
  /** MPU_RBAR: region base address, VALID and REGION (see {@link Rbar}). */
  RBAR: 0xe000ed9c,
  /** MPU_RASR: region attributes and size (see {@link Rasr}). */
  RASR: 0xe000eda0,
  /** MPU_RBAR_A1: alias of MPU_RBAR. */
  RBAR_A1: 0xe000eda4,
  /** MPU_RASR_A1: alias of MPU_RASR. */
  RASR_A1: 0xe000eda8,
  /** MPU_RBAR_A2: alias of MPU_RBAR. */
  RBAR_A2: 0xe000edac,
  /** MPU_RASR_A2: alias of MPU_RASR. */
  RASR_A2: 0xe000edb0,
  /** MPU_RBAR_A3: alias of MPU_RBAR. */
  RBAR_A3: 0xe000edb4,
  /** MPU_RASR_A3: alias of MPU_RASR. */
  RASR_A3: 0xe000edb8,
} as const;

/** MPU_CTRL bits. */
export const MpuCtrl = {
  /** ENABLE: the MPU is on (off: the default memory map for every access). */
  ENABLE: 1 << 0,
  /** HFNMIENA: the MPU stays on in HardFault, NMI and with FAULTMASK set (priority < 0); off: default map there. */
  HFNMIENA: 1 << 1,
  /** PRIVDEFENA: the default map is a background region for privileged accesses. */
  PRIVDEFENA: 1 << 2,
} as const;

/** MPU_RASR field positions. */
export const Rasr = {
  /** ENABLE: the region is enabled. */
  ENABLE: 1 << 0,
  /** Position of SIZE: the region is 2^(SIZE+1) bytes (SIZE 4..31: 32 bytes to 4 GB). */
  SIZE_SHIFT: 1,
  /** SIZE field, bits [5:1]. */
  SIZE_MASK: 0x1f << 1,
  /** Position of SRD: bit n set disables subregion n (each 1/8 of the region; regions of 256 bytes or more). */
  SRD_SHIFT: 8,
  /** SRD field, bits [15:8]. */
  SRD_MASK: 0xff << 8,
  /** B (bufferable) bit of the TEX/C/B memory type encoding. */
  B: 1 << 16,
  /** C (cacheable) bit of the TEX/C/B memory type encoding. */
  C: 1 << 17,
  /** S: shareable (Normal memory). */
  S: 1 << 18,
  /** Position of TEX, the type extension field. */
  TEX_SHIFT: 19,
  /** TEX field, bits [21:19]. */
  TEX_MASK: 0x7 << 19,
  /** Position of AP, the access permission field (see {@link AP_NAMES}). */
  AP_SHIFT: 24,
  /** AP field, bits [26:24]. */
  AP_MASK: 0x7 << 24,
  /** XN: execute-never (instruction fetches fault with IACCVIOL). */
  XN: 1 << 28,
} as const;

/** Bits of MPU_RASR that are defined (others are reserved, read as zero). */
export const RASR_DEFINED = 0x173fff3f;

/** MPU_RBAR fields. */
export const Rbar = {
  /** ADDR, bits [31:5]: the base address; the region's own size alignment applies (low bits ignored). */
  ADDR_MASK: 0xffffffe0,
  /** VALID: on a write, REGION selects the region (and is written to MPU_RNR); reads as zero. */
  VALID: 1 << 4,
  /** REGION, bits [3:0]: the region number used when VALID is set; reads return MPU_RNR. */
  REGION_MASK: 0xf,
} as const;

/** Memory types decoded from TEX/C/B. */
export type MemoryType = "strongly-ordered" | "device" | "normal";

/** Decoded memory attributes of a region. */
export interface MemoryAttributes {
  /** Strongly-ordered, Device or Normal. */
  readonly type: MemoryType;
  /** Shareable (always true for Strongly-ordered and shared Device). */
  readonly shareable: boolean;
  /** Inner cache policy for Normal memory, e.g. "write-back, no write-allocate". */
  readonly inner: string | null;
  /** Outer cache policy for Normal memory. */
  readonly outer: string | null;
  /** True when TEX/C/B is a reserved encoding (the project reports it as invalid configuration). */
  readonly reserved: boolean;
}

const POLICY = [
  "non-cacheable",
  "write-back, write and read allocate",
  "write-through, no write-allocate",
  "write-back, no write-allocate",
];

/** Decodes TEX, C, B, S into a memory type and cache policy (ARMv7-M table B3-13). */
export function decodeMemoryAttributes(tex: number, c: boolean, b: boolean, s: boolean): MemoryAttributes {
  if (tex === 0) {
    if (!c && !b) return { type: "strongly-ordered", shareable: true, inner: null, outer: null, reserved: false };
    if (!c && b) return { type: "device", shareable: true, inner: null, outer: null, reserved: false };
    const pol = b ? POLICY[3]! : POLICY[2]!;
    return { type: "normal", shareable: s, inner: pol, outer: pol, reserved: false };
  }
  if (tex === 1) {
    if (!c && !b) return { type: "normal", shareable: s, inner: POLICY[0]!, outer: POLICY[0]!, reserved: false };
    if (c && b) return { type: "normal", shareable: s, inner: POLICY[1]!, outer: POLICY[1]!, reserved: false };
  } else if (tex === 2) {
    if (!c && !b) return { type: "device", shareable: false, inner: null, outer: null, reserved: false };
  } else if (tex >= 4) {
    const outer = POLICY[tex & 3]!;
    const inner = POLICY[(c ? 2 : 0) | (b ? 1 : 0)]!;
    return { type: "normal", shareable: s, inner, outer, reserved: false };
  }
  // Reserved encodings: the project reports invalid configuration and treats the memory as
  // Strongly-ordered (the most restrictive type: unaligned accesses fault).
  return { type: "strongly-ordered", shareable: true, inner: null, outer: null, reserved: true };
}

/** Access permissions as named in the AP table. */
export type AccessPermission = "none" | "priv-rw" | "priv-rw-user-ro" | "rw" | "reserved" | "priv-ro" | "ro";

/** AP field value to name (AP = 100 is "reserved"; 110 and 111 are both "ro"). */
export const AP_NAMES: readonly AccessPermission[] = [
  "none",
  "priv-rw",
  "priv-rw-user-ro",
  "rw",
  "reserved",
  "priv-ro",
  "ro",
  "ro",
];

/** AP name to the field value written by the typed API. */
export const AP_VALUES: Readonly<Record<Exclude<AccessPermission, "reserved">, number>> = {
  none: 0b000,
  "priv-rw": 0b001,
  "priv-rw-user-ro": 0b010,
  rw: 0b011,
  "priv-ro": 0b101,
  ro: 0b110,
};

/** Read/write permission bits of an AP value (no fetch bits). AP=100 gives no access (project choice). */
export function apPerm(ap: number): number {
  switch (ap & 7) {
    case 0b001:
      return Perm.PR | Perm.PW;
    case 0b010:
      return Perm.PR | Perm.PW | Perm.UR;
    case 0b011:
      return Perm.PR | Perm.PW | Perm.UR | Perm.UW;
    case 0b101:
      return Perm.PR;
    case 0b110:
    case 0b111:
      return Perm.PR | Perm.UR;
    default:
      return 0;
  }
}

/** Adds fetch bits (read permission and not XN) to read/write bits. */
export function withFetch(rw: number, xn: boolean): number {
  if (xn) return rw;
  let p = rw;
  if (rw & Perm.PR) p |= Perm.PX;
  if (rw & Perm.UR) p |= Perm.UX;
  return p;
}

/** The permission byte a RASR value gives (before the system-range XN rule). */
export function rasrPerm(rasr: number): number {
  const ap = (rasr & Rasr.AP_MASK) >>> Rasr.AP_SHIFT;
  const xn = (rasr & Rasr.XN) !== 0;
  const tex = (rasr & Rasr.TEX_MASK) >>> Rasr.TEX_SHIFT;
  const attrs = decodeMemoryAttributes(tex, (rasr & Rasr.C) !== 0, (rasr & Rasr.B) !== 0, (rasr & Rasr.S) !== 0);
  let p = withFetch(apPerm(ap), xn);
  if (attrs.type !== "normal") p |= Perm.DEVICE;
  return p;
}

/** Region size in bytes from the RASR SIZE field (2^(SIZE+1)); meaningful for SIZE >= 4. */
export function regionSizeBytes(sizeField: number): number {
  return 2 ** (sizeField + 1);
}

/** The name of a default-memory-map range (ARMv7-M B3.1). */
export type DefaultMapRange =
  | "Code"
  | "SRAM"
  | "Peripheral"
  | "External RAM"
  | "External device"
  | "PPB"
  | "Vendor system";

/**
 * Where the ranges of {@link defaultMapRange} start, and 2^32: the default map's permission is the
 * same from one start up to the next.
 */
export const DEFAULT_MAP_STARTS: readonly number[] = [
  0,
  0x20000000,
  0x40000000,
  0x60000000,
  0xa0000000,
  0xe0000000,
  0xe0100000,
  2 ** 32,
];

/** Default memory map entry containing an address. */
export function defaultMapRange(address: number): {
  /** The range's name. */
  name: DefaultMapRange;
  /** Its memory type in the default map. */
  type: MemoryType;
  /** Whether the default map makes it execute-never. */
  xn: boolean;
} {
  const a = address >>> 0;
  if (a < 0x20000000) return { name: "Code", type: "normal", xn: false };
  if (a < 0x40000000) return { name: "SRAM", type: "normal", xn: false };
  if (a < 0x60000000) return { name: "Peripheral", type: "device", xn: true };
  if (a < 0xa0000000) return { name: "External RAM", type: "normal", xn: false };
  if (a < 0xe0000000) return { name: "External device", type: "device", xn: true };
  if (a < 0xe0100000) return { name: "PPB", type: "strongly-ordered", xn: true };
  return { name: "Vendor system", type: "device", xn: true };
}

/** Permission byte of the default map at an address (everyone may read/write; XN ranges not fetchable). */
export function defaultPerm(address: number): number {
  const r = defaultMapRange(address);
  let p = r.xn ? PERM_ALL & ~(Perm.PX | Perm.UX) : PERM_ALL;
  if (r.type !== "normal") p |= Perm.DEVICE;
  return p;
}

/** Permission byte of the background region (PRIVDEFENA): the default map for privileged accesses only. */
export function backgroundPerm(address: number): number {
  const p = defaultPerm(address);
  return (p & PERM_PRIV) | (p & Perm.DEVICE);
}

/** Addresses 0xE0000000-0xFFFFFFFF are always execute-never. */
export function isSystemXn(address: number): boolean {
  return address >>> 0 >= 0xe0000000;
}
