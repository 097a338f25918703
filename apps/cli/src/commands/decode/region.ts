import { formatBytes } from "@rtos-sim/apps";
import { type AccessPermission, decodeRegion, decodeRegionV8, hex32, type MemoryAttributes } from "@rtos-sim/hw";
import { type Decoded, hex8 } from "./types.js";

/** What an access permission allows, in words (docs/mpu-model.md's AP tables). */
const ACCESS_WORDS: Readonly<Record<AccessPermission, string>> = {
  none: "no access at all",
  "priv-rw": "privileged read/write, unprivileged no access",
  "priv-rw-user-ro": "privileged read/write, unprivileged read-only",
  rw: "privileged and unprivileged read/write",
  reserved: "a reserved encoding",
  "priv-ro": "privileged read-only, unprivileged no access",
  ro: "privileged and unprivileged read-only",
};

function memory(a: MemoryAttributes): string {
  if (a.reserved) return "a reserved TEX/C/B encoding";
  const cache = a.inner === null ? "" : a.inner === a.outer ? `, ${a.inner}` : `, inner ${a.inner}, outer ${a.outer}`;
  return `${a.type} memory${cache}, ${a.shareable ? "shareable" : "not shareable"}`;
}

function bits(v: number, n: number): string {
  return v.toString(2).padStart(n, "0");
}

/**
 * A PMSAv7 region from its RASR and, when given, its RBAR (without it the base is unknown and
 * the region number is RNR's): size, enable, AP, XN, TEX/C/B/S with the memory type, SRD with
 * the subregions.
 */
export function decodeRasr(rasr: number, rbar: number | null): Decoded {
  const v = decodeRegion(rbar !== null && (rbar & 0x10) !== 0 ? rbar & 0xf : 0, rbar ?? 0, rasr);
  const text = [`RASR = ${hex32(rasr)}${rbar === null ? "" : `, RBAR = ${hex32(rbar)}`} (PMSAv7)`];
  if (rbar !== null) {
    text.push(
      (rbar & 0x10) !== 0
        ? `  RBAR.VALID 1: the write selects region ${rbar & 0xf} (RBAR.REGION)`
        : "  RBAR.VALID 0: the region is the one MPU_RNR selects",
    );
  }
  text.push(`  ${v.enabled ? "enabled" : "disabled (ENABLE 0): the region matches nothing"}`);
  const size = `size ${formatBytes(v.size)} (SIZE ${v.sizeField}: 2^${v.sizeField + 1} bytes)`;
  if (rbar === null) text.push(`  ${size}; the base is RBAR's (--rbar)`);
  else {
    text.push(`  base ${hex32(v.base)}, ${size}, end ${hex32(v.limit)}`);
    if (v.rawBase !== v.base)
      text.push(
        `  RBAR.ADDR ${hex32(v.rawBase)} is not aligned to the size: UNPREDICTABLE on silicon (the model aligns it down)`,
      );
  }
  if (v.sizeField < 4) text.push("  SIZE below 4 (32 bytes) is UNPREDICTABLE on silicon");
  text.push(`  AP ${bits(v.ap, 3)} (${v.access}): ${ACCESS_WORDS[v.access]}`);
  text.push(
    `  XN ${v.xn ? 1 : 0}: ${v.xn ? "instruction fetches fault (MemManage IACCVIOL)" : "executable where AP lets it read"}`,
  );
  text.push(`  TEX ${bits(v.tex, 3)} C ${v.c ? 1 : 0} B ${v.b ? 1 : 0} S ${v.s ? 1 : 0}: ${memory(v.attributes)}`);
  if (v.size < 256)
    text.push(
      v.srd === 0
        ? "  SRD 0x00: a region below 256 bytes has no subregions"
        : `  SRD ${hex8(v.srd)}: a region below 256 bytes has no subregions, and SRD bits set on it are UNPREDICTABLE on silicon`,
    );
  else {
    const off = v.subregions.flatMap((on, i) => (on ? [] : [i]));
    text.push(
      `  SRD ${hex8(v.srd)}: ${off.length === 0 ? "all 8 subregions enabled" : `subregions ${off.join(", ")} disabled (they fall through to lower regions or the background)`} (${formatBytes(v.size / 8)} each)`,
    );
  }
  return {
    register: "RASR",
    value: rasr >>> 0,
    text,
    json: { rbar: rbar === null ? null : rbar >>> 0, region: { ...v } },
  };
}

/**
 * A PMSAv8 region from its RLAR and RBAR, and the MAIR attribute its AttrIndx selects when the
 * MAIR word holding it is given (`mair`: MAIR0, MAIR1, null when not given): enable, base and
 * limit, AP, XN, PXN, SH, the memory type.
 */
export function decodeRlar(rlar: number, rbar: number, mair: readonly [number | null, number | null]): Decoded {
  const index = (rlar >>> 1) & 7;
  const word = mair[index >>> 2] ?? null;
  const attr = word === null ? null : (word >>> (8 * (index & 3))) & 0xff;
  const v = decodeRegionV8(0, rbar, rlar, attr ?? 0);
  const text = [`RLAR = ${hex32(rlar)}, RBAR = ${hex32(rbar)} (PMSAv8)`];
  text.push(`  ${v.enabled ? "enabled" : "disabled (EN 0): the region matches nothing"}`);
  text.push(
    v.limit >= v.base
      ? `  base ${hex32(v.base)}, limit ${hex32(v.limit)} (${formatBytes(v.size)})`
      : `  base ${hex32(v.base)} above limit ${hex32(v.limit)}: the region matches no address`,
  );
  text.push(`  AP ${bits(v.ap, 2)} (${v.access}): ${ACCESS_WORDS[v.access]}`);
  text.push(
    `  XN ${v.xn ? 1 : 0}, PXN ${v.pxn ? 1 : 0}: ${v.xn ? "instruction fetches fault" : v.pxn ? "executable unprivileged only" : "executable where AP lets it read"}${v.pxn ? " (PXN is ARMv8.1-M's: RES0 on ARMv8.0-M, such as the Cortex-M33)" : ""}`,
  );
  text.push(`  SH ${v.shareability}`);
  text.push(
    attr === null
      ? `  AttrIndx ${index}: the memory type is byte ${index & 3} of MAIR${index >>> 2} (--mair${index >>> 2})`
      : `  AttrIndx ${index}: MAIR attribute ${hex8(attr)}, ${mairWords(attr, v.device, v.attributes)}`,
  );
  return {
    register: "RLAR",
    value: rlar >>> 0,
    text,
    json: {
      rbar: rbar >>> 0,
      attr,
      region: attr === null ? { ...v, attr: null, device: null, attributes: null } : { ...v },
    },
  };
}

/**
 * A MAIR attribute byte in words. Outer 0 is Device memory, its low bits 1:0 must be zero; any
 * other outer value is Normal memory, whose inner 0 is not an encoding: both UNPREDICTABLE
 * (ARMv8-M MAIR_ATTR), named so, with what the model treats them as.
 */
function mairWords(attr: number, device: string | null, a: MemoryAttributes): string {
  if (a.reserved) {
    const why = attr >>> 4 === 0 ? "Device with bits 1:0 not zero" : "Normal outer with inner 0000";
    return `UNPREDICTABLE on silicon (${why}; the model treats it as Device-${device ?? "nGnRnE"})`;
  }
  return device !== null ? `Device-${device}` : memory(a);
}
