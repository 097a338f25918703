import { backgroundPerm, DEFAULT_MAP_STARTS, defaultPerm } from "./fields.js";
import { BLOCK_SHIFT, type GranuleLayout, type PermTable } from "./model.js";
import { GRANULE_SHIFT } from "./perm.js";

/** Granules per block of `PermTable.blockAnd`. */
const BLOCK = 1 << BLOCK_SHIFT;

/**
 * A table from its permission bytes: adds the per-range and per-1-KiB-block ANDs. Every new MPU
 * configuration (and every machine, for its default map) builds one over all of the board's
 * memory (790,528 granules on the MPS2-AN386), so the blocks are ANDed a word (four granules) at
 * a time, and each range's AND is made of its whole blocks' and its edge granules'.
 */
export function permTable(layout: GranuleLayout, bytes: Uint8Array): PermTable {
  const blocks = (bytes.length >>> BLOCK_SHIFT) + 1;
  const blockAnd = new Uint8Array(blocks).fill(0xff);
  const whole = bytes.length >>> BLOCK_SHIFT;
  if ((bytes.byteOffset & 3) === 0) {
    const words = new Uint32Array(bytes.buffer, bytes.byteOffset, whole * (BLOCK >>> 2));
    for (let b = 0, w = 0; b < whole; b++) {
      let v = -1;
      for (const end = w + (BLOCK >>> 2); w < end; w++) v &= words[w]!;
      blockAnd[b] = v & (v >>> 8) & (v >>> 16) & (v >>> 24);
    }
  } else {
    for (let g = 0; g < whole * BLOCK; g++) blockAnd[g >>> BLOCK_SHIFT]! &= bytes[g]!;
  }
  for (let g = whole * BLOCK; g < bytes.length; g++) blockAnd[whole]! &= bytes[g]!;
  const and = new Uint8Array(layout.ranges.length);
  layout.ranges.forEach((r, i) => {
    const to = r.gbase + ((r.end - 1) >>> GRANULE_SHIFT) - (r.start >>> GRANULE_SHIFT) + 1;
    let v = 0xff;
    let g = r.gbase;
    for (; g < to && (g & (BLOCK - 1)) !== 0; g++) v &= bytes[g]!;
    for (; g + BLOCK <= to; g += BLOCK) v &= blockAnd[g >>> BLOCK_SHIFT]!;
    for (; g < to; g++) v &= bytes[g]!;
    and[i] = v;
  });
  return { bytes, and, blockAnd, views: null };
}

/** Sets the permission byte of every granule of [lo, hi) that the layout covers. */
export function fillGranules(layout: GranuleLayout, t: Uint8Array, lo: number, hi: number, perm: number): void {
  for (const r of layout.ranges) {
    const a = Math.max(lo, r.start);
    const b = Math.min(hi, r.end);
    if (a >= b) continue;
    const g0 = r.start >>> GRANULE_SHIFT;
    t.fill(perm, r.gbase + (a >>> GRANULE_SHIFT) - g0, r.gbase + ((b - 1) >>> GRANULE_SHIFT) - g0 + 1);
  }
}

/**
 * The default memory map over the layout (MPU off, or HardFault/NMI with HFNMIENA = 0), and the
 * background region's bytes (PRIVDEFENA: the default map for privileged accesses only). The
 * system address map is the same on ARMv7-M and ARMv8-M.
 */
export function defaultMapTables(layout: GranuleLayout): { readonly map: PermTable; readonly background: Uint8Array } {
  const def = new Uint8Array(layout.granules);
  const background = new Uint8Array(layout.granules);
  // One fill per range of the default map (its permission is the same across a range), not a
  // decision per granule: every machine builds these tables.
  for (let i = 0; i + 1 < DEFAULT_MAP_STARTS.length; i++) {
    const lo = DEFAULT_MAP_STARTS[i]!;
    const hi = DEFAULT_MAP_STARTS[i + 1]!;
    fillGranules(layout, def, lo, hi, defaultPerm(lo));
    fillGranules(layout, background, lo, hi, backgroundPerm(lo));
  }
  return { map: permTable(layout, def), background };
}

/** How many configurations keep their precomputed permission tables. */
const CACHE_LIMIT = 32;

function hashKey(key: Uint32Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key[i]!, 0x01000193);
  return h | 0; // a small integer: Map keys stay unboxed
}

/** Whether two register snapshots are equal. */
export function sameKey(a: Uint32Array, b: Uint32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Permission tables by configuration key (the register values that decide), the oldest of more
 * than 32 dropped: a context switch back to a known configuration costs a hash lookup.
 */
export class PermTableCache {
  private readonly cache = new Map<number, { readonly key: Uint32Array; readonly table: PermTable }[]>();
  private order: number[] = [];

  /** The table cached for `key`, or undefined. */
  get(key: Uint32Array): PermTable | undefined {
    const bucket = this.cache.get(hashKey(key));
    if (bucket) for (const c of bucket) if (sameKey(c.key, key)) return c.table;
    return undefined;
  }

  /** Caches `table` for a copy of `key`. */
  set(key: Uint32Array, table: PermTable): void {
    const hash = hashKey(key);
    const entry = { key: key.slice(), table };
    const bucket = this.cache.get(hash);
    if (bucket) bucket.push(entry);
    else this.cache.set(hash, [entry]);
    this.order.push(hash);
    if (this.order.length > CACHE_LIMIT) {
      const old = this.order.shift()!;
      const b = this.cache.get(old);
      if (b) {
        b.shift();
        if (b.length === 0) this.cache.delete(old);
      }
    }
  }
}
