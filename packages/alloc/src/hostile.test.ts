import type { MemoryPort } from "@rtos-sim/hw";
import { type PageSource, RegionManager } from "@rtos-sim/region";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Allocator, ResizableAllocator } from "./allocator.js";
import { FREE, headerCheck, PREV_FREE } from "./block.js";
import { AllocError } from "./errors.js";
import { HeapAllocator } from "./heap.js";
import { SlabAllocator } from "./slab.js";
import { powerOfTwoClasses, SlabArrayAllocator } from "./slab-array.js";
import { StackAllocator } from "./stack.js";
import { BlockSource, f407, fencedPort } from "./test-pages.js";
import { TlsfAllocator } from "./tlsf.js";

// A task's heap is memory the task can write. The attacker writes random bytes, forged words and
// forged headers (with the public check word) anywhere in it, then makes random calls; whatever
// it writes, the allocator must keep every access inside the heap, hand out blocks inside it,
// and fail only with typed AllocErrors.

/** The heap: one 16 KiB block of SRAM1, as the kernel gives a task. */
const ORDER = 4;
const BYTES = 16384;
const MPU_CTRL = 0xe000ed94;

interface Kind {
  readonly name: string;
  /** Pages come from a region manager nested in the block (slabs, stack), or the block is the arena. */
  readonly nested: boolean;
  readonly make: (pages: PageSource, memory: MemoryPort) => Allocator;
  readonly maxSize: number;
  readonly aligns: readonly (number | undefined)[];
  readonly resizable: boolean;
  readonly stack: boolean;
}

const KINDS: Kind[] = [
  {
    name: "tlsf",
    nested: false,
    make: (pages, memory) => new TlsfAllocator({ pages, memory, arenaOrder: ORDER }),
    maxSize: 2000,
    aligns: [undefined, undefined, 16, 64],
    resizable: true,
    stack: false,
  },
  {
    name: "heap",
    nested: false,
    make: (pages, memory) => new HeapAllocator({ pages, memory, arenaOrder: ORDER }),
    maxSize: 2000,
    aligns: [undefined, undefined, 16, 64],
    resizable: true,
    stack: false,
  },
  {
    name: "slab",
    nested: true,
    make: (pages, memory) => new SlabAllocator({ pages, memory, blockSize: 48, retainEmpty: 0 }),
    maxSize: 48,
    aligns: [undefined, 16],
    resizable: false,
    stack: false,
  },
  {
    name: "slab-array",
    nested: true,
    make: (pages, memory) =>
      new SlabArrayAllocator({ pages, memory, classes: powerOfTwoClasses(16, 256), minBlocksPerSlab: 4 }),
    maxSize: 256,
    aligns: [undefined, 16],
    resizable: false,
    stack: false,
  },
  {
    name: "stack",
    nested: true,
    make: (pages, memory) => new StackAllocator({ pages, memory, chunkOrder: 3 }),
    maxSize: 600,
    aligns: [undefined, 16],
    resizable: false,
    stack: true,
  },
];

type Op =
  | { op: "alloc"; size: number; align: number | undefined }
  | { op: "free"; pick: number }
  | { op: "wild"; offset: number }
  | { op: "resize"; pick: number; size: number }
  | { op: "mark" }
  | { op: "release"; pick: number }
  | { op: "bytes"; at: Place; bytes: number[] }
  | { op: "word"; at: Place; value: number }
  | { op: "header"; at: Place; size: number; flags: number; next: number; prev: number };

/** Where the attacker writes: anywhere in the heap, or near the end of a live block (its neighbour's header). */
type Place = { offset: number } | { pick: number; delta: number };

