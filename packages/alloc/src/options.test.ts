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
      expect(thrown(() => make({ pages: rm, memory: m.core, name: 7 }))).toEqual({
        name: "AllocError",
        code: "BAD_OPTION",
        option: "name",
      });
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
});
