/**
 * memcheck benchmarks.
 *
 * 1. Checked 32-bit loads and stores at random SRAM addresses with the checker on, against raw
 *    DataView access to the same offsets in the same run (the hw bench's shape; target 0.15x):
 *    each case times the raw loop alternately with its own runs, and its ratio is the median
 *    run-by-run ratio (bench kit's `PairedBaseline`).
 * 2. Allocator throughput on the standard trace with the checker on: `@rtos-sim/alloc`'s TLSF
 *    and slab array over pages from `@rtos-sim/region`, bare, observed by the checker, and (TLSF)
 *    wrapped with redzones and a quarantine, then with source sites too (a JS stack captured at
 *    every allocation and free: the cost of `sourceSites`).
 */

import { SlabArrayAllocator, stepClasses, TlsfAllocator } from "@rtos-sim/alloc";
import {
  ACCESS,
  accessLoop,
  benchMain,
  type Measurement,
  measure,
  programEightRegions,
  rawAccessBaseline,
  replay,
  row,
  standardTrace,
} from "@rtos-sim/bench-kit";
import { ActorMode, createMachine, makeActor, STM32F407, STM32H743XI } from "@rtos-sim/hw";
import { RegionManager } from "@rtos-sim/region";
import { CheckedAllocator, checkedAllocator } from "../src/checked-allocator.js";
import { MemoryChecker } from "../src/checker.js";

const SRAM = ACCESS.base;
const SIZE = ACCESS.size;

/** A hook that does nothing measurable: the cost of the hook call itself. */
class EmptyHook {
  hits = 0;
  onAccess(address: number): void {
    if (address === 1) this.hits++;
  }
}

/** The hw bench's machine and loop (MPU on, 8 regions, unprivileged), optionally with the checker. */
function checked(name: string, opts: { checker: boolean; mpu: boolean; empty?: boolean }) {
  const m = createMachine(STM32F407);
  if (opts.mpu) programEightRegions(m.mpu);
  if (opts.checker) {
    // The whole of SRAM1+SRAM2 as one user block, initialized: the state the fast path serves.
    const c = new MemoryChecker(m).attach();
    c.pagesGiven(SRAM, SIZE, "heap");
    c.blockAllocated(SRAM, SIZE, "heap");
    c.makeInitialized(SRAM, SIZE);
  }
  if (opts.empty) m.core.hook = new EmptyHook();
  m.core.actor = makeActor(ActorMode.User, 1);
  m.core.controlNPriv = true;
  return accessLoop(name, m.core);
}

const TRACE = standardTrace();

/**
 * The standard trace replayed through a real allocator of `@rtos-sim/alloc` on an STM32H743XI
 * (pages from the region manager in AXI SRAM), then the survivors freed so every timed run
 * starts from the same empty allocator. `checker`: the memory checker observes the region
 * manager and the allocator and checks every metadata access; `wrapped`: redzones of 16 B and a
 * 64 KiB quarantine around the allocator too.
 */
function trace(name: string, kind: "tlsf" | "slab-array", mode: "bare" | "checker" | "wrapped" | "sites") {
  const m = createMachine(STM32H743XI);
  const rm = new RegionManager({ memory: m.core, regions: m.board.memory.filter((r) => !r.readOnly) });
  let checker: MemoryChecker | null = null;
  if (mode !== "bare") {
    const metadata = rm.regions().map((r) => ({ start: r.metadataStart, size: r.metadataPages * rm.pageSize }));
    checker = new MemoryChecker(m, { metadata, sourceSites: mode === "sites" }).attach();
    rm.observer = checker;
  }
  const options = { pages: rm, memory: m.core, region: "AXISRAM", observer: checker };
  const inner =
    kind === "tlsf"
      ? new TlsfAllocator({ name: "tlsf", ...options })
      : new SlabArrayAllocator({ name: "kmalloc", ...options, classes: stepClasses(32, 576) });
  const heap =
    (mode === "wrapped" || mode === "sites") && checker
      ? checkedAllocator(checker, inner, { redzone: 16, quarantineBytes: 64 * 1024 })
      : inner;
  m.core.actor = makeActor(ActorMode.User, 1);
  const ops = TRACE.kind.length + TRACE.liveAtEnd;
  return measure(
    name,
    ops,
    () => {
      const { live } = replay(
        TRACE,
        (size) => heap.allocate(size) ?? -1,
        (p) => heap.free(p),
      );
      for (const p of live) heap.free(p);
      if (heap instanceof CheckedAllocator) heap.flushQuarantine();
      return live.length;
    },
    { runs: 5, warmup: 1 },
  );
}

benchMain(
  "memcheck",
  {
    raw: () => rawAccessBaseline(),
    hwOnly: () => checked("hw only: checked, unprivileged, MPU on (no checker)", { checker: false, mpu: true }),
    emptyHook: () => checked("hw with an empty hook (bound for any hook)", { checker: false, mpu: true, empty: true }),
    checkerMpuOn: () => checked("checker on: MPU on, 8 regions, user task", { checker: true, mpu: true }),
    checkerMpuOff: () => checked("checker on: MPU off, user task", { checker: true, mpu: false }),
    tlsfBare: () => trace("TLSF, no checker", "tlsf", "bare"),
    tlsfChecker: () => trace("TLSF, checker on (hook + transitions)", "tlsf", "checker"),
    tlsfWrapped: () => trace("TLSF, checker on, redzone 16 B, quarantine 64 KiB", "tlsf", "wrapped"),
    tlsfSites: () => trace("TLSF, as above, with source sites (a JS stack per allocation and free)", "tlsf", "sites"),
    slabBare: () => trace("slab array (32..576 B), no checker", "slab-array", "bare"),
    slabChecker: () => trace("slab array (32..576 B), checker on", "slab-array", "checker"),
  },
  (r) => {
    // Rows of the cases that ran (BENCH_ONLY may select some).
    const rows = (base: Measurement | undefined, list: [Measurement | undefined, number?][]) =>
      base ? list.filter(([m]) => m).map(([m, t]) => row(m!, base, t === undefined ? undefined : { ratio: t })) : [];
    return [
      {
        group: "checked 32-bit access at random SRAM addresses",
        baseline: r.raw?.name ?? "raw",
        rows: rows(r.raw, [[r.raw], [r.hwOnly], [r.emptyHook], [r.checkerMpuOn, 0.15], [r.checkerMpuOff, 0.15]]),
      },
      {
        group: "standard trace (1M ops + final frees), @rtos-sim/alloc TLSF on STM32H743 AXI SRAM",
        baseline: r.tlsfBare?.name ?? "TLSF",
        rows: rows(r.tlsfBare, [[r.tlsfBare], [r.tlsfChecker], [r.tlsfWrapped], [r.tlsfSites]]),
      },
      {
        group: "standard trace (1M ops + final frees), @rtos-sim/alloc slab array on STM32H743 AXI SRAM",
        baseline: r.slabBare?.name ?? "slab array",
        rows: rows(r.slabBare, [[r.slabBare], [r.slabChecker]]),
      },
    ];
  },
);
