import type { Board, MemoryRegion, PeripheralRangeSpec } from "../board/types.js";
import { HwError } from "../errors.js";
import type { GranuleLayout } from "../mpu/model.js";
import { GRANULE_SHIFT } from "../mpu/perm.js";
import { type BufferLayout, bufferLayout, FAST_BLOCK, FAST_BLOCK_SHIFT } from "./buffer-layout.js";
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
  /** Offset of the address from the device's base (0 when no device is attached). */
  readonly offset: number;
  /** The board's peripheral range the address lies in. */
  readonly range: PeripheralRangeSpec;
}

/** What an erased flash or OTP byte reads. */
const ERASED = 0xff;

/**
 * The system bus: decodes addresses to memory segments and peripherals. Every memory segment is
 * a window of one ArrayBuffer ({@link Bus.buffer}), placed at an offset congruent to its start
 * address modulo 64 KiB, so that one table lookup turns an address into an offset of that buffer
 * ({@link Bus.offsetOf}); the buffer also holds the core's access tables (see
 * {@link BufferLayout}), so the core's fast paths work through one DataView. It does not check
 * permissions (that is the MPU's job in the core); the core raises BusFaults for what the bus
 * cannot decode. RAM and ROM start as zeros, flash and OTP erased (0xFF), and the board's
 * initial contents of read-only memory ({@link Board.contents}: device identity registers,
 * system memory) are loaded over that at construction (packages/hw README, "Initial contents").
 */
export class Bus {
  /** The board whose memory and peripheral ranges the bus decodes. */
  readonly board: Board;
  /** Segment 0 is a sentinel; 1.. are the board's memory regions in address order. */
  readonly segments: readonly MemorySegment[];
  /** Segment index per 4 KiB of address space: a segment wholly owning that 4 KiB's mapped bytes, else 0. */
  readonly decode: Uint8Array;
  /** The one buffer: memory, the core's filter state and access views, the block table. */
  readonly buffer: ArrayBuffer;
  /** Where each part of {@link Bus.buffer} sits. */
  readonly bufferLayout: BufferLayout;
  /**
   * Per 64 KiB block of the address space, `offset - address` for its addresses, so that
   * `(address + blocks[address >>> 16]) | 0` is the offset of `address` in {@link Bus.buffer}
   * when exactly one segment touches that block; otherwise (nothing mapped, peripherals, two
   * segments sharing the block) an offset in the trap block, whose granules no view allows.
   * A view of the block-table part of the buffer.
   */
  readonly blocks: Int32Array;
  /** Granule layout of the memory for MPU permission tables (granule index = offset >>> 5). */
  readonly layout: GranuleLayout;
  private readonly attached: Attached[] = [];

  constructor(board: Board) {
    this.board = board;
    const runs: MemoryRegion[][] = [];
    for (const region of board.memory) {
      const run = runs[runs.length - 1];
      const prev = run?.[run.length - 1];
      if (run && prev && MemorySegment.mergeable(prev, region)) run.push(region);
      else runs.push([region]);
    }
    // Placement: after the trap block, each run at the next free 64 KiB block plus its start's
    // offset within a 64 KiB block, so no two runs share a block of the buffer.
    const offsets: number[] = [];
    let cursor = FAST_BLOCK;
    for (const run of runs) {
      const start = run[0]!.start;
      const end = run[run.length - 1]!.end;
      const offset = cursor + (start & (FAST_BLOCK - 1));
      offsets.push(offset);
      cursor = Math.ceil((offset + (end - start)) / FAST_BLOCK) * FAST_BLOCK;
    }
    this.bufferLayout = bufferLayout(cursor);
    this.buffer = new ArrayBuffer(this.bufferLayout.totalBytes);
    const segs: MemorySegment[] = [new MemorySegment(0, [NO_SEGMENT_REGION], this.buffer, 0)];
    runs.forEach((run, i) => {
      segs.push(new MemorySegment(segs.length, run, this.buffer, offsets[i]!));
    });
    if (segs.length > 255) throw new HwError("BOARD_INVALID", "at most 254 memory regions are supported", {});
    this.segments = segs;
    this.layout = {
      granules: cursor >>> GRANULE_SHIFT,
      ranges: segs.slice(1).map((s) => ({ start: s.start, end: s.end, gbase: s.gbase })),
    };
    this.decode = new Uint8Array(2 ** (32 - DECODE_SHIFT));
    const claimed = new Uint8Array(this.decode.length);
    for (const seg of segs) {
      if (seg.index === 0) continue;
      for (let c = seg.start >>> DECODE_SHIFT; c <= (seg.end - 1) >>> DECODE_SHIFT; c++) {
        claimed[c]!++;
        this.decode[c] = claimed[c] === 1 ? seg.index : 0;
      }
    }
    const fastBlocks = 2 ** (32 - FAST_BLOCK_SHIFT);
    this.blocks = new Int32Array(this.buffer, this.bufferLayout.blocksOffset, fastBlocks);
    const owner = new Int16Array(fastBlocks); // 0 none, segment index, -1 shared
    for (const seg of segs) {
      if (seg.index === 0) continue;
      for (let c = seg.start >>> FAST_BLOCK_SHIFT; c <= (seg.end - 1) >>> FAST_BLOCK_SHIFT; c++) {
        owner[c] = owner[c] === 0 ? seg.index : -1;
      }
    }
    for (let c = 0; c < fastBlocks; c++) {
      const o = owner[c]!;
      // The trap block for what no single segment owns: offset = address mod 64 KiB.
      this.blocks[c] = o > 0 ? (segs[o]!.offset - segs[o]!.start) | 0 : -(c << FAST_BLOCK_SHIFT) | 0;
    }
    // The factory-programmed bytes of read-only memory (defineBoard checked that each entry lies
    // in one read-only region, so in one segment): the rest of memory starts as zeros.
    // Flash and OTP as erased NOR cells read (all ones) until something is programmed there.
    for (const seg of segs) {
      for (const r of seg.regions) {
        if (r.kind === "flash" || r.kind === "otp")
          seg.bytes.fill(ERASED, r.start - seg.start, r.start - seg.start + r.size);
      }
    }
    for (const c of board.contents ?? []) this.load(c.address, Uint8Array.from(c.bytes));
  }

