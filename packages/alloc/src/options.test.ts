import { describe, expect, it } from "vitest";
import { HeapAllocator } from "./heap.js";
import { SlabAllocator } from "./slab.js";
import { SlabArrayAllocator } from "./slab-array.js";
import { StackAllocator } from "./stack.js";
import { f407 } from "./test-pages.js";
import { TlsfAllocator } from "./tlsf.js";

/** Every allocator's constructor, with the options each needs besides the common ones. */
const makers: [string, (o: Record<string, unknown>) => unknown][] = [
  ["tlsf", (o) => new TlsfAllocator(o as never)],
  ["heap", (o) => new HeapAllocator(o as never)],
  ["slab", (o) => new SlabAllocator((o && { blockSize: 32, ...o }) as never)],
  ["slab-array", (o) => new SlabArrayAllocator((o && { classes: [16, 32], ...o }) as never)],
  ["stack", (o) => new StackAllocator(o as never)],
];

function thrown(f: () => unknown): { name: string; code: unknown; option: unknown } | "no error" {
  try {
    f();
  } catch (e) {
    const err = e as { name: string; code?: unknown; context?: { option?: unknown } };
    return { name: err.name, code: err.code, option: err.context?.option };
  }
  return "no error";
}

describe("allocator constructors refuse malformed common options with BAD_OPTION", () => {
  it.each(makers)("%s: a page source without an integer page order (0..20) is BAD_OPTION, never a hang", (_k, make) => {
    const { m, rm } = f407();
    // A page order of NaN made `order + pageOrder > 29` never true: TLSF and first fit grew forever.
    for (const pageOrder of [undefined, Number.NaN, 10.5, -1, 21, "10"]) {
      const pages = { pageOrder, allocPages: rm.allocPages.bind(rm), freePages: rm.freePages.bind(rm) };
      expect(thrown(() => make({ pages, memory: m.core }))).toEqual({
        name: "AllocError",
        code: "BAD_OPTION",
        option: "pages",
      });
    }
    expect(thrown(() => make({ pages: Number.NaN, memory: m.core }))).toMatchObject({ option: "pages" });
    expect(thrown(() => make({ pages: { pageOrder: 10 }, memory: m.core }))).toMatchObject({ option: "pages" });
  });

  it.each(makers)(
    "%s: missing options, memory or name of the wrong type are BAD_OPTION, not a TypeError",
    (_k, make) => {
      const { m, rm } = f407();
      const before = rm.stats();
      expect(thrown(() => make(undefined as never))).toEqual({
        name: "AllocError",
        code: "BAD_OPTION",
        option: "options",
      });
      expect(thrown(() => make(null as never))).toEqual({ name: "AllocError", code: "BAD_OPTION", option: "options" });
      for (const memory of [undefined, null, 0, {}]) {
        expect(thrown(() => make({ pages: rm, memory }))).toEqual({
          name: "AllocError",
          code: "BAD_OPTION",
          option: "memory",
        });
      }
      // An empty or too long name failed only at the first page request (the region manager's BAD_OWNER).
      for (const name of [7, "", "x".repeat(65)]) {
        expect(thrown(() => make({ pages: rm, memory: m.core, name }))).toEqual({
          name: "AllocError",
          code: "BAD_OPTION",
          option: "name",
        });
      }
      // An observer that is not an object failed with a TypeError at the first allocation.
      expect(thrown(() => make({ pages: rm, memory: m.core, observer: 5 }))).toEqual({
        name: "AllocError",
        code: "BAD_OPTION",
        option: "observer",
      });
      // Nothing was taken from the page source by any refused constructor.
      expect(rm.stats()).toEqual(before);
    },
  );

  it.each(makers)(
    "%s: a region that is not a name is BAD_OPTION; one the page source lacks is BAD_OPTION at the first allocation, not its RegionError",
    (_k, make) => {
      const { m, rm } = f407();
      const before = rm.stats();
      for (const region of [5, "", null]) {
        expect(thrown(() => make({ pages: rm, memory: m.core, region }))).toEqual({
          name: "AllocError",
          code: "BAD_OPTION",
          option: "region",
        });
      }
      // The region manager's UNKNOWN_REGION (a RegionError) escaped `allocate`.
      const a = make({ pages: rm, memory: m.core, region: "SRAM9" }) as {
        allocate(size: number): number | null;
        stats(): object;
      };
      const stats = a.stats();
      expect(thrown(() => a.allocate(16))).toEqual({ name: "AllocError", code: "BAD_OPTION", option: "region" });
      expect(() => a.allocate(16)).toThrow('region "SRAM9" is not a region of the page source');
      expect(a.stats()).toEqual(stats);
      expect(rm.stats()).toEqual(before);
    },
  );
});

