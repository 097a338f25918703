import { describe, expect, it } from "vitest";
import { AllocError } from "./errors.js";
import { SlabAllocator, type SlabOptions } from "./slab.js";
import { f407 } from "./test-pages.js";

/** The error's code and context, or "none". */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    if (e instanceof AllocError) return { code: e.code, ...e.context };
    throw e;
  }
  return "none";
}

function make(options: Partial<SlabOptions>) {
  const { m, rm } = f407(); // 1 KiB pages
  return () => new SlabAllocator({ name: "s", pages: rm, memory: m.core, blockSize: 32, ...options });
}

describe("SlabAllocator options", () => {
  it("blockSize: a multiple of 8 from 8 to 64 pages (65536 bytes with 1 KiB pages)", () => {
    for (const blockSize of [8, 65536]) expect(thrown(make({ blockSize }))).toBe("none");
    for (const blockSize of [0, 4, 7, 12, 65544, 8.5, Number.NaN])
      expect(thrown(make({ blockSize }))).toEqual({ code: "BAD_OPTION", option: "blockSize", value: blockSize });
  });

  it("a slab order too small for one block is BAD_OPTION naming slabOrder", () => {
    expect(thrown(make({ blockSize: 2048, slabOrder: 0 }))).toEqual({
      code: "BAD_OPTION",
      option: "slabOrder",
      value: 0,
    });
    expect(thrown(make({ blockSize: 2048, slabOrder: 2 }))).toBe("none");
  });
});

describe("SlabAllocator.allocate refusals name the allocator and the limit", () => {
  it("BAD_SIZE above the block size, BAD_ALIGNMENT above the natural alignment", () => {
    const slab = make({ blockSize: 48 })();
    expect(thrown(() => slab.allocate(49))).toEqual({ code: "BAD_SIZE", allocator: "s", size: 49, max: 48 });
    expect(thrown(() => slab.allocate(8, 32))).toEqual({ code: "BAD_ALIGNMENT", allocator: "s", align: 32, max: 16 });
    expect(thrown(() => slab.allocate(48, 16))).toBe("none");
  });
});
