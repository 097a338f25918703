import { describe, expect, it, vi } from "vitest";
import { type BlockRecord, BlockTable } from "./blocks.js";
import type { Site } from "./report.js";

const SITE: Site = { task: 1, taskName: "t", time: 0, label: null, source: null };

function record(address: number, size: number): BlockRecord {
  return { address, size, allocator: "heap", allocatorKind: "heap", state: "live", allocated: SITE, freed: null };
}

/** The look-ups as BlockTable made them before the index: a scan in the table's order. */
function scanContaining(live: Map<number, BlockRecord>, address: number): BlockRecord | undefined {
  for (const b of live.values()) if (address >= b.address && address < b.address + Math.max(b.size, 1)) return b;
  return undefined;
}

function scanNearest(live: Map<number, BlockRecord>, address: number, reach: number): BlockRecord | undefined {
  let best: BlockRecord | undefined;
  let bestD = reach + 1;
  for (const b of live.values()) {
    const end = b.address + b.size;
    const d = address < b.address ? b.address - address : address >= end ? address - end : 0;
    if (d < bestD) {
      best = b;
      bestD = d;
    }
  }
  return best;
}

/** A seeded PRNG (mulberry32): integers in [0, n). */
function prng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * n);
  };
}

/**
 * Random allocations (sizes 0..40, some overlapping when `overlap`), frees, resizes in place and
 * clears, each followed by look-ups compared with the scan; returns how many look-ups were made.
 */
function compare(seed: number, overlap: boolean, steps: number): number {
  const rnd = prng(seed);
  const table = new BlockTable(8);
  let lookups = 0;
  for (let step = 0; step < steps; step++) {
    const op = rnd(100);
    const keys = [...table.live.keys()];
    if (op < 50) {
      const address = 0x1000 + rnd(64) * 16 + (rnd(4) === 0 ? rnd(16) : 0);
      const size = rnd(5) === 0 ? 0 : 1 + rnd(40);
      const clash = keys.some((k) => {
        const b = table.live.get(k)!;
        return address < b.address + Math.max(b.size, 1) && b.address < address + Math.max(size, 1);
      });
      if (overlap || !clash) table.live.set(address, record(address, size));
    } else if (op < 80 && keys.length > 0) {
      const rec = table.live.get(keys[rnd(keys.length)]!)!;
      table.retire(rec, "freed", SITE);
    } else if (op < 95 && keys.length > 0) {
      const rec = table.live.get(keys[rnd(keys.length)]!)!;
      const size = rnd(3) === 0 ? 0 : 1 + rnd(24);
      const next = table.live.get(rec.address + size);
      if (overlap || next === undefined || next === rec) table.resize(rec, size);
    } else if (op === 99) {
      table.live.clear();
    }
    for (let q = 0; q < 4; q++) {
      const address = 0x1000 - 64 + rnd(64 * 16 + 128);
      const reach = rnd(3) * 16;
      expect(table.liveContaining(address), `step ${step}: containing ${address}`).toBe(
        scanContaining(table.live, address),
      );
      expect(table.nearest(address, reach), `step ${step}: nearest ${address} within ${reach}`).toBe(
        scanNearest(table.live, address, reach),
      );
      lookups++;
    }
  }
  return lookups;
}

describe("BlockTable's index of live blocks by address", () => {
  it("answers as the scan in the table's order did: blocks apart, zero-size ones, resizes, frees", () => {
    for (let seed = 1; seed <= 20; seed++) expect(compare(seed, false, 400)).toBe(1600);
  });

  it("answers as the scan did when a corrupt allocator hands out overlapping blocks", () => {
    for (let seed = 101; seed <= 120; seed++) expect(compare(seed, true, 400)).toBe(1600);
  });

  it("answers the ties as the scan did: the first block in the table's order", () => {
    const table = new BlockTable(8);
    table.live.set(0x1020, record(0x1020, 16)); // [0x1020, 0x1030)
    table.live.set(0x1000, record(0x1000, 16)); // [0x1000, 0x1010)
    table.live.set(0x1030, record(0x1030, 0)); // zero-size, at the first one's end
    expect(table.nearest(0x1018, 64)!.address).toBe(0x1020); // 8 bytes from both: the first set
    expect(table.nearest(0x1034, 64)!.address).toBe(0x1020); // 4 bytes past both ends
    expect(table.nearest(0x1030, 64)!.address).toBe(0x1020); // 0 from both
    expect(table.liveContaining(0x1030)!.size).toBe(0);
    expect(table.nearest(0x1080, 16)).toBeUndefined();
  });

  it("does not scan every live block at each look-up: 20,000 blocks, 1,000 look-ups between frees and allocations", () => {
    const table = new BlockTable(8);
    for (let i = 0; i < 20_000; i++) table.live.set(0x20000000 + i * 64, record(0x20000000 + i * 64, 24));
    const values = vi.spyOn(table.live, "values");
    for (let i = 0; i < 1000; i++) {
      const at = 0x20000000 + ((i * 7919) % 20_000) * 64;
      if (i % 50 === 0) table.retire(table.live.get(at)!, "freed", SITE);
      if (i % 50 === 25) table.live.set(at + 32, record(at + 32, 8));
      const inside = table.liveContaining(at + 10);
      expect(inside === undefined || inside.address === at).toBe(true);
      expect(table.nearest(at + 30, 64)?.address).toBe(
        table.live.has(at + 32) ? at + 32 : table.live.has(at) ? at : at + 64,
      );
    }
    // 8 look-ups scanned, then the index built once: 40 changes in 1,000 look-ups do not drop it
    expect(values).toHaveBeenCalledTimes(9);
  });
});
