import { describe, expect, it } from "vitest";
import type { ResizableAllocator } from "./allocator.js";
import { HeapAllocator } from "./heap.js";
import { SlabAllocator } from "./slab.js";
import { SlabArrayAllocator } from "./slab-array.js";
import { StackAllocator } from "./stack.js";
import { f407 } from "./test-pages.js";
import { TlsfAllocator } from "./tlsf.js";

type Make = (o: ConstructorParameters<typeof TlsfAllocator>[0]) => ResizableAllocator;
const kinds: [string, Make][] = [
  ["tlsf", (o) => new TlsfAllocator(o)],
  ["heap", (o) => new HeapAllocator(o)],
];

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return (e as { code: string }).code;
  }
  return "no error";
}

describe.each(kinds)("%s robustness", (_kind, make) => {
  function setup() {
    const { m, rm, freePages } = f407();
    const a = make({ pages: rm, memory: m.core, region: "SRAM1" });
    const other = new TlsfAllocator({ name: "other", pages: rm, memory: m.core, region: "SRAM1" });
    return { m, rm, a, other, freePages };
  }
  /** Snapshot of the allocator's arena (metadata and blocks) and its stats. */
  function snapshot(m: ReturnType<typeof setup>["m"], a: ResizableAllocator) {
    return { bytes: Array.from(m.bus.peek(0x20004000, 16384)), stats: a.stats() };
  }

  it("reports double, interior, wild and wrong-allocator frees and a forged header; nothing changes", () => {
    const { m, a, other } = setup();
    const p = a.allocate(40)!;
    const q = a.allocate(40)!;
    const r = a.allocate(40)!;
    const foreign = other.allocate(16)!;
    a.free(q);
    // Forged header: the user writes a plausible free-able header inside its block p.
    const w0 = m.core.read32(p - 8);
    const w1 = m.core.read32(p - 4);
    m.core.write32(p + 8, w0);
    m.core.write32(p + 12, w1);
    const before = snapshot(m, a);
    expect(code(() => a.free(q))).toBe("DOUBLE_FREE");
    expect(code(() => a.free(p + 8))).toBe("INVALID_FREE"); // interior, 8-aligned
    expect(code(() => a.free(p + 3))).toBe("INVALID_FREE"); // interior, unaligned
    expect(code(() => a.free(p + 16))).toBe("INVALID_FREE"); // right after the forged header
    expect(code(() => a.free(0x20004000 + 4000))).toBe("INVALID_FREE"); // wild, in free space of the arena
    expect(code(() => a.free(0x10000000))).toBe("WRONG_ALLOCATOR"); // CCM: pages it does not hold
    expect(code(() => a.free(foreign))).toBe("WRONG_ALLOCATOR"); // another allocator's block
    expect(code(() => a.resize(p + 8, 10))).toBe("INVALID_FREE");
    expect(snapshot(m, a)).toEqual(before);
    expect(a.owns(p + 16)).toBe(false);
    // Still usable.
    a.free(p);
    a.free(r);
    other.free(foreign);
    expect(a.allocate(100)).not.toBeNull();
  });

  it("an observer that refuses a free (a checker's stop policy) leaves memory and the stats as they were", () => {
    const { m, a } = setup();
    const p = a.allocate(40)!;
    a.allocate(24);
    a.observer = {
      blockAllocated: () => {},
      blockResized: () => {},
      blockFreed: () => {
        throw new Error("stopped by the observer");
      },
    };
    const before = snapshot(m, a);
    expect(() => a.free(p)).toThrow("stopped by the observer");
    expect(snapshot(m, a)).toEqual(before);
    a.observer = null;
    a.free(p);
    expect(a.stats()).toMatchObject({ liveBlocks: 1, frees: 1 });
  });

  it("an observer that refuses a resize in place leaves memory and the stats as they were", () => {
    const { m, a } = setup();
    const p = a.allocate(40)!;
    const q = a.allocate(200)!;
    a.allocate(24);
    a.free(q); // p grows into q's free block, or shrinks and hands bytes back
    const refuse = {
      blockAllocated: () => {},
      blockFreed: () => {},
      blockResized: () => {
        throw new Error("stopped by the observer");
      },
    };
    for (const size of [120, 8]) {
      a.observer = refuse;
      const before = snapshot(m, a);
      expect(() => a.resize(p, size)).toThrow("stopped by the observer");
      expect(snapshot(m, a)).toEqual(before);
      a.observer = null;
      expect(a.resize(p, size)).toBe(p); // in place, and the allocator whole
    }
    a.free(p);
    expect(a.allocate(200)).toBe(p); // p, q's and the rest merged again
  });

  it("detects an overflow into the next live block's header at the next free", () => {
    const { m, a } = setup();
    const p = a.allocate(24)!;
    const q = a.allocate(24)!;
    const size = a.blockSize(p)!;
    const saved = m.bus.peek(q - 8, 8);
    m.core.fill(p, 0x41, size + 8); // the task writes 8 bytes too many: q's header
    const before = snapshot(m, a);
    let err: { code: string; context: { address: number } } | undefined;
    try {
      a.free(p);
    } catch (e) {
      err = e as typeof err;
    }
    expect(err?.code).toBe("HEAP_CORRUPTION");
    expect(err?.context.address).toBe(q - 8);
    expect(code(() => a.free(q))).toBe("HEAP_CORRUPTION");
    expect(snapshot(m, a)).toEqual(before);
    // Still usable for other blocks; once the header is repaired everything frees.
    const r = a.allocate(64)!;
    a.free(r);
    m.bus.load(q - 8, saved);
    a.free(p);
    a.free(q);
    expect(a.stats().liveBlocks).toBe(0);
  });

  it("detects an overflow into a free block's header when allocation reaches it", () => {
    const { m, a } = setup();
    const p = a.allocate(24)!;
    const size = a.blockSize(p)!;
    const rest = p + size; // header of the free rest of the arena
    const saved = m.bus.peek(rest, 8);
    m.core.fill(p, 0x00, size + 8);
    expect(code(() => a.allocate(24))).toBe("HEAP_CORRUPTION");
    expect(a.stats().liveBlocks).toBe(1);
    m.bus.load(rest, saved);
    expect(a.allocate(24)).toBe(rest + 8);
  });
});

