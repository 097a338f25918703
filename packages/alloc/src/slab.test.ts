import { describe, expect, it } from "vitest";
import { SlabAllocator } from "./slab.js";
import { f407, recorder } from "./test-pages.js";

describe("SlabAllocator on an STM32F407", () => {
  it("hands out 32-byte blocks of a 2-page slab at exact addresses, with stats after each step", () => {
    const { m, rm, freePages } = f407();
    const obs = recorder();
    const slab = new SlabAllocator({
      name: "msg",
      pages: rm,
      memory: m.core,
      region: "SRAM1",
      blockSize: 32,
      observer: obs,
    });
    const before = freePages();
    expect(slab.stats()).toMatchObject({ liveBlocks: 0, pages: 0, heldBytes: 0, freeBytes: 0, highWaterMark: 0 });

    const a = slab.allocate(32)!;
    expect(a).toBe(0x20000820); // slab at 0x20000800 (page 0 is the region's metadata), check word, summary and bitmap below 0x20
    expect(slab.stats()).toMatchObject({ liveBlocks: 1, liveBytes: 32, pages: 2, heldBytes: 2048, freeBytes: 62 * 32 });
    expect(freePages()).toBe(before - 2);
    const b = slab.allocate(20)!;
    const c = slab.allocate(1)!;
    expect([b, c]).toEqual([0x20000840, 0x20000860]);
    expect(slab.stats()).toMatchObject({ liveBlocks: 3, liveBytes: 96, freeBytes: 60 * 32, highWaterMark: 0x80 });
    // The live-block bitmap is in the slab header in simulated memory.
    expect(m.bus.peek(0x20000806, 2)).toEqual(new Uint8Array([0b111, 0]));

    slab.free(b);
    expect(m.bus.peek(0x20000806, 1)[0]).toBe(0b101);
    // The freed block holds the free-list link (the previous first free block).
    expect(m.bus.peek(b, 4)).toEqual(new Uint8Array([0x80, 0x08, 0x00, 0x20]));
    expect(slab.stats()).toMatchObject({ liveBlocks: 2, liveBytes: 64, frees: 1 });
    expect(slab.allocate(32)).toBe(0x20000840); // last freed, first reused (LIFO free list)
    slab.free(a);
    slab.free(0x20000840);
    slab.free(c);
    // One empty slab is retained by default; releaseEmpty gives it back.
    expect(slab.stats()).toMatchObject({ liveBlocks: 0, pages: 2 });
    expect(slab.releaseEmpty()).toBe(2);
    expect(slab.stats()).toMatchObject({ pages: 0, heldBytes: 0, allocations: 4, frees: 4, failures: 0 });
    expect(freePages()).toBe(before);
    expect(obs.log.slice(0, 3)).toEqual([
      "alloc 0x20000820 32 msg",
      "alloc 0x20000840 32 msg",
      "alloc 0x20000860 32 msg",
    ]);
    expect(obs.log[3]).toBe("free 0x20000840 32 msg");
  });

  it("fills a slab, takes a second one, and returns the second at once when it empties", () => {
    const { m, rm, freePages } = f407();
    const slab = new SlabAllocator({ pages: rm, memory: m.core, region: "SRAM1", blockSize: 64, slabOrder: 0 });
    const first = Array.from({ length: 15 }, () => slab.allocate(64)!);
    expect(first[0]).toBe(0x20000440);
    expect(first[14]).toBe(0x20000400 + 64 * 15);
    expect(slab.stats().pages).toBe(1);
    const extra = slab.allocate(64)!;
    expect(extra).toBe(0x20000840);
    expect(slab.stats().pages).toBe(2);
    const before = freePages();
    slab.free(first[3]!);
    slab.free(extra); // second slab empty: kept (one retained)
    expect(slab.stats().pages).toBe(2);
    for (const p of first) if (p !== first[3]) slab.free(p); // first slab empty too: one of the two goes back
    expect(slab.stats().pages).toBe(1);
    expect(freePages()).toBe(before + 1);
  });

  it("defines size 0, oversize, alignment and out-of-pages results", () => {
    const { m, rm } = f407();
    const slab = new SlabAllocator({ pages: rm, memory: m.core, region: "SRAM2", blockSize: 48 });
    expect(slab.allocate(0)).toBeNull();
    expect(() => slab.allocate(49)).toThrow(expect.objectContaining({ code: "BAD_SIZE" }));
    expect(() => slab.allocate(-1)).toThrow(expect.objectContaining({ code: "BAD_SIZE" }));
    expect(() => slab.allocate(8, 3)).toThrow(expect.objectContaining({ code: "BAD_ALIGNMENT" }));
    expect(slab.allocate(8, 16)).not.toBeNull(); // 48-byte blocks are 16-aligned
    expect(() => slab.allocate(8, 32)).toThrow(expect.objectContaining({ code: "BAD_ALIGNMENT" }));
    // SRAM2 has 15 allocatable pages: slabs of 2 pages run out.
    let n = 0;
    while (slab.allocate(48) !== null) n++;
    expect(slab.stats().failures).toBe(1);
    expect(slab.stats().liveBlocks).toBe(n + 1);
    expect(() => new SlabAllocator({ pages: rm, memory: m.core, blockSize: 12 })).toThrow(
      expect.objectContaining({ code: "BAD_OPTION" }),
    );
  });
});
