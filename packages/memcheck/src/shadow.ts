import type { AccessFilter, Bus, MemoryRegion } from "@rtos-sim/hw";
import { MemcheckError } from "./errors.js";
import { hex } from "./report.js";
import { ANY, fastTable, NO, StateBit } from "./state.js";

/** The checker's state of one RAM range (contiguous board regions merged): one byte per managed byte. */
export interface ShadowRegion {
  /** The board regions it covers, names joined with "+". */
  readonly name: string;
  /** First managed byte. */
  readonly start: number;
  /** Bytes managed (one state byte each). */
  readonly size: number;
  /** One past the last byte. */
  readonly end: number;
  /** State bytes: `bytes[address - start]` (a window of the core's filter state). */
  readonly bytes: Uint8Array;
  /** Address of the first byte of `words[0]`: `start` rounded down to a multiple of 4. */
  readonly wordStart: number;
  /**
   * The same bytes as little-endian words (4 managed bytes per element; signed, so always small
   * integers): `words[(address - wordStart) >> 2]`.
   */
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
 * The checker's shadow memory: state bytes for every writable memory segment of the bus (RAM),
 * kept in the core's filter state (`Core.filterState`, hw: one byte per memory byte at the
 * memory's offsets in the bus buffer), so the core tests them itself. Read-only regions (flash,
 * ROM, OTP) need no state: they read as ANY, read-only, initialized.
 *
 * It is also the access filter the core tests (`AccessFilter`, hw): `filterMasks` holds the mask
 * of each actor tag, so an aligned access whose word passes `(word | mask) === -1` never calls
 * the checker's hook. State bytes outside the managed regions stay 0, which never passes.
 */
export class Shadow implements AccessFilter {
  /** The managed RAM ranges, one per writable bus segment. */
  readonly regions: readonly ShadowRegion[];
  /** Read-only board memory regions (flash, ROM, OTP). */
  readonly readOnly: readonly MemoryRegion[];
  /**
   * OR-masks by actor tag (`fastTable`, state.ts): an aligned word is plainly fine for the actor
   * (its mode's owner bit, writable, initialized, plain in all four bytes) when
   * `(word | filterMasks[actor]) === -1`. The checker's hook tests the same.
   */
  readonly filterMasks: Int32Array = fastTable();

  /** A shadow over the bus's writable segments, its state in `state` (the core's filter state). */
  constructor(bus: Bus, state: Uint8Array) {
    const regions: ShadowRegion[] = [];
    const ro: MemoryRegion[] = [];
    for (const seg of bus.segments) {
      if (seg.index === 0) continue;
      if (seg.wsize === 0) {
        ro.push(...seg.regions);
        continue;
      }
      const at = state.byteOffset + seg.offset;
      const wordStart = (seg.start & ~3) >>> 0;
      const lead = seg.start - wordStart;
      const bytes = new Uint8Array(state.buffer, at, seg.size);
      bytes.fill(NO);
      regions.push({
        name: seg.name,
        start: seg.start,
        size: seg.size,
        end: seg.end,
        bytes,
        wordStart,
        words: new Int32Array(state.buffer, at - lead, (seg.size + lead + 3) >>> 2),
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

  /**
   * Sets (`plain`) or clears P on the live stack bytes (S set) of [address, address + length)
   * inside one region, leaving every other byte (a redzone inside a frame, say) as it is.
   */
  setStackPlain(address: number, length: number, plain: boolean): void {
    const r = this.regionAt(address)!;
    const b = r.bytes;
    for (let i = address - r.start, e = i + length; i < e; i++) {
      const v = b[i]!;
      if ((v & StateBit.S) !== 0) b[i] = plain ? v | StateBit.P : v & ~StateBit.P;
    }
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
    const lead = r.start - r.wordStart;
    while (i < end && ((i + lead) & 3) !== 0) {
      if ((b[i]! & mask) !== value) return r.start + i;
      i++;
    }
    const m4 = mask | (mask << 8) | (mask << 16) | (mask << 24) | 0;
    const v4 = value | (value << 8) | (value << 16) | (value << 24) | 0;
    const w = r.words;
    while (i + 4 <= end && (w[(i + lead) >> 2]! & m4) === v4) i += 4;
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