describe("allocator-specific options out of range are BAD_OPTION naming the option and its range", () => {
  it("slab: a slab order past a 2^29-byte slab is refused (it wrapped, and every allocation was null)", () => {
    const { m, rm } = f407();
    const before = rm.stats();
    for (const slabOrder of [20, 30, -1, 1.5, Number.NaN]) {
      expect(thrown(() => new SlabAllocator({ pages: rm, memory: m.core, blockSize: 32, slabOrder }))).toEqual({
        name: "AllocError",
        code: "BAD_OPTION",
        option: "slabOrder",
      });
    }
    expect(() => new SlabAllocator({ pages: rm, memory: m.core, blockSize: 32, slabOrder: 30 })).toThrow(
      "slab order must be an integer in [0, 19], got 30",
    );
    // The largest order still builds, and its first allocation asks the page source for it.
    const largest = new SlabAllocator({ pages: rm, memory: m.core, blockSize: 32, slabOrder: 19 });
    expect(largest.allocate(32)).toBeNull();
    expect(rm.stats()).toEqual(before);
  });

  const common = () => {
    const { m, rm } = f407();
    return { pages: rm, memory: m.core };
  };
  it.each([
    ["slab", (retainEmpty: number) => new SlabAllocator({ ...common(), blockSize: 32, retainEmpty })],
    ["slab-array", (retainEmpty: number) => new SlabArrayAllocator({ ...common(), retainEmpty })],
  ] as const)("%s: retainEmpty must be a non-negative integer (-1 released all, NaN none)", (kind, make) => {
    for (const retainEmpty of [-1, 0.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(thrown(() => make(retainEmpty))).toEqual({
        name: "AllocError",
        code: "BAD_OPTION",
        option: "retainEmpty",
      });
    }
    expect(() => make(-1)).toThrow(`${kind}: retainEmpty must be a non-negative integer, got -1`);
    expect(() => make(0)).not.toThrow();
  });

  it("slab-array: minBlocksPerSlab must be a positive integer; above 256 (a slab's most) it is capped", () => {
    const { m, rm } = f407();
    for (const minBlocksPerSlab of [0, -4, 2.5, Number.NaN]) {
      expect(thrown(() => new SlabArrayAllocator({ pages: rm, memory: m.core, minBlocksPerSlab }))).toEqual({
        name: "AllocError",
        code: "BAD_OPTION",
        option: "minBlocksPerSlab",
      });
    }
    // 5000 gives the same slabs as 256: 256 blocks of 16 bytes need 5 KiB, an order-3 slab.
    const big = new SlabArrayAllocator({ pages: rm, memory: m.core, classes: [16], minBlocksPerSlab: 5000 });
    big.allocate(16);
    expect(big.stats().pages).toBe(8);
  });

  it("stack, tlsf, heap: the chunk or arena order message gives the range and the value", () => {
    const { m, rm } = f407();
    expect(() => new StackAllocator({ pages: rm, memory: m.core, chunkOrder: 20 })).toThrow(
      "chunk order must be an integer in [0, 19], got 20",
    );
    expect(() => new TlsfAllocator({ pages: rm, memory: m.core, arenaOrder: -1 })).toThrow(
      "arena order must be an integer in [0, 19], got -1",
    );
  });
});
