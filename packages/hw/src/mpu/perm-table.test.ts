import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BOARDS } from "../board/builtin/table.js";
import { Bus } from "../memory/bus.js";
import { backgroundPerm, DEFAULT_MAP_STARTS, defaultMapRange, defaultPerm } from "./fields.js";
import { BLOCK_SHIFT, type GranuleLayout, type PermTable } from "./model.js";
import { GRANULE_SHIFT } from "./perm.js";
import { defaultMapTables, fillGranules, PermTableCache, permTable, sameKey } from "./perm-table.js";

describe("defaultMapTables", () => {
  it("holds, on every built-in board, the default map's and the background's byte of every memory granule", () => {
    for (const board of BOARDS) {
      const layout = new Bus(board).layout;
      const { map, background } = defaultMapTables(layout);
      for (const r of layout.ranges) {
        const g0 = r.start >>> GRANULE_SHIFT;
        for (let g = g0; g <= (r.end - 1) >>> GRANULE_SHIFT; g++) {
          const i = r.gbase + g - g0;
          if (map.bytes[i] !== defaultPerm(g * 32) || background[i] !== backgroundPerm(g * 32)) {
            throw new Error(`${board.name}: granule 0x${(g * 32).toString(16)} differs`);
          }
        }
      }
    }
  });

  it("the default map's ranges start where DEFAULT_MAP_STARTS says, and nowhere else", () => {
    for (let i = 0; i + 1 < DEFAULT_MAP_STARTS.length; i++) {
      const lo = DEFAULT_MAP_STARTS[i]!;
      const hi = DEFAULT_MAP_STARTS[i + 1]!;
      expect(defaultMapRange(hi - 1)).toEqual(defaultMapRange(lo));
      if (i > 0) expect(defaultMapRange(lo - 1).name).not.toBe(defaultMapRange(lo).name);
    }
  });
});

describe("permTable", () => {
  /** The ANDs as the definition says them: granule by granule. */
  function naive(layout: GranuleLayout, bytes: Uint8Array) {
    const and = layout.ranges.map((r) => {
      const n = ((r.end - 1) >>> GRANULE_SHIFT) - (r.start >>> GRANULE_SHIFT) + 1;
      let v = 0xff;
      for (let g = r.gbase; g < r.gbase + n; g++) v &= bytes[g]!;
      return v;
    });
    const blockAnd = new Uint8Array((bytes.length >>> BLOCK_SHIFT) + 1).fill(0xff);
    for (let g = 0; g < bytes.length; g++) blockAnd[g >>> BLOCK_SHIFT]! &= bytes[g]!;
    return { and: [...and], blockAnd: [...blockAnd] };
  }

  it("ANDs every range and every 1 KiB block exactly as granule by granule, on any layout and bytes", () => {
    const layouts = fc
      .array(fc.tuple(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 0, max: 31 })), {
        minLength: 1,
        maxLength: 4,
      })
      .map((spans) => {
        // ranges of `granules` granules (starting `skew` bytes into their first one), back to back in the table
        let gbase = 0;
        let start = 0x20000000;
        const ranges = spans.map(([granules, skew]) => {
          const r = { start: start + skew, end: start + granules * 32, gbase };
          gbase += granules;
          start += 0x10000;
          return r;
        });
        return { granules: gbase, ranges };
      });
    fc.assert(
      fc.property(layouts, fc.integer(), fc.boolean(), (layout, seed, offset) => {
        // mostly 0xff, with a few cleared bits (a denied or Device granule), as real tables are
        let x = seed | 0;
        const buf = new Uint8Array(layout.granules + 1);
        const bytes = offset ? buf.subarray(1) : buf.subarray(0, layout.granules);
        for (let i = 0; i < bytes.length; i++) {
          x = (Math.imul(x, 1103515245) + 12345) | 0;
          bytes[i] = (x >>> 16) % 13 === 0 ? 0xff & ~(1 << ((x >>> 8) & 7)) : 0xff;
        }
        const t = permTable(layout, bytes);
        expect({ and: [...t.and], blockAnd: [...t.blockAnd] }).toEqual(naive(layout, bytes));
      }),
      { seed: 0x5eed6 },
    );
  });
});

describe("fillGranules", () => {
  // One range whose first and last granules it shares with no memory: [0x20000008, 0x20000070),
  // granules 0x20000000..0x20000060 (4 bytes of the table).
  const layout: GranuleLayout = { granules: 4, ranges: [{ start: 0x20000008, end: 0x20000070, gbase: 0 }] };

  it("sets the granules holding bytes of [lo, hi) and of the range, and no other", () => {
    const t = new Uint8Array(4);
    fillGranules(layout, t, 0x20000070, 0x20000100, 7); // from the range's end: none of its bytes
    fillGranules(layout, t, 0x20000000, 0x20000008, 7); // up to its start: none either
    expect([...t]).toEqual([0, 0, 0, 0]);
    fillGranules(layout, t, 0x20000040, 0x20000060, 9);
    expect([...t]).toEqual([0, 0, 9, 0]);
    fillGranules(layout, t, 0x2000006f, 0x20000070, 5); // the range's last byte
    fillGranules(layout, t, 0x20000000, 0x20000009, 3); // its first byte
    expect([...t]).toEqual([3, 0, 9, 5]);
    fillGranules(layout, t, 0, 2 ** 32, 1);
    expect([...t]).toEqual([1, 1, 1, 1]);
  });
});

describe("PermTableCache", () => {
  const table = (n: number) => ({ n }) as unknown as PermTable;

  it("keeps the tables of the 32 most recent keys: the 33rd set drops the oldest", () => {
    const cache = new PermTableCache();
    const keys = Array.from({ length: 33 }, (_, i) => new Uint32Array([0x81, i, 0]));
    for (const [i, k] of keys.entries()) cache.set(k, table(i));
    expect(cache.get(new Uint32Array([0x81, 1, 0]))).toEqual({ n: 1 });
    expect(cache.get(new Uint32Array([0x81, 32, 0]))).toEqual({ n: 32 });
    expect(cache.get(new Uint32Array([0x81, 0, 0]))).toBeUndefined();
  });

  it("keeps a copy of the key: the caller's buffer (the MPU reuses one) can change afterwards", () => {
    const cache = new PermTableCache();
    const key = new Uint32Array([1, 2, 3]);
    cache.set(key, table(0));
    key.set([4, 5, 6]);
    expect(cache.get(new Uint32Array([1, 2, 3]))).toEqual({ n: 0 });
    expect(cache.get(key)).toBeUndefined();
  });

  it("tells apart keys whose hashes collide, by every word", () => {
    // FNV-1a over two words: the second word can undo any difference in the first.
    const fnv1 = (w: number) => Math.imul(0x811c9dc5 ^ w, 0x01000193);
    const a = new Uint32Array([1, 7]);
    const b = new Uint32Array([2, (fnv1(1) ^ fnv1(2) ^ 7) >>> 0]);
    const cache = new PermTableCache();
    cache.set(a, table(1));
    cache.set(b, table(2));
    expect([cache.get(a), cache.get(b)]).toEqual([{ n: 1 }, { n: 2 }]);
    expect(cache.get(new Uint32Array([2, 7]))).toBeUndefined();
  });

  it("sameKey compares lengths and every word, the last one too", () => {
    expect(sameKey(new Uint32Array([1, 2]), new Uint32Array([1, 2]))).toBe(true);
    expect(sameKey(new Uint32Array([1, 2]), new Uint32Array([1, 3]))).toBe(false);
    expect(sameKey(new Uint32Array([1]), new Uint32Array([1, 0]))).toBe(false);
  });
});
