import { createMachine, MPS2_AN505 } from "@rtos-sim/hw";
import { RegionManager } from "@rtos-sim/region";
import { describe, expect, it } from "vitest";
import { HeapAllocator } from "./heap.js";
import { f407, recorder } from "./test-pages.js";
import { TlsfAllocator } from "./tlsf.js";

const BASE = 0x20004000; // first 16-page block of SRAM1 (page 0 holds the region's metadata)

describe("TlsfAllocator on an STM32F407", () => {
  it("allocates, frees, merges and resizes at exact addresses, with stats after each step", () => {
    const { m, rm, freePages } = f407();
    const obs = recorder();
    const tlsf = new TlsfAllocator({ name: "gp", pages: rm, memory: m.core, region: "SRAM1", observer: obs });
    const before = freePages();

    const a = tlsf.allocate(100)!;
    expect(a).toBe(BASE + 8);
    // Arena of 16 KiB: blocks up to the sentinel at +0x3788, then the trailer (check, link,
    // granule bitmap, control block): 2168 bytes of overhead.
    expect(tlsf.stats()).toMatchObject({ liveBlocks: 1, liveBytes: 100, pages: 16, heldBytes: 16384 });
    expect(tlsf.stats().freeBytes).toBe(16384 - 2168 - 112);
    expect(freePages()).toBe(before - 16);
    // Header in simulated memory: size 112, no flags.
    expect(m.bus.peek(BASE, 4)).toEqual(new Uint8Array([112, 0, 0, 0]));

    const b = tlsf.allocate(24)!;
    expect(b).toBe(BASE + 112 + 8);
    expect(tlsf.stats()).toMatchObject({ liveBlocks: 2, liveBytes: 124, highWaterMark: 144 });
    expect(tlsf.blockSize(b)).toBe(24);

    tlsf.free(a);
    expect(tlsf.stats()).toMatchObject({ liveBlocks: 1, liveBytes: 24, frees: 1 });
    expect(m.bus.peek(BASE, 4)).toEqual(new Uint8Array([112 | 1, 0, 0, 0])); // FREE
    expect(m.bus.peek(BASE + 112, 4)).toEqual(new Uint8Array([32 | 2, 0, 0, 0])); // PREV_FREE
    expect(m.bus.peek(BASE + 108, 4)).toEqual(new Uint8Array([0x00, 0x40, 0x00, 0x20])); // footer

    // Good fit: the 112-byte hole is the smallest list that fits 64 bytes; split, 48 bytes stay free.
    const c = tlsf.allocate(50)!;
    expect(c).toBe(BASE + 8);
    expect(tlsf.blockSize(c)).toBe(56);

    // Grow in place into the free 48 bytes behind it (the rest is too small to split off).
    expect(tlsf.resize(c, 90)).toBe(c);
    expect(tlsf.blockSize(c)).toBe(104);
    expect(tlsf.stats()).toMatchObject({ liveBlocks: 2, liveBytes: 114 });

    // Grow beyond: the next block is live, so allocate-copy-free.
    m.core.writeBytes(c, new Uint8Array([1, 2, 3, 4, 5]));
    const d = tlsf.resize(c, 200)!;
    expect(d).toBe(BASE + 144 + 8);
    expect(m.bus.peek(d, 5)).toEqual(new Uint8Array([1, 2, 3, 4, 5]));
    expect(tlsf.owns(c)).toBe(false);
    expect(tlsf.stats()).toMatchObject({ liveBlocks: 2, liveBytes: 224 });

    // Shrink in place: the tail is split off and merged with the free space behind.
    expect(tlsf.resize(d, 16)).toBe(d);
    expect(tlsf.blockSize(d)).toBe(16);

    tlsf.free(b);
    tlsf.free(d);
    expect(tlsf.stats()).toMatchObject({ liveBlocks: 0, liveBytes: 0, freeBytes: 16384 - 2168 });
    // Everything merged back into one free block spanning the arena.
    expect(m.bus.peek(BASE, 4)).toEqual(new Uint8Array([0x89, 0x37, 0, 0]));
    expect(tlsf.releaseEmpty()).toBe(16);
    expect(freePages()).toBe(before);
    expect(tlsf.stats()).toMatchObject({ pages: 0, heldBytes: 0, freeBytes: 0 });
    expect(obs.log).toEqual([
      "alloc 0x20004008 100 gp",
      "alloc 0x20004078 24 gp",
      "free 0x20004008 100 gp",
      "alloc 0x20004008 50 gp",
      "resize 0x20004008 50 -> 0x20004008 90 gp",
      "alloc 0x20004098 200 gp",
      "free 0x20004008 90 gp",
      "resize 0x20004098 200 -> 0x20004098 16 gp",
      "free 0x20004078 24 gp",
      "free 0x20004098 16 gp",
    ]);
  });

  it("arenaRoom: what an arena keeps for blocks after its trailer, bitmap and control block (TLSF's 1,636 bytes; first fit's 8)", () => {
    const { m, rm } = f407();
    const tlsf = new TlsfAllocator({ pages: rm, memory: m.core, region: "SRAM1" });
    const heap = new HeapAllocator({ pages: rm, memory: m.core, region: "SRAM1" });
    // 2 KiB: bitmap 64 bytes, 8 of trailer, 1,636 of control (rounded to 1,712 of metadata), 8 of sentinel header.
    expect([1024, 2048, 4096].map((b) => tlsf.arenaRoom(b))).toEqual([0, 328, 2312]);
    expect([1024, 2048].map((b) => heap.arenaRoom(b))).toEqual([968, 1960]);
  });

  it("serves aligned requests, oversize requests with a larger arena, and null when out of pages", () => {
    const { m, rm } = f407();
    const tlsf = new TlsfAllocator({ pages: rm, memory: m.core, region: "SRAM1" });
    const a = tlsf.allocate(10)!;
    const b = tlsf.allocate(100, 256)!;
    expect(b % 256).toBe(0);
    expect(b).toBe(BASE + 256);
    expect(tlsf.allocate(0)).toBeNull();
    expect(() => tlsf.allocate(8, 2048)).toThrow(expect.objectContaining({ code: "BAD_ALIGNMENT" }));
    expect(() => tlsf.allocate(1.5)).toThrow(expect.objectContaining({ code: "BAD_SIZE" }));
    const big = tlsf.allocate(20_000)!; // needs a 32-page arena
    expect(big).toBe(0x20008008);
    expect(tlsf.stats().pages).toBe(16 + 32);
    expect(tlsf.allocate(200_000)).toBeNull(); // more than SRAM1 has
    expect(tlsf.stats().failures).toBe(1);
    tlsf.free(a);
    tlsf.free(b);
    tlsf.free(big);
    expect(tlsf.releaseEmpty()).toBe(48);
  });
});

describe("aligned blocks above 0x80000000 (MPS2-AN505's PSRAM)", () => {
  it("TLSF and the heap hand out the unsigned aligned address (it used to be negative) and free it", () => {
    const m = createMachine(MPS2_AN505);
    const rm = new RegionManager({ memory: m.core, regions: m.board.memory.filter((r) => r.kind === "ram") });
    for (const a of [
      new TlsfAllocator({ pages: rm, memory: m.core, region: "PSRAM" }),
      new HeapAllocator({ pages: rm, memory: m.core, region: "PSRAM" }),
    ]) {
      const d = a.allocate(40)!;
      const e = a.allocate(24, 256)!;
      // The arena at 0x80014000 (PSRAM's first 16-page block after its metadata and the other arena).
      const base = a.kind === "tlsf" ? 0x80014000 : 0x80018000;
      expect([d, e]).toEqual([base + 8, base + 0x100]);
      expect(a.owns(e)).toBe(true);
      a.free(e);
      a.free(d);
      expect(a.stats().liveBlocks).toBe(0);
    }
  });
});
