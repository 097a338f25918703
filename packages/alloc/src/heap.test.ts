import { describe, expect, it } from "vitest";
import { HeapAllocator } from "./heap.js";
import { f407, recorder } from "./test-pages.js";

const BASE = 0x20004000; // first 16-page block of SRAM1 (page 0 holds the region's metadata)
const OVERHEAD = 536; // sentinel header + trailer: check, link, granule bitmap (512 B), free-list root

describe("HeapAllocator (first fit) on an STM32F407", () => {
  it("takes the first block that fits, splits, merges and resizes at exact addresses", () => {
    const { m, rm, freePages } = f407();
    const obs = recorder();
    const heap = new HeapAllocator({ name: "h4", pages: rm, memory: m.core, region: "SRAM1", observer: obs });
    const before = freePages();
    const a = heap.allocate(100)!;
    const b = heap.allocate(24)!;
    const c = heap.allocate(8)!;
    expect([a, b, c]).toEqual([BASE + 8, BASE + 120, BASE + 152]);
    expect(heap.stats()).toMatchObject({ liveBlocks: 3, liveBytes: 132, pages: 16, heldBytes: 16384 });
    expect(heap.stats().freeBytes).toBe(16384 - OVERHEAD - 112 - 32 - 16);
    expect(heap.stats().highWaterMark).toBe(160);
    // The free-list root (in the control block at the end of the arena) points at the free rest.
    expect(m.bus.peek(BASE + 0x3df0 + 8 + 512, 4)).toEqual(new Uint8Array([160, 0x40, 0, 0x20]));

    heap.free(a);
    expect(heap.stats()).toMatchObject({ liveBlocks: 2, liveBytes: 32 });
    // First fit: the hole at the bottom, split; then the 48-byte rest exactly.
    const d = heap.allocate(50)!;
    const e = heap.allocate(40)!;
    expect([d, e]).toEqual([BASE + 8, BASE + 72]);
    expect(heap.blockSize(d)).toBe(56);

    heap.free(b); // between two live blocks: no merge
    expect(m.bus.peek(BASE + 112, 4)).toEqual(new Uint8Array([32 | 1, 0, 0, 0]));
    expect(m.bus.peek(BASE + 144, 4)).toEqual(new Uint8Array([16 | 2, 0, 0, 0]));

    // Resize: next block live, so allocate (first fit skips the 32-byte hole) - copy - free.
    m.core.writeBytes(d, new Uint8Array([9, 8, 7]));
    const f = heap.resize(d, 60)!;
    expect(f).toBe(BASE + 168);
    expect(m.bus.peek(f, 3)).toEqual(new Uint8Array([9, 8, 7]));
    // d's block at +0 is free now; e (48 B at +64) is followed by b's free 32 bytes at +112:
    // growing e to 70 bytes needs 80 = 48 + 32, in place (nothing left to split off).
    expect(heap.resize(e, 70)).toBe(e);
    expect(heap.blockSize(e)).toBe(72);
    expect(heap.stats()).toMatchObject({ liveBlocks: 3, liveBytes: 70 + 8 + 60 });

    heap.free(c);
    heap.free(e);
    heap.free(f);
    expect(heap.stats()).toMatchObject({ liveBlocks: 0, freeBytes: 16384 - OVERHEAD });
    expect(m.bus.peek(BASE, 4)).toEqual(new Uint8Array([0xe9, 0x3d, 0, 0])); // one free block again
    expect(heap.releaseEmpty()).toBe(16);
    expect(freePages()).toBe(before);
    expect(obs.log).toContain("resize 0x20004048 40 -> 0x20004048 70 h4");
    expect(obs.log).toContain("alloc 0x200040a8 60 h4");
  });
});
