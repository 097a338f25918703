import { describe, expect, it } from "vitest";
import { checkedAllocator } from "./checked-allocator.js";
import { formatReport, reportToJSON } from "./report.js";
import { TestAllocator } from "./test-allocator.js";
import { FIRST_BLOCK, SENSOR, setup } from "./test-setup.js";

describe("redzones: what the seed's design misses", () => {
  it("an overflow into a live neighbour: missed without redzones, caught with them", () => {
    // The seed's design: blocks [a, a+16) and [b, b+16) are both USR; a[24] is b[0].
    const f = setup();
    f.user(SENSOR);
    const a = f.heap.allocate(16)!;
    const b = f.heap.allocate(16)!;
    expect(b).toBe(a + 24);
    f.m.core.write32(b, 0);
    f.m.core.write32(a + 24, 0xbad); // overwrites b: no report
    expect(f.checker.reports).toEqual([]);

    const g = setup();
    g.user(SENSOR);
    const heap = checkedAllocator(g.checker, g.heap, { redzone: 16 });
    g.tick(3.2);
    const c = heap.allocate(16, 8, "sensor.c:10")!;
    const d = heap.allocate(16)!;
    expect(c).toBe(FIRST_BLOCK + 16);
    expect(d).toBe(c + 48 + 8);
    g.m.core.write32(c + 24, 0xbad);
    const r = g.checker.reports[0]!;
    expect(g.checker.reports).toHaveLength(1);
    expect(r).toMatchObject({ kind: "heap-buffer-overflow", address: c + 24, access: "write", size: 4 });
    expect(r.block).toMatchObject({ address: c, size: 16, relation: "right", distance: 8 });
    expect(r.block!.allocated).toEqual({
      task: SENSOR,
      taskName: "sensor",
      time: 3.2,
      label: "sensor.c:10",
      source: null,
    });
    // The left redzone too.
    g.m.core.read8(d - 1);
    expect(g.checker.reports[1]).toMatchObject({ kind: "heap-buffer-overflow", address: d - 1 });
    expect(g.checker.reports[1]!.block).toMatchObject({ address: d, relation: "left", distance: 1 });
  });

  it("slab-out-of-bounds for slab allocators, with the block and its allocator named", () => {
    const f = setup();
    f.checker.pagesGiven(0x20006000, 0x1000, "pool");
    const pool = checkedAllocator(f.checker, new TestAllocator(f.m.core, 0x20006000, 0x1000, "pool", "slab-array"));
    f.user(SENSOR);
    const p = pool.allocate(32)!;
    f.m.core.read8(p - 1);
    expect(f.checker.reports[0]).toMatchObject({ kind: "slab-out-of-bounds", address: p - 1 });
    expect(f.checker.reports[0]!.block).toMatchObject({
      allocator: "pool",
      allocatorKind: "slab-array",
      relation: "left",
    });
    f.m.core.write32(p, 1);
    f.m.core.write32(p + 28, 1);
    expect(f.checker.reports).toHaveLength(1);
  });
});

describe("quarantine: use of a freed block after the memory was handed out again", () => {
  it("missed without quarantine (the address is reused at once), caught with it", () => {
    const f = setup();
    f.user(SENSOR);
    const a = f.heap.allocate(16)!;
    f.heap.free(a);
    const b = f.heap.allocate(16)!;
    expect(b).toBe(a);
    f.m.core.write32(a, 1); // stale pointer, now writes b: no report
    expect(f.checker.reports).toEqual([]);

    const g = setup();
    g.user(SENSOR);
    const heap = checkedAllocator(g.checker, g.heap, { redzone: 16, quarantineBytes: 1024 });
    g.tick(1);
    const c = heap.allocate(16)!;
    g.tick(1);
    heap.free(c, "sensor.c:20");
    g.tick(1);
    const d = heap.allocate(16)!;
    expect(d).not.toBe(c);
    g.m.core.write32(c, 1);
    const r = g.checker.reports[0]!;
    expect(r).toMatchObject({ kind: "use-after-free", address: c, time: 3 });
    expect(r.block).toMatchObject({ address: c, size: 16, state: "quarantined", relation: "inside", distance: 0 });
    expect(r.block!.freed).toEqual({ task: SENSOR, taskName: "sensor", time: 2, label: "sensor.c:20", source: null });
    expect(heap.quarantined).toBe(48);
  });

  it("evicts first-in first-out once the byte budget is exceeded, to the real free", () => {
    const f = setup();
    f.user(SENSOR);
    const heap = checkedAllocator(f.checker, f.heap, { redzone: 16, quarantineBytes: 100 });
    const blocks = [heap.allocate(16)!, heap.allocate(16)!, heap.allocate(16)!];
    for (const p of blocks) heap.free(p);
    expect(heap.quarantined).toBe(96);
    expect(f.heap.stats().frees).toBe(1);
    // The evicted block went back to the inner allocator and is handed out again.
    expect(heap.allocate(16)).toBe(blocks[0]);
    expect(heap.flushQuarantine()).toBe(2);
    expect(f.heap.stats().frees).toBe(3);
    expect(f.checker.reports).toEqual([]);
  });

  it("double free, invalid free and mismatch through the wrapper; fixed programs are silent", () => {
    const f = setup();
    f.checker.pagesGiven(0x20006000, 0x1000, "pool");
    const pool = checkedAllocator(f.checker, new TestAllocator(f.m.core, 0x20006000, 0x1000, "pool", "slab-array"));
    const heap = checkedAllocator(f.checker, f.heap);
    f.user(SENSOR);
    const p = heap.allocate(24)!;
    const q = heap.allocate(24)!;
    heap.free(p);
    heap.free(p);
    heap.free(q + 8);
    pool.free(q);
    expect(f.checker.reports.map((r) => [r.kind, r.address])).toEqual([
      ["double-free", p],
      ["invalid-free", q + 8],
      ["alloc-dealloc-mismatch", q],
    ]);
    expect(f.checker.reports[0]!.block).toMatchObject({ state: "quarantined" });
    expect(heap.owns(q)).toBe(true);
    heap.free(q);
    expect(f.checker.reports).toHaveLength(3);
  });
});

