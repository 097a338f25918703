import { powerOfTwoClasses, SlabArrayAllocator, StackAllocator, TlsfAllocator } from "@rtos-sim/alloc";
import { ActorMode, createMachine, makeActor, STM32F407 } from "@rtos-sim/hw";
import { RegionManager } from "@rtos-sim/region";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkedAllocator } from "./checked-allocator.js";
import { MemoryChecker } from "./checker.js";

/** The real region manager and allocators, observed by the checker (stop on any error). */
function boot(onError: "stop" | "continue" = "stop") {
  const m = createMachine(STM32F407);
  const rm = new RegionManager({ memory: m.core, regions: m.board.memory.filter((r) => !r.readOnly) });
  const metadata = rm.regions().map((r) => ({ start: r.metadataStart, size: r.metadataPages * rm.pageSize }));
  const checker = new MemoryChecker(m, { metadata, onError }).attach();
  rm.observer = checker;
  const tlsf = new TlsfAllocator({ name: "tlsf", pages: rm, memory: m.core, region: "SRAM1", observer: checker });
  const slabs = new SlabArrayAllocator({
    name: "kmalloc",
    pages: rm,
    memory: m.core,
    region: "SRAM1",
    classes: powerOfTwoClasses(8, 256),
    observer: checker,
  });
  checker.registerAllocator("kmalloc", "slab-array");
  m.core.actor = makeActor(ActorMode.User, 1);
  return { m, rm, checker, tlsf, slabs };
}

type Op =
  | { op: "alloc"; size: number; slab: boolean }
  | { op: "free"; pick: number }
  | { op: "touch"; pick: number; at: number }
  | { op: "resize"; pick: number; size: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant("alloc"), size: fc.integer({ min: 1, max: 256 }), slab: fc.boolean() }),
  fc.record({ op: fc.constant("free"), pick: fc.nat() }),
  fc.record({ op: fc.constant("touch"), pick: fc.nat(), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ op: fc.constant("resize"), pick: fc.nat(), size: fc.integer({ min: 1, max: 400 }) }),
);

describe("with @rtos-sim/alloc (TLSF, slab array) and @rtos-sim/region", () => {
  it("no false positives over random correct traces, bare and with redzones and quarantine", () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 50, maxLength: 400 }), fc.boolean(), (ops, wrapped) => {
        const { m, checker, tlsf, slabs } = boot();
        const general = wrapped ? checkedAllocator(checker, tlsf, { quarantineBytes: 2048 }) : tlsf;
        const small = wrapped ? checkedAllocator(checker, slabs, { quarantineBytes: 2048 }) : slabs;
        const live: { p: number; size: number; slab: boolean }[] = [];
        for (const o of ops) {
          if (o.op === "alloc") {
            // Redzones (16 B each side) must still fit the largest slab class.
            const size = o.slab && wrapped ? Math.min(o.size, 224) : o.size;
            const p = (o.slab ? small : general).allocate(size);
            if (p === null) continue;
            m.core.fill(p, 0x5a, size, true);
            live.push({ p, size, slab: o.slab });
          } else if (live.length > 0) {
            const i = o.pick % live.length;
            const b = live[i]!;
            if (o.op === "free") {
              (b.slab ? small : general).free(b.p);
              live[i] = live[live.length - 1]!;
              live.pop();
            } else if (o.op === "touch") {
              const a = b.p + Math.floor(o.at * (b.size - 1e-9));
              m.core.write8(a, m.core.read8(a) ^ 1);
            } else if (!b.slab && !wrapped) {
              const q = tlsf.resize(b.p, o.size);
              if (q === null) continue;
              if (o.size > b.size) m.core.fill(q + b.size, 0xa5, o.size - b.size, true);
              live[i] = { p: q, size: o.size, slab: false };
            }
          }
        }
        expect(checker.reports).toEqual([]);
      }),
      { seed: 0xa11c, numRuns: 200 },
    );
  });

  it("TLSF: overflow into the slack and header, use after free, double free through the wrapper", () => {
    const { m, checker, tlsf } = boot("continue");
    const p = tlsf.allocate(10)!;
    m.core.write8(p + 10, 1);
    expect(checker.reports[0]).toMatchObject({ kind: "heap-buffer-overflow", address: p + 10 });
    expect(checker.reports[0]!.block).toMatchObject({ address: p, size: 10, allocator: "tlsf" });
    tlsf.free(p);
    m.core.read8(p);
    expect(checker.reports[1]).toMatchObject({ kind: "use-after-free", address: p });
    const heap = checkedAllocator(checker, tlsf);
    const q = heap.allocate(24)!;
    heap.free(q);
    heap.free(q);
    expect(checker.reports[2]).toMatchObject({ kind: "double-free", address: q });
  });

  it("a stack double free: double-free through the wrapper; bare, the allocator's DOUBLE_FREE and no report", () => {
    const { m, rm, checker } = boot("continue");
    const bare = new StackAllocator({ name: "bump", pages: rm, memory: m.core, region: "SRAM1", observer: checker });
    const p = bare.allocate(24)!;
    bare.free(p); // its chunk goes back to the region manager at once
    expect(() => bare.free(p)).toThrow(expect.objectContaining({ code: "DOUBLE_FREE" }));
    expect(checker.reports).toEqual([]);
    const wrapped = checkedAllocator(checker, bare);
    const q = wrapped.allocate(24)!;
    wrapped.free(q);
    wrapped.free(q);
    expect(checker.reports.map((r) => [r.kind, r.address])).toEqual([["double-free", q]]);
  });

  it("slab array: a write past a 20-byte request inside its 32-byte slot is slab-out-of-bounds", () => {
    const { m, checker, slabs } = boot("continue");
    const p = slabs.allocate(20)!;
    m.core.write32(p + 32, 1);
    expect(checker.reports[0]).toMatchObject({ kind: "slab-out-of-bounds", address: p + 32 });
    expect(checker.reports[0]!.block).toMatchObject({
      allocator: "kmalloc",
      allocatorKind: "slab-array",
      relation: "right",
    });
  });

  it("TLSF's moving resize copies through the checker: initialized bytes stay initialized, the rest not, no report", () => {
    const { m, checker, tlsf } = boot("continue");
    const p = tlsf.allocate(16)!;
    const blocker = tlsf.allocate(16)!; // keeps p from growing in place
    m.core.write32(p, 0x11223344);
    const q = tlsf.resize(p, 64)!;
    expect(q).not.toBe(p);
    expect(blocker).toBeGreaterThan(0);
    expect(checker.reports).toEqual([]);
    expect(m.core.read32(q)).toBe(0x11223344);
    // The word never written before the move is still uninitialized at its new place.
    m.core.read32(q + 4);
    expect(checker.reports.map((r) => [r.kind, r.address])).toEqual([["uninitialized-read", q + 4]]);
  });
});

