import type { MemoryRegion } from "../board/types.js";
import { GRANULE_SHIFT } from "../mpu/perm.js";

/**
 * The backing store of a run of memory: one board region, or several contiguous ones with the
 * same bus attributes (STM32F407 SRAM1+SRAM2 are one 128 KiB span). Its bytes are a window of
 * the bus buffer ({@link Bus.buffer}) at {@link MemorySegment.offset}, with a
 * little-endian DataView, and the precomputed limits the core compares against.
 */
export class MemorySegment {
  /** Index in `Bus.segments` (0 is the sentinel that matches nothing). */
  readonly index: number;
  /** The first board region of the run (attributes are shared by all of them). */
  readonly region: MemoryRegion;
  /** Every board region in the run, in address order. */
  readonly regions: readonly MemoryRegion[];
  /** Region names joined with "+". */
  readonly name: string;
  /** First address. */
  readonly start: number;
  /** Bytes (`end - start`). */
  readonly size: number;
  /** One past the last address. */
  readonly end: number;
  /** Where `start` sits in the bus's memory buffer (congruent to `start` modulo 4 KiB). */
  readonly offset: number;
  /** The segment's bytes (index = address - start). */
  readonly bytes: Uint8Array;
  /** A DataView over the same bytes (the core reads it little-endian). */
  readonly view: DataView;
  /** `size` when stores are allowed, else 0 (read-only memory: every store takes the slow path). */
  readonly wsize: number;
  /** Cycles one access costs: 1 + wait states. */
  readonly cost: number;
  /** Granule index of an address = (address >>> 5) - g0 (index into the MPU permission tables). */
  readonly g0: number;
  /** First granule of this segment in the permission tables: `offset >>> 5`. */
  readonly gbase: number;

  constructor(index: number, regions: readonly MemoryRegion[], buffer: ArrayBuffer, offset: number) {
    const region = regions[0]!;
    const last = regions[regions.length - 1]!;
    this.index = index;
    this.region = region;
    this.regions = regions;
    this.name = regions.map((r) => r.name).join("+");
    this.start = region.start;
    this.end = last.end;
    this.size = last.end - region.start;
    this.offset = offset;
    this.bytes = new Uint8Array(buffer, offset, this.size);
    this.view = new DataView(buffer, offset, this.size);
    this.wsize = region.readOnly ? 0 : this.size;
    this.cost = 1 + region.waitStates;
    this.gbase = offset >>> GRANULE_SHIFT;
    this.g0 = (region.start >>> GRANULE_SHIFT) - this.gbase;
  }

  /** Number of 32-byte granules [start, end) touches. */
  static granules(start: number, end: number): number {
    return ((end - 1) >>> GRANULE_SHIFT) - (start >>> GRANULE_SHIFT) + 1;
  }

  /** Whether two regions can share one backing segment (contiguous, same bus attributes). */
  static mergeable(a: MemoryRegion, b: MemoryRegion): boolean {
    return (
      a.end === b.start && a.readOnly === b.readOnly && a.executable === b.executable && a.waitStates === b.waitStates
    );
  }

  /** Whether [address, address + size) lies inside this segment. */
  contains(address: number, size = 1): boolean {
    return address >= this.start && address + size <= this.end;
  }

  /** The little-endian value of `size` (1, 2 or 4) bytes at offset `off` of the segment; no checks. */
  readSized(off: number, size: number): number {
    return size === 4 ? this.view.getUint32(off, true) : size === 2 ? this.view.getUint16(off, true) : this.bytes[off]!;
  }

  /** Stores the low `size` (1, 2 or 4) bytes of `value` at offset `off`, little-endian; no checks. */
  writeSized(off: number, size: number, value: number): void {
    if (size === 4) this.view.setUint32(off, value, true);
    else if (size === 2) this.view.setUint16(off, value, true);
    else this.bytes[off] = value;
  }
}

/** A sentinel segment that contains no address: the decode table's "no single segment here". */
export const NO_SEGMENT_REGION: MemoryRegion = Object.freeze({
  name: "(none)",
  start: 0,
  size: 0,
  end: 0,
  kind: "ram",
  readOnly: true,
  executable: false,
  waitStates: 0,
  dmaReachable: false,
});
