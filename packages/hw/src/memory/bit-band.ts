/**
 * Bit-banding, the Cortex-M3/M4 implementation option (docs/bit-banding.md): each word of a
 * 32 MiB alias window stands for one bit of a 1 MiB bit-band region. The core's bus interface
 * remaps a data access to the alias into an access of the bit's byte in the region: a load reads
 * the bit into bit 0, a store of bit 0 becomes an atomic read-modify-write of that one bit.
 * The MPU checks the alias address the core issued; other bus masters (DMA) see no alias.
 */

/** Bytes of a bit-band region (the bits one alias window covers): 1 MiB. */
export const BIT_BAND_REGION_BYTES = 0x100000;

/** Bytes of an alias window: 32 bytes (eight words) per byte of its region, 32 MiB. */
export const BIT_BAND_ALIAS_BYTES = 0x2000000;

/** A bit-band region and its alias window. */
export interface BitBandWindow {
  /** "SRAM" or "peripheral". */
  readonly name: string;
  /** First byte of the bit-band region. */
  readonly region: number;
  /** First byte of its alias window. */
  readonly alias: number;
}

/** The two windows, fixed by the core's memory map: SRAM 0x20000000 (alias 0x22000000), peripherals 0x40000000 (alias 0x42000000). */
export const BIT_BAND_WINDOWS: readonly BitBandWindow[] = Object.freeze([
  Object.freeze({ name: "SRAM", region: 0x20000000, alias: 0x22000000 }),
  Object.freeze({ name: "peripheral", region: 0x40000000, alias: 0x42000000 }),
]);

/** Whether `address` lies in one of the two alias windows (0x22000000-0x23FFFFFF, 0x42000000-0x43FFFFFF). */
export function isBitBandAlias(address: number): boolean {
  const top = address >>> 25;
  return top === 0x11 || top === 0x21;
}

/** Whether [first, last] touches an alias window. */
export function touchesBitBandAlias(first: number, last: number): boolean {
  for (const w of BIT_BAND_WINDOWS) if (first < w.alias + BIT_BAND_ALIAS_BYTES && last >= w.alias) return true;
  return false;
}

/**
 * The byte an alias address stands for: `region + (address - alias) / 32`, its bits [1:0]
 * ignored. Meaningful only where {@link isBitBandAlias} holds.
 *
 * @example
 * ```ts
 * import { bitBandByte, hex32 } from "@rtos-sim/hw";
 * console.log(hex32(bitBandByte(0x2200001c))); // 0x20000000
 * // bit 7 of it: bitBandBit
 * console.log(hex32(bitBandByte(0x42000000 + 0x20000 * 32))); // 0x40020000
 * ```
 */
export function bitBandByte(address: number): number {
  return ((address & 0xf0000000) | ((address & 0x1ffffff) >>> 5)) >>> 0;
}

/** The bit (0..7) of {@link bitBandByte}'s byte an alias address stands for: its bits [4:2]. */
export function bitBandBit(address: number): number {
  return (address >>> 2) & 7;
}

/**
 * The alias word of bit `bit` of the byte at `byte`, or null when the byte lies in no bit-band
 * region.
 *
 * @example
 * ```ts
 * import { bitBandAliasOf, hex32 } from "@rtos-sim/hw";
 * console.log(hex32(bitBandAliasOf(0x200fffff, 0)!)); // 0x23ffffe0
 * ```
 */
export function bitBandAliasOf(byte: number, bit: number): number | null {
  for (const w of BIT_BAND_WINDOWS) {
    if (byte >= w.region && byte < w.region + BIT_BAND_REGION_BYTES)
      return (w.alias + (byte - w.region) * 32 + (bit & 7) * 4) >>> 0;
  }
  return null;
}