describe("a correct program gets the same answers with the checker on", () => {
  /** A 4 KiB arena at 0x20006000 (its control area takes 1 KiB) and the same arena wrapped. */
  function pair(options: { quarantineBytes?: number; capacity?: number; redzone?: number }) {
    const bare = setup();
    bare.checker.pagesGiven(0x20006000, 0x1000, "pool");
    const raw = new TestAllocator(bare.m.core, 0x20006000, 0x1000, "pool");
    const f = setup();
    f.checker.pagesGiven(0x20006000, 0x1000, "pool");
    const heap = checkedAllocator(f.checker, new TestAllocator(f.m.core, 0x20006000, 0x1000, "pool"), options);
    bare.user(SENSOR);
    f.user(SENSOR);
    return { raw, heap, f };
  }

  it("a malloc(100)/free loop: the quarantine gives way when the allocator runs dry (it used to return NULL)", () => {
    const { raw, heap, f } = pair({ quarantineBytes: 4096 }); // as large as the heap, as the kernel's default was
    const got: [boolean, boolean][] = [];
    for (let i = 0; i < 64; i++) {
      const a = raw.allocate(100);
      const b = heap.allocate(100);
      got.push([a !== null, b !== null]);
      if (a !== null) raw.free(a);
      if (b !== null) heap.free(b);
    }
    expect(got.every(([a, b]) => a && b)).toBe(true);
    expect(f.checker.reports).toEqual([]);
    expect(heap.quarantined).toBeGreaterThan(0); // the quarantine still holds what fits
  });

  it("a realloc loop: each resize finds room, as it does without the checker", () => {
    const { raw, heap } = pair({ quarantineBytes: 4096 });
    let a = raw.allocate(8)!;
    let b = heap.allocate(8)!;
    for (let n = 16; n <= 256; n += 16) {
      const a2 = raw.allocate(n)!;
      raw.free(a);
      a = a2;
      b = heap.resize(b, n)!;
      expect([n, a2 !== null, heap.blockSize(b)]).toEqual([n, true, n]);
    }
  });

  it("the quarantine holds at most a quarter of the heap it guards", () => {
    const { heap } = pair({ quarantineBytes: 64 * 1024, capacity: 4096 });
    expect(heap.quarantineBytes).toBe(1024);
    const blocks = Array.from({ length: 12 }, () => heap.allocate(64)!);
    for (const p of blocks) heap.free(p);
    expect(heap.quarantined).toBeLessThanOrEqual(1024);
    expect(() =>
      checkedAllocator(setup().checker, new TestAllocator(setup().m.core, 0x20006000, 0x1000), {
        quarantineFraction: 2,
      }),
    ).toThrow(expect.objectContaining({ code: "OPTION_INVALID" }));
  });

  it("a redzone that is not a whole number of bytes is OPTION_INVALID, not a heap without redzones", () => {
    const f = setup();
    for (const redzone of [2.5, Number.POSITIVE_INFINITY, Number.NaN, -8]) {
      expect(() => checkedAllocator(f.checker, f.heap, { redzone })).toThrow(
        expect.objectContaining({ code: "OPTION_INVALID" }),
      );
    }
    expect(f.heap.observer).not.toBeNull(); // refused before it took over the observer
  });

  it("a block that fits only without redzones is handed out without them (its neighbours' still fence it)", () => {
    const { raw, heap, f } = pair({ redzone: 64, quarantineBytes: 0 });
    // The arena's 3 KiB after its control area: one 2040-byte block fits bare, not with 128 B of redzones.
    const a = raw.allocate(2040);
    const b = heap.allocate(2040);
    expect([a !== null, b !== null]).toEqual([true, true]);
    f.m.core.write8(b! + 2039, 1);
    expect(f.checker.reports).toEqual([]);
    f.m.core.write8(b! + 2040, 1); // past the end: the inner block's slack, or allocator memory
    expect(f.checker.reports.map((r) => r.kind)).toEqual(["heap-buffer-overflow"]);
  });
});