describe("slab robustness", () => {
  it("reports double, interior, wild and wrong-allocator frees and a corrupted slab header", () => {
    const { m, rm } = f407();
    const slab = new SlabAllocator({ pages: rm, memory: m.core, region: "SRAM1", blockSize: 32 });
    const sa = new SlabArrayAllocator({ pages: rm, memory: m.core, region: "SRAM1" });
    const p = slab.allocate(32)!;
    const q = slab.allocate(32)!;
    const s = sa.allocate(32)!;
    slab.free(q);
    const before = slab.stats();
    expect(code(() => slab.free(q))).toBe("DOUBLE_FREE");
    expect(code(() => slab.free(p + 4))).toBe("INVALID_FREE");
    expect(code(() => slab.free(p - 0x20))).toBe("INVALID_FREE"); // the slab header
    expect(code(() => slab.free(s))).toBe("WRONG_ALLOCATOR");
    expect(code(() => sa.free(p))).toBe("WRONG_ALLOCATOR");
    expect(slab.stats()).toEqual(before);
    const base = p - 0x20;
    const saved = m.bus.peek(base, 4);
    m.core.write32(base, 0xdeadbeef); // an overflow from the memory below reached the slab header
    expect(code(() => slab.free(p))).toBe("HEAP_CORRUPTION");
    m.bus.load(base, saved);
    // A write after free into q (the first free block) breaks its free-list link.
    const link = m.bus.peek(q, 4);
    m.core.write32(q, 0x20000004);
    expect(code(() => slab.allocate(8))).toBe("HEAP_CORRUPTION");
    expect(slab.stats()).toEqual(before);
    m.bus.load(q, link);
    expect(slab.allocate(8)).toBe(q);
    slab.free(q);
    slab.free(p);
    expect(slab.stats().liveBlocks).toBe(0);
  });
});

