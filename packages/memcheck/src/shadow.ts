import type { AccessFilter, Board, MemoryRegion } from "@rtos-sim/hw";
import { MemcheckError } from "./errors.js";
import { hex } from "./report.js";
import { ANY, fastTable, NO, StateBit } from "./state.js";

/** The checker's state of one RAM range (contiguous board regions merged): one byte per managed byte. */
export interface ShadowRegion {
  readonly name: string;
  readonly start: number;
  readonly size: number;
  /** One past the last byte. */
  readonly end: number;
  /** State bytes (length rounded up to a multiple of 4). */
  readonly bytes: Uint8Array;
  /** The same bytes as little-endian words (4 managed bytes per element; signed, so always small integers). */
  readonly words: Int32Array;
}

/** What the checker's state costs. */
export interface ShadowCost {
  /** Bytes of simulated RAM the checker keeps state for. */
  readonly managedBytes: number;
  /** Bytes of host (JS) memory used for that state: 1 per managed byte. */
  readonly hostBytes: number;
  /** Bits of state per managed byte on a device (the compact encoding: owner, writable, initialized). */
  readonly deviceBitsPerByte: 4;
  /** Bytes of device RAM the in-region metadata would take: managedBytes / 2. */
  readonly deviceMetadataBytes: number;
  /** Fraction of each region left for data on the device: 2B*R/(2B+1) / R with B = 1, i.e. 2/3. */
  readonly deviceUsableFraction: number;
}

/**
 * The checker's shadow memory: state arrays for every writable board memory region (RAM).
 * Read-only regions (flash, ROM, OTP) need no array: they read as ANY, read-only, initialized.
 *
 * It is also the access filter the core tests itself (`AccessFilter`, hw): `filterRun` gives the
 * state words of the region holding an address and `filterMasks` the mask of each actor tag, so
 * an aligned access whose word passes `(word | mask) === -1` never calls the checker's hook.
 */
export class Shadow implements AccessFilter {
  readonly regions: readonly ShadowRegion[];
  /** Read-only board memory regions (flash, ROM, OTP). */
  readonly readOnly: readonly MemoryRegion[];
  /**
   * OR-masks by actor tag (`fastTable`, state.ts): an aligned word is plainly fine for the actor
   * (its mode's owner bit, writable, initialized, plain in all four bytes) when
   * `(word | filterMasks[actor]) === -1`. The checker's hook tests the same.
   */
  readonly filterMasks: Int32Array = fastTable();

  constructor(board: Board) {
    const regions: ShadowRegion[] = [];
    const ro: MemoryRegion[] = [];
    // Contiguous RAM regions (e.g. SRAM1 + SRAM2) share one state array, as they share a bus segment.
    const runs: MemoryRegion[][] = [];
    for (const r of board.memory) {
      if (r.readOnly) {
        ro.push(r);
        continue;
      }
      const run = runs[runs.length - 1];
      if (run && run[run.length - 1]!.end === r.start) run.push(r);
      else runs.push([r]);
    }
    for (const run of runs) {
      const start = run[0]!.start;
      const end = run[run.length - 1]!.end;
      const buf = new ArrayBuffer((end - start + 3) & ~3);
      regions.push({
        name: run.map((r) => r.name).join("+"),
        start,
        size: end - start,
        end,
        bytes: new Uint8Array(buf),
        words: new Int32Array(buf),
      });
    }
    this.regions = regions;
    this.readOnly = ro;
  }

  private last: ShadowRegion | undefined;

  /** The managed region holding `address`, or undefined. */
  regionAt(address: number): ShadowRegion | undefined {
    const l = this.last;
    if (l !== undefined && address >= l.start && address < l.end) return l;
    for (const r of this.regions) {
      if (address >= r.start && address < r.end) {
        this.last = r;
        return r;
      }
    }
    return undefined;
  }

  /** The state words of the region holding `address` (the core's filter test), or undefined. */
  filterRun(address: number): ShadowRegion | undefined {
    return this.regionAt(address);
  }