function ops(k: Kind): fc.Arbitrary<Op[]> {
  const inside = fc.integer({ min: 0, max: BYTES / 8 - 1 }).map((i) => 8 * i);
  const outside = fc.constantFrom(MPU_CTRL - 12, MPU_CTRL - 8, MPU_CTRL, 0x20000000, 0x10000000, 0xfffffff8, 1);
  // Link and size values: inside the heap (an offset, encoded as -1 - offset and resolved against
  // the heap's base at run time), outside it, anything.
  const value = fc.oneof(
    inside.map((o) => ({ rel: o })),
    outside.map((a) => ({ abs: a })),
    fc.constant({ abs: 0 }),
    fc.nat({ max: 0xffffffff }).map((a) => ({ abs: a })),
  );
  const place: fc.Arbitrary<Place> = fc.oneof(
    fc.nat({ max: BYTES - 1 }).map((offset) => ({ offset })),
    fc.record({ pick: fc.nat({ max: 1000 }), delta: fc.integer({ min: -8, max: 24 }) }),
  );
  const alloc = fc.record({
    op: fc.constant("alloc" as const),
    size: fc.oneof(fc.integer({ min: 1, max: Math.min(64, k.maxSize) }), fc.integer({ min: 1, max: k.maxSize })),
    align: fc.constantFrom(...k.aligns),
  });
  const pick = fc.nat({ max: 1000 });
  const arbs: fc.Arbitrary<Op>[] = [
    alloc,
    alloc,
    fc.record({ op: fc.constant("free" as const), pick }),
    fc.record({ op: fc.constant("wild" as const), offset: fc.nat({ max: BYTES - 1 }) }),
    fc.record({
      op: fc.constant("bytes" as const),
      at: place,
      bytes: fc.array(fc.nat({ max: 255 }), { minLength: 1, maxLength: 8 }),
    }),
    fc
      .record({ at: place, v: value })
      .map(({ at, v }) => ({ op: "word" as const, at, value: "rel" in v ? -1 - v.rel : v.abs })),
  ];
  if (k.resizable) {
    arbs.push(fc.record({ op: fc.constant("resize" as const), pick, size: fc.integer({ min: 0, max: k.maxSize }) }));
    arbs.push(
      fc
        .record({
          at: place,
          size: fc.oneof(
            fc.integer({ min: 0, max: BYTES / 8 }).map((x) => 8 * x),
            fc.nat({ max: 0xfffffff8 }),
          ),
          flags: fc.constantFrom(FREE, FREE, FREE | PREV_FREE, 0, PREV_FREE),
          next: value,
          prev: value,
        })
        .map(({ at, size, flags, next, prev }) => ({
          op: "header" as const,
          at,
          size,
          flags,
          next: "rel" in next ? -1 - next.rel : next.abs,
          prev: "rel" in prev ? -1 - prev.rel : prev.abs,
        })),
    );
  }
  if (k.stack)
    arbs.push(fc.constant({ op: "mark" as const }), fc.record({ op: fc.constant("release" as const), pick }));
  return fc.array(fc.oneof(...arbs), { minLength: 1, maxLength: 80, size: "max" });
}

interface Live {
  address: number;
  size: number;
}

/** Totals over every run of a kind: the attacks must really reach the checks. */
interface Tally {
  corruption: number;
  errors: number;
}

