/**
 * alloc benchmarks: the standard trace of docs/benchmarks.md (mulberry32 seed 0xC0FFEE,
 * 1,000,000 operations around 2,000 live blocks, sizes 8..512 B) replayed against TLSF, the
 * first-fit heap and the slab array, all with their metadata in simulated memory behind
 * `machine.core`, and against @thi.ng/malloc (plain ArrayBuffer, measured in the same run as the
 * peer). Also reported: the trace replay alone (a bump "allocator"), and fragmentation as the
 * docs define it: (high-water mark - peak live requested bytes) / peak live requested bytes.
 *
 * The "+inline" cases run the same code with V8's inlining budget raised
 * (`--max-inlined-bytecode-size-cumulative=4000`, set at the start of that case's process): the
 * simulated-memory accessors of `machine.core` are too large to be inlined many times under the
 * default budget, and these rows show what the allocators cost once they are. Targets are
 * checked on the default rows only.
 *
 * The "logic alone" cases run the same allocators with their metadata in a plain DataView
 * behind a minimal `MemoryPort` (no simulated core: no privilege, MPU, bus map, cycles or
 * checker hook): what the allocators' own hardened code costs, and so the most any faster access
 * path could give them. Informational; no target.
 *
 * Run: `pnpm bench` in packages/alloc (each case in its own process).
 */
import v8 from "node:v8";
import { benchMain, type Measurement, measure, replay, row, standardTrace } from "@rtos-sim/bench-kit";
import { createMachine, defineBoard, type MemoryPort } from "@rtos-sim/hw";
import { RegionManager } from "@rtos-sim/region";
import type { Allocator } from "../src/index.js";
import { HeapAllocator, SlabArrayAllocator, stepClasses, TlsfAllocator } from "../src/index.js";

const OPS = 1_000_000;

/** A board with 1 MiB of plain SRAM: room for the trace's ~150 KB peak in one 256 KiB arena. */
const BENCH_BOARD = defineBoard({
  name: "alloc-bench",
  description: "Cortex-M4 with 1 MiB of SRAM at 0x20000000 (allocator benchmarks)",
  core: "cortex-m4",
  memory: [{ name: "SRAM", start: 0x20000000, size: 1 << 20 }],
});

interface Result extends Measurement {
  readonly hwm: number;
  readonly frag: number;
}

function withFrag(m: Measurement, hwm: number, peak: number): Result {
  return { ...m, hwm, frag: (hwm - peak) / peak };
}

/** Raises V8's inlining budget for this process (the "+inline" cases; before any hot code runs). */
function raiseInlining(): void {
  v8.setFlagsFromString("--max-inlined-bytecode-size-cumulative=4000");
  v8.setFlagsFromString("--max-inlined-bytecode-size=1000");
}

/**
 * The bench board's SRAM as a plain little-endian DataView behind the `MemoryPort` interface:
 * no privilege, MPU, bus map, cycle charge or hook (the "logic alone" cases).
 */
class PlainMemory implements MemoryPort {
  actor = 0;
  readonly actorObserved = false;
  private readonly d = new DataView(new ArrayBuffer(1 << 20));
  read8(a: number): number {
    return this.d.getUint8(a - 0x20000000);
  }
  read16(a: number): number {
    return this.d.getUint16(a - 0x20000000, true);
  }
  read32(a: number): number {
    return this.d.getUint32(a - 0x20000000, true);
  }
  write8(a: number, v: number): void {
    this.d.setUint8(a - 0x20000000, v);
  }
  write16(a: number, v: number): void {
    this.d.setUint16(a - 0x20000000, v, true);
  }
  write32(a: number, v: number): void {
    this.d.setUint32(a - 0x20000000, v, true);
  }
}

type Make = (rm: RegionManager, memory: MemoryPort) => Allocator;

const tlsf: Make = (rm, memory) => new TlsfAllocator({ pages: rm, memory, arenaOrder: 8 });
const heap: Make = (rm, memory) => new HeapAllocator({ pages: rm, memory, arenaOrder: 8 });
const slabArray: Make = (rm, memory) => new SlabArrayAllocator({ pages: rm, memory, classes: stepClasses(16, 512) });
const LOGIC = "logic alone: metadata in a plain DataView, no simulated core (informational)";
const TLSF = "TLSF (metadata in simulated memory)";
const HEAP = "heap, first fit (metadata in simulated memory)";
const SLABS = "slab array, 32 classes of 16..512 B (metadata in simulated memory)";

/**
 * Replays the trace once untimed (for the high-water mark), then measures full replays; with
 * `plain`, on {@link PlainMemory} instead of the simulated core.
 */
function ours(name: string, make: Make, plain = false): Result {
  const trace = standardTrace(OPS);
  const machine = createMachine(BENCH_BOARD);
  const memory = plain ? new PlainMemory() : machine.core;
  const rm = new RegionManager({ memory, regions: machine.board.memory });
  const a = make(rm, memory);
  const malloc = (s: number) => a.allocate(s) ?? -1;
  const free = (p: number) => a.free(p);
  const once = () => {
    const { live } = replay(trace, malloc, free);
    for (const p of live) a.free(p);
    return live.length;
  };
  once();
  const hwm = a.stats().highWaterMark;
  return withFrag(measure(name, OPS, once), hwm, trace.peakLiveBytes);
}

