import type { MemoryPort } from "@rtos-sim/hw";
import { RegionManager } from "@rtos-sim/region";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Allocator } from "./allocator.js";
import { AllocError } from "./errors.js";
import { SlabAllocator } from "./slab.js";
import { powerOfTwoClasses, SlabArrayAllocator } from "./slab-array.js";
import { type SlabGeometry, SlabHeader, slabGeometry, slabOrderFor } from "./slab-cache.js";
import { f407, fencedPort } from "./test-pages.js";

// A slab's header (check word, summary, live-block bitmap) and its free blocks' links are in
// the task's heap, as the kernel's slab-array heaps keep them: the task can forge any of them.
// Whatever it forges, the allocator must never hand out a block that is live (two live blocks
// overlapping), nor give back a slab that holds one; it fails with a typed error instead.

/** The heap: one 16 KiB block of SRAM1 with a region manager nested in it (128-byte pages). */
const ORDER = 4;
const BYTES = 16384;

function heap(make: (pages: RegionManager, memory: MemoryPort) => Allocator) {
  const { m, rm } = f407();
  const base = rm.allocPages(ORDER, { owner: "task", region: "SRAM1" })!;
  const port = fencedPort(m.core, base, base + BYTES);
  const pages = new RegionManager({
    memory: port,
    regions: [{ name: "heap", start: base, size: BYTES }],
    pageOrder: 7,
  });
  return { m, base, port, a: make(pages, port) };
}

const slab48 = (pages: RegionManager, memory: MemoryPort) =>
  new SlabAllocator({ pages, memory, blockSize: 48, retainEmpty: 0 });
const slabs = (pages: RegionManager, memory: MemoryPort) =>
  new SlabArrayAllocator({ pages, memory, classes: powerOfTwoClasses(16, 256), minBlocksPerSlab: 4 });

/** The geometry of the slab serving `size` bytes: the test knows it, as an attacker reading the source does. */
const geom48 = (_size: number) => slabGeometry(48, slabOrderFor(48, 7, 32), 7);
const geomPow2 = (size: number) => {
  const c = Math.max(16, 2 ** Math.ceil(Math.log2(size)));
  return slabGeometry(c, slabOrderFor(c, 7, 4), 7);
};

/** The address of the bitmap halfword holding block `p`'s bit, and the bit. */
function bitOf(g: SlabGeometry, p: number): { at: number; bit: number; slab: number } {
  const slab = p - (p & (g.slabBytes - 1));
  const idx = (p - slab - g.first) / g.blockSize;
  return { at: slab + SlabHeader.BITMAP + 2 * (idx >>> 4), bit: 1 << (idx & 15), slab };
}

function codeOf(f: () => unknown): string {
  try {
    f();
    return "ok";
  } catch (e) {
    if (e instanceof AllocError) return e.code;
    throw e;
  }
}

describe("slab metadata forged by the task that owns the heap", () => {
  it("a live block's bitmap bit cleared and a free link pointed at it: HEAP_CORRUPTION, not the block twice", () => {
    const { m, a } = heap(slab48);
    const x = a.allocate(48)!;
    const z = a.allocate(48)!; // then freed: the head of the free list
    a.free(z);
    const b = bitOf(geom48(48), x);
    m.core.write16(b.at, m.core.read16(b.at) & ~b.bit); // x "free"
    m.core.write32(z, x); // z's link names x
    expect(a.allocate(48)).toBe(z);
    expect(codeOf(() => a.allocate(48))).toBe("HEAP_CORRUPTION");
    expect(a.stats()).toMatchObject({ liveBlocks: 2 });
  });

  it("a slab whose live blocks' bits and summary are cleared is not given back with them in it", () => {
    const { m, a } = heap(slab48);
    const x = a.allocate(48)!;
    const { slab } = bitOf(geom48(48), x);
    m.core.write16(slab + SlabHeader.USED, 0);
    m.core.write16(slab + SlabHeader.BITMAP, 0);
    expect(codeOf(() => a.releaseEmpty())).toBe("HEAP_CORRUPTION");
    expect(a.stats()).toMatchObject({ liveBlocks: 1 });
    // The slab is still the allocator's: its pages are not handed out under x.
    const others = Array.from({ length: 40 }, () => {
      try {
        return a.allocate(48);
      } catch {
        return null;
      }
    });
    expect(others.filter((b) => b !== null && b < x + 48 && x < b + 48)).toEqual([]);
  });

  it("a live block's bit cleared, then freed: HEAP_CORRUPTION (the block is live, not freed twice)", () => {
    const { m, a } = heap(slab48);
    const x = a.allocate(48)!;
    const b = bitOf(geom48(48), x);
    m.core.write16(b.at, m.core.read16(b.at) & ~b.bit);
    expect(codeOf(() => a.free(x))).toBe("HEAP_CORRUPTION");
  });

  it("a free block's bit set, then the block freed: HEAP_CORRUPTION (it was never handed out)", () => {
    const { m, a } = heap(slab48);
    const x = a.allocate(48)!;
    const y = x + 48; // free, next on the list
    const b = bitOf(geom48(48), y);
    m.core.write16(b.at, m.core.read16(b.at) | b.bit);
    expect(codeOf(() => a.free(y))).toBe("HEAP_CORRUPTION");
    expect(a.stats()).toMatchObject({ liveBlocks: 1, frees: 0 });
  });
});