describe("resize through the wrapper", () => {
  it("moves to a new guarded block, carries INI, quarantines the old one", () => {
    const f = setup();
    f.user(SENSOR);
    const heap = checkedAllocator(f.checker, f.heap, { redzone: 16 });
    const p = heap.allocate(8)!;
    f.m.core.write32(p, 0x11223344); // bytes 4..7 never written
    const q = heap.resize(p, 24)!;
    expect(q).not.toBe(p);
    expect(f.m.core.read32(q)).toBe(0x11223344);
    expect(f.checker.reports).toEqual([]); // the copy of uninitialized bytes is not a use
    f.m.core.read32(q + 4);
    expect(f.checker.reports[0]).toMatchObject({ kind: "uninitialized-read", address: q + 4 });
    f.m.core.read32(p);
    expect(f.checker.reports[1]).toMatchObject({ kind: "use-after-free", address: p });
    // The stale pointer's report says the block was freed by the realloc that moved it.
    const hexQ = `0x${q.toString(16).padStart(8, "0")}`;
    expect(f.checker.reports[1]!.block?.freed?.label).toBe(`realloc moved it to ${hexQ}`);
    expect(formatReport(f.checker.reports[1]!)).toMatch(
      new RegExp(`freed by task sensor at .*\\(realloc moved it to ${hexQ}\\)`),
    );
    expect(heap.resize(q, 0)).toBeNull();
    expect(heap.owns(q)).toBe(false);
    expect(heap.resize(0x20001234, 8)).toBeNull();
    expect(f.checker.reports[2]).toMatchObject({ kind: "invalid-free", address: 0x20001234 });
  });

  it("a move whose quarantine fails handing an older block back fails, and frees the new block too (nobody would learn of it)", () => {
    const f = setup();
    f.user(SENSOR);
    const heap = checkedAllocator(f.checker, f.heap, { redzone: 16, quarantineBytes: 50 });
    const a = heap.allocate(8)!;
    heap.free(a); // held: 40 bytes with its redzones
    const free = f.heap.free.bind(f.heap);
    f.heap.free = (inner: number) => {
      if (inner === a - 16) throw Object.assign(new Error("corrupted header"), { code: "HEAP_CORRUPTION" });
      free(inner);
    };
    const b = heap.allocate(8)!;
    f.m.core.write32(b, 7);
    expect(() => heap.resize(b, 24)).toThrow("corrupted header");
    // b went into the quarantine (the free was done), and so did the block it moved to; a left
    // it (the allocator keeps its corrupted block).
    const live = [...f.checker.blocks.live.values()].map((r) => r.address);
    expect([heap.owns(b), live, heap.quarantined]).toEqual([false, [], 40 + 56]);
    expect(f.checker.reports).toEqual([]);
  });

  it("a label set before the call (checker.at, as the kernel's realloc) names the new block and the old one's free", () => {
    const f = setup();
    f.user(SENSOR);
    const heap = checkedAllocator(f.checker, f.heap, { redzone: 16 });
    const p = heap.allocate(8, 8, "row")!;
    f.checker.at("row grown");
    const q = heap.resize(p, 24)!;
    const hexQ = `0x${q.toString(16).padStart(8, "0")}`;
    const [now, old] = [f.checker.blocks.live.get(q)!, f.checker.blocks.freedAt(p)!];
    expect([now.allocated.label, old.allocated.label, old.freed?.label]).toEqual([
      "row grown",
      "row",
      `row grown, realloc moved it to ${hexQ}`,
    ]);
  });
});

describe("reports for people and tools", () => {
  it("ASan-like text with the block, its sites, the state dump and the legend; JSON", () => {
    const f = setup();
    f.user(SENSOR);
    const heap = checkedAllocator(f.checker, f.heap, { redzone: 16 });
    f.tick(3.2);
    const p = heap.allocate(10, 8, "sensor.c:10")!;
    f.tick(0.8);
    f.m.core.write8(p + 2, 1);
    f.m.core.write16(p + 10, 1);
    const text = formatReport(f.checker.reports[0]!);
    const lines = text.split("\n");
    expect(lines[0]).toBe("==memcheck== ERROR: heap-buffer-overflow on address 0x2000142a at t=4 ms");
    expect(lines[1]).toBe("WRITE of size 2 at 0x2000142a by task sensor (user mode)");
    expect(lines[3]).toBe(
      '0x2000142a is located 0 bytes to the right of 10-byte block [0x20001420, 0x2000142a) of heap "heap", allocated by task sensor at t=3.2 ms (sensor.c:10)',
    );
    expect(lines[4]).toBe("Memory region: SRAM1");
    expect(text).toContain("=>0x20001420: u_  u_  u=  u_  u_  u_  u_  u_  u_  u_ [RZ] RZ  RZ  RZ  RZ  RZ ");
    expect(text).toContain("  RZ  redzone");
    const json = JSON.parse(JSON.stringify(reportToJSON(f.checker.reports[0]!)));
    expect(json).toMatchObject({
      kind: "heap-buffer-overflow",
      addressHex: "0x2000142a",
      block: { addressHex: "0x20001420" },
    });
  });
});
