import { ActorMode, actorMode, actorTask, makeActor } from "@rtos-sim/hw";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Allocator, BlockObserver, ResizableAllocator } from "./allocator.js";
import type { AllocatorOptions } from "./base.js";
import { HeapAllocator } from "./heap.js";
import { SlabAllocator } from "./slab.js";
import { powerOfTwoClasses, SlabArrayAllocator } from "./slab-array.js";
import { StackAllocator } from "./stack.js";
import { f407 } from "./test-pages.js";
import { TlsfAllocator } from "./tlsf.js";

type Op =
  | { op: "alloc"; size: number; align: number | undefined }
  | { op: "free"; pick: number }
  | { op: "resize"; pick: number; size: number }
  | { op: "mark" }
  | { op: "release"; pick: number };

interface Kind {
  readonly name: string;
  readonly make: (o: AllocatorOptions) => Allocator;
  readonly maxSize: number;
  readonly aligns: readonly (number | undefined)[];
  readonly resizable: boolean;
  readonly stack: boolean;
}

const KINDS: Kind[] = [
  {
    name: "tlsf",
    make: (o) => new TlsfAllocator(o),
    maxSize: 3000,
    aligns: [undefined, 16, 64, 512],
    resizable: true,
    stack: false,
  },
  {
    name: "heap",
    make: (o) => new HeapAllocator(o),
    maxSize: 3000,
    aligns: [undefined, 16, 64, 512],
    resizable: true,
    stack: false,
  },
  {
    name: "slab",
    make: (o) => new SlabAllocator({ ...o, blockSize: 48, retainEmpty: 0 }),
    maxSize: 48,
    aligns: [undefined, 16],
    resizable: false,
    stack: false,
  },
  {
    name: "slab-array",
    make: (o) => new SlabArrayAllocator({ ...o, classes: powerOfTwoClasses(8, 256), minBlocksPerSlab: 8 }),
    maxSize: 256,
    aligns: [undefined, 8, 32],
    resizable: false,
    stack: false,
  },
  {
    name: "stack",
    make: (o) => new StackAllocator({ ...o, chunkOrder: 1 }),
    maxSize: 1500,
    aligns: [undefined, 16, 128],
    resizable: false,
    stack: true,
  },
];

function ops(k: Kind): fc.Arbitrary<Op[]> {
  const alloc = fc.record({
    op: fc.constant("alloc" as const),
    size: fc.oneof(fc.integer({ min: 1, max: Math.min(64, k.maxSize) }), fc.integer({ min: 1, max: k.maxSize })),
    align: fc.constantFrom(...k.aligns),
  });
  const pick = fc.nat({ max: 1000 });
  const arbs: fc.Arbitrary<Op>[] = [alloc, alloc, fc.record({ op: fc.constant("free" as const), pick })];
  if (k.resizable)
    arbs.push(fc.record({ op: fc.constant("resize" as const), pick, size: fc.integer({ min: 0, max: k.maxSize }) }));
  if (k.stack)
    arbs.push(fc.constant({ op: "mark" as const }), fc.record({ op: fc.constant("release" as const), pick }));
  return fc.array(fc.oneof(...arbs), { maxLength: 120 });
}

interface Live {
  address: number;
  size: number;
  fill: number;
}

