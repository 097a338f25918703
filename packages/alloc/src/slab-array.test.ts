import { describe, expect, it } from "vitest";
import { powerOfTwoClasses, SlabArrayAllocator, stepClasses } from "./slab-array.js";
import { f407, recorder } from "./test-pages.js";

describe("SlabArrayAllocator on an STM32F407", () => {
  it("builds classes by step or by powers of two", () => {
    expect(stepClasses(16, 64)).toEqual([16, 32, 48, 64]);
    expect(powerOfTwoClasses(8, 128)).toEqual([8, 16, 32, 64, 128]);
  });

  it("refuses class parameters that would never end (0, negative, NaN, Infinity) or exceed 255 classes: BAD_OPTION", () => {
    // stepClasses(0, 64) and powerOfTwoClasses(0, 64) looped forever, growing their array until
    // the process died (V8's "invalid size error"): nothing a caller could catch.
    const refused = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        const err = e as { name: string; code: string; context: { option: string } };
        return [err.name, err.code, err.context.option];
      }
      return "no error";
    };
    expect(refused(() => stepClasses(0, 64))).toEqual(["AllocError", "BAD_OPTION", "step"]);
    expect(refused(() => stepClasses(-8, 64))).toEqual(["AllocError", "BAD_OPTION", "step"]);
    expect(refused(() => stepClasses(Number.NaN, 64))).toEqual(["AllocError", "BAD_OPTION", "step"]);
    expect(refused(() => stepClasses(null as never, 64))).toEqual(["AllocError", "BAD_OPTION", "step"]);
    expect(refused(() => stepClasses(8, 2 ** 32))).toEqual(["AllocError", "BAD_OPTION", "max"]);
    expect(refused(() => stepClasses(8, Number.POSITIVE_INFINITY))).toEqual(["AllocError", "BAD_OPTION", "max"]);
    expect(refused(() => powerOfTwoClasses(0, 64))).toEqual(["AllocError", "BAD_OPTION", "min"]);
    expect(refused(() => powerOfTwoClasses(-8, 64))).toEqual(["AllocError", "BAD_OPTION", "min"]);
    expect(refused(() => powerOfTwoClasses(8, Number.POSITIVE_INFINITY))).toEqual(["AllocError", "BAD_OPTION", "max"]);
    // The limits themselves: 255 classes (a slab array's most), an empty list below the first.
    expect(stepClasses(8, 255 * 8)).toHaveLength(255);
    expect(refused(() => stepClasses(8, 256 * 8))).toEqual(["AllocError", "BAD_OPTION", "max"]);
    expect(stepClasses(16, 8)).toEqual([]);
    expect(powerOfTwoClasses(16, 8)).toEqual([]);
  });

  it("a classes option that is not an array is BAD_OPTION, not a TypeError", () => {
    const { m, rm } = f407();
    for (const classes of [7, "16,32", { length: 1, 0: 16 }]) {
      expect(() => new SlabArrayAllocator({ pages: rm, memory: m.core, classes: classes as never })).toThrow(
        expect.objectContaining({
          name: "AllocError",
          code: "BAD_OPTION",
          context: { option: "classes", value: classes },
        }),
      );
    }
  });

  it("knows a block start from every other byte, for block sizes with odd factors", () => {
    const { m, rm } = f407();
    const slabs = new SlabArrayAllocator({ pages: rm, memory: m.core, classes: [24, 40, 96, 456] });
    for (const size of [24, 40, 96, 456]) {
      const a = slabs.allocate(size)!;
      const b = slabs.allocate(size)!;
      expect(b - a).toBe(size);
      for (let k = -size; k < 2 * size; k++) expect(slabs.owns(a + k), `${size}: +${k}`).toBe(k === 0 || k === size);
      slabs.free(b);
      expect(slabs.owns(b)).toBe(false);
      expect(() => slabs.free(a + 8)).toThrow(expect.objectContaining({ code: "INVALID_FREE" }));
    }
  });

  it("serves each size from the smallest class that fits, at exact addresses", () => {
    const { m, rm, freePages } = f407();
    const obs = recorder();
    const kmalloc = new SlabArrayAllocator({
      name: "kmalloc",
      pages: rm,
      memory: m.core,
      region: "SRAM1",
      classes: powerOfTwoClasses(8, 256),
      observer: obs,
    });
    const before = freePages();
    const a = kmalloc.allocate(5)!; // class 8: 1-page slab, header + 8 bitmap halfwords, 125 blocks from +0x18
    const b = kmalloc.allocate(20)!; // class 32: 1 page holds 31 blocks (< 32): 2-page slab
    const c = kmalloc.allocate(8)!;
    const d = kmalloc.allocate(200)!; // class 256: 8 pages hold 31 blocks: 16-page slab, blocks 64-aligned
    expect([a, b, c, d]).toEqual([0x20000418, 0x20000820, 0x20000420, 0x20004040]);
    expect(kmalloc.blockSize(b)).toBe(32);
    expect(kmalloc.stats()).toMatchObject({ liveBlocks: 4, liveBytes: 8 + 32 + 8 + 256, pages: 1 + 2 + 16 });
    expect(freePages()).toBe(before - 19);
    kmalloc.free(b);
    kmalloc.free(d);
    expect(kmalloc.stats()).toMatchObject({ liveBlocks: 2, liveBytes: 16, frees: 2 });
    expect(kmalloc.allocate(17)).toBe(0x20000820);
    expect(obs.log).toEqual([
      "alloc 0x20000418 8 kmalloc",
      "alloc 0x20000820 32 kmalloc",
      "alloc 0x20000420 8 kmalloc",
      "alloc 0x20004040 256 kmalloc",
      "free 0x20000820 32 kmalloc",
      "free 0x20004040 256 kmalloc",
      "alloc 0x20000820 32 kmalloc",
    ]);
    kmalloc.free(0x20000820);
    kmalloc.free(a);
    kmalloc.free(c);
    expect(kmalloc.releaseEmpty()).toBe(19);
    expect(freePages()).toBe(before);
  });

  it("picks a class aligned enough, and rejects what no class can serve", () => {
    const { m, rm } = f407();
    const sa = new SlabArrayAllocator({ pages: rm, memory: m.core, region: "SRAM1", classes: stepClasses(16, 128) });
    const p = sa.allocate(16, 64)!; // 16 and 48 are only 16-aligned: class 64
    expect(p % 64).toBe(0);
    expect(sa.blockSize(p)).toBe(64);
    expect(() => sa.allocate(129)).toThrow(expect.objectContaining({ code: "BAD_SIZE" }));
    expect(() => sa.allocate(100, 256)).toThrow(expect.objectContaining({ code: "BAD_ALIGNMENT" }));
    expect(sa.allocate(0)).toBeNull();
    expect(() => new SlabArrayAllocator({ pages: rm, memory: m.core, classes: [16, 8] })).toThrow(
      expect.objectContaining({ code: "BAD_OPTION" }),
    );
  });
});
