/**
 * The layout of the bus's one ArrayBuffer. The core's fast paths test and move a memory access
 * through a single DataView over it (one object for V8 to check, whatever the segment), so it
 * holds, in order:
 *
 * | part | bytes | what |
 * |---|---|---|
 * | memory | `memoryBytes` | a 64 KiB trap block no address maps to, then every memory segment at an offset congruent to its start modulo 64 KiB |
 * | filter state | `memoryBytes` | one state byte per memory byte for the access hook's filter (`Core.filterState`) |
 * | access views | `viewSlots * viewBytes` | the core's access views, one byte per 32-byte granule of memory each |
 * | block table | `4 << 16` | per 64 KiB of address space, `offset - address` of its memory (an int32), or the trap block's |
 */
export interface BufferLayout {
  /** Bytes of the memory part: the trap block and the segments, a multiple of 64 KiB. */
  readonly memoryBytes: number;
  /** Offset of the filter state (`memoryBytes`). */
  readonly filterOffset: number;
  /** Offset of the first access view. */
  readonly viewsOffset: number;
  /** Bytes of one access view: a byte per 32-byte granule of the memory part. */
  readonly viewBytes: number;
  /** How many access views the buffer holds. */
  readonly viewSlots: number;
  /** Offset of the block table. */
  readonly blocksOffset: number;
  /** Bytes of the whole buffer. */
  readonly totalBytes: number;
}

/** log2 of the block table's block: 64 KiB of address space per entry. */
export const FAST_BLOCK_SHIFT = 16;

/** Bytes per block-table block. */
export const FAST_BLOCK = 1 << FAST_BLOCK_SHIFT;

/** Most bytes the access views may take together (the view count shrinks on large boards). */
const VIEW_BUDGET = 32 * 1024 * 1024;

/**
 * The buffer layout for a memory part of `memoryBytes` (a multiple of 64 KiB): between 16 and 64
 * access views, as many as fit in 32 MiB.
 */
export function bufferLayout(memoryBytes: number): BufferLayout {
  const viewBytes = memoryBytes >>> 5;
  const viewSlots = Math.max(16, Math.min(64, Math.floor(VIEW_BUDGET / viewBytes)));
  const filterOffset = memoryBytes;
  const viewsOffset = filterOffset + memoryBytes;
  const blocksOffset = viewsOffset + viewSlots * viewBytes;
  return {
    memoryBytes,
    filterOffset,
    viewsOffset,
    viewBytes,
    viewSlots,
    blocksOffset,
    totalBytes: blocksOffset + (4 << (32 - FAST_BLOCK_SHIFT)),
  };
}
