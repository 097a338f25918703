import { halfwordLE, wordsLE } from "../contents.js";
import type { MemoryContentsSpec } from "../types.js";

/** Where an STM32's device electronic signature lies and what it holds (see {@link stm32Signature}). */
export interface Stm32SignatureSpec {
  /** Where the UID register is documented, e.g. `"RM0090 39.1"`. */
  readonly uidSource: string;
  /** Where the flash size register is documented, e.g. `"RM0090 39.2"`. */
  readonly flashSizeSource: string;
  /** Base of the 96-bit unique device ID (the CMSIS header's `UID_BASE`). */
  readonly uidBase: number;
  /** The three UID words at uidBase, +4, +8. */
  readonly uid: readonly [number, number, number];
  /** Address of the 16-bit flash size register (the CMSIS header's `FLASHSIZE_BASE`). */
  readonly flashSizeBase: number;
  /** The flash size in KiB, what the register reads. */
  readonly flashSizeKiB: number;
}

/**
 * The simulator's unique device ID of an STM32 part: a fixed value (the same every run, so a
 * serial number or MAC derived from it is reproducible), shaped as RM0433 and RM0456 describe the
 * 96 bits: word 0 the wafer X and Y coordinates (here 0x0041 and 0x0020), word 1 bits 31:8 and
 * word 2 the lot number in ASCII (UID[95:40] spells "RTOSSIM"), word 1 bits 7:0 the wafer number,
 * which tells the built-in boards apart.
 */
export function simulatedUid(wafer: number): readonly [number, number, number] {
  return [0x00200041, (0x53494d00 | (wafer & 0xff)) >>> 0, 0x52544f53];
}

/**
 * The `contents` of an STM32's device electronic signature: the 96-bit unique device ID (`UID`)
 * and the flash size register (`FLASH_SIZE`, 16 bits, KiB), at the addresses of the part's
 * reference manual, for `BoardSpec.contents`.
 */
export function stm32Signature(s: Stm32SignatureSpec): MemoryContentsSpec[] {
  return [
    {
      name: "UID",
      address: s.uidBase,
      bytes: wordsLE(...s.uid),
      description: `unique device ID, 96 bits (${s.uidSource})`,
    },
    {
      name: "FLASH_SIZE",
      address: s.flashSizeBase,
      bytes: halfwordLE(s.flashSizeKiB),
      description: `flash size in KiB, 16 bits: ${s.flashSizeKiB} (${s.flashSizeSource})`,
    },
  ];
}
