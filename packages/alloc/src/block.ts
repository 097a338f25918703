/**
 * The block header of the heap and TLSF allocators, in simulated memory in front of every block
 * (the allocator descriptor), and the per-granule block-start states they keep apart
 * from user data.
 *
 * Header, 8 bytes at `h` (the user block starts at `h + 8`, 8-aligned):
 * - word 0: block size in bytes including the header (a multiple of 8) | {@link FREE} | {@link PREV_FREE};
 * - word 1: `(check << 16) | slack`, where `slack` = usable bytes - requested bytes (0 when free) and
 *   `check` is a 14-bit hash of word 0 (PREV_FREE left out, so the neighbour's flag flips with a
 *   single store), the address and the slack ({@link headerCheck}). A header whose word 1 does
 *   not match is corrupted (a task overflowed into it); PREV_FREE itself is cross-checked against
 *   the previous block (footer and FREE flag) whenever it is used.
 *
 * A free block also holds, after its header, its free-list links, and in its last word the
 * address of its own header (the footer), which the next block reads when its PREV_FREE is set.
 *
 * All values stay below 2^30, so they are small integers in the JS engine (no boxing).
 */

/**
 * The header's size and its word 0 flags as a `const enum`: the build writes each use as its
 * value, where an imported module constant is a load and a check at every use in the engine
 * (the allocators' hot paths use these). The named exports below are the same values.
 */
export const enum Block {
  HEADER = 8,
  FREE = 1,
  PREV_FREE = 2,
  FLAGS = 7,
}

/** The granule states as a `const enum` (see `Block`); the named exports below are the same values. */
export const enum Granule {
  NONE = 0,
  LIVE = 1,
  FREED = 2,
}

/** Header size in bytes. */
export const HEADER = Block.HEADER;
/** Word 0 flag: the block is free. */
export const FREE = Block.FREE;
/** Word 0 flag: the physically previous block is free (its footer is valid). */
export const PREV_FREE = Block.PREV_FREE;
/** Word 0 bits that are flags. */
export const FLAGS = Block.FLAGS;

/** Word 1 of the header at `h` whose word 0 is `w0`, with `slack` (0..0xffff). */
export function headerCheck(h: number, w0: number, slack: number): number {
  return ((Math.imul((w0 & ~Block.PREV_FREE) ^ h ^ (slack << 13), 0x9e3779b1) >>> 18) << 16) | slack;
}

/** Granule state: nothing starts here. */
export const NONE = Granule.NONE;
/** Granule state: a live (handed out) block's user data starts here. */
export const LIVE = Granule.LIVE;
/**
 * Granule state: a block freed by the user starts here and is still a free block of its own
 * (set by free, cleared when the block merges into its free predecessor or is absorbed by a
 * freed predecessor; split remainders never get it, so freeing one is an invalid free).
 */
export const FREED = Granule.FREED;

/**
 * Rounds `x` up to a multiple of `a` (a power of two). Addresses may be 2^31 or above (RAM at
 * 0x80000000 and up, such as MPS2-AN505's PSRAM or an STM32's FMC SDRAM), where `& -a` would
 * give a negative int32: only the low bits are masked, so the result stays the unsigned address.
 */
export function alignUp(x: number, a: number): number {
  const y = x + a - 1;
  return y - (y & (a - 1));
}