function run(k: Kind, trace: Op[]): void {
  const { m, rm, freePages } = f407();
  const before = freePages();
  const live: Live[] = [];
  const observed = new Map<number, number>();
  const violations: string[] = [];
  const observer: BlockObserver = {
    blockAllocated: (a, s) => observed.set(a, s),
    blockFreed: (a, s) => {
      expect(observed.get(a)).toBe(s);
      observed.delete(a);
    },
    blockResized: (a, s, b, t) => {
      expect(observed.get(a)).toBe(s);
      observed.delete(a);
      observed.set(b, t);
    },
  };
  const user = makeActor(ActorMode.User, 3);
  m.core.actor = user;
  // Pages the allocator holds (the region manager's metadata pages are its own, also accessed
  // in allocator mode): an allocator touches only these.
  const held = new Set<number>();
  rm.observer = {
    pagesGiven: (a, n) => {
      for (let x = a; x < a + n; x += 1024) held.add(x);
    },
    pagesReturned: (a, n) => {
      for (let x = a; x < a + n; x += 1024) held.delete(x);
    },
  };
  const meta = rm.regions().map((r) => [r.metadataStart, r.metadataStart + 1024 * r.metadataPages] as const);
  m.core.hook = {
    onAccess(address, size, _kind, _priv, actor) {
      if (actorMode(actor) !== ActorMode.Allocator) return;
      if (actorTask(actor) !== 3) violations.push(`task bits lost at ${address}`);
      for (const [a, s] of observed)
        if (address < a + s && a < address + size) violations.push(`touched live ${a}+${s} at ${address}`);
      if (!held.has(address & ~1023) && !meta.some(([lo, hi]) => address >= lo && address < hi))
        violations.push(`touched a page it does not hold at ${address}`);
    },
  };
  const alloc = k.make({ pages: rm, memory: m.core, region: "SRAM1", observer });
  let failures = 0;
  let fill = 1;
  const marks: { mark: number; depth: number }[] = [];
  const accounted = (size: number, address: number) => (k.name.startsWith("slab") ? alloc.blockSize(address)! : size);
  const check = (b: Live) => {
    expect(Array.from(m.bus.peek(b.address, b.size)).every((x) => x === (b.fill & 0xff))).toBe(true);
  };
  const put = (address: number, size: number): Live => {
    const b = { address, size, fill: fill++ };
    m.core.fill(address, b.fill & 0xff, size);
    return b;
  };

  for (const o of trace) {
    if (o.op === "alloc") {
      const p = alloc.allocate(o.size, o.align);
      if (p === null) {
        failures++;
        continue;
      }
      expect(p % (o.align ?? 8)).toBe(0);
      for (const b of live) expect(p + o.size <= b.address || b.address + b.size <= p).toBe(true);
      expect(alloc.owns(p)).toBe(true);
      expect(alloc.blockSize(p)).toBeGreaterThanOrEqual(o.size);
      live.push(put(p, o.size));
    } else if (o.op === "free" && live.length > 0) {
      const i = k.stack ? live.length - 1 : o.pick % live.length;
      const b = live[i]!;
      check(b);
      alloc.free(b.address);
      live.splice(i, 1);
      if (k.stack) while (marks.length > 0 && marks.at(-1)!.depth > live.length) marks.pop();
    } else if (o.op === "resize" && live.length > 0) {
      const i = o.pick % live.length;
      const b = live[i]!;
      check(b);
      const p = (alloc as ResizableAllocator).resize(b.address, o.size);
      if (o.size === 0) {
        expect(p).toBeNull();
        live.splice(i, 1);
      } else if (p === null) {
        failures++;
        check(b);
      } else {
        expect(Array.from(m.bus.peek(p, Math.min(b.size, o.size))).every((x) => x === (b.fill & 0xff))).toBe(true);
        live.splice(i, 1);
        for (const c of live) expect(p + o.size <= c.address || c.address + c.size <= p).toBe(true);
        live.push(put(p, o.size));
      }
    } else if (o.op === "mark" && k.stack) {
      marks.push({ mark: (alloc as StackAllocator).mark(), depth: live.length });
    } else if (o.op === "release" && k.stack && marks.length > 0) {
      const j = o.pick % marks.length;
      const { mark, depth } = marks[j]!;
      for (const b of live.slice(depth)) check(b);
      (alloc as StackAllocator).release(mark);
      live.length = depth;
      marks.length = j + 1;
    }
    const s = alloc.stats();
    expect(s.liveBlocks).toBe(live.length);
    expect(s.liveBytes).toBe(live.reduce((t, b) => t + accounted(b.size, b.address), 0));
    expect(s.failures).toBe(failures);
    expect(s.freeBytes).toBeGreaterThanOrEqual(0);
    expect(s.freeBytes).toBeLessThanOrEqual(s.heldBytes);
    expect(s.heldBytes).toBe((before - freePages()) * 1024);
    expect(observed.size).toBe(live.length);
    expect(m.core.actor).toBe(user);
  }
  // Free everything: every page goes back to the region manager.
  if (k.stack) (alloc as StackAllocator).release(1);
  else
    for (const b of live.splice(0)) {
      check(b);
      alloc.free(b.address);
    }
  alloc.releaseEmpty();
  expect(alloc.stats()).toMatchObject({ liveBlocks: 0, liveBytes: 0, pages: 0 });
  expect(freePages()).toBe(before);
  expect(violations).toEqual([]);
}

describe.each(KINDS)("$name over random traces", (k) => {
  it("keeps live blocks disjoint and intact, stats equal to the model, never touches a live block or a page it does not hold, and returns every page", () => {
    fc.assert(
      fc.property(ops(k), (trace) => run(k, trace)),
      { numRuns: 100, seed: 0x5eed04 },
    );
  });
});
