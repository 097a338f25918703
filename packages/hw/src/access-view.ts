import type { Bus } from "./memory/bus.js";
import type { PermTable } from "./mpu/model.js";
import { GRANULE_SHIFT, Perm } from "./mpu/perm.js";

/**
 * Access views: what the core's fast paths test, one byte per 32-byte granule of the bus's
 * memory buffer (index `offset >>> 5`, the same index as the MPU's permission tables). A view
 * is derived from one MPU permission table, one privilege level and whether cycles are counted:
 *
 * | bits | meaning |
 * |---|---|
 * | 0 | a load at the current privilege is allowed (MPU) and the granule is memory |
 * | 1 | a store at the current privilege is allowed (MPU) and the memory is writable |
 * | 2 | an unprivileged load is allowed (the LDRT idiom: `unprivileged` argument) |
 * | 3 | an unprivileged store is allowed |
 * | 4-7 | cycles one access costs (1 + wait states) when cycles are counted, else 0 |
 *
 * A zero byte sends the access to the general path, which decides exactly (faults, the PPB,
 * peripherals, granules only partly inside a segment, memory slower than 15 cycles).
 */
export const ViewBit = {
  /** Load at the current privilege. */
  R: 1 << 0,
  /** Store at the current privilege. */
  W: 1 << 1,
  /** Unprivileged load. */
  UR: 1 << 2,
  /** Unprivileged store. */
  UW: 1 << 3,
} as const;

/** Shift of the cycle cost in a view byte. */
export const VIEW_COST_SHIFT = 4;

/** Highest cost a view byte can carry; slower memory takes the general path (exact cost there). */
const MAX_VIEW_COST = 15;

/**
 * Granule attributes of the bus: bit 0 memory (wholly inside one segment), bit 1 writable, bit 2
 * executable (the bus lets the CPU fetch from it), cost above.
 */
const MAPPED = 1;
const WRITABLE = 2;
/** Bit 2 of a granule attribute: its memory can be fetched from (`MemoryRegion.executable`). */
export const GRANULE_EXECUTABLE = 4;

/**
 * The bus's attribute byte per granule: which granules are memory wholly inside one segment,
 * whether they are writable, and the segment's access cost.
 */
export function granuleAttributes(bus: Bus): Uint8Array {
  const attr = new Uint8Array(bus.layout.granules);
  for (const s of bus.segments) {
    if (s.index === 0 || s.cost > MAX_VIEW_COST) continue;
    // Only granules wholly inside the segment: a partial one takes the general path.
    const first = (s.start + 31) >>> GRANULE_SHIFT;
    const last = Math.floor(s.end / 32) - 1;
    const a =
      MAPPED |
      (s.wsize > 0 ? WRITABLE : 0) |
      (s.region.executable ? GRANULE_EXECUTABLE : 0) |
      (s.cost << VIEW_COST_SHIFT);
    for (let g = first; g <= last; g++) attr[g - s.g0] = a;
  }
  return attr;
}

/** log2 of the granules of a view built at once (a 64 KiB chunk of memory). */
const CHUNK_SHIFT = 11;

/**
 * Writes granules [from, to) of the view of `table` for a privilege level, with or without cycle
 * costs, into `out`.
 */
export function buildView(
  out: Uint8Array,
  table: PermTable,
  attr: Uint8Array,
  privileged: boolean,
  cycles: boolean,
  from = 0,
  to = attr.length,
): void {
  const perm = table.bytes;
  const pr = privileged ? Perm.PR : Perm.UR;
  const pw = privileged ? Perm.PW : Perm.UW;
  for (let g = from; g < to; g++) {
    const a = attr[g]!;
    let v = 0;
    if (a !== 0) {
      const p = perm[g]!;
      const w = (a & WRITABLE) !== 0;
      if ((p & pr) !== 0) v |= ViewBit.R;
      if (w && (p & pw) !== 0) v |= ViewBit.W;
      if ((p & Perm.UR) !== 0) v |= ViewBit.UR;
      if (w && (p & Perm.UW) !== 0) v |= ViewBit.UW;
      if (v !== 0 && cycles) v |= a & 0xf0;
    }
    out[g] = v;
  }
}

/** The variant of a table's view: its index in a table's slots and offsets (see {@link ViewCache.offsetsOf}). */
export function viewVariant(privileged: boolean, cycles: boolean): number {
  return (privileged ? 0 : 1) + (cycles ? 2 : 0);
}

/** What a view slot holds: the table, the variant (`viewVariant` in access-view.ts), built chunks. */
interface Slot {
  table: PermTable | null;
  variant: number;
  readonly bytes: Uint8Array;
  /** Per 64 KiB chunk of memory: built (1) or still zero (0). */
  readonly built: Uint8Array;
}

/** What a view cache keeps per table: slot numbers and buffer offsets of its views per variant (0: none). */
interface ViewsOfTable {
  readonly slots: Int32Array;
  readonly offsets: Int32Array;
}

/**
 * The access views in the bus buffer's view slots (see `BufferLayout`): slot 0 stays all zero
 * (the closed view: every access takes the general path); the others hold the views of the
 * permission tables used most recently, reused least recently used first. A view is built a
 * 64 KiB chunk of memory at a time, when the general path first meets a granule of the chunk
 * (so a board with much memory pays for what tasks touch). Tables are cached by the MPU per
 * configuration, so a context switch back to a known configuration finds its view here.
 *
 * Use is counted per table rather than per privilege change: {@link ViewCache.get} marks the
 * view it returns and its other privilege level's as used, and the core takes the other one
 * from {@link ViewCache.offsetsOf} when only its privilege changes (twice per context switch).
 */