describe("a checked TLSF under pressure", () => {
  /** A TLSF over one 4 KiB block of pages, bare or wrapped with redzones and a quarantine as large as the heap. */
  function heap(wrapped: boolean) {
    const { m, rm, checker } = boot();
    // One 4 KiB block of pages and nothing more, as a task heap has.
    const block = rm.allocPages(2, { owner: "t", region: "SRAM1" })!;
    let lent = false;
    const pages = {
      pageOrder: rm.pageOrder,
      allocPages: (order: number) => {
        if (lent || order !== 2) return null;
        lent = true;
        return block;
      },
      freePages: () => {
        lent = false;
      },
    };
    const tlsf = new TlsfAllocator({ name: "t", pages, memory: m.core, observer: checker, arenaOrder: 2 });
    return {
      m,
      checker,
      a: wrapped ? checkedAllocator(checker, tlsf, { quarantineBytes: 4096, capacity: 4096 }) : tlsf,
    };
  }

  it("a realloc loop growing a buffer to most of the heap: the checked one grows in place when it cannot move", () => {
    const answers = [false, true].map((wrapped) => {
      const { m, checker, a } = heap(wrapped);
      const out: number[] = [];
      let p = a.allocate(16)!;
      m.core.fill(p, 0x5a, 16);
      for (let n = 64; n <= 2816; n += 64) {
        const q = "resize" in a ? (a as { resize(p: number, n: number): number | null }).resize(p, n) : null;
        out.push(q === null ? 0 : m.core.read8(q + 15));
        if (q !== null) {
          p = q;
          m.core.fill(p, 0x5a, n);
        }
      }
      expect(checker.reports).toEqual([]);
      return out;
    });
    // Bare TLSF grows in place to 2304 bytes. Checked, a realloc moves (as ASan's and Memcheck's
    // do, so a stale pointer to the old block is caught) while there is room: alone, that stops
    // at 768 bytes (old and new block side by side); growing in place once it cannot move takes
    // it to 1536, the redzones and the block's place in the heap making the rest of the difference.
    const grown = answers.map((a) => 64 * a.indexOf(0));
    expect(grown).toEqual([2304, 1536]);
    for (const a of answers) expect(a.filter((x) => x !== 0 && x !== 0x5a)).toEqual([]);
  });
});