type Op =
  | { op: "alloc"; size: number }
  | { op: "free"; pick: number }
  | { op: "release" }
  | { op: "byte"; slab: number; offset: number; value: number }
  | { op: "link"; pick: number; target: number }
  | { op: "unmark"; pick: number };

const KINDS = [
  { name: "slab", make: slab48, max: 48, geom: geom48 },
  { name: "slab-array", make: slabs, max: 256, geom: geomPow2 },
];

describe.each(KINDS)("$name: forging any metadata byte", (k) => {
  it("never yields two live overlapping blocks, nor a block outside the heap, without a typed error", {
    timeout: 120_000,
  }, () => {
    const op: fc.Arbitrary<Op> = fc.oneof(
      {
        weight: 4,
        arbitrary: fc.record({ op: fc.constant("alloc" as const), size: fc.integer({ min: 1, max: k.max }) }),
      },
      { weight: 2, arbitrary: fc.record({ op: fc.constant("free" as const), pick: fc.nat({ max: 1000 }) }) },
      { weight: 1, arbitrary: fc.constant({ op: "release" as const }) },
      {
        // A byte of a slab header: check word, summary, bitmap (the first 40 bytes of a slab page).
        weight: 3,
        arbitrary: fc.record({
          op: fc.constant("byte" as const),
          slab: fc.nat({ max: BYTES / 128 - 1 }),
          offset: fc.nat({ max: 39 }),
          value: fc.nat({ max: 255 }),
        }),
      },
      {
        // A free-list link (a freed block's first word) pointed at a live block or anywhere.
        weight: 3,
        arbitrary: fc.record({
          op: fc.constant("link" as const),
          pick: fc.nat({ max: 1000 }),
          target: fc.nat({ max: 1000 }),
        }),
      },
      {
        // A live block's bitmap bit cleared: the bitmap says it is free.
        weight: 3,
        arbitrary: fc.record({ op: fc.constant("unmark" as const), pick: fc.nat({ max: 1000 }) }),
      },
    );
    let corruption = 0;
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 60, size: "medium" }), (trace) => {
        const { m, base, port, a } = heap(k.make);
        const live: { p: number; size: number }[] = [];
        const freed: number[] = [];
        const call = <T>(f: () => T): T | undefined => {
          try {
            return f();
          } catch (e) {
            if (!(e instanceof AllocError)) throw e;
            if (e.code === "HEAP_CORRUPTION") corruption++;
            return undefined;
          }
        };
        for (const o of trace) {
          if (o.op === "alloc") {
            const p = call(() => a.allocate(o.size));
            if (typeof p !== "number") continue;
            expect(p >= base && p + o.size <= base + BYTES).toBe(true);
            const clash = live.find((b) => p < b.p + b.size && b.p < p + o.size);
            expect(clash, `0x${p.toString(16)} handed out over live 0x${clash?.p.toString(16)}`).toBeUndefined();
            live.push({ p, size: o.size });
          } else if (o.op === "free") {
            if (live.length === 0) continue;
            const i = o.pick % live.length;
            const b = live[i]!;
            const done = call(() => {
              a.free(b.p);
              return true;
            });
            if (done) {
              live.splice(i, 1);
              freed.push(b.p);
            }
          } else if (o.op === "release") {
            call(() => a.releaseEmpty());
          } else if (o.op === "byte") {
            const at = base + o.slab * 128 + o.offset;
            m.bus.load(at, Uint8Array.of(o.value));
          } else if (o.op === "unmark") {
            if (live.length === 0) continue;
            const b = live[o.pick % live.length]!;
            const { at, bit } = bitOf(k.geom(b.size), b.p);
            m.core.write16(at, m.core.read16(at) & ~bit);
          } else if (freed.length > 0) {
            // Mostly the last freed blocks: the head of a free list.
            const f = freed[freed.length - 1 - (o.pick % Math.min(3, freed.length))]!;
            const target = live.length > 0 ? live[o.target % live.length]!.p : f;
            m.bus.load(f, Uint8Array.of(target & 255, (target >>> 8) & 255, (target >>> 16) & 255, target >>> 24));
          }
          expect(port.outside).toEqual([]);
        }
      }),
      { numRuns: 300, seed: 0x51ab },
    );
    expect(corruption).toBeGreaterThan(20);
  });
});