function run(k: Kind, trace: Op[], tally: Tally): void {
  const { m, rm } = f407();
  const base = rm.allocPages(ORDER, { owner: "task", region: "SRAM1" })!;
  const end = base + BYTES;
  const port = fencedPort(m.core, base, end);
  const pages = k.nested
    ? new RegionManager({ memory: port, regions: [{ name: "heap", start: base, size: BYTES }], pageOrder: 7 })
    : new BlockSource(base, ORDER);
  const a = k.make(pages, port);
  const mpuCtrl = m.core.read32(MPU_CTRL);
  const live: Live[] = [];
  const marks: { mark: number; depth: number }[] = [];
  const resolve = (v: number) => (v < 0 ? base + (-1 - v) : v >>> 0);
  const where = (p: Place): number => {
    if ("offset" in p || live.length === 0) return base + ("offset" in p ? p.offset : 0);
    const b = live[p.pick % live.length]!;
    return Math.min(Math.max(b.address + b.size + p.delta, base), end - 8);
  };
  const inHeap = (p: number, size: number) => {
    expect(p >= base && p + size <= end, `block 0x${p.toString(16)}+${size} outside the heap`).toBe(true);
  };
  /** Runs one call as the kernel would: typed AllocErrors are the task's problem, anything else is a bug. */
  const call = <T>(f: () => T): T | undefined => {
    port.accesses = 0;
    try {
      return f();
    } catch (e) {
      if (!(e instanceof AllocError)) throw e;
      tally.errors++;
      if (e.code === "HEAP_CORRUPTION") tally.corruption++;
      return undefined;
    }
  };

  /** {@link call} for a call that returns nothing: whether it succeeded. */
  const done = (f: () => void): boolean =>
    call(() => {
      f();
      return true;
    }) === true;

  for (const o of trace) {
    switch (o.op) {
      case "alloc": {
        const p = call(() => a.allocate(o.size, o.align));
        if (typeof p === "number") {
          inHeap(p, o.size);
          live.push({ address: p, size: o.size });
        }
        break;
      }
      case "free": {
        if (live.length === 0) break;
        const i = k.stack ? live.length - 1 : o.pick % live.length;
        const b = live[i]!;
        if (done(() => a.free(b.address))) {
          live.splice(i, 1);
          while (k.stack && marks.length > 0 && marks.at(-1)!.depth > live.length) marks.pop();
        }
        break;
      }
      case "wild":
        call(() => a.free(base + o.offset));
        break;
      case "resize": {
        if (live.length === 0) break;
        const i = o.pick % live.length;
        const b = live[i]!;
        const p = call(() => (a as ResizableAllocator).resize(b.address, o.size));
        if (o.size === 0 && p === null) live.splice(i, 1);
        else if (typeof p === "number") {
          inHeap(p, o.size);
          live[i] = { address: p, size: o.size };
        }
        break;
      }
      case "mark":
        marks.push({ mark: (a as StackAllocator).mark(), depth: live.length });
        break;
      case "release": {
        if (marks.length === 0) break;
        const j = o.pick % marks.length;
        const { mark, depth } = marks[j]!;
        if (done(() => (a as StackAllocator).release(mark))) {
          live.length = Math.min(live.length, depth);
          marks.length = j + 1;
        }
        break;
      }
      case "bytes": {
        const at = where(o.at);
        m.bus.load(at, new Uint8Array(o.bytes.slice(0, end - at)));
        break;
      }
      case "word": {
        const at = where(o.at) & ~3;
        m.bus.load(at, le32(resolve(o.value)));
        break;
      }
      case "header": {
        // A forged block: a header whose check word is right (the hash is public), and links.
        const h = (where(o.at) - base) & ~7;
        const at = base + Math.min(h, BYTES - 16);
        const w0 = (o.size | o.flags) >>> 0;
        m.bus.load(at, le32(w0));
        m.bus.load(at + 4, le32(headerCheck(at, w0, 0)));
        m.bus.load(at + 8, le32(resolve(o.next)));
        m.bus.load(at + 12, le32(resolve(o.prev)));
        break;
      }
    }
    expect(port.outside).toEqual([]);
  }
  // Every call stays usable: stats never throw, and nothing outside the heap was touched.
  call(() => a.stats());
  call(() => a.releaseEmpty());
  expect(port.outside).toEqual([]);
  expect(m.core.read32(MPU_CTRL)).toBe(mpuCtrl);
}

function le32(v: number): Uint8Array {
  return new Uint8Array([v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff]);
}

describe.each(KINDS)("$name under a hostile task", (k) => {
  it("keeps every access and every block inside the heap whatever the task writes, failing only with AllocErrors", {
    timeout: 120_000,
  }, () => {
    const tally: Tally = { corruption: 0, errors: 0 };
    fc.assert(
      fc.property(ops(k), (trace) => run(k, trace, tally)),
      { numRuns: 200, seed: 0x4057113 },
    );
    // The attacks reached the allocator's checks (not just its size and pointer validation).
    expect(tally.corruption).toBeGreaterThan(50);
  });
});