describe("slab and stack links forged by the task", () => {
  const MPU_CTRL = 0xe000ed94;

  function caught(f: () => unknown): { code: string; address: number } | undefined {
    try {
      f();
    } catch (e) {
      return { code: (e as { code: string }).code, address: (e as { context: { address: number } }).context.address };
    }
    return undefined;
  }

  it("a slab free-list link forged outside the slab, or into a cycle, stops the return of the slab", () => {
    const { m, rm } = f407();
    const slab = new SlabAllocator({ pages: rm, memory: m.core, region: "SRAM1", blockSize: 32 });
    const p = slab.allocate(32)!;
    const q = slab.allocate(32)!;
    slab.free(q);
    slab.free(p); // the slab is empty (kept: retainEmpty 1); the list runs p -> q -> the rest
    const base = p - 0x20;
    const bytes = m.bus.peek(base, 2048);
    const link = m.bus.peek(q, 4);
    m.core.write32(q, MPU_CTRL); // taking the slab's blocks off the list would follow it
    expect(caught(() => slab.releaseEmpty())).toEqual({ code: "HEAP_CORRUPTION", address: q });
    m.core.write32(q, p); // p -> q -> p -> ...: a walk that never ends
    expect(caught(() => slab.releaseEmpty())?.code).toBe("HEAP_CORRUPTION");
    expect(slab.stats().pages).toBe(2);
    m.bus.load(q, link);
    expect(m.bus.peek(base, 2048)).toEqual(bytes);
    expect(slab.releaseEmpty()).toBe(2);
  });

  it("releaseEmpty checks every empty slab before it gives the first back: one corrupted, none returned", () => {
    const { m, rm, freePages } = f407();
    const sa = new SlabArrayAllocator({
      pages: rm,
      memory: m.core,
      region: "SRAM1",
      classes: [16, 64],
      retainEmpty: 4,
    });
    const small = sa.allocate(16)!;
    const big = sa.allocate(64)!;
    sa.free(small);
    sa.free(big); // two empty slabs, both retained
    const pages = sa.stats().pages;
    const free = freePages();
    const bigSlab = big - (big % 2048); // the 64-byte class's slab (order 1: 2 KiB)
    const check = m.bus.peek(bigSlab, 4);
    m.core.write32(bigSlab, 0x12345678); // the second slab's check word
    expect(caught(() => sa.releaseEmpty())).toEqual({ code: "HEAP_CORRUPTION", address: bigSlab });
    expect([sa.stats().pages, freePages()]).toEqual([pages, free]); // the first slab stayed too
    m.bus.load(bigSlab, check);
    expect(sa.releaseEmpty()).toBe(pages);
    expect(freePages()).toBe(free + pages);
  });

  it("a stack block link forged to itself or out of order is HEAP_CORRUPTION before anything is popped", () => {
    const { m, rm } = f407();
    const stack = new StackAllocator({ pages: rm, memory: m.core, region: "SRAM1" });
    const start = stack.mark();
    const a = stack.allocate(40)!;
    const b = stack.allocate(40)!;
    const c = stack.allocate(40)!;
    const link = m.bus.peek(c - 4, 4);
    m.core.write32(c - 4, c - 8); // c's previous block: itself
    expect(caught(() => stack.release(start))).toEqual({ code: "HEAP_CORRUPTION", address: c - 8 });
    m.core.write32(c - 4, a - 8);
    m.core.write32(a - 4, b - 8); // a "follows" b: the chain loops
    // a is the bottom chunk's first block, which links to NIL: its forged link is the word named.
    expect(caught(() => stack.release(start))).toEqual({ code: "HEAP_CORRUPTION", address: a - 4 });
    expect(stack.stats().liveBlocks).toBe(3);
    m.bus.load(c - 4, link);
    m.core.write32(a - 4, 1);
    stack.release(start);
    expect(stack.stats()).toMatchObject({ liveBlocks: 0, pages: 0 });
  });
});
