/**
 * Sub-word accesses to a device's 32-bit registers, as the DMA controllers' AHB slave ports take
 * them: a read gets its bytes of the word, a write merges its bytes into it (little-endian byte
 * lanes: offset 1 is bits 15:8).
 */

/** The `size` bytes of `word` that a read at `offset` (its low two bits: the byte lane) gets. */
export function readLanes(word: number, offset: number, size: 1 | 2 | 4): number {
  const w = word >>> ((offset & 3) * 8);
  return size === 4 ? w >>> 0 : w & ((1 << (size * 8)) - 1);
}

/** `old` with the bytes a write of `value` (`size` bytes at `offset`) puts in its lanes. */
export function mergeLanes(old: number, offset: number, size: 1 | 2 | 4, value: number): number {
  const shift = (offset & 3) * 8;
  const mask = size === 4 ? 0xffff_ffff : (((1 << (size * 8)) - 1) << shift) >>> 0;
  return ((old & ~mask) | ((value << shift) & mask)) >>> 0;
}