  /** The read-only region holding `address`, or undefined. */
  readOnlyAt(address: number): MemoryRegion | undefined {
    for (const r of this.readOnly) if (address >= r.start && address < r.end) return r;
    return undefined;
  }

  /** Whether [address, address + length) lies inside one managed region. */
  covers(address: number, length: number): boolean {
    const r = this.regionAt(address);
    return r !== undefined && address + length <= r.end;
  }

  /**
   * Checks that [address, address + size) lies inside one managed region with a positive
   * length; throws `RANGE_OUTSIDE_MANAGED` otherwise.
   */
  checkRange(address: number, size: number): void {
    if (!(size > 0) || !this.covers(address >>> 0, size)) {
      throw new MemcheckError("RANGE_OUTSIDE_MANAGED", `[${hex(address)}, +${size}) is not inside one RAM region`, {
        address,
        size,
      });
    }
  }

  /**
   * State of the byte at `address`: managed state, ANY|I (read-only, initialized) in read-only
   * memory, or -1 outside every memory region.
   */
  get(address: number): number {
    const r = this.regionAt(address);
    if (r) return r.bytes[address - r.start]!;
    if (this.readOnlyAt(address)) return ANY | StateBit.I;
    return -1;
  }

  /** Sets every byte of [address, address + length) (inside one region) to `state`. */
  fill(address: number, length: number, state: number): void {
    const r = this.regionAt(address)!;
    r.bytes.fill(state, address - r.start, address - r.start + length);
  }

  /** Applies `(s & and) | or` to every byte of [address, address + length) inside one region. */
  update(address: number, length: number, and: number, or: number): void {
    const r = this.regionAt(address)!;
    const b = r.bytes;
    for (let i = address - r.start, e = i + length; i < e; i++) b[i] = (b[i]! & and) | or;
  }

  /** Index of the first byte in [address, address + length) for which `bad(state)`, or -1. */
  find(address: number, length: number, bad: (state: number) => boolean): number {
    const r = this.regionAt(address)!;
    const b = r.bytes;
    for (let i = 0; i < length; i++) if (bad(b[address - r.start + i]!)) return address + i;
    return -1;
  }

  /**
   * Address of the first byte of [address, address + length) (inside one region) whose state
   * masked by `mask` is not `value`, or -1. Scans a word at a time where it can.
   */
  mismatch(address: number, length: number, mask: number, value: number): number {
    const r = this.regionAt(address)!;
    const b = r.bytes;
    let i = address - r.start;
    const end = i + length;
    while (i < end && (i & 3) !== 0) {
      if ((b[i]! & mask) !== value) return r.start + i;
      i++;
    }
    const m4 = mask | (mask << 8) | (mask << 16) | (mask << 24) | 0;
    const v4 = value | (value << 8) | (value << 16) | (value << 24) | 0;
    const w = r.words;
    while (i + 4 <= end && (w[i >> 2]! & m4) === v4) i += 4;
    for (; i < end; i++) if ((b[i]! & mask) !== value) return r.start + i;
    return -1;
  }

  /** A copy of the states of [address, address + length) inside one region. */
  snapshot(address: number, length: number): Uint8Array {
    const r = this.regionAt(address)!;
    return r.bytes.slice(address - r.start, address - r.start + length);
  }

  /** Writes back states taken with {@link Shadow.snapshot}. */
  restore(address: number, states: Uint8Array): void {
    const r = this.regionAt(address)!;
    r.bytes.set(states, address - r.start);
  }

  /** Resets every managed byte to NO. */
  clear(): void {
    for (const r of this.regions) r.bytes.fill(NO);
  }

  /** What the state costs on the host and would cost on the device. */
  cost(): ShadowCost {
    let managed = 0;
    let host = 0;
    for (const r of this.regions) {
      managed += r.size;
      host += r.bytes.byteLength;
    }
    return {
      managedBytes: managed,
      hostBytes: host,
      deviceBitsPerByte: 4,
      deviceMetadataBytes: managed / 2,
      deviceUsableFraction: 2 / 3,
    };
  }
}