interface ThingPool {
  malloc(bytes: number): number;
  free(ptr: number): boolean;
}
type ThingModule = { MemPool: new (opts: { size: number }) => ThingPool };

/** @thi.ng/malloc when installed (a devDependency the lead adds), else null. */
const thingModule: ThingModule | null = await (async () => {
  const spec = "@thi.ng/malloc";
  try {
    return (await import(spec)) as ThingModule;
  } catch {
    return null;
  }
})();

function thing(): Result {
  const name = "@thi.ng/malloc (first fit, ArrayBuffer)";
  if (thingModule === null)
    return { name: `${name}: NOT INSTALLED`, ops: OPS, opsPerSec: 0, runs: [], hwm: 0, frag: 0 };
  const trace = standardTrace(OPS);
  const pool = new thingModule.MemPool({ size: 1 << 20 });
  let lo = Number.POSITIVE_INFINITY;
  let hi = 0;
  const first = replay(
    trace,
    (s) => {
      const p = pool.malloc(s);
      if (p < lo) lo = p;
      if (p + s > hi) hi = p + s;
      return p;
    },
    (p) => {
      pool.free(p);
    },
  );
  for (const p of first.live) pool.free(p);
  const once = () => {
    const { live } = replay(
      trace,
      (s) => pool.malloc(s),
      (p) => {
        pool.free(p);
      },
    );
    for (const p of live) pool.free(p);
    return live.length;
  };
  // The pool's high-water mark is measured from its first block's header (8 bytes below it).
  return withFrag(measure(name, OPS, once), hi - (lo - 8), trace.peakLiveBytes);
}

function replayOnly(): Result {
  const trace = standardTrace(OPS);
  let next = 8;
  const once = () => {
    next = 8;
    return replay(
      trace,
      (s) => {
        const p = next;
        next += s;
        return p;
      },
      () => {},
    ).live.length;
  };
  return withFrag(measure("trace replay alone (bump, no free)", OPS, once), 0, 1);
}

const frag = (r: Result, limit?: number): Record<string, number | string> => ({
  frag: `${(100 * r.frag).toFixed(1)}%`,
  hwm: r.hwm,
  ...(limit === undefined ? {} : { fragTarget: `<= ${limit}%`, fragOk: 100 * r.frag <= limit ? "yes" : "NO" }),
});

benchMain(
  "alloc",
  {
    thing,
    tlsf: () => ours(TLSF, tlsf),
    heap: () => ours(HEAP, heap),
    slabArray: () => ours(SLABS, slabArray),
    tlsfInline: () => {
      raiseInlining();
      return ours(`${TLSF} +inline`, tlsf);
    },
    heapInline: () => {
      raiseInlining();
      return ours(`${HEAP} +inline`, heap);
    },
    slabArrayInline: () => {
      raiseInlining();
      return ours(`${SLABS} +inline`, slabArray);
    },
    tlsfLogic: () => ours(`TLSF, ${LOGIC}`, tlsf, true),
    heapLogic: () => ours(`heap, first fit, ${LOGIC}`, heap, true),
    slabArrayLogic: () => ours(`slab array, ${LOGIC}`, slabArray, true),
    replay: replayOnly,
  },
  (m) => {
    const r = m as Partial<Record<string, Result>>;
    const peer = r.thing !== undefined && r.thing.opsPerSec > 0 ? r.thing : null;
    const rows = [
      r.thing && row(r.thing, peer, undefined, frag(r.thing)),
      r.tlsf && row(r.tlsf, peer, { ratio: 20, opsPerSec: 15e6 }, frag(r.tlsf, 30)),
      r.heap && row(r.heap, peer, { opsPerSec: 5e6 }, frag(r.heap, 30)),
      r.slabArray && row(r.slabArray, peer, { opsPerSec: 40e6 }, frag(r.slabArray)),
      r.tlsfInline && row(r.tlsfInline, peer, undefined, frag(r.tlsfInline)),
      r.heapInline && row(r.heapInline, peer, undefined, frag(r.heapInline)),
      r.slabArrayInline && row(r.slabArrayInline, peer, undefined, frag(r.slabArrayInline)),
      r.tlsfLogic && row(r.tlsfLogic, peer, undefined, frag(r.tlsfLogic)),
      r.heapLogic && row(r.heapLogic, peer, undefined, frag(r.heapLogic)),
      r.slabArrayLogic && row(r.slabArrayLogic, peer, undefined, frag(r.slabArrayLogic)),
      r.replay && row(r.replay, peer),
    ];
    return [
      {
        group: "standard trace (seed 0xC0FFEE, 1,000,000 operations), fragmentation per docs/benchmarks.md",
        baseline: peer?.name ?? "@thi.ng/malloc (not measured)",
        rows: rows.filter((x) => x !== undefined),
      },
    ];
  },
);