export class ViewCache {
  /**
   * The bus's attribute byte per granule (`granuleAttributes` in access-view.ts): the core's instruction
   * fetch reads it next to the permission table (views carry no execute bits).
   */
  readonly attr: Uint8Array;
  private readonly base: number;
  private readonly size: number;
  private readonly slots: Slot[];
  /** Last use per slot (0: never). */
  private readonly used: Float64Array;
  /** Slot numbers and offsets per table, for tables that keep another cache's (`PermTable.views`). */
  private readonly index = new WeakMap<PermTable, ViewsOfTable>();
  private clock = 0;
  /** Chunks built so far (for tests and benchmarks). */
  built = 0;

  constructor(bus: Bus) {
    this.attr = granuleAttributes(bus);
    const l = bus.bufferLayout;
    this.base = l.viewsOffset;
    this.size = l.viewBytes;
    const chunks = (l.viewBytes + (1 << CHUNK_SHIFT) - 1) >>> CHUNK_SHIFT;
    this.slots = Array.from({ length: l.viewSlots }, (_, n) => ({
      table: null,
      variant: 0,
      bytes: new Uint8Array(bus.buffer, l.viewsOffset + n * l.viewBytes, l.viewBytes),
      built: new Uint8Array(chunks),
    }));
    this.used = new Float64Array(l.viewSlots);
  }

  /** Buffer offset of the closed view (all zero). */
  get closed(): number {
    return this.base;
  }

  /**
   * Buffer offset of the view of `table` for a privilege level and cycle counting (a slot is
   * taken for it when it has none). Marks it used, and the view of the other privilege level
   * too when it has one.
   */
  get(table: PermTable, privileged: boolean, cycles: boolean): number {
    const variant = viewVariant(privileged, cycles);
    const views = this.viewsOf(table);
    const slots = views.slots;
    let n = slots[variant]!;
    if (n === 0) n = this.take(table, variant, views);
    const clock = ++this.clock;
    const used = this.used;
    used[n] = clock;
    const other = slots[variant ^ 1]!;
    if (other !== 0) used[other] = clock;
    return views.offsets[variant]!;
  }

  /**
   * The buffer offsets of `table`'s views per variant (`viewVariant` in access-view.ts),
   * 0 where it has none: the cache's own array, which it updates as it takes and reuses slots (an
   * offset there is always a view of `table`). Read, not written, by the caller.
   */
  offsetsOf(table: PermTable): Int32Array {
    return this.viewsOf(table).offsets;
  }

  /** Takes the least recently used slot for the view `variant` of `table` (its previous view goes). */
  private take(table: PermTable, variant: number, views: ViewsOfTable): number {
    const n = this.victim();
    const slot = this.slots[n]!;
    if (slot.table !== null) {
      const previous = this.viewsOf(slot.table);
      previous.slots[slot.variant] = 0;
      previous.offsets[slot.variant] = 0;
    }
    slot.table = table;
    slot.variant = variant;
    // Only the chunks the previous view built hold non-zero bytes: clearing just those keeps a
    // switch between more configurations than slots cheap on a board with much memory (the
    // whole view is 768 KiB on the MPS2-AN386, where a task touches a few chunks).
    const built = slot.built;
    for (let c = 0; c < built.length; c++) {
      if (built[c] === 0) continue;
      built[c] = 0;
      slot.bytes.fill(0, c << CHUNK_SHIFT, (c + 1) << CHUNK_SHIFT);
    }
    views.slots[variant] = n;
    views.offsets[variant] = this.base + n * this.size;
    return n;
  }

  /**
   * Builds the chunk of the view at buffer offset `view` that holds memory offset `i`, when it
   * is not built yet (the general path calls this for the accesses it takes).
   */
  fill(view: number, i: number): void {
    const slot = this.slots[(view - this.base) / this.size]!;
    const c = i >>> (GRANULE_SHIFT + CHUNK_SHIFT);
    if (slot.table === null || slot.built[c] !== 0) return;
    slot.built[c] = 1;
    const from = c << CHUNK_SHIFT;
    buildView(
      slot.bytes,
      slot.table,
      this.attr,
      (slot.variant & 1) === 0,
      (slot.variant & 2) !== 0,
      from,
      Math.min(this.attr.length, from + (1 << CHUNK_SHIFT)),
    );
    this.built++;
  }

  /**
   * The slot numbers and offsets of `table`'s views: kept on the table (`PermTable.views`: a
   * context switch reopens the views of another table each time, with no map lookup), or in
   * this cache's map when the table keeps another cache's.
   */
  private viewsOf(table: PermTable): ViewsOfTable {
    const v = table.views;
    if (v === null || v === undefined) {
      const views = { slots: new Int32Array(4), offsets: new Int32Array(4) };
      table.views = { cache: this, slots: views.slots, offsets: views.offsets };
      return views;
    }
    if (v.cache === this) return v;
    let n = this.index.get(table);
    if (n === undefined) {
      n = { slots: new Int32Array(4), offsets: new Int32Array(4) };
      this.index.set(table, n);
    }
    return n;
  }

  /** The least recently used slot (never slot 0). */
  private victim(): number {
    let best = 1;
    const used = this.used;
    for (let s = 2; s < used.length; s++) if (used[s]! < used[best]!) best = s;
    return best;
  }
}
