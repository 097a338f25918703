import type { Board, MemoryRegion, PeripheralRangeSpec } from "../board/types.js";
import { HwError } from "../errors.js";
import type { GranuleLayout } from "../mpu/model.js";
import { GRANULE_SHIFT } from "../mpu/perm.js";
import type { Peripheral } from "./peripheral.js";
import { MemorySegment, NO_SEGMENT_REGION } from "./segment.js";

/** log2 of the decode-table granule: 4 KiB. */
export const DECODE_SHIFT = 12;

interface Attached {
  readonly base: number;
  readonly end: number;
  readonly device: Peripheral;
}

/** Result of decoding a peripheral address. */
export interface PeripheralHit {
  /** The attached device, or null inside a decoded range with nothing attached (reads zero). */
  readonly device: Peripheral | null;
  readonly offset: number;
  readonly range: PeripheralRangeSpec;
}

/**
 * The system bus: decodes addresses to memory segments (ArrayBuffers) and peripherals. It does
 * not check permissions (that is the MPU's job in the core); the core raises BusFaults for what
 * the bus cannot decode.
 */
export class Bus {
  readonly board: Board;
  /** Segment 0 is a sentinel; 1.. are the board's memory regions in address order. */
  readonly segments: readonly MemorySegment[];
  /** Segment index per 4 KiB of address space: a segment wholly owning that 4 KiB's mapped bytes, else 0. */
  readonly decode: Uint8Array;
  /** Granule layout of the memory for MPU permission tables. */
  readonly layout: GranuleLayout;
  private readonly attached: Attached[] = [];

  constructor(board: Board) {
    this.board = board;
    const segs: MemorySegment[] = [new MemorySegment(0, [NO_SEGMENT_REGION], 0)];
    let gbase = 0;
    const ranges: { start: number; end: number; gbase: number }[] = [];
    const runs: MemoryRegion[][] = [];
    for (const region of board.memory) {
      const run = runs[runs.length - 1];
      const prev = run?.[run.length - 1];
      if (run && prev && MemorySegment.mergeable(prev, region)) run.push(region);
      else runs.push([region]);
    }
    for (const run of runs) {
      // Pad so a segment's granules sit at table indices congruent to their addresses modulo
      // 32: the tables' 1 KiB blocks (PermTable.blockAnd) are then the address space's 1 KiB
      // blocks, and an MPU region on 1 KiB boundaries covers whole blocks (the core's free windows).
      gbase += ((run[0]!.start >>> GRANULE_SHIFT) - gbase) & 31;
      const seg = new MemorySegment(segs.length, run, gbase);
      ranges.push({ start: seg.start, end: seg.end, gbase });
      gbase += MemorySegment.granules(seg.start, seg.end);
      segs.push(seg);
    }
    if (segs.length > 255) throw new HwError("BOARD_INVALID", "at most 254 memory regions are supported", {});
    this.segments = segs;
    this.layout = { granules: gbase, ranges };
    this.decode = new Uint8Array(2 ** (32 - DECODE_SHIFT));
    const claimed = new Uint8Array(this.decode.length);
    for (const seg of segs) {
      if (seg.index === 0) continue;
      const c0 = seg.start >>> DECODE_SHIFT;
      const c1 = (seg.end - 1) >>> DECODE_SHIFT;
      for (let c = c0; c <= c1; c++) {
        claimed[c]!++;
        this.decode[c] = claimed[c] === 1 ? seg.index : 0;
      }
    }
  }

  /** The segment containing all of [address, address + size), or undefined. */
  segmentFor(address: number, size = 1): MemorySegment | undefined {
    const a = address >>> 0;
    const s = this.segments[this.decode[a >>> DECODE_SHIFT]!]!;
    if (s.index !== 0 && a >= s.start && a + size <= s.end) return s;
    for (let i = 1; i < this.segments.length; i++) {
      const t = this.segments[i]!;
      if (a >= t.start && a + size <= t.end) return t;
    }
    return undefined;
  }

  /** The board memory region containing `address`, or undefined. */
  regionAt(address: number): MemoryRegion | undefined {
    const a = address >>> 0;
    return this.segmentFor(a)?.regions.find((r) => a >= r.start && a < r.end);
  }

  /** The segment holding a board region, by the region's name. */
  segment(regionName: string): MemorySegment | undefined {
    return this.segments.find((s) => s.index !== 0 && s.regions.some((r) => r.name === regionName));
  }

  /**
   * Attaches a device at `base`. It must lie inside one of the board's peripheral ranges and not
   * overlap another device or memory.
   */
  attach(base: number, device: Peripheral): void {
    const end = base + device.size;
    const range = this.board.peripherals.find((r) => base >= r.start && end <= r.start + r.size);
    if (!range) {
      throw new HwError(
        "PERIPHERAL_UNMAPPED",
        `device ${device.name} at 0x${base.toString(16)} lies outside the board's peripheral ranges`,
        { device: device.name, base },
      );
    }
    const clash = this.attached.find((d) => base < d.end && d.base < end);
    if (clash || this.segments.some((s) => s.index !== 0 && base < s.end && s.start < end)) {
      throw new HwError("PERIPHERAL_OVERLAP", `device ${device.name} at 0x${base.toString(16)} overlaps another`, {
        device: device.name,
        base,
        other: clash?.device.name ?? "memory",
      });
    }
    this.attached.push({ base, end, device });
    this.attached.sort((a, b) => a.base - b.base);
  }

  /** Removes a device attached at `base` (no-op when none). */
  detach(base: number): void {
    const i = this.attached.findIndex((d) => d.base === base);
    if (i >= 0) this.attached.splice(i, 1);
  }

  /** Attached devices with their bases. */
  devices(): readonly { readonly base: number; readonly device: Peripheral }[] {
    return this.attached.map((d) => ({ base: d.base, device: d.device }));
  }

  /** Decodes a peripheral address; undefined outside every peripheral range. */
  peripheralAt(address: number): PeripheralHit | undefined {
    const a = address >>> 0;
    const range = this.board.peripherals.find((r) => a >= r.start && a < r.start + r.size);
    if (!range) return undefined;
    for (const d of this.attached) {
      if (a >= d.base && a < d.end) return { device: d.device, offset: a - d.base, range };
    }
    return { device: null, offset: 0, range };
  }

  /**
   * Debugger-style raw copy into memory, with no permission checks and no hook (an image loader,
   * a test fixture). Throws `ADDRESS_RANGE` unless the bytes lie in one memory region.
   */
  load(address: number, data: Uint8Array): void {
    const s = this.segmentFor(address, Math.max(data.length, 1));
    if (!s)
      throw new HwError("ADDRESS_RANGE", `no memory region holds [0x${address.toString(16)}, +${data.length})`, {
        address,
        length: data.length,
      });
    s.bytes.set(data, address - s.start);
  }

  /** Debugger-style raw read (no checks, no hook). Throws `ADDRESS_RANGE` outside memory. */
  peek(address: number, length: number): Uint8Array {
    const s = this.segmentFor(address, Math.max(length, 1));
    if (!s)
      throw new HwError("ADDRESS_RANGE", `no memory region holds [0x${address.toString(16)}, +${length})`, {
        address,
        length,
      });
    return s.bytes.slice(address - s.start, address - s.start + length);
  }
}