  /** Offset of `address` in {@link Bus.buffer} through {@link Bus.blocks} (in the trap block when none). */
  offsetOf(address: number): number {
    return (address + this.blocks[address >>> FAST_BLOCK_SHIFT]!) | 0;
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
  devices(): readonly {
    /** The address the device is attached at. */
    readonly base: number;
    /** The device. */
    readonly device: Peripheral;
  }[] {
    return this.attached.map((d) => ({ base: d.base, device: d.device }));
  }

  /** Decodes a peripheral address; undefined outside every peripheral range. */
  peripheralAt(address: number): PeripheralHit | undefined {
    // Plain loops: device registers are decoded on every access a driver makes.
    const a = address >>> 0;
    const range = this.peripheralRange(a);
    if (range === undefined) return undefined;
    const attached = this.attached;
    for (let i = 0; i < attached.length; i++) {
      const d = attached[i]!;
      if (a >= d.base && a < d.end) return { device: d.device, offset: a - d.base, range };
    }
    return { device: null, offset: 0, range };
  }

  /** Whether `address` lies in one of the board's peripheral ranges (what {@link Bus.peripheralAt} decodes). */
  isPeripheral(address: number): boolean {
    return this.peripheralRange(address >>> 0) !== undefined;
  }

  /** The board's peripheral range holding `address`, or undefined (what {@link Bus.isPeripheral} tests). */
  peripheralRangeOf(address: number): PeripheralRangeSpec | undefined {
    return this.peripheralRange(address >>> 0);
  }

  private peripheralRange(a: number): PeripheralRangeSpec | undefined {
    const ranges = this.board.peripherals;
    for (let i = 0; i < ranges.length; i++) {
      const r = ranges[i]!;
      if (a >= r.start && a < r.start + r.size) return r;
    }
    return undefined;
  }

  /**
   * Debugger-style raw copy into memory, with no permission checks and no hook (an image loader,
   * a test fixture). Throws `ADDRESS_RANGE` unless the bytes lie in one span of contiguous
   * memory (adjacent regions count as one: on the STM32F407 a load may cross from SRAM1 into SRAM2).
   */
  load(address: number, data: Uint8Array): void {
    if (!(data instanceof Uint8Array)) {
      throw new HwError("BAD_ARGUMENT", "bus.load: data must be a Uint8Array", {
        field: "data",
        value: data === null ? "null" : typeof data,
      });
    }
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
    const ok = Number.isInteger(address) && address >= 0 && Number.isInteger(length) && length >= 0;
    const s = ok ? this.segmentFor(address, Math.max(length, 1)) : undefined;
    if (!s)
      throw new HwError(
        "ADDRESS_RANGE",
        `no memory region holds [${ok ? `0x${address.toString(16)}` : String(address)}, +${length})`,
        {
          address,
          length,
        },
      );
    return s.bytes.slice(address - s.start, address - s.start + length);
  }
}
